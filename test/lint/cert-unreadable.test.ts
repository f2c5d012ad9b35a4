/** cert-unreadable (src/lint/rules/certificates.ts): a certificate or key file nginx could not load. */
import { describe, expect, it } from "vitest";
import type { FileRead } from "../../src/lint/index.js";
import { certificateFiles, NOW, ruleFindings, tlsSite } from "../helpers/lint.js";

const files = certificateFiles({ chat: { names: ["chat.example.com"] } });
const findings = (yaml: string, read: Map<string, FileRead> | undefined, stubbed?: string[]) =>
  ruleFindings("cert-unreadable", yaml, {
    ...(read ? { files: read } : {}),
    now: NOW,
    ...(stubbed ? { stubbed: new Set(stubbed) } : {}),
  });

describe("cert-unreadable", () => {
  it("fires at the certificate or key that check could not read, with the reason", () => {
    const read = new Map<string, FileRead>([
      ...files,
      ["/certs/chat.pem", { error: "does not exist" }],
      ["/certs/chat.key", { error: "permission denied" }],
    ]);
    expect(findings(tlsSite(["chat.example.com"], "chat"), read)).toEqual([
      { path: "sites[0].tls.certificate", severity: "error", message: '"/certs/chat.pem": does not exist' },
      { path: "sites[0].tls.key", severity: "error", message: '"/certs/chat.key": permission denied' },
    ]);
  });
  it("fires when the files are not PEM, and for a file check did not read", () => {
    const read = new Map<string, FileRead>([
      ...files,
      ["/certs/chat.pem", { data: Buffer.from("not a certificate\n") }],
      ["/certs/chat.key", { data: Buffer.from("x") }],
    ]);
    expect(findings(tlsSite(["chat.example.com"], "chat"), read).map((f) => f.message)).toEqual([
      '"/certs/chat.pem": is not a PEM certificate',
      '"/certs/chat.key": is not a PEM private key (or it is encrypted: nginx would need ssl_password_file)',
    ]);
    expect(findings(tlsSite(["chat.example.com"], "chat"), new Map()).map((f) => f.message)).toEqual([
      '"/certs/chat.pem": not read',
      '"/certs/chat.key": not read',
    ]);
  });
  it("fires for every site that shares a file that is not PEM (each file is parsed once per run)", () => {
    const read = new Map<string, FileRead>([...files, ["/certs/chat.pem", { data: Buffer.from("not a certificate\n") }]]);
    const two = tlsSite(["chat.example.com"], "chat").replace(
      "sites:\n",
      "sites:\n  - domains: [b.chat.example.com]\n    tls: { certificate: /certs/chat.pem, key: /certs/chat.key }\n    redirectHttp: true\n    routes: [{ path: /ws, upstream: chat, origins: [https://chat.example.com] }]\n",
    );
    expect(findings(two, read).map((f) => `${f.path}: ${f.message}`)).toEqual([
      'sites[0].tls.certificate: "/certs/chat.pem": is not a PEM certificate',
      'sites[1].tls.certificate: "/certs/chat.pem": is not a PEM certificate',
    ]);
  });
  it("is silent for a readable pair, without files (render does no I/O), and for files check stood in for", () => {
    expect(findings(tlsSite(["chat.example.com"], "chat"), files)).toEqual([]);
    expect(findings(tlsSite(["chat.example.com"], "chat"), undefined)).toEqual([]);
    expect(findings(tlsSite(["chat.example.com"], "missing"), new Map(), ["/certs/missing.pem"])).toEqual([]);
  });
});

/** cert-key-mismatch (src/lint/rules/certificates.ts): a key that is not the certificate's own. */
import { describe, expect, it } from "vitest";
import { certificateFiles, NOW, ruleFindings, tlsSite } from "../helpers/lint.js";

const files = certificateFiles({ chat: { names: ["chat.example.com"] }, other: { names: ["chat.example.com"] } });
const findings = (cert: string, key: string) =>
  ruleFindings("cert-key-mismatch", tlsSite(["chat.example.com"], cert, key), { files, now: NOW });

describe("cert-key-mismatch", () => {
  it("fires at the key when it does not belong to the certificate", () => {
    expect(findings("chat", "other")).toEqual([
      {
        path: "sites[0].tls.key",
        severity: "error",
        message: '"/certs/other.key" is not the key of "/certs/chat.pem"; nginx refuses to start with it',
      },
    ]);
  });
  it("fires for every site that shares the pair (each file is parsed once per run)", () => {
    const two = tlsSite(["chat.example.com"], "chat", "other").replace(
      "sites:\n",
      "sites:\n  - domains: [b.chat.example.com]\n    tls: { certificate: /certs/chat.pem, key: /certs/other.key }\n    redirectHttp: true\n    routes: [{ path: /ws, upstream: chat, origins: [https://chat.example.com] }]\n",
    );
    expect(ruleFindings("cert-key-mismatch", two, { files, now: NOW }).map((f) => f.path)).toEqual([
      "sites[0].tls.key",
      "sites[1].tls.key",
    ]);
  });
  it("is silent for the certificate's own key", () => {
    expect(findings("chat", "chat")).toEqual([]);
    expect(findings("other", "other")).toEqual([]);
  });
});

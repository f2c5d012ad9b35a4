/** cert-name-mismatch (src/lint/rules/certificates.ts): a domain the certificate has no subjectAltName for. */
import { describe, expect, it } from "vitest";
import { certificateFiles, NOW, ruleFindings, tlsSite } from "../helpers/lint.js";

const files = certificateFiles({ chat: { names: ["chat.example.com", "*.chat.example.com"] } });
const findings = (domains: string[]) => ruleFindings("cert-name-mismatch", tlsSite(domains, "chat"), { files, now: NOW });

describe("cert-name-mismatch", () => {
  it("fires at each domain the certificate does not cover, naming what it does cover", () => {
    expect(findings(["chat.example.com", "other.example.net", "*.deep.chat.example.com"])).toEqual([
      {
        path: "sites[0].domains[1]",
        severity: "error",
        message:
          '"/certs/chat.pem" has no subjectAltName for "other.example.net" (it covers DNS:chat.example.com, DNS:*.chat.example.com); browsers refuse "wss://other.example.net"',
      },
      {
        path: "sites[0].domains[2]",
        severity: "error",
        message:
          '"/certs/chat.pem" has no subjectAltName for "*.deep.chat.example.com" (it covers DNS:chat.example.com, DNS:*.chat.example.com); browsers refuse "wss://x.deep.chat.example.com"',
      },
    ]);
  });
  it("is silent for covered names, a wildcard of the same level, and names no certificate can list (example.*)", () => {
    expect(findings(["chat.example.com", "a.chat.example.com", "*.chat.example.com", "chat.*"])).toEqual([]);
  });
});

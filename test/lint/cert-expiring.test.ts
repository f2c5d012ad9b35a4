/** cert-expiring (src/lint/rules/certificates.ts): a certificate that expires within 14 days. */
import { describe, expect, it } from "vitest";
import { certificateFiles, NOW, ruleFindings, tlsSite } from "../helpers/lint.js";

const files = certificateFiles({
  five: { names: ["chat.example.com"], days: 5 },
  one: { names: ["chat.example.com"], days: 1.5 },
  thirteen: { names: ["chat.example.com"], days: 13.5 },
  fifteen: { names: ["chat.example.com"], days: 15 },
});
const findings = (cert: string) => ruleFindings("cert-expiring", tlsSite(["chat.example.com"], cert), { files, now: NOW });

describe("cert-expiring", () => {
  it("fires at the certificate, as a warning, with the date and the days left", () => {
    expect(findings("five")).toEqual([
      {
        path: "sites[0].tls.certificate",
        severity: "warning",
        message: '"/certs/five.pem" expires on 2030-01-06 (in 5 days); renew it',
      },
    ]);
    expect(findings("one")[0]?.message).toContain("(in 1 day)");
    expect(findings("thirteen")[0]?.message).toContain("(in 13 days)");
  });
  it("is silent with 14 days or more left", () => {
    expect(findings("fifteen")).toEqual([]);
  });
});

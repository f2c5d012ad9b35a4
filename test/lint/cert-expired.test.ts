/** cert-expired (src/lint/rules/certificates.ts): a certificate past its notAfter date. */
import { describe, expect, it } from "vitest";
import { certificateFiles, DAY, NOW, ruleFindings, tlsSite } from "../helpers/lint.js";

const files = certificateFiles({
  expired: { names: ["chat.example.com"], issued: new Date(NOW.getTime() - 60 * DAY), days: 30 },
  valid: { names: ["chat.example.com"] },
});
const findings = (cert: string, now = NOW) => ruleFindings("cert-expired", tlsSite(["chat.example.com"], cert), { files, now });

describe("cert-expired", () => {
  it("fires at the certificate, with the day it expired", () => {
    expect(findings("expired")).toEqual([
      {
        path: "sites[0].tls.certificate",
        severity: "error",
        message: '"/certs/expired.pem" expired on 2029-12-02; browsers refuse wss:// to it',
      },
    ]);
  });
  it("judges by `now`: silent before the date, firing after it", () => {
    expect(findings("valid")).toEqual([]);
    expect(findings("expired", new Date(NOW.getTime() - 40 * DAY))).toEqual([]);
    expect(findings("valid", new Date(NOW.getTime() + 91 * DAY))).toHaveLength(1);
  });
});

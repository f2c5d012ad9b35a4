/** tls-no-redirect (src/lint/rules/tls-no-redirect.ts): a TLS site that says nothing about http:// visitors. */
import { describe, expect, it } from "vitest";
import { ruleFindings, UPSTREAMS } from "../helpers/lint.js";

const TLS = "tls: { certificate: /etc/ssl/wssgen/fullchain.pem, key: /etc/ssl/wssgen/privkey.pem }";
const site = (domain: string, extra: string) =>
  `  - domains: [${domain}]\n${extra}    routes: [{ path: /ws, upstream: chat, origins: [https://${domain}] }]\n`;
const findings = (...sites: string[]) => ruleFindings("tls-no-redirect", `${UPSTREAMS}sites:\n${sites.join("")}`);

describe("tls-no-redirect", () => {
  it("fires at the site's tls key when redirectHttp is not set", () => {
    expect(findings(site("chat.example.com", `    ${TLS}\n`))).toEqual([
      {
        path: "sites[0].tls",
        severity: "warning",
        message:
          '"chat.example.com" serves https only: "http://chat.example.com" reaches no server of this site; add redirectHttp: true (or redirectHttp: false to say it is on purpose)',
      },
    ]);
  });
  it("is silent when redirectHttp says either way, and on plain sites", () => {
    expect(
      findings(
        site("a.example.com", `    ${TLS}\n    redirectHttp: true\n`),
        site("b.example.com", `    ${TLS}\n    redirectHttp: false\n`),
        site("c.example.com", `    ${TLS}\n    redirectHttp: { listen: "127.0.0.1:8080" }\n`),
        site("d.example.com", ""),
      ),
    ).toEqual([]);
  });
  it("names each site that lacks it", () => {
    expect(
      findings(site("a.example.com", `    ${TLS}\n    redirectHttp: true\n`), site("b.example.com", `    ${TLS}\n`)).map(
        (f) => f.path,
      ),
    ).toEqual(["sites[1].tls"]);
  });
});

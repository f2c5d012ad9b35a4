/** http2-shared-listen (src/lint/rules/nginx-settings.ts): before 1.25.1, one site's http2 is every site's on that address. */
import { describe, expect, it } from "vitest";
import { ruleFindings, UPSTREAMS } from "../helpers/lint.js";

const TLS = "tls: { certificate: /etc/ssl/wssgen/fullchain.pem, key: /etc/ssl/wssgen/privkey.pem }, redirectHttp: true";
const site = (domain: string, http2: boolean, listen = "443") =>
  `  - { domains: [${domain}], listen: "${listen}", http2: ${http2}, ${TLS}, routes: [{ path: /ws, upstream: chat, origins: [https://${domain}] }] }\n`;
const findings = (nginx: string, ...sites: string[]) =>
  ruleFindings("http2-shared-listen", `${UPSTREAMS}sites:\n${sites.join("")}`, { nginx });

describe("http2-shared-listen", () => {
  it("fires before 1.25.1 at each site without http2 that shares an address with one that has it", () => {
    expect(findings("1.22", site("a.example.com", true), site("b.example.com", false), site("c.example.com", false))).toEqual(
      [1, 2].map((i) => ({
        path: `sites[${i}].http2`,
        severity: "warning",
        message:
          "sites[0] turns on http2 for *:443, and before nginx 1.25.1 that applies to this site too; set http2 the same on every site of *:443",
      })),
    );
    expect(findings("1.25.0", site("a.example.com", true), site("b.example.com", false))).toHaveLength(1);
  });
  it("reports a site once though a bare port also listens on [::] (ipv6), and catches a clash on [::] alone", () => {
    expect(findings("1.22", site("a.example.com", true), site("b.example.com", false)).map((f) => f.path)).toEqual([
      "sites[1].http2",
    ]);
    const clash = findings("1.22", site("a.example.com", true), site("b.example.com", false, "[::]:443"));
    expect(clash.map((f) => f.path)).toEqual(["sites[1].http2"]);
    expect(clash[0]?.message).toContain("turns on http2 for [::]:443");
  });
  it("is silent from 1.25.1 (http2 on; is per server), when the sites agree, and on different addresses", () => {
    expect(findings("1.25.1", site("a.example.com", true), site("b.example.com", false))).toEqual([]);
    expect(findings("1.22", site("a.example.com", true), site("b.example.com", true))).toEqual([]);
    expect(findings("1.22", site("a.example.com", false), site("b.example.com", false))).toEqual([]);
    expect(findings("1.22", site("a.example.com", true), site("b.example.com", false, "8443"))).toEqual([]);
  });
});

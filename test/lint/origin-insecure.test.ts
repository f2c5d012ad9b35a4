/** origin-insecure (src/lint/rules/origins.ts): an http:// origin allowed on a TLS site. */
import { describe, expect, it } from "vitest";
import { ruleFindings, UPSTREAMS } from "../helpers/lint.js";

const TLS = "    tls: { certificate: /etc/ssl/wssgen/fullchain.pem, key: /etc/ssl/wssgen/privkey.pem }\n    redirectHttp: true\n";
const site = (tls: boolean, origins: string[]) =>
  `${UPSTREAMS}sites:\n  - domains: [chat.example.com]\n${tls ? TLS : ""}    routes: [{ path: /ws, upstream: chat, origins: [${origins.join(", ")}] }]\n`;
const findings = (yaml: string) => ruleFindings("origin-insecure", yaml);

describe("origin-insecure", () => {
  it("fires at each http:// origin of a TLS site", () => {
    expect(findings(site(true, ["https://chat.example.com", "http://chat.example.com", "http://other.example.com"]))).toEqual(
      ["http://chat.example.com", "http://other.example.com"].map((origin, i) => ({
        path: `sites[0].routes[0].origins[${i + 1}]`,
        severity: "warning",
        message: `"${origin}" is plain http on a TLS site: a page served over http can be altered by anyone on the network and then open this WebSocket; allow its https:// form instead`,
      })),
    );
  });
  it("is silent for https:// origins, and for http:// origins of a plain site", () => {
    expect(findings(site(true, ["https://chat.example.com", "https://chat.example.com:8443"]))).toEqual([]);
    expect(findings(site(false, ["http://chat.example.com"]))).toEqual([]);
  });
});

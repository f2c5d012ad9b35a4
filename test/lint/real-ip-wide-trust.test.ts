/** real-ip-wide-trust (src/lint/rules/real-ip.ts): realIp.from that trusts every client to name itself. */
import { describe, expect, it } from "vitest";
import { ruleFindings, UPSTREAMS } from "../helpers/lint.js";

const site = (listen: string, realIp: string) =>
  `  - domains: [chat.example.com]\n    listen: "${listen}"\n    realIp: ${realIp}\n    routes: [{ path: /ws, upstream: chat }]\n`;
const findings = (...sites: string[]) => ruleFindings("real-ip-wide-trust", `${UPSTREAMS}sites:\n${sites.join("")}`);

describe("real-ip-wide-trust", () => {
  it("fires at each entry of realIp.from that covers every address, naming the header a client would forge", () => {
    const found = findings(site("443", "{ from: [10.0.0.0/8, 0.0.0.0/0, ::/0] }"));
    expect(found.map((f) => f.path)).toEqual(["sites[0].realIp.from[1]", "sites[0].realIp.from[2]"]);
    expect(found[0]).toEqual({
      path: "sites[0].realIp.from[1]",
      severity: "warning",
      message:
        '"0.0.0.0/0" trusts every client to say who it is: anyone can send X-Forwarded-For: <any address> and pass as another client, past maxConnectionsPerIp, ip-hash and the logs; list only your proxies\' addresses (for Cloudflare, the ranges at https://www.cloudflare.com/ips/)',
    });
    expect(found[1]?.message).toMatch(/^"::\/0" trusts every client/);
  });
  it("names the header the site trusts, or the PROXY line", () => {
    expect(findings(site("10.0.0.2:8080", "{ from: [0.0.0.0/0], header: CF-Connecting-IP }"))[0]?.message).toContain(
      "anyone can send CF-Connecting-IP: <any address>",
    );
    expect(findings(site("10.0.0.2:8080", "{ from: [::/0], header: proxy_protocol }"))[0]?.message).toContain(
      "anyone can send a PROXY protocol line naming any address",
    );
  });
  it("any /0 is everyone: nginx masks the address with the prefix", () => {
    expect(findings(site("8080", "{ from: [10.0.0.0/0] }")).map((f) => f.path)).toEqual(["sites[0].realIp.from[0]"]);
  });
  it("is silent for narrower networks, sites without realIp, and sites that listen only on loopback", () => {
    expect(findings(site("8080", '{ from: [10.0.0.0/8, 2001:db8::/32, 127.0.0.1, "unix:"] }'))).toEqual([]);
    expect(findings(`  - domains: [a.example.com]\n    routes: [{ path: /ws, upstream: chat }]\n`)).toEqual([]);
    // only this machine's processes (a local proxy, a tunnel) can connect there
    expect(findings(site("127.0.0.1:8080", "{ from: [0.0.0.0/0] }"), site("[::1]:8081", "{ from: [::/0] }"))).toEqual([]);
  });
});

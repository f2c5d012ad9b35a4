/** ip-hash-behind-proxy (src/lint/rules/upstreams.ts): ip-hash where every client has the proxy's address. */
import { describe, expect, it } from "vitest";
import { ruleFindings } from "../helpers/lint.js";

const config = (balance: string, ...sites: { listen?: string; upstream?: string }[]) =>
  `upstreams:\n  chat: { servers: [10.0.0.5:8080, 10.0.0.6:8080], balance: ${balance} }\n  other: { servers: [10.0.0.5:8080, 10.0.0.6:8080] }\nsites:\n${sites
    .map(
      (site, i) =>
        `  - domains: [s${i}.example.com]\n${site.listen ? `    listen: "${site.listen}"\n` : ""}    routes: [{ path: /ws, upstream: ${site.upstream ?? "chat"} }]\n`,
    )
    .join("")}`;
const findings = (yaml: string) => ruleFindings("ip-hash-behind-proxy", yaml);

describe("ip-hash-behind-proxy", () => {
  it("fires at the balance key when every site using the upstream listens only on private addresses", () => {
    expect(findings(config("ip-hash", { listen: "127.0.0.1:8080" }, { listen: "10.0.0.1:8080" }))).toEqual([
      {
        path: "upstreams.chat.balance",
        severity: "warning",
        message:
          "the sites using it listen only on private addresses, so clients arrive through a proxy and all share its address: ip-hash sends every socket to one server; set realIp on those sites (realIp: { from: [the proxy's network] }) so nginx sees each client's own address",
      },
    ]);
  });
  it("is silent when a site using it listens publicly, for other balancing, and for an upstream no site uses", () => {
    expect(findings(config("ip-hash", { listen: "127.0.0.1:8080" }, {}))).toEqual([]);
    expect(findings(config("least-conn", { listen: "127.0.0.1:8080" }))).toEqual([]);
    expect(findings(config("ip-hash", { listen: "127.0.0.1:8080", upstream: "other" }))).toEqual([]);
  });
});

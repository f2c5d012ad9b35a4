/** max-connections-unset (src/lint/rules/origins.ts): a public WebSocket route that clients reach directly, with no cap. */
import { describe, expect, it } from "vitest";
import { ruleFindings, UPSTREAMS } from "../helpers/lint.js";

const site = (domains: string, route: string, listen = "") =>
  `  - domains: [${domains}]\n${listen ? `    listen: "${listen}"\n` : ""}    routes: [{ path: /ws, upstream: chat, origins: [http://chat.example.com]${route} }]\n`;
const findings = (...sites: string[]) => ruleFindings("max-connections-unset", `${UPSTREAMS}sites:\n${sites.join("")}`);

describe("max-connections-unset", () => {
  it("fires at the route, at info level, when a public site's WebSocket route has no maxConnectionsPerIp", () => {
    expect(findings(site("chat.example.com", ""))).toEqual([
      {
        path: "sites[0].routes[0]",
        severity: "info",
        message:
          "one client address can hold any number of open sockets (each costs a worker connection and an upstream one); set maxConnectionsPerIp, e.g. 100",
      },
    ]);
    expect(findings(site("chat.example.com", "", "203.0.113.7:443"))).toHaveLength(1);
  });
  it("is silent with a cap, on plain routes, on internal names, and behind a proxy (private addresses only)", () => {
    expect(
      findings(
        site("a.example.com", ", maxConnectionsPerIp: 20"),
        site("b.example.com", ", websocket: false"),
        site("dash.lan", ""),
        site("c.example.com", "", "127.0.0.1:8080"),
        site("d.example.com", "", "10.0.0.1:8080"),
      ),
    ).toEqual([]);
  });
});

/** upstream-single-server (src/lint/rules/upstreams.ts): plain HTTP through one server and no keepalive. */
import { describe, expect, it } from "vitest";
import { ruleFindings } from "../helpers/lint.js";

const config = (upstream: string, routes = "{ path: /, upstream: web, websocket: false }") =>
  `upstreams:\n  web: ${upstream}\nsites:\n  - domains: [chat.example.com]\n    routes: [${routes}]\n`;
const findings = (yaml: string, nginx?: string) => ruleFindings("upstream-single-server", yaml, nginx ? { nginx } : {});

describe("upstream-single-server", () => {
  it("fires at the servers when one live server serves plain HTTP routes without keepalive", () => {
    expect(findings(config("{ servers: [10.0.0.5:8080, { address: 10.0.0.6:8080, down: true }] }"))).toEqual([
      {
        path: "upstreams.web.servers",
        severity: "warning",
        message:
          'one server and no keepalive for 1 plain HTTP route(s): every request opens a new connection to "10.0.0.5:8080", and nothing takes over when it is down; set keepalive (e.g. 16) and add a second server or a backup',
      },
    ]);
    expect(
      findings(
        config(
          "{ servers: [10.0.0.5:8080] }",
          "{ path: /, upstream: web, websocket: false }, { path: /api, upstream: web, websocket: false }",
        ),
      )[0]?.message,
    ).toContain("for 2 plain HTTP route(s)");
  });
  it("is silent with keepalive, a second server or a backup, and for WebSocket routes only", () => {
    expect(findings(config("{ servers: [10.0.0.5:8080], keepalive: 16 }"))).toEqual([]);
    expect(findings(config("{ servers: [10.0.0.5:8080, 10.0.0.6:8080] }"))).toEqual([]);
    expect(findings(config("{ servers: [10.0.0.5:8080, { address: 10.0.0.6:8080, backup: true }] }"))).toEqual([]);
    expect(findings(config("{ servers: [10.0.0.5:8080] }", "{ path: /ws, upstream: web }"))).toEqual([]);
  });
  it("from nginx 1.29.7 upstreams keep idle connections by default: silent there, unless keepalive: 0", () => {
    expect(findings(config("{ servers: [10.0.0.5:8080] }"), "1.30")).toEqual([]);
    expect(findings(config("{ servers: [10.0.0.5:8080], keepalive: 0 }"), "1.30")).toHaveLength(1);
  });
});

/** ws-read-timeout (src/lint/rules/ws-read-timeout.ts): a WebSocket route whose read timeout is 60 s or less. */
import { describe, expect, it } from "vitest";
import { ruleFindings, UPSTREAMS } from "../helpers/lint.js";

const site = (route: string, defaults = "") =>
  `${UPSTREAMS}${defaults}sites:\n  - domains: [chat.example.com]\n    routes:\n      - { path: /ws, upstream: chat${route} }\n`;
const findings = (yaml: string) => ruleFindings("ws-read-timeout", yaml);

describe("ws-read-timeout", () => {
  it("fires at the route's timeouts.read when it is 60 s or less", () => {
    expect(findings(site(", timeouts: { read: 30s }"))).toEqual([
      {
        path: "sites[0].routes[0].timeouts.read",
        severity: "warning",
        message:
          "read timeout 30s: nginx closes a WebSocket that is silent this long; ping more often than that from the app, or raise timeouts.read (default 1h)",
      },
    ]);
    // whole seconds as a number, and the boundary itself
    expect(findings(site(", timeouts: { read: 60 }")).map((f) => f.message)).toEqual([
      expect.stringMatching(/^read timeout 60s: /),
    ]);
    expect(findings(site(", timeouts: { read: 1m }"))).toHaveLength(1);
  });
  it("fires at defaults.timeouts.read, the key the user wrote, when the route inherits it", () => {
    expect(findings(site("", "defaults: { timeouts: { read: 45s } }\n")).map((f) => f.path)).toEqual(["defaults.timeouts.read"]);
  });
  it("is silent above 60 s, with wssgen's default (1h), and on routes that are not WebSockets", () => {
    expect(findings(site(", timeouts: { read: 61s }"))).toEqual([]);
    expect(findings(site(""))).toEqual([]);
    expect(findings(site(", websocket: false, timeouts: { read: 5s }"))).toEqual([]);
  });
  it("leaves a preset route to preset-timeout, which knows the framework: one problem, one report", () => {
    // path /ws with a preset: preset-path (info) may speak, but only preset-timeout speaks about the timeout
    const preset = (name: string, read: string) => site(`, preset: ${name}, timeouts: { read: ${read} }`);
    expect(findings(preset("socket.io", "30s"))).toEqual([]);
    expect(ruleFindings("preset-timeout", preset("socket.io", "30s")).map((f) => f.path)).toEqual([
      "sites[0].routes[0].timeouts.read",
    ]);
    // above socket.io's 45 s of silence by design: neither rule, though 50 s is below this rule's 60 s
    expect(findings(preset("socket.io", "50s"))).toEqual([]);
    expect(ruleFindings("preset-timeout", preset("socket.io", "50s"))).toEqual([]);
    // inherited from defaults.*, and for every preset (10 s is at or below each one's known silence)
    for (const name of ["signalr", "graphql-ws", "phoenix", "actioncable", "home-assistant"])
      expect(findings(site(`, preset: ${name}`, "defaults: { timeouts: { read: 10s } }\n")), name).toEqual([]);
    // the same route without a preset still fires
    expect(findings(site(", timeouts: { read: 30s }"))).toHaveLength(1);
  });
  it("applies to a preset route that preset-timeout passes and whose preset sets no read timeout (servers that may not ping)", () => {
    // graphql-ws: preset-timeout fires only at 12 s (useServer's keepAlive), but other servers may
    // not ping at all; the same warning as without the preset
    const yaml = site(", preset: graphql-ws", "defaults: { timeouts: { read: 30s } }\n");
    expect(ruleFindings("preset-timeout", yaml)).toEqual([]);
    expect(findings(yaml).map((f) => f.path)).toEqual(["defaults.timeouts.read"]);
    expect(findings(site(", preset: home-assistant, timeouts: { read: 58s }"))).toHaveLength(1);
    // silent where preset-timeout fires, and where the preset sets a read timeout of its own
    expect(findings(site(", preset: graphql-ws, timeouts: { read: 12s }"))).toEqual([]);
    for (const name of ["socket.io", "signalr", "phoenix", "actioncable"])
      expect(findings(site(`, preset: ${name}, timeouts: { read: 58s }`)), name).toEqual([]);
  });
  it("lint.rules sets its severity or turns it off", () => {
    const yaml = (setting: string) => `lint: { rules: { ws-read-timeout: ${setting} } }\n${site(", timeouts: { read: 30s }")}`;
    expect(findings(yaml("error")).map((f) => f.severity)).toEqual(["error"]);
    expect(findings(yaml("off"))).toEqual([]);
  });
});

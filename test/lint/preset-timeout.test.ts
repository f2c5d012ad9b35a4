/** preset-timeout (src/lint/rules/presets.ts): timeouts.read at or below the framework's silence by design. */
import { describe, expect, it } from "vitest";
import { ruleFindings, UPSTREAMS } from "../helpers/lint.js";

const site = (route: string, defaults = "") =>
  `${UPSTREAMS}${defaults}sites:\n  - domains: [chat.example.com]\n    routes:\n      - { upstream: chat, ${route} }\n`;
const findings = (yaml: string) => ruleFindings("preset-timeout", yaml);

describe("preset-timeout", () => {
  it("fires at the route's timeouts.read at or below socket.io's pingInterval + pingTimeout (45 s)", () => {
    expect(findings(site("path: /socket.io/, preset: socket.io, timeouts: { read: 45s }"))).toEqual([
      {
        path: "sites[0].routes[0].timeouts.read",
        severity: "warning",
        message:
          "read timeout 45s is not above 45s: socket.io's server pings every pingInterval (25 s) and waits pingTimeout (20 s) for the pong, so nginx would close healthy connections; raise timeouts.read (the preset's own is 90s), or shorten the framework's own (pingInterval (25000), pingTimeout (20000))",
      },
    ]);
    expect(findings(site("path: /socket.io/, preset: socket.io, timeouts: { read: 46s }"))).toEqual([]);
  });

  it("fires for SignalR at 90 s (long polling's PollTimeout), where ws-read-timeout would not", () => {
    expect(findings(site("path: /hub, preset: signalr, timeouts: { read: 90s }"))[0]!.message).toMatch(
      /^read timeout 90s is not above 90s: SignalR's long polling holds each poll open up to 90 s/,
    );
    expect(findings(site("path: /hub, preset: signalr, timeouts: { read: 91s }"))).toEqual([]);
  });

  it("a route's own value wins over defaults.*, and the preset's over defaults.*: so an inherited value never fires", () => {
    expect(findings(site("path: /socket.io/, preset: socket.io", "defaults: { timeouts: { read: 10s } }\n"))).toEqual([]);
  });

  it("is silent with the preset's own timeouts and for routes without a preset", () => {
    for (const [name, path] of [
      ["socket.io", "/socket.io/"],
      ["signalr", "/hub"],
      ["graphql-ws", "/graphql"],
      ["phoenix", "/socket"],
      ["actioncable", "/cable"],
      ["home-assistant", "/"],
    ])
      expect(findings(site(`path: "${path}", preset: ${name}`)), name).toEqual([]);
    expect(findings(site("path: /ws, timeouts: { read: 10s }"))).toEqual([]);
  });

  it("on websocket: false (polling only), fires at or below the longest poll the server holds open", () => {
    // SignalR holds a long poll up to 90 s (PollTimeout): with 60 s every idle poll ends in 504
    expect(findings(site("path: /hub, preset: signalr, websocket: false, timeouts: { read: 60s }"))).toEqual([
      {
        path: "sites[0].routes[0].timeouts.read",
        severity: "warning",
        message:
          "read timeout 60s is not above 90s: SignalR's long polling holds each poll open up to 90 s (LongPollingOptions.PollTimeout), so nginx would end each held poll in 504; raise timeouts.read (the preset's own is 2m), or shorten the framework's own (HubOptions.KeepAliveInterval (15 s), ClientTimeoutInterval (30 s), LongPollingOptions.PollTimeout (90 s); client serverTimeoutInMilliseconds (30 s))",
      },
    ]);
    expect(findings(site("path: /hub, preset: signalr, websocket: false"))).toEqual([]);
    // socket.io answers a held poll with its ping every 25 s; Phoenix holds one up to window_ms (10 s)
    expect(findings(site("path: /socket.io/, preset: socket.io, websocket: false, timeouts: { read: 25s }"))).toHaveLength(1);
    expect(findings(site("path: /socket.io/, preset: socket.io, websocket: false, timeouts: { read: 30s }"))).toEqual([]);
    expect(findings(site("path: /socket/, preset: phoenix, websocket: false, timeouts: { read: 10s }"))).toHaveLength(1);
    expect(findings(site("path: /socket/, preset: phoenix, websocket: false, timeouts: { read: 11s }"))).toEqual([]);
  });

  it("fires for Home Assistant at or below the server's 55 s ping (aiohttp heartbeat=55)", () => {
    expect(findings(site("path: /, preset: home-assistant, timeouts: { read: 55s }"))[0]!.message).toMatch(
      /^read timeout 55s is not above 55s: Home Assistant's server sends a WebSocket ping 55 s after the last message/,
    );
    expect(findings(site("path: /, preset: home-assistant, timeouts: { read: 56s }"))).toEqual([]);
  });

  it("lint.rules turns it off", () => {
    const yaml = site("path: /socket.io/, preset: socket.io, timeouts: { read: 30s }");
    expect(findings(yaml)).toHaveLength(1);
    expect(findings(`${yaml}lint: { rules: { preset-timeout: off } }\n`)).toEqual([]);
  });
});

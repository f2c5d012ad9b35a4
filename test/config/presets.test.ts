/**
 * routes[].preset in normalize.ts: what a preset sets (config/presets.ts `sets`), that the route's
 * own keys win, that a preset comes before defaults.*, and that the model records the preset's key.
 */
import { describe, expect, it } from "vitest";
import { parseConfig } from "../../src/config/load.js";
import { fromPreset, pathOf } from "../../src/config/model.js";
import { formatPath } from "../../src/config/path.js";
import { pathFits, PRESETS, presetNames } from "../../src/config/presets.js";

const route = (fields: string, defaults = "") => {
  const yaml = `${defaults}upstreams: { app: { servers: [127.0.0.1:3000] } }\nsites:\n  - domains: [a.example.com]\n    routes:\n      - { upstream: app, ${fields} }\n`;
  return parseConfig("wssgen.yaml", yaml, {}).config.sites[0]!.routes[0]!;
};

describe("routes[].preset", () => {
  it("socket.io sets websocket and read/send timeouts above its ping interval + timeout, recorded at the preset key", () => {
    const r = route("path: /socket.io/, preset: socket.io");
    expect(r.preset).toBe("socket.io");
    expect(r.websocket).toBe(true);
    expect(r.timeouts).toMatchObject({ read: "90s", send: "90s", connect: "5s" });
    expect(formatPath(pathOf(r, "timeouts.read"))).toBe("sites[0].routes[0].preset");
    expect(fromPreset(r, "timeouts.read")).toBe("socket.io");
    expect(fromPreset(r, "timeouts.connect")).toBeUndefined();
  });

  it("the route's own keys win over the preset, and are not marked as the preset's", () => {
    const r = route("path: /socket.io/, preset: socket.io, timeouts: { read: 1h }, websocket: false");
    expect(r.timeouts.read).toBe("1h");
    expect(r.timeouts.send).toBe("90s");
    expect(r.websocket).toBe(false);
    expect(formatPath(pathOf(r, "timeouts.read"))).toBe("sites[0].routes[0].timeouts.read");
    expect(fromPreset(r, "timeouts.read")).toBeUndefined();
    expect(fromPreset(r, "websocket")).toBeUndefined();
  });

  it("a preset comes before defaults.*, which still applies to what the preset leaves alone", () => {
    const r = route("path: /graphql, preset: graphql-ws", "defaults: { timeouts: { read: 30m } }\n");
    expect(r.timeouts.read).toBe("30m");
    const s = route("path: /socket.io/, preset: socket.io", "defaults: { timeouts: { read: 30m } }\n");
    expect(s.timeouts.read).toBe("90s");
  });

  it("an unknown preset is a schema error naming the choices", () => {
    expect(() => route("path: /ws, preset: socketio")).toThrow(
      /expected one of socket\.io, signalr, graphql-ws, phoenix, actioncable, home-assistant/,
    );
  });

  it.each([
    ["socketio", "socket.io"],
    ["SignalR", "signalr"],
    ["action-cable", "actioncable"],
    ["homeassistant", "home-assistant"],
    ["graphql_ws", "graphql-ws"],
  ])("preset: %s suggests %s", (wrong, right) => {
    expect(() => route(`path: /ws, preset: ${wrong}`)).toThrow(`got string "${wrong}" (did you mean "${right}"?)`);
  });

  it("a name close to none gets no suggestion", () => {
    expect(() => route("path: /ws, preset: django")).toThrow(/got string "django"$/m);
  });

  it("websocket: false with a WebSocket-only preset is a config error; with a polling preset it is not", () => {
    for (const name of ["graphql-ws", "actioncable", "home-assistant"])
      expect(() => route(`path: /x, preset: ${name}, websocket: false`), name).toThrow(
        /sites\[0\]\.routes\[0\]\.websocket: preset [a-z-]+ is WebSocket only \(.* has no HTTP fallback\)/,
      );
    for (const name of ["socket.io", "signalr", "phoenix"])
      expect(route(`path: /x, preset: ${name}, websocket: false`).websocket).toBe(false);
  });

  it("every preset's timeouts (when it sets them) are above the silence it is checked against", () => {
    for (const name of presetNames) {
      const facts = PRESETS[name];
      const read = route(`path: "${facts.usualPaths[0]}", preset: ${name}`).timeouts.read;
      expect(read, name).toBeDefined();
      expect(pathFits(facts, facts.usualPaths[0]!, false), name).toBe(true);
    }
  });

  it.each([
    ["socket.io", "/", true],
    ["socket.io", "/app/socket.io/", true],
    ["socket.io", "/ws", false],
    ["signalr", "/chathub", true],
    ["signalr", "/api", false],
    ["phoenix", "/socket/", true],
    ["phoenix", "/live", true],
    ["phoenix", "/ws", false],
    ["actioncable", "/cable", true],
    ["graphql-ws", "/graphql", true],
    ["graphql-ws", "/subscriptions", true],
    ["home-assistant", "/", true],
    ["home-assistant", "/api/", true],
    ["home-assistant", "/ws", false],
    // nginx's locations are case-sensitive; SignalR hub names are any case
    ["actioncable", "/Cable", false],
    ["socket.io", "/Socket.IO/", false],
    ["signalr", "/chatHub", true],
  ] as const)("pathFits(%s, %s) is %s", (name, path, fits) => {
    expect(pathFits(PRESETS[name], path, false)).toBe(fits);
  });
});

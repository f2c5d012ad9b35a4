/** preset-path (src/lint/rules/presets.ts): a route with a preset whose path is unlike the framework's. */
import { describe, expect, it } from "vitest";
import { ruleFindings, UPSTREAMS } from "../helpers/lint.js";

const site = (route: string) =>
  `${UPSTREAMS}sites:\n  - domains: [chat.example.com]\n    routes:\n      - { upstream: chat, ${route} }\n`;
const findings = (yaml: string) => ruleFindings("preset-path", yaml);

describe("preset-path", () => {
  it("fires (info) at the path when it neither covers nor looks like the framework's", () => {
    expect(findings(site("path: /ws, preset: socket.io"))).toEqual([
      {
        path: "sites[0].routes[0].path",
        severity: "info",
        message:
          "path \"/ws\" is not where Socket.IO listens by default (/socket.io/): unless the app and its clients are set to this path (path: the server's and the client's `path` option (default /socket.io/) is the route's path), its requests miss this route",
      },
    ]);
    expect(findings(site("path: = /socket, preset: phoenix"))).toHaveLength(1);
    expect(findings(site("path: /ws, preset: home-assistant"))).toHaveLength(1);
  });

  it("is silent for the usual path, a prefix that covers it, and paths that look like the framework's", () => {
    for (const route of [
      "path: /socket.io/, preset: socket.io",
      "path: /, preset: socket.io",
      "path: /app/socket.io/, preset: socket.io",
      "path: /chathub, preset: signalr",
      "path: /graphql, preset: graphql-ws",
      "path: /socket/, preset: phoenix",
      "path: /live, preset: phoenix",
      "path: /cable, preset: actioncable",
      "path: /, preset: home-assistant",
      "path: /ws",
    ])
      expect(findings(site(route)), route).toEqual([]);
  });
});

describe("preset-path on exact routes", () => {
  it("is silent only where every request of the socket goes, and fires elsewhere", () => {
    for (const route of [
      "path: = /socket.io/, preset: socket.io",
      "path: = /socket/websocket, preset: phoenix",
      "path: = /cable, preset: actioncable",
    ])
      expect(findings(site(route)), route).toEqual([]);
    // SignalR's hub also answers /negotiate; Phoenix's socket is /socket/websocket
    for (const route of ["path: = /hub, preset: signalr", "path: = /socket, preset: phoenix"])
      expect(findings(site(route)), route).toHaveLength(1);
    expect(findings(site("path: = /hub, preset: signalr"))[0]!.message).toBe(
      'path "= /hub" reaches only /hub, but ASP.NET Core SignalR\'s client asks for /hub/negotiate: use the prefix path /hub',
    );
    expect(findings(site("path: = /socket, preset: phoenix"))[0]!.message).toContain("/socket/websocket and /socket/longpoll");
  });

  it("compares case-sensitively, as nginx's locations do", () => {
    expect(findings(site("path: /Cable, preset: actioncable"))).toHaveLength(1);
    expect(findings(site("path: = /Cable, preset: actioncable"))).toHaveLength(1);
    expect(findings(site("path: /Socket.IO/, preset: socket.io"))).toHaveLength(1);
    // SignalR hub paths are named freely, in any case
    expect(findings(site("path: /chatHub, preset: signalr"))).toEqual([]);
  });
});

describe("preset-path and a trailing slash the framework's client does not send", () => {
  // nginx answers /graphql with 301 to /graphql/ (a prefix location ending in "/" with proxy_pass):
  // a browser's WebSocket does not follow it
  it.each([
    ["/graphql/", "graphql-ws", "/graphql"],
    ["/api/graphql/", "graphql-ws", "/api/graphql"],
    ["/cable/", "actioncable", "/cable"],
    ["/hub/", "signalr", "/hub"],
    ["/chathub/", "signalr", "/chathub"],
    ["/api/websocket/", "home-assistant", "/api/websocket"],
    ["/socket/websocket/", "phoenix", "/socket/websocket"],
  ])("%s with %s warns: drop the slash", (path, preset, bare) => {
    const found = findings(site(`path: ${path}, preset: ${preset}`));
    expect(found).toEqual([expect.objectContaining({ path: "sites[0].routes[0].path", severity: "warning" })]);
    expect(found[0]!.message).toMatch(new RegExp(`opens its socket at ${bare}: nginx answers that with a 301 to ${path}`));
    expect(found[0]!.message).toContain(`drop the slash: path: ${bare}`);
  });

  it("is silent where the client sends the slash, the path is a prefix of the socket's, or the site routes the bare path", () => {
    for (const route of [
      "path: /socket.io/, preset: socket.io",
      "path: /app/socket.io/, preset: socket.io",
      "path: /socket/, preset: phoenix",
      "path: /live/, preset: phoenix",
      "path: /hubs/, preset: signalr",
      "path: /api/, preset: home-assistant",
      "path: = /graphql, preset: graphql-ws",
    ])
      expect(findings(site(route)), route).toEqual([]);
    const both = `${UPSTREAMS}sites:\n  - domains: [chat.example.com]\n    routes:\n      - { upstream: chat, path: /graphql/, preset: graphql-ws }\n      - { upstream: chat, path: = /graphql, preset: graphql-ws }\n`;
    expect(findings(both)).toEqual([]);
  });

  it("lint.rules sets its severity like the rule's other findings", () => {
    const yaml = site("path: /graphql/, preset: graphql-ws");
    expect(findings(`${yaml}lint: { rules: { preset-path: info } }\n`).map((f) => f.severity)).toEqual(["info"]);
  });
});

describe("preset-path with stripPrefix: what the backend receives", () => {
  it("fires when the route is the socket's own path: the backend receives it at /", () => {
    expect(findings(site("path: /chat/socket.io/, stripPrefix: true, preset: socket.io"))).toEqual([
      {
        path: "sites[0].routes[0].path",
        severity: "info",
        message:
          "with stripPrefix, the backend receives /chat/socket.io/... as /..., but Socket.IO's server listens at /socket.io/ by default: remove stripPrefix, or set the server's path to /",
      },
    ]);
    expect(findings(site("path: /socket/, stripPrefix: true, preset: phoenix"))).toHaveLength(1);
    expect(findings(site("path: /api/, stripPrefix: true, preset: home-assistant"))).toHaveLength(1);
    expect(findings(site("path: = /cable, stripPrefix: true, preset: actioncable"))[0]!.message).toMatch(
      /^with stripPrefix, the backend receives \/cable as \/, /,
    );
  });
  it("is silent when the route is a mount point: the framework's path passes through", () => {
    for (const route of [
      "path: /app/, stripPrefix: true, preset: socket.io",
      "path: /rails/, stripPrefix: true, preset: actioncable",
      "path: /ha/, stripPrefix: true, preset: home-assistant",
    ])
      expect(findings(site(route)), route).toEqual([]);
  });
});

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
  });
});

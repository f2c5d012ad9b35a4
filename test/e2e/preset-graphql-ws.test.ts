/**
 * `preset: graphql-ws` through a real nginx. The `graphql-ws` package is not a dev dependency, so the
 * server is a minimal one of its protocol (PROTOCOL.md of enisdenjo/graphql-ws) on the real `ws`
 * server: it accepts only the subprotocol `graphql-transport-ws` (as graphql-ws's handleProtocols
 * does), answers `connection_init` with `connection_ack`, and a `subscribe` with `next` messages and
 * `complete`; and like graphql-ws's `useServer` it sends WebSocket pings (here every 300 ms).
 *
 * It shows what the preset rests on: nginx passes the client's Sec-WebSocket-Protocol to the backend
 * and the backend's choice back; a client of the older protocol (`graphql-ws`, of
 * subscriptions-transport-ws) gets no subprotocol; and the server's pings keep a quiet subscription
 * open past timeouts.read. And the two mistakes lint warns about on a preset route: a path with a
 * trailing slash the client does not send (preset-path: nginx's 301 on the handshake), and a fixed
 * Sec-WebSocket-Protocol in `headers` (preset-subprotocol: the client's offer never reaches the server).
 */
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import WebSocket, { WebSocketServer } from "ws";
import { messageBytes } from "../helpers/backend.js";
import { nginxBuilds } from "../helpers/nginx.js";
import { startStack, type Stack } from "../helpers/stack.js";

const PROTOCOL = "graphql-transport-ws";

interface GraphqlBackend {
  address: string;
  /** the subprotocols each handshake offered, as the backend received them */
  offered: string[][];
  close(): Promise<void>;
}

async function startGraphqlWs(pingMs: number): Promise<GraphqlBackend> {
  const server: Server = createServer((_req, res) => res.writeHead(404).end());
  const offered: string[][] = [];
  const wss = new WebSocketServer({
    server,
    path: "/graphql",
    handleProtocols: (protocols) => {
      offered.push([...protocols]);
      return protocols.has(PROTOCOL) ? PROTOCOL : false;
    },
  });
  wss.on("connection", (socket) => {
    const pinger = setInterval(() => socket.ping(), pingMs);
    socket.on("close", () => clearInterval(pinger));
    socket.on("message", (data) => {
      const message = JSON.parse(messageBytes(data).toString("utf8")) as {
        type: string;
        id?: string;
        payload?: { query?: string };
      };
      if (message.type === "connection_init") socket.send(JSON.stringify({ type: "connection_ack" }));
      else if (message.type === "subscribe") {
        // two events a little apart, then the end of the subscription
        socket.send(JSON.stringify({ id: message.id, type: "next", payload: { data: { tick: 1 } } }));
        setTimeout(() => {
          socket.send(JSON.stringify({ id: message.id, type: "next", payload: { data: { tick: 2 } } }));
          socket.send(JSON.stringify({ id: message.id, type: "complete" }));
        }, 100);
      } else if (message.type === "ping") socket.send(JSON.stringify({ type: "pong" }));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return {
    address: `127.0.0.1:${(server.address() as AddressInfo).port}`,
    offered,
    close: async () => {
      for (const client of wss.clients) client.terminate();
      await new Promise<void>((resolve) => wss.close(() => resolve()));
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

/** Opens a socket with the given subprotocols; resolves with it once open, or with the handshake's failure. */
function open(url: string, protocols: string[]): Promise<WebSocket> {
  return new Promise((resolve, reject) => {
    const socket = new WebSocket(url, protocols);
    socket.once("open", () => resolve(socket));
    socket.once("error", reject);
  });
}

/** The messages of one socket, in order, as parsed JSON. */
function messages(socket: WebSocket): { type: string; id?: string; payload?: unknown }[] {
  const list: { type: string; id?: string; payload?: unknown }[] = [];
  socket.on("message", (data) => list.push(JSON.parse(messageBytes(data).toString("utf8")) as { type: string }));
  return list;
}

const until = async (check: () => boolean, ms = 5000) => {
  const end = Date.now() + ms;
  while (!check()) {
    if (Date.now() > end) throw new Error("timed out");
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
};

describe.each(nginxBuilds().map((b) => [b.label, b] as const))("preset: graphql-ws through %s", (_label, build) => {
  let stack: Stack;
  let backend: GraphqlBackend;
  let quiet: GraphqlBackend;
  beforeAll(async () => {
    backend = await startGraphqlWs(300);
    quiet = await startGraphqlWs(60_000);
    stack = await startStack(build, {
      backends: [],
      ports: ["site", "quiet", "slash", "fixed"],
      yaml: (ctx) => `
upstreams:
  api: { servers: ["${backend.address}"] }
  quiet: { servers: ["${quiet.address}"] }
sites:
  - domains: [localhost]
    listen: "127.0.0.1:${ctx.port("site")}"
    routes:
      - { path: /graphql, upstream: api, preset: graphql-ws, timeouts: { read: 1s } }
  - domains: [localhost]
    listen: "127.0.0.1:${ctx.port("quiet")}"
    routes:
      - { path: /graphql, upstream: quiet, preset: graphql-ws, timeouts: { read: 1s } }
  - domains: [localhost]
    listen: "127.0.0.1:${ctx.port("slash")}"
    routes:
      - { path: /graphql/, upstream: api, preset: graphql-ws }
  - domains: [localhost]
    listen: "127.0.0.1:${ctx.port("fixed")}"
    routes:
      - { path: /graphql, upstream: api, preset: graphql-ws, headers: { Sec-WebSocket-Protocol: graphql-ws } }
`,
    });
  });
  afterAll(async () => {
    await stack?.stop();
    await backend?.close();
    await quiet?.close();
  });
  const url = (site = "site") => `ws://127.0.0.1:${stack.ports[site]}/graphql`;

  it("the subprotocol graphql-transport-ws reaches the backend and its choice comes back; a subscription runs", async () => {
    const socket = await open(url(), [PROTOCOL]);
    try {
      expect(socket.protocol).toBe(PROTOCOL);
      expect(backend.offered.at(-1)).toEqual([PROTOCOL]);
      const received = messages(socket);
      socket.send(JSON.stringify({ type: "connection_init" }));
      await until(() => received.some((m) => m.type === "connection_ack"));
      socket.send(JSON.stringify({ id: "1", type: "subscribe", payload: { query: "subscription { tick }" } }));
      await until(() => received.some((m) => m.type === "complete"));
      expect(received.map((m) => m.type)).toEqual(["connection_ack", "next", "next", "complete"]);
    } finally {
      socket.close();
    }
  });

  it("a client of the older protocol (subprotocol graphql-ws) gets none chosen, so the ws client refuses the handshake", async () => {
    await expect(open(url(), ["graphql-ws"])).rejects.toThrow(/Server sent no subprotocol/);
    expect(backend.offered.at(-1)).toEqual(["graphql-ws"]);
  });

  it("a route at /graphql/ (what preset-path warns about): nginx answers the client's /graphql with 301, which the client does not follow", async () => {
    const before = backend.offered.length;
    await expect(open(url("slash"), [PROTOCOL])).rejects.toThrow(/Unexpected server response: 301/);
    expect(backend.offered.length).toBe(before);
    // the same client at the route without the slash (the finding's fix) connects
    const socket = await open(url(), [PROTOCOL]);
    socket.close();
  });

  it("headers: Sec-WebSocket-Protocol (what preset-subprotocol warns about) replaces the client's offer: the handshake fails", async () => {
    await expect(open(url("fixed"), [PROTOCOL])).rejects.toThrow(/Server sent no subprotocol/);
    expect(backend.offered.at(-1)).toEqual(["graphql-ws"]);
  });

  it("the server's pings keep a quiet connection open past timeouts.read (1s here); without them nginx closes it", async () => {
    const hold = async (site: string) => {
      const socket = await open(url(site), [PROTOCOL]);
      try {
        const closed = new Promise<number>((resolve) => socket.once("close", (code) => resolve(code)));
        return await Promise.race([closed, new Promise<"open">((resolve) => setTimeout(() => resolve("open"), 2500))]);
      } finally {
        socket.close();
      }
    };
    const [pinged, silent] = await Promise.all([hold("site"), hold("quiet")]);
    expect(pinged).toBe("open");
    // nginx closes the TCP connection without a close frame
    expect(silent).toBe(1006);
  });
});

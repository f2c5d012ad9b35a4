/**
 * `preset: phoenix` through a real nginx, rendered by the real CLI, with the official Phoenix JS
 * client (npm `phoenix`: Socket and Channel) against a minimal server of Phoenix's channel protocol
 * (the V2 JSON serializer, `[join_ref, ref, topic, event, payload]`, as lib/phoenix/socket.ex and
 * lib/phoenix/transports/websocket.ex answer it): `phx_join` gets an ok `phx_reply`, the `phoenix`
 * topic's `heartbeat` gets an ok `phx_reply`, and the server pushes an event to the joined topic.
 * Phoenix itself is Elixir, so no real Phoenix server runs here.
 *
 * Node 20 has no global WebSocket: the client is given `ws`'s as its `transport` (a Socket option).
 *
 * - the client connects at /socket/websocket?vsn=2.0.0, its authToken travels as the subprotocols
 *   `phoenix` + `base64url.bearer.phx.<token>` and the server's choice `phoenix` comes back;
 * - the preset's proxy_read_timeout (90s) is above the client's default heartbeatIntervalMs (30 s);
 * - Phoenix's heartbeat is the *client's*, and the server's reply is what nginx reads: with heartbeats
 *   more often than timeouts.read (1s here) a quiet channel stays open; with none it is cut.
 * - the long-poll fallback (the client's own LongPoll transport, over Node's fetch) against a minimal
 *   long-poll server whose sessions live on the node that created them, as in unclustered Phoenix:
 *   one node and two with ip-hash work; two without stickiness lose the session (what
 *   polling-without-stickiness warns about).
 */
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { LongPoll, Socket, type Channel } from "phoenix";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import WebSocket from "ws";
import { PRESETS } from "../../src/config/presets.js";
import { nginxBuilds } from "../helpers/nginx.js";
import { locationBlock, startProtocolServer, type ProtocolServer } from "../helpers/protocol-server.js";
import { startStack, type Stack } from "../helpers/stack.js";

type Frame = [string | null, string | null, string, string, Record<string, unknown>];

/** Heartbeats the server answered, per connection (index of handshakes). */
interface PhoenixServer extends ProtocolServer {
  heartbeats: number[];
}

/** What the server answers to one frame of the client: replies, and a push after a join. */
function answer(frame: Frame, send: (frame: Frame) => void, onHeartbeat: () => void = () => undefined): void {
  const [joinRef, ref, topic, event, payload] = frame;
  if (topic === "phoenix" && event === "heartbeat") {
    onHeartbeat();
    send([null, ref, "phoenix", "phx_reply", { status: "ok", response: {} }]);
  } else if (event === "phx_join") {
    send([joinRef, ref, topic, "phx_reply", { status: "ok", response: { joined: topic } }]);
    // a server push on the joined topic, as a broadcast reaches the channel
    setTimeout(() => send([joinRef, null, topic, "new_msg", { body: `hello ${String(payload.user)}` }]), 50);
  } else if (event === "phx_leave") {
    send([joinRef, ref, topic, "phx_reply", { status: "ok", response: {} }]);
  }
}

async function startPhoenix(): Promise<PhoenixServer> {
  const heartbeats: number[] = [];
  const server = await startProtocolServer({
    path: "/socket/websocket",
    // Phoenix answers "phoenix" when the client passes its token as a subprotocol
    choose: (offered) => (offered.includes("phoenix") ? "phoenix" : undefined),
    onConnection: ({ send, onMessage }) => {
      const index = heartbeats.push(0) - 1;
      onMessage((message) => answer(message as Frame, send, () => heartbeats[index]!++));
    },
  });
  return { ...server, heartbeats };
}

interface LongPollServer {
  name: string;
  address: string;
  /** each request: method, its token (none, one of this node's sessions, or unknown here), and the JSON status answered */
  requests: { method: string; token: "none" | "known" | "unknown"; status: number }[];
  close(): Promise<void>;
}

/**
 * Phoenix's long-poll transport as lib/phoenix/transports/long_poll.ex answers it, one node with its
 * sessions in memory (as in Phoenix, where a session is a process on the node that created it): a
 * GET without a token, or with one this node does not know, starts a session (`status: 410` and a
 * token); a GET with a known token returns the queued frames (200) or, after `windowMs` (Phoenix's
 * window_ms, 10 s by default), none (204); a POST of ndjson frames with a known token is answered 200,
 * with an unknown one 410. HTTP status is always 200; the JSON's `status` is what the client reads.
 */
async function startLongPoll(name: string, windowMs: number): Promise<LongPollServer> {
  const sessions = new Map<string, { queue: Frame[]; waiting?: () => void }>();
  const requests: LongPollServer["requests"] = [];
  let next = 0;
  const server = createServer((req, res) => {
    const url = new URL(req.url ?? "/", "http://localhost");
    const json = (status: number, body: Record<string, unknown>) => {
      requests.push({ method: req.method ?? "", token: token === "" ? "none" : session ? "known" : "unknown", status });
      res.writeHead(200, { "content-type": "application/json; charset=utf-8", "cache-control": "no-store" });
      res.end(JSON.stringify({ status, ...body }));
    };
    const token = (req.headers["x-phoenix-longpoll-token"] as string | undefined) ?? url.searchParams.get("token") ?? "";
    const session = sessions.get(token);
    if (url.pathname !== "/socket/longpoll") return void res.writeHead(404).end();
    if (req.method === "GET" && !session) {
      const created = `${name}-${next++}`;
      sessions.set(created, { queue: [] });
      return json(410, { token: created, messages: [] });
    }
    if (req.method === "GET" && session) {
      const flush = () => {
        session.waiting = undefined;
        clearTimeout(timer);
        const messages = session.queue.splice(0).map((frame) => JSON.stringify(frame));
        json(messages.length > 0 ? 200 : 204, { token, messages });
      };
      const timer = setTimeout(flush, windowMs);
      if (session.queue.length > 0) return flush();
      session.waiting = flush;
      return;
    }
    if (req.method === "POST") {
      const chunks: Buffer[] = [];
      req.on("data", (chunk: Buffer) => chunks.push(chunk));
      req.on("end", () => {
        if (!session) return json(410, {});
        for (const line of Buffer.concat(chunks)
          .toString("utf8")
          .split("\n")
          .filter((l) => l !== ""))
          answer(JSON.parse(line) as Frame, (frame) => {
            session.queue.push(frame);
            session.waiting?.();
          });
        json(200, {});
      });
      return;
    }
    res.writeHead(400).end();
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return {
    name,
    address: `127.0.0.1:${(server.address() as AddressInfo).port}`,
    requests,
    close: async () => {
      for (const session of sessions.values()) session.waiting?.();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

function client(
  url: string,
  options: { heartbeatIntervalMs?: number; authToken?: string; transport?: unknown; params?: Record<string, unknown> } = {},
): Socket {
  return new Socket(url, {
    transport: WebSocket,
    reconnectAfterMs: () => 60_000,
    rejoinAfterMs: () => 60_000,
    ...options,
  });
}

/** Joins `topic`; resolves with the join's response. */
function join(channel: Channel): Promise<unknown> {
  return new Promise((resolve, reject) => {
    channel
      .join()
      .receive("ok", resolve)
      .receive("error", reject)
      .receive("timeout", () => reject(new Error("join timed out")));
  });
}

describe.each(nginxBuilds().map((b) => [b.label, b] as const))("preset: phoenix through %s", (_label, build) => {
  let stack: Stack;
  let phoenix: PhoenixServer;
  beforeAll(async () => {
    phoenix = await startPhoenix();
    const site = (port: number, extra = "") =>
      `  - domains: [localhost]\n    listen: "127.0.0.1:${port}"\n    routes:\n      - { path: /socket, upstream: app, preset: phoenix${extra} }\n`;
    stack = await startStack(build, {
      cli: true,
      backends: [],
      ports: ["site", "short"],
      yaml: (ctx) =>
        `upstreams:\n  app: { servers: ["${phoenix.address}"] }\nsites:\n${site(ctx.port("site"))}${site(ctx.port("short"), ", timeouts: { read: 1s }")}`,
    });
  });
  afterAll(async () => {
    await stack?.stop();
    await phoenix?.close();
  });
  const url = (site: string) => `ws://127.0.0.1:${stack.ports[site]}/socket`;

  it("the preset's read timeout (90s) is above the client's heartbeat (30 s); lint speaks once about the 1s route", () => {
    const facts = PRESETS.phoenix;
    expect(facts.heartbeat.intervalSeconds).toBe(30);
    const block = locationBlock(stack.output, stack.ports.site!, "/socket");
    expect(block).toMatch(/proxy_read_timeout 90s;/);
    expect(block).toMatch(/proxy_set_header Upgrade \$http_upgrade;/);
    expect(locationBlock(stack.output, stack.ports.short!, "/socket")).toMatch(/proxy_read_timeout 1s;/);
    // the 1s route: preset-timeout, and not ws-read-timeout too
    expect(stack.lint).toMatch(
      /read timeout 1s is not above 30s: Phoenix's client sends a heartbeat every 30 s.*\[preset-timeout\]/,
    );
    expect(stack.lint).not.toMatch(/ws-read-timeout/);
  });

  it("the official client connects with its token as subprotocol, joins a channel, and gets the server's push", async () => {
    const socket = client(url("site"), { authToken: "secret-token" });
    try {
      const opened = new Promise<void>((resolve) => socket.onOpen(resolve));
      socket.connect();
      await opened;
      const channel = socket.channel("room:lobby", { user: "ada" });
      const pushed = new Promise<unknown>((resolve) => channel.on("new_msg", resolve));
      expect(await join(channel)).toEqual({ joined: "room:lobby" });
      expect(await pushed).toEqual({ body: "hello ada" });
      const handshake = phoenix.handshakes.at(-1)!;
      expect(handshake.url).toBe("/socket/websocket?vsn=2.0.0");
      expect(handshake.offered).toEqual(["phoenix", `base64url.bearer.phx.${Buffer.from("secret-token").toString("base64url")}`]);
      expect(handshake.chosen).toBe("phoenix");
      // the client's own heartbeat through nginx, answered with phx_reply
      const rtt = await new Promise<number>((resolve) => socket.ping(resolve));
      expect(rtt).toBeGreaterThanOrEqual(0);
    } finally {
      socket.disconnect();
    }
  });

  it("the client's heartbeats and the server's replies keep a quiet channel open past timeouts.read (1s); without them nginx cuts it", async () => {
    // each hold's connection is known by a param of its URL (the two open at the same time)
    const hold = async (heartbeatIntervalMs: number) => {
      const socket = client(url("short"), { heartbeatIntervalMs, params: { hold: heartbeatIntervalMs } });
      try {
        const opened = new Promise<void>((resolve) => socket.onOpen(resolve));
        socket.connect();
        await opened;
        const index = phoenix.handshakes.findIndex((h) => h.url.includes(`hold=${heartbeatIntervalMs}&`));
        await join(socket.channel("room:quiet", { user: "quiet" }));
        const closed = new Promise<"closed">((resolve) => socket.onClose(() => resolve("closed")));
        const result = await Promise.race([closed, new Promise<"open">((resolve) => setTimeout(() => resolve("open"), 2500))]);
        return { result, heartbeats: phoenix.heartbeats[index]! };
      } finally {
        socket.disconnect();
      }
    };
    const [beating, silent] = await Promise.all([hold(300), hold(60_000)]);
    expect(beating.result).toBe("open");
    expect(beating.heartbeats).toBeGreaterThanOrEqual(5);
    expect(silent.result).toBe("closed");
    expect(silent.heartbeats).toBe(0);
  });
});

describe.each(nginxBuilds().map((b) => [b.label, b] as const))(
  "preset: phoenix, the long-poll fallback, through %s",
  (_label, build) => {
    let stack: Stack;
    const nodes: Record<string, LongPollServer> = {};
    beforeAll(async () => {
      for (const name of ["solo", "one", "two"]) nodes[name] = await startLongPoll(name, 500);
      const pair = `["${nodes.one!.address}", "${nodes.two!.address}"]`;
      const site = (port: number, upstream: string) =>
        `  - domains: [localhost]\n    listen: "127.0.0.1:${port}"\n    routes:\n      - { path: /socket, upstream: ${upstream}, preset: phoenix }\n`;
      stack = await startStack(build, {
        cli: true,
        backends: [],
        ports: ["solo", "iphash", "loose"],
        yaml: (ctx) =>
          `upstreams:\n  solo: { servers: ["${nodes.solo!.address}"] }\n  iphash: { servers: ${pair}, balance: ip-hash }\n  loose: { servers: ${pair} }\nsites:\n` +
          site(ctx.port("solo"), "solo") +
          site(ctx.port("iphash"), "iphash") +
          site(ctx.port("loose"), "loose"),
      });
    });
    afterAll(async () => {
      await stack?.stop();
      await Promise.all(Object.values(nodes).map((node) => node.close()));
    });

    /** Connects over long polling and joins a channel; resolves with the pushed event, rejects on close or error. */
    const pollAndJoin = async (site: string): Promise<unknown> => {
      const socket = client(`ws://127.0.0.1:${stack.ports[site]}/socket`, { transport: LongPoll });
      try {
        const closed = new Promise<never>((_resolve, reject) =>
          socket.onClose((event) => reject(new Error(`closed: ${JSON.stringify((event as { code?: number }).code)}`))),
        );
        socket.connect();
        const channel = socket.channel("room:poll", { user: "poller" });
        const pushed = new Promise<unknown>((resolve) => channel.on("new_msg", resolve));
        return await Promise.race([join(channel).then(() => pushed), closed]);
      } finally {
        socket.disconnect();
      }
    };

    it("one node: the official client's long polls (held, then answered) carry the join, its reply and the push", async () => {
      expect(await pollAndJoin("solo")).toEqual({ body: "hello poller" });
      const statuses = nodes.solo!.requests.map((r) => `${r.method} ${r.status}`);
      expect(statuses[0]).toBe("GET 410");
      expect(statuses).toContain("POST 200");
      expect(statuses).toContain("GET 200");
    });

    it("two nodes with ip-hash: every poll of a session reaches the node that holds it", async () => {
      expect(await pollAndJoin("iphash")).toEqual({ body: "hello poller" });
      const requests = [...nodes.one!.requests, ...nodes.two!.requests];
      expect(requests.filter((r) => r.token === "unknown")).toEqual([]);
    });

    it("two unclustered nodes without stickiness (polling-without-stickiness): the next poll reaches the other node and the session is gone", async () => {
      expect(stack.lint).toMatch(/polling-without-stickiness/);
      const before = nodes.one!.requests.length + nodes.two!.requests.length;
      // 3410 "session_gone" when a GET reaches the other node first, 1011 when a POST does (410 there)
      await expect(pollAndJoin("loose")).rejects.toThrow(/closed: (3410|1011)/);
      const after = [...nodes.one!.requests, ...nodes.two!.requests].slice(before);
      expect(after.filter((r) => r.token === "unknown").map((r) => r.status)).toContain(410);
    });
  },
);

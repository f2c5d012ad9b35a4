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
 */
import { Socket, type Channel } from "phoenix";
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

async function startPhoenix(): Promise<PhoenixServer> {
  const heartbeats: number[] = [];
  const server = await startProtocolServer({
    path: "/socket/websocket",
    // Phoenix answers "phoenix" when the client passes its token as a subprotocol
    choose: (offered) => (offered.includes("phoenix") ? "phoenix" : undefined),
    onConnection: ({ send, onMessage }) => {
      const index = heartbeats.push(0) - 1;
      onMessage((message) => {
        const [joinRef, ref, topic, event, payload] = message as Frame;
        if (topic === "phoenix" && event === "heartbeat") {
          heartbeats[index]!++;
          send([null, ref, "phoenix", "phx_reply", { status: "ok", response: {} }]);
        } else if (event === "phx_join") {
          send([joinRef, ref, topic, "phx_reply", { status: "ok", response: { joined: topic } }]);
          // a server push on the joined topic, as a broadcast reaches the channel
          setTimeout(() => send([joinRef, null, topic, "new_msg", { body: `hello ${String(payload.user)}` }]), 50);
        } else if (event === "phx_leave") {
          send([joinRef, ref, topic, "phx_reply", { status: "ok", response: {} }]);
        }
      });
    },
  });
  return { ...server, heartbeats };
}

function client(url: string, options: { heartbeatIntervalMs?: number; authToken?: string } = {}): Socket {
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
    const hold = async (heartbeatIntervalMs: number) => {
      const socket = client(url("short"), { heartbeatIntervalMs });
      try {
        const opened = new Promise<void>((resolve) => socket.onOpen(resolve));
        socket.connect();
        await opened;
        const index = phoenix.handshakes.length - 1;
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

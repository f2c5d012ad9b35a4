/**
 * `preset: actioncable` through a real nginx, rendered by the real CLI, with the official Action Cable
 * client (npm `@rails/actioncable`: createConsumer, subscriptions.create) against a minimal server of
 * Action Cable's protocol, as rails/rails actioncable/lib/action_cable answers it: the subprotocol
 * `actioncable-v1-json` (ActionCable::INTERNAL[:protocols]), `welcome` on connect, `ping` messages
 * (`beat`, every BEAT_INTERVAL = 3 s; faster here), `confirm_subscription` for a `subscribe` command,
 * and broadcasts `{ identifier, message }`. Rails is Ruby, so no real Action Cable server runs here.
 *
 * The client in Node: it takes its WebSocket class from `adapters.WebSocket` (set to `ws`'s: Node 20
 * has no global one), and its ConnectionMonitor calls the browser's global `addEventListener` /
 * `removeEventListener` for `visibilitychange`, which Node 20 lacks; the test defines both as no-ops
 * (no page, so the event never comes). createConsumer is given a ws:// URL, so the client never
 * touches `document` (it would only to resolve a relative URL or read a <meta> tag).
 */
import { adapters, ConnectionMonitor, createConsumer, INTERNAL, type Consumer } from "@rails/actioncable";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import WebSocket from "ws";
import { PRESETS } from "../../src/config/presets.js";
import { nginxBuilds } from "../helpers/nginx.js";
import { locationBlock, startProtocolServer, until, type ProtocolServer } from "../helpers/protocol-server.js";
import { startStack, type Stack } from "../helpers/stack.js";

adapters.WebSocket = WebSocket;
const browserGlobals = globalThis as { addEventListener?: unknown; removeEventListener?: unknown };
browserGlobals.addEventListener ??= () => undefined;
browserGlobals.removeEventListener ??= () => undefined;

interface CableCommand {
  command: "subscribe" | "unsubscribe" | "message";
  identifier: string;
  data?: string;
}

interface CableServer extends ProtocolServer {
  /** the `ping` messages sent, per connection (index of handshakes) */
  pings: number[];
  /** the `data` of each `message` command (a subscription's perform), parsed */
  performed: unknown[];
}

/** An Action Cable server; `beatMs` undefined sends no pings at all. */
async function startCable(beatMs: number | undefined): Promise<CableServer> {
  const pings: number[] = [];
  const performed: unknown[] = [];
  const server = await startProtocolServer({
    path: "/cable",
    // websocket-driver's rack(protocols: ...) picks the first the client offers that it knows
    choose: (offered) => offered.find((p) => p === "actioncable-v1-json"),
    onConnection: ({ send, onMessage, socket }) => {
      const index = pings.push(0) - 1;
      send({ type: "welcome" });
      if (beatMs !== undefined) {
        const beat = setInterval(() => {
          pings[index]!++;
          send({ type: "ping", message: Math.floor(Date.now() / 1000) });
        }, beatMs);
        socket.on("close", () => clearInterval(beat));
      }
      onMessage((message) => {
        const { command, identifier, data } = message as CableCommand;
        if (command === "subscribe") {
          send({ identifier, type: "confirm_subscription" });
          const { room } = JSON.parse(identifier) as { room: string };
          setTimeout(() => send({ identifier, message: { body: `welcome to ${room}` } }), 50);
        } else if (command === "message") {
          const parsed = JSON.parse(data ?? "{}") as Record<string, unknown>;
          performed.push(parsed);
          send({ identifier, message: { echo: parsed.body } });
        }
      });
    },
  });
  return { ...server, pings, performed };
}

describe.each(nginxBuilds().map((b) => [b.label, b] as const))("preset: actioncable through %s", (_label, build) => {
  let stack: Stack;
  let cable: CableServer;
  let quiet: CableServer;
  const consumers: Consumer[] = [];
  beforeAll(async () => {
    cable = await startCable(300);
    quiet = await startCable(undefined);
    const site = (port: number, upstream: string, extra = "") =>
      `  - domains: [localhost]\n    listen: "127.0.0.1:${port}"\n    routes:\n      - { path: /cable, upstream: ${upstream}, preset: actioncable${extra} }\n`;
    stack = await startStack(build, {
      cli: true,
      backends: [],
      ports: ["site", "short", "quiet"],
      yaml: (ctx) =>
        `upstreams:\n  rails: { servers: ["${cable.address}"] }\n  quiet: { servers: ["${quiet.address}"] }\nsites:\n` +
        site(ctx.port("site"), "rails") +
        site(ctx.port("short"), "rails", ", timeouts: { read: 1s }") +
        site(ctx.port("quiet"), "quiet", ", timeouts: { read: 1s }"),
    });
  });
  afterAll(async () => {
    for (const consumer of consumers) consumer.disconnect();
    await stack?.stop();
    await cable?.close();
    await quiet?.close();
  });
  const consumer = (site: string) => {
    const made = createConsumer(`ws://127.0.0.1:${stack.ports[site]}/cable`);
    consumers.push(made);
    return made;
  };

  it("the client's facts are the table's, and the preset's read timeout (90s) is above the server's beat and the client's staleThreshold", () => {
    const facts = PRESETS.actioncable;
    expect(INTERNAL.default_mount_path).toBe(facts.usualPaths[0]);
    expect(INTERNAL.protocols).toEqual(facts.subprotocols);
    expect(ConnectionMonitor.staleThreshold).toBe(facts.heartbeat.timeoutSeconds);
    const read = /proxy_read_timeout (\d+)s;/.exec(locationBlock(stack.output, stack.ports.site!, "/cable"))?.[1];
    expect(read).toBe("90");
    expect(Number(read)).toBeGreaterThan(facts.readAtLeastSeconds!);
    expect(stack.lint).toMatch(/read timeout 1s is not above 6s: Action Cable's server pings every 3 s.*\[preset-timeout\]/);
    expect(stack.lint).not.toMatch(/ws-read-timeout/);
  });

  it("the official client connects with actioncable-v1-json, subscribes, gets a broadcast, and its perform reaches the server", async () => {
    const cableConsumer = consumer("site");
    const received: unknown[] = [];
    const connected = new Promise<void>((resolve) => {
      const subscription = cableConsumer.subscriptions.create(
        { channel: "ChatChannel", room: "lobby" },
        {
          connected: () => {
            resolve();
            subscription.perform("speak", { body: "hi" });
          },
          received: (data) => received.push(data),
        },
      );
    });
    await connected;
    const handshake = cable.handshakes.at(-1)!;
    expect(handshake.url).toBe("/cable");
    expect(handshake.offered).toEqual(["actioncable-v1-json", "actioncable-unsupported"]);
    expect(handshake.chosen).toBe("actioncable-v1-json");
    expect(cableConsumer.connection.getProtocol()).toBe("actioncable-v1-json");
    await until(() => received.length >= 2);
    // the broadcast after the confirmation, and the echo of the perform, in either order
    expect(received).toHaveLength(2);
    expect(received).toEqual(expect.arrayContaining([{ body: "welcome to lobby" }, { echo: "hi" }]));
    expect(cable.performed).toContainEqual({ action: "speak", body: "hi" });
    cableConsumer.disconnect();
  });

  it("the server's pings keep a quiet subscription open past timeouts.read (1s); without them nginx cuts it", async () => {
    const hold = async (site: string, server: CableServer) => {
      const cableConsumer = consumer(site);
      let disconnected = false;
      await new Promise<void>((resolve) =>
        cableConsumer.subscriptions.create(
          { channel: "ChatChannel", room: site },
          { connected: resolve, disconnected: () => (disconnected = true) },
        ),
      );
      const index = server.handshakes.length - 1;
      await new Promise((resolve) => setTimeout(resolve, 2500));
      const result = { disconnected, pings: server.pings[index]! };
      cableConsumer.disconnect();
      return result;
    };
    const [beating, silent] = await Promise.all([hold("short", cable), hold("quiet", quiet)]);
    expect(beating).toEqual({ disconnected: false, pings: expect.any(Number) as number });
    expect(beating.pings).toBeGreaterThanOrEqual(5);
    expect(silent).toEqual({ disconnected: true, pings: 0 });
  });
});

/**
 * `preset: home-assistant` through a real nginx, rendered by the real CLI, with the official client
 * library (npm `home-assistant-js-websocket`: createConnection, createLongLivedTokenAuth,
 * subscribeEvents, ping) against a minimal server of Home Assistant's WebSocket API
 * (https://developers.home-assistant.io/docs/api/websocket; homeassistant/components/websocket_api):
 * `auth_required`, `auth` answered with `auth_ok` or `auth_invalid`, `result` for commands, `event`
 * messages of a subscription, `pong` for `ping`; and, like its aiohttp `WebSocketResponse(heartbeat=55)`,
 * WebSocket ping frames (faster here). Home Assistant is Python, so no real one runs here.
 *
 * Node 20 has no global WebSocket, which the library's createSocket uses: this file sets `ws`'s.
 */
import {
  createConnection,
  createLongLivedTokenAuth,
  ERR_INVALID_AUTH,
  type Connection,
  type HassEvent,
} from "home-assistant-js-websocket";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import WebSocket from "ws";
import { durationToMs } from "../../src/config/duration.js";
import { PRESETS } from "../../src/config/presets.js";
import { nginxBuilds } from "../helpers/nginx.js";
import { locationBlock, startProtocolServer, type ProtocolServer } from "../helpers/protocol-server.js";
import { startStack, type Stack } from "../helpers/stack.js";

(globalThis as { WebSocket?: unknown }).WebSocket ??= WebSocket;

const TOKEN = "long-lived-token";
const HA_VERSION = "2026.11.0";

interface HaServer extends ProtocolServer {
  /** X-Forwarded-For of each handshake, as Home Assistant's http integration reads it */
  forwardedFor: (string | undefined)[];
  /** the command types received after auth, in order */
  commands: string[];
  /** the pongs the client sent back to the server's pings, per connection (index of handshakes) */
  pongs: number[];
}

/** A Home Assistant WebSocket API; `heartbeatMs` undefined sends no WebSocket pings. */
async function startHomeAssistant(heartbeatMs: number | undefined): Promise<HaServer> {
  const forwardedFor: (string | undefined)[] = [];
  const commands: string[] = [];
  const pongs: number[] = [];
  const server = await startProtocolServer({
    path: "/api/websocket",
    pingMs: heartbeatMs,
    onConnection: ({ request, send, onMessage, socket }) => {
      forwardedFor.push(request.headers["x-forwarded-for"] as string | undefined);
      const index = pongs.push(0) - 1;
      socket.on("pong", () => pongs[index]!++);
      send({ type: "auth_required", ha_version: HA_VERSION });
      let authenticated = false;
      onMessage((message) => {
        const { type, id, access_token, event_type } = message as {
          type: string;
          id?: number;
          access_token?: string;
          event_type?: string;
        };
        if (!authenticated) {
          if (type === "auth" && access_token === TOKEN) {
            authenticated = true;
            send({ type: "auth_ok", ha_version: HA_VERSION });
          } else {
            send({ type: "auth_invalid", message: "Invalid access token or password" });
            socket.close();
          }
          return;
        }
        commands.push(type);
        if (type === "ping") send({ id, type: "pong" });
        else if (type === "subscribe_events") {
          send({ id, type: "result", success: true, result: null });
          setTimeout(
            () =>
              send({
                id,
                type: "event",
                event: {
                  event_type,
                  data: { entity_id: "light.kitchen", new_state: { state: "on" } },
                  origin: "LOCAL",
                  time_fired: new Date().toISOString(),
                },
              }),
            50,
          );
        } else send({ id, type: "result", success: true, result: null });
      });
    },
  });
  return { ...server, forwardedFor, commands, pongs };
}

describe.each(nginxBuilds().map((b) => [b.label, b] as const))("preset: home-assistant through %s", (_label, build) => {
  let stack: Stack;
  let ha: HaServer;
  let quiet: HaServer;
  const connections: Connection[] = [];
  beforeAll(async () => {
    ha = await startHomeAssistant(300);
    quiet = await startHomeAssistant(undefined);
    const site = (port: number, upstream: string, extra = "") =>
      `  - domains: [localhost]\n    listen: "127.0.0.1:${port}"\n    routes:\n      - { path: /, upstream: ${upstream}, preset: home-assistant${extra} }\n`;
    stack = await startStack(build, {
      cli: true,
      backends: [],
      ports: ["site", "short", "quiet"],
      yaml: (ctx) =>
        `upstreams:\n  homeassistant: { servers: ["${ha.address}"] }\n  quiet: { servers: ["${quiet.address}"] }\nsites:\n` +
        site(ctx.port("site"), "homeassistant") +
        site(ctx.port("short"), "homeassistant", ", timeouts: { read: 1s }") +
        site(ctx.port("quiet"), "quiet", ", timeouts: { read: 1s }"),
    });
  });
  afterAll(async () => {
    for (const connection of connections) connection.close();
    await stack?.stop();
    await ha?.close();
    await quiet?.close();
  });
  const connect = async (site: string, token = TOKEN) => {
    const connection = await createConnection({ auth: createLongLivedTokenAuth(`http://127.0.0.1:${stack.ports[site]}`, token) });
    connections.push(connection);
    return connection;
  };

  it("the route keeps wssgen's read timeout (1h), above the server's 55 s heartbeat; lint speaks once about the 1s routes", () => {
    const read = /proxy_read_timeout (\S+);/.exec(locationBlock(stack.output, stack.ports.site!, "/"))?.[1];
    expect(read).toBe("1h");
    expect(durationToMs(read!)).toBeGreaterThan(PRESETS["home-assistant"].readAtLeastSeconds! * 1000);
    expect(stack.lint).toMatch(
      /read timeout 1s is not above 55s: Home Assistant's server sends a WebSocket ping.*\[preset-timeout\]/,
    );
    expect(stack.lint).not.toMatch(/ws-read-timeout/);
  });

  it("the official client authenticates through nginx, subscribes, gets a pushed event, and its ping gets a pong", async () => {
    const connection = await connect("site");
    expect(connection.haVersion).toBe(HA_VERSION);
    const event = new Promise<HassEvent>((resolve) => void connection.subscribeEvents<HassEvent>(resolve, "state_changed"));
    expect((await event).data).toEqual({ entity_id: "light.kitchen", new_state: { state: "on" } });
    await connection.ping();
    expect(ha.commands).toEqual(expect.arrayContaining(["supported_features", "subscribe_events", "ping"]));
    const handshake = ha.handshakes.at(-1)!;
    expect(handshake.url).toBe("/api/websocket");
    expect(handshake.offered).toEqual([]);
    // what `http: use_x_forwarded_for` and `trusted_proxies` read
    expect(ha.forwardedFor.at(-1)).toBe("127.0.0.1");
    connection.close();
  });

  it("a wrong token: the server's auth_invalid reaches the client, which refuses to connect", async () => {
    await expect(connect("site", "wrong")).rejects.toBe(ERR_INVALID_AUTH);
  });

  it("the server's heartbeat pings keep an idle connection open past timeouts.read (1s); without them nginx cuts it", async () => {
    const hold = async (site: string, server: HaServer) => {
      const connection = await connect(site);
      const index = server.handshakes.length - 1;
      let disconnected = false;
      connection.addEventListener("disconnected", () => (disconnected = true));
      await new Promise((resolve) => setTimeout(resolve, 2500));
      connection.close();
      return { disconnected, pongs: server.pongs[index]! };
    };
    const [pinged, silent] = await Promise.all([hold("short", ha), hold("quiet", quiet)]);
    expect(pinged.disconnected).toBe(false);
    // the pings went through nginx to the client and its pongs came back
    expect(pinged.pongs).toBeGreaterThanOrEqual(5);
    expect(silent).toEqual({ disconnected: true, pongs: 0 });
  });
});

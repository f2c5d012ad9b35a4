/**
 * `preset: socket.io` (issue 12) through a real nginx, with the real `socket.io` server and
 * `socket.io-client`: the client polls first and then upgrades to a WebSocket.
 *
 * - one backend: the whole session (polling, then the upgrade) goes through the preset's route;
 * - two backends with `balance: ip-hash` (every build) and with `sticky` (builds from 1.29.6): every
 *   request of a session reaches the server that created it, and the upgrade succeeds;
 * - two backends with neither (what polling-without-stickiness warns about): the session breaks
 *   ("Session ID unknown");
 * - what the preset's timeouts rest on: socket.io's *server* pings are what nginx reads from the
 *   backend, so a socket that the app leaves silent stays open while pings come more often than
 *   timeouts.read, and is cut when they do not (timeouts shortened to seconds to keep the test short).
 */
import { io as socketIoClient, type Socket as SocketIoClient } from "socket.io-client";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { atLeast } from "../../src/nginx-version/version.js";
import { nginxBuilds } from "../helpers/nginx.js";
import { connectAndUpgrade, startSocketIo, type SocketIoBackend } from "../helpers/socketio.js";
import { startStack, type Stack } from "../helpers/stack.js";

const STICKY_SINCE = "1.29.6";

const client = (port: number): SocketIoClient =>
  socketIoClient(`http://127.0.0.1:${port}`, {
    transports: ["polling", "websocket"],
    withCredentials: true,
    reconnection: false,
    timeout: 5000,
  });

describe.each(nginxBuilds().map((b) => [b.label, b] as const))("preset: socket.io through %s", (_label, build) => {
  const sticky = atLeast(build.version, STICKY_SINCE);
  let stack: Stack;
  const io: Record<string, SocketIoBackend> = {};
  beforeAll(async () => {
    for (const name of ["solo", "one", "two"]) io[name] = await startSocketIo(name);
    io.fast = await startSocketIo("fast", { pingInterval: 500, pingTimeout: 1000 });
    io.slow = await startSocketIo("slow", { pingInterval: 10_000, pingTimeout: 5000 });
    const pair = `["${io.one!.address}", "${io.two!.address}"]`;
    const site = (port: string, upstream: string, extra = "") =>
      `  - domains: [localhost]\n    listen: "127.0.0.1:${port}"\n    routes:\n      - { path: /socket.io/, upstream: ${upstream}, preset: socket.io${extra} }\n`;
    stack = await startStack(build, {
      backends: [],
      ports: ["solo", "iphash", "sticky", "loose", "fast", "slow"],
      yaml: (ctx) => `
upstreams:
  solo: { servers: ["${io.solo!.address}"] }
  iphash: { servers: ${pair}, balance: ip-hash }
  ${sticky ? `sticky: { servers: ${pair}, sticky: { cookie: sio_id } }` : `sticky: { servers: ${pair}, balance: ip-hash }`}
  loose: { servers: ${pair} }
  fast: { servers: ["${io.fast!.address}"] }
  slow: { servers: ["${io.slow!.address}"] }
sites:
${site(String(ctx.port("solo")), "solo")}${site(String(ctx.port("iphash")), "iphash")}${site(String(ctx.port("sticky")), "sticky")}${site(String(ctx.port("loose")), "loose")}${site(String(ctx.port("fast")), "fast", ", timeouts: { read: 2s }")}${site(String(ctx.port("slow")), "slow", ", timeouts: { read: 2s }")}`,
    });
  });
  afterAll(async () => {
    await stack?.stop();
    await Promise.all(Object.values(io).map((server) => server.close()));
  });

  it("the preset's route gets its timeouts (90s) in the rendered location", () => {
    const solo = stack.output.slice(stack.output.indexOf(`127.0.0.1:${stack.ports.solo}`));
    expect(solo).toMatch(/location \/socket\.io\/ \{[^}]*proxy_read_timeout 90s;[^}]*proxy_send_timeout 90s;/);
  });

  it("one backend: the client polls, then upgrades to a WebSocket, and its events get answers", async () => {
    const socket = client(stack.ports.solo!);
    try {
      await connectAndUpgrade(socket);
      expect(await socket.timeout(5000).emitWithAck("whoami")).toBe("solo");
      const requests = io.solo!.requests.filter((r) => r.sid === socket.io.engine.id);
      expect(requests.some((r) => r.transport === "polling")).toBe(true);
      expect(requests.some((r) => r.transport === "websocket")).toBe(true);
    } finally {
      socket.close();
    }
  });

  it.each(["iphash", "sticky"])("two backends with %s: every request of a session reaches one server", async (port) => {
    for (let i = 0; i < 4; i++) {
      const socket = client(stack.ports[port]!);
      try {
        await connectAndUpgrade(socket);
        const server = String(await socket.timeout(5000).emitWithAck("whoami"));
        const other = server === "one" ? "two" : "one";
        const sid = socket.io.engine.id;
        expect(io[other]!.requests.filter((r) => r.sid === sid)).toEqual([]);
        expect(io[server]!.requests.filter((r) => r.sid === sid && r.transport === "websocket")).not.toEqual([]);
      } finally {
        socket.close();
      }
    }
  });

  it("two backends without stickiness (polling-without-stickiness): the session's next poll reaches the other server", async () => {
    const before = io.one!.refusals.length + io.two!.refusals.length;
    const socket = client(stack.ports.loose!);
    try {
      await expect(connectAndUpgrade(socket)).rejects.toThrow();
    } finally {
      socket.close();
    }
    expect([...io.one!.refusals, ...io.two!.refusals].slice(before)).toContain("Session ID unknown");
  });

  it("socket.io's server pings keep a silent socket open past timeouts.read, and without them nginx cuts it", async () => {
    const hold = async (port: number): Promise<string | undefined> => {
      const socket = client(port);
      try {
        await connectAndUpgrade(socket);
        // the app sends nothing for twice the read timeout
        return await new Promise<string | undefined>((resolve) => {
          const timer = setTimeout(() => resolve(undefined), 4500);
          socket.on("disconnect", (reason) => {
            clearTimeout(timer);
            resolve(reason);
          });
        });
      } finally {
        socket.close();
      }
    };
    const [fast, slow] = await Promise.all([hold(stack.ports.fast!), hold(stack.ports.slow!)]);
    expect(fast).toBeUndefined();
    expect(slow).toBe("transport close");
  });
});

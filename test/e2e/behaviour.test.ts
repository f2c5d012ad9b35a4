/** What the rendered config does to real sockets: timeouts, load balancing, origins, connection limits, keepalive. */
import { createServer } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type WebSocket from "ws";
import { httpGet, wsAsk, wsEcho, wsOpen } from "../helpers/backend.js";
import { freePort } from "../helpers/ports.js";
import { startStack, type Stack } from "../helpers/stack.js";
import { e2eBuilds } from "./matrix.js";

const closedWithin = (socket: WebSocket, ms: number) =>
  new Promise<number | undefined>((resolve) => {
    const start = Date.now();
    const timer = setTimeout(() => resolve(undefined), ms);
    socket.once("close", () => {
      clearTimeout(timer);
      resolve(Date.now() - start);
    });
  });

describe.each(e2eBuilds())("behaviour through %s", (_label, build) => {
  let stack: Stack;
  let deadPort: number;
  beforeAll(async () => {
    deadPort = await freePort(); // nothing listens here: a dead primary
    stack = await startStack(build, {
      backends: ["a", "b", "primary", "backup"],
      ports: ["site"],
      yaml: (ctx) => `
upstreams:
  rr: { servers: ["${ctx.backend("a")}", "${ctx.backend("b")}"] }
  iphash: { servers: ["${ctx.backend("a")}", "${ctx.backend("b")}"], balance: ip-hash }
  byuser: { servers: ["${ctx.backend("a")}", "${ctx.backend("b")}"], balance: hash, hashKey: $arg_user }
  failover: { servers: ["${ctx.backend("primary")}", { address: "${ctx.backend("backup")}", backup: true }] }
  dead: { servers: ["127.0.0.1:${deadPort}", "${ctx.backend("b")}"] }
  pooled: { servers: ["${ctx.backend("a")}"], keepalive: 8 }
  unpooled: { servers: ["${ctx.backend("b")}"], keepalive: 0 }
sites:
  - domains: [localhost, 127.0.0.1]
    listen: "127.0.0.1:${ctx.port("site")}"
    routes:
      - { path: /rr, upstream: rr }
      - { path: /iphash, upstream: iphash }
      - { path: /hash, upstream: byuser }
      - { path: /failover, upstream: failover }
      - { path: /dead, upstream: dead }
      - { path: /idle, upstream: rr, timeouts: { read: 2s } }
      - { path: /origin, upstream: rr, origins: [https://app.example.com] }
      - { path: /origin-strict, upstream: rr, origins: [https://app.example.com], allowMissingOrigin: false }
      - { path: /limited, upstream: rr, maxConnectionsPerIp: 3 }
      - { path: /pooled-ws, upstream: pooled }
      - { path: /pooled, upstream: pooled, websocket: false }
      - { path: /unpooled, upstream: unpooled, websocket: false }
`,
    });
  });
  afterAll(() => stack.stop());
  const url = (path: string) => `ws://127.0.0.1:${stack.ports.site}${path}`;
  const whoami = async (path: string) => {
    const socket = await wsOpen(url(path));
    try {
      return (JSON.parse((await wsAsk(socket, "whoami")).toString()) as { backend: string }).backend;
    } finally {
      socket.close();
    }
  };

  it("a route's read timeout is real: a silent socket is closed by nginx after it (2s), a pinged one stays open", async () => {
    const silent = await wsOpen(url("/idle"));
    const closedAfter = await closedWithin(silent, 6000);
    expect(closedAfter).toBeDefined();
    expect(closedAfter!).toBeGreaterThanOrEqual(1500); // not at once: after the 2s timeout
    const pinged = await wsOpen(url("/idle"));
    const pinger = setInterval(() => pinged.ping(), 1000);
    try {
      expect(await closedWithin(pinged, 5500)).toBeUndefined(); // still open past 5s
      expect((await wsAsk(pinged, "alive?")).toString()).toMatch(/: alive\?$/);
    } finally {
      clearInterval(pinger);
      pinged.close();
    }
  });

  it("round-robin spreads sockets over both backends", async () => {
    const seen = new Set<string>();
    for (let i = 0; i < 6; i++) seen.add(await whoami("/rr"));
    expect([...seen].sort()).toEqual(["a", "b"]);
  });
  it("ip-hash keeps one client on one backend", async () => {
    const seen = new Set<string>();
    for (let i = 0; i < 6; i++) seen.add(await whoami("/iphash"));
    expect(seen.size).toBe(1);
  });
  it("hash keeps one key (a user) on one backend, and spreads different keys", async () => {
    const byUser = new Map<string, Set<string>>();
    for (const user of ["u1", "u2", "u3", "u4", "u5", "u6", "u7", "u8"])
      for (let i = 0; i < 3; i++) byUser.set(user, (byUser.get(user) ?? new Set()).add(await whoami(`/hash?user=${user}`)));
    for (const backends of byUser.values()) expect(backends.size).toBe(1);
    expect(new Set([...byUser.values()].map((s) => [...s][0])).size).toBe(2);
  });
  it("a dead primary is skipped", async () => {
    for (let i = 0; i < 4; i++) expect(await whoami("/dead")).toBe("b");
  });
  it("a backup server takes over when the primaries are down", async () => {
    expect(await whoami("/failover")).toBe("primary");
    await stack.backends.primary!.close();
    expect(await whoami("/failover")).toBe("backup");
  });

  it("origins: an allowed Origin gets 101, another 403, a missing one follows allowMissingOrigin", async () => {
    expect(await wsEcho(url("/origin"), "hi", { origin: "https://app.example.com" })).toMatch(/: hi$/);
    await expect(wsOpen(url("/origin"), { origin: "https://evil.example.com" })).rejects.toThrow("HTTP 403");
    expect(await wsEcho(url("/origin"), "no origin")).toMatch(/: no origin$/); // allowMissingOrigin defaults to true
    await expect(wsOpen(url("/origin-strict"))).rejects.toThrow("HTTP 403");
    expect(await wsEcho(url("/origin-strict"), "ok", { origin: "https://app.example.com" })).toMatch(/: ok$/);
  });

  it("maxConnectionsPerIp: the socket over the limit is refused while the others stay open", async () => {
    const open = await Promise.all([1, 2, 3].map(() => wsOpen(url("/limited"))));
    try {
      await expect(wsOpen(url("/limited"))).rejects.toThrow("HTTP 429");
      for (const socket of open) expect((await wsAsk(socket, "still here")).toString()).toMatch(/: still here$/);
    } finally {
      for (const socket of open) socket.close();
    }
  });

  it("keepalive upstreams reuse connections for plain HTTP while WebSocket upgrades still work", async () => {
    const a = stack.backends.a!;
    const b = stack.backends.b!;
    const beforeA = a.connections();
    for (let i = 0; i < 20; i++) expect((await httpGet(stack.ports.site!, "/pooled")).body).toBe("a /pooled\n");
    expect(a.connections() - beforeA).toBeLessThanOrEqual(2); // one worker: one pooled connection, reused
    const beforeB = b.connections();
    for (let i = 0; i < 20; i++) expect((await httpGet(stack.ports.site!, "/unpooled")).body).toBe("b /unpooled\n");
    expect(b.connections() - beforeB).toBe(20); // keepalive 0: a new upstream connection per request
    expect(await wsEcho(url("/pooled-ws"), "upgrade")).toBe("a: upgrade");
  });
});

describe("a handshake answer that never comes", () => {
  it("is reported by the probe, not waited on forever", async () => {
    const server = createServer(() => undefined); // accepts, never answers
    await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
    const port = (server.address() as { port: number }).port;
    const { probe } = await import("../../src/probe/probe.js");
    try {
      const result = await probe(`ws://127.0.0.1:${port}/ws`, { timeoutMs: 1000 });
      expect(result.ok).toBe(false);
      expect(result.problem?.code).toBe("no-upgrade");
      expect(result.problem?.message).toMatch(/^no answer to the handshake within 1s/);
    } finally {
      server.close();
    }
  });
});

/**
 * routes[].rateLimit through a real nginx (1.22, 1.26, 1.30) with real clients: limit_req per client
 * address and route, the burst let through at once (nodelay), 429 beyond it. The rate is 1r/m, so
 * nginx gives back one request a minute: a test that takes seconds cannot see the budget refill,
 * whatever the machine's speed.
 *
 * Where the limit sits among the other checks is proven too: after `origins` (a foreign page's 403
 * costs nothing) and before `access` (wrong passwords use up the budget: brute force); behind a
 * trusted proxy (realIp) it counts the real clients.
 *
 * Each test spends the budget of its own route (or client address), so the tests do not depend on
 * their order. Clients bind to other loopback addresses (127.0.0.2, ...) with localAddress to be
 * other clients; Linux routes all of 127.0.0.0/8 to the loopback interface.
 */
import { chmodSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { connect as netConnect } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type WebSocket from "ws";
import { httpGet, wsAsk, wsOpen } from "../helpers/backend.js";
import { nginxBuilds } from "../helpers/nginx.js";
import { startStack, type Stack } from "../helpers/stack.js";

/** 1 + burst: what one client may do at once on a route with `rateLimit: { rate: 1r/m, burst: 3 }`. */
const AT_ONCE = 4;

describe.each(nginxBuilds().map((b) => [b.label, b] as const))("rateLimit through %s", (_label, build) => {
  let stack: Stack;
  let dir: string;
  beforeAll(async () => {
    // basic auth's user file, readable by nginx's workers (nobody when the tests run as root)
    dir = mkdtempSync(join(tmpdir(), "wssgen-rate-"));
    chmodSync(dir, 0o755);
    writeFileSync(join(dir, "htpasswd"), "ada:{PLAIN}right\n", { mode: 0o644 });
    stack = await startStack(build, {
      backends: ["app"],
      ports: ["a", "b", "cdn"],
      yaml: (ctx) => `
upstreams:
  app: { servers: ["${ctx.backend("app")}"] }
sites:
  - domains: [localhost]
    listen: "127.0.0.1:${ctx.port("a")}"
    routes:
      - { path: /ws, upstream: app, rateLimit: { rate: 1r/m, burst: 3 } }
      - { path: /api/, upstream: app, websocket: false, rateLimit: { rate: 1r/m, burst: 3 } }
      - { path: /per-address, upstream: app, rateLimit: { rate: 1r/m, burst: 3 } }
      - { path: /first/, upstream: app, websocket: false, rateLimit: { rate: 1r/m, burst: 3 } }
      - { path: /second/, upstream: app, websocket: false, rateLimit: { rate: 1r/m, burst: 3 } }
      - { path: /once, upstream: app, rateLimit: { rate: 1r/m } }
      - { path: /free, upstream: app }
      - { path: /guarded, upstream: app, origins: [http://localhost], rateLimit: { rate: 1r/m, burst: 3 } }
      - path: /login/
        upstream: app
        websocket: false
        access: { basicAuth: { userFile: ${join(dir, "htpasswd")} } }
        rateLimit: { rate: 1r/m, burst: 3 }
  - domains: [localhost]
    listen: "127.0.0.1:${ctx.port("b")}"
    routes:
      - { path: /first/, upstream: app, websocket: false, rateLimit: { rate: 1r/m, burst: 3 } }
  - domains: [localhost]
    listen: "127.0.0.1:${ctx.port("cdn")}"
    realIp: { from: [127.0.0.1] }
    routes:
      - { path: /, upstream: app, websocket: false, rateLimit: { rate: 1r/m, burst: 3 } }
`,
    });
  });
  afterAll(async () => {
    await stack?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  /** A plain GET through site `site` from the client address `client`, on a fresh connection: its status. */
  const get = async (path: string, client = "127.0.0.1", site = "a", headers: Record<string, string> = {}): Promise<number> => {
    const port = stack.ports[site]!;
    const answer = await httpGet(port, path, {
      headers,
      createConnection: () => netConnect({ host: "127.0.0.1", port, localAddress: client }),
    });
    return answer.status;
  };
  /** `count` GETs one after the other: their statuses. */
  const gets = async (
    count: number,
    path: string,
    client?: string,
    site?: string,
    headers?: Record<string, string>,
  ): Promise<number[]> => {
    const statuses: number[] = [];
    for (let i = 0; i < count; i++) statuses.push(await get(path, client, site, headers));
    return statuses;
  };
  /** A WebSocket handshake to site a from `client`: "101" when it upgraded (and the socket answers), else "HTTP <status>". */
  const handshake = async (path: string, client = "127.0.0.1", origin?: string): Promise<string> => {
    let socket: WebSocket;
    try {
      socket = await wsOpen(`ws://127.0.0.1:${stack.ports.a}${path}`, { localAddress: client, ...(origin ? { origin } : {}) });
    } catch (error) {
      return (error as Error).message;
    }
    try {
      expect((await wsAsk(socket, "hello")).toString()).toBe("app: hello");
      return "101";
    } finally {
      socket.close();
    }
  };
  const handshakes = async (count: number, path: string, client?: string, origin?: string): Promise<string[]> => {
    const results: string[] = [];
    for (let i = 0; i < count; i++) results.push(await handshake(path, client, origin));
    return results;
  };
  const upgraded = (count: number) => Array<string>(count).fill("101");
  const ok = (count: number) => Array<number>(count).fill(200);
  /** The handshakes and requests for `path` the backend received. */
  const reached = (path: string) => stack.backends.app!.received().filter((r) => r.url === path).length;

  it("WebSocket handshakes: 1 + burst in a row upgrade, the next gets 429 and never reaches the backend", async () => {
    expect(await handshakes(AT_ONCE, "/ws")).toEqual(upgraded(AT_ONCE));
    expect(await handshakes(2, "/ws")).toEqual(["HTTP 429", "HTTP 429"]);
    expect(reached("/ws")).toBe(AT_ONCE);
    // limit_req refused them, in the rate's zone (not limit_conn, which also answers 429)
    expect(readFileSync(stack.nginx.errorLog, "utf8")).toMatch(
      /limiting requests, excess: [\d.]+ by zone "wssgen_req_1rm", client: 127\.0\.0\.1, .*"GET \/ws HTTP\/1\.1"/,
    );
  });

  it("HTTP requests: 1 + burst in a row pass, the next get 429", async () => {
    expect(await gets(AT_ONCE + 2, "/api/x")).toEqual([...ok(AT_ONCE), 429, 429]);
    expect(reached("/api/x")).toBe(AT_ONCE);
  });

  it("per client address: another address has its own budget, and the first stays limited", async () => {
    expect(await handshakes(AT_ONCE + 1, "/per-address", "127.0.0.1")).toEqual([...upgraded(AT_ONCE), "HTTP 429"]);
    expect(await handshakes(AT_ONCE + 1, "/per-address", "127.0.0.2")).toEqual([...upgraded(AT_ONCE), "HTTP 429"]);
    expect(await handshake("/per-address", "127.0.0.3")).toBe("101");
    expect(await handshake("/per-address", "127.0.0.1")).toBe("HTTP 429");
    // a plain request to the route shares its client's budget
    expect(await gets(2, "/per-address/x", "127.0.0.1")).toEqual([429, 429]);
    expect(await gets(1, "/per-address/x", "127.0.0.4")).toEqual([200]);
  });

  it("the budget is per route: a route with the same rate (one zone) and the same path on another site each have their own", async () => {
    expect(await gets(AT_ONCE + 1, "/first/x")).toEqual([...ok(AT_ONCE), 429]);
    expect(await gets(AT_ONCE + 1, "/second/x")).toEqual([...ok(AT_ONCE), 429]);
    expect(await gets(AT_ONCE + 1, "/first/x", "127.0.0.1", "b")).toEqual([...ok(AT_ONCE), 429]);
    expect(stack.output.match(/^limit_req_zone /gm)).toHaveLength(1); // all in wssgen_req_1rm
  });

  it("without a burst the second request at once gets 429, handshake or plain request", async () => {
    expect(await handshakes(2, "/once", "127.0.0.5")).toEqual(["101", "HTTP 429"]);
    expect(await gets(2, "/once/x", "127.0.0.6")).toEqual([200, 429]);
  });

  it("origins are checked first: handshakes from a foreign page get 403 and cost no budget", async () => {
    expect(await handshakes(2 * AT_ONCE, "/guarded", "127.0.0.7", "http://evil.example")).toEqual(
      Array<string>(2 * AT_ONCE).fill("HTTP 403"),
    );
    expect(await handshakes(AT_ONCE + 1, "/guarded", "127.0.0.7", "http://localhost")).toEqual([
      ...upgraded(AT_ONCE),
      "HTTP 429",
    ]);
  });

  it("the limit comes before basic auth: wrong passwords use up the budget, and then the right one gets 429 too", async () => {
    const basic = (password: string) => ({ Authorization: `Basic ${Buffer.from(`ada:${password}`).toString("base64")}` });
    expect(await gets(1, "/login/x", "127.0.0.8", "a", basic("right"))).toEqual([200]);
    expect(await gets(AT_ONCE, "/login/x", "127.0.0.8", "a", basic("guess"))).toEqual([401, 401, 401, 429]);
    expect(await gets(1, "/login/x", "127.0.0.8", "a", basic("right"))).toEqual([429]);
    expect(await gets(1, "/login/x", "127.0.0.9", "a", basic("right"))).toEqual([200]);
  });

  it("behind a trusted proxy (realIp) each real client has its own budget, though all come from the proxy's address", async () => {
    const via = (client: string) => ({ "X-Forwarded-For": client });
    expect(await gets(AT_ONCE + 1, "/x", "127.0.0.1", "cdn", via("203.0.113.1"))).toEqual([...ok(AT_ONCE), 429]);
    expect(await gets(AT_ONCE + 1, "/x", "127.0.0.1", "cdn", via("203.0.113.2"))).toEqual([...ok(AT_ONCE), 429]);
    expect(await gets(1, "/x", "127.0.0.1", "cdn", via("2001:db8::7"))).toEqual([200]);
  });

  it("a route without rateLimit lets every request through", async () => {
    expect(await handshakes(3 * AT_ONCE, "/free")).toEqual(upgraded(3 * AT_ONCE));
    expect(await gets(3 * AT_ONCE, "/free/x")).toEqual(ok(3 * AT_ONCE));
  });
});

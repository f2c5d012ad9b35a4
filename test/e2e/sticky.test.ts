/**
 * Cookie stickiness (issue 11, SPEC §7 `upstreams.<name>.sticky: { cookie }`) through a real nginx:
 * `sticky cookie NAME path=/ httponly [secure]`, which nginx has from 1.29.6
 * (src/http/modules/ngx_http_upstream_sticky_module.c).
 *
 * On builds that have it: two real backends in one upstream; the first answer sets the cookie (Secure
 * on a TLS site only); requests that send it all reach the server it names, while requests without
 * it reach both; a WebSocket handshake that carries it lands there too; `least-conn` does not
 * override it; when its server is down, nginx answers from the other server and sets a new cookie;
 * a backup server takes a client only while the others fail; the value is the MD5 of the server's
 * address, so nginx servers with the same upstream agree on it.
 * And what users care about: a real socket.io client, polling first and then upgrading, through two
 * socket.io servers: without stickiness the second polling request reaches the server that did not
 * create the session ("Session ID unknown"); with it, the whole session stays on one server.
 *
 * On older builds the real CLI refuses to render a config with `sticky`, naming 1.29.6 and saying
 * what to use instead, with exit code 1 (docs/cli.md: an invalid config).
 */
import { createHash } from "node:crypto";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { request as httpRequest, type IncomingMessage } from "node:http";
import { request as httpsRequest } from "node:https";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { io as socketIoClient, type Socket as SocketIoClient } from "socket.io-client";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import WebSocket from "ws";
import { atLeast, formatVersion } from "../../src/nginx-version/version.js";
import { startBackend, wsAsk, wsOpen } from "../helpers/backend.js";
import { runCli } from "../helpers/cli.js";
import { nginxBuilds } from "../helpers/nginx.js";
import { connectAndUpgrade, startSocketIo, type SocketIoBackend } from "../helpers/socketio.js";
import { startStack, type Stack } from "../helpers/stack.js";

/** nginx 1.29.6 changelog: "session affinity support; the sticky directive in the upstream block" */
const STICKY_SINCE = "1.29.6";
const builds = nginxBuilds();
const withSticky = builds.filter((build) => atLeast(build.version, STICKY_SINCE));
const withoutSticky = builds.filter((build) => !atLeast(build.version, STICKY_SINCE));

it(`the suite runs nginx builds both with and without sticky (${STICKY_SINCE})`, () => {
  expect(withSticky.length).toBeGreaterThan(0);
  expect(withoutSticky.length).toBeGreaterThan(0);
});

/** An answer through nginx: the backend that gave it (its x-backend header) and the cookie nginx set. */
interface Answer {
  status: number;
  backend: string | undefined;
  setCookie: string[];
}

/** A cookie from Set-Cookie: its value and its attributes, lower-cased ("path=/", "httponly", "secure"). */
interface SetCookie {
  value: string;
  attributes: string[];
}

function cookieNamed(answer: Answer, name: string): SetCookie | undefined {
  const line = answer.setCookie.find((l) => l.startsWith(`${name}=`));
  if (line === undefined) return undefined;
  const [pair, ...attributes] = line.split(";").map((part) => part.trim());
  return { value: pair!.slice(name.length + 1), attributes: attributes.map((a) => a.toLowerCase()) };
}

describe.each(withSticky.map((b) => [b.label, b] as const))("sticky cookie through %s", (_label, build) => {
  let stack: Stack;
  let ca: Buffer;
  const io: Record<string, SocketIoBackend> = {};
  beforeAll(async () => {
    io.one = await startSocketIo("one");
    io.two = await startSocketIo("two");
    const ioServers = `["127.0.0.1:${io.one.port}", "127.0.0.1:${io.two.port}"]`;
    stack = await startStack(build, {
      backends: ["a", "b", "c", "d", "e", "f"],
      ports: ["tls", "plain", "loose"],
      yaml: (ctx) => `
upstreams:
  secure: { servers: ["${ctx.backend("a")}", "${ctx.backend("b")}"], sticky: { cookie: srv_id } }
  pair: { servers: ["${ctx.backend("a")}", "${ctx.backend("b")}"], sticky: { cookie: srv_id } }
  busy: { servers: ["${ctx.backend("a")}", "${ctx.backend("b")}"], balance: least-conn, sticky: { cookie: lc_id } }
  failover: { servers: ["${ctx.backend("c")}", "${ctx.backend("d")}"], sticky: { cookie: fo_id } }
  spare:
    servers: [{ address: "${ctx.backend("e")}", failTimeout: 1s }, { address: "${ctx.backend("f")}", backup: true }]
    sticky: { cookie: sp_id }
  sio: { servers: ${ioServers}, sticky: { cookie: sio_id } }
  sioTls: { servers: ${ioServers}, sticky: { cookie: sio_id } }
  sioLoose: { servers: ${ioServers} }
sites:
  - domains: [localhost]
    listen: "127.0.0.1:${ctx.port("tls")}"
    tls: { certificate: ${ctx.certs.certificate}, key: ${ctx.certs.key} }
    routes:
      - { path: /socket.io/, upstream: sioTls }
      - { path: /, upstream: secure }
  - domains: [localhost]
    listen: "127.0.0.1:${ctx.port("plain")}"
    routes:
      - { path: /socket.io/, upstream: sio }
      - { path: /busy/, upstream: busy }
      - { path: /failover/, upstream: failover }
      - { path: /spare/, upstream: spare }
      - { path: /, upstream: pair }
  - domains: [localhost]
    listen: "127.0.0.1:${ctx.port("loose")}"
    routes:
      - { path: /socket.io/, upstream: sioLoose }
`,
    });
    ca = readFileSync(stack.certs.ca);
  });
  afterAll(async () => {
    await stack?.stop();
    await Promise.all(Object.values(io).map((server) => server.close()));
  });

  /** A GET on a fresh connection to one of the stack's sites, with `cookie` sent when given. */
  const get = (site: "tls" | "plain", path: string, cookie?: string): Promise<Answer> =>
    new Promise((resolve, reject) => {
      const options = {
        host: "127.0.0.1",
        port: stack.ports[site],
        path,
        agent: false,
        timeout: 5000,
        headers: { host: "localhost", ...(cookie === undefined ? {} : { cookie }) },
      } as const;
      const done = (res: IncomingMessage) => {
        res.resume();
        res.on("end", () =>
          resolve({
            status: res.statusCode ?? 0,
            backend: res.headers["x-backend"] as string | undefined,
            setCookie: res.headers["set-cookie"] ?? [],
          }),
        );
      };
      const req = site === "tls" ? httpsRequest({ ...options, ca, servername: "localhost" }, done) : httpRequest(options, done);
      req.on("timeout", () => req.destroy(new Error(`timeout: GET ${path}`)));
      req.on("error", reject);
      req.end();
    });

  /** `count` GETs in a row; the backends that answered, in order. */
  const backends = async (site: "tls" | "plain", path: string, count: number, cookie?: string): Promise<string[]> => {
    const answered: string[] = [];
    for (let i = 0; i < count; i++) {
      const answer = await get(site, path, cookie);
      expect(answer.status).toBe(200);
      answered.push(answer.backend ?? "(none)");
    }
    return answered;
  };

  /** The cookie value nginx gives for each backend, learnt from requests without a cookie. */
  const cookiesByBackend = async (site: "tls" | "plain", path: string, name: string): Promise<Map<string, string>> => {
    const cookies = new Map<string, string>();
    for (let i = 0; i < 10 && cookies.size < 2; i++) {
      const answer = await get(site, path);
      const cookie = cookieNamed(answer, name);
      expect(cookie, `the answer from ${answer.backend} sets ${name}`).toBeDefined();
      cookies.set(answer.backend!, cookie!.value);
    }
    expect([...cookies.keys()].sort()).toEqual(["a", "b"]);
    return cookies;
  };

  describe.each([
    ["a TLS site: the cookie is Secure", "tls", true],
    ["a plain site: the cookie is not Secure (a browser would drop it on http)", "plain", false],
  ] as const)("%s", (_name, site, secure) => {
    it("the first answer sets srv_id with Path=/ and HttpOnly", async () => {
      const first = await get(site, "/first");
      expect(first.status).toBe(200);
      const cookie = cookieNamed(first, "srv_id");
      expect(cookie, `Set-Cookie: ${first.setCookie.join(" | ")}`).toBeDefined();
      expect(cookie!.value).toMatch(/^[0-9a-f]{32}$/);
      expect(cookie!.attributes).toContain("path=/");
      expect(cookie!.attributes).toContain("httponly");
      expect(cookie!.attributes.includes("secure")).toBe(secure);
    });

    it("ten requests without the cookie reach both servers; ten with it all reach the server it names", async () => {
      expect(new Set(await backends(site, "/spread", 10))).toEqual(new Set(["a", "b"]));
      const cookies = await cookiesByBackend(site, "/learn", "srv_id");
      for (const [backend, value] of cookies) {
        expect(await backends(site, "/stay", 10, `srv_id=${value}`)).toEqual(Array(10).fill(backend));
        // among the app's own cookies, as a browser sends them
        expect(await backends(site, "/stay", 3, `theme=dark; srv_id=${value}; session=xyz`)).toEqual(Array(3).fill(backend));
      }
    });

    it("a WebSocket handshake that carries the cookie lands on the server the HTTP requests reached", async () => {
      const cookies = await cookiesByBackend(site, "/learn", "srv_id");
      const scheme = site === "tls" ? "wss" : "ws";
      for (const [backend, value] of cookies) {
        expect(await backends(site, "/before-socket", 2, `srv_id=${value}`)).toEqual([backend, backend]);
        for (let i = 0; i < 3; i++) {
          const socket = await wsOpen(`${scheme}://127.0.0.1:${stack.ports[site]}/socket`, {
            headers: { host: "localhost", cookie: `srv_id=${value}` },
            ...(site === "tls" ? { ca, servername: "localhost" } : {}),
          });
          try {
            const whoami = JSON.parse((await wsAsk(socket, "whoami")).toString()) as { backend: string };
            expect(whoami.backend).toBe(backend);
          } finally {
            socket.close();
          }
        }
      }
    });

    it("a WebSocket handshake without the cookie gets it in the 101 answer, naming the server it reached", async () => {
      const cookies = await cookiesByBackend(site, "/learn", "srv_id");
      const scheme = site === "tls" ? "wss" : "ws";
      const reached = new Set<string>();
      for (let i = 0; i < 4; i++) {
        const socket = new WebSocket(`${scheme}://127.0.0.1:${stack.ports[site]}/socket`, {
          headers: { host: "localhost" },
          handshakeTimeout: 5000,
          ...(site === "tls" ? { ca, servername: "localhost" } : {}),
        });
        const setCookie = new Promise<string[]>((resolve) =>
          socket.once("upgrade", (res) => resolve(res.headers["set-cookie"] ?? [])),
        );
        await new Promise((resolve, reject) => {
          socket.once("open", resolve);
          socket.once("error", reject);
        });
        try {
          const { backend } = JSON.parse((await wsAsk(socket, "whoami")).toString()) as { backend: string };
          reached.add(backend);
          const cookie = cookieNamed({ status: 101, backend, setCookie: await setCookie }, "srv_id");
          expect(cookie?.value).toBe(cookies.get(backend));
          expect(cookie?.attributes.includes("secure")).toBe(secure);
        } finally {
          socket.close();
        }
      }
      expect(reached).toEqual(new Set(["a", "b"]));
    });
  });

  it("with balance: least-conn the cookie still wins over the less busy server", async () => {
    const cookies = await cookiesByBackend("plain", "/busy/learn", "lc_id");
    // four open sockets on a, none on b: least-conn alone would send every new request to b
    const held: WebSocket[] = [];
    try {
      for (let i = 0; i < 4; i++) {
        const socket = await wsOpen(`ws://127.0.0.1:${stack.ports.plain}/busy/socket`, {
          headers: { host: "localhost", cookie: `lc_id=${cookies.get("a")}` },
        });
        held.push(socket);
        expect((JSON.parse((await wsAsk(socket, "whoami")).toString()) as { backend: string }).backend).toBe("a");
      }
      expect(await backends("plain", "/busy/free", 5)).toEqual(Array(5).fill("b"));
      expect(await backends("plain", "/busy/stay", 10, `lc_id=${cookies.get("a")}`)).toEqual(Array(10).fill("a"));
    } finally {
      for (const socket of held) socket.close();
    }
  });

  it("when the cookie's server is down, the other server answers and nginx sets a new cookie", async () => {
    const first = await get("plain", "/failover/first");
    const down = first.backend!;
    const old = cookieNamed(first, "fo_id")!.value;
    expect(await backends("plain", "/failover/stay", 3, `fo_id=${old}`)).toEqual([down, down, down]);
    await stack.backends[down]!.close();
    const other = down === "c" ? "d" : "c";
    const moved = await get("plain", "/failover/moved", `fo_id=${old}`);
    expect(moved).toMatchObject({ status: 200, backend: other });
    const renewed = cookieNamed(moved, "fo_id");
    expect(renewed?.value).toMatch(/^[0-9a-f]{32}$/);
    expect(renewed?.value).not.toBe(old);
    expect(await backends("plain", "/failover/after", 5, `fo_id=${renewed!.value}`)).toEqual(Array(5).fill(other));
  });

  it("the cookie's value is the MD5 of the server's address: every nginx with the same servers agrees on it", async () => {
    const cookies = await cookiesByBackend("plain", "/learn", "srv_id");
    for (const [backend, value] of cookies)
      expect(value).toBe(createHash("md5").update(`127.0.0.1:${stack.backends[backend]!.port}`).digest("hex"));
    // the TLS site's upstream has the same servers, so the same values
    expect(await cookiesByBackend("tls", "/learn", "srv_id")).toEqual(cookies);
  });

  it("a backup server takes the client while the other fails, and hands it back, with its old cookie, when it answers again", async () => {
    const first = await get("plain", "/spare/first");
    expect(first.backend).toBe("e");
    const primary = cookieNamed(first, "sp_id")!.value;
    const port = stack.backends.e!.port;
    await stack.backends.e!.close();
    const spare = await get("plain", "/spare/down", `sp_id=${primary}`);
    expect(spare).toMatchObject({ status: 200, backend: "f" });
    const backup = cookieNamed(spare, "sp_id")!.value;
    expect(backup).not.toBe(primary);
    expect(await backends("plain", "/spare/while-down", 3, `sp_id=${backup}`)).toEqual(["f", "f", "f"]);
    stack.backends.e = await startBackend("e", port);
    // nginx tries e again once its failTimeout (1s) has passed
    let back: Answer | undefined;
    for (const deadline = Date.now() + 20_000; Date.now() < deadline;) {
      const answer = await get("plain", "/spare/after", `sp_id=${backup}`);
      expect(answer.status).toBe(200);
      if (answer.backend === "e") {
        back = answer;
        break;
      }
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
    expect(back?.backend, "the client went back to e within 20 s").toBe("e");
    expect(cookieNamed(back!, "sp_id")?.value).toBe(primary);
  });

  describe("socket.io: polling first, then the upgrade to a WebSocket, through two socket.io servers", () => {
    /** A socket.io client with a cookie jar (withCredentials), as a browser has one. */
    const client = (url: string, tls = false): SocketIoClient =>
      socketIoClient(url, {
        transports: ["polling", "websocket"],
        withCredentials: true,
        reconnection: false,
        timeout: 5000,
        ...(tls ? { ca: ca.toString(), rejectUnauthorized: true } : {}),
      });
    const sessionRequests = (sid: string) =>
      Object.fromEntries(Object.values(io).map((server) => [server.name, server.requests.filter((r) => r.sid === sid)]));

    it.each([
      ["plain", "http", false],
      ["tls", "https", true],
    ] as const)(
      "with sticky (%s site) every request of a session reaches one server, and the upgrade succeeds",
      async (site, scheme, tls) => {
        const socket = client(`${scheme}://127.0.0.1:${stack.ports[site]}`, tls);
        try {
          await connectAndUpgrade(socket);
          const server = String(await socket.timeout(5000).emitWithAck("whoami"));
          const sid = socket.io.engine.id;
          const requests = sessionRequests(sid);
          const other = server === "one" ? "two" : "one";
          expect(requests[other]).toEqual([]);
          // the session's polling requests and its WebSocket upgrade, all on the server that created it
          expect(requests[server]!.some((r) => r.transport === "polling")).toBe(true);
          expect(requests[server]!.some((r) => r.transport === "websocket")).toBe(true);
        } finally {
          socket.close();
        }
      },
    );

    it("without sticky the session's next polling request reaches the other server: Session ID unknown", async () => {
      const before = io.one!.refusals.length + io.two!.refusals.length;
      const socket = client(`http://127.0.0.1:${stack.ports.loose}`);
      try {
        await expect(connectAndUpgrade(socket)).rejects.toThrow();
      } finally {
        socket.close();
      }
      expect([...io.one!.refusals, ...io.two!.refusals].slice(before)).toContain("Session ID unknown");
    });
  });
});

describe.each(withoutSticky.map((b) => [b.label, b] as const))("sticky on %s", (_label, build) => {
  let dir: string;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), "wssgen-sticky-"));
    writeFileSync(
      join(dir, "wssgen.yaml"),
      `nginx: { binary: ${build.binary} }
upstreams:
  chat:
    servers: [127.0.0.1:9001, 127.0.0.1:9002]
    sticky: { cookie: srv_id }
sites:
  - domains: [chat.example.com]
    routes: [{ path: /socket.io/, upstream: chat }]
`,
    );
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it(`render refuses it: the version error names ${STICKY_SINCE} and what to use instead, exit code 1`, async () => {
    const result = await runCli(["render", "-c", join(dir, "wssgen.yaml")], { cwd: dir });
    expect(result.exitCode).toBe(1);
    expect(result.stdout).toBe("");
    const error = result.stderr.split("\n").find((line) => line.includes("upstreams.chat.sticky"));
    expect(error).toBeDefined();
    expect(error).toMatch(/wssgen\.yaml:5:13 upstreams\.chat\.sticky: /);
    expect(error).toContain(`needs nginx ${STICKY_SINCE} or later`);
    // the version came from the nginx binary itself (nginx -V)
    expect(error).toContain(`rendered for nginx ${formatVersion(build.version)} (what nginx -V reports)`);
    expect(error).toContain("balance: ip-hash");
    expect(error).toContain("balance: hash with hashKey: $cookie_");
  });

  it("the same file renders for a version that has sticky", async () => {
    const result = await runCli(["render", "-c", join(dir, "wssgen.yaml"), "--nginx-version", "1.30"], { cwd: dir });
    expect(result.exitCode).toBe(0);
    expect(result.stdout).toContain("sticky cookie srv_id path=/ httponly;");
  });
});

/**
 * routes[].access through a real nginx (1.22, 1.26, 1.30), with real clients (`ws`, node http):
 * `allow` (an address list, everyone else 403, the real client behind a trusted proxy), `basicAuth`
 * (a user file made at test time with openssl and libcrypt, in every hash format nginx checks), and
 * `forwardAuth` (auth_request to a real node http auth service that answers by the session cookie),
 * alone and all three on one route (each must pass, in nginx's order: allow, basic, forward).
 *
 * Every refusal has its control: /open/ is the same backend without `access`, where the same
 * handshake from the same address, without credentials or cookie, upgrades.
 *
 * Linux routes all of 127.0.0.0/8 to the loopback device, so a client socket bound to 127.0.0.2
 * (localAddress) reaches nginx on 127.0.0.1 as a second client address.
 */
import { execFileSync } from "node:child_process";
import { createHash, randomBytes } from "node:crypto";
import { chmodSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { createServer, request, type IncomingHttpHeaders, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import WebSocket from "ws";
import { parseConfig } from "../../src/config/load.js";
import { ConfigError } from "../../src/errors.js";
import { startBackend, wsAsk, wsEcho, wsOpen, type Backend } from "../helpers/backend.js";
import { nginxBuilds } from "../helpers/nginx.js";
import { startNginx } from "../helpers/nginx-server.js";
import { freePort } from "../helpers/ports.js";
import { startStack, type Stack } from "../helpers/stack.js";

type Headers = Record<string, string | string[] | undefined>;

/** A request as the auth service received it. */
interface AuthCall {
  method: string;
  url: string;
  headers: IncomingHttpHeaders;
  bodyBytes: number;
}

/**
 * A tiny forward-auth service, as Authelia or oauth2-proxy answer nginx's auth_request: the session
 * cookie decides. `session=good`: 200 with `Remote-User: alice`; `session=anon`: 200 and no user
 * (a service that lets guests through); `session=banned`: 403; `session=redirect`: 302; anything
 * else: 401 with a WWW-Authenticate of its own.
 */
async function startAuthService(): Promise<{ port: number; calls: AuthCall[]; close(): Promise<void> }> {
  const calls: AuthCall[] = [];
  const server: Server = createServer((req, res) => {
    let bodyBytes = 0;
    req.on("data", (chunk: Buffer) => (bodyBytes += chunk.length));
    req.on("end", () => {
      calls.push({ method: req.method ?? "", url: req.url ?? "", headers: req.headers, bodyBytes });
      const session = /(?:^|;\s*)session=([^;]*)/.exec(req.headers.cookie ?? "")?.[1];
      if (session === "good") res.writeHead(200, { "Remote-User": "alice" });
      else if (session === "anon") res.writeHead(200);
      else if (session === "banned") res.writeHead(403);
      // an answer nginx does not expect from an auth service (a login redirect): an error
      else if (session === "redirect") res.writeHead(302, { Location: "https://auth.example.com/" });
      else res.writeHead(401, { "WWW-Authenticate": 'Bearer realm="sso"' });
      res.end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return {
    port: (server.address() as AddressInfo).port,
    calls,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

interface Answer {
  status: number;
  headers: IncomingHttpHeaders;
  body: string;
}

/** One HTTP request on a fresh connection from `localAddress` (default 127.0.0.1), with an optional body. */
function send(
  port: number,
  path: string,
  options: { method?: string; headers?: Record<string, string>; body?: Buffer; localAddress?: string } = {},
): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const req = request(
      {
        host: "127.0.0.1",
        port,
        path,
        method: options.method ?? "GET",
        localAddress: options.localAddress ?? "127.0.0.1",
        agent: false,
        timeout: 5000,
        headers: { host: "localhost", ...options.headers },
      },
      (res) => {
        let body = "";
        res.on("data", (chunk: Buffer) => (body += chunk.toString()));
        res.on("end", () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }));
      },
    );
    req.on("timeout", () => req.destroy(new Error(`timeout: ${path}`)));
    req.on("error", reject);
    req.end(options.body);
  });
}

const basic = (user: string, password: string) => `Basic ${Buffer.from(`${user}:${password}`).toString("base64")}`;

/** Characters of crypt(3)'s base64 (bcrypt and yescrypt salts). */
const CRYPT64 = "./ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
const salt = (length: number) => [...randomBytes(length)].map((b) => CRYPT64[b % 64]).join("");
/** `openssl passwd <flag>`: $apr1$ (Apache's MD5), $1$ (MD5-crypt), $5$ (SHA-256-crypt), $6$ (SHA-512-crypt). */
const opensslPasswd = (flag: string, password: string) =>
  execFileSync("openssl", ["passwd", flag, password], { encoding: "utf8" }).trim();
/** crypt(3) of this machine's libcrypt (libxcrypt on Debian) through perl, for the formats openssl does not make. */
const libcrypt = (password: string, setting: string) =>
  execFileSync("perl", ["-e", "print crypt($ARGV[0], $ARGV[1])", password, setting], { encoding: "utf8" });
const sha1 = (data: Buffer) => createHash("sha1").update(data).digest();

/**
 * One user per hash format, each with its own password: the formats nginx checks itself ($apr1$,
 * {PLAIN}, {SHA}, {SSHA}: src/core/ngx_crypt.c) and those it hands to crypt(3) (bcrypt as
 * `htpasswd -B` writes it, yescrypt as Debian's passwd does, SHA-crypt, MD5-crypt). `carol` has her
 * password in plain text without {PLAIN}: crypt(3) reads it as a DES salt, and nothing matches.
 */
function userFile(): { text: string; users: Record<string, string> } {
  const users: Record<string, string> = {};
  const lines: string[] = ["# made by test/e2e/access.test.ts", ""];
  const add = (user: string, hash: (password: string) => string) => {
    const password = `pw-${user}-${randomBytes(4).toString("hex")}`;
    users[user] = password;
    lines.push(`${user}:${hash(password)}`);
  };
  add("apr1", (p) => opensslPasswd("-apr1", p));
  add("md5crypt", (p) => opensslPasswd("-1", p));
  add("sha256crypt", (p) => opensslPasswd("-5", p));
  add("sha512crypt", (p) => opensslPasswd("-6", p));
  // bcrypt's 22-character salt holds 128 bits: its last character carries 2 of them
  add("bcrypt", (p) => libcrypt(p, `$2y$05$${salt(21)}${".Oeu"[randomBytes(1)[0]! % 4]!}`));
  add("yescrypt", (p) => libcrypt(p, `$y$j9T$${salt(16)}$`));
  add("sha", (p) => `{SHA}${sha1(Buffer.from(p)).toString("base64")}`);
  add("ssha", (p) => {
    const s = randomBytes(8);
    return `{SSHA}${Buffer.concat([sha1(Buffer.concat([Buffer.from(p), s])), s]).toString("base64")}`;
  });
  add("plain", (p) => `{PLAIN}${p}`);
  add("carol", (p) => p);
  return { text: `${lines.join("\n")}\n`, users };
}

/** The index of /forward/ among its site's routes below: its internal location is /.wssgen/auth/<index>. */
const FORWARD_INDEX = 6;

describe.each(nginxBuilds().map((b) => [b.label, b] as const))("routes[].access through %s", (_label, build) => {
  let stack: Stack;
  let auth: Awaited<ReturnType<typeof startAuthService>>;
  let dir: string;
  let users: Record<string, string>;
  beforeAll(async () => {
    auth = await startAuthService();
    // nginx's workers (nobody, when the tests run as root) read the user file on each request
    dir = mkdtempSync(join(tmpdir(), "wssgen-access-"));
    chmodSync(dir, 0o755);
    const made = userFile();
    users = made.users;
    writeFileSync(join(dir, "users"), made.text, { mode: 0o644 });
    writeFileSync(join(dir, "unreadable"), made.text, { mode: 0o000 });
    mkdirSync(join(dir, "files"), { mode: 0o755 });
    writeFileSync(join(dir, "files", "report.txt"), "the report\n", { mode: 0o644 });
    const forward = `forwardAuth: { url: "http://127.0.0.1:${auth.port}/verify", responseHeaders: [Remote-User] }`;
    stack = await startStack(build, {
      backends: ["app"],
      ports: ["site", "proxied", "closed"],
      yaml: (ctx) => `
upstreams:
  app: { servers: ["${ctx.backend("app")}"] }
sites:
  - domains: [localhost]
    listen: "127.0.0.1:${ctx.port("site")}"
    routes:
      - { path: /, upstream: app }
      - { path: /open/, upstream: app }
      - { path: /allow/, upstream: app, access: { allow: [127.0.0.1] } }
      - { path: /basic/, upstream: app, access: { basicAuth: { userFile: ${dir}/users, realm: "Team Chat" } } }
      - { path: /basic-missing/, upstream: app, access: { basicAuth: { userFile: ${dir}/missing } } }
      - { path: /basic-unreadable/, upstream: app, access: { basicAuth: { userFile: ${dir}/unreadable } } }
      - { path: /forward/, upstream: app, access: { ${forward} } }
      - path: /forward-login/
        upstream: app
        access: { ${forward} }
        directives: ["error_page 401 =302 https://auth.example.com/?rd=$scheme://$host$request_uri"]
      - path: /files/
        static: { root: ${dir}/files }
        access: { forwardAuth: { url: "http://127.0.0.1:${auth.port}/verify" } }
      # nothing listens on the "closed" port: the service is down
      - { path: /forward-down/, upstream: app, access: { forwardAuth: { url: "http://127.0.0.1:${ctx.port("closed")}/verify" } } }
      # a URL without a path: the service is asked for "/", never for wssgen's internal location
      - { path: /forward-root/, upstream: app, access: { forwardAuth: { url: "http://127.0.0.1:${auth.port}" } } }
      - path: /all/
        upstream: app
        access:
          allow: [127.0.0.1]
          basicAuth: { userFile: ${dir}/users }
          ${forward}
  - domains: [localhost]
    listen: "127.0.0.1:${ctx.port("proxied")}"
    realIp: { from: [127.0.0.1] }
    routes:
      - { path: /allow/, upstream: app, access: { allow: [203.0.113.7] } }
      - { path: /forward/, upstream: app, access: { ${forward} } }
`,
    });
  });
  afterAll(async () => {
    await stack?.stop();
    await auth?.close();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });
  beforeEach(() => {
    auth.calls.length = 0;
  });

  const site = (path: string) => `ws://127.0.0.1:${stack.ports.site}${path}`;
  const get = (path: string, options: Parameters<typeof send>[2] = {}) => send(stack.ports.site!, path, options);
  /** The headers of a WebSocket handshake as the backend received it. */
  const whoami = async (socket: WebSocket): Promise<Headers> =>
    (JSON.parse((await wsAsk(socket, "whoami")).toString()) as { headers: Headers }).headers;
  const withSocket = async <T>(socket: WebSocket, use: (socket: WebSocket) => Promise<T>): Promise<T> => {
    try {
      return await use(socket);
    } finally {
      socket.close();
    }
  };
  const handshakes = () => stack.backends.app!.received().filter((r) => r.websocket).length;

  it("the control: without access, a handshake from 127.0.0.2 with no credentials and no cookie upgrades", async () => {
    expect(await wsEcho(site("/open/chat"), "hi", { localAddress: "127.0.0.2" })).toBe("app: hi");
    expect((await get("/open/page", { localAddress: "127.0.0.2" })).status).toBe(200);
    expect(auth.calls).toEqual([]);
  });

  describe("allow", () => {
    it("a WebSocket from 127.0.0.1 upgrades; the same handshake from 127.0.0.2 gets 403 and never reaches the backend", async () => {
      expect(await wsEcho(site("/allow/chat"), "hi", { localAddress: "127.0.0.1" })).toBe("app: hi");
      const before = handshakes();
      await expect(wsOpen(site("/allow/chat"), { localAddress: "127.0.0.2" })).rejects.toThrow("HTTP 403");
      expect(handshakes()).toBe(before);
    });
    it("an HTTP request likewise", async () => {
      expect((await get("/allow/page")).body).toBe("app /allow/page\n");
      expect((await get("/allow/page", { localAddress: "127.0.0.2" })).status).toBe(403);
    });
    it("behind a trusted proxy (realIp) the list applies to the real client, not the proxy", async () => {
      const proxied = (client: string | undefined, localAddress = "127.0.0.1") =>
        wsOpen(`ws://127.0.0.1:${stack.ports.proxied}/allow/chat`, {
          localAddress,
          headers: client ? { "X-Forwarded-For": client } : {},
        });
      await withSocket(await proxied("203.0.113.7"), async (socket) =>
        expect((await whoami(socket))["x-real-ip"]).toBe("203.0.113.7"),
      );
      await expect(proxied("203.0.113.8")).rejects.toThrow("HTTP 403");
      // the proxy itself is not on the list
      await expect(proxied(undefined)).rejects.toThrow("HTTP 403");
      // a peer outside realIp.from cannot name an allowed client
      await expect(proxied("203.0.113.7", "127.0.0.2")).rejects.toThrow("HTTP 403");
    });
  });

  describe("basicAuth", () => {
    it("no credentials: 401 with the realm; a wrong password: 401; the right one: 101 and the echo", async () => {
      const none = await get("/basic/page");
      expect(none.status).toBe(401);
      expect(none.headers["www-authenticate"]).toBe('Basic realm="Team Chat"');
      await expect(wsOpen(site("/basic/chat"))).rejects.toThrow("HTTP 401");
      const wrong = { Authorization: basic("apr1", `${users.apr1!}x`) };
      await expect(wsOpen(site("/basic/chat"), { headers: wrong })).rejects.toThrow("HTTP 401");
      expect((await get("/basic/page", { headers: wrong })).status).toBe(401);
      // the handshake carries the credentials in its Authorization header, as a browser sends them after the page's login
      const right = { Authorization: basic("apr1", users.apr1!) };
      expect(await wsEcho(site("/basic/chat"), "hi", { headers: right })).toBe("app: hi");
    });
    it.each(["apr1", "md5crypt", "sha256crypt", "sha512crypt", "bcrypt", "yescrypt", "sha", "ssha", "plain"])(
      "a %s hash: its password lets the user in, another user's does not",
      async (user) => {
        expect((await get("/basic/page", { headers: { Authorization: basic(user, users[user]!) } })).status).toBe(200);
        const other = user === "apr1" ? "plain" : "apr1";
        expect((await get("/basic/page", { headers: { Authorization: basic(user, users[other]!) } })).status).toBe(401);
      },
    );
    it("a password written in plain text (no {PLAIN}) never matches: crypt(3) reads it as a salt", async () => {
      expect((await get("/basic/page", { headers: { Authorization: basic("carol", users.carol!) } })).status).toBe(401);
    });
    it("a missing user file passes nginx -t; then a login gets 403, and an unreadable one 500 (what access-user-file warns of)", async () => {
      expect((await get("/basic-missing/page")).status).toBe(401);
      expect((await get("/basic-missing/page", { headers: { Authorization: basic("apr1", users.apr1!) } })).status).toBe(403);
      expect((await get("/basic-unreadable/page", { headers: { Authorization: basic("apr1", users.apr1!) } })).status).toBe(500);
    });
  });

  describe("forwardAuth", () => {
    const good = { Cookie: "theme=dark; session=good" };

    it("a handshake with the session cookie upgrades, and the backend sees the user the service named", async () => {
      await withSocket(await wsOpen(site("/forward/chat?token=abc"), { headers: good }), async (socket) => {
        expect((await wsAsk(socket, "hi")).toString()).toBe("app: hi");
        expect((await whoami(socket))["remote-user"]).toBe("alice");
      });
    });
    it("without the session: 401, and the backend sees nothing; a 403 of the service is the client's 403", async () => {
      const before = stack.backends.app!.received().length;
      await expect(wsOpen(site("/forward/chat"))).rejects.toThrow("HTTP 401");
      await expect(wsOpen(site("/forward/chat"), { headers: { Cookie: "session=bad" } })).rejects.toThrow("HTTP 401");
      const page = await get("/forward/page");
      // the service's WWW-Authenticate is the client's
      expect([page.status, page.headers["www-authenticate"]]).toEqual([401, 'Bearer realm="sso"']);
      await expect(wsOpen(site("/forward/chat"), { headers: { Cookie: "session=banned" } })).rejects.toThrow("HTTP 403");
      expect(stack.backends.app!.received().length).toBe(before);
      expect(auth.calls.length).toBe(4);
    });
    it("no spoofing: a client's own Remote-User is refused without a session and replaced with one", async () => {
      const admin = { "Remote-User": "admin" };
      await expect(wsOpen(site("/forward/chat"), { headers: admin })).rejects.toThrow("HTTP 401");
      await withSocket(await wsOpen(site("/forward/chat"), { headers: { ...admin, ...good } }), async (socket) =>
        expect((await whoami(socket))["remote-user"]).toBe("alice"),
      );
      // a service that lets a guest through names no user: the client's header is dropped, not kept
      await withSocket(
        await wsOpen(site("/forward/chat"), { headers: { ...admin, remote_user: "admin", Cookie: "session=anon" } }),
        async (socket) => {
          const headers = await whoami(socket);
          expect(headers["remote-user"]).toBeUndefined();
          expect(headers.remote_user).toBeUndefined();
        },
      );
      expect((await get("/forward/page", { headers: { ...admin, Cookie: "session=anon" } })).status).toBe(200);
      expect(stack.backends.app!.received().at(-1)!.headers["remote-user"]).toBeUndefined();
    });
    it("the service sees the cookies, the URL with its query, the method, and no Upgrade: a plain GET without a body", async () => {
      // as a browser's `new WebSocket(url, ["chat.v1"])` on the page http://localhost sends it
      const socket = new WebSocket(site("/forward/chat?token=abc"), ["chat.v1"], { headers: good, origin: "http://localhost" });
      await new Promise((resolve, reject) => socket.once("open", resolve).once("error", reject));
      socket.close();
      expect(auth.calls).toHaveLength(1);
      const call = auth.calls[0]!;
      expect([call.method, call.url, call.bodyBytes]).toEqual(["GET", "/verify", 0]);
      expect(call.headers).toMatchObject({
        cookie: "theme=dark; session=good",
        // the handshake's Host (127.0.0.1:port, from the URL) and nginx's port
        "x-original-url": `http://127.0.0.1:${stack.ports.site}/forward/chat?token=abc`,
        "x-original-method": "GET",
        "x-forwarded-method": "GET",
        "x-forwarded-proto": "http",
        "x-forwarded-host": "127.0.0.1",
        "x-forwarded-uri": "/forward/chat?token=abc",
        "x-forwarded-for": "127.0.0.1",
        "x-real-ip": "127.0.0.1",
        // what a browser's handshake carries besides the cookies
        origin: "http://localhost",
        "sec-websocket-protocol": "chat.v1",
      });
      expect(call.headers.upgrade).toBeUndefined();
      // "close" before nginx 1.29.7, nothing from it on (HTTP/1.1 keepalive): never "upgrade"
      expect(call.headers.connection ?? "").not.toMatch(/upgrade/i);
      expect(call.headers["content-length"]).toBeUndefined();
      expect(call.headers["transfer-encoding"]).toBeUndefined();
    });
    it("a POST with a body: the service gets a GET without it (X-Forwarded-Method: POST), the backend gets the body", async () => {
      const body = randomBytes(20_000);
      const answer = await get("/forward/upload", {
        method: "POST",
        headers: { ...good, "Content-Type": "application/octet-stream" },
        body,
      });
      expect(answer.status).toBe(200);
      expect(stack.backends.app!.received().at(-1)).toMatchObject({ method: "POST", url: "/forward/upload", bodyBytes: 20_000 });
      expect(auth.calls).toHaveLength(1);
      expect(auth.calls[0]).toMatchObject({ method: "GET", bodyBytes: 0 });
      expect(auth.calls[0]!.headers).toMatchObject({ "x-forwarded-method": "POST", "x-original-method": "POST" });
      expect(auth.calls[0]!.headers["content-length"]).toBeUndefined();
      // refused: the body never reaches the backend
      const before = stack.backends.app!.received().length;
      expect((await get("/forward/upload", { method: "POST", body })).status).toBe(401);
      expect(stack.backends.app!.received().length).toBe(before);
    });
    it("a service that answers anything but 2xx, 401 or 403, or does not answer: 500, and the backend sees nothing", async () => {
      const before = stack.backends.app!.received().length;
      const redirect = await get("/forward/page", { headers: { Cookie: "session=redirect" } });
      expect([redirect.status, redirect.headers.location]).toEqual([500, undefined]);
      await expect(wsOpen(site("/forward/chat"), { headers: { Cookie: "session=redirect" } })).rejects.toThrow("HTTP 500");
      expect((await get("/forward-down/page", { headers: good })).status).toBe(500);
      expect(stack.backends.app!.received().length).toBe(before);
    });
    it('a URL without a path: the service is asked for "/" (nginx would send it /.wssgen/auth/<n>)', async () => {
      expect((await get("/forward-root/page", { headers: good })).status).toBe(200);
      expect(auth.calls.map((call) => call.url)).toEqual(["/"]);
      expect((await get("/forward-root/page")).status).toBe(401);
    });
    it("the internal location answers 404 to a client asking it directly, and the service is not asked", async () => {
      const direct = await get(`/.wssgen/auth/${FORWARD_INDEX}`, { headers: good });
      expect(direct.status).toBe(404);
      expect(auth.calls).toEqual([]);
      expect(stack.output).toContain(`location = /.wssgen/auth/${FORWARD_INDEX} {`);
    });
    it("a static route: the file with a session, 401 without", async () => {
      expect(await get("/files/report.txt", { headers: good })).toMatchObject({ status: 200, body: "the report\n" });
      expect((await get("/files/report.txt")).status).toBe(401);
      expect(auth.calls).toHaveLength(2);
    });
    it("a route's error_page sends a browser without a session to the login page", async () => {
      const answer = await get("/forward-login/dashboard?x=1");
      expect(answer.status).toBe(302);
      expect(answer.headers.location).toBe("https://auth.example.com/?rd=http://localhost/forward-login/dashboard?x=1");
      expect((await get("/forward-login/dashboard", { headers: good })).status).toBe(200);
    });
    it("behind a trusted proxy the service sees the real client, the proxy's scheme, and the host without nginx's port", async () => {
      // the client wrote the first address itself; the trusted proxy appended the one it saw
      const socket = await wsOpen(`ws://127.0.0.1:${stack.ports.proxied}/forward/chat?token=abc`, {
        headers: { ...good, "X-Forwarded-For": "10.1.2.3, 203.0.113.7", "X-Forwarded-Proto": "https" },
      });
      socket.close();
      expect(auth.calls[0]!.headers).toMatchObject({
        "x-original-url": "https://127.0.0.1/forward/chat?token=abc",
        "x-forwarded-proto": "https",
        // one address, the one nginx vouches for: services such as Authelia read the first entry
        "x-forwarded-for": "203.0.113.7",
        "x-real-ip": "203.0.113.7",
      });
    });
    it("X-Forwarded-For from the client never reaches the service: it could name an address a network rule lets in", async () => {
      (await wsOpen(site("/forward/chat"), { headers: { ...good, "X-Forwarded-For": "10.1.2.3" } })).close();
      expect(auth.calls[0]!.headers).toMatchObject({ "x-forwarded-for": "127.0.0.1", "x-real-ip": "127.0.0.1" });
      // the backend still gets the whole chain
      expect(stack.backends.app!.received().at(-1)!.headers["x-forwarded-for"]).toBe("10.1.2.3, 127.0.0.1");
    });
  });

  describe("all three on one route: each must pass, in nginx's order (allow, basic, forward)", () => {
    const credentials = () => ({ Authorization: basic("sha512crypt", users.sha512crypt!) });
    const good = { Cookie: "session=good" };

    it("everything right: 101, the echo, and the service's user", async () => {
      await withSocket(await wsOpen(site("/all/chat"), { headers: { ...credentials(), ...good } }), async (socket) => {
        expect((await wsAsk(socket, "hi")).toString()).toBe("app: hi");
        expect((await whoami(socket))["remote-user"]).toBe("alice");
      });
    });
    it("another address: 403 before anything else is asked", async () => {
      await expect(
        wsOpen(site("/all/chat"), { localAddress: "127.0.0.2", headers: { ...credentials(), ...good } }),
      ).rejects.toThrow("HTTP 403");
      expect(auth.calls).toEqual([]);
    });
    it("no or wrong credentials: 401 with the default realm, and the service is not asked", async () => {
      const none = await get("/all/page", { headers: good });
      expect([none.status, none.headers["www-authenticate"]]).toEqual([401, 'Basic realm="Restricted"']);
      await expect(
        wsOpen(site("/all/chat"), { headers: { Authorization: basic("sha512crypt", "wrong"), ...good } }),
      ).rejects.toThrow("HTTP 401");
      expect(auth.calls).toEqual([]);
    });
    it("credentials without a session: the service refuses (401), and it saw the Authorization header", async () => {
      await expect(wsOpen(site("/all/chat"), { headers: credentials() })).rejects.toThrow("HTTP 401");
      expect(auth.calls).toHaveLength(1);
      expect(auth.calls[0]!.headers.authorization).toBe(credentials().Authorization);
    });
  });
});

describe.each(nginxBuilds().map((b) => [b.label, b] as const))("why a realm may not be off, on %s", (_label, build) => {
  let backend: Backend;
  let port: number;
  let stop: () => void = () => undefined;
  beforeAll(async () => {
    backend = await startBackend("b");
    port = await freePort();
    // hand-written: wssgen refuses these realms (checked below), nginx takes them
    const location = (path: string, realm: string) =>
      `location ${path} { auth_basic "${realm}"; auth_basic_user_file /nonexistent; proxy_pass http://127.0.0.1:${backend.port}; }`;
    const nginx = startNginx(build, {
      basePort: await freePort(),
      confFiles: {
        "realm.conf": `server { listen 127.0.0.1:${port}; ${location("/off/", "off")} ${location("/Off/", "Off")} }\n`,
      },
    });
    stop = () => nginx.stop();
  });
  afterAll(async () => {
    stop();
    await backend?.close();
  });

  it('nginx reads the realm "off" as auth_basic off: everyone gets in, even quoted', async () => {
    expect((await send(port, "/off/page")).body).toBe("b /off/page\n");
    // only that exact word: another case asks for a password
    expect((await send(port, "/Off/page")).status).toBe(401);
  });
  it("so wssgen refuses it, and a realm nginx would put in its header unescaped", () => {
    const parse = (realm: string) => () =>
      parseConfig(
        "wssgen.yaml",
        `upstreams: { app: { servers: ["127.0.0.1:${backend.port}"] } }
sites:
  - domains: [localhost]
    routes: [{ path: /a/, upstream: app, access: { basicAuth: { userFile: /etc/nginx/htpasswd, realm: ${JSON.stringify(realm)} } } }]
`,
        {},
      );
    expect(parse("off")).toThrow(ConfigError);
    expect(parse("off")).toThrow(/realm: "off" would turn basic auth off \(nginx reads auth_basic off, quoted or not\)/);
    expect(parse('say "hi"')).toThrow(/realm: .*nginx writes the realm into WWW-Authenticate as it is/);
    expect(parse("a\\b")).toThrow(ConfigError);
    expect(parse("Off")).not.toThrow();
  });
});

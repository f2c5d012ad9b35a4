/** `wssgen probe` against the real stack: what users see when it works, and each common failure in words. */
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { runCli } from "../helpers/cli.js";
import { freePort } from "../helpers/ports.js";
import { startStack, type Stack } from "../helpers/stack.js";
import { e2eBuilds } from "./matrix.js";

/** The first line of a hostile application's body: a workflow command, bidi and terminal controls, and 5,000 more bytes. */
const HOSTILE = `::error::pwned\u202e\u001b[31m${"x".repeat(5000)}`;

/**
 * An application that refuses WebSocket handshakes itself, as real ones do: 403 for a missing
 * token, 400 for a subprotocol it does not speak, each with its own body (nginx passes both on).
 */
async function refusingApp(): Promise<{ port: number; close: () => Promise<void> }> {
  const server: Server = createServer((_req, res) => res.end("plain\n"));
  server.on("upgrade", (req, socket) => {
    const [status, text, body] =
      req.url === "/app-403"
        ? [403, "Forbidden", "no token for this socket\n(request id 42)\n"]
        : req.url === "/app-400"
          ? [400, "Bad Request", "unsupported subprotocol; this server speaks chat.v2\n"]
          : req.url === "/app-403-empty"
            ? [403, "Forbidden", ""]
            : [403, "Forbidden", `${HOSTILE}\nsecond line\n`];
    socket.end(
      `HTTP/1.1 ${status} ${text}\r\nServer: demo-app/1.0\r\nContent-Type: text/plain\r\nContent-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`,
    );
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  return {
    port: (server.address() as AddressInfo).port,
    close: () =>
      new Promise<void>((r) => {
        server.closeAllConnections();
        server.close(() => r());
      }),
  };
}

describe.each(e2eBuilds().slice(0, 1))("wssgen probe through %s", (_label, build) => {
  let stack: Stack;
  let app: Awaited<ReturnType<typeof refusingApp>>;
  let dead: number;
  beforeAll(async () => {
    app = await refusingApp();
    dead = await freePort(); // nothing listens there: nginx answers 502
    stack = await startStack(build, {
      backends: ["a"],
      ports: ["tls", "plain"],
      yaml: (ctx) => `
upstreams:
  a: { servers: ["${ctx.backend("a")}"] }
  app: { servers: ["127.0.0.1:${app.port}"] }
  dead: { servers: ["127.0.0.1:${dead}"] }
sites:
  - domains: [localhost, 127.0.0.1]
    listen: "127.0.0.1:${ctx.port("tls")}"
    tls: { certificate: ${ctx.certs.certificate}, key: ${ctx.certs.key} }
    routes:
      - { path: /ws, upstream: a }
      - { path: /chat, upstream: a, origins: [https://app.example.com] }
      - { path: /strict, upstream: a, origins: [https://app.example.com], allowMissingOrigin: false }
  - domains: [localhost, 127.0.0.1]
    listen: "127.0.0.1:${ctx.port("plain")}"
    routes:
      - { path: /ws, upstream: a }
      - { path: /idle, upstream: a, timeouts: { read: 1s } }
      - { path: /ws-not-proxied, upstream: a, websocket: false }
      - { path: /app-, upstream: app }
      - { path: /down, upstream: dead }
`,
    });
  });
  afterAll(async () => {
    await stack.stop();
    await app.close();
  });
  const wss = (path: string) => `wss://127.0.0.1:${stack.ports.tls}${path}`;
  const ws = (path: string) => `ws://127.0.0.1:${stack.ports.plain}${path}`;

  it("reports 101, TLS and timing for wss://", async () => {
    const r = await runCli(["probe", wss("/ws"), "--ca", stack.certs.ca]);
    expect(r.exitCode).toBe(0);
    expect(r.stdout).toMatch(
      new RegExp(`^wss://127\\.0\\.0\\.1:${stack.ports.tls}/ws: 101 Switching Protocols in \\d+ ms$`, "m"),
    );
    expect(r.stdout).toMatch(
      /^ {2}TLS: TLSv1\.3 TLS_\w+; certificate CN=localhost issued by CN=wssgen test CA, valid until \d{4}-\d\d-\d\d \(\d+ days\)$/m,
    );
    // the answer's time once, on the first line; the timing line has the steps before it
    expect(r.stdout).toMatch(/^ {2}timing: connect \d+ ms, TLS \d+ ms$/m);
    expect(r.stdout.split("\n").filter(Boolean)).toHaveLength(3);
  });
  it("--format json gives the same as data", async () => {
    const r = await runCli(["probe", ws("/ws"), "--format", "json"]);
    const result = JSON.parse(r.stdout) as { ok: boolean; status: number; headers: Record<string, string> };
    expect(result.ok).toBe(true);
    expect(result.status).toBe(101);
    expect(result.headers.upgrade).toBe("websocket");
  });
  it("explains: connection refused", async () => {
    const port = await freePort();
    const r = await runCli(["probe", `ws://127.0.0.1:${port}/ws`]);
    expect(r.exitCode).toBe(1);
    expect(r.stdout).toContain(`failed: connection refused: nothing listens on 127.0.0.1:${port}`);
  });
  it("explains: TLS spoken to a plain port (the seed's ERR_SSL_PROTOCOL_ERROR), and plain to a TLS port", async () => {
    const tlsToPlain = await runCli(["probe", `wss://127.0.0.1:${stack.ports.plain}/ws`]);
    expect(tlsToPlain.exitCode).toBe(1);
    expect(tlsToPlain.stdout).toContain(`does not speak TLS (a browser shows ERR_SSL_PROTOCOL_ERROR)`);
    const plainToTls = await runCli(["probe", `ws://127.0.0.1:${stack.ports.tls}/ws`]);
    expect(plainToTls.exitCode).toBe(1);
    expect(plainToTls.stdout).toContain("  why: this port speaks TLS; use wss:// for it\n");
    expect(plainToTls.stdout).toContain("  answered by: nginx itself (its own error page)\n");
    expect(plainToTls.stdout.match(/HTTP 400/g)).toHaveLength(1);
  });
  it("explains: an untrusted certificate", async () => {
    const r = await runCli(["probe", wss("/ws")]);
    expect(r.exitCode).toBe(1);
    expect(r.stdout).toContain("the certificate is not trusted");
    expect((await runCli(["probe", wss("/ws"), "--insecure"])).exitCode).toBe(0);
  });
  it("explains: 426 when the proxy does not pass the upgrade (websocket: false); the status once", async () => {
    const r = await runCli(["probe", ws("/ws-not-proxied")]);
    expect(r.exitCode).toBe(1);
    const lines = r.stdout.trimEnd().split("\n");
    expect(lines[0]).toMatch(new RegExp(`^${ws("/ws-not-proxied")}: failed: HTTP 426 Upgrade Required in \\d+ ms$`));
    expect(lines.slice(1, 4)).toEqual([
      "  answered by: the application behind nginx (not nginx's own error page)",
      '  body: "Upgrade Required"',
      "  why: the application behind nginx wants a WebSocket upgrade and did not get one: something in between does not pass Upgrade and Connection over HTTP/1.1 (a route with websocket: false, or a location that is not wssgen's; wssgen routes with websocket: true pass them)",
    ]);
    expect(lines.slice(1).join("\n")).not.toContain("426");
  });
  it("explains: nginx's own 403 (an Origin the route's origins reject); --origin fixes it", async () => {
    const r = await runCli(["probe", wss("/chat"), "--ca", stack.certs.ca, "--origin", "https://evil.example.com"]);
    expect(r.exitCode).toBe(1);
    const lines = r.stdout.trimEnd().split("\n");
    expect(lines[0]).toMatch(new RegExp(`^${wss("/chat")}: failed: HTTP 403 Forbidden in \\d+ ms$`));
    expect(lines.slice(1, 4)).toEqual([
      "  answered by: nginx itself (its own error page)",
      '  body: "403 Forbidden"',
      `  why: nginx refused the handshake itself. If the route has origins, an Origin not in that list gets this 403: this probe sent Origin "https://evil.example.com" (add it to the route's origins if that page should connect); an allow/deny rule added to nginx's config by hand would answer 403 too`,
    ]);
    expect(r.stdout.match(/HTTP 403/g)).toHaveLength(1);
    expect((await runCli(["probe", wss("/chat"), "--ca", stack.certs.ca, "--origin", "https://app.example.com"])).exitCode).toBe(
      0,
    );
    // a route that refuses clients sending no Origin: the probe (which sends none unless asked) is told so
    const json = await runCli(["probe", wss("/strict"), "--ca", stack.certs.ca, "--format", "json"]);
    expect(JSON.parse(json.stdout)).toMatchObject({
      ok: false,
      status: 403,
      statusText: "Forbidden",
      answeredBy: "nginx",
      bodyLine: "403 Forbidden",
      problem: {
        code: "forbidden",
        message: expect.stringMatching(
          /^HTTP 403 Forbidden from nginx itself \(its own error page\), body "403 Forbidden": nginx refused the handshake itself\. If the route has origins, an Origin not in that list gets this 403: this probe sent no Origin \(refused when allowMissingOrigin is false; probe with --origin https:\/\/your-page\)/,
        ) as unknown,
      },
    });
  });
  it("an application's own 403 (no origins configured) is not blamed on origins, and its body is shown", async () => {
    const r = await runCli(["probe", ws("/app-403")]);
    expect(r.exitCode).toBe(1);
    const lines = r.stdout.trimEnd().split("\n");
    expect(lines[0]).toMatch(new RegExp(`^${ws("/app-403")}: failed: HTTP 403 Forbidden in \\d+ ms$`));
    expect(lines.slice(1, 4)).toEqual([
      "  answered by: the application behind nginx (not nginx's own error page)",
      '  body: "no token for this socket"',
      "  why: the application behind nginx refused the handshake itself (nginx only passed its answer on; wssgen's origins check answers with nginx's own error page): its authentication or its own origin check; its body and the application's logs say why",
    ]);
    expect(r.stdout).not.toMatch(/route's origins|--origin|most likely/);
    expect(lines.slice(1).join("\n")).not.toContain("403"); // the status once, on the first line
    const json = JSON.parse((await runCli(["probe", ws("/app-403"), "--format", "json"])).stdout) as Record<string, unknown>;
    expect(json).toMatchObject({
      status: 403,
      answeredBy: "upstream",
      bodyLine: "no token for this socket",
      problem: { code: "forbidden-by-application" },
    });
    const empty = await runCli(["probe", ws("/app-403-empty")]);
    expect(empty.stdout).toContain("  body: (empty)\n");
    expect(empty.stdout).toContain("  answered by: the application behind nginx (not nginx's own error page)\n");
  });
  it("an application's own 400 is not blamed on missing Upgrade headers: its body says why", async () => {
    const r = await runCli(["probe", ws("/app-400")]);
    expect(r.exitCode).toBe(1);
    const lines = r.stdout.trimEnd().split("\n");
    expect(lines[0]).toMatch(new RegExp(`^${ws("/app-400")}: failed: HTTP 400 Bad Request in \\d+ ms$`));
    expect(lines.slice(1, 4)).toEqual([
      "  answered by: the application behind nginx (not nginx's own error page)",
      '  body: "unsupported subprotocol; this server speaks chat.v2"',
      "  why: the application behind nginx refused the handshake as a bad request; its body and the application's logs say why. If it says the upgrade is missing, the proxy does not pass Upgrade and Connection (a route with websocket: false, or a location that is not wssgen's); otherwise it rejects something else in the request (a subprotocol, a missing header or parameter)",
    ]);
    expect(r.stdout).not.toContain("the backend did not see a WebSocket handshake");
    expect(lines.slice(1).join("\n")).not.toContain("400");
  });
  it("the application probed directly: the server that answered, by its Server header", async () => {
    const r = await runCli(["probe", `ws://127.0.0.1:${app.port}/app-403`, "--format", "json"]);
    expect(JSON.parse(r.stdout)).toMatchObject({ status: 403, answeredBy: "server", headers: { server: "demo-app/1.0" } });
    const text = await runCli(["probe", `ws://127.0.0.1:${app.port}/app-403`]);
    expect(text.stdout).toContain('  answered by: the server (Server: "demo-app/1.0")\n');
    expect(text.stdout).toContain("  why: the server refused the handshake itself");
  });
  it("nginx's own 502 (the upstream is down)", async () => {
    const r = await runCli(["probe", ws("/down")]);
    expect(r.exitCode).toBe(1);
    const lines = r.stdout.trimEnd().split("\n");
    expect(lines[0]).toMatch(new RegExp(`^${ws("/down")}: failed: HTTP 502 Bad Gateway in \\d+ ms$`));
    expect(lines.slice(1, 4)).toEqual([
      "  answered by: nginx itself (its own error page)",
      '  body: "502 Bad Gateway"',
      "  why: nginx could not reach the upstream or got no valid answer from it (is the backend running, on the address in upstreams? does it speak TLS when upstreams.tls says so?)",
    ]);
    // the status once on the first line; nginx's page (the body line) says it too
    expect(lines.filter((line, i) => i !== 0 && !line.startsWith("  body:")).join("\n")).not.toContain("502");
    const json = JSON.parse((await runCli(["probe", ws("/down"), "--format", "json"])).stdout) as Record<string, unknown>;
    expect(json).toMatchObject({ status: 502, answeredBy: "nginx", problem: { code: "bad-gateway" } });
  });
  it("nginx's own 404 (no route for the path) and its own 400 (a header too large) are nginx's, not the application's", async () => {
    const missing = await runCli(["probe", ws("/no-such-route")]);
    expect(missing.exitCode).toBe(1);
    expect(missing.stdout).toContain("  answered by: nginx itself (its own error page)\n");
    expect(missing.stdout).toContain('  body: "404 Not Found"\n');
    expect(missing.stdout).toContain(
      "  why: nginx has no route for this path (or a static route has no such file); check the routes' path (a prefix, or = /exact)\n",
    );
    const big = await runCli(["probe", ws("/ws"), "--header", `X-Big: ${"a".repeat(9000)}`]);
    expect(big.exitCode).toBe(1);
    expect(big.stdout).toMatch(
      /: failed: HTTP 400 Bad Request in \d+ ms\n {2}answered by: nginx itself \(its own error page\)\n/,
    );
    expect(big.stdout).toContain('  body: "400 Request Header Or Cookie Too Large"\n');
    expect(big.stdout).toContain("  why: nginx refused the request itself before any application saw it");
  });
  it("a hostile body is shown escaped and cut, in text and in JSON", async () => {
    const r = await runCli(["probe", ws("/app-hostile")]);
    expect(r.exitCode).toBe(1);
    expect(r.stdout).toContain(`  body: "::error::pwned\\u202e\\u001b[31m${"x".repeat(200 - 20)}…"\n`);
    expect(r.stdout).not.toMatch(/[\u001b\u202e]/);
    expect(r.stdout).not.toMatch(/^::/m);
    expect(r.stdout).not.toContain("second line");
    const json = await runCli(["probe", ws("/app-hostile"), "--format", "json"]);
    expect(json.stdout).not.toMatch(/[\u001b\u202e]/);
    const parsed = JSON.parse(json.stdout) as { bodyLine: string };
    expect(parsed.bodyLine).toBe(`${HOSTILE.slice(0, 200)}…`);
  });
  it("--idle: reports when nginx closes a silent socket, and when it survives", async () => {
    const cut = await runCli(["probe", ws("/idle"), "--idle", "4s"]);
    expect(cut.exitCode).toBe(1);
    expect(cut.stdout).toMatch(
      /^ws:\/\/\S+: failed after 101 Switching Protocols in \d+ ms: the server closed the silent socket after \d+\.\ds: nginx's proxy_read_timeout/,
    );
    expect(cut.stdout).not.toMatch(/^ {2}idle:/m); // said once, on the first line
    const kept = await runCli(["probe", ws("/ws"), "--idle", "2s"]);
    expect(kept.exitCode).toBe(0);
    expect(kept.stdout).toContain("idle: held silent for 2.0s; still open");
  });
  it("usage errors exit 2", async () => {
    expect((await runCli(["probe", "https://example.com/"])).exitCode).toBe(2);
    expect((await runCli(["probe", ws("/ws"), "--insecure", "--ca", stack.certs.ca])).exitCode).toBe(2);
    expect((await runCli(["probe", ws("/ws"), "--header", "bad header"])).exitCode).toBe(2);
  });

  it.each([
    ["U+202E", "--origin", "https://x\u202e", '--origin: "https://x\\u202e" holds a character an HTTP header cannot carry'],
    [
      "CR LF",
      "--origin",
      "https://a\r\nEvil: b",
      '--origin: "https://a\\r\\nEvil: b" holds a character an HTTP header cannot carry',
    ],
    [
      "non-ASCII",
      "--origin",
      "https://caf\u00e9.example",
      '--origin: "https://caf\u00e9.example" holds a character an HTTP header cannot carry',
    ],
    ["empty", "--origin", "", "--origin: empty"],
    [
      "U+202E in a value",
      "--header",
      "X-Token: a\u202eb",
      '--header: the value of X-Token, "a\\u202eb", holds a character an HTTP header cannot carry',
    ],
    ["BEL in a value", "--header", "X-Token: a\tb\u0007", '--header: the value of X-Token, "a\\tb\\u0007", holds a character'],
  ])(
    "--origin or --header, %s: a usage error (exit 2) before anything is sent, in text and JSON; never an internal error",
    async (_label, flag, value, message) => {
      const text = await runCli(["probe", ws("/ws"), flag, value]);
      expect(text.exitCode).toBe(2);
      expect(text.stderr).toContain(message);
      expect(text.stderr).not.toContain("internal error");
      expect(text.stderr).not.toMatch(/[\u202e\r\u0007]/);
      const json = await runCli(["probe", ws("/ws"), flag, value, "--format", "json"]);
      expect(json.exitCode).toBe(2);
      expect((JSON.parse(json.stdout) as { problem: { code: string; message: string } }).problem).toEqual({
        code: "usage",
        message: expect.stringContaining(message) as string,
      });
    },
  );
});

describe("wssgen probe against servers that misbehave", () => {
  const serve = async (onConnection: (socket: import("ws").WebSocket) => void) => {
    const { WebSocketServer } = await import("ws");
    const server = new WebSocketServer({ port: 0, host: "127.0.0.1" });
    server.on("connection", onConnection);
    await new Promise((r) => server.once("listening", r));
    return { port: (server.address() as { port: number }).port, close: () => new Promise((r) => server.close(r)) };
  };
  it("--idle: a server that pings was never silent, and the report says so", async () => {
    const server = await serve((socket) => {
      const timer = setInterval(() => socket.ping(), 300);
      socket.on("close", () => clearInterval(timer));
    });
    try {
      const r = await runCli(["probe", `ws://127.0.0.1:${server.port}/`, "--idle", "1s"]);
      expect(r.exitCode).toBe(0);
      expect(r.stdout).toMatch(
        /idle: held for 1\.0s; still open — but the server sent \d+ bytes meanwhile \(pings\?\), so the socket was never silent/,
      );
    } finally {
      await server.close();
    }
  });
  it("--idle: a close frame from the application is not blamed on an idle timeout, and the probe ends at once", async () => {
    const server = await serve((socket) => setTimeout(() => socket.close(1008, "policy"), 300));
    try {
      const started = Date.now();
      const r = await runCli(["probe", `ws://127.0.0.1:${server.port}/`, "--idle", "20s"]);
      expect(r.exitCode).toBe(1);
      expect(r.stdout).toMatch(
        /the server closed the socket after 0\.\ds with close code 1008 \(the application, not an idle timeout\)/,
      );
      expect(Date.now() - started).toBeLessThan(15_000); // not held for the whole --idle
    } finally {
      await server.close();
    }
  });
  it("wss:// to a port that accepts but never speaks TLS", async () => {
    const { createServer } = await import("node:net");
    const server = createServer(() => undefined);
    await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
    try {
      const r = await runCli(["probe", `wss://127.0.0.1:${(server.address() as { port: number }).port}/`, "--timeout", "1s"]);
      expect(r.exitCode).toBe(1);
      expect(r.stdout).toContain(
        "the TLS handshake did not complete within 1s: the port accepts connections but does not answer TLS",
      );
    } finally {
      server.close();
    }
  });
});

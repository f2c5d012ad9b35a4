/** `wssgen probe` against the real stack: what users see when it works, and each common failure in words. */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { runCli } from "../helpers/cli.js";
import { freePort } from "../helpers/ports.js";
import { startStack, type Stack } from "../helpers/stack.js";
import { e2eBuilds } from "./matrix.js";

describe.each(e2eBuilds().slice(0, 1))("wssgen probe through %s", (_label, build) => {
  let stack: Stack;
  beforeAll(async () => {
    stack = await startStack(build, {
      backends: ["a"],
      ports: ["tls", "plain"],
      yaml: (ctx) => `
upstreams: { a: { servers: ["${ctx.backend("a")}"] } }
sites:
  - domains: [localhost, 127.0.0.1]
    listen: "127.0.0.1:${ctx.port("tls")}"
    tls: { certificate: ${ctx.certs.certificate}, key: ${ctx.certs.key} }
    routes:
      - { path: /ws, upstream: a }
      - { path: /chat, upstream: a, origins: [https://app.example.com] }
  - domains: [localhost, 127.0.0.1]
    listen: "127.0.0.1:${ctx.port("plain")}"
    routes:
      - { path: /ws, upstream: a }
      - { path: /idle, upstream: a, timeouts: { read: 1s } }
      - { path: /ws-not-proxied, upstream: a, websocket: false }
`,
    });
  });
  afterAll(() => stack.stop());
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
    expect(r.stdout).toMatch(/^ {2}timing: connect \d+ ms, TLS \d+ ms, answer \d+ ms$/m);
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
    expect(plainToTls.stdout).toContain("HTTP 400: this port speaks TLS; use wss:// for it");
  });
  it("explains: an untrusted certificate", async () => {
    const r = await runCli(["probe", wss("/ws")]);
    expect(r.exitCode).toBe(1);
    expect(r.stdout).toContain("the certificate is not trusted");
    expect((await runCli(["probe", wss("/ws"), "--insecure"])).exitCode).toBe(0);
  });
  it("explains: 426 when the proxy does not pass the upgrade (websocket: false)", async () => {
    const r = await runCli(["probe", ws("/ws-not-proxied")]);
    expect(r.exitCode).toBe(1);
    expect(r.stdout).toContain("(HTTP 426 in");
    expect(r.stdout).toContain("the backend did not see a WebSocket handshake; the proxy must pass Upgrade and Connection");
  });
  it("explains: 403 from an origin check; --origin fixes it", async () => {
    const r = await runCli(["probe", wss("/chat"), "--ca", stack.certs.ca, "--origin", "https://evil.example.com"]);
    expect(r.exitCode).toBe(1);
    expect(r.stdout).toContain("HTTP 403: refused, most likely by an origin check");
    expect((await runCli(["probe", wss("/chat"), "--ca", stack.certs.ca, "--origin", "https://app.example.com"])).exitCode).toBe(
      0,
    );
  });
  it("--idle: reports when nginx closes a silent socket, and when it survives", async () => {
    const cut = await runCli(["probe", ws("/idle"), "--idle", "4s"]);
    expect(cut.exitCode).toBe(1);
    expect(cut.stdout).toMatch(/the server closed the silent socket after \d+\.\ds: nginx's proxy_read_timeout/);
    const kept = await runCli(["probe", ws("/ws"), "--idle", "2s"]);
    expect(kept.exitCode).toBe(0);
    expect(kept.stdout).toContain("idle: held silent for 2.0s; still open");
  });
  it("usage errors exit 2", async () => {
    expect((await runCli(["probe", "https://example.com/"])).exitCode).toBe(2);
    expect((await runCli(["probe", ws("/ws"), "--insecure", "--ca", stack.certs.ca])).exitCode).toBe(2);
    expect((await runCli(["probe", ws("/ws"), "--header", "bad header"])).exitCode).toBe(2);
  });
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

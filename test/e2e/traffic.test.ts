/** WebSockets through a wssgen-rendered nginx: wss and ws, big and many messages, routing, redirects, headers. */
import { readFileSync } from "node:fs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { httpGet, messageBytes, wsAsk, wsEcho, wsOpen } from "../helpers/backend.js";
import { startStack, type Stack } from "../helpers/stack.js";
import { e2eBuilds } from "./matrix.js";
import { request } from "node:https";

describe.each(e2eBuilds())("traffic through %s", (_label, build) => {
  let stack: Stack;
  beforeAll(async () => {
    stack = await startStack(build, {
      backends: ["ws-a", "web"],
      ports: ["tls", "redirect", "plain"],
      yaml: (ctx) => `
upstreams:
  sockets: { servers: ["${ctx.backend("ws-a")}"] }
  web: { servers: ["${ctx.backend("web")}"] }
sites:
  - domains: [localhost, 127.0.0.1]
    listen: "127.0.0.1:${ctx.port("tls")}"
    http2: true
    tls: { certificate: ${ctx.certs.certificate}, key: ${ctx.certs.key} }
    redirectHttp: { listen: "127.0.0.1:${ctx.port("redirect")}" }
    routes:
      - { path: /ws, upstream: sockets }
      - { path: /headers, upstream: sockets, websocket: false }
      - { path: /, upstream: web, websocket: false }
  - domains: [localhost, 127.0.0.1]
    listen: "127.0.0.1:${ctx.port("plain")}"
    routes:
      - { path: /ws, upstream: sockets }
`,
    });
  });
  afterAll(() => stack.stop());

  const wss = () => `wss://127.0.0.1:${stack.ports.tls}/ws`;
  const tlsOptions = () => ({ ca: readFileSync(stack.certs.ca) });

  it("wss:// upgrades (101) and echoes through nginx", async () => {
    expect(await wsEcho(wss(), "hello over TLS", tlsOptions())).toBe("ws-a: hello over TLS");
  });
  it("ws:// upgrades and echoes through nginx", async () => {
    expect(await wsEcho(`ws://127.0.0.1:${stack.ports.plain}/ws`, "hello")).toBe("ws-a: hello");
  });
  it("a 1 MB message and 1,000 small ones arrive intact and in order", async () => {
    const socket = await wsOpen(wss(), tlsOptions());
    try {
      const big = Buffer.alloc(1024 * 1024);
      for (let i = 0; i < big.length; i++) big[i] = (i * 7) % 251;
      const echoed = await wsAsk(socket, big);
      expect(Buffer.compare(echoed, big)).toBe(0);
      const received: string[] = [];
      const done = new Promise<void>((resolve) =>
        socket.on("message", (data) => {
          received.push(messageBytes(data).toString());
          if (received.length === 1000) resolve();
        }),
      );
      for (let i = 0; i < 1000; i++) socket.send(`m${i}`);
      await done;
      expect(received).toEqual(Array.from({ length: 1000 }, (_, i) => `ws-a: m${i}`));
    } finally {
      socket.close();
    }
  });
  it("routes by path on one domain: /ws to the socket backend, / as plain HTTP to the web app", async () => {
    expect(await wsEcho(wss(), "x", tlsOptions())).toBe("ws-a: x");
    const page = await new Promise<{ status: number; body: string; hsts: string | undefined }>((resolve, reject) => {
      const req = request(
        { host: "127.0.0.1", port: stack.ports.tls, path: "/index.html", ca: readFileSync(stack.certs.ca), agent: false },
        (res) => {
          let body = "";
          res.on("data", (c: Buffer) => (body += c.toString()));
          res.on("end", () => resolve({ status: res.statusCode ?? 0, body, hsts: res.headers["strict-transport-security"] }));
        },
      );
      req.on("error", reject);
      req.end();
    });
    expect(page).toEqual({ status: 200, body: "web /index.html\n", hsts: "max-age=63072000" });
  });
  it("redirects http to https, keeping the non-standard port", async () => {
    const r = await httpGet(stack.ports.redirect!, "/chat?room=1", { host: "localhost" });
    expect(r.status).toBe(301);
    expect(r.headers.location).toBe(`https://localhost:${stack.ports.tls}/chat?room=1`);
  });
  it("the backend sees Host, X-Real-IP, X-Forwarded-For and X-Forwarded-Proto=https, on the upgrade and on plain HTTP", async () => {
    const socket = await wsOpen(wss(), tlsOptions());
    try {
      const { headers } = JSON.parse((await wsAsk(socket, "whoami")).toString()) as { headers: Record<string, string> };
      expect(headers).toMatchObject({
        host: "127.0.0.1",
        "x-real-ip": "127.0.0.1",
        "x-forwarded-for": "127.0.0.1",
        "x-forwarded-proto": "https",
        upgrade: "websocket",
      });
      expect(headers.connection?.toLowerCase()).toBe("upgrade");
    } finally {
      socket.close();
    }
    const plain = await wsOpen(`ws://127.0.0.1:${stack.ports.plain}/ws`);
    try {
      const { headers } = JSON.parse((await wsAsk(plain, "whoami")).toString()) as { headers: Record<string, string> };
      expect(headers["x-forwarded-proto"]).toBe("http");
    } finally {
      plain.close();
    }
  });
});

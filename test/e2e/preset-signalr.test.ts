/**
 * `preset: signalr` through a real nginx, with a minimal server of SignalR's own handshake (no
 * SignalR server runs in Node): `POST /hub/negotiate?negotiateVersion=1` creates a connection and
 * answers its `connectionToken`; `GET /hub?id=<token>` then upgrades to a WebSocket (or long-polls)
 * only on the server that created it, and answers 404 elsewhere, as ASP.NET Core does
 * (HttpConnectionDispatcher); on the socket the client sends the handshake
 * `{"protocol":"json","version":1}` + 0x1e and the server answers `{}` + 0x1e.
 *
 * - two servers with `balance: ip-hash`: negotiate and the socket reach one server;
 * - two servers without stickiness (what polling-without-stickiness warns about): the socket's
 *   request reaches the other server, 404;
 * - what preset-timeout rests on: a long poll held open longer than timeouts.read ends in 504 from
 *   nginx, and one held shorter gets the server's answer (PollTimeout shortened to 1.5 s here), on a
 *   WebSocket route and on a polling-only one (`websocket: false`) alike.
 */
import { randomUUID } from "node:crypto";
import { createServer, type IncomingMessage, request, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import WebSocket, { WebSocketServer } from "ws";
import { messageBytes } from "../helpers/backend.js";
import { nginxBuilds } from "../helpers/nginx.js";
import { startStack, type Stack } from "../helpers/stack.js";

const RS = "\u001e";

interface HubBackend {
  name: string;
  address: string;
  close(): Promise<void>;
}

/** A SignalR-shaped server at /hub, whose long polls are held `pollMs`. */
async function startHub(name: string, pollMs: number): Promise<HubBackend> {
  const tokens = new Set<string>();
  const server: Server = createServer((req, res) => {
    const url = new URL(req.url ?? "/", "http://x");
    if (req.method === "POST" && url.pathname === "/hub/negotiate") {
      const token = randomUUID();
      tokens.add(token);
      res.writeHead(200, { "content-type": "application/json", "x-backend": name });
      res.end(
        JSON.stringify({
          negotiateVersion: 1,
          connectionId: randomUUID(),
          connectionToken: token,
          availableTransports: [
            { transport: "WebSockets", transferFormats: ["Text", "Binary"] },
            { transport: "LongPolling", transferFormats: ["Text", "Binary"] },
          ],
        }),
      );
      return;
    }
    if (req.method === "GET" && url.pathname === "/hub") {
      if (!tokens.has(url.searchParams.get("id") ?? "")) {
        res.writeHead(404, { "x-backend": name }).end("No Connection with that ID");
        return;
      }
      // a long poll with nothing to send: held, then answered empty
      setTimeout(() => res.writeHead(200, { "x-backend": name }).end(), pollMs);
      return;
    }
    res.writeHead(404).end();
  });
  const wss = new WebSocketServer({ noServer: true });
  server.on("upgrade", (req: IncomingMessage, socket, head) => {
    const url = new URL(req.url ?? "/", "http://x");
    if (url.pathname !== "/hub" || !tokens.has(url.searchParams.get("id") ?? "")) {
      socket.end("HTTP/1.1 404 Not Found\r\ncontent-length: 0\r\nconnection: close\r\n\r\n");
      return;
    }
    wss.handleUpgrade(req, socket, head, (ws) => {
      ws.once("message", (data) => {
        const handshake = JSON.parse(messageBytes(data).toString("utf8").replace(RS, "")) as { protocol: string };
        ws.send(handshake.protocol === "json" ? `{}${RS}` : `{"error":"unsupported"}${RS}`);
        // an invocation answered with the server's name
        ws.on("message", () => ws.send(`${JSON.stringify({ type: 3, invocationId: "1", result: name })}${RS}`));
      });
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return {
    name,
    address: `127.0.0.1:${(server.address() as AddressInfo).port}`,
    close: async () => {
      for (const client of wss.clients) client.terminate();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

/** An HTTP request through nginx: status, the answering backend, the body. */
function http(port: number, method: string, path: string): Promise<{ status: number; backend?: string; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request({ host: "127.0.0.1", port, method, path, agent: false }, (res) => {
      const chunks: Buffer[] = [];
      res.on("data", (c: Buffer) => chunks.push(c));
      res.on("end", () =>
        resolve({
          status: res.statusCode ?? 0,
          ...(typeof res.headers["x-backend"] === "string" ? { backend: res.headers["x-backend"] } : {}),
          body: Buffer.concat(chunks).toString("utf8"),
        }),
      );
    });
    req.on("error", reject);
    req.end();
  });
}

/** negotiate, then the WebSocket with its token, the handshake and one invocation: the server that answered, or the failure. */
async function connect(port: number): Promise<{ negotiatedOn: string; answeredBy: string } | { error: string }> {
  const negotiate = await http(port, "POST", "/hub/negotiate?negotiateVersion=1");
  const token = (JSON.parse(negotiate.body) as { connectionToken: string }).connectionToken;
  return new Promise((resolve) => {
    const ws = new WebSocket(`ws://127.0.0.1:${port}/hub?id=${token}`);
    ws.once("unexpected-response", (_req, res) => resolve({ error: `HTTP ${res.statusCode}` }));
    ws.once("error", (error) => resolve({ error: error.message }));
    ws.once("open", () => {
      ws.send(`{"protocol":"json","version":1}${RS}`);
      ws.once("message", (handshake) => {
        expect(messageBytes(handshake).toString("utf8")).toBe(`{}${RS}`);
        ws.send(`${JSON.stringify({ type: 1, invocationId: "1", target: "WhoAmI", arguments: [] })}${RS}`);
        ws.once("message", (data) => {
          const reply = JSON.parse(messageBytes(data).toString("utf8").replace(RS, "")) as { result: string };
          ws.close();
          resolve({ negotiatedOn: negotiate.backend!, answeredBy: reply.result });
        });
      });
    });
  });
}

describe.each(nginxBuilds().map((b) => [b.label, b] as const))("preset: signalr through %s", (_label, build) => {
  let stack: Stack;
  const hubs: HubBackend[] = [];
  beforeAll(async () => {
    hubs.push(await startHub("one", 1500), await startHub("two", 1500));
    const pair = `["${hubs[0]!.address}", "${hubs[1]!.address}"]`;
    const site = (port: number, upstream: string, extra = "") =>
      `  - domains: [localhost]\n    listen: "127.0.0.1:${port}"\n    routes:\n      - { path: /hub, upstream: ${upstream}, preset: signalr${extra} }\n`;
    stack = await startStack(build, {
      backends: [],
      ports: ["iphash", "loose", "short", "long", "pollonly"],
      yaml: (ctx) => `
upstreams:
  iphash: { servers: ${pair}, balance: ip-hash }
  loose: { servers: ${pair} }
  solo: { servers: ["${hubs[0]!.address}"] }
sites:
${site(ctx.port("iphash"), "iphash")}${site(ctx.port("loose"), "loose")}${site(ctx.port("short"), "solo", ", timeouts: { read: 1s }")}${site(ctx.port("long"), "solo", ", timeouts: { read: 3s }")}${site(ctx.port("pollonly"), "solo", ", websocket: false, timeouts: { read: 1s }")}`,
    });
  });
  afterAll(async () => {
    await stack?.stop();
    await Promise.all(hubs.map((hub) => hub.close()));
  });

  it("the preset's route gets 2m timeouts (above long polling's 90 s PollTimeout)", () => {
    expect(stack.output).toMatch(/location \/hub \{[^}]*proxy_read_timeout 2m;[^}]*proxy_send_timeout 2m;/);
  });

  it("two servers with ip-hash: negotiate, the WebSocket and its invocations reach one server", async () => {
    for (let i = 0; i < 4; i++) {
      const result = await connect(stack.ports.iphash!);
      expect(result).not.toHaveProperty("error");
      const { negotiatedOn, answeredBy } = result as { negotiatedOn: string; answeredBy: string };
      expect(answeredBy).toBe(negotiatedOn);
    }
  });

  it("two servers without stickiness (polling-without-stickiness): the socket's request reaches the other server, 404", async () => {
    const results = [await connect(stack.ports.loose!), await connect(stack.ports.loose!)];
    expect(results).toContainEqual({ error: "HTTP 404" });
  });

  it("a long poll held longer than timeouts.read gets nginx's 504; one within it gets the server's answer", async () => {
    const negotiate = async (port: number) =>
      (JSON.parse((await http(port, "POST", "/hub/negotiate?negotiateVersion=1")).body) as { connectionToken: string })
        .connectionToken;
    const [short, long] = await Promise.all([
      negotiate(stack.ports.short!).then((token) => http(stack.ports.short!, "GET", `/hub?id=${token}`)),
      negotiate(stack.ports.long!).then((token) => http(stack.ports.long!, "GET", `/hub?id=${token}`)),
    ]);
    expect(short.status).toBe(504);
    expect(long).toMatchObject({ status: 200, backend: "one" });
  });

  it("a polling-only route (websocket: false) cuts a held long poll the same way: what preset-timeout checks there", async () => {
    const token = (
      JSON.parse((await http(stack.ports.pollonly!, "POST", "/hub/negotiate?negotiateVersion=1")).body) as {
        connectionToken: string;
      }
    ).connectionToken;
    expect((await http(stack.ports.pollonly!, "GET", `/hub?id=${token}`)).status).toBe(504);
  });
});

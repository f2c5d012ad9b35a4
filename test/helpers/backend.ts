/**
 * Real HTTP + WebSocket backends (the `ws` package) on loopback. Each names itself in every answer
 * and reports the request headers it received, counts the TCP connections it accepted, and records
 * every request (path as received, headers, body size) once its body has been read.
 */
import {
  createServer,
  request,
  type IncomingHttpHeaders,
  type IncomingMessage,
  type RequestOptions,
  type Server,
  type ServerResponse,
} from "node:http";
import type { AddressInfo, Socket } from "node:net";
import WebSocket, { WebSocketServer } from "ws";

/** A request as the backend received it: `url` is the request target exactly as nginx sent it. */
export interface ReceivedRequest {
  method: string;
  url: string;
  headers: IncomingHttpHeaders;
  /** body bytes read (0 for a WebSocket handshake) */
  bodyBytes: number;
  websocket: boolean;
}

export interface Backend {
  name: string;
  port: number;
  /** TCP connections accepted so far */
  connections(): number;
  /** requests received so far, in the order their bodies ended (WebSocket handshakes when accepted) */
  received(): ReceivedRequest[];
  close(): Promise<void>;
}

/** Starts a backend on `host` (any loopback address; 127.0.0.1 by default) and `port` (0: one the OS picks). */
export async function startBackend(name: string, port = 0, host = "127.0.0.1"): Promise<Backend> {
  let connections = 0;
  const received: ReceivedRequest[] = [];
  const server: Server = createServer((req, res) => {
    let bodyBytes = 0;
    req.on("data", (chunk: Buffer) => (bodyBytes += chunk.length));
    req.on("end", () => {
      received.push({ method: req.method ?? "", url: req.url ?? "", headers: req.headers, bodyBytes, websocket: false });
      answer(req, res);
    });
  });
  const answer = (req: IncomingMessage, res: ServerResponse) => {
    if (req.url === "/headers" || req.url?.startsWith("/headers?")) {
      res.writeHead(200, { "content-type": "application/json", "x-backend": name });
      res.end(JSON.stringify({ backend: name, headers: req.headers }));
      return;
    }
    // like real WebSocket servers: a plain request to a socket path asks for an upgrade
    if (req.url?.startsWith("/ws")) {
      res.writeHead(426, { "content-type": "text/plain", upgrade: "websocket" });
      res.end("Upgrade Required\n");
      return;
    }
    res.writeHead(200, { "content-type": "text/plain", "x-backend": name });
    res.end(`${name} ${req.url ?? ""}\n`);
  };
  server.keepAliveTimeout = 30_000;
  server.on("connection", () => connections++);
  const wss = new WebSocketServer({ server, maxPayload: 8 * 1024 * 1024 });
  wss.on("connection", (socket, req) => {
    received.push({ method: req.method ?? "", url: req.url ?? "", headers: req.headers, bodyBytes: 0, websocket: true });
    socket.on("message", (data, binary) => {
      const text = binary ? undefined : messageBytes(data).toString();
      if (text === "whoami") socket.send(JSON.stringify({ backend: name, headers: req.headers satisfies IncomingHttpHeaders }));
      else socket.send(binary ? data : `${name}: ${text}`);
    });
  });
  await new Promise<void>((resolve) => server.listen(port, host, resolve));
  return {
    name,
    port: (server.address() as AddressInfo).port,
    connections: () => connections,
    received: () => received,
    close: () =>
      new Promise<void>((resolve) => {
        for (const client of wss.clients) client.terminate();
        wss.close();
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

export function httpGet(
  port: number,
  path: string,
  options: {
    host?: string;
    agent?: import("node:http").Agent | false;
    headers?: Record<string, string>;
    /** the connection to send the request on (e.g. one that first writes a PROXY protocol line) */
    createConnection?: RequestOptions["createConnection"];
  } = {},
): Promise<{ status: number; body: string; headers: IncomingHttpHeaders }> {
  return new Promise((resolve, reject) => {
    // by default a fresh connection each time: a kept-alive one would still reach a worker of the old config
    const req = request(
      {
        host: "127.0.0.1",
        port,
        path,
        timeout: 5000,
        // node uses createConnection only without an agent
        ...(options.createConnection ? { createConnection: options.createConnection } : { agent: options.agent ?? false }),
        headers: { host: options.host ?? "localhost", ...options.headers },
      },
      (res) => {
        let body = "";
        res.on("data", (chunk: Buffer) => (body += chunk.toString()));
        res.on("end", () => resolve({ status: res.statusCode ?? 0, body, headers: res.headers }));
      },
    );
    req.on("timeout", () => req.destroy(new Error("timeout")));
    req.on("error", reject);
    req.end();
  });
}

/** Opens a WebSocket and resolves when it is open (rejects with the HTTP status when refused). */
export function wsOpen(url: string, options: WebSocket.ClientOptions = {}): Promise<WebSocket> {
  return new Promise((resolve, reject) => {
    const socket = new WebSocket(url, { handshakeTimeout: 5000, ...options });
    socket.once("open", () => resolve(socket));
    socket.once("unexpected-response", (_req, res) => {
      reject(new Error(`HTTP ${res.statusCode}`));
      socket.terminate();
    });
    socket.once("error", reject);
  });
}

/** The bytes of a received message, whatever form `ws` delivered them in. */
export function messageBytes(data: WebSocket.RawData): Buffer {
  return Array.isArray(data) ? Buffer.concat(data) : Buffer.from(data as ArrayBuffer);
}

/** Sends a message and resolves with the next one received. */
export function wsAsk(socket: WebSocket, message: string | Buffer): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    socket.once("message", (data) => resolve(messageBytes(data)));
    socket.once("close", () => reject(new Error("closed")));
    socket.send(message);
  });
}

/** Opens a WebSocket, sends one message, resolves with the echo. */
export async function wsEcho(url: string, message: string, options: WebSocket.ClientOptions = {}): Promise<string> {
  const socket = await wsOpen(url, options);
  try {
    return (await wsAsk(socket, message)).toString();
  } finally {
    socket.close();
  }
}

/**
 * Writes `data` on a fresh connection (`connect()`: a node net or tls socket) and resolves, once the
 * peer has closed it, with every byte the peer sent and the error that ended it, if any (a refused
 * TLS handshake, a reset). For answers that are no HTTP at all: a closed connection (nginx's 444),
 * a PROXY protocol header nginx refused.
 */
export function rawExchange(
  connect: () => Socket,
  data: string | Buffer,
  timeoutMs = 5000,
): Promise<{ received: Buffer; error: Error | undefined }> {
  return new Promise((resolve, reject) => {
    const socket = connect();
    const chunks: Buffer[] = [];
    let error: Error | undefined;
    const timer = setTimeout(() => {
      socket.destroy();
      reject(new Error(`the connection stayed open for ${timeoutMs} ms after ${chunks.length} chunk(s)`));
    }, timeoutMs);
    socket.on("data", (chunk: Buffer) => chunks.push(chunk));
    socket.on("error", (e) => (error = e));
    socket.on("close", () => {
      clearTimeout(timer);
      resolve({ received: Buffer.concat(chunks), error });
    });
    socket.write(data);
  });
}

/** Real HTTP + WebSocket backends (the `ws` package) on loopback, naming themselves in every answer. */
import { createServer, request, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import WebSocket, { WebSocketServer } from "ws";

export interface Backend {
  name: string;
  port: number;
  close(): Promise<void>;
}

export async function startBackend(name: string, port = 0): Promise<Backend> {
  const server: Server = createServer((req, res) => {
    res.writeHead(200, { "content-type": "text/plain", "x-backend": name });
    res.end(`${name} ${req.url ?? ""}\n`);
  });
  const wss = new WebSocketServer({ server });
  wss.on("connection", (socket) => socket.on("message", (data, binary) => socket.send(binary ? data : `${name}: ${String(data)}`)));
  await new Promise<void>((resolve) => server.listen(port, "127.0.0.1", resolve));
  return {
    name,
    port: (server.address() as AddressInfo).port,
    close: () =>
      new Promise<void>((resolve) => {
        for (const client of wss.clients) client.terminate();
        wss.close();
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

export function httpGet(port: number, path: string): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    // a fresh connection each time: a kept-alive one would still reach a worker of the old config
    const req = request({ host: "127.0.0.1", port, path, timeout: 5000, agent: false, headers: { host: "localhost" } }, (res) => {
      let body = "";
      res.on("data", (chunk: Buffer) => (body += chunk.toString()));
      res.on("end", () => resolve({ status: res.statusCode ?? 0, body }));
    });
    req.on("timeout", () => req.destroy(new Error("timeout")));
    req.on("error", reject);
    req.end();
  });
}

/** Opens a WebSocket, sends one message, resolves with the echo. */
export function wsEcho(url: string, message: string, options: WebSocket.ClientOptions = {}): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = new WebSocket(url, { handshakeTimeout: 5000, ...options });
    socket.on("open", () => socket.send(message));
    socket.on("message", (data) => {
      resolve(String(data));
      socket.close();
    });
    socket.on("unexpected-response", (_req, res) => reject(new Error(`HTTP ${res.statusCode}`)));
    socket.on("error", reject);
  });
}

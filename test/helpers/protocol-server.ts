/**
 * A minimal WebSocket server of a framework's protocol, for the preset e2e tests whose framework's
 * server is not an npm package (Phoenix is Elixir, Action Cable Ruby, Home Assistant Python): the real
 * `ws` server on a loopback port, one path, and the test's handler for each connection. It records
 * what nginx passed on for every handshake (the URL and the offered Sec-WebSocket-Protocol), and can
 * send WebSocket pings at an interval, as aiohttp's `heartbeat` does.
 */
import { createServer, type IncomingMessage } from "node:http";
import type { AddressInfo } from "node:net";
import WebSocket, { WebSocketServer } from "ws";
import { messageBytes } from "./backend.js";

export interface Handshake {
  /** the request URL as the backend received it (path and query) */
  url: string;
  /** the subprotocols the client offered, as the backend received them (none: []) */
  offered: string[];
  /** the one the server chose ("" for none) */
  chosen: string;
}

export interface ProtocolServer {
  /** "127.0.0.1:port" */
  address: string;
  handshakes: Handshake[];
  close(): Promise<void>;
}

export interface ProtocolServerOptions {
  /** the only path that upgrades (others get 404) */
  path: string;
  /** which offered subprotocol to choose; none (no header in the answer) when it returns undefined */
  choose?: (offered: string[]) => string | undefined;
  /** send a WebSocket ping this often, in ms */
  pingMs?: number;
  /** per connection: its text messages as parsed JSON, and a way to send JSON */
  onConnection: (connection: {
    request: IncomingMessage;
    send: (message: unknown) => void;
    onMessage: (handler: (message: unknown) => void) => void;
    socket: WebSocket;
  }) => void;
}

export async function startProtocolServer(options: ProtocolServerOptions): Promise<ProtocolServer> {
  const server = createServer((_req, res) => res.writeHead(404).end());
  const handshakes: Handshake[] = [];
  const wss = new WebSocketServer({
    server,
    path: options.path,
    handleProtocols: (protocols) => options.choose?.([...protocols]) ?? false,
  });
  wss.on("connection", (socket, request) => {
    const offered = (request.headers["sec-websocket-protocol"] ?? "")
      .split(",")
      .map((p) => p.trim())
      .filter((p) => p !== "");
    handshakes.push({ url: request.url ?? "", offered, chosen: socket.protocol });
    if (options.pingMs !== undefined) {
      const pinger = setInterval(() => socket.ping(), options.pingMs);
      socket.on("close", () => clearInterval(pinger));
    }
    options.onConnection({
      request,
      socket,
      send: (message) => socket.send(JSON.stringify(message)),
      onMessage: (handler) =>
        socket.on("message", (data, binary) => {
          if (!binary) handler(JSON.parse(messageBytes(data).toString("utf8")));
        }),
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return {
    address: `127.0.0.1:${(server.address() as AddressInfo).port}`,
    handshakes,
    close: async () => {
      for (const client of wss.clients) client.terminate();
      await new Promise<void>((resolve) => wss.close(() => resolve()));
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

/** Waits until `check()` holds, polling every 20 ms; throws after `ms`. */
export async function until(check: () => boolean, ms = 5000): Promise<void> {
  const end = Date.now() + ms;
  while (!check()) {
    if (Date.now() > end) throw new Error("timed out");
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

/** The body of the `location <path> {` block of the server listening on `port`, in rendered output. */
export function locationBlock(output: string, port: number, path: string): string {
  const server = output.slice(output.indexOf(`127.0.0.1:${port}`));
  const start = server.indexOf(`location ${path} {`);
  if (start < 0) throw new Error(`no location ${path} for port ${port}`);
  return server.slice(start, server.indexOf("\n    }", start));
}

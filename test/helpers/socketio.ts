/**
 * Real socket.io servers and clients for e2e tests (sticky sessions, the socket.io preset): each
 * server is its own process as far as sessions go (no shared adapter), so a session's request that
 * reaches the other server is refused ("Session ID unknown"), as in a deployment of two servers.
 */
import { createServer, type IncomingMessage } from "node:http";
import type { AddressInfo } from "node:net";
import { Server as SocketIoServer } from "socket.io";
import type { Socket as SocketIoClient } from "socket.io-client";

export interface SocketIoBackend {
  name: string;
  port: number;
  /** `127.0.0.1:<port>`, as an upstream server */
  address: string;
  /** the engine.io session id (`sid`) and transport of every request received, "" sid for a handshake */
  requests: { sid: string; transport: string }[];
  /** engine.io's refusals: "Session ID unknown" when a session's request reaches the wrong server */
  refusals: string[];
  close(): Promise<void>;
}

/**
 * A socket.io server on 127.0.0.1 (a free port) that answers `whoami` with its `name`; `ping`
 * overrides socket.io's pingInterval and pingTimeout (ms).
 */
export async function startSocketIo(
  name: string,
  ping: { pingInterval: number; pingTimeout: number } | object = {},
): Promise<SocketIoBackend> {
  const server = createServer();
  const io = new SocketIoServer(server, { transports: ["polling", "websocket"], ...ping });
  const requests: SocketIoBackend["requests"] = [];
  const refusals: string[] = [];
  io.engine.use((req: IncomingMessage, _res: unknown, next: () => void) => {
    const query = new URL(req.url ?? "/", "http://x").searchParams;
    requests.push({ sid: query.get("sid") ?? "", transport: query.get("transport") ?? "" });
    next();
  });
  io.engine.on("connection_error", (error: { message: string }) => refusals.push(error.message));
  io.on("connection", (socket) => socket.on("whoami", (answer: (n: string) => void) => answer(name)));
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const port = (server.address() as AddressInfo).port;
  return {
    name,
    port,
    address: `127.0.0.1:${port}`,
    requests,
    refusals,
    close: async () => {
      await io.close();
      server.closeAllConnections();
    },
  };
}

/** Resolves once `socket` is connected and upgraded to a WebSocket; rejects with socket.io's error (10 s at most). */
export function connectAndUpgrade(socket: SocketIoClient): Promise<void> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error("no upgrade to websocket within 10 s")), 10_000);
    const done = (error?: Error) => {
      clearTimeout(timer);
      if (error) reject(error);
      else resolve();
    };
    socket.on("connect_error", (error) => done(error));
    socket.on("disconnect", (reason) => done(new Error(`disconnected: ${reason}`)));
    socket.on("connect", () => {
      if (socket.io.engine.transport.name === "websocket") done();
      else socket.io.engine.once("upgrade", () => done());
    });
  });
}

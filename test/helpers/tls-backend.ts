/**
 * A real backend that speaks TLS (node's https server with the `ws` package on it), for upstreams
 * with `tls`: every answer names the backend, the SNI name nginx sent and the subject of the client
 * certificate nginx presented (mTLS). Listens on 127.0.0.1 and, where the machine has it, on ::1 at
 * the same port, since nginx resolves a server named `localhost` to every address /etc/hosts gives it.
 */
import { readFileSync } from "node:fs";
import { createServer, type Server } from "node:https";
import type { IncomingMessage, ServerResponse } from "node:http";
import type { AddressInfo, Socket } from "node:net";
import type { TLSSocket } from "node:tls";
import { WebSocketServer } from "ws";
import { messageBytes } from "./backend.js";

/** What a TLS backend reports about the connection a request came on. */
export interface TlsPeerInfo {
  backend: string;
  /** the SNI name the client sent (false: none) */
  sni: string | false;
  /** the CN of the client certificate, when one was presented and verified */
  client: string | undefined;
}

export interface TlsBackend {
  name: string;
  port: number;
  /** TLS handshakes that failed on the backend's side (a client without a certificate, say) */
  handshakeErrors(): number;
  close(): Promise<void>;
}

/**
 * Starts a TLS backend. `certificate` is what it sends (leaf, then intermediates); with
 * `clientCa` it asks for a client certificate and refuses a handshake without one signed by that CA
 * (requestCert + rejectUnauthorized). HTTP: 200 with the TlsPeerInfo as JSON. WebSocket: "whoami"
 * gets the TlsPeerInfo, any other text comes back as `<name>: <text>`.
 */
export async function startTlsBackend(
  name: string,
  options: { certificate: string; key: string; clientCa?: string },
): Promise<TlsBackend> {
  const tls = {
    cert: readFileSync(options.certificate),
    key: readFileSync(options.key),
    ...(options.clientCa ? { ca: readFileSync(options.clientCa), requestCert: true, rejectUnauthorized: true } : {}),
  };
  let handshakeErrors = 0;
  const info = (socket: Socket): TlsPeerInfo => {
    const peer = socket as TLSSocket;
    // no certificate: an empty object; a CN given twice: an array
    const cn: unknown = (peer.getPeerCertificate() as { subject?: { CN?: unknown } }).subject?.CN;
    const client = typeof cn === "string" ? cn : Array.isArray(cn) ? cn.join(",") : undefined;
    return { backend: name, sni: peer.servername ?? false, client };
  };
  const answer = (req: IncomingMessage, res: ServerResponse) => {
    res.writeHead(200, { "content-type": "application/json" });
    res.end(JSON.stringify(info(req.socket)));
  };
  const wss = new WebSocketServer({ noServer: true });
  wss.on("connection", (socket, req) => {
    socket.on("message", (data, binary) => {
      const text = messageBytes(data).toString();
      if (!binary && text === "whoami") socket.send(JSON.stringify(info(req.socket)));
      else socket.send(binary ? data : `${name}: ${text}`);
    });
  });
  const servers: Server[] = [];
  const listen = (host: string, port: number) =>
    new Promise<Server | undefined>((resolve, reject) => {
      const server = createServer(tls, answer);
      server.on("tlsClientError", () => handshakeErrors++);
      server.on("upgrade", (req: IncomingMessage, socket: Socket, head: Buffer) =>
        wss.handleUpgrade(req, socket, head, (ws) => wss.emit("connection", ws, req)),
      );
      server.once("error", (error: NodeJS.ErrnoException) =>
        // no IPv6 loopback here: 127.0.0.1 is all nginx can reach anyway
        host === "::1" && (error.code === "EADDRNOTAVAIL" || error.code === "EAFNOSUPPORT") ? resolve(undefined) : reject(error),
      );
      server.listen(port, host, () => resolve(server));
    });
  const first = (await listen("127.0.0.1", 0))!;
  servers.push(first);
  const port = (first.address() as AddressInfo).port;
  const second = await listen("::1", port);
  if (second) servers.push(second);
  return {
    name,
    port,
    handshakeErrors: () => handshakeErrors,
    close: async () => {
      for (const client of wss.clients) client.terminate();
      wss.close();
      await Promise.all(
        servers.map(
          (server) =>
            new Promise<void>((resolve) => {
              server.closeAllConnections();
              server.close(() => resolve());
            }),
        ),
      );
    },
  };
}

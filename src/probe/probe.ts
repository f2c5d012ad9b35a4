/**
 * `wssgen probe`: a real WebSocket opening handshake against a URL (ws:// or wss://), reporting the
 * status, headers, TLS and timing, optionally holding the socket idle to prove it survives, and
 * explaining the common failures in words.
 */
import { createHash, randomBytes } from "node:crypto";
import { request as httpRequest, type IncomingMessage } from "node:http";
import { request as httpsRequest } from "node:https";
import type { Socket } from "node:net";
import type { TLSSocket } from "node:tls";
import { UsageError } from "../errors.js";

export interface ProbeOptions {
  origin?: string | undefined;
  headers?: Record<string, string>;
  /** hold the upgraded socket silent this long and report whether the server closed it */
  idleMs?: number | undefined;
  insecure?: boolean | undefined;
  /** PEM of the CA(s) to trust instead of the system's */
  ca?: string | Buffer | undefined;
  timeoutMs?: number | undefined;
}

export interface ProbeResult {
  url: string;
  ok: boolean;
  /** the HTTP status of the handshake answer (101 on success) */
  status: number | undefined;
  headers: Record<string, string>;
  timing: { connectMs?: number; tlsMs?: number; upgradeMs?: number };
  tls?: {
    protocol: string | null;
    cipher: string;
    subject: string;
    issuer: string;
    validTo: string;
    daysLeft: number;
    authorized: boolean;
  };
  idle?: { requestedMs: number; survived: boolean; closedAfterMs?: number; receivedBytes: number; closeCode?: number };
  /** what went wrong, in words, with what to do */
  problem?: { code: string; message: string };
}

const GUID = "258EAFA5-E914-47DA-95CA-C5AB0DC85B11";

export function parseProbeUrl(text: string): URL {
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    throw new UsageError(`"${text}" is not a URL: use ws://host[:port]/path or wss://host[:port]/path`);
  }
  if (url.protocol !== "ws:" && url.protocol !== "wss:")
    throw new UsageError(`"${text}" is not a WebSocket URL: use ws:// or wss:// (for https:// pages the socket is wss://)`);
  return url;
}

export async function probe(target: string, options: ProbeOptions = {}): Promise<ProbeResult> {
  const url = parseProbeUrl(target);
  const secure = url.protocol === "wss:";
  const key = randomBytes(16).toString("base64");
  const started = performance.now();
  const result: ProbeResult = { url: url.href, ok: false, status: undefined, headers: {}, timing: {} };
  const since = () => Math.round(performance.now() - started);
  const timeoutMs = options.timeoutMs ?? 10_000;

  return new Promise<ProbeResult>((resolve) => {
    let settled = false;
    const finish = (problem?: ProbeResult["problem"]) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      clearTimeout(idleTimer);
      if (problem) result.problem = problem;
      result.ok = !problem;
      resolve(result);
    };
    const request = (secure ? httpsRequest : httpRequest)({
      host: url.hostname.replace(/^\[|\]$/g, ""),
      port: url.port || (secure ? 443 : 80),
      path: `${url.pathname}${url.search}`,
      servername: secure && !/^[\d.]+$|:/.test(url.hostname) ? url.hostname : undefined,
      rejectUnauthorized: !options.insecure,
      ca: options.ca,
      agent: false,
      headers: {
        Host: url.host,
        Connection: "Upgrade",
        Upgrade: "websocket",
        "Sec-WebSocket-Version": "13",
        "Sec-WebSocket-Key": key,
        ...(options.origin ? { Origin: options.origin } : {}),
        ...options.headers,
      },
    });
    let idleTimer: NodeJS.Timeout | undefined;
    const timer = setTimeout(() => {
      request.destroy();
      finish(
        secure && result.tls === undefined && result.timing.connectMs !== undefined
          ? {
              code: "no-tls",
              message: `the TLS handshake did not complete within ${timeoutMs / 1000}s: the port accepts connections but does not answer TLS (a plain service?); use ws://, or point wss:// at the TLS listener`,
            }
          : result.status === undefined
            ? {
                code: "no-upgrade",
                message: `no answer to the handshake within ${timeoutMs / 1000}s: the connection opened but no 101 came (a proxy that buffers the request, or a backend that never answers; check proxy_pass and the backend)`,
              }
            : { code: "timeout", message: `timed out after ${timeoutMs / 1000}s` },
      );
    }, timeoutMs);

    request.on("socket", (socket: Socket) => {
      socket.once("connect", () => (result.timing.connectMs = since()));
      socket.once("secureConnect", () => {
        result.timing.tlsMs = since();
        result.tls = tlsInfo(socket as TLSSocket);
      });
    });
    request.on("upgrade", (response: IncomingMessage, socket: Socket) => {
      result.timing.upgradeMs = since();
      result.status = response.statusCode;
      result.headers = flatHeaders(response);
      const accept = createHash("sha1")
        .update(key + GUID)
        .digest("base64");
      if (result.headers["sec-websocket-accept"] !== accept) {
        socket.destroy();
        return finish({
          code: "bad-accept",
          message:
            "the server answered 101 but with a wrong Sec-WebSocket-Accept: something between you and the backend is not speaking WebSocket",
        });
      }
      if (!options.idleMs) {
        closeGracefully(socket);
        return finish();
      }
      // hold it silent: a server that closes the socket now does so because of an idle timeout
      const idleStart = performance.now();
      const requested = options.idleMs;
      let received = 0;
      let closeCode: number | undefined;
      socket.on("data", (data: Buffer) => {
        if (settled) return; // the server's answer to our own close
        received += data.length;
        // a close frame (opcode 8) from the server carries its reason code
        if ((data[0]! & 0x0f) === 0x8 && data.length >= 4) {
          closeCode = data.readUInt16BE(2);
          // the server is closing: answer, and report it now rather than when TCP goes
          closeGracefully(socket);
          const after = Math.round(performance.now() - idleStart);
          result.idle = { requestedMs: requested, survived: false, closedAfterMs: after, receivedBytes: received, closeCode };
          finish({
            code: "closed-by-server",
            message: `the server closed the socket after ${(after / 1000).toFixed(1)}s with close code ${closeCode} (the application, not an idle timeout)`,
          });
        }
      });
      socket.once("close", () => {
        if (settled) return;
        const after = Math.round(performance.now() - idleStart);
        result.idle = {
          requestedMs: requested,
          survived: false,
          closedAfterMs: after,
          receivedBytes: received,
          ...(closeCode === undefined ? {} : { closeCode }),
        };
        finish(
          closeCode !== undefined
            ? {
                code: "closed-by-server",
                message: `the server closed the socket after ${(after / 1000).toFixed(1)}s with close code ${closeCode} (the application, not an idle timeout)`,
              }
            : {
                code: "closed-while-idle",
                message: `the server closed the silent socket after ${(after / 1000).toFixed(1)}s: nginx's proxy_read_timeout (60s by default) or the backend's own idle timeout; raise timeouts.read, or ping from the app more often than that`,
              },
        );
      });
      clearTimeout(timer);
      idleTimer = setTimeout(() => {
        if (settled) return;
        result.idle = { requestedMs: requested, survived: true, receivedBytes: received };
        closeGracefully(socket);
        finish();
      }, requested);
    });
    request.on("response", (response: IncomingMessage) => {
      result.timing.upgradeMs = since();
      result.status = response.statusCode;
      result.headers = flatHeaders(response);
      let body = "";
      response.on("data", (chunk: Buffer) => (body += chunk.toString("utf8").slice(0, 2000)));
      response.on("end", () => finish(explainStatus(response.statusCode ?? 0, body, secure)));
      response.on("error", () => finish(explainStatus(response.statusCode ?? 0, body, secure)));
    });
    request.on("error", (error: NodeJS.ErrnoException) => finish(explainError(error, url)));
    request.end();
  });
}

function closeGracefully(socket: Socket): void {
  // a WebSocket close frame (code 1000), masked as a client must, then the TCP close
  const mask = randomBytes(4);
  const payload = Buffer.from([0x03, 0xe8]).map((b, i) => b ^ mask[i % 4]!);
  socket.end(Buffer.concat([Buffer.from([0x88, 0x80 | 2]), mask, payload]));
}

function flatHeaders(response: IncomingMessage): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [name, value] of Object.entries(response.headers))
    if (value !== undefined) out[name] = Array.isArray(value) ? value.join(", ") : value;
  return out;
}

function tlsInfo(socket: TLSSocket): ProbeResult["tls"] {
  const cert = socket.getPeerCertificate();
  const validTo = cert.valid_to ? new Date(cert.valid_to) : undefined;
  return {
    protocol: socket.getProtocol(),
    cipher: socket.getCipher().name,
    subject: commonName(cert.subject?.CN),
    issuer: commonName(cert.issuer?.CN),
    validTo: validTo ? validTo.toISOString() : "",
    daysLeft: validTo ? Math.floor((validTo.getTime() - Date.now()) / 86_400_000) : 0,
    authorized: socket.authorized,
  };
}

function commonName(cn: string | string[] | undefined): string {
  const value = Array.isArray(cn) ? cn.join(", ") : cn;
  return value ? `CN=${value}` : "";
}

export function explainStatus(status: number, body: string, secure: boolean): ProbeResult["problem"] {
  if (/plain HTTP request was sent to HTTPS port/i.test(body))
    return { code: "http-to-https-port", message: `HTTP ${status}: this port speaks TLS; use wss:// for it` };
  if (status === 400 || status === 426)
    return {
      code: "no-upgrade",
      message: `HTTP ${status} without an upgrade: the backend did not see a WebSocket handshake; the proxy must pass Upgrade and Connection (proxy_set_header) over HTTP/1.1 — wssgen routes with websocket: true do`,
    };
  if (status === 403)
    return {
      code: "forbidden",
      message:
        "HTTP 403: refused, most likely by an origin check; probe with --origin https://your-page, or add that origin to the route's origins",
    };
  if (status === 404)
    return { code: "not-found", message: "HTTP 404: no route for this path; check the route's path (a prefix, or = /exact)" };
  if (status === 429 || status === 503)
    return {
      code: "limited",
      message: `HTTP ${status}: refused by a limit (maxConnectionsPerIp answers 429), or the server is overloaded`,
    };
  if (status === 502)
    return {
      code: "bad-gateway",
      message: "HTTP 502: nginx could not reach the upstream (is the backend running, on the address in upstreams?)",
    };
  if (status === 504)
    return {
      code: "gateway-timeout",
      message: "HTTP 504: the upstream did not answer in time (timeouts.connect / timeouts.read)",
    };
  if (status >= 300 && status < 400)
    return {
      code: "redirect",
      message: `HTTP ${status}: redirected${secure ? "" : " (an http->https redirect? use wss://)"}; WebSocket clients do not follow redirects`,
    };
  return { code: "http-error", message: `HTTP ${status} instead of 101 Switching Protocols` };
}

export function explainError(error: NodeJS.ErrnoException, url: URL): ProbeResult["problem"] {
  const where = `${url.hostname}:${url.port || (url.protocol === "wss:" ? 443 : 80)}`;
  const code = error.code ?? "error";
  if (code === "ECONNREFUSED")
    return {
      code: "refused",
      message: `connection refused: nothing listens on ${where} (is nginx running, and listening on that port?)`,
    };
  if (code === "ENOTFOUND" || code === "EAI_AGAIN") return { code: "dns", message: `${url.hostname} does not resolve` };
  if (code === "ECONNRESET") return { code: "reset", message: `the connection to ${where} was reset during the handshake` };
  if (code === "ETIMEDOUT") return { code: "timeout", message: `no connection to ${where} (a firewall dropping packets?)` };
  if (/wrong version number|packet length too long|unexpected eof|EPROTO/i.test(`${code} ${error.message}`))
    return {
      code: "tls-to-plain-port",
      message: `TLS failed: ${where} does not speak TLS (a browser shows ERR_SSL_PROTOCOL_ERROR); it is a plain port: use ws://, or point wss:// at the TLS listener`,
    };
  if (
    code === "DEPTH_ZERO_SELF_SIGNED_CERT" ||
    code === "SELF_SIGNED_CERT_IN_CHAIN" ||
    code === "UNABLE_TO_VERIFY_LEAF_SIGNATURE" ||
    code === "UNABLE_TO_GET_ISSUER_CERT_LOCALLY"
  )
    return {
      code: "untrusted-certificate",
      message: `the certificate is not trusted (${code}); pass --ca FILE with its CA, or --insecure to skip the check`,
    };
  if (code === "ERR_TLS_CERT_ALTNAME_INVALID")
    return { code: "name-mismatch", message: `the certificate does not name ${url.hostname}: ${error.message}` };
  if (code === "CERT_HAS_EXPIRED") return { code: "expired-certificate", message: "the certificate has expired" };
  return { code, message: error.message };
}

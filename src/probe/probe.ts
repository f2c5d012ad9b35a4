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
import type { Upstream } from "../config/model.js";
import { escapeText, showValue } from "../util/show.js";
import { diagnoseUpstreamTls, type ProbeConfig, routeFor, type UpstreamTlsReport } from "./upstream-tls.js";

export interface ProbeOptions {
  origin?: string | undefined;
  headers?: Record<string, string>;
  /** hold the upgraded socket silent this long and report whether the server closed it */
  idleMs?: number | undefined;
  insecure?: boolean | undefined;
  /** PEM of the CA(s) to trust instead of the system's, as text or bytes (a Buffer is a Uint8Array) */
  ca?: string | Uint8Array | undefined;
  timeoutMs?: number | undefined;
  /**
   * The config behind the URL (`probe --config`): when nginx answers 502 for a route whose upstream
   * speaks TLS, the probe connects to that upstream's servers itself and says why (upstreamTls)
   */
  config?: ProbeConfig | undefined;
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
  /** with an answer other than 101: its reason phrase as the server sent it ("Forbidden"), at most 200 characters */
  statusText?: string;
  /**
   * with an answer other than 101, who wrote it: `nginx` (nginx's own error page), `upstream` (an
   * answer nginx passed on from the application behind it: not its error page), or `server` (a
   * server that is not nginx, such as the backend probed directly)
   */
  answeredBy?: AnsweredBy;
  /**
   * with an answer other than 101: the first line of its body that has text (for an HTML page, with
   * the tags removed, so nginx's error page gives its title), as sent, cut after 200 characters (then ending in "…");
   * undefined for an empty body
   */
  bodyLine?: string;
  /** what went wrong, in words, with what to do; `causes` is the part after what happened */
  problem?: { code: string; message: string; causes?: string };
  /** with --config and a 502 from nginx on a route to a TLS upstream: what the probe found connecting to it */
  upstreamTls?: UpstreamTlsReport;
}

export type AnsweredBy = "nginx" | "upstream" | "server";

const GUID = "258EAFA5-E914-47DA-95CA-C5AB0DC85B11";

function parseProbeUrl(text: string): URL {
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    throw new UsageError(`${showValue(text)} is not a URL: use ws://host[:port]/path or wss://host[:port]/path`);
  }
  if (url.protocol !== "ws:" && url.protocol !== "wss:")
    throw new UsageError(
      `${showValue(text)} is not a WebSocket URL: use ws:// or wss:// (for https:// pages the socket is wss://)`,
    );
  return url;
}

/** Throws UsageError unless `text` is a ws:// or wss:// URL (`apply --probe` checks it before anything is written). */
export function checkProbeUrl(text: string): void {
  parseProbeUrl(text);
}

/** What an HTTP/1.1 header value may hold as wssgen sends it: printable ASCII, spaces and tabs. */
const HEADER_VALUE = /^[\t\x20-\x7e]*$/;
/** RFC 9110's token: what a header name may hold. */
const HEADER_NAME = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/;

/**
 * The probe's request values checked before anything is sent (or, in `apply --probe`, before anything
 * is written): a value Node cannot put in a header would otherwise surface as an internal error after
 * the handshake began. `flags` names the options as the user typed them (`--origin` or `--probe-origin`).
 */
export function checkProbeOptions(
  options: Pick<ProbeOptions, "origin" | "headers">,
  flags: { origin: string; header: string } = { origin: "--origin", header: "--header" },
): void {
  const { origin, headers = {} } = options;
  if (origin !== undefined) {
    if (origin === "") throw new UsageError(`${flags.origin}: empty; give an origin such as https://chat.example.com`);
    if (!HEADER_VALUE.test(origin))
      throw new UsageError(
        `${flags.origin}: ${showValue(origin)} holds a character an HTTP header cannot carry (control characters and non-ASCII; a browser sends an international domain in its xn-- form)`,
      );
  }
  for (const [name, value] of Object.entries(headers)) {
    if (!HEADER_NAME.test(name)) throw new UsageError(`${flags.header}: ${showValue(name)} is not a header name`);
    if (!HEADER_VALUE.test(value))
      throw new UsageError(
        `${flags.header}: the value of ${name}, ${showValue(value)}, holds a character an HTTP header cannot carry (control characters and non-ASCII)`,
      );
  }
}

export async function probe(target: string, options: ProbeOptions = {}): Promise<ProbeResult> {
  const url = parseProbeUrl(target);
  checkProbeOptions(options);
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
      ca: typeof options.ca === "object" ? Buffer.from(options.ca) : options.ca,
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
      if (response.statusMessage) result.statusText = response.statusMessage.slice(0, BODY_LINE_MAX);
      // an error page is small; keep enough to recognise nginx's and to show the first line
      let body = "";
      response.on("data", (chunk: Buffer) => {
        if (body.length < BODY_KEEP) body += chunk.toString("utf8").slice(0, BODY_KEEP - body.length);
      });
      const answered = () => {
        result.answeredBy = answeredBy(result.headers, body);
        const line = firstBodyLine(body);
        if (line !== undefined) result.bodyLine = line;
        const problem = explainStatus(result, secure, options.origin);
        const upstream =
          options.config && result.status === 502 && result.answeredBy === "nginx"
            ? tlsUpstreamOf(url, options.config)
            : undefined;
        if (!upstream) return finish(problem);
        // the probe's own connections have their own deadline: the handshake's is over
        clearTimeout(timer);
        void diagnoseUpstreamTls(upstream, options.config!, Math.min(timeoutMs, UPSTREAM_TIMEOUT_MS)).then(
          (report) => {
            if (report) result.upstreamTls = report;
            finish(report ? withUpstreamTls(problem, report) : problem);
          },
          () => finish(problem),
        );
      };
      response.on("end", answered);
      response.on("error", answered);
    });
    request.on("error", (error: NodeJS.ErrnoException) => finish(explainError(error, url)));
    request.end();
  });
}

/** How long the probe waits for each of an upstream's servers when it explains a 502. */
const UPSTREAM_TIMEOUT_MS = 5000;

/** The upstream of the route `url` reaches, when it speaks TLS. */
function tlsUpstreamOf(url: URL, probeConfig: ProbeConfig): Upstream | undefined {
  const name = routeFor(probeConfig.config, url)?.route.upstream;
  const upstream = probeConfig.config.upstreams.find((u) => u.name === name);
  return upstream?.tls ? upstream : undefined;
}

/**
 * A 502's explanation with what the probe found at the upstream: its finding replaces the guesses
 * when a server failed, and rules TLS out when every server verified.
 */
function withUpstreamTls(
  problem: NonNullable<ProbeResult["problem"]>,
  report: UpstreamTlsReport,
): NonNullable<ProbeResult["problem"]> {
  const causes = problem.causes ?? "";
  const what = problem.message.slice(0, problem.message.length - causes.length);
  const where = report.location ? `${report.location.file}:${report.location.line}:${report.location.column} ` : "";
  const found = `${where}${report.path}: ${report.message}`;
  return report.ok
    ? { ...problem, message: `${problem.message}; ${found}`, causes: `${causes}; ${found}` }
    : { code: "upstream-tls", message: `${what}${found}`, causes: found };
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

const BODY_KEEP = 8192;
const BODY_LINE_MAX = 200;

/** nginx's own error pages end in `<hr><center>nginx</center>` (`nginx/1.22.1` with server_tokens on; OpenResty's say openresty) */
const NGINX_ERROR_PAGE = /<hr><center>(?:nginx|openresty)(?:\/[\w.]+)?<\/center>/i;

/**
 * Who wrote a non-101 answer. nginx replaces the upstream's Server header with its own, so the
 * header alone cannot tell nginx's refusal from the application's: nginx's error page can.
 */
export function answeredBy(headers: Record<string, string>, body: string): AnsweredBy {
  if (NGINX_ERROR_PAGE.test(body)) return "nginx";
  return /^(?:nginx|openresty)\b/i.test(headers.server ?? "") ? "upstream" : "server";
}

/** The first line of `body` with text in it; an HTML body without its tags. Longer than 200 characters: cut, ending in "…". */
export function firstBodyLine(body: string): string | undefined {
  const html = /^\s*</.test(body);
  for (const raw of body.split(/\r?\n/)) {
    const text = (html ? raw.replace(/<[^>]*>/g, " ") : raw).replace(/[ \t]+/g, " ").trim();
    if (text) return text.length > BODY_LINE_MAX ? `${text.slice(0, BODY_LINE_MAX)}…` : text;
  }
  return undefined;
}

/** " Forbidden": the reason phrase the server sent, escaped and cut to 60 characters; "" without one */
export function statusTextOf(result: Pick<ProbeResult, "statusText">): string {
  const text = result.statusText?.trim();
  return text ? ` ${escapeText(text.length > 60 ? `${text.slice(0, 60)}…` : text)}` : "";
}

/** "nginx itself (its own error page)", for messages */
export function describeAnswerer(result: Pick<ProbeResult, "answeredBy" | "headers">): string {
  if (result.answeredBy === "nginx") return "nginx itself (its own error page)";
  if (result.answeredBy === "upstream") return "the application behind nginx (not nginx's own error page)";
  const server = result.headers.server;
  return server ? `the server (Server: ${showValue(server)})` : "the server (it sends no Server header)";
}

/**
 * Why a handshake got `result.status` instead of 101, in words: what happened (the status once,
 * who answered, the body's first line), then causes that fit who answered. The probe does not know
 * the config, so causes in it are phrased as conditions ("if the route has origins ...").
 */
export function explainStatus(
  result: Pick<ProbeResult, "status" | "statusText" | "answeredBy" | "headers" | "bodyLine">,
  secure: boolean,
  origin?: string,
): NonNullable<ProbeResult["problem"]> {
  const status = result.status ?? 0;
  const byNginx = result.answeredBy === "nginx";
  const app = result.answeredBy === "upstream" ? "the application behind nginx" : "the server";
  const statusLine = `HTTP ${status}${statusTextOf(result)}`;
  const what = `${statusLine} from ${describeAnswerer(result)}${result.bodyLine === undefined ? ", with an empty body" : `, body ${showValue(result.bodyLine, BODY_LINE_MAX + 1)}`}`;
  const problem = (code: string, causes: string) => ({ code, message: `${what}: ${causes}`, causes });
  const yourOwn = `its body and ${app === "the server" ? "its" : "the application's"} logs say why`;

  if (/plain HTTP request was sent to HTTPS port/i.test(result.bodyLine ?? ""))
    return problem("http-to-https-port", "this port speaks TLS; use wss:// for it");
  if (status === 400 || status === 426) {
    if (byNginx)
      return problem(
        "bad-request",
        "nginx refused the request itself before any application saw it (a header too large for large_client_header_buffers, or a malformed request; its body says which)",
      );
    return problem(
      "no-upgrade",
      status === 426
        ? `${app} wants a WebSocket upgrade and did not get one: something in between does not pass Upgrade and Connection over HTTP/1.1 (a route with websocket: false, or a location that is not wssgen's; wssgen routes with websocket: true pass them)`
        : `${app} refused the handshake as a bad request; ${yourOwn}. If it says the upgrade is missing, the proxy does not pass Upgrade and Connection (a route with websocket: false, or a location that is not wssgen's); otherwise it rejects something else in the request (a subprotocol, a missing header or parameter)`,
    );
  }
  if (status === 403) {
    if (byNginx)
      return problem(
        "forbidden",
        `nginx refused the handshake itself. If the route has origins, an Origin not in that list gets this 403: this probe sent ${origin === undefined ? "no Origin (refused when allowMissingOrigin is false; probe with --origin https://your-page)" : `Origin ${showValue(origin)} (add it to the route's origins if that page should connect)`}; an allow/deny rule added to nginx's config by hand would answer 403 too`,
      );
    return problem(
      "forbidden-by-application",
      `${app} refused the handshake itself (${result.answeredBy === "upstream" ? "nginx only passed its answer on; wssgen's origins check answers with nginx's own error page" : "not nginx's error page, so not wssgen's origins check"}): its authentication or its own origin check; ${yourOwn}`,
    );
  }
  if (status === 401)
    return problem(
      "unauthorized",
      byNginx
        ? "nginx asks for credentials (auth_basic or auth_request in nginx's config, which wssgen does not write); a browser's WebSocket cannot send a password, so authenticate the page first"
        : `${app} asks for credentials (a token or cookie it expects); ${yourOwn}`,
    );
  if (status === 404)
    return problem(
      "not-found",
      byNginx
        ? "nginx has no route for this path (or a static route has no such file); check the routes' path (a prefix, or = /exact)"
        : `${app} has no handler for this path: nginx passed the request on, so the route matched; check the application's WebSocket path, and the route's stripPrefix`,
    );
  if (status === 429 || status === 503)
    return problem(
      "limited",
      byNginx
        ? "nginx refused it by a limit: maxConnectionsPerIp answers 429 once this address holds that many sockets; a 503 is nginx overloaded or an older limit status"
        : `${app} refused it: its own rate limit or overload; ${yourOwn}`,
    );
  if (status === 502)
    return problem(
      "bad-gateway",
      byNginx
        ? "nginx could not reach the upstream or got no valid answer from it (is the backend running, on the address in upstreams? does it speak TLS when upstreams.tls says so?)"
        : `${app} answered 502 itself: a proxy other than this nginx sits behind it`,
    );
  if (status === 504)
    return problem(
      "gateway-timeout",
      byNginx
        ? "the upstream did not answer nginx in time (timeouts.connect, timeouts.read)"
        : `${app} answered 504 itself: a proxy behind it timed out`,
    );
  if (status >= 300 && status < 400)
    return problem(
      "redirect",
      `redirected${result.headers.location ? ` to ${showValue(result.headers.location)}` : ""}${secure ? "" : " (an http->https redirect? use wss://)"}; WebSocket clients do not follow redirects`,
    );
  return problem(
    "http-error",
    byNginx
      ? "nginx answered instead of 101 Switching Protocols"
      : `${app} answered instead of 101 Switching Protocols; ${yourOwn}`,
  );
}

function explainError(error: NodeJS.ErrnoException, url: URL): ProbeResult["problem"] {
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

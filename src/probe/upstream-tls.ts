/**
 * Why nginx answered 502 for a route whose upstream speaks TLS (upstreams.<name>.tls): the probe
 * finds the route the URL reaches in the config, connects to each server of its upstream itself, the
 * way nginx does (the same CA file, SNI name, name check, client certificate, and nginx's verify
 * depth), and says in one line what failed and which key to change.
 *
 * nginx facts (ngx_http_proxy_module, ngx_event_openssl.c): SNI is sent only for a name, never an
 * address; the certificate must chain to proxy_ssl_trusted_certificate within proxy_ssl_verify_depth
 * (default 1: the server's certificate, one intermediate, then the CA) and hold proxy_ssl_name
 * (X509_check_host: subjectAltName DNS names, the CN only without them).
 */
import { readFile } from "node:fs/promises";
import { isIP } from "node:net";
import { checkServerIdentity, connect, type ConnectionOptions, type DetailedPeerCertificate, type TLSSocket } from "node:tls";
import { type Route, type Site, type Upstream, writtenAt, type WssgenConfig } from "../config/model.js";
import { formatPath, type KeyPath } from "../config/path.js";
import type { ConfigSource } from "../config/source.js";
import { splitHostPort } from "../config/values.js";
import { describeFsError } from "../util/fs-errors.js";
import { showValue } from "../util/show.js";

/** The config behind a probed URL, as `probe --config` loaded it. */
export interface ProbeConfig {
  config: WssgenConfig;
  /** where keys are in the file, for the line a finding points at */
  source?: ConfigSource | undefined;
}

/** What the probe found when it connected to a TLS upstream's servers itself. */
export interface UpstreamTlsReport {
  /** the upstream's name in wssgen.yaml */
  upstream: string;
  /** false when a server failed as below; true when every server connected and verified */
  ok: boolean;
  /** the server that failed (as written in servers), or every server's when ok */
  server: string;
  /**
   * what failed: `ca-unreadable`, `untrusted` (not signed by tls.ca), `name-mismatch`, `expired`,
   * `not-yet-valid`, `chain-too-long`, `client-certificate-required`, `client-certificate-refused`,
   * `client-certificate-unreadable`, `not-tls`, `refused`, `unreachable`; `verified` when ok
   */
  code: string;
  /** one line: what failed, where, and what to do */
  message: string;
  /** the key to change, printed (`upstreams.api.tls.ca`) */
  path: string;
  /** where that key is in the file, when the source is known */
  location?: { file: string; line: number; column: number };
}

/** nginx's proxy_ssl_verify_depth, which wssgen keeps: levels 0 (the server) to 2 (the CA). */
const NGINX_VERIFY_DEPTH = 1;

/**
 * The site and route nginx would pick for `url`: sites that listen on its port (all sites when none
 * does: a proxy in between), the one whose domains match its host (else the first, nginx's default
 * server), then an exact route, else the longest prefix.
 */
export function routeFor(
  config: WssgenConfig,
  url: { protocol: string; hostname: string; port: string; pathname: string },
): { site: Site; route: Route } | undefined {
  const port = Number(url.port || (url.protocol === "wss:" ? 443 : 80));
  const host = url.hostname.replace(/^\[|\]$/g, "").toLowerCase();
  const onPort = config.sites.filter((site) => site.listen.some((l) => l.port === port));
  const candidates = onPort.length ? onPort : config.sites;
  const site = candidates.find((s) => s.domains.some((d) => domainMatches(d.toLowerCase(), host))) ?? candidates[0];
  if (!site) return undefined;
  const path = url.pathname;
  const route =
    site.routes.find((r) => r.exact && r.uri === path) ??
    site.routes
      .filter((r) => !r.exact && path.startsWith(r.uri))
      .reduce<Route | undefined>((best, r) => (best && best.uri.length >= r.uri.length ? best : r), undefined);
  return route && { site, route };
}

/** nginx's server_name forms wssgen writes: exact, `*.example.com` (any subdomain), `example.*`. */
function domainMatches(domain: string, host: string): boolean {
  if (domain.startsWith("*.")) return host.endsWith(domain.slice(1));
  if (domain.endsWith(".*")) return host.startsWith(domain.slice(0, -1));
  return domain === host;
}

/**
 * Connects to each server of `upstream` (primary servers first, `down` ones skipped) as nginx would,
 * and reports the first that fails, or that all verified. `timeoutMs`: per connection.
 */
export async function diagnoseUpstreamTls(
  upstream: Upstream,
  probeConfig: ProbeConfig,
  timeoutMs: number,
): Promise<UpstreamTlsReport | undefined> {
  const tls = upstream.tls;
  if (!tls) return undefined;
  const at = [...upstream.at, "tls"];
  const report = (code: string, ok: boolean, server: string, message: string, path: KeyPath): UpstreamTlsReport => {
    const location = probeConfig.source && { file: probeConfig.source.file, ...probeConfig.source.locate(path) };
    return { upstream: upstream.name, ok, server, code, message, path: formatPath(path), ...(location ? { location } : {}) };
  };
  const caPath = writtenAt(upstream, "tls.ca") ?? at;
  const certPath = [...at, "certificate"];
  let ca: Buffer | undefined;
  if (tls.verify) {
    try {
      ca = await readFile(tls.ca);
    } catch (error) {
      return report(
        "ca-unreadable",
        false,
        "",
        `tls.ca ${showValue(tls.ca)} cannot be read here (${describeFsError(error, "read")}): run the probe where nginx runs, or fix tls.ca`,
        caPath,
      );
    }
  }
  let client: { cert: Buffer; key: Buffer } | undefined;
  if (tls.certificate !== undefined && tls.key !== undefined) {
    try {
      client = { cert: await readFile(tls.certificate), key: await readFile(tls.key) };
    } catch (error) {
      return report(
        "client-certificate-unreadable",
        false,
        "",
        `the client certificate ${showValue(tls.certificate)} or its key cannot be read here (${describeFsError(error, "read")})`,
        certPath,
      );
    }
  }
  const servers = upstream.servers
    .map((server, i) => ({ server, i }))
    .filter(({ server }) => !server.down)
    .sort((a, b) => Number(a.server.backup) - Number(b.server.backup));
  for (const { server, i } of servers) {
    const outcome = await handshake(server.address, tls.serverName, ca, client, timeoutMs);
    const name = showValue(server.address);
    const serverPath = [...upstream.at, "servers", i];
    const failed = (code: string, message: string, path: KeyPath) => report(code, false, server.address, message, path);
    const cert = outcome.certificate;
    // nginx judges the certificate as soon as the handshake is done, before it sends the request
    if (cert && tls.verify) {
      const serverName = tls.serverName ?? "";
      if (outcome.verifyError === "CERT_HAS_EXPIRED")
        return failed(
          "expired",
          `the certificate of ${name} expired on ${isoDate(cert.valid_to)}: renew it on the backend`,
          serverPath,
        );
      if (outcome.verifyError === "CERT_NOT_YET_VALID")
        return failed(
          "not-yet-valid",
          `the certificate of ${name} is valid only from ${isoDate(cert.valid_from)} (is this machine's clock right?)`,
          serverPath,
        );
      if (outcome.verifyError !== undefined)
        return failed(
          "untrusted",
          `the certificate of ${name} is not signed by tls.ca (${showValue(tls.ca)}): ${outcome.verifyMessage}; set tls.ca to the CA that signed it`,
          caPath,
        );
      const length = chainLength(cert);
      if (length > NGINX_VERIFY_DEPTH + 2)
        return failed(
          "chain-too-long",
          `the certificate of ${name} reaches tls.ca through ${length - 2} intermediate certificates, and nginx follows ${NGINX_VERIFY_DEPTH} (proxy_ssl_verify_depth): have the backend's certificate issued by a CA one step below the one in tls.ca`,
          at,
        );
      // nginx checks a name only (X509_check_host); semantics.ts asks for one when verifying
      const mismatch = isIP(serverName) ? undefined : checkServerIdentity(serverName, cert);
      if (mismatch)
        return failed(
          "name-mismatch",
          `the certificate of ${name} does not name ${showValue(serverName)} (tls.serverName${writtenAt(upstream, "tls.serverName") ? "" : ", by default the servers' host"}); it names ${cert.subjectaltname ? showValue(cert.subjectaltname) : "nothing (no subjectAltName)"}`,
          writtenAt(upstream, "tls.serverName") ?? at,
        );
    }
    switch (outcome.failure?.kind) {
      case undefined:
        continue;
      case "refused":
        return failed("refused", `nothing listens on ${name} (from this machine): is the backend running?`, serverPath);
      case "unreachable":
        return failed("unreachable", `${name} cannot be reached from this machine: ${outcome.failure.detail}`, serverPath);
      case "not-tls":
        return failed(
          "not-tls",
          `${name} does not speak TLS (it answered in plain text): remove tls from upstreams.${upstream.name}, or point its servers at the backend's TLS port`,
          at,
        );
      case "client-certificate":
        if (client)
          return failed(
            "client-certificate-refused",
            `${name} refused the client certificate ${showValue(tls.certificate!)} (${outcome.failure.detail}): the backend does not trust the CA that signed it`,
            certPath,
          );
        return failed(
          "client-certificate-required",
          outcome.failure.detail === "alert certificate required"
            ? `${name} asked for a client certificate, and nginx presents none (${outcome.failure.detail}): set tls.certificate and tls.key`
            : `${name} refused the handshake (${outcome.failure.detail}), as a backend that requires a client certificate does when it gets none: set tls.certificate and tls.key`,
          at,
        );
      case "closed":
        // node's servers close without an alert when they refuse a client certificate
        return client
          ? failed(
              "closed",
              `${name} accepted the TLS handshake, then closed the connection without answering, as a backend that refuses the client certificate ${showValue(tls.certificate!)} can do; otherwise its own log says why`,
              certPath,
            )
          : failed(
              "closed",
              `${name} accepted the TLS handshake, then closed the connection without answering: its own log says why`,
              serverPath,
            );
      case "handshake":
        return failed("handshake", `the TLS handshake with ${name} failed: ${outcome.failure.detail}`, at);
    }
  }
  return report(
    "verified",
    true,
    servers.map(({ server }) => server.address).join(", "),
    `the probe connected to every server of upstreams.${upstream.name} over TLS${tls.verify ? ", verified it as nginx does," : ""} and got an answer: TLS is not why nginx answered 502 (its error log says why)`,
    at,
  );
}

/** What one connection showed: the certificate when the handshake completed, and what failed, if anything. */
interface Handshake {
  certificate?: DetailedPeerCertificate;
  /** OpenSSL's verification result (node's code), undefined when verified */
  verifyError?: string | undefined;
  verifyMessage?: string;
  /** what ended the connection early: during the handshake, or after it (a TLS 1.3 server's refusal) */
  failure?: { kind: "refused" | "unreachable" | "not-tls" | "client-certificate" | "closed" | "handshake"; detail: string };
}

/**
 * One TLS connection to `address` with nginx's settings; verification is judged by the caller, so the
 * handshake goes on past an untrusted certificate. A request follows the handshake: with TLS 1.3 a
 * server refuses a missing client certificate only after the handshake completed on the client's side.
 */
function handshake(
  address: string,
  serverName: string | undefined,
  ca: Buffer | undefined,
  client: { cert: Buffer; key: Buffer } | undefined,
  timeoutMs: number,
): Promise<Handshake> {
  const hp = address.startsWith("unix:") ? undefined : splitHostPort(address);
  const target: ConnectionOptions = hp ? { host: hp.host, port: Number(hp.port ?? 443) } : { path: address.slice(5) };
  return new Promise((resolve) => {
    const seen: Handshake = {};
    const socket: TLSSocket = connect({
      ...target,
      // nginx sends SNI for a name only
      ...(serverName !== undefined && !isIP(serverName) ? { servername: serverName } : {}),
      ...(ca ? { ca } : {}),
      ...(client ?? {}),
      rejectUnauthorized: false,
      // the name is checked by the caller, as nginx does (authorized then means: chains to ca)
      checkServerIdentity: () => undefined,
      // nginx offers TLSv1.2 and TLSv1.3 to backends
      minVersion: "TLSv1.2",
    });
    const done = (failure?: Handshake["failure"]) => {
      clearTimeout(timer);
      socket.destroy();
      resolve(failure && !seen.failure ? { ...seen, failure } : seen);
    };
    const timer = setTimeout(
      () => done(seen.certificate ? undefined : { kind: "unreachable", detail: `no TLS handshake within ${timeoutMs / 1000}s` }),
      timeoutMs,
    );
    socket.once("secureConnect", () => {
      seen.certificate = socket.getPeerCertificate(true);
      if (!socket.authorized) {
        // node gives OpenSSL's result as its code (UNABLE_TO_VERIFY_LEAF_SIGNATURE)
        const code = String(socket.authorizationError);
        seen.verifyError = code;
        seen.verifyMessage = VERIFY_MESSAGES[code] ?? code.toLowerCase().replace(/_/g, " ");
      }
      socket.write(`GET / HTTP/1.1\r\nHost: ${serverName ?? "localhost"}\r\nConnection: close\r\n\r\n`);
    });
    socket.once("data", () => done());
    socket.on("error", (error: NodeJS.ErrnoException) => done(failure(error)));
    // closed before any answer: after the handshake, a refusal (or a crash); during it, the handshake failed
    socket.once("close", () =>
      done(
        seen.certificate
          ? { kind: "closed", detail: "it closed the connection without answering the request" }
          : { kind: "handshake", detail: "the backend closed the connection during the handshake" },
      ),
    );
  });
}

/** OpenSSL's words (X509_verify_cert_error_string) for the results a backend's certificate most often gets. */
const VERIFY_MESSAGES: Record<string, string> = {
  UNABLE_TO_VERIFY_LEAF_SIGNATURE: "unable to verify the first certificate",
  UNABLE_TO_GET_ISSUER_CERT_LOCALLY: "unable to get local issuer certificate",
  UNABLE_TO_GET_ISSUER_CERT: "unable to get issuer certificate",
  DEPTH_ZERO_SELF_SIGNED_CERT: "self-signed certificate",
  SELF_SIGNED_CERT_IN_CHAIN: "self-signed certificate in certificate chain",
  CERT_SIGNATURE_FAILURE: "certificate signature failure",
  CERT_REVOKED: "certificate revoked",
  INVALID_CA: "invalid CA certificate",
  INVALID_PURPOSE: "unsupported certificate purpose",
  CERT_UNTRUSTED: "certificate not trusted",
  CERT_REJECTED: "certificate rejected",
};

function failure(error: NodeJS.ErrnoException): NonNullable<Handshake["failure"]> {
  const code = error.code ?? "";
  const text = `${code} ${error.message}`;
  if (code === "ECONNREFUSED" || code === "ENOENT") return { kind: "refused", detail: code };
  if (/wrong version number|packet length too long|http request/i.test(text)) return { kind: "not-tls", detail: error.message };
  // TLS 1.3: certificate_required; TLS 1.2: handshake_failure; a certificate it does not trust: unknown_ca, bad_certificate
  if (/CERTIFICATE_REQUIRED|ALERT_HANDSHAKE_FAILURE|ALERT_UNKNOWN_CA|ALERT_BAD_CERTIFICATE|ALERT_CERTIFICATE_UNKNOWN/.test(code))
    return { kind: "client-certificate", detail: alertName(code) };
  if (/^E[A-Z]+$/.test(code)) return { kind: "unreachable", detail: code };
  return { kind: "handshake", detail: error.message };
}

/** `ERR_SSL_TLSV13_ALERT_CERTIFICATE_REQUIRED` → "alert certificate required", as OpenSSL names it. */
function alertName(code: string): string {
  const m = /ALERT_([A-Z_]+)$/.exec(code);
  return m ? `alert ${m[1]!.toLowerCase().replace(/_/g, " ")}` : code;
}

/** Certificates from the server's to the CA, as node built the chain (the CA's issuer is itself). */
function chainLength(cert: DetailedPeerCertificate): number {
  let length = 1;
  for (
    let c = cert;
    c.issuerCertificate && c.issuerCertificate !== c && c.issuerCertificate.fingerprint256 !== c.fingerprint256;
    c = c.issuerCertificate
  )
    length++;
  return length;
}

function isoDate(text: string): string {
  const date = new Date(text);
  return Number.isNaN(date.getTime()) ? text : date.toISOString().slice(0, 10);
}

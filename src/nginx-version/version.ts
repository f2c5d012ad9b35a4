/**
 * nginx versions and what each needs (docs/config.md, "The nginx version rendered for"): the one place
 * that knows version syntax (patterns.ts writes it as patterns). A leaf: it imports nothing of wssgen.
 */

export type Version = readonly [major: number, minor: number, patch: number];

/** The oldest nginx wssgen renders for, `major.minor` (Debian 11's). */
export const OLDEST_SUPPORTED = "1.18";
/** What `render` is for when neither --nginx-version, nginx.version nor an installed nginx says (Debian 12's). */
export const DEFAULT_NGINX_VERSION = "1.22";

/** `major.minor` or `major.minor.patch` (space around it ignored) as a Version; undefined for anything else. */
export function parseVersion(text: string): Version | undefined {
  const m = /^(\d+)\.(\d+)(?:\.(\d+))?$/.exec(text.trim());
  return m ? [Number(m[1]), Number(m[2]), Number(m[3] ?? 0)] : undefined;
}

/** Negative when `a` is older than `b`, 0 when equal, positive when newer. */
export function compareVersions(a: Version, b: Version): number {
  return a[0] - b[0] || a[1] - b[1] || a[2] - b[2];
}

export function atLeast(v: Version, text: string): boolean {
  return compareVersions(v, parseVersion(text)!) >= 0;
}

/** "1.22" for 1.22.0, "1.25.1" otherwise. */
export function formatVersion(v: Version): string {
  return v[2] === 0 ? `${v[0]}.${v[1]}` : v.join(".");
}

/**
 * The nginx build the output is rendered for: its version, and the OpenSSL it is built with when
 * known (`nginx.openssl`, or what `nginx -V` reports). Not to be confused with `nginx.target`, the
 * file `apply` writes.
 */
export interface NginxBuild {
  version: Version;
  openssl?: Version | undefined;
}

/** What the nginx build rendered for asks of the output. */
export interface Features {
  /** `http2 on;` (1.25.1+) rather than `listen ... http2` */
  http2Directive: boolean;
  /** before 1.23.2 nginx never rotates session ticket keys, so tickets go off (Mozilla) */
  sessionTicketsOff: boolean;
  /** before 1.29.7 nginx proxies with HTTP/1.0 unless told otherwise; WebSockets need 1.1 */
  proxyHttpVersion: boolean;
  /** from 1.29.7 every upstream keeps 32 idle connections unless `keepalive 0` says otherwise */
  defaultKeepalive: number;
  /**
   * before 1.27.3 nginx offers TLSv1 and TLSv1.1 to TLS backends (and before 1.23.4 no TLSv1.3):
   * proxy_ssl_protocols says TLSv1.2 TLSv1.3 (nginx changelog 1.23.4, 1.27.3)
   */
  proxySslProtocols: boolean;
  /**
   * Which of Mozilla 6.0's key exchange groups OpenSSL can take: "mlkem" adds X25519MLKEM768 (3.5+);
   * "mozilla" is X25519, prime256v1 and secp384r1, also when the version is unknown (every OpenSSL
   * since 1.1.0, and LibreSSL and BoringSSL, know them); "nist" leaves out X25519, which OpenSSL
   * before 1.1.0 lacks.
   */
  curves: "mlkem" | "mozilla" | "nist";
}

export function featuresFor(version: Version, openssl: Version | undefined): Features {
  return {
    http2Directive: atLeast(version, "1.25.1"),
    sessionTicketsOff: !atLeast(version, "1.23.2"),
    proxyHttpVersion: !atLeast(version, "1.29.7"),
    defaultKeepalive: atLeast(version, "1.29.7") ? 32 : 0,
    proxySslProtocols: !atLeast(version, "1.27.3"),
    curves: openssl === undefined ? "mozilla" : atLeast(openssl, "3.5") ? "mlkem" : atLeast(openssl, "1.1") ? "mozilla" : "nist",
  };
}

export function describeFeatures(f: Features): string {
  return [
    f.http2Directive ? "http2 on" : "listen ... http2",
    f.sessionTicketsOff ? "ssl_session_tickets off" : "session tickets on",
    f.proxyHttpVersion ? "proxy_http_version 1.1" : "HTTP/1.1 and keepalive by default",
  ].join("; ");
}

/**
 * nginx versions (and the versions of the OpenSSL nginx is built with): how they are written and
 * parsed, how they compare, the oldest nginx wssgen supports, the one it renders for when nothing
 * says otherwise, and what each version asks of the output. The one place that knows any of it; a
 * leaf that imports nothing of wssgen, so every layer may use it (docs/config.md, "The target nginx
 * version", says the same to users).
 */

export type Version = readonly [major: number, minor: number, patch: number];

/** The oldest nginx wssgen renders for, `major.minor` (Debian 11's nginx). */
export const OLDEST_SUPPORTED = "1.18";
/** What `render` targets when neither --nginx-version, nginx.version nor an installed nginx says (Debian 12's). */
export const DEFAULT_TARGET = "1.22";

/** What parseVersion reads: two or three parts of digits. */
const DOTTED = /^(\d+)\.(\d+)(?:\.(\d+))?$/;

/** Any dotted version, digits only: `1.22`, `1.25.1`, `3.0.13` (a regular expression's source, without groups). */
export const VERSION_IN_TEXT = "\\d+\\.\\d+(?:\\.\\d+)?";

/** One part of a version as wssgen.yaml and --nginx-version take it: 0, or 1 to 3 digits without a leading zero. */
const PART = "(?:0|[1-9]\\d{0,2})";

/**
 * A version as wssgen.yaml and --nginx-version take it: "1.22" or "1.25.1" (a regular expression's
 * source, without anchors, as JSON Schema's `pattern` carries it).
 */
export const VERSION_PATTERN = `${PART}\\.${PART}(?:\\.${PART})?`;

/** A regular expression's source for the whole numbers from `min` (0 to 999) to 999, without leading zeros. */
function atLeastNumber(min: number): string {
  const digits = String(min);
  const alternatives: string[] = [];
  // every number with more digits
  for (let length = digits.length + 1; length <= 3; length++) alternatives.push(`[1-9]${"\\d".repeat(length - 1)}`);
  // as many digits: the same beginning, then a larger digit, then anything
  for (let i = 0; i < digits.length; i++) {
    const d = Number(digits[i]);
    if (d < 9) alternatives.push(`${digits.slice(0, i)}${d === 8 ? "9" : `[${d + 1}-9]`}${"\\d".repeat(digits.length - 1 - i)}`);
  }
  alternatives.push(digits);
  return `(?:${alternatives.join("|")})`;
}

/**
 * The versions of VERSION_PATTERN that are OLDEST_SUPPORTED or later: a later major, or the same
 * major and a minor at least OLDEST_SUPPORTED's, with any patch.
 */
export const SUPPORTED_PATTERN = (() => {
  const [major, minor] = parseVersion(OLDEST_SUPPORTED)!;
  return `${atLeastNumber(major + 1)}\\.${PART}(?:\\.${PART})?|${major}\\.${atLeastNumber(minor)}(?:\\.${PART})?`;
})();

/** `major.minor` or `major.minor.patch` (space around it ignored) as a Version; undefined for anything else. */
export function parseVersion(text: string): Version | undefined {
  const m = DOTTED.exec(text.trim());
  return m ? [Number(m[1]), Number(m[2]), Number(m[3] ?? 0)] : undefined;
}

/** Negative when `a` is older than `b`, 0 when equal, positive when newer. */
export function compareVersions(a: Version, b: Version): number {
  return a[0] - b[0] || a[1] - b[1] || a[2] - b[2];
}

/** Whether `v` is `text` (a version written in this module) or later. */
export function atLeast(v: Version, text: string): boolean {
  return compareVersions(v, parseVersion(text)!) >= 0;
}

/** "1.22" for 1.22.0, "1.25.1" otherwise. */
export function formatVersion(v: Version): string {
  return v[2] === 0 ? `${v[0]}.${v[1]}` : v.join(".");
}

/** What the target nginx (and the OpenSSL it is built with) asks of the output. */
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
   * Which of Mozilla 6.0's key exchange groups OpenSSL can take: "mlkem" adds X25519MLKEM768 (3.5+);
   * "mozilla" is X25519, prime256v1 and secp384r1, also when the version is unknown (every OpenSSL
   * since 1.1.0, and LibreSSL and BoringSSL, know them); "nist" leaves out X25519, which OpenSSL
   * before 1.1.0 lacks.
   */
  curves: "mlkem" | "mozilla" | "nist";
}

/** The Features of nginx `version` built with OpenSSL `openssl` (undefined: not known). Sources: nginx's CHANGES. */
export function featuresFor(version: Version, openssl: Version | undefined): Features {
  return {
    http2Directive: atLeast(version, "1.25.1"),
    sessionTicketsOff: !atLeast(version, "1.23.2"),
    proxyHttpVersion: !atLeast(version, "1.29.7"),
    defaultKeepalive: atLeast(version, "1.29.7") ? 32 : 0,
    curves: openssl === undefined ? "mozilla" : atLeast(openssl, "3.5") ? "mlkem" : atLeast(openssl, "1.1") ? "mozilla" : "nist",
  };
}

/** The version-dependent choices in words, for the output's head comment: `http2 on; session tickets on; ...`. */
export function describeFeatures(f: Features): string {
  return [
    f.http2Directive ? "http2 on" : "listen ... http2",
    f.sessionTicketsOff ? "ssl_session_tickets off" : "session tickets on",
    f.proxyHttpVersion ? "proxy_http_version 1.1" : "HTTP/1.1 and keepalive by default",
  ].join("; ");
}

/**
 * Allowlists for every user value that can reach nginx output (docs/config.md, "Values", quoting).
 * Each rule is one regular expression, the only definition of what the field accepts: the zod schema
 * validates with it and the JSON Schema (`wssgen schema`) carries it as `pattern`, so an editor and
 * the CLI agree (docs/decisions.md, "One rule, one pattern"). A rule's `explain` only says why a value the pattern refused is wrong
 * and how to fix it; it never decides. Patterns use the `u` flag, as JSON Schema validators do (ajv,
 * VS Code).
 */
import { createRequire } from "node:module";
import { SUPPORTED_PATTERN, VERSION_PATTERN } from "../nginx-version/patterns.js";
import { OLDEST_SUPPORTED, parseVersion } from "../nginx-version/version.js";
import { CONTROL, CONTROL_CLASS } from "../util/control.js";
import { showValue } from "../util/show.js";

/**
 * The longest value, in characters (Unicode code points, as JSON Schema's maxLength counts them).
 * nginx refuses a token of 4096 bytes or more ("too long parameter"); 1000 characters of at most
 * 4 bytes each, quoted, stay below that.
 */
export const MAX_VALUE_LENGTH = 1000;

export type Check = (value: string) => string | undefined;

export interface ValueRule {
  /** the rule: a value is valid exactly when this matches (with the `u` flag) */
  pattern: RegExp;
  /** why a value the pattern refused is wrong, in one sentence with the fix */
  explain: (value: string) => string;
}

const rule = (source: string, explain: (value: string) => string): ValueRule => ({
  pattern: withIpv6FastPath(`^(?:${source})$`),
  explain: (v) => describeControl(v) ?? tooLong(v) ?? explain(v),
});

/**
 * A rule's pattern. When it holds an IPv6 alternative, `test` of a value that cannot contain an IPv6
 * address (no "::" and fewer than 6 colons: every alternative of ipv6() below has one or the other)
 * runs the same pattern with that alternative replaced by `(?!)`, which matches nothing: the same
 * answer, since the alternative could not match anywhere in that value (it has no capturing groups).
 * The full pattern is compiled only for values that may be IPv6 addresses. Why: V8 spends ~5 ms
 * compiling the IPv6 alternative on first use, twice in a one-site render (an upstream's server and
 * an origin), a tenth of `render`'s own start-up. `source`, `flags` and every other method stay the
 * full pattern's (the JSON Schema's `pattern`, messages).
 */
function withIpv6FastPath(source: string): RegExp {
  if (!source.includes(IPV6) && !source.includes(LOWER_IPV6)) return new RegExp(source, "u");
  const withoutIpv6 = source.split(IPV6).join("(?!)").split(LOWER_IPV6).join("(?!)");
  let short: RegExp | undefined;
  return new (class extends RegExp {
    override test(value: string): boolean {
      const text = String(value);
      if (text.includes("::") || text.split(":").length > 6) return super.test(text);
      short ??= new RegExp(withoutIpv6, "u");
      return short.test(text);
    }
  })(source, "u");
}

/** The Check form of a rule: undefined when valid, else the explanation. */
export const checkWith =
  (r: ValueRule): Check =>
  (v) =>
    r.pattern.test(v) ? undefined : r.explain(v);

/** Any character a value may hold (see util/control.ts). */
const NOT_CONTROL = `[^${CONTROL_CLASS}]`;
const WITHIN_LENGTH = `(?=[\\s\\S]{0,${MAX_VALUE_LENGTH}}$)`;

export function describeControl(value: string): string | undefined {
  const match = CONTROL.exec(value);
  if (!match) return undefined;
  const code = match[0].charCodeAt(0);
  const names: Record<number, string> = { 0: "NUL", 9: "tab", 10: "line feed", 13: "carriage return" };
  return `control character ${names[code] ?? `U+${code.toString(16).padStart(4, "0").toUpperCase()}`} is not allowed`;
}

function tooLong(value: string): string | undefined {
  const length = [...value].length;
  return length > MAX_VALUE_LENGTH ? `value is ${length} characters; the limit is ${MAX_VALUE_LENGTH}` : undefined;
}

// ---- numbers as text ------------------------------------------------------------------------

const digitClass = (lo: number, hi: number) => (lo === hi ? `${lo}` : `[${lo}-${hi}]`);

/** A regex source for the whole numbers 1..max, without leading zeros (max ≥ 1). */
function oneTo(max: bigint): string {
  const digits = max.toString();
  const k = digits.length;
  const alternatives: string[] = [];
  if (k > 1) alternatives.push(`[1-9]\\d{0,${k - 2}}`);
  for (let i = 0; i < k; i++) {
    const d = Number(digits[i]);
    const lo = i === 0 ? 1 : 0;
    if (d - 1 >= lo) alternatives.push(`${digits.slice(0, i)}${digitClass(lo, d - 1)}${i < k - 1 ? `\\d{${k - 1 - i}}` : ""}`);
  }
  alternatives.push(digits);
  return `(?:${alternatives.join("|")})`;
}

/**
 * A regex source for the whole numbers min..max (min 0 or 1) written in decimal; with
 * `leadingZeros`, as nginx's ngx_atoi and ngx_parse_time read them ("0080"), else canonical only.
 */
export function wholeNumberPattern(min: 0 | 1, max: bigint, leadingZeros: boolean): string {
  const positive = oneTo(max);
  if (leadingZeros) return min === 0 ? `0*(?:${positive}|0)` : `0*${positive}`;
  return min === 0 ? `(?:${positive}|0)` : positive;
}

// ---- addresses -------------------------------------------------------------------------------

const LABEL = "[A-Za-z0-9](?:[A-Za-z0-9_-]{0,61}[A-Za-z0-9])?";
/**
 * A host name of at most 253 characters (the lookahead counts it wherever it stands) whose last
 * label is not all digits (RFC 3696 §2: no numeric top-level domain), so that "300.0.0.1" is
 * neither an address nor a name; nginx would fail to resolve it.
 */
const hostname = (label: string, chars: string) =>
  `(?=[${chars}._-]{1,253}(?![${chars}._-]))(?:${label}\\.)*(?!\\d+(?![${chars}_-]))${label}`;
const HOSTNAME = hostname(LABEL, "A-Za-z0-9");
const LOWER_LABEL = "[a-z0-9](?:[a-z0-9_-]{0,61}[a-z0-9])?";
const LOWER_HOSTNAME = hostname(LOWER_LABEL, "a-z0-9");
/**
 * A wildcard origin's host: `*.` and a lower-case host name of at least two labels (at most 251
 * characters, so that one more label of one character makes at most 253); its last label not all digits.
 */
const WILDCARD_HOST = `\\*\\.(?=[a-z0-9._-]{3,251}(?![a-z0-9._-]))(?:${LOWER_LABEL}\\.)+(?!\\d+(?![a-z0-9_-]))${LOWER_LABEL}`;
const OCTET = "(?:25[0-5]|2[0-4]\\d|1\\d\\d|[1-9]?\\d)";
export const IPV4 = `${OCTET}(?:\\.${OCTET}){3}`;

/** IPv6 text form per RFC 3986 §3.2.2 (what nginx's ngx_inet6_addr reads); no zone index. */
function ipv6(hex: string): string {
  const h16 = `${hex}{1,4}`;
  const ls32 = `(?:${h16}:${h16}|${IPV4})`;
  const rep = (n: number) => (n === 0 ? "" : `(?:${h16}:){${n}}`);
  const upTo = (n: number) => (n < 0 ? "" : `(?:(?:${h16}:){0,${n}}${h16})?`);
  return `(?:${[
    `${rep(6)}${ls32}`,
    `::${rep(5)}${ls32}`,
    `${upTo(0)}::${rep(4)}${ls32}`,
    `${upTo(1)}::${rep(3)}${ls32}`,
    `${upTo(2)}::${rep(2)}${ls32}`,
    `${upTo(3)}::${h16}:${ls32}`,
    `${upTo(4)}::${ls32}`,
    `${upTo(5)}::${h16}`,
    `${upTo(6)}::`,
  ].join("|")})`;
}
export const IPV6 = ipv6("[0-9A-Fa-f]");
const LOWER_IPV6 = ipv6("[0-9a-f]");

/** nginx reads ports with leading zeros; 0 is refused ("invalid port"). */
const PORT = wholeNumberPattern(1, 65535n, true);
const CANONICAL_PORT = wholeNumberPattern(1, 65535n, false);

const IPV4_EXACT = new RegExp(`^${IPV4}$`, "u");
/**
 * Whether `v` is an IPv4 address in dotted decimal without leading zeros: what node:net's `isIPv4` answers
 * (test/config/values.test.ts compares them), without loading node:net (~2.5 ms of start-up when nothing
 * else needs it).
 */
export const isIPv4Address = (v: string): boolean => IPV4_EXACT.test(v);
let net: typeof import("node:net") | undefined;
/**
 * node:net's `isIPv6` (zone indexes included), its module loaded on the first address with a colon: every
 * IPv6 address has one, and most configs have none.
 */
export function isIPv6Address(v: string): boolean {
  return v.includes(":") && (net ??= createRequire(import.meta.url)("node:net") as typeof import("node:net")).isIPv6(v);
}
const isIPv6 = (v: string) => new RegExp(`^${IPV6}$`, "u").test(v);
export function isHostname(v: string): boolean {
  return new RegExp(`^${HOSTNAME}$`, "u").test(v);
}

/** Split "host:port", "[v6]:port", "[v6]", "host" into parts; undefined when malformed. */
export function splitHostPort(v: string): { host: string; port?: string; ipv6: boolean } | undefined {
  if (v.startsWith("[")) {
    const m = /^\[([^\]]+)\](?::([^:]*))?$/.exec(v);
    if (!m?.[1]) return undefined;
    return m[2] === undefined ? { host: m[1], ipv6: true } : { host: m[1], port: m[2], ipv6: true };
  }
  const parts = v.split(":");
  if (parts.length > 2) return undefined;
  const [host = "", port] = parts;
  return port === undefined ? { host, ipv6: false } : { host, port, ipv6: false };
}

function explainPort(text: string): string | undefined {
  if (!/^\d+$/.test(text)) return `${showValue(text)} is not a port number: use a whole number from 1 to 65535`;
  return /^0*(?:[1-9]\d{0,3}|[1-5]\d{4}|6[0-4]\d{3}|65[0-4]\d\d|655[0-2]\d|6553[0-5])$/.test(text)
    ? undefined
    : `port ${text} is outside 1-65535`;
}

// ---- the rules -------------------------------------------------------------------------------

export const RULES = {
  name: rule("[A-Za-z0-9_-]{1,64}", (v) => `${showValue(v)} is not a valid name: use 1 to 64 letters, digits, "_" or "-"`),
  siteName: rule(
    "[A-Za-z0-9._-]{1,128}",
    (v) => `${showValue(v)} is not a valid site name: use 1 to 128 letters, digits, ".", "_" or "-"`,
  ),
  /** server_name entries: host names, IPv4 addresses, `*.example.com` and `example.*` wildcards. No regexes, no trailing dot. */
  domain: rule(
    [IPV4, `(?!\\d+$)${HOSTNAME}`, `\\*\\.(?!\\d+$)${HOSTNAME}`, `(?!\\d+\\.\\*$)${HOSTNAME}\\.\\*`].join("|"),
    (v) => {
      if (v.startsWith("~")) return `regular-expression server names are not supported: ${showValue(v)}`;
      if (v.endsWith(".") && v.length > 1)
        return `${showValue(v)} ends with a dot: nginx matches the name as browsers send it, without the dot; write ${showValue(v.replace(/\.+$/, ""))}`;
      return `${showValue(v)} is not a valid domain: use a host name such as chat.example.com, or a wildcard *.example.com`;
    },
  ),
  /** An upstream `server` address: host[:port], IPv4[:port], [IPv6][:port] or unix:/path (≤107 bytes, sun_path). */
  serverAddress: rule(
    [`unix:/[A-Za-z0-9._/@+-]{0,106}`, `(?:${HOSTNAME}|${IPV4})(?::${PORT})?`, `\\[${IPV6}\\](?::${PORT})?`].join("|"),
    (v) => {
      if (v.startsWith("unix:"))
        return `${showValue(v)} is not a valid unix socket address: use unix:/absolute/path.sock (letters, digits, ".", "_", "-", "/"; at most 107 characters)`;
      const scheme = /^([a-z][a-z0-9+.-]*):\/\//i.exec(v);
      if (scheme)
        return `${showValue(v)} has a scheme: a server address is only host:port (wssgen writes the proxy_pass URL); write ${showValue(v.slice(scheme[0].length).replace(/\/.*$/, ""))}`;
      const hp = splitHostPort(v);
      if (hp && !hp.ipv6 && hp.host.endsWith("."))
        return `${showValue(v)}: the host name ends with a dot; write it without the dot`;
      const hint = "use host:port, [IPv6]:port or unix:/path";
      if (!hp || !(hp.ipv6 ? isIPv6(hp.host) : isIPv4Address(hp.host) || isHostname(hp.host)))
        return `${showValue(v)} is not a valid server address: ${hint}`;
      return (hp.port !== undefined && explainPort(hp.port)) || `${showValue(v)} is not a valid server address: ${hint}`;
    },
  ),
  /** A `listen` address: "port", "addr:port", "[v6]:port" or "*:port" (a number is checked by the schema). */
  listen: rule([PORT, `(?:\\*|${IPV4}|${HOSTNAME}):${PORT}`, `\\[${IPV6}\\]:${PORT}`].join("|"), (v) => {
    const hint = `use a port (443), "addr:port" (127.0.0.1:8443) or "[::]:443"`;
    if (/\s/.test(v.trim()))
      return `${showValue(v)} is not a listen address: give only the address; wssgen writes the listen parameters (ssl, http2, default_server) itself, e.g. ${showValue(v.trim().split(/\s+/)[0]!)}`;
    const hp = splitHostPort(v);
    if (!hp) return `${showValue(v)} is not a valid listen address: ${hint}`;
    if (hp.port === undefined)
      return /^\d+$/.test(hp.host) ? (explainPort(hp.host) ?? hint) : `${showValue(v)} has no port: ${hint}`;
    const hostOk = hp.ipv6 ? isIPv6(hp.host) : hp.host === "*" || isIPv4Address(hp.host) || isHostname(hp.host);
    return (hostOk && explainPort(hp.port)) || `${showValue(v)} is not a valid listen address: ${hint}`;
  }),
  /**
   * A location: "/prefix" or "= /exact". Characters are those of an RFC 3986 path, less "$" and "%";
   * no "." or ".." segment and no "//", which nginx resolves in the URI before it matches locations.
   * nginx matches a location against the URI after decoding it (ngx_http_parse_complex_uri), so
   * `location /a%21` would match only a request for `/a%2521`.
   */
  locationPath: rule(`${WITHIN_LENGTH}(?:= )?(?![\\s\\S]*(?:/\\.\\.?(?:/|$)|//))/[A-Za-z0-9._~!&'()*+,;=:@/-]*`, (v) => {
    const path = v.startsWith("= ") ? v.slice(2) : v;
    if (!path.startsWith("/")) return `${showValue(v)} must start with "/" (or "= /" for an exact match)`;
    if (/\/\.\.?(?:\/|$)|\/\//.test(path))
      return `a path has no "." or ".." segment and no "//": nginx matches locations against the URI after resolving those (ngx_http_parse_complex_uri), so this location would never match; write the path as it resolves`;
    if (path.includes("%"))
      return `"%" is not allowed in a path: nginx matches locations against the decoded URI, so write the character itself (${showValue("/a!")}, not ${showValue("/a%21")})`;
    const bad = /[^A-Za-z0-9._~!&'()*+,;=:@/-]/u.exec(path);
    return `character ${showValue(bad?.[0] ?? "")} is not allowed in a path`;
  }),
  headerName: rule(
    "[A-Za-z0-9_-]{1,128}",
    (v) => `${showValue(v)} is not a valid header name: use 1 to 128 letters, digits, "-" and "_"`,
  ),
  /**
   * An nginx expression (header values): free text in which `$` may only start a variable
   * reference, `$name` or `${name}`. Quoting makes everything else inert.
   */
  expression: rule(
    `${WITHIN_LENGTH}(?:(?![$])${NOT_CONTROL}|\\$(?:[A-Za-z_][A-Za-z0-9_]*|\\{[A-Za-z_][A-Za-z0-9_]*\\}))*`,
    explainExpression,
  ),
  /** `hashKey`: an nginx expression that is not blank. */
  hashKey: rule(
    `(?=[\\s\\S]*\\S)${WITHIN_LENGTH}(?:(?![$])${NOT_CONTROL}|\\$(?:[A-Za-z_][A-Za-z0-9_]*|\\{[A-Za-z_][A-Za-z0-9_]*\\}))*`,
    (v) => (v.trim() === "" ? "may not be empty: use an nginx expression such as $remote_addr" : explainExpression(v)),
  ),
  /** Certificate and key files: an absolute plain path. `$` is refused because nginx expands it in ssl_certificate. */
  filePath: rule(`${WITHIN_LENGTH}/(?:[A-Za-z0-9._/@+,:=~ -]*[A-Za-z0-9._/@+,:=~-])?`, (v) => {
    const bad = /[^A-Za-z0-9._/@+,:=~ -]/u.exec(v);
    if (bad) return `character ${showValue(bad[0])} is not allowed in a file path`;
    if (v.trim() !== v || v === "") return "a file path may not be empty or start or end with a space";
    return `${showValue(v)} is relative: use an absolute path (nginx would read it from its own config directory, not from here)`;
  }),
  /**
   * A browser origin: scheme://host[:port], exactly as browsers send it (lower case, no default
   * port); or a wildcard, scheme://*.domain[:port], where `*` is the whole first label and stands
   * for exactly one more label, followed by at least two labels (`*.com` would admit a whole
   * top-level domain).
   */
  origin: rule(
    `(?!https://[^/]*:443$)(?!http://[^/]*:80$)https?://(?:${LOWER_HOSTNAME}|${IPV4}|\\[${LOWER_IPV6}\\]|${WILDCARD_HOST})(?::${CANONICAL_PORT})?`,
    (v) => {
      const hint = `use scheme://host[:port], for example https://chat.example.com`;
      const m = /^(https?):\/\/(\[[^\]]+\]|[^/:]+)(?::(\d{1,5}))?$/.exec(v.toLowerCase());
      if (!m)
        return /^https?:\/\/[^/]+\/.*$/i.test(v)
          ? `${showValue(v)} has a path; an origin is only scheme://host[:port], for example https://chat.example.com`
          : `${showValue(v)} is not an origin: ${hint}`;
      const host = m[2] ?? "";
      if (host.includes("*")) {
        const base = host.slice(2);
        if (!host.startsWith("*.") || base.includes("*"))
          return `${showValue(v)}: "*" may only be the whole first label, as in https://*.example.com, and matches exactly one label there`;
        if (!base.includes("."))
          return `${showValue(v)} would admit every site under ".${base}": a wildcard needs at least two labels after it, as in https://*.example.com`;
      }
      const hostOk = host.startsWith("[")
        ? isIPv6(host.slice(1, -1))
        : isIPv4Address(host) || isHostname(host.startsWith("*.") ? host.slice(2) : host);
      if (!hostOk) return `${showValue(v)} is not an origin: ${hint}`;
      if (v !== v.toLowerCase()) return `${showValue(v)} must be lower case, as browsers send it: ${showValue(v.toLowerCase())}`;
      if ((m[1] === "https" && m[3] === "443") || (m[1] === "http" && m[3] === "80"))
        return `browsers never send the default port: write "${m[1]}://${host}"`;
      if (m[3] !== undefined && m[3].startsWith("0")) return `browsers never write a port with leading zeros: ${hint}`;
      return (m[3] !== undefined && explainPort(m[3])) || `${showValue(v)} is not an origin: ${hint}`;
    },
  ),
  /** An nginx (or OpenSSL) version: "1.22" or "1.25.1"; small numbers without leading zeros. */
  version: rule(VERSION_PATTERN, explainVersion),
  /** An nginx version wssgen renders for: OLDEST_SUPPORTED or later (src/nginx-version/). */
  nginxVersion: rule(
    SUPPORTED_PATTERN,
    (v) => explainVersionShape(v) ?? `nginx ${v} is older than ${OLDEST_SUPPORTED}, the oldest version wssgen supports`,
  ),
  namespace: rule(
    "[a-z][a-z0-9_]{0,31}",
    (v) => `${showValue(v)} is not a namespace: use 1 to 32 lower-case letters, digits and "_", starting with a letter`,
  ),
  /**
   * A trusted proxy for `set_real_ip_from`: an IPv4 or IPv6 address, with a CIDR prefix length
   * (`10.0.0.0/8`, `2001:db8::/32`), or `unix:` (ngx_http_realip_module).
   */
  trustedAddress: rule(
    `unix:|${IPV4}(?:/${wholeNumberPattern(0, 32n, false)})?|${IPV6}(?:/${wholeNumberPattern(0, 128n, false)})?`,
    (v) => {
      const [address = ""] = v.split("/");
      const v6 = address.includes(":");
      if (!(v6 ? isIPv6(address) : isIPv4Address(address)))
        return `${showValue(v)} is not an address: use an IPv4 or IPv6 address or network, such as 10.0.0.0/8 or 2001:db8::/32 (host names are not allowed: nginx would resolve them once, at start)`;
      // the prefix is not shown: a message shows no piece of a value (it may come from a secret)
      return `${showValue(v)}: the prefix length after "/" must be a whole number from 0 to ${v6 ? 128 : 32}`;
    },
  ),
  /**
   * A size as nginx reads it (ngx_parse_offset): bytes, or a whole number with k or m (g is
   * ngx_parse_offset's too); 0 means unlimited where the directive says so.
   */
  size: rule(
    `${wholeNumberPattern(0, 9007199254740991n, false)}|${wholeNumberPattern(1, 9007199254740991n, false)}[kKmMgG]`,
    (v) =>
      /^\s|\s$/.test(v)
        ? `${showValue(v)} has spaces around it: write a size such as 512k, 50m or 1g`
        : `${showValue(v)} is not a size: write bytes or a whole number with k, m or g, such as 512k, 50m or 1g (0 = no limit)`,
  ),
  /**
   * One simple nginx directive for `directives`: a directive name, then its arguments. The lexer
   * (util/nginx-syntax.ts) checks the rest in semantics.ts: no `{`, `}` or second `;`.
   */
  directive: rule(`${WITHIN_LENGTH}[A-Za-z_][A-Za-z0-9_]*(?:[ ]${NOT_CONTROL}*)?`, (v) =>
    v.trim() === ""
      ? 'may not be empty: write one nginx directive, such as "proxy_buffer_size 32k"'
      : `${showValue(v.trim().split(/\s+/)[0] ?? "")} is not a directive name: an entry starts with the directive's name (letters, digits and "_"), then a space and its arguments, such as "proxy_buffer_size 32k"`,
  ),
  /**
   * A DNS server for `resolver`: an IPv4 address or a bracketed IPv6 address, each with an optional
   * port (`127.0.0.11`, `127.0.0.1:5353`, `[::1]:53`). No host names: nginx would have to resolve the
   * resolver itself, once, at start.
   */
  resolverAddress: rule(`${IPV4}(?::${PORT})?|\\[${IPV6}\\](?::${PORT})?`, (v) => {
    // (splitHostPort reads no host and port in a bare IPv6 address: it has more than one ":")
    if (!v.startsWith("[") && isIPv6(v))
      return `${showValue(v)}: write an IPv6 resolver in brackets, as nginx reads it: ${showValue(`[${v}]`)}`;
    const hp = splitHostPort(v);
    if (hp && !hp.ipv6 && isHostname(hp.host) && !isIPv4Address(hp.host))
      return `${showValue(v)} is a host name: a resolver is an address (nginx would resolve its name only once, at start), such as 127.0.0.11 or 127.0.0.1:5353`;
    if (hp?.port !== undefined) {
      const port = explainPort(hp.port);
      if (port) return port;
    }
    return `${showValue(v)} is not a resolver address: use an IPv4 address or [IPv6] address, with an optional port, such as 127.0.0.11 or [::1]:5353`;
  }),
  /**
   * upstreams.<name>.tls.serverName: the one host name nginx sends as SNI and checks the backend's
   * certificate for (X509_check_host): no wildcard (SNI names one host), no address (SNI never
   * carries one, RFC 6066, and the check matches names only).
   */
  serverName: rule(HOSTNAME, (v) => {
    if (v.includes("*"))
      return `${showValue(v)} is a wildcard: serverName is the one name nginx sends to the backend and checks its certificate for; write that host name, such as api.internal`;
    if (isIPv4Address(v) || isIPv6(v.replace(/^\[|\]$/g, "")))
      return `${showValue(v)} is an address: nginx sends no address as SNI and checks the certificate for a host name; write the name the backend's certificate holds`;
    return `${showValue(v)} is not a host name: write the name the backend's certificate holds, such as api.internal`;
  }),
  /** A cookie name (RFC 6265 token) that also reads as an nginx `$cookie_` variable: letters, digits, "_" and "-". */
  cookieName: rule(
    "[A-Za-z0-9_-]{1,64}",
    (v) => `${showValue(v)} is not a cookie name wssgen writes: use 1 to 64 letters, digits, "_" or "-", such as srv_id`,
  ),
  /**
   * The URL of a forward-auth service (`auth_request`): http or https, a host name or address, an
   * optional port and path; no query, no `$` (nginx would read a variable in proxy_pass), no `%`.
   */
  authUrl: rule(
    `${WITHIN_LENGTH}https?://(?:${HOSTNAME}|${IPV4}|\\[${IPV6}\\])(?::${PORT})?(?:/[A-Za-z0-9._~!&'()*+,;=:@/-]*)?`,
    (v) => {
      if (!/^https?:\/\//.test(v))
        return `${showValue(v)} is not an http:// or https:// URL, such as http://127.0.0.1:9091/api/verify`;
      if (/[?#]/.test(v))
        return "a forward-auth URL has no query or fragment: nginx adds the original request's details as headers (X-Original-URL)";
      if (v.includes("$")) return `"$" is not allowed in a forward-auth URL: nginx would read a variable there`;
      return `${showValue(v)} is not a valid URL: use http(s)://host[:port]/path, such as http://127.0.0.1:9091/api/verify`;
    },
  ),
  /**
   * The realm of basic auth: the prompt's title, plain text. Not `$` (auth_basic would read a
   * variable), not exactly `off` (auth_basic reads it as "no basic auth", quoted or not:
   * ngx_http_auth_basic_handler), and no `"` or `\` (nginx writes the realm into
   * `WWW-Authenticate: Basic realm="..."` unescaped).
   */
  realm: rule(`(?!off$)(?=[\\s\\S]{1,128}$)(?:(?![$"\\\\])${NOT_CONTROL})+`, (v) =>
    v.includes("$")
      ? `"$" is not allowed in a realm: nginx would read a variable there`
      : v === "off"
        ? `"off" would turn basic auth off (nginx reads auth_basic off, quoted or not): choose another realm, such as "Admin"`
        : /["\\]/.test(v)
          ? `a realm may not hold " or \\: nginx writes the realm into WWW-Authenticate as it is, and the header would break`
          : `a realm is 1 to 128 characters of plain text, such as "Admin"`,
  ),
  /** A rate for limit_req: requests per second or per minute, `10r/s`, `30r/m` (ngx_http_limit_req_module). */
  rate: rule(`${wholeNumberPattern(1, 1000000n, false)}r/[sm]`, (v) =>
    /^0+r/.test(v)
      ? "a rate of 0 would refuse every request: use 1r/m or more"
      : `${showValue(v)} is not a rate: write requests per second or minute, such as 10r/s or 30r/m (1 to 1000000)`,
  ),
  /** An executable or argv element: a plain word or path, no shell involved. */
  argument: rule(`${WITHIN_LENGTH}${NOT_CONTROL}+`, () => "may not be empty"),
} as const;

function explainExpression(v: string): string {
  for (let i = v.indexOf("$"); i !== -1; i = v.indexOf("$", i + 1)) {
    const rest = v.slice(i + 1);
    if (!/^(?:[A-Za-z_][A-Za-z0-9_]*|\{[A-Za-z_][A-Za-z0-9_]*\})/.test(rest))
      return `"$" at offset ${i} does not start an nginx variable ($name or \${name}); nginx has no escape for a literal "$"`;
  }
  return `${showValue(v)} is not a valid nginx expression`;
}

function explainVersionShape(v: string): string | undefined {
  const example = 'write it as major.minor or major.minor.patch, e.g. "1.22" or "1.25.1"';
  if (v.trim() !== v) return `${showValue(v)} has spaces around it: ${example}`;
  if (parseVersion(v) === undefined) return `${showValue(v)} is not a version: ${example}`;
  if (/(?:^|\.)0\d/.test(v)) return `${showValue(v)} has a leading zero: ${example}`;
  if (v.split(".").some((part) => part.length > 3))
    return `${showValue(v)} is not a version (a part has more than 3 digits): ${example}`;
  return undefined;
}

function explainVersion(v: string): string {
  return explainVersionShape(v) ?? `${showValue(v)} is not a version`;
}

export const checkDomain = checkWith(RULES.domain);
export const checkServerAddress = checkWith(RULES.serverAddress);
export const checkListen = checkWith(RULES.listen);
export const checkLocationPath = checkWith(RULES.locationPath);
export const checkHeaderName = checkWith(RULES.headerName);
export const checkExpression = checkWith(RULES.expression);
export const checkFilePath = checkWith(RULES.filePath);
export const checkOrigin = checkWith(RULES.origin);

/**
 * Whether a host is this machine's own: localhost, 127.0.0.0/8 or ::1 (with or without brackets, as a
 * listen address or an upstream server writes it).
 */
export function isLoopbackHost(host: string): boolean {
  const h = host.toLowerCase();
  return h === "localhost" || h === "::1" || h === "[::1]" || /^127\.\d+\.\d+\.\d+$/.test(h);
}

/** Whether a valid origin (RULES.origin) is a wildcard, `scheme://*.domain[:port]`. */
export const isWildcardOrigin = (origin: string): boolean => origin.includes("://*.");
export const checkVersion = checkWith(RULES.version);
export const checkNginxVersion = checkWith(RULES.nginxVersion);

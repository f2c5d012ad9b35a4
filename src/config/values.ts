/**
 * Allowlists for every user value that can reach nginx output (SPEC §5). Each check returns
 * `undefined` when the value is acceptable, or a message that says what is wrong and how to fix it.
 * The zod schema calls these; the renderer then only ever quotes values that passed them.
 */
import { isIPv4, isIPv6 } from "node:net";
import { showValue } from "../util/show.js";

/** nginx rejects tokens of 4096 bytes or more; stay far below that. */
export const MAX_VALUE_LENGTH = 1024;

const CONTROL = /[\u0000-\u001f\u007f-\u009f\u2028\u2029]/;
const LABEL = "[A-Za-z0-9](?:[A-Za-z0-9_-]{0,61}[A-Za-z0-9])?";
const HOSTNAME = new RegExp(`^${LABEL}(?:\\.${LABEL})*$`);
const NAME = /^[A-Za-z0-9_-]{1,64}$/;

export type Check = (value: string) => string | undefined;

export function describeControl(value: string): string | undefined {
  const match = CONTROL.exec(value);
  if (!match) return undefined;
  const code = match[0].charCodeAt(0);
  const names: Record<number, string> = { 0: "NUL", 9: "tab", 10: "line feed", 13: "carriage return" };
  return `control character ${names[code] ?? `U+${code.toString(16).padStart(4, "0").toUpperCase()}`} is not allowed`;
}

function tooLong(value: string, max = MAX_VALUE_LENGTH): string | undefined {
  return Buffer.byteLength(value) > max ? `value is ${Buffer.byteLength(value)} bytes; the limit is ${max}` : undefined;
}

export const checkName: Check = (v) =>
  NAME.test(v) ? undefined : `${showValue(v)} is not a valid name: use 1 to 64 letters, digits, "_" or "-"`;

export const checkSiteName: Check = (v) =>
  /^[A-Za-z0-9._-]{1,128}$/.test(v)
    ? undefined
    : `${showValue(v)} is not a valid site name: use letters, digits, ".", "_" or "-"`;

export function isHostname(v: string): boolean {
  return v.length <= 253 && HOSTNAME.test(v);
}

/** server_name entries: host names, `*.example.com` and `example.*` wildcards. No regexes. */
export const checkDomain: Check = (v) => {
  const bare = v.startsWith("*.") ? v.slice(2) : v.endsWith(".*") ? v.slice(0, -2) : v;
  if (isHostname(bare) && !/^\d+$/.test(bare)) return undefined;
  if (v.startsWith("~")) return `regular-expression server names are not supported: ${showValue(v)}`;
  return `${showValue(v)} is not a valid domain: use a host name such as chat.example.com, or a wildcard *.example.com`;
};

function checkPort(text: string): string | undefined {
  if (!/^\d{1,5}$/.test(text)) return `${showValue(text)} is not a port number`;
  const port = Number(text);
  return port >= 1 && port <= 65535 ? undefined : `port ${port} is outside 1-65535`;
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

const UNIX_PATH = /^\/[A-Za-z0-9._/@+-]*$/;

/** An upstream `server` address: host[:port], IPv4[:port], [IPv6][:port] or unix:/path. */
export const checkServerAddress: Check = (v) => {
  if (v.startsWith("unix:")) {
    const path = v.slice(5);
    return UNIX_PATH.test(path) && path.length <= 107
      ? undefined
      : `${showValue(v)} is not a valid unix socket address: use unix:/absolute/path.sock (letters, digits, ".", "_", "-", "/")`;
  }
  const hp = splitHostPort(v);
  const hint = `use host:port, [IPv6]:port or unix:/path`;
  if (!hp) return `${showValue(v)} is not a valid server address: ${hint}`;
  if (hp.ipv6 ? !isIPv6(hp.host) : !(isIPv4(hp.host) || isHostname(hp.host)))
    return `${showValue(v)} is not a valid server address: ${hint}`;
  return hp.port === undefined ? undefined : checkPort(hp.port);
};

/** A `listen` address: "port", "addr:port", "[v6]:port" or "*:port" (a number is checked by the schema). */
export const checkListen: Check = (v) => {
  const hp = splitHostPort(v);
  const hint = `use a port (443), "addr:port" (127.0.0.1:8443) or "[::]:443"`;
  if (!hp) return `${showValue(v)} is not a valid listen address: ${hint}`;
  if (hp.port === undefined) return /^\d+$/.test(hp.host) ? checkPort(hp.host) : `${showValue(v)} has no port: ${hint}`;
  const hostOk = hp.ipv6 ? isIPv6(hp.host) : hp.host === "*" || isIPv4(hp.host) || isHostname(hp.host);
  return hostOk ? checkPort(hp.port) : `${showValue(v)} is not a valid listen address: ${hint}`;
};

/** A location: "/prefix" or "= /exact". Characters are those of an RFC 3986 path, less "$". */
export const checkLocationPath: Check = (v) => {
  const path = v.startsWith("= ") ? v.slice(2) : v;
  if (!path.startsWith("/")) return `${showValue(v)} must start with "/" (or "= /" for an exact match)`;
  const bad = /[^A-Za-z0-9._~!&'()*+,;=:@%/-]/.exec(path);
  return bad ? `character ${showValue(bad[0])} is not allowed in a path` : tooLong(v);
};

export const checkHeaderName: Check = (v) =>
  /^[A-Za-z0-9_-]{1,128}$/.test(v) ? undefined : `${showValue(v)} is not a valid header name: use letters, digits, "-" and "_"`;

/**
 * An nginx expression (header values, hashKey): free text in which `$` may only start a variable
 * reference, `$name` or `${name}`. Quoting makes everything else inert.
 */
export const checkExpression: Check = (v) => {
  const control = describeControl(v);
  if (control) return control;
  for (let i = v.indexOf("$"); i !== -1; i = v.indexOf("$", i + 1)) {
    const rest = v.slice(i + 1);
    if (!/^(?:[A-Za-z_][A-Za-z0-9_]*|\{[A-Za-z_][A-Za-z0-9_]*\})/.test(rest))
      return `"$" at offset ${i} does not start an nginx variable ($name or \${name}); nginx has no escape for a literal "$"`;
  }
  return tooLong(v);
};

/** Certificate and key files: a plain path. `$` is refused because nginx expands it in ssl_certificate. */
export const checkFilePath: Check = (v) => {
  const bad = /[^A-Za-z0-9._/@+,:=~ -]/.exec(v);
  if (bad) return `character ${showValue(bad[0])} is not allowed in a file path`;
  if (v.trim() !== v || v === "") return "a file path may not be empty or start or end with a space";
  if (!v.startsWith("/"))
    return `${showValue(v)} is relative: use an absolute path (nginx would read it from its own config directory, not from here)`;
  return tooLong(v);
};

/** A browser origin: scheme://host[:port], exactly as browsers send it. */
export const checkOrigin: Check = (v) => {
  const m = /^(https?):\/\/(\[[^\]]+\]|[^/:]+)(?::(\d{1,5}))?$/.exec(v);
  const hint = `use scheme://host[:port], for example https://chat.example.com`;
  if (!m)
    return /^https?:\/\/[^/]+\/.*$/.test(v)
      ? `${showValue(v)} has a path; an origin is only ${hint.slice(4)}`
      : `${showValue(v)} is not an origin: ${hint}`;
  const host = m[2] ?? "";
  const hostOk = host.startsWith("[") ? isIPv6(host.slice(1, -1)) : isIPv4(host) || isHostname(host);
  if (!hostOk) return `${showValue(v)} is not an origin: ${hint}`;
  if (v !== v.toLowerCase()) return `${showValue(v)} must be lower case, as browsers send it: ${showValue(v.toLowerCase())}`;
  if ((m[1] === "https" && m[3] === "443") || (m[1] === "http" && m[3] === "80"))
    return `browsers never send the default port: write ${showValue(`${m[1]}://${host}`)}`;
  return m[3] === undefined ? undefined : checkPort(m[3]);
};

/** Target nginx version, "1.22" or "1.25.1". */
export const checkVersion: Check = (v) =>
  /^\d+\.\d+(?:\.\d+)?$/.test(v) ? undefined : `${showValue(v)} is not a version: use "1.22" or "1.25.1"`;

/** An executable or argv element: a plain word or path, no shell involved. */
export const checkArgument: Check = (v) => describeControl(v) ?? tooLong(v);

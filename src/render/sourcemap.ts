/**
 * Which config key produced a line of rendered output, so that nginx's `... in wssgen.conf:42` can be
 * reported at the place in wssgen.yaml that wrote line 42. It reads the key-path comments the
 * templates put before every upstream, server and location, then narrows by directive.
 */
import { parsePath, type KeyPath, type PathSegment } from "../config/path.js";

const SECTION = /^\s*# ((?:upstreams|sites)[^\s:]*)/;

const SITE_KEYS: Record<string, PathSegment[]> = {
  server_name: ["domains"],
  http2: ["http2"],
  ssl_certificate: ["tls", "certificate"],
  ssl_certificate_key: ["tls", "key"],
  ssl_session_timeout: ["tls", "sessionTimeout"],
  ssl_stapling: ["tls", "stapling"],
  ssl_stapling_verify: ["tls", "stapling"],
  add_header: ["tls", "hsts"],
};
const ROUTE_KEYS: Record<string, PathSegment[]> = {
  location: ["path"],
  proxy_pass: ["upstream"],
  proxy_connect_timeout: ["timeouts", "connect"],
  proxy_read_timeout: ["timeouts", "read"],
  proxy_send_timeout: ["timeouts", "send"],
  limit_conn: ["maxConnectionsPerIp"],
  limit_conn_status: ["maxConnectionsPerIp"],
  if: ["origins"],
  return: ["origins"],
};
const UPSTREAM_KEYS: Record<string, PathSegment[]> = {
  hash: ["hashKey"],
  keepalive: ["keepalive"],
  least_conn: ["balance"],
  ip_hash: ["balance"],
  random: ["balance"],
};

/** For each 1-based line of `output`, the key path that produced it (index 0 is unused). */
export function sourceMap(output: string): (KeyPath | undefined)[] {
  const map: (KeyPath | undefined)[] = [undefined];
  let section: PathSegment[] | undefined;
  let counters = { server: 0, listen: 0 };
  for (const line of output.split("\n")) {
    const comment = SECTION.exec(line);
    if (comment) {
      section = parsePath(comment[1]!);
      counters = { server: 0, listen: 0 };
      map.push(section);
      continue;
    }
    const words = line.trim().split(/\s+/);
    const directive = words[0] ?? "";
    if (!section || directive === "" || directive.startsWith("#")) {
      map.push(section);
      continue;
    }
    map.push(narrow(section, directive, words[1], counters));
  }
  return map;
}

function narrow(
  section: PathSegment[],
  directive: string,
  firstArg: string | undefined,
  counters: { server: number; listen: number },
): KeyPath {
  const kind =
    section[0] === "upstreams"
      ? "upstream"
      : section.includes("routes")
        ? "route"
        : section.includes("redirectHttp")
          ? "redirect"
          : "site";
  if (kind === "upstream") {
    if (directive === "server") return [...section, "servers", counters.server++];
    return [...section, ...(UPSTREAM_KEYS[directive] ?? [])];
  }
  if (kind === "route") {
    if (directive === "proxy_set_header" && firstArg) return [...section, "headers", unquote(firstArg)];
    return [...section, ...(ROUTE_KEYS[directive] ?? [])];
  }
  if (kind === "redirect") return section;
  if (directive === "listen") return [...section, "listen", counters.listen++];
  if (directive.startsWith("ssl_") && !(directive in SITE_KEYS)) return [...section, "tls"];
  return [...section, ...(SITE_KEYS[directive] ?? [])];
}

function unquote(word: string): string {
  return word.startsWith('"') && word.endsWith('"') ? (JSON.parse(word) as string) : word;
}

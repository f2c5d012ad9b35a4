/**
 * `directives`, the escape hatch (SPEC §7): each entry is one simple nginx directive, read with
 * wssgen's own nginx lexer (util/nginx-syntax.ts), printed after wssgen's own directives at its
 * level (http, server or location). This module says what an entry may be: which directives a
 * wssgen key controls (an entry may not repeat them), and which ones nginx inherits as a whole array
 * (an inner level's entries cancel the outer level's: render re-emits those, or semantics refuses).
 */
import { NginxSyntaxError, parseNginx } from "../util/nginx-syntax.js";
import { showValue } from "../util/show.js";

/** Where a `directives` list sits: top level (http), `sites[]` (server), `sites[].routes[]` (location). */
export type DirectiveLevel = "http" | "server" | "location";

/**
 * Directives wssgen writes itself, with the key that controls each (as docs/config.md names it),
 * or what decides it when no key does. An entry that names one is refused: nginx would refuse the
 * duplicate, or the entry would quietly fight the key.
 */
const CONTROLLED: Record<string, { levels: readonly DirectiveLevel[]; key: string }> = {
  // http
  map_hash_bucket_size: { levels: ["http"], key: "wssgen itself: it sizes the map hash for this file's origins" },
  map_hash_max_size: { levels: ["http"], key: "wssgen itself: it sizes the map hash for this file's origins" },
  server_names_hash_bucket_size: { levels: ["http"], key: "wssgen itself: it sizes the names hash for this file's domains" },
  server_names_hash_max_size: { levels: ["http"], key: "wssgen itself: it sizes the names hash for this file's domains" },
  limit_conn_zone: { levels: ["http"], key: "sites[].routes[].maxConnectionsPerIp" },
  // server
  listen: { levels: ["server"], key: "sites[].listen (and ipv6, realIp.header: proxy_protocol)" },
  server_name: { levels: ["server"], key: "sites[].domains" },
  server_tokens: { levels: ["server"], key: "wssgen itself: every server it writes has server_tokens off" },
  http2: { levels: ["server"], key: "sites[].http2" },
  ssl_certificate: { levels: ["server"], key: "sites[].tls.certificate" },
  ssl_certificate_key: { levels: ["server"], key: "sites[].tls.key" },
  ssl_protocols: { levels: ["server"], key: "sites[].tls.profile" },
  ssl_ciphers: { levels: ["server"], key: "sites[].tls.profile" },
  ssl_ecdh_curve: { levels: ["server"], key: "sites[].tls.profile (and nginx.openssl)" },
  ssl_prefer_server_ciphers: { levels: ["server"], key: "sites[].tls.profile" },
  ssl_session_timeout: { levels: ["server"], key: "sites[].tls.sessionTimeout" },
  ssl_session_cache: { levels: ["server"], key: "sites[].tls" },
  ssl_session_tickets: { levels: ["server"], key: "sites[].tls (and the nginx version rendered for)" },
  ssl_stapling: { levels: ["server"], key: "sites[].tls.stapling" },
  ssl_stapling_verify: { levels: ["server"], key: "sites[].tls.stapling" },
  ssl_reject_handshake: { levels: ["http", "server"], key: "defaultServer" },
  set_real_ip_from: { levels: ["http", "server", "location"], key: "sites[].realIp.from" },
  real_ip_header: { levels: ["http", "server", "location"], key: "sites[].realIp.header" },
  real_ip_recursive: { levels: ["http", "server", "location"], key: "sites[].realIp" },
  // location (and above, where an outer value would be cancelled by wssgen's inner one)
  proxy_pass: { levels: ["location"], key: "sites[].routes[].upstream (and stripPrefix)" },
  proxy_http_version: { levels: ["http", "server", "location"], key: "wssgen itself (from the nginx version rendered for)" },
  proxy_set_header: { levels: ["http", "server", "location"], key: "sites[].routes[].headers (or defaults.headers)" },
  proxy_connect_timeout: {
    levels: ["http", "server", "location"],
    key: "sites[].routes[].timeouts.connect (or defaults.timeouts)",
  },
  proxy_read_timeout: { levels: ["http", "server", "location"], key: "sites[].routes[].timeouts.read (or defaults.timeouts)" },
  proxy_send_timeout: { levels: ["http", "server", "location"], key: "sites[].routes[].timeouts.send (or defaults.timeouts)" },
  proxy_buffering: { levels: ["http", "server", "location"], key: "sites[].routes[].buffering" },
  proxy_request_buffering: { levels: ["http", "server", "location"], key: "sites[].routes[].buffering" },
  client_max_body_size: { levels: ["http", "server", "location"], key: "sites[].routes[].maxBodySize (or defaults.maxBodySize)" },
  limit_conn: { levels: ["http", "server", "location"], key: "sites[].routes[].maxConnectionsPerIp" },
  limit_conn_status: { levels: ["http", "server", "location"], key: "sites[].routes[].maxConnectionsPerIp" },
  root: { levels: ["location"], key: "sites[].routes[].static.root" },
  alias: { levels: ["location"], key: "sites[].routes[].static.root" },
  try_files: { levels: ["location"], key: "sites[].routes[].static.spa" },
  expires: { levels: ["location"], key: "sites[].routes[].static (wssgen sets its caching)" },
};

/**
 * Directives nginx inherits as a whole list: a level that has one of them does not inherit the
 * outer level's (ngx_conf_merge of an array). For these, render repeats the outer levels' entries
 * (wssgen's own and the user's) at every level that has its own, in their order, so an entry never
 * drops another level's: a route's `add_header` keeps the site's HSTS header.
 */
export const REEMITTED = new Set(["add_header", "add_trailer", "proxy_hide_header", "proxy_pass_header", "error_page"]);

/**
 * Also inherited as a whole list, but repeating the outer entries would change what they mean
 * (order matters, or a value such as `off` must stand alone): an inner entry is refused while an
 * outer level has entries of the same name.
 */
export const NOT_REEMITTED = new Set([
  "allow",
  "deny",
  "limit_req",
  "access_log",
  "error_log",
  "ssl_conf_command",
  "proxy_ssl_conf_command",
  "sub_filter",
  "auth_basic_user_file",
]);

/** Directives that would change the structure around an entry: `include` reads a file of any shape. */
const STRUCTURAL = new Set(["include"]);

/** An entry as the lexer read it, or why it is not one simple directive. */
export type ReadDirective = { name: string; args: string[] } | { problem: string };

/**
 * One `directives` entry (`text`, schema-valid: a name, a space, arguments; a trailing `;` optional)
 * read with wssgen's nginx lexer. A problem says what is wrong in one sentence and never shows the
 * entry's arguments (they may hold a secret, such as a header with a token).
 */
export function readDirective(text: string, level: DirectiveLevel): ReadDirective {
  let parsed;
  try {
    // the closing ";" is optional; an entry that ends a block ("}") gets none, so the lexer reads the block
    parsed = parseNginx(/[;}]\s*$/.test(text) ? text : `${text};`);
  } catch (error) {
    if (!(error instanceof NginxSyntaxError)) throw error;
    return {
      problem: `is not one simple nginx directive (${error.message}): write its name and arguments, quoting an argument that holds ";", "{" or "}"`,
    };
  }
  if (parsed.length !== 1) return { problem: `holds ${parsed.length} directives; write one directive an entry` };
  const [directive] = parsed as [(typeof parsed)[number]];
  if (directive.block)
    return {
      problem: `opens a block (${showValue(directive.name)} { ... }); an entry is one simple directive, and blocks are wssgen's to write`,
    };
  const name = directive.name;
  if (STRUCTURAL.has(name))
    return {
      problem: `${showValue(name)} is not allowed: an included file could change the structure around it; write its directives as entries`,
    };
  const controlled = CONTROLLED[name];
  if (controlled?.levels.includes(level))
    return { problem: `${showValue(name)} is wssgen's to write here; it comes from ${controlled.key}` };
  return { name, args: directive.args };
}

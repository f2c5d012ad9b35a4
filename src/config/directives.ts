/**
 * `directives`, the escape hatch (SPEC §7, docs/directives.md): each entry is one simple nginx
 * directive, read with wssgen's own nginx lexer (util/nginx-syntax.ts, which follows
 * ngx_conf_read_token), printed after wssgen's own directives at its level (http, server or
 * location). This module says what an entry may be: which directives a wssgen key controls (an
 * entry may not repeat them), and which ones nginx inherits as a whole array (an inner level's
 * entries cancel the outer level's: render re-emits those, or semantics refuses).
 *
 * nginx facts below are from nginx's source (src/http/…, the `merge_loc_conf`/`merge_srv_conf`
 * functions named at each list), the same from 1.22 to 1.30.
 */
import { CONTROL } from "../util/control.js";
import { NginxCommentError, NginxSyntaxError, parseNginx, UNCLOSED_BLOCK } from "../util/nginx-syntax.js";
import { showValue } from "../util/show.js";
import type { KeyPath } from "./path.js";

/** Where a `directives` list sits: top level (http), `sites[]` (server), `sites[].routes[]` (location). */
export type DirectiveLevel = "http" | "server" | "location";

const ALL: readonly DirectiveLevel[] = ["http", "server", "location"];
/** Set in every (TLS) server of a site: at http level an entry would be overridden in each of them. */
const SERVER_AND_HTTP: readonly DirectiveLevel[] = ["http", "server"];
/** Set in every location that proxies: at http or server level an entry would be overridden in each. */
const EVERY_PROXY_LOCATION = ALL;

/**
 * Directives wssgen writes itself, the levels where an entry is refused, and the key that controls
 * each (as docs/config.md names it), or what decides it when no key does. Refused at the level
 * wssgen writes them (nginx refuses most duplicates, and for the rest the entry would quietly
 * fight the key) and at the outer levels where wssgen's inner value would silently override the
 * entry everywhere (an http-level `ssl_protocols` means nothing when every TLS server sets its own).
 */
const CONTROLLED = new Map<string, { levels: readonly DirectiveLevel[]; key: string }>(
  Object.entries({
    // http
    map_hash_bucket_size: { levels: ["http"], key: "wssgen itself: it sizes the map hash for this file's origins" },
    map_hash_max_size: { levels: ["http"], key: "wssgen itself: it sizes the map hash for this file's origins" },
    server_names_hash_bucket_size: { levels: ["http"], key: "wssgen itself: it sizes the names hash for this file's domains" },
    server_names_hash_max_size: { levels: ["http"], key: "wssgen itself: it sizes the names hash for this file's domains" },
    limit_conn_zone: { levels: ["http"], key: "sites[].routes[].maxConnectionsPerIp" },
    // server
    listen: { levels: ["server"], key: "sites[].listen (and ipv6, realIp.header: proxy_protocol)" },
    server_name: { levels: ["server"], key: "sites[].domains" },
    server_tokens: { levels: SERVER_AND_HTTP, key: "wssgen itself: every server it writes has server_tokens off" },
    http2: { levels: SERVER_AND_HTTP, key: "sites[].http2" },
    ssl_certificate: { levels: SERVER_AND_HTTP, key: "sites[].tls.certificate" },
    ssl_certificate_key: { levels: SERVER_AND_HTTP, key: "sites[].tls.key" },
    ssl_protocols: { levels: SERVER_AND_HTTP, key: "sites[].tls.profile" },
    ssl_ciphers: { levels: SERVER_AND_HTTP, key: "sites[].tls.profile" },
    ssl_ecdh_curve: { levels: SERVER_AND_HTTP, key: "sites[].tls.profile (and nginx.openssl)" },
    ssl_prefer_server_ciphers: { levels: SERVER_AND_HTTP, key: "sites[].tls.profile" },
    ssl_session_timeout: { levels: SERVER_AND_HTTP, key: "sites[].tls.sessionTimeout" },
    ssl_session_cache: { levels: SERVER_AND_HTTP, key: "sites[].tls" },
    ssl_session_tickets: { levels: SERVER_AND_HTTP, key: "sites[].tls (and the nginx version rendered for)" },
    ssl_stapling: { levels: SERVER_AND_HTTP, key: "sites[].tls.stapling" },
    ssl_stapling_verify: { levels: SERVER_AND_HTTP, key: "sites[].tls.stapling" },
    ssl_reject_handshake: { levels: SERVER_AND_HTTP, key: "defaultServer" },
    set_real_ip_from: { levels: ALL, key: "sites[].realIp.from" },
    real_ip_header: { levels: ALL, key: "sites[].realIp.header" },
    real_ip_recursive: { levels: ALL, key: "sites[].realIp" },
    // location (and above, where an outer value would be cancelled by wssgen's inner one)
    proxy_pass: { levels: ["location"], key: "sites[].routes[].upstream (and stripPrefix)" },
    proxy_http_version: { levels: EVERY_PROXY_LOCATION, key: "wssgen itself (from the nginx version rendered for)" },
    proxy_set_header: { levels: EVERY_PROXY_LOCATION, key: "sites[].routes[].headers (or defaults.headers)" },
    proxy_connect_timeout: { levels: EVERY_PROXY_LOCATION, key: "sites[].routes[].timeouts.connect (or defaults.timeouts)" },
    proxy_read_timeout: { levels: EVERY_PROXY_LOCATION, key: "sites[].routes[].timeouts.read (or defaults.timeouts)" },
    proxy_send_timeout: { levels: EVERY_PROXY_LOCATION, key: "sites[].routes[].timeouts.send (or defaults.timeouts)" },
    proxy_buffering: { levels: ALL, key: "sites[].routes[].buffering" },
    proxy_request_buffering: { levels: ALL, key: "sites[].routes[].buffering" },
    client_max_body_size: { levels: ALL, key: "sites[].routes[].maxBodySize (or defaults.maxBodySize)" },
    limit_conn: { levels: ALL, key: "sites[].routes[].maxConnectionsPerIp" },
    limit_conn_status: { levels: ALL, key: "sites[].routes[].maxConnectionsPerIp" },
    limit_req_status: { levels: ["location"], key: "sites[].routes[].rateLimit (429)" },
    auth_basic: { levels: ["location"], key: "sites[].routes[].access.basicAuth" },
    auth_basic_user_file: { levels: ["location"], key: "sites[].routes[].access.basicAuth" },
    auth_request: { levels: ["location"], key: "sites[].routes[].access.forwardAuth" },
    auth_request_set: { levels: ["location"], key: "sites[].routes[].access.forwardAuth" },
    // set in every location that proxies to a TLS upstream: an outer entry would be overridden there
    proxy_ssl_server_name: { levels: ALL, key: "upstreams.<name>.tls" },
    proxy_ssl_name: { levels: ALL, key: "upstreams.<name>.tls.serverName" },
    proxy_ssl_verify: { levels: ALL, key: "upstreams.<name>.tls.verify" },
    proxy_ssl_trusted_certificate: { levels: ALL, key: "upstreams.<name>.tls.ca" },
    proxy_ssl_certificate: { levels: ALL, key: "upstreams.<name>.tls.certificate" },
    proxy_ssl_certificate_key: { levels: ALL, key: "upstreams.<name>.tls.key" },
    proxy_ssl_protocols: { levels: ALL, key: "upstreams.<name>.tls (TLSv1.2 and TLSv1.3, as nginx 1.27.3 offers by default)" },
    root: { levels: ["location"], key: "sites[].routes[].static.root" },
    alias: { levels: ["location"], key: "sites[].routes[].static.root" },
    try_files: { levels: ["location"], key: "sites[].routes[].static.spa" },
    // (`expires` is not here: a static route's own `expires` entry replaces wssgen's caching, view.ts)
    // nginx 1.29.3+ (ngx_http_headers_filter_module): wssgen already repeats the outer add_header
    // entries where a level has its own (REEMITTED); `merge` would send them twice, `off` would fight it
    add_header_inherit: {
      levels: ALL,
      key: "wssgen itself: it repeats the outer levels' add_header entries (docs/directives.md)",
    },
    add_trailer_inherit: {
      levels: ALL,
      key: "wssgen itself: it repeats the outer levels' add_trailer entries (docs/directives.md)",
    },
  }),
); // a Map: an entry named "constructor" or "__proto__" is no key of it

/**
 * Directives nginx inherits as a whole list: a level that has one of them does not inherit the
 * outer level's (nginx's source: ngx_http_headers_merge_conf for add_header and add_trailer,
 * ngx_http_upstream_hide_headers_hash for proxy_hide_header and proxy_pass_header, each on its own,
 * ngx_http_core_merge_loc_conf for error_page). For these, render repeats the outer levels' entries
 * (wssgen's own and the user's) at every level that has its own, after that level's own (as nginx
 * 1.29.3's `add_header_inherit merge` orders them), so an entry never drops another level's: a
 * route's `add_header` keeps the site's HSTS header. An inner entry that `replaces` an outer one
 * (the same header name) stands alone; nginx takes the first `error_page` of a status, so the inner
 * one wins there by its place.
 */
export const REEMITTED = new Set(["add_header", "add_trailer", "proxy_hide_header", "proxy_pass_header", "error_page"]);

/**
 * What a REEMITTED entry sets, when an inner entry with the same key replaces the outer ones rather
 * than adding to them: the header name (case-insensitive) of add_header and add_trailer, where two
 * values of one header would contradict each other (`Cache-Control`). Undefined for the others:
 * repeating them is harmless (a header hidden or passed twice is hidden or passed) or ordered
 * (error_page).
 */
export function replacedKey(name: string, args: readonly unknown[]): string | undefined {
  if ((name === "add_header" || name === "add_trailer") && typeof args[0] === "string") return args[0].toLowerCase();
  return undefined;
}

/**
 * Also inherited as a whole list, but repeating the outer entries would change what they mean, so
 * an inner entry is refused while an outer level has entries of the same name (semantics.ts):
 * - allow/deny (ngx_http_access_merge_loc_conf): the first matching rule wins; an inner `deny` of one
 *   address would silently drop an outer `allow 10.0.0.0/8; deny all` and open the route to all;
 * - limit_req (ngx_http_limit_req_merge_conf): an inner limit would lift the outer one; a zone twice
 *   at one level is an error;
 * - access_log (ngx_http_log_merge_loc_conf) and error_log (ngx_http_core_merge_loc_conf): `off`
 *   must stand alone, and an inner log would quietly stop the outer one;
 * - ssl_conf_command and proxy_ssl_conf_command (ngx_http_ssl_merge_srv_conf,
 *   ngx_http_proxy_merge_loc_conf): applied in order, later ones win;
 * - sub_filter (ngx_http_sub_filter_merge_conf), proxy_redirect, proxy_cookie_domain,
 *   proxy_cookie_path, proxy_cookie_flags (ngx_http_proxy_merge_loc_conf) and mirror
 *   (ngx_http_mirror_merge_loc_conf): first match, or an `off` that must stand alone.
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
  "proxy_redirect",
  "proxy_cookie_domain",
  "proxy_cookie_path",
  "proxy_cookie_flags",
  "mirror",
]);

/** Directives that would change the structure around an entry: `include` reads a file of any shape. */
const STRUCTURAL = new Set(["include"]);

const opensBlock = (name: string) => ({
  problem: `opens a block (${showValue(name)} { ... }); an entry is one simple directive, and blocks are wssgen's to write`,
});

/** An entry as the lexer read it, or why it is not one simple directive. */
export type ReadDirective = { name: string; args: string[] } | { problem: string };

/**
 * One `directives` entry (`text`, schema-valid: a name, a space, arguments; a trailing `;` optional)
 * read with wssgen's nginx lexer as nginx would read it, with the entry's level deciding which
 * directives a key controls. The arguments are what nginx would see (quotes and escapes resolved);
 * render prints them again through quote.ts. A problem says what is wrong in one sentence and never
 * shows the entry's arguments (they may hold a secret, such as a header with a token).
 *
 * Refused: a syntax error, a `#` comment (nginx would drop the rest of the entry), more than one
 * directive, a block, `include`, an argument that would hold a control character (`\n`, `\r`,
 * `\t` escapes), a directive a key controls at this level, the HSTS header (sites[].tls.hsts), and a
 * `set` of one of wssgen's own variables (`$wssgen_…`, which its maps and routes rely on).
 */
export function readDirective(text: string, level: DirectiveLevel): ReadDirective {
  let parsed;
  try {
    parsed = parseNginx(text, { comments: false, lastSemicolon: false });
  } catch (error) {
    if (error instanceof NginxCommentError)
      return {
        problem:
          'holds a comment ("#" where an argument starts), and nginx would ignore the rest of the entry: write a note as a YAML comment, or quote an argument that starts with "#"',
      };
    if (!(error instanceof NginxSyntaxError)) throw error;
    // "name args {" without its "}": the block is what is wrong, not the missing "}"
    if (error.message === UNCLOSED_BLOCK) return opensBlock(text.split(" ")[0] ?? "");
    return {
      problem: `is not one simple nginx directive (${error.message}): write its name and arguments, quoting an argument that holds ";", "{" or "}"`,
    };
  }
  if (parsed.length !== 1) return { problem: `holds ${parsed.length} directives; write one directive an entry` };
  const [directive] = parsed as [(typeof parsed)[number]];
  if (directive.block) return opensBlock(directive.name);
  const { name, args } = directive;
  if (STRUCTURAL.has(name))
    return {
      problem: `${showValue(name)} is not allowed: an included file could change the structure around it; write its directives as entries`,
    };
  if (args.some((arg) => CONTROL.test(arg)))
    return {
      problem:
        "has an argument that nginx would read with a control character in it (a \\n, \\r or \\t escape): nginx would send or log it as is; remove the escape",
    };
  const controlled = CONTROLLED.get(name);
  if (controlled?.levels.includes(level))
    return { problem: `${showValue(name)} is wssgen's to write here; it comes from ${controlled.key}` };
  if (name === "add_header" && typeof args[0] === "string" && args[0].toLowerCase() === "strict-transport-security")
    return {
      problem: `sets the Strict-Transport-Security header, which comes from sites[].tls.hsts (on by default for TLS sites); set hsts there`,
    };
  if (name === "set" && typeof args[0] === "string" && /^\$\{?wssgen_/i.test(args[0]))
    return {
      problem: `sets ${showValue(args[0])}: variables named $wssgen_… are wssgen's own (its maps and routes read them); use another name`,
    };
  return { name, args };
}

/**
 * Every non-empty `directives` list of a config as parsed from the file (before the schema: any
 * shape), with its number of entries: top level, `sites[i]` and `sites[i].routes[j]`.
 */
export function directiveLists(data: unknown): { path: KeyPath; entries: number }[] {
  const found: { path: KeyPath; entries: number }[] = [];
  const visit = (owner: unknown, at: KeyPath) => {
    if (owner === null || typeof owner !== "object" || Array.isArray(owner)) return;
    const list = (owner as Record<string, unknown>).directives;
    if (Array.isArray(list) ? list.length > 0 : list !== undefined && list !== null)
      found.push({ path: [...at, "directives"], entries: Array.isArray(list) ? list.length : 1 });
  };
  const each = (list: unknown, f: (item: unknown, i: number) => void) => {
    if (Array.isArray(list)) list.forEach(f);
  };
  visit(data, []);
  if (data !== null && typeof data === "object")
    each((data as Record<string, unknown>).sites, (site, i) => {
      visit(site, ["sites", i]);
      if (site !== null && typeof site === "object")
        each((site as Record<string, unknown>).routes, (route, j) => visit(route, ["sites", i, "routes", j]));
    });
  return found;
}

/** The problem at a `directives` key when they are forbidden (ParseOptions.allowDirectives: false). */
export function directivesForbidden(entries: number): string {
  return `directives are not allowed here (--no-directives): this config is rendered with raw nginx directives refused; remove this key${entries > 1 ? ` (its ${entries} entries)` : ""} and use wssgen's own keys`;
}

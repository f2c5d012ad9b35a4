/**
 * The names a rendered file defines in nginx's http-wide namespaces, where two files included in
 * one http block meet: upstream blocks, map and `set` variables, and shared-memory zones. Each
 * carries the file's namespace (`nginx.namespace`, by default the target's file name), so that two
 * wssgen files never collide:
 *
 * - nginx refuses a second `upstream` of the same name ("duplicate upstream"), and compares upstream
 *   names ignoring case;
 * - a later `map` or `set` of the same variable silently takes it over (one file's origin
 *   allowlist would check the other's routes);
 * - a shared-memory zone of the same name and size is silently shared, and one of another size is
 *   refused.
 *
 * Namespaces are `[a-z][a-z0-9_]{0,31}` (config/schema.ts); upstream names `[A-Za-z0-9_-]{1,64}`.
 */
import { type Route, type Site, writtenAt } from "../config/model.js";
import { isWildcardOrigin } from "../config/values.js";
import { sha256Hex } from "../util/hash.js";

/** The namespace whose names keep the plain `wssgen_` prefix: the default target, wssgen.conf. */
export const DEFAULT_NAMESPACE = "wssgen";

/**
 * The longest variable name (without `$`) that nginx's default `variables_hash_bucket_size` of 64
 * holds. ngx_hash_init refuses a name whose element (a pointer plus the name and its length,
 * rounded up to a pointer: `NGX_HASH_ELT_SIZE`) and the bucket's end marker exceed the bucket:
 * 8 + align(len + 2, 8) + 8 <= 64, so len <= 46. A longer name fails `nginx -t` with "could not
 * build variables_hash, you should increase variables_hash_bucket_size: 64" (checked against
 * nginx 1.22, 1.26 and 1.30 in test/render/names.test.ts).
 */
export const MAX_VARIABLE_NAME = 46;

export interface GlobalNames {
  /** map $http_upgrade → Connection header for upstreams without keepalive ("upgrade" or "close") */
  upgrade: string;
  /** the same for keepalive upstreams ("upgrade" or "", which keeps the connection open) */
  upgradeKeepalive: string;
  /**
   * `set` in each location that checks origins or limits connections: the route's key (routeKeys),
   * which the origin map and the connection zone are keyed by
   */
  route: string;
  /** the origin map's result: 1 when the request's Origin is not on the route's list */
  originDenied: string;
  /** limit_conn_zone name */
  connZone: string;
  /** ssl_session_cache shared zone name */
  sslZone: string;
  /** X-Forwarded-For behind a trusted proxy (realIp): the incoming chain plus the peer, never the client twice */
  forwardedFor: string;
  /** 1 when the peer is one of the `realIp.from` list whose digest is `id` (a `geo` per list) */
  trustedPeer(id: string): string;
  /** X-Forwarded-Proto: a trusted peer's (trustedPeer(id)) value, else $scheme */
  forwardedProto(id: string): string;
  /** `expires` of static routes: revalidate HTML, cache other files for a while */
  staticExpires: string;
  /** the nginx upstream block for a config upstream name */
  upstream(name: string): string;
  /** the shared-memory zone of an upstream with resolve (`zone`): the only zone names with a "." */
  upstreamZone(name: string): string;
  /** limit_req_zone of one rate (routes[].rateLimit.rate, "10r/s" → `wssgen_req_10rs`): nginx sets the rate per zone */
  reqZone(rate: string): string;
  /**
   * auth_request_set: a forward-auth response header (routes[].access.forwardAuth.responseHeaders),
   * `$wssgen_auth_remoteuser_1a2b3c4d` for Remote-User: its letters and digits, and 8 hex digits of
   * its SHA-256 as nginx names it (`remote_user`)
   */
  authResponse(header: string): string;
}

/**
 * The names of one namespace. The default namespace (`wssgen`) gives the plain names
 * (`$wssgen_route`, `wssgen_conn`, upstream `wssgen_chat`); another, say `blue`, gives
 * `$wssgen_blue_route`, `wssgen_blue_conn` and upstream `wssgen_blue.chat`.
 *
 * Why these never collide between two namespaces: variables and zones end in a fixed suffix, none
 * of which is the `_`-tail of another, so the prefix before it is the namespace. The suffixes that
 * carry a value keep it free of "_": a realIp list's id and an auth header's digest are hex, a rate
 * is `10rs`, an auth header's readable part is its letters and digits (so `_auth_<word>_<hex>`,
 * `_req_<rate>` and `_trusted_peer_<hex>` are read from the end). Upstream names, in upstream blocks
 * and their zones, join the namespace with a `.`, which neither a namespace nor an upstream name can
 * contain, and the default namespace's upstreams have no `.` at all.
 */
export function globalNames(namespace: string): GlobalNames {
  const prefix = namespace === DEFAULT_NAMESPACE ? "wssgen" : `wssgen_${namespace}`;
  const variable = (suffix: string) => `$${variableName(prefix, namespace, suffix)}`;
  return {
    upgrade: variable("connection"),
    upgradeKeepalive: variable("connection_keepalive"),
    route: variable("route"),
    originDenied: variable("origin_denied"),
    connZone: `${prefix}_conn`,
    sslZone: `${prefix}_ssl`,
    forwardedFor: variable("forwarded_for"),
    trustedPeer: (id) => variable(`trusted_peer_${id}`),
    forwardedProto: (id) => variable(`forwarded_proto_${id}`),
    staticExpires: variable("static_expires"),
    upstream: (name) => (namespace === DEFAULT_NAMESPACE ? `wssgen_${name}` : `${prefix}.${name}`),
    upstreamZone: (name) => `${prefix}_upstream.${name}`,
    reqZone: (rate) => `${prefix}_req_${rate.replace("/", "")}`,
    authResponse: (header) => {
      // the header as nginx's $upstream_http_ names it (lower case, "-" as "_"), then its letters and
      // digits alone to read and 8 hex digits of it to tell it apart: no "_" of the header's own,
      // so the name ends "_auth_<word>_<hex>" and no namespace's name is another's
      const name = header.toLowerCase().replace(/-/g, "_");
      const word = name.replace(/_/g, "").slice(0, AUTH_WORD_MAX);
      return variable(`auth_${word}_${sha256Hex(name).slice(0, 8)}`);
    },
  };
}

/**
 * How much of a forward-auth header stays readable in its variable (`$wssgen_auth_remoteuser_1a2b3c4d`):
 * enough for Remote-User or X-Auth-Request-User, and short enough that a long namespace keeps a few
 * of its characters beside its digest (variableName).
 */
const AUTH_WORD_MAX = 12;

/**
 * `<prefix>_<suffix>`, or, when that is longer than nginx's variables hash holds, the namespace cut
 * short and followed by 8 hex digits of its SHA-256 (`wssgen_chat_prod_1f0c2a9e_connection_keepalive`):
 * still recognisable, and two long namespaces that share a beginning still differ (unless their
 * digests are equal too: 1 in 4 billion).
 */
function variableName(prefix: string, namespace: string, suffix: string): string {
  const name = `${prefix}_${suffix}`;
  if (name.length <= MAX_VARIABLE_NAME) return name;
  const digest = sha256Hex(namespace).slice(0, 8);
  const keep = MAX_VARIABLE_NAME - "wssgen_".length - `_${digest}_${suffix}`.length;
  return `wssgen_${namespace.slice(0, keep)}_${digest}_${suffix}`;
}

/**
 * The longest route key, in bytes: the connection zone's key is the client's binary address (16
 * bytes for IPv6) followed by the route key, and ngx_http_limit_conn_module declines a key over 255
 * bytes: such a request is not limited at all.
 */
export const MAX_ROUTE_KEY = 255 - 16;

/** How much of a long route key stays readable before its hash. */
const READABLE_PREFIX = 200;

/**
 * Each route's key, which `$wssgen_route` holds in its location: the origin map's keys are
 * `"<route key> <origin>"`, the connection zone's key is the client address and the route key. A
 * key is the site's key (`siteKey`: its name, or its first domain and, unless it is the wss site on
 * 443, `@` and its first listen address) followed by the route's path: `chat.example.com/ws`,
 * `chat.example.com=/ws` for `= /ws`, `chat.example.com@8080/ws`. It reads as what it is, and it is
 * made from the site alone, so adding, removing or moving a site changes no other route's key (nor
 * a line of the output outside that site). The rules that make it safe:
 *
 * - No space: in the origin map the space ends the route key, so whatever Origin header a client
 *   sends, the map key it makes starts with its own route's key and can never equal another
 *   route's. (Site names are `[A-Za-z0-9._-]` or a domain, paths RFC 3986 characters less `$`:
 *   neither has a space.)
 * - Unique, also ignoring letter case (nginx's map lowers both its keys and the value it looks up):
 *   site keys are (see `siteKey`), and a site key has no `/`, `=` or `~` while a path starts with
 *   `/`, so the site's part ends where the path begins. Paths of one site that differ only in case
 *   are numbered in that site's order, the first kept as it is and the second
 *   `chat.example.com~2/WS`: `~` is in no site key, so these meet no other key.
 * - Short enough (`shortened`): at most MAX_ROUTE_KEY bytes, and for a route with origins short
 *   enough that `"<key> <origin>"` fits nginx's default map bucket. Otherwise the key becomes `|`
 *   and 12 hex digits of the SHA-256 of the whole key (for a route with origins), or its first 200
 *   characters, `|` and 16 hex digits (for one that only limits connections); `|` is in no name or
 *   path, so these meet no readable key, and two of them meet only if their digests do.
 *
 * Site names, paths and domains are ASCII (config/values.ts), so characters are bytes.
 */
export function routeKeys(sites: readonly Site[]): Map<Route, string> {
  const keys = new Map<Route, string>();
  const seen = new Map<string, number>();
  const taken = new Set<string>();
  for (const site of sites) {
    const name = siteKey(site);
    for (const route of site.routes) {
      const path = `${route.exact ? "=" : ""}${route.uri}`;
      const same = `${name}${path}`.toLowerCase();
      const count = (seen.get(same) ?? 0) + 1;
      seen.set(same, count);
      const key = `${name}${count > 1 ? `~${count}` : ""}${path}`;
      let short = shortened(key, route.origins);
      // two digests that meet (1 in 2^48 a pair) would share an allowlist: the whole digest then
      if (taken.has(short)) short = `|${sha256Hex(key)}`;
      taken.add(short);
      keys.set(route, short);
    }
  }
  return keys;
}

/**
 * The site's part of its routes' keys, from the site alone, so that no other site changes it: its
 * `name` when written (unique, ignoring case: config/semantics.ts); else its first domain, which
 * another site may share on other addresses (one domain, one address: semantics.ts), so it is
 * followed by `@` and the site's first listen address, except for the usual wss site on 443
 * (two sites cannot both serve that domain there). `@` is in no written name, so the two kinds
 * never meet.
 */
function siteKey(site: Site): string {
  if (writtenAt(site, "name") || (site.tls && site.listen[0]!.value === "443")) return site.name;
  return `${site.name}@${site.listen[0]!.value}`;
}

/**
 * `key` as it fits its uses: whole when it does; else hex digits of its SHA-256 after a `|` (the
 * location's comment says whose key it is). Two limits: MAX_ROUTE_KEY for the connection zone,
 * and, for a route with origins, the longest origin-map key nginx's default `map_hash_bucket_size` holds (MAX_DEFAULT_BUCKET_KEY,
 * `"<key> <origin>"` for its exact origins, `"<key> "` for none; wildcard origins are regexes, outside the hash): a longer one would make the file set `map_hash_bucket_size`, an http-wide
 * setting that nginx refuses after nginx.conf's first `map` or a second wssgen file's.
 */
function shortened(key: string, origins: readonly string[] | undefined): string {
  const digest = () => sha256Hex(key);
  if (origins !== undefined) {
    // wildcard origins are regexes, not hash keys: a route with only wildcards still has "<key> "
    const exact = origins.filter((o) => !isWildcardOrigin(o));
    const room = MAX_DEFAULT_BUCKET_KEY - 1 - Math.max(0, ...exact.map((o) => o.length));
    if (key.length <= room) return key;
    return `|${digest().slice(0, MAP_DIGEST)}`;
  }
  return key.length <= MAX_ROUTE_KEY ? key : `${key.slice(0, READABLE_PREFIX)}|${digest().slice(0, 16)}`;
}

/**
 * The longest map key nginx's default `map_hash_bucket_size` (64, a cache line) holds: the same
 * element arithmetic as MAX_VARIABLE_NAME (ngx_hash_init: 8 + align(len + 2, 8) + 8 <= 64).
 */
const MAX_DEFAULT_BUCKET_KEY = MAX_VARIABLE_NAME;
/** Hex digits of a shortened origin route key: 48 bits, so 100,000 routes meet with odds of 1 in 50,000. */
const MAP_DIGEST = 12;

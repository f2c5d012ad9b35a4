/**
 * The normalized config and the nginx build rendered for → the tree of blocks and directives the
 * templates lay out. Every directive wssgen emits is described here, once, next to the config key
 * it comes from (its `at`); templates only arrange blocks, comments and blank lines.
 */
import { REEMITTED, replacedKey } from "../config/directives.js";
import {
  type ExtraDirective,
  type ListenAddress,
  type Recorded,
  type Route,
  type Site,
  type TlsProfile,
  type Upstream,
  type UpstreamTls,
  type WssgenConfig,
  writtenAt,
} from "../config/model.js";
import { ACME_LOCATION, AUTH_LOCATION_PREFIX, resolvable } from "../config/semantics.js";
import { DEFAULTS } from "../config/defaults.js";
import type { KeyPath } from "../config/path.js";
import { CACHE_LINE, hashSizesFor } from "./hash.js";
import { globalNames, routeKeys, type GlobalNames } from "./names.js";
import { isWildcardOrigin } from "../config/values.js";
import { duration, integer } from "./quote.js";
import { directive as d, fixedDirective, type Block, type Directive } from "./tree.js";
import { describeFeatures, type Features, formatVersion, type NginxBuild } from "../nginx-version/version.js";
import { sha256Hex } from "../util/hash.js";

/** Mozilla server-side TLS 6.0, intermediate: ECDHE only, so no DH parameters are needed. */
export const INTERMEDIATE_CIPHERS = [
  "ECDHE-ECDSA-AES128-GCM-SHA256",
  "ECDHE-RSA-AES128-GCM-SHA256",
  "ECDHE-ECDSA-AES256-GCM-SHA384",
  "ECDHE-RSA-AES256-GCM-SHA384",
  "ECDHE-ECDSA-CHACHA20-POLY1305",
  "ECDHE-RSA-CHACHA20-POLY1305",
].join(":");
/**
 * Mozilla server-side TLS 6.0 (intermediate and modern): the key exchange groups, in OpenSSL's
 * names (`ssl_ecdh_curve` passes them to SSL_CTX_set1_curves_list). Without `ssl_ecdh_curve`, nginx
 * offers OpenSSL's default groups, which add x448 and the ffdhe groups the guideline leaves out.
 */
export const MOZILLA_CURVES = "X25519:prime256v1:secp384r1";
/** OpenSSL 3.5+: the post-quantum hybrid first, as Mozilla 6.0 lists it. */
export const MLKEM_CURVES = `X25519MLKEM768:${MOZILLA_CURVES}`;
/** OpenSSL before 1.1.0 has no X25519 and refuses a list that names it. */
export const NIST_CURVES = "prime256v1:secp384r1";

/**
 * A location: its `set`s, then its `if` blocks (each only `return`s), then everything else, one
 * list (no blank line or comment between them, so the template prints the location with one
 * `{{block}}`).
 */
export type LocationBlock = Block<Directive | Block>;

/**
 * A server: listen, names and the like (`children`), then its TLS settings, what it does for every
 * request (a redirect, or the catch-all's answer), the `directives` entries, its locations.
 */
export interface ServerBlock extends Block {
  tls: Directive[];
  redirect: Directive[];
  extra: Directive[];
  locations: LocationBlock[];
}

/** The main context of a complete nginx.conf (`render --full`): around the http block. */
export interface MainView {
  workerProcesses: Directive;
  workerRlimitNofile: Directive;
  workerShutdownTimeout: Directive;
  events: Block;
  /** file types for static files, at the top of the http block */
  mimeTypes: Directive[];
  /** `http { ... }`: its children are the http-context output, laid out by the templates */
  http: Block;
}

export interface View {
  /** for the head comment: the config file's name, the nginx version and what it asks of the output */
  source: string;
  build: string;
  features: string;
  /** worker_shutdown_timeout as the head comment advises it */
  workerShutdownTimeout: string;
  /** hash sizes nginx needs for these names and origins, when its defaults would not do */
  hashSizes: Directive[];
  /** map $http_upgrade → Connection header for upstreams without keepalive, when a route needs it */
  upgradeMap: Block | undefined;
  /** the same for keepalive upstreams */
  upgradeKeepaliveMap: Block | undefined;
  /** "<route key> <origin>" → 0 for each route's allowed origins; 1 (denied) otherwise */
  originMap: Block | undefined;
  /** the connection zone, when a route limits connections */
  connZone: Directive[];
  /** a request zone per rate, when routes limit requests (rateLimit) */
  reqZones: Directive[];
  /** realIp: X-Forwarded-For and, per trusted list, whether the peer is trusted and its X-Forwarded-Proto */
  forwarded: Block[];
  /** `expires` of static files by content type, when a route serves files */
  staticExpires: Block | undefined;
  upstreams: Block[];
  /** top-level `directives`: at http level, after wssgen's own */
  extra: Directive[];
  /** the server blocks, built one at a time as they are rendered */
  servers(): Iterable<ServerBlock>;
  main: MainView;
}

/**
 * The key path a directive points at: where the user wrote `field` of `owner` (the key itself, or
 * the `defaults` key it inherited: `defaults.timeouts.read`), else, when wssgen's default applies,
 * the owner's own path, which the file always has. The one place the view reads the model's record
 * of what the user set (`writtenAt`, config/model.ts).
 */
function sourceOf<O extends Recorded>(owner: O, field: keyof O["set"] & string): KeyPath {
  return writtenAt(owner, field) ?? owner.at;
}

/**
 * The key of a site's listen address `l` (the i-th): `listen[i]` of a list, `listen` alone, else
 * the site (which then has no `listen`); `ipv6` for the `[::]` one it adds.
 */
function listenAt(site: Site, l: ListenAddress, i: number): KeyPath {
  if (l.impliedBy !== undefined) return writtenAt(site, "ipv6") ?? site.at;
  const at = writtenAt(site, "listen");
  if (at === undefined) return site.at;
  const written = site.listen.filter((x) => x.impliedBy === undefined).length;
  return written > 1 ? [...at, site.listen.slice(0, i).filter((x) => x.impliedBy === undefined).length] : at;
}

/**
 * Server names per listen address (each address has its own names hash in nginx), and origin map
 * keys. Exact names form one table per address; wildcard names (`*.a.example.com`, `www.example.*`)
 * form a tree of labels, as ngx_hash_wildcard_init builds it, and each node's child labels are one
 * more table with the same sizes.
 */
function hashSizes(config: WssgenConfig, originKeys: string[]): Directive[] {
  interface Trie {
    children: Map<string, Trie>;
  }
  const byAddress = new Map<string, { exact: Set<string>; head: Trie; tail: Trie }>();
  const insert = (trie: Trie, labels: string[]) => {
    let node = trie;
    for (const label of labels) {
      let child = node.children.get(label);
      if (!child) node.children.set(label, (child = { children: new Map() }));
      node = child;
    }
  };
  const add = (listen: readonly ListenAddress[], domains: readonly string[]) => {
    for (const l of listen) {
      const key = `${l.host}:${l.port}`;
      let names = byAddress.get(key);
      if (!names)
        byAddress.set(key, (names = { exact: new Set(), head: { children: new Map() }, tail: { children: new Map() } }));
      for (const domain of domains.map((d) => d.toLowerCase())) {
        if (domain.startsWith("*.")) insert(names.head, domain.slice(2).split(".").reverse());
        else if (domain.endsWith(".*")) insert(names.tail, domain.slice(0, -2).split("."));
        else names.exact.add(domain);
      }
    }
  };
  for (const site of config.sites) {
    add(site.listen, site.domains);
    if (site.http) add(site.http.listen, site.domains);
  }
  const tables: string[][] = [];
  const collect = (node: Trie) => {
    if (node.children.size === 0) return;
    tables.push([...node.children.keys()]);
    for (const child of node.children.values()) collect(child);
  };
  for (const names of byAddress.values()) {
    tables.push([...names.exact]);
    collect(names.head);
    collect(names.tail);
  }
  const names = hashSizesFor(tables, SERVER_NAMES_DEFAULTS);
  const origins = hashSizesFor([originKeys], MAP_DEFAULTS);
  return [
    ...(origins
      ? [d("map_hash_bucket_size", [origins.bucketSize], undefined), d("map_hash_max_size", [origins.maxSize], undefined)]
      : []),
    ...(names
      ? [
          d("server_names_hash_bucket_size", [names.bucketSize], undefined),
          d("server_names_hash_max_size", [names.maxSize], undefined),
        ]
      : []),
  ];
}

/**
 * The origin map's regex key for a wildcard origin (`https://*.example.com[:port]`) of the route
 * whose key is `routeKey`: `~*^<route key> https://<one label>\.example\.com[:port]$`. One label
 * is `[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?`: no dot, so never `example.com` itself, never two labels,
 * and, anchored, never `a.example.com.evil.test`. `~*` (case-insensitive, ngx_http_map_module
 * docs) because nginx matches the map's string keys ignoring case too: `https://A.example.com` is
 * treated as `https://APP.test` is for an exact `https://app.test` (browsers send lower case
 * anyway). Every character of the route key and the domain that is not a letter, digit or `_` is
 * escaped with `\`, which PCRE reads as that character itself; route keys are unique ignoring case
 * (names.ts), so `~*` admits no other route's key. nginx checks regexes only when no string key
 * matched, in the order written.
 */
export function wildcardOriginKey(routeKey: string, origin: string): string {
  const m = /^(https?):\/\/\*\.([^:]+)(:\d+)?$/.exec(origin);
  if (!m) throw new Error(`wildcardOriginKey: not a wildcard origin: ${origin}`);
  const literal = (text: string) => text.replace(/[^A-Za-z0-9_]/g, (c) => `\\${c}`);
  return `~*^${literal(routeKey)} ${m[1]}://[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\\.${literal(m[2]!)}${literal(m[3] ?? "")}$`;
}

/** nginx's defaults: buckets of one cache line; 512 server names, 2048 map keys before it searches further. */
const SERVER_NAMES_DEFAULTS = { bucketSize: CACHE_LINE, maxSize: 512 };
const MAP_DEFAULTS = { bucketSize: CACHE_LINE, maxSize: 2048 };

// Directives that are the same in every config, printed once (tree.ts fixedDirective).
const HOST_HEADER = fixedDirective("proxy_set_header", ["Host", "$host"]);
const REAL_IP_HEADER = fixedDirective("proxy_set_header", ["X-Real-IP", "$remote_addr"]);
const FORWARDED_FOR_HEADER = fixedDirective("proxy_set_header", ["X-Forwarded-For", "$proxy_add_x_forwarded_for"]);
const FORWARDED_PROTO_HEADER = fixedDirective("proxy_set_header", ["X-Forwarded-Proto", "$scheme"]);
const UPGRADE_HEADER = fixedDirective("proxy_set_header", ["Upgrade", "$http_upgrade"]);
const NO_CONNECTION_HEADER = fixedDirective("proxy_set_header", ["Connection", ""]);
const HTTP_1_1 = fixedDirective("proxy_http_version", ["1.1"]);
const FORBIDDEN = fixedDirective("return", [403]);
const SERVER_TOKENS_OFF = fixedDirective("server_tokens", ["off"]);
const LIMIT_CONN_STATUS = fixedDirective("limit_conn_status", [429]);
const SESSION_TICKETS_OFF = fixedDirective("ssl_session_tickets", ["off"]);

/** The upgrade map: `default upgrade;` and, for a request that is no handshake, `close` (or "" to keep the connection). */
function upgradeMap(variable: string, otherwise: "close" | ""): Block {
  return {
    name: "map",
    args: ["$http_upgrade", variable],
    at: undefined,
    comment: undefined,
    children: [d("default", ["upgrade"], undefined), d("", [otherwise], undefined)],
  };
}

/**
 * Two passes. The first walks the routes for what the head of the file declares (upgrade maps, the
 * origin map, the connection zone); the second builds each server's blocks only when it is
 * rendered, so a config of 100,000 sites never holds 100,000 server trees at once.
 */
export function buildView(config: WssgenConfig, build: NginxBuild, features: Features): View {
  const upstreams = new Map(config.upstreams.map((u) => [u.name, u]));
  const names = globalNames(config.nginx.namespace);
  const keys = routeKeys(config.sites);
  const keepsAlive = (u: Upstream | undefined) => (u?.keepalive ?? features.defaultKeepalive) > 0;
  // exact "<route key> <origin>" keys (the map's hash), then one regex per route and wildcard origin
  const originEntries: Directive[] = [];
  const originPatterns: Directive[] = [];
  let upgrade = false;
  let upgradeKeepalive = false;
  let limits = false;

  let statics = false;
  // each rate, and the first route that has it (limit_req_zone sets the rate per zone)
  const rates = new Map<string, KeyPath>();
  // upstreams a plain site routes to: their sticky cookie cannot be `secure`
  const plainUpstreams = new Set<string>();
  // per `from` list: the list, and the key of the first site that has it (where its geo entries point)
  const trusted = new Map<string, { from: string[]; at: KeyPath }>();
  let forwardedFor = false;
  for (const site of config.sites) {
    if (site.realIp && site.realIp.header !== "proxy_protocol") {
      forwardedFor = true;
      const id = trustedId(site.realIp.from);
      if (!trusted.has(id)) trusted.set(id, { from: site.realIp.from, at: [...site.at, "realIp", "from"] });
    }
    // a site awaiting its certificate renders no route: nothing in the head may refer to them
    for (const route of site.tls && site.awaitingCertificate ? [] : site.routes) {
      if (route.static) statics = true;
      if (route.websocket && route.upstream !== undefined) {
        if (keepsAlive(upstreams.get(route.upstream))) upgradeKeepalive = true;
        else upgrade = true;
      }
      if (route.origins !== undefined) {
        const key = keys.get(route)!;
        // an empty Origin (none sent) is "<key> "
        if (route.allowMissingOrigin)
          originEntries.push(d(`${key} `, [0], writtenAt(route, "allowMissingOrigin") ?? [...route.at, "origins"]));
        for (const origin of [...new Set(route.origins)].sort()) {
          const at = [...route.at, "origins", route.origins.indexOf(origin)];
          if (isWildcardOrigin(origin)) originPatterns.push(d(wildcardOriginKey(key, origin), [0], at));
          else originEntries.push(d(`${key} ${origin}`, [0], at));
        }
      }
      if (route.maxConnectionsPerIp !== undefined) limits = true;
      if (route.rateLimit && !rates.has(route.rateLimit.rate))
        rates.set(route.rateLimit.rate, [...route.at, "rateLimit", "rate"]);
      if (route.upstream !== undefined && !site.tls) plainUpstreams.add(route.upstream);
    }
  }

  const location = (site: Site, route: Route, inherited: Inherited): LocationBlock => {
    const key =
      route.origins !== undefined || route.maxConnectionsPerIp !== undefined || route.rateLimit !== undefined
        ? keys.get(route)!
        : undefined;
    if (route.static) return staticLocation(site, route, names, key, inherited);
    const upstream = route.upstream!;
    const keepalive = keepsAlive(upstreams.get(upstream));
    const tls = upstreams.get(upstream)?.tls;
    const header = proxySetHeader;
    // behind a trusted proxy the client's address is the proxy's word (realIp): keep the chain truthful
    const realIp = site.realIp && site.realIp.header !== "proxy_protocol" ? site.realIp : undefined;
    const realIpAt = realIp && [...site.at, "realIp"];
    const headers = [
      HOST_HEADER(route.at),
      REAL_IP_HEADER(route.at),
      realIp ? header("X-Forwarded-For", names.forwardedFor, realIpAt!) : FORWARDED_FOR_HEADER(route.at),
      realIp
        ? header("X-Forwarded-Proto", names.forwardedProto(trustedId(realIp.from)), realIpAt!)
        : FORWARDED_PROTO_HEADER(route.at),
    ];
    if (route.stripPrefix) headers.push(header("X-Forwarded-Prefix", route.uri.replace(/\/$/, ""), [...route.at, "stripPrefix"]));
    if (route.websocket) {
      headers.push(UPGRADE_HEADER(route.at), header("Connection", keepalive ? names.upgradeKeepalive : names.upgrade, route.at));
    } else if (keepalive && features.proxyHttpVersion) {
      // before 1.29.7 nginx sends "Connection: close" upstream unless told otherwise
      headers.push(NO_CONNECTION_HEADER(route.at));
    }
    const forward = route.access?.forwardAuth;
    forward?.responseHeaders.forEach((name, i) =>
      headers.push(header(name, names.authResponse(name), [...route.at, "access", "forwardAuth", "responseHeaders", i])),
    );
    for (const { name, value, at } of route.headers) {
      const lower = name.toLowerCase();
      const existing = headers.findIndex((h) => (h.args[0] as string).toLowerCase() === lower);
      // a header wssgen sets keeps its place (and its name's spelling), with the user's value
      if (existing >= 0) headers[existing] = header(headers[existing]!.args[0] as string, value, at);
      else headers.push(header(name, value, at));
    }
    const children: Directive[] = [...limitConn(route, names), ...limitReq(route, names), ...accessDirectives(route, names)];
    // with a URI part, proxy_pass replaces the location's prefix with it (stripPrefix)
    children.push(
      d(
        "proxy_pass",
        [`${tls ? "https" : "http"}://${names.upstream(upstream)}${route.stripPrefix ? "/" : ""}`],
        [...route.at, "upstream"],
      ),
    );
    if (features.proxyHttpVersion) children.push(HTTP_1_1(route.at));
    if (tls) children.push(...backendTls(upstreams.get(upstream)!, features));
    children.push(
      ...headers,
      d("proxy_connect_timeout", [duration(route.timeouts.connect)], sourceOf(route, "timeouts.connect")),
      d("proxy_read_timeout", [duration(route.timeouts.read)], sourceOf(route, "timeouts.read")),
      d("proxy_send_timeout", [duration(route.timeouts.send)], sourceOf(route, "timeouts.send")),
      ...bodyAndBuffering(route),
      ...withInherited(route.directives, inherited),
    );
    const origins = route.origins && [...route.at, "origins"];
    return {
      name: "location",
      args: route.exact ? ["=", route.uri] : [route.uri],
      at: [...route.at, "path"],
      comment: `${site.name} ${route.path} -> upstream ${upstream}${route.stripPrefix ? ` at /` : ""} (${route.websocket ? "WebSocket" : "HTTP"}${route.preset === undefined ? "" : `, preset ${route.preset}`})`,
      children: [
        ...(key !== undefined ? [d("set", [names.route, key], route.at)] : []),
        ...(origins
          ? [
              {
                name: "if",
                args: [`(${names.originDenied})`],
                at: origins,
                comment: undefined,
                children: [FORBIDDEN(origins)],
              },
            ]
          : []),
        ...children,
      ],
    };
  };

  const originKeys = originEntries.map((entry) => entry.name);
  return {
    // a file name is the one thing in a comment nobody validated: the comment helper makes it one printable line
    source: config.file === "<stdin>" ? "standard input" : (config.file.split(/[\\/]/).pop() ?? config.file),
    build: formatVersion(build.version),
    features: describeFeatures(features),
    workerShutdownTimeout: duration(config.nginx.workerShutdownTimeout),
    hashSizes: hashSizes(config, originKeys),
    upgradeMap: upgrade ? upgradeMap(names.upgrade, "close") : undefined,
    upgradeKeepaliveMap: upgradeKeepalive ? upgradeMap(names.upgradeKeepalive, "") : undefined,
    originMap:
      originEntries.length + originPatterns.length
        ? {
            name: "map",
            args: [`${names.route} $http_origin`, names.originDenied],
            at: undefined,
            comment: undefined,
            children: [d("default", [1], undefined), ...originEntries, ...originPatterns],
          }
        : undefined,
    // a zone entry is about 128 bytes: 32 MB hold ~250,000 client addresses per route at once
    connZone: limits
      ? [d("limit_conn_zone", [`$binary_remote_addr${names.route}`, `zone=${names.connZone}:${integer(32)}m`], undefined)]
      : [],
    // a state is about 64 bytes plus the route key: 32 MB hold ~200,000 client addresses and routes per rate
    reqZones: [...rates]
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
      .map(([rate, at]) =>
        d(
          "limit_req_zone",
          [`$binary_remote_addr${names.route}`, `zone=${names.reqZone(rate)}:${integer(32)}m`, `rate=${rate}`],
          at,
        ),
      ),
    forwarded: forwardedMaps(forwardedFor, trusted, names),
    staticExpires: statics ? staticExpiresMap(names) : undefined,
    upstreams: config.upstreams.map((u) => upstreamBlock(u, config, features, names, !plainUpstreams.has(u.name))),
    extra: config.directives.map(extraDirective),
    *servers() {
      const top = inheritedFrom(config.directives);
      for (const site of config.sites)
        yield* siteServers(site, features, names, top, (route, inherited) => location(site, route, inherited));
      if (config.defaultServer === "reject") yield* catchAllServers(config, features);
    },
    main: mainView(config),
  };
}

function siteServers(
  site: Site,
  features: Features,
  names: GlobalNames,
  top: Inherited,
  location: (route: Route, inherited: Inherited) => LocationBlock,
): ServerBlock[] {
  const tls = site.tls;
  const http2Listen = site.http2 && !features.http2Directive;
  const tlsAt = [...site.at, "tls"];
  const serverName = d("server_name", site.domains, [...site.at, "domains"]);
  const scheme = site.routes.some((r) => r.websocket) ? (tls ? "wss" : "ws") : tls ? "https" : "http";
  const proxyProtocol = site.realIp?.header === "proxy_protocol" ? ["proxy_protocol"] : [];
  const realIp = realIpDirectives(site);
  const http = site.http && httpServer(site, site.http, serverName, proxyProtocol, realIp);
  if (tls && site.awaitingCertificate) return [http!];
  const ownTls: Directive[] = tls
    ? [
        d("ssl_certificate", [tls.certificate], [...tlsAt, "certificate"]),
        d("ssl_certificate_key", [tls.key], [...tlsAt, "key"]),
        ...protocolDirectives(tls.profile, features, tlsAt, [...tlsAt, "profile"]),
        d("ssl_session_timeout", [duration(tls.sessionTimeout)], writtenAt(site, "tls.sessionTimeout") ?? tlsAt),
        d("ssl_session_cache", [`shared:${names.sslZone}:10m`], tlsAt),
        ...(features.sessionTicketsOff ? [SESSION_TICKETS_OFF(tlsAt)] : []),
        ...(tls.stapling
          ? [d("ssl_stapling", ["on"], [...tlsAt, "stapling"]), d("ssl_stapling_verify", ["on"], [...tlsAt, "stapling"])]
          : []),
        ...(tls.hsts
          ? [
              d(
                "add_header",
                [
                  "Strict-Transport-Security",
                  [
                    `max-age=${tls.hsts.maxAgeSeconds}`,
                    tls.hsts.includeSubdomains && "includeSubDomains",
                    tls.hsts.preload && "preload",
                  ]
                    .filter(Boolean)
                    .join("; "),
                  "always",
                ],
                writtenAt(site, "tls.hsts") ?? tlsAt,
              ),
            ]
          : []),
      ]
    : [];
  // array-inherited directives (add_header, ...): this level's, with the outer levels' repeated where it has its own
  const server = inheritedAt(top, ownTls, site.directives);
  const main: ServerBlock = {
    name: "server",
    args: [],
    at: site.at,
    comment: `${site.name}: ${scheme} on ${site.listen.length === 1 ? site.listen[0]!.value : site.listen.map((l) => l.value).join(", ")}`,
    children: [
      ...site.listen.map((l, i) =>
        d(
          "listen",
          [l.value, ...(tls ? ["ssl"] : []), ...(http2Listen ? ["http2"] : []), ...proxyProtocol],
          listenAt(site, l, i),
        ),
      ),
      ...(site.http2 && features.http2Directive ? [d("http2", ["on"], [...site.at, "http2"])] : []),
      serverName,
      SERVER_TOKENS_OFF(site.at),
      ...realIp,
      // behind a proxy nginx knows neither the scheme nor the port the client used: its own
      // redirects (a proxied /docs to /docs/) name no host, so the browser keeps what it used
      ...(site.realIp && !site.directives.some((e) => e.name === "absolute_redirect")
        ? [d("absolute_redirect", ["off"], [...site.at, "realIp"])]
        : []),
    ],
    tls: ownTls,
    redirect: [],
    extra: server.extra,
    locations: site.acme && !tls ? [acmeLocation(site)] : [],
  };
  for (const route of site.routes) {
    main.locations.push(location(route, server.inherited));
    const redirect = slashRedirect(site, route);
    if (redirect) main.locations.push(redirect);
    if (route.access?.forwardAuth) main.locations.push(authLocation(site, route, names, features));
  }
  return http ? [main, http] : [main];
}

/**
 * The plain-http server beside a TLS site: ACME challenges (acme) are answered from the webroot
 * before anything else; every other path is redirected to https (redirectHttp) or gets 404. Without
 * acme it is the plain redirect, a `return` for the whole server.
 */
function httpServer(
  site: Site,
  http: NonNullable<Site["http"]>,
  serverName: Directive,
  proxyProtocol: string[],
  realIp: Directive[],
): ServerBlock {
  const redirectAt = writtenAt(site, "redirectHttp") ?? [...site.at, "acme"];
  // a [::] twin (ipv6) points where the main server's do: at ipv6 when written, else at the site
  const listenAt = (l: ListenAddress) => (l.impliedBy === undefined ? redirectAt : (writtenAt(site, "ipv6") ?? site.at));
  const httpsPort = site.listen[0]!.port;
  const answer =
    http.redirect && !site.awaitingCertificate
      ? d("return", [301, httpsPort === 443 ? "https://$host$request_uri" : `https://$host:${httpsPort}$request_uri`], redirectAt)
      : d("return", [404], [...site.at, "acme"]);
  const acme = site.acme !== undefined;
  return {
    name: "server",
    args: [],
    at: redirectAt,
    comment: site.awaitingCertificate
      ? `${site.name}: waiting for its certificate: only ACME challenges are answered (run certbot, then wssgen apply)`
      : acme
        ? `${site.name}: http: ACME challenges, then ${http.redirect ? "a redirect to https" : "404"}`
        : `${site.name}: http -> https redirect`,
    children: [
      ...http.listen.map((l) => d("listen", [l.value, ...proxyProtocol], listenAt(l))),
      serverName,
      SERVER_TOKENS_OFF(redirectAt),
      ...realIp,
    ],
    tls: [],
    // a server-level return would answer before any location: with acme, the redirect is the other paths' location
    redirect: acme ? [] : [answer],
    extra: [],
    locations: acme
      ? [
          acmeLocation(site),
          {
            name: "location",
            args: ["/"],
            at: answer.at,
            comment: undefined,
            children: [answer],
          },
        ]
      : [],
  };
}

/** HTTP-01 challenges from certbot's webroot: WEBROOT/.well-known/acme-challenge/TOKEN. */
function acmeLocation(site: Site): LocationBlock {
  const at = [...site.at, "acme", "webroot"];
  return {
    name: "location",
    // ^~: no regular-expression location may take the challenge over
    args: ["^~", ACME_LOCATION],
    at,
    comment: `${site.name}: ACME HTTP-01 challenges (certbot --webroot)`,
    children: [d("root", [site.acme!.webroot], at), d("default_type", ["text/plain"], at)],
  };
}

/** set_real_ip_from and friends (ngx_http_realip_module) for a site behind a trusted proxy. */
function realIpDirectives(site: Site): Directive[] {
  if (!site.realIp) return [];
  const at = [...site.at, "realIp"];
  return [
    ...site.realIp.from.map((from, i) => d("set_real_ip_from", [from], [...at, "from", i])),
    d("real_ip_header", [site.realIp.header], writtenAt(site, "realIp.header") ?? at),
    // the client is the last address not in `from`, however many trusted proxies the chain passed
    d("real_ip_recursive", ["on"], at),
  ];
}

/**
 * The id of a `realIp.from` list in http-wide names: 8 hex digits of its SHA-256, from the list alone.
 * Hashed once per list (each site's list is one array), though the head and every location ask.
 */
function trustedId(from: readonly string[]): string {
  let id = trustedIds.get(from);
  if (id === undefined) trustedIds.set(from, (id = sha256Hex(from.join(" ")).slice(0, 8)));
  return id;
}
const trustedIds = new WeakMap<readonly string[], string>();

/**
 * X-Forwarded-For behind a trusted proxy: after realip, $remote_addr is the client, whom the
 * incoming chain already names; $proxy_add_x_forwarded_for would name it twice. The chain plus the
 * peer ($realip_remote_addr, nginx 1.9.7+) is what the proxy chain really was. X-Forwarded-Proto:
 * the trusted peer's value (TLS ended at the load balancer), else $scheme; a `geo` per `from` list
 * says whether the peer is trusted.
 */
function forwardedMaps(
  forwardedFor: boolean,
  trusted: ReadonlyMap<string, { from: string[]; at: KeyPath }>,
  names: GlobalNames,
): Block[] {
  if (!forwardedFor) return [];
  const blocks: Block[] = [
    {
      name: "map",
      args: ["$http_x_forwarded_for", names.forwardedFor],
      at: undefined,
      comment: undefined,
      children: [
        d("default", ["$http_x_forwarded_for, $realip_remote_addr"], undefined),
        d("", ["$realip_remote_addr"], undefined),
      ],
    },
  ];
  for (const [id, { from, at }] of [...trusted].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) {
    blocks.push(
      {
        name: "geo",
        args: ["$realip_remote_addr", names.trustedPeer(id)],
        at: undefined,
        comment: undefined,
        // unix: is no network geo knows: a peer on a socket is trusted by realip alone
        children: [d("default", [0], undefined), ...from.flatMap((f, i) => (f === "unix:" ? [] : [d(f, [1], [...at, i])]))],
      },
      {
        name: "map",
        args: [`${names.trustedPeer(id)}$http_x_forwarded_proto`, names.forwardedProto(id)],
        at: undefined,
        comment: undefined,
        children: [d("default", ["$scheme"], undefined), d("~^1(https?)$", ["$1"], undefined)],
      },
    );
  }
  return blocks;
}

/** HTML is revalidated on every visit (a new deploy shows at once); other files are cached for an hour. */
function staticExpiresMap(names: GlobalNames): Block {
  return {
    name: "map",
    args: ["$sent_http_content_type", names.staticExpires],
    at: undefined,
    comment: undefined,
    children: [d("default", ["1h"], undefined), d("~^text/html", ["-1"], undefined)],
  };
}

/** limit_conn for a route with maxConnectionsPerIp. */
function limitConn(route: Route, names: GlobalNames): Directive[] {
  if (route.maxConnectionsPerIp === undefined) return [];
  const limit = [...route.at, "maxConnectionsPerIp"];
  return [d("limit_conn", [names.connZone, route.maxConnectionsPerIp], limit), LIMIT_CONN_STATUS(limit)];
}

/**
 * limit_req for a route with rateLimit: its rate's zone, keyed by the client address and the route
 * (so each route has its own budget), the burst let through at once (nodelay), 429 beyond it.
 */
function limitReq(route: Route, names: GlobalNames): Directive[] {
  const limit = route.rateLimit;
  if (!limit) return [];
  const at = [...route.at, "rateLimit"];
  return [
    d(
      "limit_req",
      [`zone=${names.reqZone(limit.rate)}`, ...(limit.burst ? [`burst=${integer(limit.burst)}`, "nodelay"] : [])],
      at,
    ),
    d("limit_req_status", [429], at),
  ];
}

/** The location's part of routes[].access: the address list, basic auth, the forward-auth subrequest. */
function accessDirectives(route: Route, names: GlobalNames): Directive[] {
  const access = route.access;
  if (!access) return [];
  const at = [...route.at, "access"];
  const out: Directive[] = [];
  if (access.allow) {
    out.push(...access.allow.map((address, i) => d("allow", [address], [...at, "allow", i])));
    out.push(d("deny", ["all"], [...at, "allow"]));
  }
  if (access.basicAuth) {
    const basic = [...at, "basicAuth"];
    out.push(
      d("auth_basic", [access.basicAuth.realm], writtenAt(route, "access.basicAuth.realm") ?? basic),
      d("auth_basic_user_file", [access.basicAuth.userFile], [...basic, "userFile"]),
    );
  }
  if (access.forwardAuth) {
    const forward = [...at, "forwardAuth"];
    out.push(d("auth_request", [authUri(route)], [...forward, "url"]));
    access.forwardAuth.responseHeaders.forEach((name, i) =>
      out.push(
        d(
          "auth_request_set",
          [names.authResponse(name), `$upstream_http_${name.toLowerCase().replace(/-/g, "_")}`],
          [...forward, "responseHeaders", i],
        ),
      ),
    );
  }
  return out;
}

/** The internal location a route's forward auth asks (one per route, numbered by the route's place in its site). */
function authUri(route: Route): string {
  return `${AUTH_LOCATION_PREFIX}auth/${String(route.at[3])}`;
}

/**
 * The subrequest of forward auth (auth_request): the request's headers as they came (cookies,
 * Authorization; the proxy module drops Upgrade and sends Connection: close, so the service sees a
 * plain GET), no body, and where the request was going, in the headers Authelia, Authentik and
 * oauth2-proxy read (X-Original-URL, X-Forwarded-Method/-Host/-Uri/-Proto). X-Forwarded-For is the
 * client's address alone ($remote_addr, after realIp), not the chain: Authelia takes the chain's
 * first entry as the client (middlewares.RequestCtxRemoteIP), and a client writes that entry
 * itself, so it could claim an address a network rule lets in. `internal`: a client cannot ask it
 * directly. A URL without a path asks the service for "/": nginx's proxy_pass without a URI part
 * would send the subrequest's own URI (/.wssgen/auth/N). An https URL is verified against the
 * system's CA bundle for its host, with the protocol versions a TLS backend gets (before nginx
 * 1.27.3, nginx offered TLSv1 and TLSv1.1 and, before 1.23.4, no TLSv1.3: a service that speaks
 * only TLSv1.3 failed every request with 500).
 */
function authLocation(site: Site, route: Route, names: GlobalNames, features: Features): LocationBlock {
  const forward = route.access!.forwardAuth!;
  const at = [...route.at, "access", "forwardAuth"];
  const realIp = site.realIp && site.realIp.header !== "proxy_protocol" ? site.realIp : undefined;
  const proto = realIp ? names.forwardedProto(trustedId(realIp.from)) : "$scheme";
  const standardPort = site.listen[0]!.port === (site.tls ? 443 : 80);
  const host = realIp || standardPort ? "$host" : "$host:$server_port";
  const header = (name: string, value: string) => d("proxy_set_header", [name, value], at);
  const url = new URL(forward.url);
  return {
    name: "location",
    args: ["=", authUri(route)],
    at,
    comment: `${site.name} ${route.path}: forward auth (auth_request), internal`,
    children: [
      d("internal", [], at),
      // a URL without a path means "/" (as to a browser); nginx would send its own location's URI
      d("proxy_pass", [/^https?:\/\/[^/]+$/.test(forward.url) ? `${forward.url}/` : forward.url], [...at, "url"]),
      ...(url.protocol === "https:"
        ? proxySsl({ verify: true, ca: DEFAULTS.upstream["tls.ca"].value, serverName: url.hostname }, features, () => [
            ...at,
            "url",
          ])
        : []),
      d("proxy_pass_request_body", ["off"], at),
      header("Content-Length", ""),
      header("X-Original-URL", `${proto}://${host}$request_uri`),
      header("X-Original-Method", "$request_method"),
      header("X-Forwarded-Method", "$request_method"),
      header("X-Forwarded-Proto", proto),
      header("X-Forwarded-Host", "$host"),
      header("X-Forwarded-Uri", "$request_uri"),
      // the client nginx vouches for, alone: services read the first entry (Authelia), which a client writes
      header("X-Forwarded-For", "$remote_addr"),
      header("X-Real-IP", "$remote_addr"),
    ],
  };
}

/**
 * A location's settings for a backend that speaks TLS (upstreams.<name>.tls): SNI and the name
 * checked (proxy_ssl_name: nginx's default is the upstream group's own name, which no certificate
 * holds), verification against the CA file, the client certificate, and before nginx 1.27.3 the
 * protocol versions (nginx offered TLSv1 and TLSv1.1, and before 1.23.4 no TLSv1.3).
 */
function backendTls(upstream: Upstream, features: Features): Directive[] {
  const at = [...upstream.at, "tls"];
  return proxySsl(upstream.tls!, features, (field) =>
    field === "tls"
      ? at
      : field === "certificate" || field === "key"
        ? [...at, field]
        : (writtenAt(upstream, `tls.${field}`) ?? at),
  );
}

/**
 * The proxy_ssl_* directives of a location that proxies with https (a TLS upstream's, or a forward-auth
 * service's): SNI and the name checked, verification against the CA file, the client certificate, and
 * before nginx 1.27.3 the protocol versions. `at` gives the key each directive points at ("tls":
 * the settings as a whole).
 */
function proxySsl(
  tls: UpstreamTls,
  features: Features,
  at: (field: "tls" | "serverName" | "verify" | "ca" | "certificate" | "key") => KeyPath,
): Directive[] {
  return [
    d("proxy_ssl_server_name", ["on"], at("tls")),
    d("proxy_ssl_name", [tls.serverName!], at("serverName")),
    ...(tls.verify ? [d("proxy_ssl_verify", ["on"], at("verify")), d("proxy_ssl_trusted_certificate", [tls.ca], at("ca"))] : []),
    ...(tls.certificate !== undefined && tls.key !== undefined
      ? [d("proxy_ssl_certificate", [tls.certificate], at("certificate")), d("proxy_ssl_certificate_key", [tls.key], at("key"))]
      : []),
    ...(features.proxySslProtocols ? [d("proxy_ssl_protocols", ["TLSv1.2", "TLSv1.3"], at("tls"))] : []),
  ];
}

/** client_max_body_size (maxBodySize) and buffering: false. */
function bodyAndBuffering(route: Route): Directive[] {
  const out: Directive[] = [];
  if (route.maxBodySize !== undefined) out.push(d("client_max_body_size", [route.maxBodySize], sourceOf(route, "maxBodySize")));
  if (route.buffering === false) {
    const at = [...route.at, "buffering"];
    out.push(d("proxy_buffering", ["off"], at), d("proxy_request_buffering", ["off"], at));
  }
  return out;
}

/**
 * A static route: `alias` maps the route's path onto static.root (`root` for "/", the same thing);
 * with spa, a path that is no file gets the route's index.html. Caching: staticExpiresMap, unless
 * the route's `directives` set `expires` itself.
 */
function staticLocation(
  site: Site,
  route: Route,
  names: GlobalNames,
  key: string | undefined,
  inherited: Inherited,
): LocationBlock {
  const files = route.static!;
  const at = [...route.at, "static"];
  const dir = files.root.replace(/\/+$/, "");
  const children: Directive[] = [
    ...limitConn(route, names),
    ...limitReq(route, names),
    ...accessDirectives(route, names),
    route.uri === "/" ? d("root", [dir || "/"], [...at, "root"]) : d("alias", [`${dir}/`], [...at, "root"]),
  ];
  if (files.spa) children.push(d("try_files", ["$uri", `${route.uri}index.html`], [...at, "spa"]));
  if (!route.directives.some((e) => e.name === "expires")) children.push(d("expires", [names.staticExpires], at));
  // (a static route has no buffering: semantics.ts refuses it there)
  children.push(...bodyAndBuffering(route), ...withInherited(route.directives, inherited));
  return {
    name: "location",
    args: [route.uri],
    at: [...route.at, "path"],
    comment: `${site.name} ${route.path} -> files in ${files.root}${files.spa ? " (single-page app)" : ""}`,
    children: key !== undefined ? [d("set", [names.route, key], route.at), ...children] : children,
  };
}

/**
 * `/docs` to `/docs/` for a static route at `/docs/`: nginx redirects a prefix location's path
 * without its slash only when the location proxies (proxy_pass docs: "If a location is defined by a
 * prefix string that ends with the slash character ... a permanent redirect with the code 301"), so
 * a static route needs its own, or `/docs` would fall to another route (an SPA at `/` would answer
 * with its index.html). None when the site routes that exact path itself.
 */
function slashRedirect(site: Site, route: Route): LocationBlock | undefined {
  if (!route.static || route.exact || route.uri === "/") return undefined;
  const bare = route.uri.replace(/\/$/, "");
  if (site.routes.some((r) => r.uri === bare)) return undefined;
  const at = [...route.at, "path"];
  return {
    name: "location",
    args: ["=", bare],
    at,
    comment: `${site.name} ${bare} -> redirect to ${route.uri}`,
    // with the query string, as nginx's own redirect keeps it
    children: [d("return", [301, `${route.uri}$is_args$args`], at)],
  };
}

/**
 * With defaultServer: reject, one server for the plain addresses and one for the TLS addresses
 * wssgen listens on, each the `default_server` of its addresses: a request for a host no site
 * serves is closed without an answer (444), and a TLS handshake for a name no site has is refused
 * (ssl_reject_handshake, nginx 1.19.4+), so no certificate names a site to a scanner.
 */
function catchAllServers(config: WssgenConfig, features: Features): ServerBlock[] {
  type Listens = Map<string, { value: string; proxyProtocol: boolean }>;
  const plain: Listens = new Map();
  // by TLS profile: a TLS address's default server sets the protocol versions for every name on it
  // (nginx negotiates them before it switches to the server the name selects), so the catch-all
  // carries the profile of the sites there (semantics.ts: sites on one address share it)
  const secure = new Map<TlsProfile, Listens>();
  const add = (into: Listens, l: ListenAddress, proxyProtocol: boolean) => {
    const key = `${l.host}:${l.port}`;
    if (!into.has(key)) into.set(key, { value: l.value, proxyProtocol });
  };
  for (const site of config.sites) {
    const pp = site.realIp?.header === "proxy_protocol";
    if (site.tls) {
      let listens = secure.get(site.tls.profile);
      if (!listens) secure.set(site.tls.profile, (listens = new Map() as Listens));
      for (const l of site.listen) add(listens, l, pp);
    } else for (const l of site.listen) add(plain, l, pp);
    for (const l of site.http?.listen ?? []) add(plain, l, pp);
  }
  const at = ["defaultServer"];
  const server = (kind: "plain" | "TLS", listens: Listens, profile?: TlsProfile): ServerBlock => ({
    name: "server",
    args: [],
    at,
    comment: `catch-all (${kind}${profile && secure.size > 1 ? `, ${profile}` : ""}): ${kind === "TLS" ? "refuses the handshake for names" : "closes requests for hosts"} no site serves (defaultServer: reject)`,
    children: [
      ...[...listens.values()].map((l) =>
        d(
          "listen",
          [l.value, ...(kind === "TLS" ? ["ssl"] : []), "default_server", ...(l.proxyProtocol ? ["proxy_protocol"] : [])],
          at,
        ),
      ),
      d("server_tokens", ["off"], at),
    ],
    tls: profile ? [d("ssl_reject_handshake", ["on"], at), ...protocolDirectives(profile, features, at, at)] : [],
    redirect: [d("return", [444], at)],
    extra: [],
    locations: [],
  });
  return [
    ...(plain.size ? [server("plain", plain)] : []),
    ...[...secure].map(([profile, listens]) => server("TLS", listens, profile)),
  ];
}

/**
 * The protocol versions, ciphers and key exchange groups of a Mozilla profile (server-side TLS 6.0),
 * as nginx and the OpenSSL it is built with take them. `at` points at the TLS settings, `profileAt`
 * at the profile key, which alone decides the modern profile's single protocol.
 */
function protocolDirectives(profile: TlsProfile, features: Features, at: KeyPath, profileAt: KeyPath): Directive[] {
  return [
    ...(profile === "modern" ? [TLS_1_3(profileAt)] : [TLS_1_2_AND_1_3(at), INTERMEDIATE(at)]),
    (features.curves === "mlkem" ? CURVES_MLKEM : features.curves === "nist" ? CURVES_NIST : CURVES_MOZILLA)(at),
    PREFER_SERVER_CIPHERS_OFF(at),
  ];
}
const TLS_1_3 = fixedDirective("ssl_protocols", ["TLSv1.3"]);
const TLS_1_2_AND_1_3 = fixedDirective("ssl_protocols", ["TLSv1.2", "TLSv1.3"]);
const INTERMEDIATE = fixedDirective("ssl_ciphers", [INTERMEDIATE_CIPHERS]);
const CURVES_MLKEM = fixedDirective("ssl_ecdh_curve", [MLKEM_CURVES]);
const CURVES_NIST = fixedDirective("ssl_ecdh_curve", [NIST_CURVES]);
const CURVES_MOZILLA = fixedDirective("ssl_ecdh_curve", [MOZILLA_CURVES]);
const PREFER_SERVER_CIPHERS_OFF = fixedDirective("ssl_prefer_server_ciphers", ["off"]);

/** A `directives` entry as a directive, pointing at the entry. */
function extraDirective(entry: ExtraDirective): Directive {
  return d(entry.name, entry.args, entry.at);
}

/**
 * The array-inherited directives (directives.ts REEMITTED) in effect at a level, by name, in the
 * order that level prints them: what an inner level that has its own must repeat.
 */
type Inherited = ReadonlyMap<string, readonly Directive[]>;

/** The top level's: its entries of REEMITTED names. */
function inheritedFrom(entries: readonly ExtraDirective[]): Inherited {
  return inheritedAt(new Map(), [], entries).inherited;
}

/**
 * A level's `directives` entries, then the outer levels' array-inherited directives of each name
 * the level has (among `own`, which is wssgen's directives at the level in their printed order,
 * then the entries), except those an own one replaces (the same header: directives.ts
 * replacedKey); and what the level passes on to the next one in: per name, its own, then the
 * repeated ones, as printed. Without this, nginx would drop the outer ones there (a route's
 * add_header would drop the site's HSTS header).
 */
function inheritedAt(
  outer: Inherited,
  own: readonly Directive[],
  entries: readonly ExtraDirective[],
): { extra: Directive[]; inherited: Inherited } {
  const extra = entries.map(extraDirective);
  const mine = [...own, ...extra].filter((x) => REEMITTED.has(x.name));
  if (!mine.length) return { extra, inherited: outer };
  if (outer.size === 0) {
    // nothing outside to repeat (no top-level entries: the usual case): this level's own, by name
    const inherited = new Map<string, Directive[]>();
    for (const x of mine) {
      const list = inherited.get(x.name);
      if (list) list.push(x);
      else inherited.set(x.name, [x]);
    }
    return { extra, inherited };
  }
  const keyOf = (x: Directive) => {
    const key = replacedKey(x.name, x.args);
    return key === undefined ? undefined : `${x.name} ${key}`;
  };
  const replaced = new Set(mine.map(keyOf));
  const present = new Set(mine.map((x) => x.name));
  const repeated = [...outer]
    .filter(([name]) => present.has(name))
    .flatMap(([, list]) =>
      list.filter((x) => {
        const key = keyOf(x);
        return key === undefined || !replaced.has(key);
      }),
    );
  const inherited = new Map(outer);
  for (const name of present)
    inherited.set(
      name,
      [...mine, ...repeated].filter((x) => x.name === name),
    );
  return { extra: [...extra, ...repeated], inherited };
}

/** A location's `directives` entries, then the outer levels' array-inherited directives of the names it has. */
function withInherited(entries: readonly ExtraDirective[], outer: Inherited): readonly Directive[] {
  // (most locations have no entries, and then nothing to repeat)
  return entries.length ? inheritedAt(outer, [], entries).extra : NO_DIRECTIVES;
}
const NO_DIRECTIVES: readonly Directive[] = Object.freeze([]);

/** `proxy_set_header name value;` */
function proxySetHeader(name: string, value: string, at: KeyPath): Directive {
  return d("proxy_set_header", [name, value], at);
}

/**
 * An upstream block. With resolve: a shared-memory zone and the resolver (both needed by
 * `server ... resolve`, nginx 1.27.3+; the resolver here, not http-wide, so that it meets no other
 * file's). The balancing method comes before `sticky`, which wraps it (ngx_http_upstream_sticky_module:
 * a method after it would replace it). The sticky cookie is `secure` when only TLS sites route here.
 */
function upstreamBlock(u: Upstream, config: WssgenConfig, features: Features, names: GlobalNames, secureOnly: boolean): Block {
  const balance = [...u.at, "balance"];
  const resolveAt = writtenAt(u, "resolve") ?? [...u.at, "resolve"];
  const resolver = config.resolver;
  return {
    name: "upstream",
    args: [names.upstream(u.name)],
    at: u.at,
    comment: `upstream ${u.name}`,
    children: [
      // 1 MB: a few thousand addresses, however many the names resolve to
      ...(u.resolve ? [d("zone", [names.upstreamZone(u.name), "1m"], resolveAt)] : []),
      ...(u.resolve && resolver
        ? [
            d(
              "resolver",
              [...resolver.addresses, ...(resolver.valid === undefined ? [] : [`valid=${duration(resolver.valid)}`])],
              ["resolver"],
            ),
          ]
        : []),
      ...(u.balance === "least-conn" ? [d("least_conn", [], balance)] : []),
      ...(u.balance === "ip-hash" ? [d("ip_hash", [], balance)] : []),
      ...(u.balance === "random" ? [d("random", [], balance)] : []),
      ...(u.balance === "hash" ? [d("hash", [u.hashKey!], [...u.at, "hashKey"])] : []),
      ...(u.sticky
        ? [
            d(
              "sticky",
              ["cookie", u.sticky.cookie, "path=/", "httponly", ...(secureOnly ? ["secure"] : [])],
              [...u.at, "sticky", "cookie"],
            ),
          ]
        : []),
      ...u.servers.map((s, i) =>
        d(
          "server",
          [
            s.address,
            ...(s.weight === undefined ? [] : [`weight=${integer(s.weight)}`]),
            ...(s.maxFails === undefined ? [] : [`max_fails=${integer(s.maxFails)}`]),
            ...(s.failTimeout === undefined ? [] : [`fail_timeout=${duration(s.failTimeout)}`]),
            ...(s.backup ? ["backup"] : []),
            ...(s.down ? ["down"] : []),
            ...(u.resolve && resolvable(s.address) ? ["resolve"] : []),
          ],
          [...u.at, "servers", i],
        ),
      ),
      // `keepalive 0` is only needed to switch off 1.29.7's default; before that, off is the default
      ...(u.keepalive === undefined || (u.keepalive === 0 && features.defaultKeepalive === 0)
        ? []
        : [d("keepalive", [u.keepalive], [...u.at, "keepalive"])]),
    ],
  };
}

function mainView(config: WssgenConfig): MainView {
  return {
    workerProcesses: d("worker_processes", ["auto"], undefined),
    workerRlimitNofile: d("worker_rlimit_nofile", [65535], undefined),
    workerShutdownTimeout: d(
      "worker_shutdown_timeout",
      [duration(config.nginx.workerShutdownTimeout)],
      writtenAt(config.nginx, "workerShutdownTimeout"),
    ),
    events: {
      name: "events",
      args: [],
      at: undefined,
      comment: undefined,
      children: [d("worker_connections", [16384], undefined)],
    },
    // the file types Debian's, Ubuntu's and nginx.org's nginx.conf read: without them a static
    // route would serve its .css and .js as text/plain, which browsers refuse for modules and styles
    mimeTypes: [d("include", ["/etc/nginx/mime.types"], undefined), d("default_type", ["application/octet-stream"], undefined)],
    http: { name: "http", args: [], at: undefined, comment: undefined, children: [] },
  };
}

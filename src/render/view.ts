/**
 * The normalized config and the nginx build rendered for → the tree of blocks and directives the
 * templates lay out. Every directive wssgen emits is described here, once, next to the config key
 * it comes from (its `at`); templates only arrange blocks, comments and blank lines.
 */
import {
  type ListenAddress,
  type Recorded,
  type Route,
  type Site,
  type Upstream,
  type WssgenConfig,
  writtenAt,
} from "../config/model.js";
import type { KeyPath } from "../config/path.js";
import { CACHE_LINE, hashSizesFor } from "./hash.js";
import { globalNames, routeKeys, type GlobalNames } from "./names.js";
import { duration, integer } from "./quote.js";
import { directive as d, type Block, type Directive } from "./tree.js";
import { describeFeatures, type Features, formatVersion, type NginxBuild } from "../nginx-version/version.js";

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

/** A location: its `set`s, then its `if` blocks (each only `return`s), then everything else. */
export interface LocationBlock extends Block {
  variables: Directive[];
  guards: Block[];
}

/** A server: listen, names and the like (`children`), then its TLS settings, a redirect, its locations. */
export interface ServerBlock extends Block {
  tls: Directive[];
  redirect: Directive[];
  locations: LocationBlock[];
}

/** The main context of a complete nginx.conf (`render --full`): around the http block. */
export interface MainView {
  workerProcesses: Directive;
  workerRlimitNofile: Directive;
  workerShutdownTimeout: Directive;
  events: Block;
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
  upstreams: Block[];
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

/** The key of a site's i-th listen address: `listen[i]` of a list, `listen` alone, else the site (which then has no `listen`). */
function listenAt(site: Site, i: number): KeyPath {
  const at = writtenAt(site, "listen");
  if (at === undefined) return site.at;
  return site.listen.length > 1 ? [...at, i] : at;
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
    if (site.tls && site.redirect) add(site.redirect, site.domains);
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

/** nginx's defaults: buckets of one cache line; 512 server names, 2048 map keys before it searches further. */
const SERVER_NAMES_DEFAULTS = { bucketSize: CACHE_LINE, maxSize: 512 };
const MAP_DEFAULTS = { bucketSize: CACHE_LINE, maxSize: 2048 };

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
  const originEntries: Directive[] = [];
  let upgrade = false;
  let upgradeKeepalive = false;
  let limits = false;

  for (const site of config.sites)
    for (const route of site.routes) {
      if (route.websocket) {
        if (keepsAlive(upstreams.get(route.upstream))) upgradeKeepalive = true;
        else upgrade = true;
      }
      if (route.origins !== undefined) {
        const key = keys.get(route)!;
        // an empty Origin (none sent) is "<key> "
        if (route.allowMissingOrigin)
          originEntries.push(d(`${key} `, [0], writtenAt(route, "allowMissingOrigin") ?? [...route.at, "origins"]));
        for (const origin of [...new Set(route.origins)].sort())
          originEntries.push(d(`${key} ${origin}`, [0], [...route.at, "origins", route.origins.indexOf(origin)]));
      }
      if (route.maxConnectionsPerIp !== undefined) limits = true;
    }

  const location = (site: Site, route: Route): LocationBlock => {
    const keepalive = keepsAlive(upstreams.get(route.upstream));
    const header = (name: string, value: string, at: KeyPath) => d("proxy_set_header", [name, value], at);
    const headers = [
      header("Host", "$host", route.at),
      header("X-Real-IP", "$remote_addr", route.at),
      header("X-Forwarded-For", "$proxy_add_x_forwarded_for", route.at),
      header("X-Forwarded-Proto", "$scheme", route.at),
    ];
    if (route.websocket) {
      headers.push(
        header("Upgrade", "$http_upgrade", route.at),
        header("Connection", keepalive ? names.upgradeKeepalive : names.upgrade, route.at),
      );
    } else if (keepalive && features.proxyHttpVersion) {
      // before 1.29.7 nginx sends "Connection: close" upstream unless told otherwise
      headers.push(header("Connection", "", route.at));
    }
    for (const { name, value, at } of route.headers) {
      const lower = name.toLowerCase();
      const existing = headers.findIndex((h) => (h.args[0] as string).toLowerCase() === lower);
      // a header wssgen sets keeps its place (and its name's spelling), with the user's value
      if (existing >= 0) headers[existing] = header(headers[existing]!.args[0] as string, value, at);
      else headers.push(header(name, value, at));
    }
    const children: Directive[] = [];
    if (route.maxConnectionsPerIp !== undefined) {
      const limit = [...route.at, "maxConnectionsPerIp"];
      children.push(d("limit_conn", [names.connZone, route.maxConnectionsPerIp], limit), d("limit_conn_status", [429], limit));
    }
    children.push(d("proxy_pass", [`http://${names.upstream(route.upstream)}`], [...route.at, "upstream"]));
    if (features.proxyHttpVersion) children.push(d("proxy_http_version", ["1.1"], route.at));
    children.push(
      ...headers,
      d("proxy_connect_timeout", [duration(route.timeouts.connect)], sourceOf(route, "timeouts.connect")),
      d("proxy_read_timeout", [duration(route.timeouts.read)], sourceOf(route, "timeouts.read")),
      d("proxy_send_timeout", [duration(route.timeouts.send)], sourceOf(route, "timeouts.send")),
    );
    const origins = route.origins && [...route.at, "origins"];
    const keyed = origins !== undefined || route.maxConnectionsPerIp !== undefined;
    return {
      name: "location",
      args: route.exact ? ["=", route.uri] : [route.uri],
      at: [...route.at, "path"],
      comment: `${site.name} ${route.path} -> upstream ${route.upstream} (${route.websocket ? "WebSocket" : "HTTP"})`,
      variables: keyed ? [d("set", [names.route, keys.get(route)!], route.at)] : [],
      guards: origins
        ? [
            {
              name: "if",
              args: [`(${names.originDenied})`],
              at: origins,
              comment: undefined,
              children: [d("return", [403], origins)],
            },
          ]
        : [],
      children,
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
    originMap: originEntries.length
      ? {
          name: "map",
          args: [`${names.route} $http_origin`, names.originDenied],
          at: undefined,
          comment: undefined,
          children: [d("default", [1], undefined), ...originEntries],
        }
      : undefined,
    // a zone entry is about 128 bytes: 32 MB hold ~250,000 client addresses per route at once
    connZone: limits
      ? [d("limit_conn_zone", [`$binary_remote_addr${names.route}`, `zone=${names.connZone}:${integer(32)}m`], undefined)]
      : [],
    upstreams: config.upstreams.map((u) => upstreamBlock(u, features, names)),
    *servers() {
      for (const site of config.sites) yield* siteServers(site, features, names, (route) => location(site, route));
    },
    main: mainView(config),
  };
}

function siteServers(
  site: Site,
  features: Features,
  names: GlobalNames,
  location: (route: Route) => LocationBlock,
): ServerBlock[] {
  const tls = site.tls;
  const http2Listen = site.http2 && !features.http2Directive;
  const tlsAt = [...site.at, "tls"];
  const serverName = d("server_name", site.domains, [...site.at, "domains"]);
  const scheme = site.routes.some((r) => r.websocket) ? (tls ? "wss" : "ws") : tls ? "https" : "http";
  const main: ServerBlock = {
    name: "server",
    args: [],
    at: site.at,
    comment: `${site.name}: ${scheme} on ${site.listen.length === 1 ? site.listen[0]!.value : site.listen.map((l) => l.value).join(", ")}`,
    children: [
      ...site.listen.map((l, i) =>
        d("listen", [l.value, ...(tls ? ["ssl"] : []), ...(http2Listen ? ["http2"] : [])], listenAt(site, i)),
      ),
      ...(site.http2 && features.http2Directive ? [d("http2", ["on"], [...site.at, "http2"])] : []),
      serverName,
      d("server_tokens", ["off"], site.at),
    ],
    tls: tls
      ? [
          d("ssl_certificate", [tls.certificate], [...tlsAt, "certificate"]),
          d("ssl_certificate_key", [tls.key], [...tlsAt, "key"]),
          ...(tls.profile === "modern"
            ? [d("ssl_protocols", ["TLSv1.3"], [...tlsAt, "profile"])]
            : [d("ssl_protocols", ["TLSv1.2", "TLSv1.3"], tlsAt), d("ssl_ciphers", [INTERMEDIATE_CIPHERS], tlsAt)]),
          d(
            "ssl_ecdh_curve",
            [features.curves === "mlkem" ? MLKEM_CURVES : features.curves === "nist" ? NIST_CURVES : MOZILLA_CURVES],
            tlsAt,
          ),
          d("ssl_prefer_server_ciphers", ["off"], tlsAt),
          d("ssl_session_timeout", [duration(tls.sessionTimeout)], writtenAt(site, "tls.sessionTimeout") ?? tlsAt),
          d("ssl_session_cache", [`shared:${names.sslZone}:10m`], tlsAt),
          ...(features.sessionTicketsOff ? [d("ssl_session_tickets", ["off"], tlsAt)] : []),
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
      : [],
    redirect: [],
    locations: site.routes.map(location),
  };
  if (!tls || !site.redirect) return [main];
  const httpsPort = site.listen[0]!.port;
  const redirectAt = [...site.at, "redirectHttp"];
  return [
    main,
    {
      name: "server",
      args: [],
      at: redirectAt,
      comment: `${site.name}: http -> https redirect`,
      children: [
        ...site.redirect.map((l) => d("listen", [l.value], redirectAt)),
        serverName,
        d("server_tokens", ["off"], redirectAt),
      ],
      tls: [],
      redirect: [
        d(
          "return",
          [301, httpsPort === 443 ? "https://$host$request_uri" : `https://$host:${httpsPort}$request_uri`],
          redirectAt,
        ),
      ],
      locations: [],
    },
  ];
}

function upstreamBlock(u: Upstream, features: Features, names: GlobalNames): Block {
  const balance = [...u.at, "balance"];
  return {
    name: "upstream",
    args: [names.upstream(u.name)],
    at: u.at,
    comment: `upstream ${u.name}`,
    children: [
      ...(u.balance === "least-conn" ? [d("least_conn", [], balance)] : []),
      ...(u.balance === "ip-hash" ? [d("ip_hash", [], balance)] : []),
      ...(u.balance === "random" ? [d("random", [], balance)] : []),
      ...(u.balance === "hash" ? [d("hash", [u.hashKey!], [...u.at, "hashKey"])] : []),
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
    http: { name: "http", args: [], at: undefined, comment: undefined, children: [] },
  };
}

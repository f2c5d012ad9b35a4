/**
 * The normalized config and the target nginx → the view the templates lay out. Every decision about
 * what to emit is made here, in plain TypeScript; templates only arrange lines.
 */
import type { ListenAddress, Route, Site, Upstream, WssgenConfig } from "../config/model.js";
import { CACHE_LINE, hashSizesFor } from "./hash.js";
import type { KeyPath } from "../config/path.js";
import { globalNames, type GlobalNames } from "./names.js";
import { describeFeatures, type Features, formatVersion, type Version } from "../nginx-version/version.js";

export interface RenderTarget {
  version: Version;
  openssl?: Version | undefined;
}

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

export interface HeaderView {
  name: string;
  value: string;
}

export interface LocationView {
  names: GlobalNames;
  at: KeyPath;
  exact: boolean;
  uri: string;
  websocket: boolean;
  /** the allowlist this location checks Origin against */
  originList: number | undefined;
  /** the route's key in the connection zone, and its limit */
  limitConn: { route: number; count: number } | undefined;
  proxyPass: string;
  proxyHttpVersion: boolean;
  headers: HeaderView[];
  timeouts: { connect: string | number; read: string | number; send: string | number };
}

export interface ServerView {
  at: KeyPath;
  label: string;
  listens: { value: string; ssl: boolean; http2: boolean }[];
  http2On: boolean;
  serverNames: string[];
  tls:
    | {
        certificate: string;
        key: string;
        protocols: string;
        ciphers: string | undefined;
        curves: string;
        sessionCache: string;
        sessionTimeout: string | number;
        sessionTicketsOff: boolean;
        stapling: boolean;
        hsts: string | undefined;
      }
    | undefined;
  redirectTo: string | undefined;
  locations: LocationView[];
}

export interface UpstreamView {
  at: KeyPath;
  name: string;
  leastConn: boolean;
  ipHash: boolean;
  random: boolean;
  hashKey: string | undefined;
  servers: {
    address: string;
    weight?: number;
    maxFails?: number;
    failTimeout?: string | number;
    backup: boolean;
    down: boolean;
  }[];
  keepalive: number | undefined;
}

export interface View {
  source: string;
  target: string;
  features: string;
  upgradeMap: { variable: string } | undefined;
  upgradeKeepaliveMap: { variable: string } | undefined;
  names: GlobalNames;
  /** the keys of the origin map: "<list>:<origin>" ("<list>:" lets a missing Origin in) */
  originMap: string[] | undefined;
  /** size of the connection zone in megabytes, when a route limits connections */
  connZone: number | undefined;
  /** hash sizes nginx needs for these names and origins, when its defaults would not do */
  hashSizes: { mapBucket?: number; mapMax?: number; serverNamesBucket?: number; serverNamesMax?: number } | undefined;
  upstreams: UpstreamView[];
  /** the server blocks, built one at a time as they are rendered */
  servers(): Iterable<ServerView>;
  workerShutdownTimeout: string | number;
}

/** Server names per listen address (each address has its own names hash in nginx), and origin map keys. */
/**
 * Server names per listen address (each address has its own names hash in nginx), and origin map
 * keys. Exact names form one table per address; wildcard names (`*.a.example.com`, `www.example.*`)
 * form a tree of labels, as ngx_hash_wildcard_init builds it, and each node's child labels are one
 * more table with the same sizes.
 */
function hashSizes(config: WssgenConfig, originKeys: string[]): View["hashSizes"] {
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
  if (!names && !origins) return undefined;
  return {
    ...(origins ? { mapBucket: origins.bucketSize, mapMax: origins.maxSize } : {}),
    ...(names ? { serverNamesBucket: names.bucketSize, serverNamesMax: names.maxSize } : {}),
  };
}

/** nginx's defaults: buckets of one cache line; 512 server names, 2048 map keys before it searches further. */
const SERVER_NAMES_DEFAULTS = { bucketSize: CACHE_LINE, maxSize: 512 };
const MAP_DEFAULTS = { bucketSize: CACHE_LINE, maxSize: 2048 };

/**
 * Two passes. The first walks the routes for what the head of the file declares (upgrade maps,
 * origin maps, connection zones); the second builds each server's view only when it is rendered,
 * so a config of 100,000 sites never holds 100,000 views at once.
 */
export function buildView(config: WssgenConfig, target: RenderTarget, features: Features): View {
  const upstreams = new Map(config.upstreams.map((u) => [u.name, u]));
  const names = globalNames(config.nginx.namespace);
  const keepsAlive = (u: Upstream | undefined) => (u?.keepalive ?? features.defaultKeepalive) > 0;
  const originLists = new Map<string, number>();
  const originKeys: string[] = [];
  const routeOrigin = new Map<Route, number>();
  const routeConn = new Map<Route, number>();
  let upgrade = false;
  let upgradeKeepalive = false;

  for (const site of config.sites)
    for (const route of site.routes) {
      if (route.websocket) {
        if (keepsAlive(upstreams.get(route.upstream))) upgradeKeepalive = true;
        else upgrade = true;
      }
      if (route.origins !== undefined) {
        // routes with the same allowlist share its keys in the one origin map
        const origins = [...new Set(route.origins)].sort();
        const key = JSON.stringify([route.allowMissingOrigin, origins]);
        let list = originLists.get(key);
        if (list === undefined) {
          list = originLists.size + 1;
          originLists.set(key, list);
          if (route.allowMissingOrigin) originKeys.push(`${list}:`);
          for (const origin of origins) originKeys.push(`${list}:${origin}`);
        }
        routeOrigin.set(route, list);
      }
      if (route.maxConnectionsPerIp !== undefined) routeConn.set(route, routeConn.size + 1);
    }

  const location = (route: Route): LocationView => {
    const keepalive = keepsAlive(upstreams.get(route.upstream));
    const headers: HeaderView[] = [
      { name: "Host", value: "$host" },
      { name: "X-Real-IP", value: "$remote_addr" },
      { name: "X-Forwarded-For", value: "$proxy_add_x_forwarded_for" },
      { name: "X-Forwarded-Proto", value: "$scheme" },
    ];
    if (route.websocket) {
      headers.push(
        { name: "Upgrade", value: "$http_upgrade" },
        { name: "Connection", value: keepalive ? names.upgradeKeepalive : names.upgrade },
      );
    } else if (keepalive && features.proxyHttpVersion) {
      // before 1.29.7 nginx sends "Connection: close" upstream unless told otherwise
      headers.push({ name: "Connection", value: "" });
    }
    for (const { name, value } of route.headers) {
      const existing = headers.find((h) => h.name.toLowerCase() === name.toLowerCase());
      if (existing) existing.value = value;
      else headers.push({ name, value });
    }
    const connRoute = routeConn.get(route);
    return {
      names,
      at: route.at,
      exact: route.exact,
      uri: route.uri,
      websocket: route.websocket,
      originList: routeOrigin.get(route),
      limitConn: connRoute === undefined ? undefined : { route: connRoute, count: route.maxConnectionsPerIp! },
      proxyPass: `http://${names.upstream(route.upstream)}`,
      proxyHttpVersion: features.proxyHttpVersion,
      headers,
      timeouts: route.timeouts,
    };
  };

  return {
    // a file name is the one thing in a comment nobody validated: make it one printable line
    source:
      config.file === "<stdin>"
        ? "standard input"
        : (config.file.split(/[\\/]/).pop() ?? config.file).replace(/[\u0000-\u001f\u007f-\u009f\u2028\u2029]/g, "?"),
    target: formatVersion(target.version),
    features: describeFeatures(features),
    upgradeMap: upgrade ? { variable: names.upgrade } : undefined,
    upgradeKeepaliveMap: upgradeKeepalive ? { variable: names.upgradeKeepalive } : undefined,
    names,
    originMap: originKeys.length ? originKeys : undefined,
    // a zone entry is about 128 bytes: 32 MB hold ~250,000 client addresses per route at once
    connZone: routeConn.size ? 32 : undefined,
    hashSizes: hashSizes(config, originKeys),
    upstreams: config.upstreams.map((u) => upstreamView(u, features, names)),
    *servers() {
      for (const site of config.sites) yield* siteServers(site, features, names, location);
    },
    workerShutdownTimeout: config.nginx.workerShutdownTimeout,
  };
}

function siteServers(site: Site, features: Features, names: GlobalNames, location: (route: Route) => LocationView): ServerView[] {
  const tls = site.tls;
  const http2Listen = site.http2 && !features.http2Directive;
  const main: ServerView = {
    at: site.at,
    label: site.name,
    listens: site.listen.map((l) => ({ value: l.value, ssl: tls !== undefined, http2: http2Listen })),
    http2On: site.http2 && features.http2Directive,
    serverNames: site.domains,
    tls: tls && {
      certificate: tls.certificate,
      key: tls.key,
      protocols: tls.profile === "modern" ? "TLSv1.3" : "TLSv1.2 TLSv1.3",
      ciphers: tls.profile === "modern" ? undefined : INTERMEDIATE_CIPHERS,
      curves: features.curves === "mlkem" ? MLKEM_CURVES : features.curves === "nist" ? NIST_CURVES : MOZILLA_CURVES,
      sessionCache: names.sslZone,
      sessionTimeout: tls.sessionTimeout,
      sessionTicketsOff: features.sessionTicketsOff,
      stapling: tls.stapling,
      hsts:
        tls.hsts &&
        [`max-age=${tls.hsts.maxAgeSeconds}`, tls.hsts.includeSubdomains && "includeSubDomains", tls.hsts.preload && "preload"]
          .filter(Boolean)
          .join("; "),
    },
    redirectTo: undefined,
    locations: site.routes.map(location),
  };
  if (!tls || !site.redirect) return [main];
  const httpsPort = site.listen[0]!.port;
  return [
    main,
    {
      at: [...site.at, "redirectHttp"],
      label: `${site.name}: http -> https`,
      listens: site.redirect.map((l) => ({ value: l.value, ssl: false, http2: false })),
      http2On: false,
      serverNames: site.domains,
      tls: undefined,
      redirectTo: httpsPort === 443 ? "https://$host$request_uri" : `https://$host:${httpsPort}$request_uri`,
      locations: [],
    },
  ];
}

function upstreamView(u: Upstream, features: Features, names: GlobalNames): UpstreamView {
  // `keepalive 0` is only needed to switch off 1.29.7's default; before that, off is the default
  const keepalive = u.keepalive === undefined || (u.keepalive === 0 && features.defaultKeepalive === 0) ? undefined : u.keepalive;
  return {
    at: u.at,
    name: names.upstream(u.name),
    leastConn: u.balance === "least-conn",
    ipHash: u.balance === "ip-hash",
    random: u.balance === "random",
    hashKey: u.balance === "hash" ? u.hashKey : undefined,
    servers: u.servers,
    keepalive,
  };
}

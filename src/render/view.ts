/**
 * The normalized config and the target nginx → the view the templates lay out. Every decision about
 * what to emit is made here, in plain TypeScript; templates only arrange lines.
 */
import type { Route, Site, Upstream, WssgenConfig } from "../config/model.js";
import type { KeyPath } from "../config/path.js";
import { describeFeatures, type Features, formatVersion, type Version } from "./version.js";

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
export const MLKEM_CURVES = "X25519MLKEM768:X25519:prime256v1:secp384r1";

const UPGRADE_VAR = "$wssgen_connection_upgrade";
const UPGRADE_KEEPALIVE_VAR = "$wssgen_connection_upgrade_keepalive";

export interface HeaderView {
  name: string;
  value: string;
}

export interface LocationView {
  at: KeyPath;
  exact: boolean;
  uri: string;
  websocket: boolean;
  originDeniedVar: string | undefined;
  limitConn: { zone: string; count: number } | undefined;
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
        curves: string | undefined;
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
  upgradeMap: { variable: string; empty: string } | undefined;
  upgradeKeepaliveMap: { variable: string; empty: string } | undefined;
  originMaps: { variable: string; allowMissing: boolean; origins: string[] }[];
  /** set only when an origin is too long for nginx's default map hash bucket (64 bytes) */
  mapHashBucketSize: number | undefined;
  connZones: { zone: string }[];
  upstreams: UpstreamView[];
  servers: ServerView[];
  workerShutdownTimeout: string | number;
}

/**
 * nginx stores each map key in a hash bucket as a pointer, the key and two length bytes, aligned to
 * the pointer size, and ends each bucket with a pointer; the bucket size is rounded up to the cache
 * line. With the default 64, keys of more than 46 bytes make nginx refuse to start.
 */
export function mapBucketSize(keys: readonly string[], pointer = 8, cacheLine = 64): number | undefined {
  const align = (n: number, to: number) => Math.ceil(n / to) * to;
  const needed = Math.max(0, ...keys.map((key) => pointer + align(Buffer.byteLength(key) + 2, pointer) + pointer));
  const bucket = align(needed, cacheLine);
  return bucket > cacheLine ? bucket : undefined;
}

export function upstreamName(name: string): string {
  return `wssgen_${name}`;
}

export function buildView(config: WssgenConfig, target: RenderTarget, features: Features): View {
  const upstreams = new Map(config.upstreams.map((u) => [u.name, u]));
  const keepsAlive = (u: Upstream | undefined) => (u?.keepalive ?? features.defaultKeepalive) > 0;
  const originMaps: View["originMaps"] = [];
  const originVars = new Map<string, string>();
  const connZones: View["connZones"] = [];
  let upgrade = false;
  let upgradeKeepalive = false;

  const originVariable = (route: Route): string | undefined => {
    if (route.origins === undefined) return undefined;
    const origins = [...new Set(route.origins)].sort();
    const key = JSON.stringify([route.allowMissingOrigin, origins]);
    let variable = originVars.get(key);
    if (!variable) {
      variable = `$wssgen_origin_denied_${originMaps.length + 1}`;
      originVars.set(key, variable);
      originMaps.push({ variable, allowMissing: route.allowMissingOrigin, origins });
    }
    return variable;
  };

  const location = (route: Route): LocationView => {
    const upstream = upstreams.get(route.upstream);
    const keepalive = keepsAlive(upstream);
    const headers: HeaderView[] = [
      { name: "Host", value: "$host" },
      { name: "X-Real-IP", value: "$remote_addr" },
      { name: "X-Forwarded-For", value: "$proxy_add_x_forwarded_for" },
      { name: "X-Forwarded-Proto", value: "$scheme" },
    ];
    if (route.websocket) {
      if (keepalive) upgradeKeepalive = true;
      else upgrade = true;
      headers.push(
        { name: "Upgrade", value: "$http_upgrade" },
        { name: "Connection", value: keepalive ? UPGRADE_KEEPALIVE_VAR : UPGRADE_VAR },
      );
    } else if (keepalive && features.proxyHttpVersion) {
      // before 1.29.7 nginx sends "Connection: close" upstream unless told otherwise
      headers.push({ name: "Connection", value: "" });
    }
    for (const [name, value] of route.headers) {
      const existing = headers.find((h) => h.name.toLowerCase() === name.toLowerCase());
      if (existing) existing.value = value;
      else headers.push({ name, value });
    }
    let limitConn: LocationView["limitConn"];
    if (route.maxConnectionsPerIp !== undefined) {
      const zone = `wssgen_conn_${connZones.length + 1}`;
      connZones.push({ zone });
      limitConn = { zone, count: route.maxConnectionsPerIp };
    }
    return {
      at: route.at,
      exact: route.exact,
      uri: route.uri,
      websocket: route.websocket,
      originDeniedVar: originVariable(route),
      limitConn,
      proxyPass: `http://${upstreamName(route.upstream)}`,
      proxyHttpVersion: features.proxyHttpVersion,
      headers,
      timeouts: route.timeouts,
    };
  };

  const servers: ServerView[] = config.sites.flatMap((site) => siteServers(site, features, location));

  return {
    // a file name is the one thing in a comment nobody validated: make it one printable line
    source:
      config.file === "<stdin>"
        ? "standard input"
        : (config.file.split(/[\\/]/).pop() ?? config.file).replace(/[\u0000-\u001f\u007f-\u009f\u2028\u2029]/g, "?"),
    target: formatVersion(target.version),
    features: describeFeatures(features),
    upgradeMap: upgrade ? { variable: UPGRADE_VAR, empty: "close" } : undefined,
    upgradeKeepaliveMap: upgradeKeepalive ? { variable: UPGRADE_KEEPALIVE_VAR, empty: "" } : undefined,
    originMaps,
    mapHashBucketSize: mapBucketSize(originMaps.flatMap((m) => m.origins)),
    connZones,
    upstreams: config.upstreams.map((u) => upstreamView(u, features)),
    servers,
    workerShutdownTimeout: config.nginx.workerShutdownTimeout,
  };
}

function siteServers(site: Site, features: Features, location: (route: Route) => LocationView): ServerView[] {
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
      curves: features.mlkemCurve ? MLKEM_CURVES : undefined,
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

function upstreamView(u: Upstream, features: Features): UpstreamView {
  // `keepalive 0` is only needed to switch off 1.29.7's default; before that, off is the default
  const keepalive = u.keepalive === undefined || (u.keepalive === 0 && features.defaultKeepalive === 0) ? undefined : u.keepalive;
  return {
    at: u.at,
    name: upstreamName(u.name),
    leastConn: u.balance === "least-conn",
    ipHash: u.balance === "ip-hash",
    random: u.balance === "random",
    hashKey: u.balance === "hash" ? u.hashKey : undefined,
    servers: u.servers,
    keepalive,
  };
}

/** Raw (schema-valid) config → the normalized model: defaults, shorthands, merged headers. */
import { durationToSeconds } from "./duration.js";
import { DEFAULTS, type ListenAddress, type Route, type Site, type Tls, type Upstream, type WssgenConfig } from "./model.js";
import type { KeyPath } from "./path.js";
import type { RawConfig, RawListen, RawRoute, RawSite } from "./schema.js";
import { splitHostPort } from "./values.js";

export function normalize(raw: RawConfig, file: string): WssgenConfig {
  const n = raw.nginx ?? {};
  return {
    file,
    nginx: {
      version: n.version === undefined ? undefined : String(n.version),
      openssl: n.openssl,
      binary: n.binary ?? DEFAULTS.binary,
      mainConfig: n.mainConfig ?? DEFAULTS.mainConfig,
      target: n.target ?? DEFAULTS.target,
      namespace: n.namespace ?? namespaceOf(n.target ?? DEFAULTS.target),
      namespaceSet: n.namespace !== undefined,
      reload: n.reload ?? [...DEFAULTS.reload],
      workerShutdownTimeout: n.workerShutdownTimeout ?? DEFAULTS.workerShutdownTimeout,
      workerShutdownTimeoutSet: n.workerShutdownTimeout !== undefined,
    },
    lint: { ...raw.lint?.rules },
    upstreams: Object.entries(raw.upstreams).map(([name, u]): Upstream => ({
      name,
      servers: u.servers.map((s) =>
        typeof s === "string"
          ? { address: s, backup: false, down: false }
          : { ...s, backup: s.backup ?? false, down: s.down ?? false },
      ),
      balance: u.balance ?? "round-robin",
      ...(u.hashKey === undefined ? {} : { hashKey: u.hashKey }),
      ...(u.keepalive === undefined ? {} : { keepalive: u.keepalive }),
      at: ["upstreams", name],
    })),
    sites: raw.sites.map((site, i) => normalizeSite(raw, site, ["sites", i])),
  };
}

function normalizeSite(raw: RawConfig, site: RawSite, at: KeyPath): Site {
  const listen = listenAddresses(site.listen ?? (site.tls ? 443 : 80));
  const tls: Tls | undefined = site.tls && {
    certificate: site.tls.certificate,
    key: site.tls.key,
    profile: site.tls.profile ?? "intermediate",
    hsts: hsts(site.tls.hsts),
    sessionTimeout: site.tls.sessionTimeout ?? DEFAULTS.sessionTimeout,
    stapling: site.tls.stapling ?? false,
  };
  const redirect = site.redirectHttp;
  return {
    name: site.name ?? site.domains[0]!,
    domains: site.domains,
    listen,
    http2: site.http2 ?? false,
    tls,
    redirect:
      redirect === undefined || redirect === false
        ? undefined
        : redirect === true
          ? listen.map((l) => parseListen(l.host === "*" ? 80 : `${l.host}:80`)).filter(uniqueListen())
          : listenAddresses(redirect.listen),
    redirectSetting: redirect === undefined ? undefined : redirect !== false,
    routes: site.routes.map((route, j) => normalizeRoute(raw, route, [...at, "routes", j])),
    at,
  };
}

function normalizeRoute(raw: RawConfig, route: RawRoute, at: KeyPath): Route {
  const exact = route.path.startsWith("= ");
  const headers = new Map<string, [string, string]>();
  for (const [name, value] of Object.entries({ ...raw.defaults?.headers })) headers.set(name.toLowerCase(), [name, value]);
  for (const [name, value] of Object.entries({ ...route.headers })) headers.set(name.toLowerCase(), [name, value]);
  return {
    path: route.path,
    exact,
    uri: exact ? route.path.slice(2) : route.path,
    upstream: route.upstream,
    websocket: route.websocket ?? true,
    timeouts: { ...DEFAULTS.timeouts, ...raw.defaults?.timeouts, ...route.timeouts },
    timeoutsAt: Object.fromEntries(
      (["connect", "read", "send"] as const).map((k) => [
        k,
        route.timeouts?.[k] !== undefined
          ? [...at, "timeouts", k]
          : raw.defaults?.timeouts?.[k] !== undefined
            ? ["defaults", "timeouts", k]
            : undefined,
      ]),
    ) as Route["timeoutsAt"],
    origins: route.origins,
    allowMissingOrigin: route.allowMissingOrigin ?? true,
    maxConnectionsPerIp: route.maxConnectionsPerIp,
    headers: [...headers.values()],
    at,
  };
}

function hsts(value: NonNullable<RawSite["tls"]>["hsts"]): Tls["hsts"] {
  if (value === false) return undefined;
  const options = value === true || value === undefined ? {} : value;
  return {
    maxAgeSeconds: options.maxAge === undefined ? DEFAULTS.hstsMaxAgeSeconds : durationToSeconds(options.maxAge),
    includeSubdomains: options.includeSubdomains ?? false,
    preload: options.preload ?? false,
  };
}

/**
 * The config as rendered into `file` (`render -o`, `render --check`, `apply --target`): unless the
 * config sets `nginx.namespace`, the namespace follows that file's name, so two configs rendered
 * into two files of one http block never define the same upstream, map or zone.
 */
export function forOutputFile(config: WssgenConfig, file: string): WssgenConfig {
  if (config.nginx.namespaceSet) return config;
  const namespace = namespaceOf(file);
  return namespace === config.nginx.namespace ? config : { ...config, nginx: { ...config.nginx, namespace } };
}

/** "/etc/nginx/conf.d/chat-ws.conf" → "chat_ws": the target's file name as an nginx identifier. */
export function namespaceOf(target: string): string {
  const base = (target.split("/").pop() ?? "wssgen").replace(/\.conf$/, "");
  return (
    base
      .toLowerCase()
      .replace(/[^a-z0-9_]/g, "_")
      .replace(/^(?=\d)/, "n") || "wssgen"
  );
}

export function listenAddresses(listen: RawListen): ListenAddress[] {
  return (Array.isArray(listen) ? listen : [listen]).map(parseListen);
}

/** A schema-valid listen value → its parts; hosts that mean "every IPv4 address" become "*". */
export function parseListen(value: number | string): ListenAddress {
  const text = String(value);
  const hp = splitHostPort(text)!;
  if (hp.port === undefined) return { value: text, port: Number(hp.host), host: "*" };
  // compare addresses as nginx does: [0::0] is [::], 0.0.0.0 is every IPv4 address
  const host = hp.ipv6 ? new URL(`http://[${hp.host}]`).hostname : hp.host === "0.0.0.0" ? "*" : hp.host.toLowerCase();
  return { value: text, port: Number(hp.port), host };
}

export function listenKey(l: ListenAddress): string {
  return `${l.host}:${l.port}`;
}

function uniqueListen() {
  const seen = new Set<string>();
  return (l: ListenAddress) => !seen.has(listenKey(l)) && Boolean(seen.add(listenKey(l)));
}

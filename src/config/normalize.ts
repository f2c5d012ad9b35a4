/** Raw (schema-valid) config → the normalized model: defaults, shorthands, merged headers. */
import { createHash } from "node:crypto";
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

/**
 * The target's file name as a namespace (`[a-z][a-z0-9_]{0,31}`), one-to-one for the names that can
 * sit in one directory, so that two files in one conf.d never share a namespace (and so an upstream,
 * a map variable or a zone):
 *
 * - a name that already is a namespace — `<name>.conf`, `<name>` lower-case letters, digits and
 *   single inner "_", at most 32 characters — is its own: "chat_ws.conf" → "chat_ws",
 *   "wssgen.conf" → "wssgen";
 * - any other name loses something on the way (case, "-", ".", a leading digit, a missing ".conf",
 *   length), so its readable part is followed by "__" and 8 hex digits of the SHA-256 of the whole
 *   file name: "chat-ws.conf" → "chat_ws__<hash>", "Chat.conf" → "chat__<hash>". The first kind never
 *   contains "__", so the two kinds cannot meet, and two names of the second kind meet only if
 *   their readable parts and their digests are equal (1 in 4 billion).
 */
export function namespaceOf(target: string): string {
  const file = target.split("/").pop() ?? "";
  const base = file.endsWith(".conf") ? file.slice(0, -".conf".length) : undefined;
  if (base !== undefined && base.length <= NAMESPACE_MAX && LOSSLESS_NAMESPACE.test(base)) return base;
  const digest = createHash("sha256").update(file).digest("hex").slice(0, 8);
  const readable =
    (base ?? file)
      .toLowerCase()
      .replace(/[^a-z0-9]+/g, "_")
      .replace(/^_+/, "")
      .replace(/^(?=\d)/, "n") || "wssgen";
  const keep = NAMESPACE_MAX - `__${digest}`.length;
  return `${readable.slice(0, keep).replace(/_+$/, "")}__${digest}`;
}

/** The longest namespace (RULES.namespace). */
const NAMESPACE_MAX = 32;
/** A namespace with no "__" and no trailing "_": what a lossless file name gives. */
const LOSSLESS_NAMESPACE = /^[a-z][a-z0-9]*(?:_[a-z0-9]+)*$/;

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

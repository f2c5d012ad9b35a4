/**
 * Raw (schema-valid) config → the normalized model: defaults applied (defaults.ts), shorthands
 * expanded, `defaults.*` merged into each route, and for every object the keys the user wrote (`set`).
 */
import { DEFAULTS, type DefaultGroup } from "./defaults.js";
import { durationToSeconds } from "./duration.js";
import { type DirectiveLevel, readDirective } from "./directives.js";
import type {
  ExtraDirective,
  Header,
  ListenAddress,
  Route,
  Site,
  Timeouts,
  Tls,
  Upstream,
  UpstreamTls,
  WrittenAt,
  WssgenConfig,
} from "./model.js";
import type { KeyPath } from "./path.js";
import { PRESETS } from "./presets.js";
import type { RawConfig, RawListen, RawRoute, RawSite, RawUpstream } from "./schema.js";
import { splitHostPort } from "./values.js";
import { sha256Hex } from "../util/hash.js";

export function normalize(raw: RawConfig, file: string): WssgenConfig {
  const n = raw.nginx ?? {};
  const d = DEFAULTS.nginx;
  const target = n.target ?? d.target.value;
  const inherited = inheritedValues(raw);
  const defaultHeaders = Object.entries(raw.defaults?.headers ?? {}).map(([name, value]): Header => ({
    name,
    value,
    at: ["defaults", "headers", name],
  }));
  return {
    file,
    defaultServer: raw.defaultServer ?? DEFAULTS.file.defaultServer.value,
    directives: extraDirectives(raw.directives, [], "http"),
    resolver: raw.resolver && {
      addresses: raw.resolver.addresses,
      ...(raw.resolver.valid === undefined ? {} : { valid: raw.resolver.valid }),
    },
    set: written("file", raw, []),
    nginx: {
      version: n.version,
      openssl: n.openssl,
      binary: n.binary ?? d.binary.value,
      mainConfig: n.mainConfig ?? d.mainConfig.value,
      target,
      namespace: n.namespace ?? namespaceOf(target),
      reload: n.reload ?? [...d.reload.value],
      workerShutdownTimeout: n.workerShutdownTimeout ?? d.workerShutdownTimeout.value,
      set: written("nginx", n, ["nginx"]),
      at: ["nginx"],
    },
    lint: { ...raw.lint?.rules },
    upstreams: Object.entries(raw.upstreams).map(([name, u]): Upstream => {
      const at = ["upstreams", name];
      return {
        name,
        servers: u.servers.map((s, i) => {
          const serverAt = [...at, "servers", i];
          const server = typeof s === "string" ? { address: s } : s;
          return {
            ...server,
            backup: server.backup ?? DEFAULTS.server.backup.value,
            down: server.down ?? DEFAULTS.server.down.value,
            set: written("server", server, serverAt),
            at: serverAt,
          };
        }),
        balance: u.balance ?? DEFAULTS.upstream.balance.value,
        ...(u.hashKey === undefined ? {} : { hashKey: u.hashKey }),
        ...(u.keepalive === undefined ? {} : { keepalive: u.keepalive }),
        ...(u.tls === undefined || u.tls === false ? {} : { tls: upstreamTls(u.tls, u.servers) }),
        resolve: u.resolve ?? DEFAULTS.upstream.resolve.value,
        ...(u.sticky === undefined ? {} : { sticky: { cookie: u.sticky.cookie } }),
        set: written("upstream", u, at),
        at,
      };
    }),
    sites: raw.sites.map((site, i) => normalizeSite(site, ["sites", i], inherited, defaultHeaders)),
  };
}

function normalizeSite(site: RawSite, at: KeyPath, inherited: Inherited, defaultHeaders: Header[]): Site {
  const d = DEFAULTS.site;
  const ipv6 = site.ipv6 ?? d.ipv6.value;
  const listen = listenAddresses(site.listen ?? (site.tls ? d.listen.when.tls : d.listen.when.plain), ipv6);
  const tls: Tls | undefined = site.tls && {
    certificate: site.tls.certificate,
    key: site.tls.key,
    profile: site.tls.profile ?? d["tls.profile"].value,
    hsts: hsts(site.tls.hsts ?? d["tls.hsts"].value),
    sessionTimeout: site.tls.sessionTimeout ?? d["tls.sessionTimeout"].value,
    stapling: site.tls.stapling ?? d["tls.stapling"].value,
  };
  const redirect = site.redirectHttp ?? d.redirectHttp.value;
  // port 80 on each address of the TLS listens ([::]:443 gives [::]:80)
  const http = (l: ListenAddress): ListenAddress => {
    const plain = parseListen(l.host === "*" ? d.listen.when.plain : `${l.host}:${d.listen.when.plain}`);
    return l.impliedBy === undefined ? plain : { ...plain, impliedBy: 0 };
  };
  const httpListen =
    typeof redirect === "object" ? listenAddresses(redirect.listen, ipv6) : listen.map(http).filter(uniqueListen());
  return {
    name: site.name ?? site.domains[0]!,
    domains: site.domains,
    listen,
    ipv6,
    http2: site.http2 ?? d.http2.value,
    tls,
    http: tls && (redirect !== false || site.acme) ? { listen: httpListen, redirect: redirect !== false } : undefined,
    acme: site.acme && { webroot: site.acme.webroot },
    realIp: site.realIp && { from: site.realIp.from, header: site.realIp.header ?? d["realIp.header"].value },
    directives: extraDirectives(site.directives, at, "server"),
    // concat, not [...at, ...]: a spread array keeps spare room, and a config holds one path per route and written value
    routes: site.routes.map((route, j) => normalizeRoute(route, at.concat("routes", j), inherited, defaultHeaders)),
    set: written("site", site, at),
    at,
  };
}

function normalizeRoute(route: RawRoute, at: KeyPath, inherited: Inherited, defaultHeaders: Header[]): Route {
  const d = DEFAULTS.route;
  const exact = route.path.startsWith("= ");
  const headers = new Map<string, Header>();
  for (const header of defaultHeaders) headers.set(header.name.toLowerCase(), header);
  for (const [name, value] of Object.entries(route.headers ?? {}))
    headers.set(name.toLowerCase(), { name, value, at: at.concat("headers", name) });
  // a preset's values come after the route's own and before defaults.* (the preset is the more specific)
  const preset = route.preset === undefined ? undefined : PRESETS[route.preset].sets;
  const timeout = (key: keyof Timeouts) =>
    route.timeouts?.[key] ??
    preset?.[`timeouts.${key}` as "timeouts.read"] ??
    inherited.values[`timeouts.${key}`] ??
    d[`timeouts.${key}`].value;
  return {
    path: route.path,
    exact,
    uri: exact ? route.path.slice(2) : route.path,
    upstream: route.upstream,
    static: route.static && { root: route.static.root, spa: route.static.spa ?? d["static.spa"].value },
    stripPrefix: route.stripPrefix ?? d.stripPrefix.value,
    maxBodySize: size(route.maxBodySize ?? inherited.values.maxBodySize),
    buffering: route.buffering,
    directives: extraDirectives(route.directives, at, "location"),
    // a static route serves files: no upgrade (semantics.ts refuses websocket on it)
    websocket: route.static ? false : (route.websocket ?? preset?.websocket ?? d.websocket.value),
    timeouts: {
      connect: timeout("connect"),
      read: timeout("read"),
      send: timeout("send"),
    },
    origins: route.origins,
    allowMissingOrigin: route.allowMissingOrigin ?? d.allowMissingOrigin.value,
    maxConnectionsPerIp: route.maxConnectionsPerIp,
    access: route.access && {
      ...(route.access.allow ? { allow: route.access.allow } : {}),
      ...(route.access.basicAuth
        ? {
            basicAuth: {
              userFile: route.access.basicAuth.userFile,
              realm: route.access.basicAuth.realm ?? d["access.basicAuth.realm"].value,
            },
          }
        : {}),
      ...(route.access.forwardAuth
        ? { forwardAuth: { url: route.access.forwardAuth.url, responseHeaders: route.access.forwardAuth.responseHeaders ?? [] } }
        : {}),
    },
    rateLimit: route.rateLimit && {
      rate: route.rateLimit.rate,
      ...(route.rateLimit.burst === undefined ? {} : { burst: route.rateLimit.burst }),
    },
    headers: [...headers.values()],
    preset: route.preset,
    set: preset ? presetWritten(written("route", route, at, inherited.at), route, at) : written("route", route, at, inherited.at),
    at,
  };
}

/**
 * A route's `set` with the fields its preset sets, where the route itself did not write them,
 * recorded at the preset's key (`sites[0].routes[1].preset`; model.ts `fromPreset`).
 */
function presetWritten(set: WrittenAt<"route">, route: RawRoute, at: KeyPath): WrittenAt<"route"> {
  const presetAt = at.concat("preset");
  const out: Record<string, KeyPath> = { ...set };
  for (const field of Object.keys(PRESETS[route.preset!].sets)) {
    if (valueAt(route, field.split(".")) === undefined) out[field] = presetAt;
  }
  return out;
}

/**
 * `upstreams.<name>.tls` with its defaults. serverName, unless written, is the servers' common host
 * (`api.internal` of `api.internal:8443`): semantics.ts refuses an address there when the
 * certificate is verified (nginx checks it with X509_check_host, which matches names only).
 */
function upstreamTls(
  tls: true | Exclude<NonNullable<RawUpstream["tls"]>, boolean>,
  servers: RawUpstream["servers"],
): UpstreamTls {
  const d = DEFAULTS.upstream;
  const options = tls === true ? {} : tls;
  return {
    verify: options.verify ?? d["tls.verify"].value,
    ca: options.ca ?? d["tls.ca"].value,
    serverName: options.serverName ?? commonHost(servers),
    ...(options.certificate === undefined ? {} : { certificate: options.certificate }),
    ...(options.key === undefined ? {} : { key: options.key }),
  };
}

/**
 * The host all servers share, lower case (`api.internal` of `api.internal:8443`, `10.0.0.5`,
 * `[2001:db8::5]`), or undefined when they differ or one is a unix socket.
 */
export function commonHost(servers: RawUpstream["servers"]): string | undefined {
  let common: string | undefined;
  for (const s of servers) {
    const address = typeof s === "string" ? s : s.address;
    const hp = address.startsWith("unix:") ? undefined : splitHostPort(address);
    if (!hp) return undefined;
    const host = hp.ipv6 ? `[${hp.host.toLowerCase()}]` : hp.host.toLowerCase();
    if (common !== undefined && common !== host) return undefined;
    common = host;
  }
  return common;
}

/** A size as nginx writes it: a number of bytes becomes its decimal text. */
function size(value: string | number | undefined): string | undefined {
  return value === undefined ? undefined : String(value);
}

/**
 * The `directives` list of the object at `owner`, each entry read with wssgen's lexer. An entry that is not one simple
 * directive wssgen allows is kept with its problem: semantics.ts reports it before anything renders.
 */
function extraDirectives(entries: readonly string[] | undefined, owner: KeyPath, level: DirectiveLevel): ExtraDirective[] {
  // (the list's key path is made only for a list that has entries: most routes have none)
  if (!entries?.length) return NO_DIRECTIVES;
  const at = owner.concat("directives");
  return entries.map((text, i) => {
    const read = readDirective(text, level);
    return "problem" in read ? { name: "", args: [], problem: read.problem, at: at.concat(i) } : { ...read, at: at.concat(i) };
  });
}
const NO_DIRECTIVES: ExtraDirective[] = [];

/** The route fields whose `defaults.*` key (defaults.ts `inheritedFrom`) the config sets: their values and key paths. */
interface Inherited {
  values: Partial<Record<string, string | number>>;
  at: Partial<Record<string, KeyPath>>;
}

function inheritedValues(raw: RawConfig): Inherited {
  const inherited: Inherited = { values: {}, at: {} };
  for (const [field, entry] of Object.entries(DEFAULTS.route)) {
    if (!("inheritedFrom" in entry)) continue;
    const path = entry.inheritedFrom.split(".");
    const value = valueAt(raw, path);
    if (value === undefined) continue;
    inherited.values[field] = value as string | number;
    // one key path shared by every route that inherits it
    inherited.at[field] = path;
  }
  return inherited;
}

/** Each group's fields (defaults.ts) as key segments, split once. */
const FIELDS = Object.fromEntries(
  Object.entries(DEFAULTS).map(([group, fields]) => [
    group,
    Object.keys(fields).map((field) => [field, field.split(".")] as const),
  ]),
) as Record<DefaultGroup, (readonly [string, string[]])[]>;

/**
 * `set` of an object of `group` read from `raw` at `at`: each field of the group that `raw` has,
 * at its key path; else the `defaults.*` key it inherits (`inheritedAt`), if the config sets that.
 */
function written<G extends DefaultGroup>(
  group: G,
  raw: unknown,
  at: KeyPath,
  inheritedAt: Partial<Record<string, KeyPath>> = {},
): WrittenAt<G> {
  let set: Record<string, KeyPath> | undefined;
  for (const [field, segments] of FIELDS[group]) {
    const from = valueAt(raw, segments) === undefined ? inheritedAt[field] : at.concat(segments);
    if (from) (set ??= {})[field] = from;
  }
  return set ?? NOTHING_WRITTEN;
}

/** The `set` of every object that takes all its defaults: one object, not one per route (100,000 sites). */
const NOTHING_WRITTEN = Object.freeze({});

/** The value at `path` below `node`, or undefined where a step is not a mapping (`hsts: true` has no `maxAge`). */
function valueAt(node: unknown, path: readonly string[]): unknown {
  let value = node;
  for (const key of path) {
    if (value === null || typeof value !== "object" || Array.isArray(value)) return undefined;
    value = (value as Record<string, unknown>)[key];
  }
  return value;
}

function hsts(value: NonNullable<NonNullable<RawSite["tls"]>["hsts"]>): Tls["hsts"] {
  if (value === false) return undefined;
  const options = value === true ? {} : value;
  const d = DEFAULTS.site;
  return {
    maxAgeSeconds: durationToSeconds(options.maxAge ?? d["tls.hsts.maxAge"].value),
    includeSubdomains: options.includeSubdomains ?? d["tls.hsts.includeSubdomains"].value,
    preload: options.preload ?? d["tls.hsts.preload"].value,
  };
}

/**
 * The config as rendered into `file` (`render -o`, `render --check`, `apply --target`): unless the
 * config sets `nginx.namespace`, the namespace follows that file's name, so two configs rendered
 * into two files of one http block never define the same upstream, map or zone.
 */
export function forOutputFile(config: WssgenConfig, file: string): WssgenConfig {
  if (config.nginx.set.namespace) return config;
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
  const digest = sha256Hex(file).slice(0, 8);
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

/**
 * A listen value (one or a list) → addresses; with `ipv6`, each bare port is followed by
 * `[::]:port` (marked `impliedBy`), unless the list already has that address.
 */
export function listenAddresses(listen: RawListen, ipv6 = false): ListenAddress[] {
  const written = (Array.isArray(listen) ? listen : [listen]).map(parseListen);
  if (!ipv6) return written;
  const has = new Set(written.map(listenKey));
  const out: ListenAddress[] = [];
  written.forEach((l, i) => {
    out.push(l);
    if (l.value !== String(l.port)) return;
    const v6 = parseListen(`[::]:${l.port}`);
    if (!has.has(listenKey(v6))) out.push({ ...v6, impliedBy: i });
  });
  return out;
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

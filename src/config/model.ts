/**
 * The normalized config: defaults applied, shorthands expanded, references resolved. This is what
 * rendering and lint rules read; they never see the raw file.
 */
import type { DefaultField, DefaultGroup } from "./defaults.js";
import type { Duration } from "./duration.js";
import type { KeyPath } from "./path.js";
import type { PresetName } from "./presets.js";
import type { Provenance } from "./provenance.js";

/** upstreams.*.balance (here, not in the zod schema, so the public types need no zod) */
export const balanceMethods = ["round-robin", "least-conn", "ip-hash", "hash", "random"] as const;
/** sites[].tls.profile */
export const tlsProfiles = ["intermediate", "modern"] as const;
/** sites[].realIp.header: real_ip_header's argument */
export const realIpHeaders = ["X-Forwarded-For", "X-Real-IP", "CF-Connecting-IP", "proxy_protocol"] as const;
/** defaultServer */
export const defaultServerModes = ["reject", "off"] as const;

export type Balance = (typeof balanceMethods)[number];
export type TlsProfile = (typeof tlsProfiles)[number];
export type RealIpHeader = (typeof realIpHeaders)[number];

/**
 * Where the user wrote each value of an object that has a default (config/defaults.ts, the group's
 * fields): field → the absolute key path of the value in wssgen.yaml, on the object itself
 * (`sites[0].routes[1].timeouts.read`) or the `defaults.*` key it inherits (`defaults.timeouts.read`).
 * A field absent from it took wssgen's default (or nginx's: see defaults.ts).
 */
export type WrittenAt<G extends DefaultGroup> = { readonly [F in DefaultField<G>]?: KeyPath };

export interface ListenAddress {
  /** exactly what follows `listen`: "443", "127.0.0.1:8443", "[::]:443" */
  value: string;
  port: number;
  /** "*" for all IPv4 addresses, else the address as written (IPv6 with brackets) */
  host: string;
  /**
   * `[::]:port` added for a bare port (`sites[].ipv6`): the index of that port in the list as
   * written (0 for a single value, or for a default the site does not write)
   */
  impliedBy?: number;
}

export interface Timeouts {
  connect: Duration;
  read: Duration;
  send: Duration;
}

export interface UpstreamServer {
  address: string;
  /** undefined: nginx's default */
  weight?: number;
  /** undefined: nginx's default */
  maxFails?: number;
  /** undefined: nginx's default */
  failTimeout?: Duration;
  backup: boolean;
  down: boolean;
  set: WrittenAt<"server">;
  at: KeyPath;
}

export interface Upstream {
  name: string;
  servers: UpstreamServer[];
  balance: Balance;
  hashKey?: string;
  /** as configured; undefined = the default of the nginx version rendered for */
  keepalive?: number;
  /** the servers speak TLS (`tls: true` or a mapping); undefined: plain http */
  tls?: UpstreamTls;
  /** re-resolve host names at run time (`server ... resolve`, with the top-level resolver) */
  resolve: boolean;
  /** `sticky cookie` */
  sticky?: { cookie: string };
  /** also `tls.verify`, `tls.ca`, `tls.serverName` */
  set: WrittenAt<"upstream">;
  at: KeyPath;
}

/** upstreams.<name>.tls, defaults applied. */
export interface UpstreamTls {
  verify: boolean;
  /** proxy_ssl_trusted_certificate */
  ca: string;
  /**
   * proxy_ssl_name: as written, else the servers' common host name; undefined when the servers have
   * no common host name (semantics.ts then asks for one)
   */
  serverName: string | undefined;
  /** client certificate and key (mTLS); semantics.ts: both or neither */
  certificate?: string;
  key?: string;
}

/** The top-level `resolver`. */
export interface Resolver {
  addresses: string[];
  /** valid=; undefined: each answer's TTL */
  valid?: Duration;
}

/** routes[].access: every part that is set must pass. */
export interface Access {
  allow?: string[];
  basicAuth?: { userFile: string; realm: string };
  forwardAuth?: { url: string; responseHeaders: string[] };
}

/** routes[].rateLimit */
export interface RateLimit {
  /** as written: "10r/s", "30r/m" */
  rate: string;
  /** requests above the rate let through at once (nodelay); undefined: nginx's 0 */
  burst?: number;
}

export interface Hsts {
  maxAgeSeconds: number;
  includeSubdomains: boolean;
  preload: boolean;
}

export interface Tls {
  certificate: string;
  key: string;
  profile: TlsProfile;
  hsts: Hsts | undefined;
  sessionTimeout: Duration;
  stapling: boolean;
}

/** One `directives` entry: a simple directive as wssgen's lexer read it. */
export interface ExtraDirective {
  name: string;
  args: string[];
  /** why the entry is not one simple directive wssgen allows here (semantics.ts reports it); name is then "" */
  problem?: string;
  /** `…directives[i]` */
  at: KeyPath;
}

/** routes[].static */
export interface StaticFiles {
  root: string;
  spa: boolean;
}

export interface Route {
  /** the location as written: "/ws" or "= /ws" */
  path: string;
  exact: boolean;
  /** the URI part of the location */
  uri: string;
  /** the upstream's name; undefined for a static route (semantics.ts: exactly one of them) */
  upstream: string | undefined;
  static: StaticFiles | undefined;
  stripPrefix: boolean;
  /** client_max_body_size as written (or inherited from defaults.maxBodySize); undefined: nginx's 1m */
  maxBodySize: string | undefined;
  /** false: proxy_buffering and proxy_request_buffering off; undefined: nginx's (on) */
  buffering: boolean | undefined;
  directives: ExtraDirective[];
  websocket: boolean;
  timeouts: Timeouts;
  origins: string[] | undefined;
  allowMissingOrigin: boolean;
  maxConnectionsPerIp: number | undefined;
  access: Access | undefined;
  rateLimit: RateLimit | undefined;
  /**
   * defaults.headers merged with the route's own, in that order; a route's header replaces the
   * default of the same name (compared case-insensitively) in its place
   */
  headers: Header[];
  /**
   * routes[].preset (config/presets.ts). A field the preset set, and the route did not, is recorded in
   * `set` at the preset's own key (`sites[0].routes[1].preset`): messages point there, and
   * `fromPreset` tells it from a value written at the field.
   */
  preset: PresetName | undefined;
  set: WrittenAt<"route">;
  at: KeyPath;
}

/** An extra proxy_set_header of a route. */
export interface Header {
  name: string;
  value: string;
  /** where it was written: `defaults.headers.<name>` or `sites[i].routes[j].headers.<name>` */
  at: KeyPath;
}

/** sites[].realIp */
export interface RealIp {
  from: string[];
  header: RealIpHeader;
}

/**
 * The plain-http server beside a TLS site: it redirects to https (redirectHttp), answers ACME
 * challenges (acme), or both.
 */
export interface HttpServer {
  listen: ListenAddress[];
  /** redirectHttp is on: paths other than ACME challenges get 301 to https; else 404 */
  redirect: boolean;
}

export interface Site {
  name: string;
  domains: string[];
  /** as written (or the default), then `[::]:port` for each bare port when ipv6 is on (`impliedBy`) */
  listen: ListenAddress[];
  ipv6: boolean;
  http2: boolean;
  tls: Tls | undefined;
  /** the plain-http server of a TLS site, when redirectHttp or acme asks for one */
  http: HttpServer | undefined;
  acme: { webroot: string } | undefined;
  realIp: RealIp | undefined;
  directives: ExtraDirective[];
  /**
   * Set by `apply` (never by the file) for a TLS site with acme whose certificate does not exist
   * yet: only its http server is rendered, answering ACME challenges, so certbot can get one.
   */
  awaitingCertificate?: true;
  routes: Route[];
  /** also the fields of `tls`, as `tls.profile`, `tls.hsts.maxAge`, ... */
  set: WrittenAt<"site">;
  at: KeyPath;
}

export interface NginxSettings {
  version: string | undefined;
  openssl: string | undefined;
  binary: string;
  mainConfig: string;
  target: string;
  /** what this file's http-wide names are prefixed with (unless set, the name of the file written: see `forOutputFile`) */
  namespace: string;
  reload: string[];
  workerShutdownTimeout: Duration;
  set: WrittenAt<"nginx">;
  /** always `nginx` */
  at: KeyPath;
}

export type RuleSetting = "error" | "warning" | "info" | "off";

export interface WssgenConfig {
  /** the config file as named in messages */
  file: string;
  nginx: NginxSettings;
  /** "reject": a catch-all server on each address wssgen listens on */
  defaultServer: (typeof defaultServerModes)[number];
  /** top-level `directives`, at http level */
  directives: ExtraDirective[];
  /** DNS servers for upstreams with resolve */
  resolver: Resolver | undefined;
  /** where the top-level keys with a default were written */
  set: WrittenAt<"file">;
  /** lint rule id → severity override */
  lint: Record<string, RuleSetting>;
  upstreams: Upstream[];
  sites: Site[];
  /**
   * Which values came from the environment (`${VAR}`); absent when none did. Every message about
   * the config passes through it, so that none prints such a value (see provenance.ts).
   */
  provenance?: Provenance;
}

/** A model object that records where its values were written: Route, Site, Upstream, UpstreamServer, NginxSettings. */
export interface Recorded {
  readonly set: { readonly [field: string]: KeyPath | undefined };
  readonly at: KeyPath;
}

/**
 * Where the user wrote `field` of `object`: the absolute key path, a `defaults.*` key when the object
 * inherited the value; undefined when the value is wssgen's default (or nginx's).
 */
export function writtenAt<O extends Recorded>(object: O, field: keyof O["set"] & string): KeyPath | undefined {
  return object.set[field];
}

/**
 * The preset that set `field` of `route` (the route did not write it), or undefined: messages say
 * "from preset socket.io".
 */
export function fromPreset(route: Route, field: keyof Route["set"]): PresetName | undefined {
  const at = route.set[field];
  return route.preset !== undefined && at !== undefined && at.length === route.at.length + 1 && at[at.length - 1] === "preset"
    ? route.preset
    : undefined;
}

/**
 * The key a message or an output line about `field` of `object` points at: where it was written
 * (`writtenAt`), else where the user would write it on the object (`sites[0].routes[1].timeouts.read`).
 */
export function pathOf<O extends Recorded>(object: O, field: keyof O["set"] & string): KeyPath {
  return object.set[field] ?? [...object.at, ...field.split(".")];
}

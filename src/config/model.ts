/**
 * The normalized config: defaults applied, shorthands expanded, references resolved. This is what
 * rendering and lint rules read; they never see the raw file.
 */
import type { DefaultField, DefaultGroup } from "./defaults.js";
import type { Duration } from "./duration.js";
import type { KeyPath } from "./path.js";
import type { Provenance } from "./provenance.js";

/** upstreams.*.balance (here, not in the zod schema, so the public types need no zod) */
export const balanceMethods = ["round-robin", "least-conn", "ip-hash", "hash", "random"] as const;
/** sites[].tls.profile */
export const tlsProfiles = ["intermediate", "modern"] as const;

export type Balance = (typeof balanceMethods)[number];
export type TlsProfile = (typeof tlsProfiles)[number];

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
  set: WrittenAt<"upstream">;
  at: KeyPath;
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

export interface Route {
  /** the location as written: "/ws" or "= /ws" */
  path: string;
  exact: boolean;
  /** the URI part of the location */
  uri: string;
  upstream: string;
  websocket: boolean;
  timeouts: Timeouts;
  origins: string[] | undefined;
  allowMissingOrigin: boolean;
  maxConnectionsPerIp: number | undefined;
  /**
   * defaults.headers merged with the route's own, in that order; a route's header replaces the
   * default of the same name (compared case-insensitively) in its place
   */
  headers: Header[];
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

export interface Site {
  name: string;
  domains: string[];
  listen: ListenAddress[];
  http2: boolean;
  tls: Tls | undefined;
  /** listeners of the http->https redirect server, when redirectHttp is on */
  redirect: ListenAddress[] | undefined;
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
 * The key a message or an output line about `field` of `object` points at: where it was written
 * (`writtenAt`), else where the user would write it on the object (`sites[0].routes[1].timeouts.read`).
 */
export function pathOf<O extends Recorded>(object: O, field: keyof O["set"] & string): KeyPath {
  return object.set[field] ?? [...object.at, ...field.split(".")];
}

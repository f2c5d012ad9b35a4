/**
 * The normalized config: defaults applied, shorthands expanded, references resolved. This is what
 * rendering and lint rules read; they never see the raw file.
 */
import type { Duration } from "./duration.js";
import type { KeyPath } from "./path.js";
import type { Provenance } from "./provenance.js";

/** upstreams.*.balance (here, not in the zod schema, so the public types need no zod) */
export const balanceMethods = ["round-robin", "least-conn", "ip-hash", "hash", "random"] as const;
/** sites[].tls.profile */
export const tlsProfiles = ["intermediate", "modern"] as const;

export type Balance = (typeof balanceMethods)[number];
export type TlsProfile = (typeof tlsProfiles)[number];

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
  weight?: number;
  maxFails?: number;
  failTimeout?: Duration;
  backup: boolean;
  down: boolean;
}

export interface Upstream {
  name: string;
  servers: UpstreamServer[];
  balance: Balance;
  hashKey?: string;
  /** as configured; undefined = the default of the nginx version rendered for */
  keepalive?: number;
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
  /** where each timeout was set: the route, defaults.timeouts, or undefined for wssgen's default */
  timeoutsAt: Record<keyof Timeouts, KeyPath | undefined>;
  origins: string[] | undefined;
  allowMissingOrigin: boolean;
  maxConnectionsPerIp: number | undefined;
  /** defaults.headers merged with the route's own, the route winning (names compared case-insensitively) */
  headers: [name: string, value: string][];
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
  /** redirectHttp as the user wrote it: false is a choice, undefined an omission (lint tells them apart) */
  redirectSetting: boolean | undefined;
  routes: Route[];
  at: KeyPath;
}

export interface NginxSettings {
  version: string | undefined;
  openssl: string | undefined;
  binary: string;
  mainConfig: string;
  target: string;
  /** what this file's http-wide names are prefixed with (default: the name of the file written) */
  namespace: string;
  /** whether the config sets namespace itself (else it follows the file written: see `forOutputFile`) */
  namespaceSet: boolean;
  reload: string[];
  workerShutdownTimeout: Duration;
  /** whether the config sets workerShutdownTimeout itself (then it knows; lint stays quiet) */
  workerShutdownTimeoutSet: boolean;
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

export const DEFAULTS = {
  timeouts: { connect: "5s", read: "1h", send: "1h" } satisfies Timeouts,
  binary: "nginx",
  mainConfig: "/etc/nginx/nginx.conf",
  target: "/etc/nginx/conf.d/wssgen.conf",
  reload: ["nginx", "-s", "reload"],
  workerShutdownTimeout: "10m",
  hstsMaxAgeSeconds: 63072000,
  sessionTimeout: "1d",
} as const;

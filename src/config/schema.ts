/**
 * The zod schema of wssgen.yaml (SPEC §2): the one source of the config's types, its validation and
 * its JSON Schema (`wssgen schema`). It validates shapes and single values; rules that relate fields
 * to each other live in `semantics.ts`.
 */
import * as z from "zod";
import { DURATION_PATTERN } from "./duration.js";
import { showValue } from "../util/show.js";
import { RULE_IDS } from "../lint/ids.js";
import {
  type Check,
  checkArgument,
  checkDomain,
  checkExpression,
  checkFilePath,
  checkHeaderName,
  checkListen,
  checkLocationPath,
  checkName,
  checkOrigin,
  checkServerAddress,
  checkSiteName,
  checkVersion,
  describeControl,
  MAX_VALUE_LENGTH,
} from "./values.js";

/** A string that must pass an allowlist check; control characters and over-long values never pass. */
function checked(check: Check, description: string) {
  return z
    .string({ error: (issue) => (issue.input === undefined ? "is required" : `expected a string, got ${typeName(issue.input)}`) })
    .superRefine((value, ctx) => {
      const message = describeControl(value) ?? check(value);
      if (message) ctx.addIssue({ code: "custom", message });
    })
    .meta({ description });
}

export function typeName(value: unknown): string {
  if (value === null) return "null";
  if (Array.isArray(value)) return "a list";
  if (typeof value === "object") return "a mapping";
  return `${typeof value} ${showValue(value)}`;
}

const int = (min: number, max: number, description: string) =>
  z
    .number({ error: (issue) => `expected a whole number from ${min} to ${max}, got ${typeName(issue.input)}` })
    .int({ error: `expected a whole number from ${min} to ${max}` })
    .min(min, { error: `expected a whole number from ${min} to ${max}` })
    .max(max, { error: `expected a whole number from ${min} to ${max}` })
    .meta({ description });

const bool = (description: string) =>
  z.boolean({ error: (issue) => `expected true or false, got ${typeName(issue.input)}` }).meta({ description });

const DURATION_HINT = "expected a duration such as 500ms, 30s, 5m, 1h or 1d (or whole seconds)";
export const durationSchema = z
  .union(
    [
      z.number().int({ error: DURATION_HINT }).min(0, { error: DURATION_HINT }).max(9_999_999, { error: DURATION_HINT }),
      z.string().regex(DURATION_PATTERN, { error: (issue) => `${DURATION_HINT}, got ${typeName(issue.input)}` }),
    ],
    { error: (issue) => `${DURATION_HINT}, got ${typeName(issue.input)}` },
  )
  .meta({ description: "A duration: 500ms, 30s, 5m, 1h, 1d, or a number of seconds." });

/** For directives nginx reads in whole seconds (fail_timeout, ssl_session_timeout, max-age): no ms. */
const SECONDS_HINT = "expected whole seconds such as 30s, 5m, 1h or 1d (nginx takes no ms here)";
export const secondsSchema = z
  .union(
    [
      z.number().int({ error: SECONDS_HINT }).min(0, { error: SECONDS_HINT }).max(9_999_999, { error: SECONDS_HINT }),
      z.string().regex(/^\d{1,7}(s|m|h|d)$/, { error: (issue) => `${SECONDS_HINT}, got ${typeName(issue.input)}` }),
    ],
    { error: (issue) => `${SECONDS_HINT}, got ${typeName(issue.input)}` },
  )
  .meta({ description: "Whole seconds: 30s, 5m, 1h, 1d, or a number of seconds." });

/** Proxy timeouts: 0 would make nginx give up at once (504 on every request). */
const timeoutSchema = durationSchema.refine((v) => v !== 0 && !/^0+(ms|s|m|h|d)$/.test(String(v)), {
  error: "must be more than 0 (nginx would time out every request at once)",
});

const timeoutsSchema = z
  .strictObject({
    connect: timeoutSchema.optional().meta({ description: "proxy_connect_timeout (default 5s)." }),
    read: timeoutSchema
      .optional()
      .meta({ description: "proxy_read_timeout: how long an idle socket may stay silent (default 1h)." }),
    send: timeoutSchema.optional().meta({ description: "proxy_send_timeout (default 1h)." }),
  })
  .meta({ description: "Proxy timeouts." });

const headersSchema = z
  .record(
    checked(checkHeaderName, "Header name."),
    checked(checkExpression, "Header value: text with nginx variables ($name or ${name})."),
  )
  .meta({ description: "Extra proxy_set_header name: value pairs sent to the upstream." });

const nginxSchema = z
  .strictObject({
    version: z
      .union([checked(checkVersion, "Version string."), z.number()], {
        error: (issue) => `expected a version such as "1.22", got ${typeName(issue.input)}`,
      })
      .optional()
      .meta({ description: 'Target nginx version for syntax, e.g. "1.22" (quote it). Default: `nginx -V` if found, else 1.22.' }),
    openssl: checked(checkVersion, "OpenSSL version").optional().meta({
      description:
        'OpenSSL version nginx is built with, e.g. "3.5"; enables the X25519MLKEM768 curve from 3.5. Default: read from `nginx -V` if found.',
    }),
    binary: checked(checkArgument, "nginx executable.").optional().meta({ description: "nginx executable (default: nginx)." }),
    mainConfig: checked(checkFilePath, "Path.")
      .optional()
      .meta({ description: "The config `apply` tests with `nginx -t -c` (default /etc/nginx/nginx.conf)." }),
    target: checked(checkFilePath, "Path.")
      .optional()
      .meta({ description: "The file `apply` writes (default /etc/nginx/conf.d/wssgen.conf)." }),
    namespace: checked(
      (v) =>
        /^[a-z][a-z0-9_]{0,31}$/.test(v)
          ? undefined
          : `${showValue(v)} is not a namespace: use 1 to 32 lower-case letters, digits and "_", starting with a letter`,
      "Namespace.",
    )
      .optional()
      .meta({
        description:
          "Prefix of this file's http-wide nginx names (origin map, connection zone), so that several wssgen files can share an http block. Default: the target's file name (wssgen).",
      }),
    reload: z
      .array(checked(checkArgument, "argv element."))
      .min(1, { error: "needs at least the command, e.g. [nginx, -s, reload]" })
      .optional()
      .meta({ description: "Reload command as argv, e.g. [systemctl, reload, nginx] (default [nginx, -s, reload])." }),
    workerShutdownTimeout: durationSchema.optional().meta({
      description:
        "worker_shutdown_timeout emitted by `render --full`: how long old workers may keep WebSockets open after a reload (default 10m).",
    }),
  })
  .meta({ description: "How wssgen reaches nginx. All optional." });

const serverObjectSchema = z.strictObject({
  address: checked(checkServerAddress, "host:port, [IPv6]:port or unix:/path."),
  weight: int(1, 1000, "Relative weight (default 1).").optional(),
  maxFails: int(0, 1000, "max_fails (nginx default 1).").optional(),
  failTimeout: secondsSchema.optional().meta({ description: "fail_timeout (nginx default 10s)." }),
  backup: bool("Only used when the primary servers are down.").optional(),
  down: bool("Marked permanently unavailable.").optional(),
});

export const balanceMethods = ["round-robin", "least-conn", "ip-hash", "hash", "random"] as const;

const upstreamSchema = z
  .strictObject({
    servers: z
      .array(
        z.union([checked(checkServerAddress, "Shorthand for { address }."), serverObjectSchema], {
          error: (issue) => `expected an address string or a mapping with "address", got ${typeName(issue.input)}`,
        }),
      )
      .min(1, { error: "needs at least one server" })
      .meta({ description: "One or more servers; a string is shorthand for { address }." }),
    balance: z
      .enum(balanceMethods, { error: (issue) => `expected one of ${balanceMethods.join(", ")}, got ${typeName(issue.input)}` })
      .optional()
      .meta({ description: "Load-balancing method (default round-robin)." }),
    hashKey: checked(
      (v) => (v.trim() === "" ? "may not be empty: use an nginx expression such as $remote_addr" : checkExpression(v)),
      "nginx expression.",
    )
      .optional()
      .meta({ description: "Only with balance: hash — the key, an nginx expression such as $remote_addr." }),
    keepalive: int(0, 10000, "Idle upstream connections kept per worker; 0 = off.").optional(),
  })
  .meta({ description: "A group of backend servers." });

const hstsSchema = z.union(
  [
    z.boolean(),
    z.strictObject({
      maxAge: secondsSchema.optional().meta({ description: "max-age (default 2 years; 0 tells browsers to forget the policy)." }),
      includeSubdomains: bool("Add includeSubDomains.").optional(),
      preload: bool("Add preload.").optional(),
    }),
  ],
  { error: (issue) => `expected true, false or { maxAge, includeSubdomains, preload }, got ${typeName(issue.input)}` },
);

export const tlsProfiles = ["intermediate", "modern"] as const;

const tlsSchema = z
  .strictObject({
    certificate: checked(checkFilePath, "Path to the certificate chain (PEM)."),
    key: checked(checkFilePath, "Path to the private key (PEM)."),
    profile: z
      .enum(tlsProfiles, { error: (issue) => `expected intermediate or modern, got ${typeName(issue.input)}` })
      .optional()
      .meta({ description: "Mozilla server-side TLS profile (default intermediate)." }),
    hsts: hstsSchema.optional().meta({ description: "Strict-Transport-Security (default on, max-age 2 years)." }),
    sessionTimeout: secondsSchema.optional().meta({ description: "ssl_session_timeout (default 1d)." }),
    stapling: bool("OCSP stapling (default false).").optional(),
  })
  .meta({ description: "TLS (wss://). Absent: a plain ws:// site." });

const listenItem = z.union([z.number().int().min(1).max(65535), checked(checkListen, "Listen address.")], {
  error: (issue) => `expected a port or "addr:port", got ${typeName(issue.input)}`,
});
const listenSchema = z
  .union([listenItem, z.array(listenItem).min(1, { error: "needs at least one address" })], {
    error: (issue) => `expected a port, "addr:port", or a list of them, got ${typeName(issue.input)}`,
  })
  .meta({ description: 'Port, "addr:port", "[::]:port", or a list. Default 443 with tls, 80 without.' });

const routeSchema = z
  .strictObject({
    path: checked(checkLocationPath, 'Prefix match ("/ws") or exact match ("= /ws").'),
    upstream: checked(checkName, "Name of an upstream."),
    websocket: bool("Proxy WebSocket upgrades (default true).").optional(),
    timeouts: timeoutsSchema.optional(),
    origins: z
      .array(checked(checkOrigin, "Origin."))
      .min(1, { error: "an empty list would refuse every browser; list at least one origin, or remove origins" })
      .optional()
      .meta({ description: "Allowlist of browser origins (scheme://host[:port]); others get 403." }),
    allowMissingOrigin: bool("Allow clients that send no Origin (non-browsers) when origins is set (default true).").optional(),
    maxConnectionsPerIp: int(1, 65535, "Cap on open connections (sockets) per client IP.").optional(),
    headers: headersSchema.optional(),
  })
  .meta({ description: "A location proxied to an upstream." });

const redirectSchema = z.union(
  [
    z.boolean(),
    z.strictObject({
      listen: listenSchema.meta({ description: 'Where the redirect server listens: port, "addr:port", or a list.' }),
    }),
  ],
  {
    error: (issue) => `expected true, false or { listen }, got ${typeName(issue.input)}`,
  },
);

const siteSchema = z
  .strictObject({
    name: checked(checkSiteName, "Label.").optional().meta({ description: "Label (default: the first domain)." }),
    domains: z
      .array(checked(checkDomain, "Host name or wildcard."))
      .min(1, { error: "needs at least one domain" })
      .meta({ description: "server_name entries." }),
    listen: listenSchema.optional(),
    http2: bool("HTTP/2 on the TLS listener (default false).").optional(),
    tls: tlsSchema.optional(),
    redirectHttp: redirectSchema
      .optional()
      .meta({ description: "With tls: also serve port 80 (or { listen }) and redirect to https." }),
    routes: z
      .array(routeSchema)
      .min(1, { error: "needs at least one route" })
      .meta({ description: "Locations, each proxied to an upstream." }),
  })
  .meta({ description: "A server block." });

const lintSchema = z
  .strictObject({
    rules: z
      .partialRecord(
        z.enum(RULE_IDS, {
          error: (issue) => `unknown lint rule ${showValue(issue.input)}; the rules are ${RULE_IDS.join(", ")}`,
        }),
        z.enum(["error", "warning", "info", "off"], {
          error: (issue) => `expected error, warning, info or off, got ${typeName(issue.input)}`,
        }),
      )
      .optional()
      .meta({ description: "Rule id → error | warning | info | off, overriding the rule's default severity." }),
  })
  .meta({ description: "Lint rule settings for `wssgen check` (and the warnings `render` prints)." });

export const configSchema = z
  .strictObject({
    $schema: z.string().optional().meta({ description: "JSON Schema reference for editors; ignored." }),
    nginx: nginxSchema.optional(),
    defaults: z
      .strictObject({ timeouts: timeoutsSchema.optional(), headers: headersSchema.optional() })
      .optional()
      .meta({ description: "Apply to every route unless the route overrides them." }),
    upstreams: z
      .record(checked(checkName, "Upstream name."), upstreamSchema, {
        error: (issue) => `expected a mapping of upstream names, got ${typeName(issue.input)}`,
      })
      .meta({ description: "Named groups of backend servers." }),
    lint: lintSchema.optional(),
    sites: z.array(siteSchema).min(1, { error: "needs at least one site" }).meta({ description: "Server blocks, one per site." }),
  })
  .meta({ title: "wssgen config", description: "wssgen.yaml: WebSocket proxying for nginx." });

export type RawConfig = z.infer<typeof configSchema>;
export type RawSite = RawConfig["sites"][number];
export type RawRoute = RawSite["routes"][number];
export type RawUpstream = RawConfig["upstreams"][string];
export type RawServer = RawUpstream["servers"][number];
export type RawListen = NonNullable<RawSite["listen"]>;

export { MAX_VALUE_LENGTH };

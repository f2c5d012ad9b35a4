/**
 * The zod schema of wssgen.yaml (docs/config.md, "Every key" is generated from it): the one source of
 * the config's types, its validation and its JSON Schema (`wssgen schema`). It validates shapes and
 * single values; rules that relate fields to each other live in `semantics.ts`. Defaults are not
 * applied here but stated (defaults.ts); normalize.ts applies them.
 */
import * as z from "zod";
import { DEFAULTS, type Default, describeDefault } from "./defaults.js";
import { describeDurationMaximum, type DurationKind, durationPattern, explainDuration, MAX_DURATION_NUMBER } from "./duration.js";
import { presetNames } from "./presets.js";
import { didYouMean } from "./suggest.js";
import { RULE_IDS } from "./rule-ids.js";
import { showValue } from "../util/show.js";
import { MAX_VALUE_LENGTH, RULES, type ValueRule } from "./values.js";
import { balanceMethods, defaultServerModes, realIpHeaders, tlsProfiles } from "./model.js";

/** Top-level keys wssgen ignores. */
export const EXTENSION_KEY = /^x-/;

/** The most idle upstream connections per worker wssgen writes (see keepalive). */
export const MAX_KEEPALIVE = 1_048_576;

/**
 * A string that must match an allowlist rule (values.ts). The rule's pattern is the check, here and
 * in the JSON Schema (`pattern`); its explanation is the message.
 */
function checked(rule: ValueRule, description: string) {
  return z
    .string({ error: (issue) => (issue.input === undefined ? "is required" : `expected a string, got ${typeName(issue.input)}`) })
    .regex(rule.pattern, { error: (issue) => rule.explain(String(issue.input)) })
    .meta({ description });
}

export function typeName(value: unknown): string {
  if (value === null) return "null";
  if (Array.isArray(value)) return "a list";
  if (typeof value === "object") return "a mapping";
  return `${typeof value} ${showValue(value)}`;
}

/** nginx.version given as a YAML number: it may have lost a trailing zero (1.20 is the number 1.2). */
function unquotedVersion(value: unknown): string {
  const text = String(value);
  const lostZero = /^\d+\.\d$/.test(text) ? `; if you meant ${text}0, quote it: "${text}0"` : "";
  return `YAML read the number ${text}: write the version in quotes, e.g. "1.22"${lostZero}`;
}

/** A whole number from min to max; every failure states the range (never zod's own wording). */
const int = (min: number, max: number, description: string) => {
  const range = `expected a whole number from ${min} to ${max}`;
  const got = (issue: { input?: unknown }) => `${range}, got ${typeName(issue.input)}`;
  return z.number({ error: got }).int({ error: got }).min(min, { error: got }).max(max, { error: got }).meta({ description });
};

const bool = (description: string) =>
  z
    .boolean({
      error: (issue) =>
        // YAML reads "false" in quotes as text
        typeof issue.input === "string" && /^(?:true|false)$/i.test(issue.input)
          ? `expected true or false without quotes, got ${typeName(issue.input)}`
          : `expected true or false, got ${typeName(issue.input)}`,
    })
    .meta({ description });

/** A mapping of one required path key, whose short form (`acme: /var/www/acme`) gets the mapping it means. */
const pathMappingError = (key: string) => (issue: { input?: unknown }) =>
  typeof issue.input === "string"
    ? `expected a mapping: write { ${key}: ${issue.input.startsWith("/") ? "<the path>" : "/absolute/path"} }, got ${typeName(issue.input)}`
    : `expected a mapping with ${key}, got ${typeName(issue.input)}`;

/**
 * An optional key with a default (defaults.ts): the JSON Schema says it as the description's last
 * sentence ("Default: 5s.") and, when it is one value, as the `default` keyword editors offer. The
 * description is the key's own, else the schema's (a shared schema such as `timeoutSchema` has one).
 */
function withDefault<T extends z.ZodType>(schema: T, entry: Default, description = schema.description ?? "") {
  return schema.optional().meta({
    description: `${description} Default: ${describeDefault(entry)}.`,
    ...(entry.value === undefined ? {} : { default: entry.value }),
  });
}

const DURATION_HINT = "expected a duration such as 500ms, 30s, 5m, 1h or 1d (or a number of seconds)";
const SECONDS_HINT = "expected whole seconds such as 30s, 5m, 1h or 1d (nginx takes no ms here)";
const HSTS_HINT = "expected max-age in whole seconds, such as 31536000 (one year) or 365d";
/** Why a duration that must be more than 0 is: the message for 0, unless the field says another. */
const ZERO_TIMEOUT = "must be more than 0 (nginx would time out every request at once)";

/**
 * A duration field of `kind` (duration.ts), from `min` to nginx's limit for it: a string with a unit
 * or a whole number of seconds. Both forms and their ranges are in the JSON Schema.
 */
function durationOf(kind: DurationKind, min: 0 | 1, hint: string, title: string, description: string, zero = ZERO_TIMEOUT) {
  const wrong = (issue: { input?: unknown }) =>
    min === 1 && issue.input === 0
      ? zero
      : `${hint}; a number of seconds is a whole number from ${min} to ${MAX_DURATION_NUMBER}, got ${typeName(issue.input)}`;
  return z
    .union(
      [
        z.number().int({ error: wrong }).min(min, { error: wrong }).max(MAX_DURATION_NUMBER, { error: wrong }),
        z.string().regex(new RegExp(`^(?:${durationPattern(kind, min)})$`, "u"), {
          error: (issue) => explainDuration(kind, min, String(issue.input), hint, zero),
        }),
      ],
      { error: (issue) => `${hint}, got ${typeName(issue.input)}` },
    )
    .meta({ title, description: `${description} At most ${describeDurationMaximum(kind)}.` });
}

/** Durations nginx reads in milliseconds (ngx_conf_set_msec_slot), 0 allowed. */
export const durationSchema = durationOf(
  "msec",
  0,
  DURATION_HINT,
  "duration",
  "A duration: 500ms, 30s, 5m, 1h, 1d, or a number of seconds.",
);

/** For directives nginx reads in whole seconds (fail_timeout, ssl_session_timeout): no ms. */
export const secondsSchema = durationOf(
  "sec",
  0,
  SECONDS_HINT,
  "seconds",
  "Whole seconds: 30s, 5m, 1h, 1d, or a number of seconds.",
);

/** Proxy timeouts: 0 would make nginx give up at once (504 on every request). */
const timeoutSchema = durationOf(
  "msec",
  1,
  DURATION_HINT,
  "duration",
  "A duration above 0: 500ms, 30s, 5m, 1h, 1d, or a number of seconds.",
);

const timeoutsSchema = z
  .strictObject({
    connect: withDefault(timeoutSchema, DEFAULTS.route["timeouts.connect"], "proxy_connect_timeout."),
    read: withDefault(
      timeoutSchema,
      DEFAULTS.route["timeouts.read"],
      "proxy_read_timeout: how long an idle socket may stay silent.",
    ),
    send: withDefault(timeoutSchema, DEFAULTS.route["timeouts.send"], "proxy_send_timeout."),
  })
  .meta({ description: "Proxy timeouts." });

const headersSchema = z
  .record(
    checked(RULES.headerName, "Header name."),
    checked(RULES.expression, "Header value: text with nginx variables ($name or ${name})."),
  )
  .meta({ description: "Extra proxy_set_header name: value pairs sent to the upstream." });

const nginxSchema = z
  .strictObject({
    version: withDefault(
      z
        .string({
          error: (issue) =>
            typeof issue.input === "number"
              ? unquotedVersion(issue.input)
              : `expected a version such as "1.22", got ${typeName(issue.input)}`,
        })
        .regex(RULES.nginxVersion.pattern, { error: (issue) => RULES.nginxVersion.explain(String(issue.input)) }),
      DEFAULTS.nginx.version,
      'The nginx version to render for: "major.minor" or "major.minor.patch", at least "1.18", quoted (e.g. "1.22").',
    ),
    openssl: withDefault(
      checked(RULES.version, 'OpenSSL version nginx is built with, e.g. "3.5"; enables the X25519MLKEM768 curve from 3.5.'),
      DEFAULTS.nginx.openssl,
    ),
    binary: withDefault(checked(RULES.argument, "nginx executable."), DEFAULTS.nginx.binary),
    mainConfig: withDefault(checked(RULES.filePath, "The config `apply` tests with `nginx -t -c`."), DEFAULTS.nginx.mainConfig),
    target: withDefault(checked(RULES.filePath, "The file `apply` writes."), DEFAULTS.nginx.target),
    namespace: withDefault(
      checked(
        RULES.namespace,
        "Prefix of every http-wide nginx name this file defines (upstreams, maps, variables, zones), so that several wssgen files can share an http block.",
      ),
      DEFAULTS.nginx.namespace,
    ),
    reload: withDefault(
      z.array(checked(RULES.argument, "argv element.")).min(1, { error: "needs at least the command, e.g. [nginx, -s, reload]" }),
      DEFAULTS.nginx.reload,
      "Reload command as argv, e.g. [systemctl, reload, nginx].",
    ),
    workerShutdownTimeout: withDefault(
      durationSchema,
      DEFAULTS.nginx.workerShutdownTimeout,
      "worker_shutdown_timeout emitted by `render --full`: how long old workers may keep WebSockets open after a reload.",
    ),
  })
  .meta({ description: "How wssgen reaches nginx. All optional." });

const serverObjectSchema = z.strictObject({
  address: checked(RULES.serverAddress, "host:port, [IPv6]:port or unix:/path."),
  // nginx reads both with ngx_atoi up to 2^63-1; JavaScript numbers are exact up to 2^53-1
  weight: withDefault(int(1, Number.MAX_SAFE_INTEGER, "Relative weight, 1 or more."), DEFAULTS.server.weight),
  maxFails: withDefault(
    int(0, Number.MAX_SAFE_INTEGER, "max_fails: failures before the server is skipped; 0 = never."),
    DEFAULTS.server.maxFails,
  ),
  failTimeout: withDefault(secondsSchema, DEFAULTS.server.failTimeout, "fail_timeout."),
  backup: withDefault(bool("Only used when the primary servers are down."), DEFAULTS.server.backup),
  down: withDefault(bool("Marked permanently unavailable."), DEFAULTS.server.down),
});

const upstreamTlsSchema = z.strictObject({
  verify: withDefault(
    bool(
      "Verify the servers' certificate (proxy_ssl_verify) against ca, for serverName. false: anyone on the path can pose as the backend.",
    ),
    DEFAULTS.upstream["tls.verify"],
  ),
  ca: withDefault(
    checked(RULES.filePath, "CA certificates (PEM) the servers' certificate must chain to (proxy_ssl_trusted_certificate)."),
    DEFAULTS.upstream["tls.ca"],
  ),
  serverName: withDefault(
    checked(RULES.serverName, "The host name sent as SNI and checked in the certificate (proxy_ssl_name)."),
    DEFAULTS.upstream["tls.serverName"],
  ),
  certificate: checked(RULES.filePath, "Client certificate (PEM) nginx presents to the servers (mTLS); needs key.").optional(),
  key: checked(RULES.filePath, "The client certificate's private key (PEM).").optional(),
});

const upstreamSchema = z
  .strictObject({
    servers: z
      .array(
        z.union([checked(RULES.serverAddress, "Shorthand for { address }."), serverObjectSchema], {
          error: (issue) => `expected an address string or a mapping with "address", got ${typeName(issue.input)}`,
        }),
      )
      .min(1, { error: "needs at least one server" })
      .meta({ description: "One or more servers; a string is shorthand for { address }." }),
    balance: withDefault(
      z.enum(balanceMethods, {
        error: (issue) => `expected one of ${balanceMethods.join(", ")}, got ${typeName(issue.input)}`,
      }),
      DEFAULTS.upstream.balance,
      "Load-balancing method.",
    ),
    hashKey: checked(RULES.hashKey, "nginx expression.")
      .optional()
      .meta({ description: "Only with balance: hash — the key, an nginx expression such as $remote_addr." }),
    // nginx takes 1 and more (0 too from 1.29.7) and allocates the cache when it reads the config;
    // a worker cannot hold more connections than Linux's default per-process file limit (fs.nr_open)
    keepalive: withDefault(
      int(0, MAX_KEEPALIVE, "Idle upstream connections kept per worker, up to 1048576; 0 = off."),
      DEFAULTS.upstream.keepalive,
    ),
    tls: z
      .union([bool("true: the backend speaks TLS, with every default."), upstreamTlsSchema], {
        error: (issue) => `expected true, false or { verify, ca, serverName, certificate, key }, got ${typeName(issue.input)}`,
      })
      .optional()
      .meta({
        description:
          "The servers speak TLS: nginx proxies with https, with SNI, and their certificate verified (true: every default). Absent or false: plain http.",
      }),
    resolve: withDefault(
      bool(
        "Re-resolve the servers' host names while nginx runs (containers, Kubernetes services): zone and `server ... resolve`, nginx 1.27.3+; needs the top-level resolver.",
      ),
      DEFAULTS.upstream.resolve,
    ),
    sticky: z
      .strictObject(
        {
          cookie: checked(RULES.cookieName, "The cookie's name, such as srv_id."),
        },
        {
          error: (issue) =>
            typeof issue.input === "string"
              ? `expected a mapping: write { cookie: ${RULES.cookieName.pattern.test(issue.input) ? issue.input : "srv_id"} }, got ${typeName(issue.input)}`
              : `expected a mapping with cookie, got ${typeName(issue.input)}`,
        },
      )
      .optional()
      .meta({
        description:
          "Cookie stickiness (`sticky cookie`, nginx 1.29.6+): nginx sets a cookie that names the server of a client's first request, and sends its later requests there (socket.io's polling, SignalR's negotiate).",
      }),
  })
  .meta({ description: "A group of backend servers." });

const hstsSchema = z.union(
  [
    z.boolean(),
    z.strictObject({
      maxAge: withDefault(
        durationOf(
          "hsts",
          0,
          HSTS_HINT,
          "seconds",
          "max-age in seconds (RFC 6797), e.g. 31536000 or 365d; 0 tells browsers to forget the policy.",
        ),
        DEFAULTS.site["tls.hsts.maxAge"],
      ),
      includeSubdomains: withDefault(bool("Add includeSubDomains."), DEFAULTS.site["tls.hsts.includeSubdomains"]),
      preload: withDefault(bool("Add preload."), DEFAULTS.site["tls.hsts.preload"]),
    }),
  ],
  { error: (issue) => `expected true, false or { maxAge, includeSubdomains, preload }, got ${typeName(issue.input)}` },
);

const tlsSchema = z
  .strictObject({
    certificate: checked(RULES.filePath, "Path to the certificate chain (PEM)."),
    key: checked(RULES.filePath, "Path to the private key (PEM)."),
    profile: withDefault(
      z.enum(tlsProfiles, { error: (issue) => `expected intermediate or modern, got ${typeName(issue.input)}` }),
      DEFAULTS.site["tls.profile"],
      "Mozilla server-side TLS profile.",
    ),
    hsts: withDefault(hstsSchema, DEFAULTS.site["tls.hsts"], "Strict-Transport-Security."),
    sessionTimeout: withDefault(secondsSchema, DEFAULTS.site["tls.sessionTimeout"], "ssl_session_timeout."),
    stapling: withDefault(bool("OCSP stapling."), DEFAULTS.site["tls.stapling"]),
  })
  .meta({ description: "TLS (wss://). Absent: a plain ws:// site." });

const listenItem = z.union([int(1, 65535, "Port."), checked(RULES.listen, "Listen address.")], {
  error: (issue) => `expected a port or "addr:port", got ${typeName(issue.input)}`,
});
const listenSchema = z.union([listenItem, z.array(listenItem).min(1, { error: "needs at least one address" })], {
  error: (issue) => `expected a port, "addr:port", or a list of them, got ${typeName(issue.input)}`,
});

/** `maxBodySize`: client_max_body_size, a size or a number of bytes. */
const sizeSchema = z
  .union(
    [
      z
        .number()
        .int({ error: (issue) => `expected a size such as 50m or a whole number of bytes, got ${typeName(issue.input)}` })
        .min(0, { error: (issue) => `expected a size such as 50m or a whole number of bytes, got ${typeName(issue.input)}` })
        .max(Number.MAX_SAFE_INTEGER),
      checked(RULES.size, "A size: bytes, or a whole number with k, m or g."),
    ],
    { error: (issue) => `expected a size such as 512k, 50m or 1g (0 = no limit), got ${typeName(issue.input)}` },
  )
  .meta({ title: "size", description: "A size: 512k, 50m, 1g, or a number of bytes; 0 = no limit." });

/** `directives`: the escape hatch, one simple nginx directive an entry (SPEC §7). */
const directivesSchema = (level: string, example: string) =>
  z
    .array(checked(RULES.directive, "One simple nginx directive: its name, then its arguments; a trailing ; is optional."))
    .optional()
    .meta({
      description: `Extra nginx directives at ${level} level, printed after wssgen's own, one simple directive an entry (e.g. ${JSON.stringify(example)}). No blocks; a directive that a wssgen key controls is refused with that key's name. \`--no-directives\` (library: allowDirectives: false) forbids them.`,
    });

const staticSchema = z
  .strictObject(
    {
      root: checked(RULES.filePath, "The directory the route's path maps to: for path /docs/, /docs/a.css is ROOT/a.css."),
      spa: withDefault(
        bool("Single-page app: a path that is no file gets the route's index.html (served with Cache-Control: no-cache)."),
        DEFAULTS.route["static.spa"],
      ),
    },
    { error: pathMappingError("root") },
  )
  .meta({ description: "Serve files from a directory instead of proxying (a route has either upstream or static)." });

const accessSchema = z
  .strictObject({
    allow: z
      .array(checked(RULES.trustedAddress, "An address or network (10.0.0.0/8, 2001:db8::/32), or unix:."))
      .min(1, { error: "needs at least one address; remove allow to let every address in" })
      .optional()
      .meta({ description: "Only these client addresses get in (allow ...; deny all); others get 403." }),
    basicAuth: z
      .strictObject({
        userFile: checked(RULES.filePath, "An htpasswd file (auth_basic_user_file): user:hash lines, e.g. from htpasswd -B."),
        realm: withDefault(checked(RULES.realm, "The prompt's title (auth_basic)."), DEFAULTS.route["access.basicAuth.realm"]),
      })
      .optional()
      .meta({ description: "HTTP basic auth: a request without a valid user and password gets 401." }),
    forwardAuth: z
      .strictObject({
        url: checked(RULES.authUrl, "The auth service's URL: http or https, host, port and path (no query)."),
        responseHeaders: z
          .array(checked(RULES.headerName, "A response header of the auth service."))
          .optional()
          .meta({ description: "Headers of the auth service's answer passed on to the backend (such as Remote-User)." }),
      })
      .optional()
      .meta({
        description:
          "auth_request: nginx asks the service with the request's headers (cookies, Authorization) before each request; 2xx lets it through, 401 or 403 is the answer.",
      }),
  })
  .meta({ description: "Who may use the route: addresses, basic auth, forward auth; all that are set must pass." });

const routeSchema = z
  .strictObject({
    path: checked(RULES.locationPath, 'Prefix match ("/ws") or exact match ("= /ws").'),
    upstream: checked(RULES.name, "Name of an upstream (a route has either upstream or static).").optional(),
    static: staticSchema.optional(),
    websocket: withDefault(bool("Proxy WebSocket upgrades."), DEFAULTS.route.websocket),
    preset: z
      .enum(presetNames, {
        // socketio, SignalR, action-cable: the closest name (a preset name is no secret to give away)
        error: (issue) =>
          `expected one of ${presetNames.join(", ")}, got ${typeName(issue.input)}${typeof issue.input === "string" ? didYouMean(issue.input, presetNames) : ""}`,
      })
      .optional()
      .meta({
        description:
          "The framework behind the route (docs/presets/<name>.md): sets websocket: true and, for frameworks whose server pings at a known interval, timeouts.read and send above it, unless the route sets them; lint checks the path, the timeouts, the subprotocol header and stickiness against the framework. The path stays yours to write. websocket: false only with a framework that has an HTTP fallback (socket.io, signalr, phoenix).",
      }),
    timeouts: timeoutsSchema.optional(),
    origins: z
      .array(checked(RULES.origin, "Origin."))
      .min(1, { error: "an empty list would refuse every browser; list at least one origin, or remove origins" })
      .optional()
      .meta({
        description:
          "Allowlist of browser origins (scheme://host[:port], or scheme://*.domain[:port] for exactly one more label); others get 403.",
      }),
    allowMissingOrigin: withDefault(
      bool("Allow clients that send no Origin (non-browsers) when origins is set."),
      DEFAULTS.route.allowMissingOrigin,
    ),
    // limit_conn: "invalid number of connections" below 1, "connection limit must be less 65536" above
    maxConnectionsPerIp: int(1, 65535, "Cap on open connections (sockets) per client IP, 1 to 65535.").optional(),
    headers: headersSchema.optional(),
    stripPrefix: withDefault(
      bool(
        "Send the backend the path without the route's prefix (/grafana/x arrives as /x), with X-Forwarded-Prefix: /grafana. The path must end with / (or be exact).",
      ),
      DEFAULTS.route.stripPrefix,
    ),
    maxBodySize: withDefault(
      sizeSchema,
      DEFAULTS.route.maxBodySize,
      "client_max_body_size: the largest request body; larger gets 413.",
    ),
    buffering: withDefault(
      bool("false for streams (server-sent events, token streams): proxy_buffering and proxy_request_buffering off."),
      DEFAULTS.route.buffering,
    ),
    access: accessSchema.optional(),
    rateLimit: z
      .strictObject({
        rate: checked(RULES.rate, "Requests per second or minute per client address, such as 10r/s or 30r/m."),
        burst: withDefault(
          int(0, 1000000, "Requests above the rate a client may make at once before it gets 429 (nodelay)."),
          DEFAULTS.route["rateLimit.burst"],
        ),
      })
      .optional()
      .meta({
        description:
          "Requests (and WebSocket handshakes) per client address (limit_req): beyond rate and burst, 429. Reconnect storms, brute force.",
      }),
    directives: directivesSchema("location", "proxy_buffers 8 32k"),
  })
  .meta({ description: "A location: proxied to an upstream, or files served from a directory." });

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
    name: withDefault(
      checked(RULES.siteName, "The site's name in the output (comments, route keys); no other site may go by it, ignoring case."),
      DEFAULTS.site.name,
    ),
    domains: z
      .array(checked(RULES.domain, "Host name or wildcard."))
      .min(1, { error: "needs at least one domain" })
      .meta({ description: "server_name entries." }),
    listen: withDefault(listenSchema, DEFAULTS.site.listen, 'Port, "addr:port", "[::]:port", or a list.'),
    http2: withDefault(bool("HTTP/2 on the TLS listener."), DEFAULTS.site.http2),
    tls: tlsSchema.optional(),
    redirectHttp: withDefault(
      redirectSchema,
      DEFAULTS.site.redirectHttp,
      "With tls: also serve port 80 (or { listen }) and redirect to https.",
    ),
    ipv6: withDefault(
      bool("A listen given as a bare port also listens on [::] (IPv6); the http server beside a TLS site follows."),
      DEFAULTS.site.ipv6,
    ),
    acme: z
      .strictObject(
        {
          webroot: checked(
            RULES.filePath,
            "certbot's --webroot-path: /.well-known/acme-challenge/TOKEN is served from WEBROOT/.well-known/acme-challenge/TOKEN on port 80, before any https redirect.",
          ),
        },
        { error: pathMappingError("webroot") },
      )
      .optional()
      .meta({ description: "Let's Encrypt HTTP-01 challenges (certbot --webroot)." }),
    realIp: z
      .strictObject({
        from: z
          .array(checked(RULES.trustedAddress, "A trusted proxy: an address or network (10.0.0.0/8, 2001:db8::/32), or unix:."))
          .min(1, { error: "needs at least one trusted address, such as 10.0.0.0/8" })
          .meta({ description: "set_real_ip_from: the proxies or load balancers trusted to say who the client is." }),
        header: withDefault(
          z.enum(realIpHeaders, {
            error: (issue) => {
              // header names ignore case in HTTP, but real_ip_header's value is one of these words
              const same = realIpHeaders.find(
                (h) => typeof issue.input === "string" && h.toLowerCase() === issue.input.toLowerCase(),
              );
              return same
                ? `write ${same} (with this capitalisation), got ${typeName(issue.input)}`
                : `expected one of ${realIpHeaders.join(", ")}, got ${typeName(issue.input)}`;
            },
          }),
          DEFAULTS.site["realIp.header"],
          "Where the trusted proxy puts the client address; proxy_protocol adds proxy_protocol to the site's listens.",
        ),
      })
      .optional()
      .meta({ description: "The client's real address behind a CDN or load balancer (ngx_http_realip_module)." }),
    directives: directivesSchema("server", "large_client_header_buffers 4 32k"),
    routes: z
      .array(routeSchema)
      .min(1, { error: "needs at least one route" })
      .meta({ description: "Locations, each proxied to an upstream or serving files." }),
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

const UPSTREAMS_ERROR = {
  error: (issue: { input: unknown }) => `expected a mapping of upstream names, got ${typeName(issue.input)}`,
};
const SITES_REQUIRED = { error: "needs at least one site" };

export const configSchema = z
  .strictObject({
    $schema: z
      .string({ error: (issue) => `expected a string, got ${typeName(issue.input)}` })
      .optional()
      .meta({ description: "JSON Schema reference for editors; ignored." }),
    nginx: nginxSchema.optional(),
    defaultServer: withDefault(
      z.enum(defaultServerModes, { error: (issue) => `expected reject or off, got ${typeName(issue.input)}` }),
      DEFAULTS.file.defaultServer,
      "reject: a catch-all server on every address wssgen listens on answers requests for unknown hosts with nothing (444) and refuses TLS handshakes for unknown names (ssl_reject_handshake, nginx 1.19.4+).",
    ),
    directives: directivesSchema("http", "proxy_headers_hash_max_size 1024"),
    resolver: z
      .strictObject({
        addresses: z
          .array(checked(RULES.resolverAddress, "A DNS server: address[:port], such as 127.0.0.11 or [::1]:5353."))
          .min(1, { error: "needs at least one DNS server, such as 127.0.0.11 (Docker's)" })
          .meta({ description: "DNS servers nginx asks." }),
        valid: withDefault(
          durationOf(
            "sec",
            1,
            SECONDS_HINT,
            "seconds",
            "Whole seconds: 30s, 5m, 1h, 1d, or a number of seconds.",
            "must be more than 0: to nginx, valid=0 means each answer's own TTL, the same as leaving valid out",
          ),
          DEFAULTS.file["resolver.valid"],
          "How long nginx keeps an answer (valid=).",
        ),
      })
      .optional()
      .meta({
        description: "DNS servers for upstreams with resolve: true (written in each such upstream block, nginx 1.27.3+).",
      }),
    defaults: z
      .strictObject({
        timeouts: timeoutsSchema.optional(),
        headers: headersSchema.optional(),
        maxBodySize: withDefault(sizeSchema, DEFAULTS.route.maxBodySize, "client_max_body_size for every route that sets none."),
      })
      .optional()
      .meta({ description: "Apply to every route unless the route overrides them." }),
    upstreams: z
      .record(checked(RULES.name, "Upstream name."), upstreamSchema, UPSTREAMS_ERROR)
      .meta({ description: "Named groups of backend servers." }),
    lint: lintSchema.optional(),
    sites: z.array(siteSchema).min(1, SITES_REQUIRED).meta({ description: "Server blocks, one per site." }),
  })
  .meta({
    title: "wssgen config",
    description:
      "wssgen.yaml: WebSocket proxying for nginx. Top-level keys starting with x- are ignored (keep YAML anchors there).",
    // x-* keys: dropped by withoutExtensions before validation, as Compose does
    patternProperties: { [EXTENSION_KEY.source]: {} },
  });

/** The data without its top-level `x-*` keys, which wssgen ignores (a place for YAML anchors). */
export function withoutExtensions(data: unknown): unknown {
  if (data === null || typeof data !== "object" || Array.isArray(data)) return data;
  return Object.fromEntries(Object.entries(data).filter(([key]) => !EXTENSION_KEY.test(key)));
}

export type RawConfig = z.infer<typeof configSchema>;
export type RawSite = RawConfig["sites"][number];
export type RawRoute = RawSite["routes"][number];
export type RawUpstream = RawConfig["upstreams"][string];
export type RawServer = RawUpstream["servers"][number];
export type RawListen = NonNullable<RawSite["listen"]>;

export { MAX_VALUE_LENGTH };

/**
 * The config with each upstream and each site left unchecked, for validation in pieces
 * (`validate.ts`), which checks those one at a time with `upstreamsSchema` and `siteSchema`.
 */
export const configShellSchema = configSchema.extend({
  upstreams: z.record(z.string(), z.unknown(), UPSTREAMS_ERROR),
  sites: z.array(z.unknown()).min(1, SITES_REQUIRED),
});
/** `upstreams`: each entry is checked as a one-entry mapping, so its name is checked too. */
export const upstreamsSchema = configSchema.shape.upstreams;
export { siteSchema };

/**
 * Every default of wssgen.yaml, in one place. normalize.ts applies them, schema.ts states them in the
 * JSON Schema (the `default` keyword, and the description's last sentence), docs/config.md's key
 * table is generated from that schema, and test/config/defaults.test.ts holds all of them to this
 * object. Each group is one kind of model object (model.ts); its field names are the keys below the
 * object, dotted (`timeouts.read`), and are also the fields of that object's `set`.
 *
 * Three defaults depend on more than the file, so normalize does not settle them: `nginx.version`
 * and `nginx.openssl` (nginx/nginx-build.ts asks `nginx -V`, then falls back to nginx-version/version.ts
 * DEFAULT_NGINX_VERSION) and `nginx.namespace` (normalize.ts `forOutputFile`: the file actually written).
 */

/** One default. */
export interface Default {
  /** the value, as wssgen.yaml would write it; absent when it depends on other keys or on nginx */
  readonly value?: unknown;
  /** the value in each case, when it depends on other keys (then `text` says how) */
  readonly when?: Readonly<Record<string, unknown>>;
  /** the default in words, where the value alone does not say it */
  readonly text?: string;
  /** "nginx": wssgen writes no directive, and nginx's own default applies */
  readonly by?: "nginx";
  /** a `defaults.*` key whose value the object takes before this default applies */
  readonly inheritedFrom?: string;
}

/** Where each group's objects sit in wssgen.yaml, as docs/config.md names keys. */
export const GROUP_KEYS = {
  /** the top level of the file */
  file: "",
  nginx: "nginx",
  upstream: "upstreams.<name>",
  server: "upstreams.<name>.servers[]",
  site: "sites[]",
  route: "sites[].routes[]",
} as const;

export type DefaultGroup = keyof typeof GROUP_KEYS;

export const DEFAULTS = {
  file: {
    /** Debian's own default site claims default_server on port 80: a catch-all is opt-in (docs/recipes) */
    defaultServer: { value: "off" },
    /** nginx keeps each DNS answer for its TTL, as the resolver would; `valid` only shortens or lengthens that */
    "resolver.valid": { text: "each answer's own TTL", by: "nginx" },
  },
  nginx: {
    /** the syntax of the nginx that will read the file; 1.22 is Debian 12's, the oldest nginx the suite runs */
    version: { text: "what `nginx -V` reports, else 1.22" },
    /** the curve list depends on it; a guess could break a config rendered for another machine */
    openssl: { text: "what `nginx -V` reports, else unknown" },
    /** looked up in PATH, then where distributions install it (docs/cli.md) */
    binary: { value: "nginx" },
    /** where Debian's, Ubuntu's, Alpine's and nginx.org's packages keep it */
    mainConfig: { value: "/etc/nginx/nginx.conf" },
    /** Debian's, Ubuntu's and nginx.org's nginx.conf include conf.d/*.conf in their http block */
    target: { value: "/etc/nginx/conf.d/wssgen.conf" },
    /** two files of one http block must not define the same names (docs/decisions.md, namespaced names) */
    namespace: {
      text: "the name of the file written (render -o / --check, apply --target, else nginx.target): wssgen for wssgen.conf",
    },
    /** works without a service manager (containers); systemd users set [systemctl, reload, nginx] */
    reload: { value: ["nginx", "-s", "reload"] },
    /** bounds how long old workers hold WebSockets after a reload, while leaving clients minutes to reconnect */
    workerShutdownTimeout: { value: "10m" },
  },
  upstream: {
    /** nginx's own default method; each WebSocket is one long connection, so spreading them evenly is enough */
    balance: { value: "round-robin" },
    /** nginx's, which changed in 1.29.7 (docs/config.md, the nginx version rendered for) */
    keepalive: { text: "off before nginx 1.29.7, 32 from 1.29.7", by: "nginx" },
    /** a backend over TLS whose certificate nobody checks can be impersonated by anyone on the path */
    "tls.verify": { value: true },
    /** Debian's and Ubuntu's bundle of public CAs (package ca-certificates); Alpine's is at the same path */
    "tls.ca": { value: "/etc/ssl/certs/ca-certificates.crt" },
    /** the name the certificate must hold and SNI sends; nginx's own default is the upstream group's name, which never matches */
    "tls.serverName": { text: "the servers' common host name (required when they differ or are addresses)" },
    /** nginx resolves host names once, at start; re-resolving needs a resolver and nginx 1.27.3 */
    resolve: { value: false },
  },
  server: {
    /** nginx's: every server gets an equal share */
    weight: { value: 1, by: "nginx" },
    /** nginx's */
    maxFails: { value: 1, by: "nginx" },
    /** nginx's */
    failTimeout: { value: "10s", by: "nginx" },
    /** a server is a primary one unless it says otherwise */
    backup: { value: false },
    /** a listed server is meant to be used */
    down: { value: false },
  },
  site: {
    /** a label for messages and output comments; the first domain names the site well enough */
    name: { text: "the first domain" },
    /** the standard ports of https and http (the http one also serves redirectHttp: true) */
    listen: { text: "443 with tls, 80 without", when: { tls: 443, plain: 80 } },
    /** an opt-in: nginx proxies WebSockets over HTTP/1.1 only (no RFC 8441), so HTTP/2 helps only other requests */
    http2: { value: false },
    /** off unless asked; lint's tls-no-redirect tells an omission from a choice (`set`) */
    redirectHttp: { value: false },
    /** clients on IPv6-only networks (mobile carriers) reach the site; [::] binds only where the machine has IPv6 */
    ipv6: { value: true },
    /** what most load balancers and CDNs send (Cloudflare sends CF-Connecting-IP too) */
    "realIp.header": { value: "X-Forwarded-For" },
    /** Mozilla's recommendation for general-purpose servers: TLSv1.2 clients still connect */
    "tls.profile": { value: "intermediate" },
    /** a wss:// site should never be reached over plain http again */
    "tls.hsts": { value: true },
    /** Mozilla's and hstspreload.org's recommendation: two years, in seconds */
    "tls.hsts.maxAge": { value: 63072000, text: "63072000 (2 years)" },
    /** it would bind every subdomain, which the site may not control */
    "tls.hsts.includeSubdomains": { value: false },
    /** a request to browser vendors that is hard to undo: only on purpose */
    "tls.hsts.preload": { value: false },
    /** Mozilla's recommendation */
    "tls.sessionTimeout": { value: "1d" },
    /** Let's Encrypt ended OCSP in 2025, and stapling needs a resolver wssgen does not add */
    "tls.stapling": { value: false },
  },
  route: {
    /** wssgen is for WebSocket proxying; plain HTTP routes say so */
    websocket: { value: true },
    /** fails fast when a backend is down (nginx's 60s would hold each client a minute), yet gives a busy one time */
    "timeouts.connect": { value: "5s", inheritedFrom: "defaults.timeouts.connect" },
    /** nginx's 60s closes every WebSocket that is silent for a minute (lint: ws-read-timeout) */
    "timeouts.read": { value: "1h", inheritedFrom: "defaults.timeouts.read" },
    /** as read: a socket that only receives must not be cut */
    "timeouts.send": { value: "1h", inheritedFrom: "defaults.timeouts.send" },
    /** browsers always send Origin on a WebSocket handshake: a client that sends none is no browser a hostile page could drive */
    allowMissingOrigin: { value: true },
    /** nginx's: a request body over 1 MB gets 413 (set it for uploads and large messages over HTTP) */
    maxBodySize: { value: "1m", by: "nginx", inheritedFrom: "defaults.maxBodySize" },
    /** nginx's: responses and request bodies are buffered; streams (SSE, token streams) want false */
    buffering: { value: true, by: "nginx" },
    /** the backend sees the path as the browser sent it */
    stripPrefix: { value: false },
    /** a missing file is a 404, as for any file server */
    "static.spa": { value: false },
    /** what browsers show as the prompt's title; it names no site, so one user file can serve several */
    "access.basicAuth.realm": { value: "Restricted" },
    /** nginx's: every request above the rate is refused; set it for page loads and reconnect bursts */
    "rateLimit.burst": { value: 0, by: "nginx" },
  },
} as const satisfies { [G in DefaultGroup]: Record<string, Default> };

/** The fields of a group that have a default: the fields its objects record in `set`. */
export type DefaultField<G extends DefaultGroup> = keyof (typeof DEFAULTS)[G] & string;

/** The default in words, as the schema's descriptions and docs/config.md state it: "5s", "[nginx, -s, reload]". */
export function describeDefault(entry: Default): string {
  const shown = entry.text ?? (Array.isArray(entry.value) ? `[${entry.value.join(", ")}]` : String(entry.value));
  return entry.by === "nginx" ? `${shown} (nginx's own)` : shown;
}

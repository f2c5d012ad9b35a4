/**
 * Rules that relate fields to each other, which a schema cannot express. Each problem names a key
 * path; values it shows go through `showValue`, and the caller redacts those from the environment.
 */
import { posix } from "node:path";
import type { KeyPath } from "./path.js";
import { formatPath } from "./path.js";
import { NOT_REEMITTED } from "./directives.js";
import { type ExtraDirective, type ListenAddress, type Route, type Upstream, writtenAt, type WssgenConfig } from "./model.js";
import { listenKey } from "./normalize.js";
import type { RawConfig, RawRoute } from "./schema.js";
import { PRESETS, websocketOnly } from "./presets.js";
import { didYouMean } from "./suggest.js";
import { showValue } from "../util/show.js";

export interface SemanticProblem {
  path: KeyPath;
  message: string;
}

const RESERVED_HEADERS = new Set(["upgrade", "connection"]);

/** Thrown by `add` once `max` problems are found: the rest of the checks are skipped. */
class Enough extends Error {}

/** The cross-field problems of a schema-valid config, at most `max` of them (checking stops there). */
export function checkSemantics(raw: RawConfig, config: WssgenConfig, max = Infinity): SemanticProblem[] {
  const problems: SemanticProblem[] = [];
  const add = (path: KeyPath, message: string) => {
    problems.push({ path, message });
    if (problems.length >= max) throw new Enough();
  };
  try {
    checkAll(raw, config, add, () => problems.length);
  } catch (error) {
    if (!(error instanceof Enough)) throw error;
  }
  return problems;
}

function checkAll(
  raw: RawConfig,
  config: WssgenConfig,
  add: (path: KeyPath, message: string) => void,
  count: () => number,
): void {
  const anyWebSocket = config.sites.some((site) => site.routes.some((route) => route.websocket));
  const checkHeaders = (headers: Record<string, string> | undefined, at: KeyPath, websocket: boolean) => {
    const seen = new Map<string, string>();
    for (const name of Object.keys(headers ?? {})) {
      const lower = name.toLowerCase();
      const first = seen.get(lower);
      if (first !== undefined)
        add(
          [...at, name],
          `header ${showValue(name)} is already set as ${showValue(first)} (header names ignore case); keep one`,
        );
      seen.set(lower, name);
      if (websocket && RESERVED_HEADERS.has(lower))
        add(
          [...at, name],
          `wssgen sets ${showValue(name)} itself on WebSocket routes; remove it${at[0] === "defaults" ? " (defaults apply to every route)" : ", or set websocket: false"}`,
        );
    }
  };
  checkHeaders(raw.defaults?.headers, ["defaults", "headers"], anyWebSocket);

  const upstreamNames = config.upstreams.map((u) => u.name);
  const upstreamSet = new Set(upstreamNames);
  const lowerNames = new Map<string, string>();
  const stickyCookies = new Map<string, Upstream>();
  for (const upstream of config.upstreams) {
    const other = lowerNames.get(upstream.name.toLowerCase());
    if (other !== undefined)
      add(
        upstream.at,
        `upstream ${showValue(upstream.name)} is the same name as ${showValue(other)} to nginx, which ignores case in upstream names; rename one`,
      );
    else lowerNames.set(upstream.name.toLowerCase(), upstream.name);
    const exclusive = upstream.balance === "ip-hash" || upstream.balance === "hash" || upstream.balance === "random";
    upstream.servers.forEach((server, i) => {
      if (server.backup && exclusive)
        add(
          [...upstream.at, "servers", i, "backup"],
          `backup servers cannot be used with balance: ${upstream.balance} (nginx refuses it); use round-robin or least-conn, or remove backup`,
        );
    });
    if (upstream.servers.every((s) => s.backup))
      add([...upstream.at, "servers"], "every server is a backup; at least one must be a primary server");
    if (upstream.hashKey !== undefined && upstream.balance !== "hash")
      add([...upstream.at, "hashKey"], `hashKey only applies with balance: hash (balance is ${upstream.balance})`);
    if (upstream.balance === "hash" && upstream.hashKey === undefined)
      add([...upstream.at, "balance"], "balance: hash needs a hashKey, for example hashKey: $remote_addr");
    checkUpstreamTls(upstream, add);
    if (upstream.resolve) {
      const at = writtenAt(upstream, "resolve") ?? [...upstream.at, "resolve"];
      if (!upstream.servers.some((server) => resolvable(server.address)))
        add(
          at,
          "resolve: true has nothing to re-resolve: every server is an address or a unix socket; name the servers by host name, or remove resolve",
        );
      else if (!config.resolver)
        add(
          at,
          "resolve: true needs the DNS servers to ask: add the top-level resolver, such as resolver: { addresses: [127.0.0.11] } (Docker's)",
        );
      // nginx's resolver asks DNS only; "localhost" is an /etc/hosts name, so it would never resolve
      upstream.servers.forEach((server) => {
        const host = server.address.replace(/:\d+$/, "").toLowerCase();
        if (host === "localhost" || host.endsWith(".localhost"))
          add(
            server.at,
            `${showValue(host)} is a name of /etc/hosts, which nginx's resolver (resolve: true) never reads: write the address, such as 127.0.0.1${server.address.slice(host.length)}`,
          );
      });
    }
    if (upstream.sticky) {
      const first = stickyCookies.get(upstream.sticky.cookie);
      if (first === undefined) stickyCookies.set(upstream.sticky.cookie, upstream);
      else if (sharesASite(config, first.name, upstream.name))
        add(
          [...upstream.at, "sticky", "cookie"],
          `${showValue(upstream.sticky.cookie)} is also upstreams.${first.name}'s sticky cookie, and a site routes to both: the browser keeps one cookie of a name for the site, so each would overwrite the other's server; give this one another name`,
        );
    }
  }

  // a written site name names the site in the output (route keys, comments): no other site may
  // go by it, whether written or taken from its first domain (nginx's map ignores case)
  const siteNames = new Map<string, number>();
  config.sites.forEach((site, s) => {
    if (!writtenAt(site, "name")) siteNames.set(site.name.toLowerCase(), s);
  });
  config.sites.forEach((site, s) => {
    const at = writtenAt(site, "name");
    if (!at) return;
    const other = siteNames.get(site.name.toLowerCase());
    if (other !== undefined)
      add(
        at,
        `${showValue(site.name)} is also the name of sites[${other}]${writtenAt(config.sites[other]!, "name") ? "" : " (its first domain)"}; site names ignore case and must differ: give this site another name`,
      );
    else siteNames.set(site.name.toLowerCase(), s);
  });

  const listeners = new Map<string, { tls: boolean; at: KeyPath; proxyProtocol: boolean; profile?: string }>();
  const names = new Map<string, KeyPath>();
  config.sites.forEach((site, s) => {
    const rawSite = raw.sites[s]!;
    if (site.http2 && !site.tls)
      add(
        [...site.at, "http2"],
        "http2 needs tls: browsers speak HTTP/2 only over TLS, and plaintext HTTP/2 breaks ws:// upgrades",
      );
    if (writtenAt(site, "redirectHttp") && rawSite.redirectHttp !== false && !site.tls)
      add([...site.at, "redirectHttp"], "redirectHttp needs tls: it redirects plain http to this site's https");

    const ownListens = new Map<string, KeyPath>();
    const proxyProtocol = site.realIp?.header === "proxy_protocol";
    /** Checks one address; true when it had a problem. */
    const bind = (l: ListenAddress, tls: boolean, at: KeyPath): boolean => {
      const before = count();
      const key = listenKey(l);
      const same = ownListens.get(key);
      if (same) {
        add(at, `${showValue(l.value)} is the same address as ${formatPath(same)}; nginx refuses a duplicate listen`);
        return true;
      }
      ownListens.set(key, at);
      const other = listeners.get(key);
      if (other && other.tls !== tls)
        add(
          at,
          `${showValue(l.value)} is ${tls ? "TLS" : "plain"} here but ${other.tls ? "TLS" : "plain"} in ${formatPath(other.at)}; an nginx address:port is one or the other`,
        );
      // ngx_http_add_addresses (src/http/ngx_http.c) ORs proxy_protocol over every listen of one
      // address:port, silently in 1.22.1 and still in 1.26.3 and 1.30 (which may warn "protocol options
      // redefined"): a site without it would refuse plain requests (test/e2e/real-ip.test.ts shows it)
      else if (other && other.proxyProtocol !== proxyProtocol)
        add(
          proxyProtocol ? [...site.at, "realIp", "header"] : at,
          `${showValue(l.value)} ${proxyProtocol ? "takes" : "does not take"} the PROXY protocol here but ${other.proxyProtocol ? "does" : "does not"} in ${formatPath(other.at)}; nginx sets it per address:port, so every site on it must agree (realIp.header: proxy_protocol)`,
        );
      // the TLS protocol versions are negotiated with the settings of the address's default server,
      // before nginx switches to the server the name (SNI) selects: one address, one profile
      else if (other && tls && site.tls && other.profile !== site.tls.profile)
        add(
          writtenAt(site, "tls.profile") ?? at,
          `${showValue(l.value)} has tls.profile ${site.tls.profile} here but ${other.profile} in ${formatPath(other.at)}; nginx negotiates the TLS version with one address's settings before it reads the name, so sites on one address:port share a profile: give them the same one, or different addresses`,
        );
      else if (!other) listeners.set(key, { tls, at, proxyProtocol, ...(tls && site.tls ? { profile: site.tls.profile } : {}) });
      site.domains.forEach((domain, d) => {
        const nameKey = `${domain.toLowerCase()} ${key}`;
        const first = names.get(nameKey);
        if (first)
          add(
            [...site.at, "domains", d],
            `${showValue(domain)} on ${showValue(l.value)} is already served by ${formatPath(first)}; nginx would ignore this one`,
          );
        else names.set(nameKey, [...site.at, "domains", d]);
      });
      return count() > before;
    };
    /**
     * Each address of a list, the i-th written one at `writtenAt(i)` (the list also holds the
     * `[::]:port` twins ipv6 adds, right after their bare port); a twin is checked at `ipv6` unless
     * its bare port already had a problem, which the twin would only repeat.
     */
    const bindAll = (list: readonly ListenAddress[], tls: boolean, writtenAt: (i: number) => KeyPath) => {
      let written = -1;
      let reported = false;
      for (const l of list)
        if (l.impliedBy === undefined) reported = bind(l, tls, writtenAt(++written));
        else if (!reported) bind(l, tls, [...site.at, "ipv6"]);
    };
    bindAll(site.listen, site.tls !== undefined, (i) =>
      rawSite.listen === undefined ? site.at : Array.isArray(rawSite.listen) ? [...site.at, "listen", i] : [...site.at, "listen"],
    );
    if (site.http) {
      const httpAt =
        typeof rawSite.redirectHttp === "object"
          ? [...site.at, "redirectHttp", "listen"]
          : writtenAt(site, "redirectHttp") && rawSite.redirectHttp
            ? [...site.at, "redirectHttp"]
            : [...site.at, "acme"];
      bindAll(site.http.listen, false, (i) =>
        typeof rawSite.redirectHttp === "object" && Array.isArray(rawSite.redirectHttp.listen) ? [...httpAt, i] : httpAt,
      );
    }
    checkDirectives(site.directives, [config.directives], add);

    const locations = new Map<string, KeyPath>();
    // on a plain site the ACME challenge location sits in the site itself
    if (site.acme && !site.tls) locations.set(ACME_LOCATION, [...site.at, "acme"]);
    site.routes.forEach((route, r) => {
      const rawRoute = rawSite.routes[r]!;
      checkRouteKind(rawRoute, route.at, add);
      checkDirectives(route.directives, [config.directives, site.directives], add);
      if (route.upstream !== undefined && !upstreamSet.has(route.upstream)) {
        const at = [...route.at, "upstream"];
        // a name from the environment gets no suggestion: "did you mean" would tell what it is close to
        const secret = config.provenance?.secretAt(at) !== undefined;
        const known = !upstreamNames.length
          ? " (no upstreams are defined)"
          : secret
            ? ` (the upstreams are ${upstreamNames
                .slice(0, 5)
                .map((name) => showValue(name))
                .join(", ")}${upstreamNames.length > 5 ? ", ..." : ""})`
            : didYouMean(route.upstream, upstreamNames);
        add(at, `unknown upstream ${showValue(route.upstream)}${known}`);
      }
      const key = `${route.exact ? "=" : ""}${route.uri}`;
      const first = locations.get(key);
      if (first)
        add(
          [...route.at, "path"],
          `location ${showValue(route.path)} is already defined by ${formatPath(first)}${first.at(-1) === "acme" ? " (the ACME challenge location); remove this route, the challenge is served from acme.webroot" : ""}`,
        );
      else locations.set(key, route.at);
      if (writtenAt(route, "allowMissingOrigin") && route.origins === undefined)
        add(
          [...route.at, "allowMissingOrigin"],
          "allowMissingOrigin only applies with origins: list the allowed origins, or remove it",
        );
      // a preset without an HTTP fallback on an HTTP-only route: its framework can never connect
      // (the preset's one job, websocket: true, is undone by the route); lint could be turned off
      if (route.preset !== undefined && rawRoute.websocket === false && websocketOnly(PRESETS[route.preset]))
        add(
          [...route.at, "websocket"],
          `preset ${route.preset} is WebSocket only (${PRESETS[route.preset].title} has no HTTP fallback), so websocket: false leaves it nothing that works; remove websocket: false, or remove preset from this HTTP-only route`,
        );
      checkHeaders(rawRoute.headers, [...route.at, "headers"], route.websocket);
      checkAccess(route, [config.directives, site.directives], add);
      if (route.uri === AUTH_LOCATION_PREFIX.slice(0, -1) || route.uri.startsWith(AUTH_LOCATION_PREFIX))
        add(
          [...route.at, "path"],
          `paths under ${AUTH_LOCATION_PREFIX} are wssgen's own (the forward-auth locations); use another path`,
        );
    });
  });
  checkDirectives(config.directives, [], add);
}

/** Where wssgen puts the internal locations of forward auth (`= /.wssgen/auth/<n>`): no route may be there. */
export const AUTH_LOCATION_PREFIX = "/.wssgen/";

/** Whether one site routes to both upstreams `a` and `b`. */
function sharesASite(config: WssgenConfig, a: string, b: string): boolean {
  return config.sites.some((site) => site.routes.some((r) => r.upstream === a) && site.routes.some((r) => r.upstream === b));
}

/** Whether `server ... resolve` applies to an address: a host name (not an address, not unix:). */
export function resolvable(address: string): boolean {
  if (address.startsWith("unix:") || address.startsWith("[")) return false;
  return !/^[\d.]+(?::\d+)?$/.test(address);
}

/**
 * upstreams.<name>.tls: one name to verify and send (proxy_ssl_name is one per location), a name and
 * not an address when the certificate is verified (X509_check_host, ngx_ssl_check_host, matches DNS
 * names only), and a client certificate with its key.
 */
function checkUpstreamTls(upstream: Upstream, add: (path: KeyPath, message: string) => void): void {
  const tls = upstream.tls;
  if (!tls) return;
  const at = [...upstream.at, "tls"];
  const addresses =
    "the servers are addresses, and nginx checks a backend's certificate for a host name (X509_check_host): set tls.serverName to the name the certificate holds";
  if (tls.serverName === undefined)
    add(
      at,
      upstream.servers.some((s) => s.address.startsWith("unix:"))
        ? "set tls.serverName: a unix socket has no host name, and nginx sends one name (SNI) and checks the certificate for it"
        : tls.verify && !upstream.servers.some((s) => resolvable(s.address))
          ? addresses // several different addresses: the same advice as for one
          : "the servers have different host names: set tls.serverName, the one name nginx sends to all of them (SNI) and checks their certificates for (proxy_ssl_name is one per route)",
    );
  else if (tls.verify && writtenAt(upstream, "tls.serverName") === undefined && /^(?:\[|[\d.]+$)/.test(tls.serverName))
    add(at, addresses);
  const caAt = writtenAt(upstream, "tls.ca");
  if (!tls.verify && caAt)
    add(caAt, "tls.ca only applies with verify: true (with verify: false nginx checks no certificate); remove ca, or verify");
  if ((tls.certificate === undefined) !== (tls.key === undefined))
    add(
      [...at, tls.certificate === undefined ? "key" : "certificate"],
      `a client certificate needs both certificate and key: add tls.${tls.certificate === undefined ? "certificate" : "key"}`,
    );
}

/**
 * routes[].access: something to check; forward auth's responseHeaders only where a backend gets them,
 * once each, and none that wssgen or `headers` sets; an address list that no outer `allow`/`deny`
 * entry would be cancelled by (nginx inherits access rules only into a level with none).
 */
function checkAccess(
  route: Route,
  outer: readonly (readonly ExtraDirective[])[],
  add: (path: KeyPath, message: string) => void,
): void {
  const access = route.access;
  const at = [...route.at, "access"];
  if (access && !access.allow && !access.basicAuth && !access.forwardAuth)
    add(at, "access needs at least one of allow, basicAuth and forwardAuth; remove it to let everyone in");
  if (access?.allow) {
    const first = outer.flat().find((o) => o.name === "allow" || o.name === "deny");
    if (first)
      add(
        [...at, "allow"],
        `access.allow here would cancel ${formatPath(first.at)}: nginx inherits allow and deny only into a level that has none; list the addresses in access.allow of each route instead`,
      );
    const own = route.directives.find((o) => o.name === "allow" || o.name === "deny");
    if (own)
      add(
        own.at,
        `${showValue(own.name)} would come after access.allow's "deny all" and never apply; list addresses in access.allow`,
      );
  }
  if (route.rateLimit) {
    const first = outer.flat().find((o) => o.name === "limit_req");
    if (first)
      add(
        [...route.at, "rateLimit"],
        `rateLimit here would lift ${formatPath(first.at)} for this route: nginx inherits limit_req only into a level that has none; set rateLimit on each route instead`,
      );
  }
  const forward = access?.forwardAuth;
  // nginx verifies an https service's certificate for the URL's host (proxy_ssl_name), as a name
  if (forward && /^https:\/\/(?:\[|[\d.]+(?::|\/|$))/.test(forward.url))
    add(
      [...at, "forwardAuth", "url"],
      "an https forward-auth URL names the service by address, and nginx checks its certificate for a host name (X509_check_host), so every request would fail with 500: use the name its certificate holds, or http:// to a service on this machine",
    );
  if (!forward?.responseHeaders.length) return;
  const headersAt = [...at, "forwardAuth", "responseHeaders"];
  if (route.static) {
    add(headersAt, "responseHeaders pass headers on to a backend, and a static route has none: remove them");
    return;
  }
  const seen = new Set<string>();
  forward.responseHeaders.forEach((name, i) => {
    const lower = name.toLowerCase();
    const variable = lower.replace(/-/g, "_");
    if (seen.has(variable))
      add(
        [...headersAt, i],
        `${showValue(name)} is listed twice (header names ignore case, and nginx reads "-" and "_" alike here)`,
      );
    seen.add(variable);
    if (PROXY_HEADERS.has(lower))
      add(
        [...headersAt, i],
        `wssgen sets ${showValue(name)} itself for the backend; pass the auth service's answer under another name`,
      );
    else if (route.headers.some((h) => h.name.toLowerCase() === lower))
      add([...headersAt, i], `${showValue(name)} is also set by headers; keep one`);
  });
}

/** Request headers wssgen sets on every proxied request (view.ts): an auth answer may not replace them. */
const PROXY_HEADERS = new Set([
  "host",
  "x-real-ip",
  "x-forwarded-for",
  "x-forwarded-proto",
  "x-forwarded-prefix",
  "upgrade",
  "connection",
]);

/** The location wssgen writes for HTTP-01 challenges (certbot's webroot layout). */
export const ACME_LOCATION = "/.well-known/acme-challenge/";

/** Keys that only mean something when a route proxies to an upstream. */
const PROXY_ONLY = [
  "websocket",
  "preset",
  "timeouts",
  "origins",
  "allowMissingOrigin",
  "headers",
  "stripPrefix",
  "buffering",
] as const;

/**
 * A route has exactly one of `upstream` and `static`; a static route takes none of the proxy keys;
 * `static` and `stripPrefix` map a prefix onto `/`, which needs a prefix ending in "/" (or, for
 * stripPrefix, an exact path): nginx's `alias` in a location without it lets /docs../ out of the
 * directory, and `proxy_pass http://x/` would turn /trackerx into /x.
 */
function checkRouteKind(route: RawRoute, at: KeyPath, add: (path: KeyPath, message: string) => void): void {
  if (route.upstream === undefined && route.static === undefined)
    add(at, "a route needs either upstream (to proxy) or static (to serve files); add one");
  if (route.upstream !== undefined && route.static !== undefined)
    add([...at, "static"], "a route has either upstream or static, not both; make the files another route (e.g. path: /)");
  if (route.static !== undefined) {
    for (const key of PROXY_ONLY)
      if (route[key] !== undefined)
        add([...at, key], `${key} only applies to a route with an upstream; a static route serves files: remove it`);
    if (route.path.startsWith("= ") || !route.path.endsWith("/"))
      add(
        [...at, "path"],
        `static needs a prefix path that ends with "/" (${showValue(route.path.startsWith("= ") ? `${route.path.slice(2).replace(/\/?$/, "/")}` : `${route.path}/`)}): the path maps onto static.root as a directory`,
      );
    const system = systemDirectory(route.static.root);
    if (system !== undefined)
      add(
        [...at, "static", "root"],
        `static.root ${system === "/" ? "is /" : `is ${system === posix.normalize(route.static.root).replace(/\/+$/, "") ? "" : "inside "}${system}`}: nginx would serve every file in it that its workers can read (keys, passwords, /proc); point it at the directory of the built site, such as /srv/app/dist or /var/www/app`,
      );
  }
  // (on a static route, stripPrefix is already refused above: one message a key)
  if (route.stripPrefix && route.static === undefined) {
    const exact = route.path.startsWith("= ");
    const uri = exact ? route.path.slice(2) : route.path;
    if (uri === "/") add([...at, "stripPrefix"], 'stripPrefix has nothing to strip from "/"; remove it');
    else if (!exact && !uri.endsWith("/"))
      add(
        [...at, "path"],
        `stripPrefix needs a path that ends with "/" (${showValue(`${uri}/`)}; nginx then redirects ${showValue(uri)} to it), or an exact path (${showValue(`= ${uri}`)}): without it ${showValue(`${uri}x`)} would reach the backend as ${showValue("/x")}`,
      );
  }
}

/** Trees no web root belongs in: anything below them is the system's own (keys in /etc/ssl, /proc). */
const SYSTEM_TREES = [
  "/etc",
  "/proc",
  "/sys",
  "/dev",
  "/root",
  "/boot",
  "/run",
  "/var/lib",
  "/var/log",
  "/var/backups",
  "/var/spool",
  "/var/mail",
];
/** Directories that hold others' files: fine for a subdirectory (/var/www/app), never as a web root themselves. */
const SYSTEM_DIRECTORIES = [
  "/usr",
  "/usr/local",
  "/var",
  "/home",
  "/srv",
  "/opt",
  "/bin",
  "/sbin",
  "/lib",
  "/lib64",
  "/tmp",
  "/mnt",
  "/media",
];

/** The system directory a `static.root` is, or is inside (SYSTEM_TREES), or undefined when it is a directory of its own. */
function systemDirectory(root: string): string | undefined {
  // as the kernel resolves it: /srv/.. is /, /srv/app/./../../etc is /etc
  const dir = posix.normalize(root).replace(/\/+$/, "") || "/";
  if (dir === "/") return "/";
  const tree = SYSTEM_TREES.find((t) => dir === t || dir.startsWith(`${t}/`));
  if (tree) return tree;
  return SYSTEM_DIRECTORIES.includes(dir) ? dir : undefined;
}

/**
 * `directives` entries of one level: each one simple directive that no key controls (directives.ts),
 * and none of a kind nginx inherits as a whole list that an outer level (`outer`, outermost first)
 * also has, when repeating the outer entries would change their meaning.
 */
function checkDirectives(
  entries: readonly ExtraDirective[],
  outer: readonly (readonly ExtraDirective[])[],
  add: (path: KeyPath, message: string) => void,
): void {
  if (!entries.length) return;
  for (const entry of entries) {
    if (entry.problem !== undefined) {
      add(entry.at, `this entry ${entry.problem}`);
      continue;
    }
    if (!NOT_REEMITTED.has(entry.name)) continue;
    const first = outer.flat().find((o) => o.name === entry.name);
    if (first)
      add(
        entry.at,
        `${showValue(entry.name)} here would cancel ${formatPath(first.at)}: nginx inherits ${showValue(entry.name)} only into a level that has none of its own; put all of them at one level`,
      );
  }
}

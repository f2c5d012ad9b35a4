/**
 * normalize (src/config/normalize.ts), case by case: the defaults it applies, the shorthands it
 * expands, what routes take from `defaults.*`, and `set`, where the user wrote each defaulted value.
 */
import { describe, expect, it } from "vitest";
import { pathOf, writtenAt } from "../../src/config/model.js";
import { forOutputFile, namespaceOf, normalize } from "../../src/config/normalize.js";
import { configSchema } from "../../src/config/schema.js";

type Tree = Record<string, unknown>;

/** A schema-valid config: one upstream, one plain site with one route, with `extra` merged on top. */
function config(extra: Tree = {}, site: Tree = {}, route: Tree = {}) {
  const raw = configSchema.parse({
    upstreams: { chat: { servers: ["10.0.0.5:8080"] } },
    sites: [
      { domains: ["chat.example.com", "www.chat.example.com"], routes: [{ path: "/ws", upstream: "chat", ...route }], ...site },
    ],
    ...extra,
  });
  return normalize(raw, "wssgen.yaml");
}
const siteOf = (site: Tree, extra: Tree = {}) => config(extra, site).sites[0]!;
const routeOf = (route: Tree, extra: Tree = {}) => config(extra, {}, route).sites[0]!.routes[0]!;
const TLS = { certificate: "/etc/ssl/a.pem", key: "/etc/ssl/a.key" };

describe("defaults applied", () => {
  it("nginx: every setting has its default, and none is recorded as set", () => {
    const { nginx } = config();
    expect(nginx).toEqual({
      version: undefined,
      openssl: undefined,
      binary: "nginx",
      mainConfig: "/etc/nginx/nginx.conf",
      target: "/etc/nginx/conf.d/wssgen.conf",
      namespace: "wssgen",
      reload: ["nginx", "-s", "reload"],
      workerShutdownTimeout: "10m",
      set: {},
      at: ["nginx"],
    });
  });
  it("nginx.reload is a copy: changing one config's argv leaves the default alone", () => {
    config().nginx.reload.push("--changed");
    expect(config().nginx.reload).toEqual(["nginx", "-s", "reload"]);
  });
  it("upstreams: round-robin, no keepalive (nginx's default), servers neither backup nor down", () => {
    const [upstream] = config().upstreams;
    expect(upstream).toEqual({
      name: "chat",
      servers: [{ address: "10.0.0.5:8080", backup: false, down: false, set: {}, at: ["upstreams", "chat", "servers", 0] }],
      balance: "round-robin",
      resolve: false,
      set: {},
      at: ["upstreams", "chat"],
    });
    expect("keepalive" in upstream!).toBe(false);
    expect("hashKey" in upstream!).toBe(false);
  });
  it("a plain site: named after its first domain, port 80 on IPv4 and IPv6, no http2, no tls, no http server, nothing else", () => {
    const site = siteOf({});
    expect(site.name).toBe("chat.example.com");
    expect(site.listen).toEqual([
      { value: "80", port: 80, host: "*" },
      { value: "[::]:80", port: 80, host: "[::]", impliedBy: 0 },
    ]);
    expect(site.ipv6).toBe(true);
    expect(site.http2).toBe(false);
    expect(site.tls).toBeUndefined();
    expect(site.http).toBeUndefined();
    expect([site.acme, site.realIp, site.directives]).toEqual([undefined, undefined, []]);
    expect(site.set).toEqual({});
  });
  it("a TLS site: port 443, intermediate, HSTS two years, sessions one day, no stapling", () => {
    const site = siteOf({ tls: TLS });
    expect(site.listen).toEqual([
      { value: "443", port: 443, host: "*" },
      { value: "[::]:443", port: 443, host: "[::]", impliedBy: 0 },
    ]);
    expect(site.tls).toEqual({
      ...TLS,
      profile: "intermediate",
      hsts: { maxAgeSeconds: 63072000, includeSubdomains: false, preload: false },
      sessionTimeout: "1d",
      stapling: false,
    });
    expect(site.http).toBeUndefined();
    expect(site.set).toEqual({});
  });
  it("a route: WebSocket, 5s to connect, 1h to read and send, missing Origin allowed, no headers, nginx's body size and buffering", () => {
    const route = routeOf({});
    expect(route).toEqual({
      path: "/ws",
      exact: false,
      uri: "/ws",
      upstream: "chat",
      static: undefined,
      stripPrefix: false,
      maxBodySize: undefined,
      buffering: undefined,
      directives: [],
      websocket: true,
      timeouts: { connect: "5s", read: "1h", send: "1h" },
      origins: undefined,
      allowMissingOrigin: true,
      maxConnectionsPerIp: undefined,
      headers: [],
      set: {},
      at: ["sites", 0, "routes", 0],
    });
  });
  it("values the user wrote are kept as written, not replaced by defaults", () => {
    const route = routeOf({
      websocket: false,
      allowMissingOrigin: false,
      origins: ["https://a.example"],
      timeouts: { read: 30 },
    });
    expect(route.websocket).toBe(false);
    expect(route.allowMissingOrigin).toBe(false);
    expect(route.timeouts).toEqual({ connect: "5s", read: 30, send: "1h" });
    const { nginx } = config({ nginx: { version: "1.26", openssl: "3.5", workerShutdownTimeout: 0, binary: "/usr/sbin/nginx" } });
    expect([nginx.version, nginx.openssl, nginx.workerShutdownTimeout, nginx.binary]).toEqual([
      "1.26",
      "3.5",
      0,
      "/usr/sbin/nginx",
    ]);
  });
});

describe("shorthands expanded", () => {
  it("a server address string is a server with only an address", () => {
    const { servers } = config({
      upstreams: { chat: { servers: ["10.0.0.5:8080", { address: "10.0.0.6:8080", weight: 2, backup: true }] } },
    }).upstreams[0]!;
    expect(servers[0]).toEqual({
      address: "10.0.0.5:8080",
      backup: false,
      down: false,
      set: {},
      at: ["upstreams", "chat", "servers", 0],
    });
    expect(servers[1]).toMatchObject({ address: "10.0.0.6:8080", weight: 2, backup: true, down: false });
  });
  it("listen: a port, an address or a list; 0.0.0.0 is every IPv4 address, IPv6 compares as nginx does", () => {
    expect(siteOf({ listen: 8080, ipv6: false }).listen).toEqual([{ value: "8080", port: 8080, host: "*" }]);
    expect(siteOf({ listen: "0.0.0.0:8080" }).listen).toEqual([{ value: "0.0.0.0:8080", port: 8080, host: "*" }]);
    expect(siteOf({ listen: ["127.0.0.1:81", "[0::0]:82"] }).listen).toEqual([
      { value: "127.0.0.1:81", port: 81, host: "127.0.0.1" },
      { value: "[0::0]:82", port: 82, host: "[::]" },
    ]);
  });
  it("ipv6 (the default): each bare port also listens on [::]:port, right after it, unless the list has that address", () => {
    const values = (site: Tree) => siteOf(site).listen.map((l) => [l.value, l.impliedBy]);
    expect(values({ listen: [8080, "127.0.0.1:81", 8081] })).toEqual([
      ["8080", undefined],
      ["[::]:8080", 0],
      ["127.0.0.1:81", undefined],
      ["8081", undefined],
      ["[::]:8081", 2],
    ]);
    // an address written out is the user's choice: no [::] beside it, and a [::] written is not doubled
    expect(values({ listen: ["0.0.0.0:8080", "[0::0]:8081", 8081] })).toEqual([
      ["0.0.0.0:8080", undefined],
      ["[0::0]:8081", undefined],
      ["8081", undefined],
    ]);
    expect(values({ ipv6: false })).toEqual([["80", undefined]]);
  });
  it("redirectHttp: true serves port 80 on each address of the site, each address once ([::] ones marked implied)", () => {
    const site = siteOf({ tls: TLS, listen: [443, "0.0.0.0:8443", "127.0.0.1:443", "[::1]:443"], redirectHttp: true });
    expect(site.http?.redirect).toBe(true);
    expect(site.http?.listen.map((l) => [l.value, l.impliedBy])).toEqual([
      ["80", undefined],
      ["[::]:80", 0],
      ["127.0.0.1:80", undefined],
      ["[::1]:80", undefined],
    ]);
    expect(siteOf({ tls: TLS, ipv6: false, redirectHttp: true }).http?.listen.map((l) => l.value)).toEqual(["80"]);
  });
  it("redirectHttp: { listen } serves those (bare ports on [::] too, as ipv6 says); false and an omission serve none", () => {
    const http = siteOf({ tls: TLS, redirectHttp: { listen: [8080, "127.0.0.1:8081"] } }).http;
    expect(http?.listen.map((l) => l.value)).toEqual(["8080", "[::]:8080", "127.0.0.1:8081"]);
    expect(http?.redirect).toBe(true);
    expect(siteOf({ tls: TLS, redirectHttp: false }).http).toBeUndefined();
    expect(siteOf({ tls: TLS }).http).toBeUndefined();
  });
  it("acme: a TLS site gets the http server for the challenges, redirecting only with redirectHttp; a plain site none", () => {
    const acme = { webroot: "/var/www/acme" };
    expect(siteOf({ tls: TLS, acme }).http).toMatchObject({ redirect: false });
    expect(siteOf({ tls: TLS, acme }).http?.listen.map((l) => l.value)).toEqual(["80", "[::]:80"]);
    expect(siteOf({ tls: TLS, acme, redirectHttp: true }).http?.redirect).toBe(true);
    expect(siteOf({ tls: TLS, acme, redirectHttp: false }).http?.redirect).toBe(false);
    expect(siteOf({ acme }).http).toBeUndefined();
    expect(siteOf({ acme }).acme).toEqual(acme);
  });
  it("realIp: header X-Forwarded-For unless written", () => {
    expect(siteOf({ realIp: { from: ["10.0.0.0/8"] } }).realIp).toEqual({ from: ["10.0.0.0/8"], header: "X-Forwarded-For" });
    expect(siteOf({ realIp: { from: ["10.0.0.0/8"], header: "proxy_protocol" } }).realIp?.header).toBe("proxy_protocol");
  });
  it("static: spa false unless written; a static route is no WebSocket route", () => {
    const route = routeOf({ path: "/", upstream: undefined, static: { root: "/srv/app" } });
    expect([route.upstream, route.static, route.websocket]).toEqual([undefined, { root: "/srv/app", spa: false }, false]);
    expect(routeOf({ path: "/", upstream: undefined, static: { root: "/srv/app", spa: true } }).static?.spa).toBe(true);
  });
  it("maxBodySize: the route's, else defaults.maxBodySize, as nginx text (a number of bytes as its digits)", () => {
    expect(routeOf({ maxBodySize: 1048576 }).maxBodySize).toBe("1048576");
    expect(routeOf({}, { defaults: { maxBodySize: "50m" } }).maxBodySize).toBe("50m");
    expect(routeOf({ maxBodySize: 0 }, { defaults: { maxBodySize: "50m" } }).maxBodySize).toBe("0");
  });
  it("directives: each entry read by the lexer, a trailing ; optional; a problem kept for semantics to report", () => {
    const [a, b] = siteOf({ directives: ["large_client_header_buffers 4 32k", 'add_header X-A "a b";'] }).directives;
    expect(a).toEqual({ name: "large_client_header_buffers", args: ["4", "32k"], at: ["sites", 0, "directives", 0] });
    expect(b).toEqual({ name: "add_header", args: ["X-A", "a b"], at: ["sites", 0, "directives", 1] });
    const [bad] = config({ directives: ["proxy_read_timeout 1h"] }).directives;
    expect(bad).toMatchObject({ name: "", args: [], at: ["directives", 0] });
    expect(bad?.problem).toContain("proxy_read_timeout");
  });
  it("hsts: true is the default policy, false none, a mapping changes parts of it (maxAge in seconds)", () => {
    const hsts = (value: unknown) => siteOf({ tls: { ...TLS, hsts: value } }).tls!.hsts;
    expect(hsts(true)).toEqual({ maxAgeSeconds: 63072000, includeSubdomains: false, preload: false });
    expect(hsts(false)).toBeUndefined();
    expect(hsts({ maxAge: "365d", preload: true })).toEqual({ maxAgeSeconds: 31536000, includeSubdomains: false, preload: true });
    expect(hsts({ maxAge: 0 })).toEqual({ maxAgeSeconds: 0, includeSubdomains: false, preload: false });
  });
  it('a path "= /ws" is an exact location of /ws', () => {
    expect(routeOf({ path: "= /ws" })).toMatchObject({ path: "= /ws", exact: true, uri: "/ws" });
    expect(routeOf({ path: "/ws" })).toMatchObject({ exact: false, uri: "/ws" });
  });
  it("the site's name is its own when given", () => {
    expect(siteOf({ name: "chat" }).name).toBe("chat");
  });
});

describe("defaults.* inherited by every route", () => {
  it("timeouts: the route's own, else defaults.timeouts, else wssgen's", () => {
    const route = routeOf({ timeouts: { read: "2h" } }, { defaults: { timeouts: { read: "3h", send: "4h" } } });
    expect(route.timeouts).toEqual({ connect: "5s", read: "2h", send: "4h" });
  });
  it("headers: defaults first, then the route's; a route header replaces the default of the same name in its place", () => {
    const route = routeOf(
      { headers: { "x-b": "route", "X-C": "c" } },
      { defaults: { headers: { "X-A": "a", "X-B": "default", "X-D": "d" } } },
    );
    expect(route.headers).toEqual([
      { name: "X-A", value: "a", at: ["defaults", "headers", "X-A"] },
      { name: "x-b", value: "route", at: ["sites", 0, "routes", 0, "headers", "x-b"] },
      { name: "X-D", value: "d", at: ["defaults", "headers", "X-D"] },
      { name: "X-C", value: "c", at: ["sites", 0, "routes", 0, "headers", "X-C"] },
    ]);
  });
  it("every route gets the defaults, each site's routes at their own key paths", () => {
    const c = config({
      defaults: { headers: { "X-A": "$host" } },
      sites: [
        { domains: ["a.example.com"], routes: [{ path: "/ws", upstream: "chat" }] },
        {
          domains: ["b.example.com"],
          routes: [
            { path: "/a", upstream: "chat" },
            { path: "/b", upstream: "chat", headers: { "X-B": "b" } },
          ],
        },
      ],
    });
    const routes = c.sites.flatMap((s) => s.routes);
    expect(routes.map((r) => r.headers.map((h) => h.name))).toEqual([["X-A"], ["X-A"], ["X-A", "X-B"]]);
    expect(routes.map((r) => r.at)).toEqual([
      ["sites", 0, "routes", 0],
      ["sites", 1, "routes", 0],
      ["sites", 1, "routes", 1],
    ]);
  });
});

describe("set: where the user wrote each defaulted value", () => {
  it("a route's own values are recorded at their key paths", () => {
    const route = routeOf({
      websocket: false,
      allowMissingOrigin: true,
      origins: ["https://a.example"],
      timeouts: { connect: "1s" },
    });
    expect(route.set).toEqual({
      websocket: ["sites", 0, "routes", 0, "websocket"],
      allowMissingOrigin: ["sites", 0, "routes", 0, "allowMissingOrigin"],
      "timeouts.connect": ["sites", 0, "routes", 0, "timeouts", "connect"],
    });
  });
  it("a value from defaults.* is recorded at the defaults key; the route's own wins", () => {
    const route = routeOf({ timeouts: { read: "2h" } }, { defaults: { timeouts: { read: "3h", send: "4h" } } });
    expect(route.set).toEqual({
      "timeouts.read": ["sites", 0, "routes", 0, "timeouts", "read"],
      "timeouts.send": ["defaults", "timeouts", "send"],
    });
  });
  it("an omitted value is absent: writtenAt says undefined, pathOf names the key on the object", () => {
    const route = routeOf({});
    expect(writtenAt(route, "timeouts.read")).toBeUndefined();
    expect(pathOf(route, "timeouts.read")).toEqual(["sites", 0, "routes", 0, "timeouts", "read"]);
    const inherited = routeOf({}, { defaults: { timeouts: { read: "3h" } } });
    expect(writtenAt(inherited, "timeouts.read")).toEqual(["defaults", "timeouts", "read"]);
    expect(pathOf(inherited, "timeouts.read")).toEqual(["defaults", "timeouts", "read"]);
  });
  it("a value written equal to the default still counts as written (redirectHttp: false is a choice)", () => {
    expect(siteOf({ tls: TLS, redirectHttp: false }).set).toEqual({ redirectHttp: ["sites", 0, "redirectHttp"] });
    expect(routeOf({ websocket: true }).set).toEqual({ websocket: ["sites", 0, "routes", 0, "websocket"] });
  });
  it("a site records its keys and those under tls; hsts: true sets hsts but none of its parts", () => {
    const at = (...keys: string[]) => ["sites", 0, ...keys];
    expect(
      siteOf({ name: "chat", listen: 8443, http2: true, tls: { ...TLS, profile: "modern", hsts: true, stapling: true } }).set,
    ).toEqual({
      name: at("name"),
      listen: at("listen"),
      http2: at("http2"),
      "tls.profile": at("tls", "profile"),
      "tls.hsts": at("tls", "hsts"),
      "tls.stapling": at("tls", "stapling"),
    });
    expect(siteOf({ tls: { ...TLS, hsts: { maxAge: 0, includeSubdomains: true }, sessionTimeout: "2h" } }).set).toEqual({
      "tls.hsts": at("tls", "hsts"),
      "tls.hsts.maxAge": at("tls", "hsts", "maxAge"),
      "tls.hsts.includeSubdomains": at("tls", "hsts", "includeSubdomains"),
      "tls.sessionTimeout": at("tls", "sessionTimeout"),
    });
  });
  it("nginx settings, upstreams and servers record theirs", () => {
    const c = config({
      nginx: { version: "1.26", namespace: "chat", workerShutdownTimeout: "1m" },
      upstreams: {
        chat: { servers: [{ address: "10.0.0.5:8080", weight: 2, down: false }], balance: "least-conn", keepalive: 0 },
      },
    });
    expect(c.nginx.set).toEqual({
      version: ["nginx", "version"],
      namespace: ["nginx", "namespace"],
      workerShutdownTimeout: ["nginx", "workerShutdownTimeout"],
    });
    const upstream = c.upstreams[0]!;
    expect(upstream.set).toEqual({ balance: ["upstreams", "chat", "balance"], keepalive: ["upstreams", "chat", "keepalive"] });
    expect(upstream.servers[0]!.set).toEqual({
      weight: ["upstreams", "chat", "servers", 0, "weight"],
      down: ["upstreams", "chat", "servers", 0, "down"],
    });
  });
});

describe("the namespace follows the file written unless the config sets it", () => {
  it("the default namespace comes from nginx.target", () => {
    expect(config({ nginx: { target: "/etc/nginx/conf.d/chat_ws.conf" } }).nginx.namespace).toBe("chat_ws");
    expect(config({ nginx: { target: "/etc/nginx/conf.d/chat-ws.conf" } }).nginx.namespace).toBe(
      namespaceOf("/etc/nginx/conf.d/chat-ws.conf"),
    );
  });
  it("forOutputFile renames it after the file rendered into, and keeps one the config sets", () => {
    expect(forOutputFile(config(), "/tmp/other.conf").nginx.namespace).toBe("other");
    const unchanged = config();
    expect(forOutputFile(unchanged, "/tmp/wssgen.conf")).toBe(unchanged);
    const own = config({ nginx: { namespace: "mine" } });
    expect(forOutputFile(own, "/tmp/other.conf")).toBe(own);
  });
});

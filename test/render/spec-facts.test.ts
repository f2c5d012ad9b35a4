/** What the output must get right (docs/config.md, "What the output contains, and why"), asserted on the parsed output of every fixture, for several nginx versions. */
import { describe, expect, it } from "vitest";
import { parseConfig } from "../../src/config/load.js";
import { render } from "../../src/render/render.js";
import { parseVersion } from "../../src/nginx-version/version.js";
import { globalNames } from "../../src/render/names.js";
import { AUTH_LOCATION_PREFIX } from "../../src/config/semantics.js";
import { INTERMEDIATE_CIPHERS, MLKEM_CURVES, MOZILLA_CURVES } from "../../src/render/view.js";
import { fixtures } from "../helpers/fixtures.js";
import { findDirectives, parseNginx, type Directive } from "../../src/util/nginx-syntax.js";

const versions = ["1.18", "1.22", "1.25.1", "1.26", "1.29.7", "1.30"];
/** OpenSSL: unknown (no nginx to ask), Debian 12's 3.0, 3.5 (the first with ML-KEM) */
const openssls = [undefined, "3.0.11", "3.5.0"] as const;
/**
 * Configs beside the fixtures, for facts no fixture of this branch shows yet: backends over TLS
 * (upstreams.<name>.tls) in each form, beside a plain one.
 */
const inline = [
  {
    name: "inline: upstream tls",
    text: `
upstreams:
  api: { servers: ["api.internal:8443", "api.internal:9443"], tls: true }
  legacy: { servers: ["10.0.0.7:8443"], tls: { verify: false } }
  mtls:
    servers: ["10.0.0.8:8443", "10.0.0.9:8443"]
    tls: { ca: /etc/wssgen/ca.pem, serverName: backend.internal, certificate: /etc/wssgen/client.pem, key: /etc/wssgen/client.key }
  sock: { servers: ["unix:/run/app.sock"], tls: { serverName: app.internal } }
  plain: { servers: ["10.0.0.10:8080"] }
sites:
  - domains: [app.example.com]
    routes:
      - { path: /api/, upstream: api, stripPrefix: true }
      - { path: /legacy, upstream: legacy, rateLimit: { rate: 5r/s, burst: 5 } }
      - { path: /mtls, upstream: mtls, rateLimit: { rate: 5r/s } }
      - { path: /sock, upstream: sock }
      - { path: /, upstream: plain }
`,
  },
];
const cases = [...fixtures("render"), ...inline].flatMap((f) =>
  versions.flatMap((t) => openssls.map((o) => [`${f.name} @ ${t}, OpenSSL ${o ?? "unknown"}`, f, t, o] as const)),
);

function header(location: Directive, name: string): string | undefined {
  return location.block?.find((d) => d.name === "proxy_set_header" && d.args[0]?.toLowerCase() === name.toLowerCase())?.args[1];
}

describe.each(cases)("%s", (_label, fixture, version, openssl) => {
  const { config } = parseConfig("wssgen.yaml", fixture.text, {});
  const v = parseVersion(version)!;
  const text = render(config, { version: v, openssl: openssl === undefined ? undefined : parseVersion(openssl) });
  const names = globalNames(config.nginx.namespace);
  const tree = parseNginx(text);
  const upstreams = new Map(findDirectives(tree, "upstream").map((u) => [u.args[0], u]));
  const maps = new Map(findDirectives(tree, "map").map((m) => [m.args[1], m]));
  const newStyle = v[0] > 1 || v[1] > 29 || (v[1] === 29 && v[2] >= 7);
  const locations = findDirectives(tree, "location");
  // forward auth's internal locations (routes[].access.forwardAuth) proxy to the auth service, not a backend
  const authLocations = locations.filter((l) => l.args[0] === "=" && l.args[1]!.startsWith(AUTH_LOCATION_PREFIX));
  const proxied = locations.filter((l) => !authLocations.includes(l) && l.block!.some((d) => d.name === "proxy_pass"));

  it("§4.1 the upgrade map is keepalive-safe and uses wssgen's own variable names", () => {
    for (const map of findDirectives(tree, "map")) expect(map.args[1]).toMatch(/^\$wssgen_/);
    for (const map of findDirectives(tree, "map").filter((m) => m.args[0] === "$http_upgrade"))
      expect([names.upgrade, names.upgradeKeepalive]).toContain(map.args[1]);
    for (const location of proxied) {
      const connection = header(location, "Connection");
      if (!connection?.startsWith("$")) continue;
      // http(s)://<upstream>, or http(s)://<upstream>/ with stripPrefix
      const upstream = upstreams.get(
        location.block!.find((d) => d.name === "proxy_pass")!.args[0]!.replace(/^https?:\/\/|\/$/g, ""),
      )!;
      const keepalive = upstream.block!.find((d) => d.name === "keepalive")?.args[0];
      const keepsAlive = keepalive === undefined ? newStyle : keepalive !== "0";
      const empty = maps.get(connection)!.block!.find((d) => d.name === "")!.args[0];
      expect(empty).toBe(keepsAlive ? "" : "close");
    }
  });

  it("§4.2 every proxied location sets all its headers itself, with $host", () => {
    expect(text).not.toContain("$http_host");
    // one proxied location per route with an upstream (the others serve files, or ACME challenges)
    expect(proxied).toHaveLength(config.sites.flatMap((s) => s.routes).filter((r) => r.upstream !== undefined).length);
    for (const location of proxied) {
      for (const name of ["X-Real-IP", "X-Forwarded-For", "X-Forwarded-Proto"])
        expect(header(location, name), name).toBeDefined();
      const host = header(location, "Host");
      expect(host === "$host" || (host !== undefined && !host.includes("$http_host"))).toBe(true);
    }
  });

  it("§4.3 listen ... ssl (never ssl on), http2 by version, proxy_http_version before 1.29.7", () => {
    expect(findDirectives(tree, "ssl")).toEqual([]);
    const listens = findDirectives(tree, "listen");
    if (v[1] >= 25 && (v[1] > 25 || v[2] >= 1)) expect(listens.every((l) => !l.args.includes("http2"))).toBe(true);
    else expect(findDirectives(tree, "http2")).toEqual([]);
    for (const location of proxied)
      expect(location.block!.some((d) => d.name === "proxy_http_version" && d.args[0] === "1.1")).toBe(!newStyle);
  });

  it("§7 a location that proxies nothing serves a static route's files, ACME challenges (^~: no regex takes them), a static route's trailing-slash redirect, or the http server's answer", () => {
    const statics = config.sites.flatMap((s) => s.routes).filter((r) => r.static !== undefined);
    const files = locations.filter((l) => l.block!.some((d) => d.name === "root" || d.name === "alias"));
    const acme = files.filter((l) => l.args[1] === "/.well-known/acme-challenge/");
    expect(acme.every((l) => l.args[0] === "^~")).toBe(true);
    expect(files.length - acme.length).toBe(statics.length);
    // `location = /docs` sends a static route's path without its "/" to the route (nginx only does that for proxied locations)
    const slash = (l: Directive) =>
      l.args[0] === "=" &&
      statics.some((r) => r.uri === `${l.args[1]}/`) &&
      l.block![0]?.args[1] === `${l.args[1]}/$is_args$args`;
    for (const location of locations.filter((l) => !proxied.includes(l) && !files.includes(l) && !authLocations.includes(l))) {
      if (!slash(location)) expect(location.args).toEqual(["/"]);
      expect(location.block!.map((d) => d.name)).toEqual(["return"]);
    }
  });

  it("§7 access: an address list ends in deny all; each forward-auth route asks its own internal location, without the body, saying where the request was going", () => {
    for (const location of locations) {
      const names = location.block!.map((d) => d.name);
      const lastAllow = names.lastIndexOf("allow");
      if (lastAllow >= 0) expect(location.block![lastAllow + 1]).toEqual({ name: "deny", args: ["all"], block: undefined });
    }
    const asked = findDirectives(tree, "auth_request").map((d) => d.args[0]);
    expect(asked).toHaveLength(config.sites.flatMap((s) => s.routes).filter((r) => r.access?.forwardAuth).length);
    expect(authLocations.map((l) => l.args[1])).toEqual(asked);
    for (const location of authLocations) {
      expect(location.block![0]).toEqual({ name: "internal", args: [], block: undefined });
      expect(location.block).toContainEqual({ name: "proxy_pass_request_body", args: ["off"], block: undefined });
      expect(header(location, "Content-Length")).toBe("");
      expect(header(location, "X-Original-URL")).toMatch(/^\$\w+:\/\/\$host(?::\$server_port)?\$request_uri$/);
      expect(header(location, "Upgrade")).toBeUndefined();
    }
  });

  it("§7 a TLS upstream's locations: https, SNI, always a proxy_ssl_name of their own, verified against a CA file unless verify: false", () => {
    const byName = new Map(config.upstreams.map((u) => [names.upstream(u.name), u]));
    for (const location of proxied) {
      const directive = (name: string) => location.block!.find((d) => d.name === name)?.args;
      const pass = directive("proxy_pass")![0]!;
      const upstream = byName.get(pass.replace(/^https?:\/\/|\/$/g, ""))!;
      const tls = upstream.tls;
      expect(pass.startsWith("https://")).toBe(tls !== undefined);
      if (!tls) {
        expect(location.block!.filter((d) => d.name.startsWith("proxy_ssl_"))).toEqual([]);
        continue;
      }
      expect(directive("proxy_ssl_server_name")).toEqual(["on"]);
      // nginx's default is the upstream group's name, which no certificate holds
      expect(directive("proxy_ssl_name")).toEqual([tls.serverName]);
      expect(directive("proxy_ssl_name")![0]).not.toBe(names.upstream(upstream.name));
      expect(directive("proxy_ssl_verify")).toEqual(tls.verify ? ["on"] : undefined);
      expect(directive("proxy_ssl_trusted_certificate")).toEqual(tls.verify ? [tls.ca] : undefined);
      expect(directive("proxy_ssl_certificate")).toEqual(tls.certificate === undefined ? undefined : [tls.certificate]);
      expect(directive("proxy_ssl_certificate_key")).toEqual(tls.key === undefined ? undefined : [tls.key]);
      // nginx's verify depth (1: leaf, one intermediate, the CA) stays nginx's
      expect(directive("proxy_ssl_verify_depth")).toBeUndefined();
    }
  });

  it("§4.4 WebSocket routes default to 1h, not 60 s", () => {
    for (const route of config.sites.flatMap((s) => s.routes)) if (route.websocket) expect(route.timeouts.read).not.toBe("60s");
  });

  it("§4.5 TLS follows Mozilla 6.0; server_tokens off everywhere", () => {
    for (const server of findDirectives(tree, "server").filter((s) => s.block)) {
      expect(server.block!.find((d) => d.name === "server_tokens")?.args).toEqual(["off"]);
      const protocols = server.block!.find((d) => d.name === "ssl_protocols");
      if (!protocols) continue;
      const ciphers = server.block!.find((d) => d.name === "ssl_ciphers")?.args[0];
      if (protocols.args.length === 1) {
        expect(protocols.args).toEqual(["TLSv1.3"]);
        expect(ciphers).toBeUndefined();
      } else {
        expect(protocols.args).toEqual(["TLSv1.2", "TLSv1.3"]);
        expect(ciphers).toBe(INTERMEDIATE_CIPHERS);
        expect(ciphers!.split(":").every((c) => c.startsWith("ECDHE-"))).toBe(true); // no DHE, so no dhparam
      }
      // Mozilla 6.0's groups, X25519MLKEM768 first where OpenSSL has it (3.5+); without the
      // directive, nginx offers OpenSSL's defaults, which add x448 and the ffdhe groups
      expect(server.block!.find((d) => d.name === "ssl_ecdh_curve")?.args).toEqual([
        openssl === "3.5.0" ? MLKEM_CURVES : MOZILLA_CURVES,
      ]);
      expect(server.block!.find((d) => d.name === "ssl_prefer_server_ciphers")?.args).toEqual(["off"]);
      // the catch-all refuses every handshake it would complete: no sessions to cache or tickets to turn off
      if (server.block!.some((d) => d.name === "ssl_reject_handshake")) continue;
      expect(server.block!.find((d) => d.name === "ssl_session_cache")?.args[0]).toMatch(/^shared:/);
      expect(server.block!.some((d) => d.name === "ssl_session_tickets")).toBe(v[1] < 23 || (v[1] === 23 && v[2] < 2));
      const stapling = config.sites.some(
        (site) =>
          site.tls?.stapling && site.domains.some((d) => server.block!.find((x) => x.name === "server_name")!.args.includes(d)),
      );
      expect(server.block!.some((d) => d.name === "ssl_stapling")).toBe(stapling); // off unless asked for
      expect(server.block!.some((d) => d.name === "ssl_dhparam")).toBe(false);
      const hsts = server.block!.find((d) => d.name === "add_header" && d.args[0] === "Strict-Transport-Security");
      if (hsts) expect(hsts.args[1]).toMatch(/^max-age=\d+/);
    }
  });

  it("§4.6 the http->https redirect keeps a non-standard port", () => {
    const returns = findDirectives(tree, "return").map((d) => d.args);
    for (const site of config.sites.filter((s) => s.tls && s.http?.redirect)) {
      const port = site.listen[0]!.port;
      expect(returns).toContainEqual(["301", port === 443 ? "https://$host$request_uri" : `https://$host:${port}$request_uri`]);
    }
  });

  it("§4.8 origin allowlists: one map of exact keys (and an anchored regex per wildcard origin), default deny, `if ... return 403` only", () => {
    const originMaps = findDirectives(tree, "map").filter((m) => m.args[0]!.includes("$http_origin"));
    expect(originMaps.length).toBeLessThanOrEqual(1);
    // each location that checks sets its route's key; keys are unique as the map compares them (ignoring case)
    const routeKeys = findDirectives(tree, "set").map((d) => d.args[1]!);
    expect(new Set(routeKeys.map((k) => k.toLowerCase())).size).toBe(routeKeys.length);
    for (const map of originMaps) {
      expect(map.args).toEqual([`${names.route} $http_origin`, names.originDenied]);
      expect(map.block!.find((d) => d.name === "default")?.args).toEqual(["1"]);
      for (const entry of map.block!.filter((d) => d.name !== "default")) {
        // a wildcard origin: ~*^<route key, each non-word character escaped> scheme://<one label>\.<domain>[:port]$
        const wildcard = /^~\*\^((?:\\.|\w)+) (https?):\/\/\[a-z0-9\]\(\?:\[a-z0-9-\]\{0,61\}\[a-z0-9\]\)\?((?:\\.|\w)+)\$$/.exec(
          entry.name,
        );
        if (wildcard) {
          expect(routeKeys).toContain(wildcard[1]!.replace(/\\(.)/g, "$1"));
          expect(wildcard[3]!.replace(/\\(.)/g, "$1")).toMatch(/^\.[a-z0-9.-]+(?::\d+)?$/);
          expect(entry.args).toEqual(["0"]);
          continue;
        }
        // "<route key> <origin>": the key has no space, the origin is empty or scheme://host[:port]
        const [key, origin] = entry.name.split(" ");
        expect(routeKeys).toContain(key);
        expect(origin).toMatch(/^(https?:\/\/[^/ ]+)?$/);
        expect(entry.args).toEqual(["0"]);
      }
    }
    for (const ifBlock of findDirectives(tree, "if")) {
      expect(ifBlock.args).toEqual([`(${names.originDenied})`]);
      expect(ifBlock.block).toEqual([{ name: "return", args: ["403"], block: undefined }]);
    }
  });

  it("§4.9 maxConnectionsPerIp is a limit_conn per route, in one zone keyed by address and route", () => {
    const limited = config.sites.flatMap((s) => s.routes).filter((r) => r.maxConnectionsPerIp !== undefined);
    expect(findDirectives(tree, "limit_conn").map((d) => Number(d.args[1]))).toEqual(limited.map((r) => r.maxConnectionsPerIp));
    expect(findDirectives(tree, "limit_conn_zone").map((d) => d.args[0])).toEqual(
      limited.length ? [`$binary_remote_addr${names.route}`] : [],
    );
  });

  it("§7 rateLimit: a limit_req_zone per rate at http level, keyed by address and route; limit_req ... nodelay only with a burst; 429", () => {
    const limited = config.sites.flatMap((s) => s.routes).filter((r) => r.rateLimit !== undefined);
    const rates = [...new Set(limited.map((r) => r.rateLimit!.rate))].sort();
    expect(
      tree.filter((d) => d.name === "limit_req_zone").map((d) => d.args),
      "at http level, one per rate",
    ).toEqual(rates.map((rate) => [`$binary_remote_addr${names.route}`, `zone=${names.reqZone(rate)}:32m`, `rate=${rate}`]));
    expect(findDirectives(tree, "limit_req_zone")).toHaveLength(rates.length);
    // in the routes' order, each in a location that sets the route's key (each route its own budget)
    const withLimit = locations.filter((l) => l.block!.some((d) => d.name === "limit_req"));
    expect(withLimit.map((l) => l.block!.filter((d) => d.name === "limit_req").map((d) => d.args))).toEqual(
      limited.map((r) => [
        [`zone=${names.reqZone(r.rateLimit!.rate)}`, ...(r.rateLimit!.burst ? [`burst=${r.rateLimit!.burst}`, "nodelay"] : [])],
      ]),
    );
    for (const location of withLimit) {
      expect(location.block!.find((d) => d.name === "limit_req_status")?.args).toEqual(["429"]);
      expect(location.block!.find((d) => d.name === "set")?.args[0]).toBe(names.route);
    }
    expect(findDirectives(tree, "limit_req_status")).toHaveLength(limited.length);
  });

  it("§7 every location that proxies with https, a forward-auth service's included, offers TLSv1.2 and TLSv1.3 before nginx 1.27.3 (nginx's default then had TLSv1 and TLSv1.1, and before 1.23.4 no TLSv1.3)", () => {
    const before1273 = v[0] === 1 && (v[1] < 27 || (v[1] === 27 && v[2] < 3));
    for (const location of locations) {
      const pass = location.block!.find((d) => d.name === "proxy_pass")?.args[0];
      if (!pass?.startsWith("https://")) continue;
      const protocols = location.block!.find((d) => d.name === "proxy_ssl_protocols")?.args;
      expect(protocols, `${location.args.join(" ")}: ${pass}`).toEqual(before1273 ? ["TLSv1.2", "TLSv1.3"] : undefined);
    }
  });

  it("§4.10 worker_shutdown_timeout is in --full and explained otherwise", () => {
    expect(text).toMatch(/^# .*worker_shutdown_timeout/m);
    expect(findDirectives(parseNginx(render(config, { version: v }, { full: true })), "worker_shutdown_timeout")).toHaveLength(1);
  });
});

/**
 * Two wssgen files in one http block never collide (issue 8 §6): every name the output defines
 * http-wide (upstream blocks, map and `set` variables, shared-memory zones) carries the file's
 * namespace, stays within nginx's limits, and two files that use the same upstream and site names
 * pass the real `nginx -t` together.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { formatPath } from "../../src/config/path.js";
import { parseConfig } from "../../src/config/load.js";
import { namespaceOf } from "../../src/config/normalize.js";
import { RULES } from "../../src/config/values.js";
import type { WssgenConfig } from "../../src/config/model.js";
import { findDirectives, parseNginx, type Directive } from "../../src/util/nginx-syntax.js";
import { withSandbox } from "../../src/check/sandbox.js";
import { outputLocator } from "../../src/check/errors-map.js";
import { globalNames, MAX_VARIABLE_NAME } from "../../src/render/names.js";
import { render, renderMapped } from "../../src/render/render.js";
import { atLeast, formatVersion, parseVersion } from "../../src/nginx-version/version.js";
import { RESOLVE_MINIMUM } from "../../src/lint/rules/resolve.js";
import { makeCertDir } from "../helpers/certs.js";
import { fixtures } from "../helpers/fixtures.js";
import { runCli } from "../helpers/cli.js";
import { nginxBuilds } from "../helpers/nginx.js";

const certs = makeCertDir();
afterAll(() => rmSync(certs.dir, { recursive: true, force: true }));

/**
 * Every feature that defines an http-wide name: both upgrade maps, origins, a connection limit, TLS,
 * a trusted proxy (realIp: X-Forwarded-For, and a geo and a map per `from` list), static files,
 * request limits (a zone per rate), forward auth's response headers (a variable each), and the
 * directives of a TLS backend and access control, which define none. (resolve and sticky, for nginx
 * 1.27.3 and 1.29.6, are in `moving` below.)
 */
const everything = (port: number, target = "/etc/nginx/conf.d/wssgen.conf") => `
nginx: { target: ${target} }
upstreams:
  chat: { servers: ["127.0.0.1:9001"] }
  chat_pool: { servers: ["127.0.0.1:9002"], keepalive: 8 }
  secure: { servers: ["127.0.0.1:9003"], tls: { ca: ${certs.certificate}, serverName: backend.example.com } }
sites:
  - name: chat
    domains: [chat.example.com]
    listen: "127.0.0.1:${port}"
    tls: { certificate: ${certs.certificate}, key: ${certs.key} }
    redirectHttp: { listen: "127.0.0.1:${port + 1}" }
    realIp: { from: [127.0.0.0/8] }
    routes:
      - { path: /ws, upstream: chat, origins: [https://chat.example.com], maxConnectionsPerIp: 10, rateLimit: { rate: 10r/s, burst: 20 } }
      - { path: /pool, upstream: chat_pool, origins: [https://other.example.com], allowMissingOrigin: false }
      - { path: /, upstream: chat_pool, websocket: false, rateLimit: { rate: 30r/m } }
      - { path: /app/, static: { root: /srv/app, spa: true } }
      - path: /admin/
        upstream: secure
        access:
          allow: [127.0.0.0/8]
          basicAuth: { userFile: /etc/nginx/htpasswd }
          forwardAuth: { url: "http://127.0.0.1:9091/verify", responseHeaders: [Remote-User] }
`;

/** Upstreams whose names move (resolve: a zone in the upstream) and a sticky one, for nginx 1.29.6 and later. */
const moving = (port: number, target = "/etc/nginx/conf.d/wssgen.conf") => `
nginx: { target: ${target} }
resolver: { addresses: ["127.0.0.1:5353"], valid: 10s }
upstreams:
  chat: { servers: ["chat.internal:9001", "127.0.0.1:9002"], resolve: true, sticky: { cookie: srv_id } }
sites:
  - domains: [chat.example.com]
    listen: "127.0.0.1:${port}"
    routes: [{ path: /ws, upstream: chat, rateLimit: { rate: 10r/s } }]
`;

const load = (text: string): WssgenConfig => parseConfig("wssgen.yaml", text, { CERT_DIR: certs.dir }).config;
const inNamespace = (config: WssgenConfig, namespace: string): WssgenConfig => ({
  ...config,
  nginx: { ...config.nginx, namespace },
});
const v122 = { version: parseVersion("1.22")! };
const v130 = { version: parseVersion("1.30")! };

/**
 * The directives of wssgen's output, each classified: the http-wide names it defines (kind + name,
 * as nginx compares them: upstream names and variables ignoring case), or none. A directive the
 * audit does not know fails the test, so a new one must be classified (and namespaced) here.
 */
const DEFINES: Record<string, ((d: Directive) => string[]) | null> = {
  upstream: (d) => [`upstream ${d.args[0]!.toLowerCase()}`],
  map: (d) => [`variable ${d.args[1]!.toLowerCase()}`],
  geo: (d) => [`variable ${d.args[d.args.length - 1]!.toLowerCase()}`],
  set: (d) => [`variable ${d.args[0]!.toLowerCase()}`],
  limit_conn_zone: (d) => d.args.filter((a) => a.startsWith("zone=")).map((a) => `zone ${a.slice(5).split(":")[0]!}`),
  limit_req_zone: (d) => d.args.filter((a) => a.startsWith("zone=")).map((a) => `zone ${a.slice(5).split(":")[0]!}`),
  // an upstream's shared memory (resolve): one namespace with every other zone (ngx_shared_memory_add)
  zone: (d) => [`zone ${d.args[0]!}`],
  ssl_session_cache: (d) => d.args.filter((a) => a.startsWith("shared:")).map((a) => `zone ${a.split(":")[1]!}`),
  // forward auth: a variable per response header passed on (routes[].access.forwardAuth.responseHeaders)
  auth_request_set: (d) => [`variable ${d.args[0]!.toLowerCase()}`],
  // http-wide settings, not names: see "hash sizes" in docs/config.md for two files that both need them
  map_hash_bucket_size: null,
  map_hash_max_size: null,
  server_names_hash_bucket_size: null,
  server_names_hash_max_size: null,
  // server and location level: they define no name of their own
  ...Object.fromEntries(
    [
      "server",
      "listen",
      "http2",
      "server_name",
      "server_tokens",
      "ssl_certificate",
      "ssl_certificate_key",
      "ssl_protocols",
      "ssl_ciphers",
      "ssl_ecdh_curve",
      "ssl_prefer_server_ciphers",
      "ssl_session_timeout",
      "ssl_session_tickets",
      "ssl_stapling",
      "ssl_stapling_verify",
      "ssl_reject_handshake",
      "set_real_ip_from",
      "real_ip_header",
      "real_ip_recursive",
      "absolute_redirect",
      "add_header",
      "return",
      "location",
      "if",
      "limit_conn",
      "limit_conn_status",
      "limit_req",
      "limit_req_status",
      "allow",
      "deny",
      "auth_basic",
      "auth_basic_user_file",
      "auth_request",
      "internal",
      "proxy_pass_request_body",
      "proxy_ssl_server_name",
      "proxy_ssl_name",
      "proxy_ssl_verify",
      "proxy_ssl_trusted_certificate",
      "proxy_ssl_certificate",
      "proxy_ssl_certificate_key",
      "proxy_ssl_protocols",
      // in an upstream: the DNS servers are its own (not http-wide), the cookie is the browser's
      "resolver",
      "sticky",
      "proxy_pass",
      "proxy_http_version",
      "proxy_set_header",
      "proxy_connect_timeout",
      "proxy_read_timeout",
      "proxy_send_timeout",
      "proxy_buffering",
      "proxy_request_buffering",
      "client_max_body_size",
      "root",
      "alias",
      "try_files",
      "expires",
      "default_type",
      "least_conn",
      "ip_hash",
      "random",
      "hash",
      "keepalive",
    ].map((name) => [name, null]),
  ),
  // the fixtures' `directives` entries (the escape hatch): the user's own, and they define no name
  ...Object.fromEntries(
    ["large_client_header_buffers", "proxy_buffer_size", "proxy_buffers", "proxy_headers_hash_max_size", "access_log"].map(
      (name) => [name, null],
    ),
  ),
};

function walk(directives: Directive[], visit: (d: Directive) => void): void {
  for (const d of directives) {
    visit(d);
    // an upstream's `server` lines and the entries of a map or geo are not directives
    if (d.block && d.name !== "upstream" && d.name !== "map" && d.name !== "geo") walk(d.block, visit);
    if (d.name === "upstream") for (const inner of d.block!) if (inner.name !== "server") visit(inner);
  }
}

function definedNames(output: string): string[] {
  const names = new Set<string>();
  walk(parseNginx(output), (d) => {
    expect(d.name in DEFINES, `directive "${d.name}" is not classified in this audit`).toBe(true);
    for (const name of DEFINES[d.name]?.(d) ?? []) names.add(name);
  });
  return [...names].sort();
}

describe("every http-wide name carries the namespace", () => {
  it("the audit sees every name in the output", () => {
    expect(definedNames(render(load(everything(8443)), v122))).toEqual([
      "upstream wssgen_chat",
      "upstream wssgen_chat_pool",
      "upstream wssgen_secure",
      expect.stringMatching(/^variable \$wssgen_auth_remoteuser_[0-9a-f]{8}$/),
      "variable $wssgen_connection",
      "variable $wssgen_connection_keepalive",
      "variable $wssgen_forwarded_for",
      expect.stringMatching(/^variable \$wssgen_forwarded_proto_[0-9a-f]{8}$/),
      "variable $wssgen_origin_denied",
      "variable $wssgen_route",
      "variable $wssgen_static_expires",
      expect.stringMatching(/^variable \$wssgen_trusted_peer_[0-9a-f]{8}$/),
      "zone wssgen_conn",
      "zone wssgen_req_10rs",
      "zone wssgen_req_30rm",
      "zone wssgen_ssl",
    ]);
    expect(definedNames(render(load(moving(8080)), v130))).toEqual([
      "upstream wssgen_chat",
      "variable $wssgen_connection_keepalive",
      "variable $wssgen_route",
      "zone wssgen_req_10rs",
      "zone wssgen_upstream.chat",
    ]);
  });

  it("a namespace is in every name the output defines", () => {
    const names = [
      ...definedNames(render(inNamespace(load(everything(8443)), "blue"), v122)),
      ...definedNames(render(inNamespace(load(moving(8080)), "blue"), v130)),
    ];
    for (const name of names) expect(name).toMatch(/^(upstream wssgen_blue\.|variable \$wssgen_blue_|zone wssgen_blue_)/);
  });

  it("two files with the same upstream and site names but different namespaces define no name in common", () => {
    const config = load(everything(8443));
    for (const [a, b] of [
      ["wssgen", "blue"],
      ["blue", "green"],
      ["a", "a_chat"], // a namespace that is another one plus "_" and an upstream name
      ["chat", "wssgen"],
    ] as const) {
      const first = definedNames(render(inNamespace(config, a), v122));
      const second = definedNames(render(inNamespace(config, b), v122));
      expect(
        first.filter((n) => second.includes(n)),
        `${a} and ${b}`,
      ).toEqual([]);
    }
  });

  it("no fixture's names collide between two namespaces", () => {
    for (const fixture of fixtures("render")) {
      const config = load(fixture.text);
      const first = definedNames(render(inNamespace(config, "wssgen"), v122));
      const second = definedNames(render(inNamespace(config, "n2"), v122));
      expect(
        first.filter((n) => second.includes(n)),
        fixture.name,
      ).toEqual([]);
    }
  });

  it("an upstream name and a namespace that share underscores stay apart (a_b + c vs a + b_c)", () => {
    expect(globalNames("a_b").upstream("c")).not.toBe(globalNames("a").upstream("b_c"));
    expect(globalNames("wssgen").upstream("a-b")).not.toBe(globalNames("a").upstream("b"));
    expect(globalNames("wssgen").upstream("chat")).toBe("wssgen_chat"); // the default stays as it was
  });

  it("no name of one namespace is a name of another, whatever the upstreams, rates and auth headers (issue 11's names too)", () => {
    // namespaces made of the words the names themselves are made of, so that a namespace ending in
    // "_auth", "_req" or "_upstream" is tried against one without it
    const words = ["a", "auth", "req", "upstream", "route", "remote", "user", "peer", "trusted", "x", "0123abcd"];
    const namespaces = new Set<string>(["wssgen"]);
    for (const w1 of words) {
      namespaces.add(w1);
      for (const w2 of words) {
        namespaces.add(`${w1}_${w2}`);
        for (const w3 of words) namespaces.add(`${w1}_${w2}_${w3}`);
      }
    }
    const headers = [
      "Route",
      "X",
      "Auth-X",
      "auth_x",
      "Remote-User",
      "User",
      "Peer",
      "Trusted-Peer-0123abcd",
      "Origin-Denied",
      "-",
    ];
    const rates = ["10r/s", "1r/m", "110r/s"];
    const upstreamNames = ["a", "b_c", "a-b", "auth"];
    const owner = new Map<string, string>();
    for (const namespace of [...namespaces].filter((n) => RULES.namespace.pattern.test(n) || n === "wssgen")) {
      const names = globalNames(namespace);
      const mine = new Set([
        ...[names.upgrade, names.upgradeKeepalive, names.route, names.originDenied, names.forwardedFor, names.staticExpires]
          .concat(["0123abcd", "ffffffff"].flatMap((id) => [names.trustedPeer(id), names.forwardedProto(id)]))
          .concat(headers.map((h) => names.authResponse(h)))
          .map((v) => `variable ${v.toLowerCase()}`),
        `zone ${names.connZone}`,
        `zone ${names.sslZone}`,
        ...rates.map((r) => `zone ${names.reqZone(r)}`),
        ...upstreamNames.map((u) => `zone ${names.upstreamZone(u)}`),
        ...upstreamNames.map((u) => `upstream ${names.upstream(u).toLowerCase()}`),
      ]);
      for (const name of mine) {
        expect(owner.get(name) ?? namespace, `${name} in ${namespace}`).toBe(namespace);
        owner.set(name, namespace);
      }
    }
    expect(owner.size).toBeGreaterThan(10_000);
  });

  it("variable names fit nginx's default variables hash, for every namespace length", () => {
    // nginx.namespace has at most 32 characters; one derived from the target's file name may have 250
    for (let length = 1; length <= 250; length++) {
      const namespace = "n".repeat(length);
      const names = globalNames(namespace);
      const id = "0123abcd"; // a realIp.from list's id: 8 hex digits
      for (const variable of [
        names.upgrade,
        names.upgradeKeepalive,
        names.route,
        names.originDenied,
        names.forwardedFor,
        names.trustedPeer(id),
        names.forwardedProto(id),
        names.staticExpires,
        names.authResponse("Remote-User"),
        names.authResponse("X-Auth-Request-Preferred-Username"),
        names.authResponse("h".repeat(128)), // the longest header name
      ]) {
        expect(variable.length - 1, variable).toBeLessThanOrEqual(MAX_VARIABLE_NAME);
        expect(variable).toMatch(/^\$wssgen_n/);
      }
    }
    // long namespaces that differ only at the end keep different names
    const a = globalNames(`${"x".repeat(31)}a`);
    const b = globalNames(`${"x".repeat(31)}b`);
    expect(a.upgradeKeepalive).not.toBe(b.upgradeKeepalive);
    expect(a.originDenied).not.toBe(b.originDenied);
    expect(a.forwardedProto("0123abcd")).not.toBe(b.forwardedProto("0123abcd"));
    expect(a.authResponse("Remote-User")).not.toBe(b.authResponse("Remote-User"));
    // and one namespace's lists keep their own names
    expect(a.trustedPeer("0123abcd")).not.toBe(a.trustedPeer("0123abce"));
    // as do its auth headers, also those that read alike; the ones nginx reads alike share one
    const remote = globalNames("wssgen").authResponse("Remote-User");
    expect(remote).toMatch(/^\$wssgen_auth_remoteuser_[0-9a-f]{8}$/);
    expect(globalNames("wssgen").authResponse("RemoteUser")).not.toBe(remote);
    expect(globalNames("wssgen").authResponse("remote_user")).toBe(remote);
    expect(globalNames("wssgen").authResponse(`${"x".repeat(20)}a`)).not.toBe(
      globalNames("wssgen").authResponse(`${"x".repeat(20)}b`),
    );
  });
});

/**
 * File names that sit side by side in one conf.d but that lower-casing and mapping every other
 * character to "_" would give one namespace (and so one upstream block, map variable and zone).
 */
const COLLIDING_FILES = [
  ["x-y.conf", "x_y.conf", "x.y.conf", "x__y.conf", "x_y_.conf", "X_Y.conf", "x_y"],
  ["Chat.conf", "chat.conf", "CHAT.conf", "chat", "chat.CONF"],
  ["a.b.conf", "a_b.conf", "a-b.conf"],
  ["1.conf", "n1.conf", "1"],
  ["wssgen.conf", "WSSGEN.conf", "wssgen", ".conf", "-.conf", "é.conf"],
  [`${"x".repeat(32)}.conf`, `${"x".repeat(33)}.conf`, `${"x".repeat(34)}.conf`, `${"x".repeat(31)}-.conf`],
];

describe("the namespace a file name gives (namespaceOf)", () => {
  const namespace = RULES.namespace.pattern;

  it("names that are already namespaces keep them", () => {
    for (const name of ["wssgen", "chat_ws", "a1", "x_y", "chat_2", "x".repeat(32)])
      expect(namespaceOf(`/etc/nginx/conf.d/${name}.conf`)).toBe(name);
  });

  it("other names keep a readable part and add 8 hex digits of the file name's hash", () => {
    expect(namespaceOf("/etc/nginx/conf.d/chat-ws.conf")).toMatch(/^chat_ws__[0-9a-f]{8}$/);
    expect(namespaceOf("Chat.conf")).toMatch(/^chat__[0-9a-f]{8}$/);
    expect(namespaceOf("1.conf")).toMatch(/^n1__[0-9a-f]{8}$/);
    expect(namespaceOf(`${"chat-".repeat(40)}.conf`)).toMatch(/^chat_chat_chat_chat_ch__[0-9a-f]{8}$/);
    // the directory does not count, only the file's name
    expect(namespaceOf("/a/chat-ws.conf")).toBe(namespaceOf("/b/chat-ws.conf"));
  });

  it("file names that can sit in one directory get different namespaces, each a valid one", () => {
    const all = COLLIDING_FILES.flat();
    const namespaces = all.map((file) => namespaceOf(`/etc/nginx/conf.d/${file}`));
    for (const [i, ns] of namespaces.entries()) expect(ns, all[i]).toMatch(namespace);
    expect(new Set(namespaces).size).toBe(all.length);
  });

  it("is one-to-one over many generated names that differ only in case and punctuation", () => {
    const parts = ["a", "A", "b", "1", "_", "-", ".", "__"];
    const names = new Set<string>();
    for (const x of parts) for (const y of parts) for (const z of parts) names.add(`${x}${y}${z}`);
    for (const ending of [".conf", ""]) {
      const files = [...names].map((n) => `${n}${ending}`);
      const namespaces = files.map(namespaceOf);
      for (const ns of namespaces) expect(ns).toMatch(namespace);
      expect(new Set(namespaces).size).toBe(files.length);
    }
  });
});

describe.each(nginxBuilds().map((b) => [b.label, b] as const))("in one http block of %s", (_label, build) => {
  const test = (files: Record<string, string>) =>
    withSandbox(files, (s) => build.nginx.test({ config: s.mainConfig, prefix: s.dir }));

  it("two files that use the same upstream, site and route names pass nginx -t with no warnings", async () => {
    // the namespaces come from the targets' file names, as `apply` would deploy them
    const a = render(load(everything(18443, "/etc/nginx/conf.d/chat-a.conf")), build);
    const b = render(load(everything(18453, "/etc/nginx/conf.d/chat-b.conf")), build);
    const result = await test({ "chat-a.conf": a, "chat-b.conf": b });
    expect(result.errors, result.stderr).toEqual([]);
    expect(result.warnings, result.stderr).toEqual([]);
    expect(result.ok).toBe(true);
  });

  it("two `init` configs rendered with `render -o a.conf` and `-o b.conf` pass nginx -t together (the issue's example)", async () => {
    const dir = mkdtempSync(join(tmpdir(), "wssgen-two-files-"));
    try {
      for (const name of ["a", "b"]) {
        const init = await runCli(["init", "--yes", "--domain", `${name}.example.com`, "-o", `${name}.yaml`], { cwd: dir });
        expect(init.exitCode, init.stderr).toBe(0);
        const args = ["render", "-c", `${name}.yaml`, "--nginx-version", formatVersion(build.version)];
        const rendered = await runCli([...args, "-o", `${name}.conf`], { cwd: dir });
        expect(rendered.exitCode, rendered.stderr).toBe(0);
        // the drift check of the same file renders the same namespace
        expect((await runCli([...args, "--check", `${name}.conf`], { cwd: dir })).exitCode).toBe(0);
      }
      const [a, b] = ["a.conf", "b.conf"].map((file) => readFileSync(join(dir, file), "utf8"));
      expect(a).toMatch(/^upstream "?wssgen_a\.app"? \{/m);
      expect(b).toMatch(/^upstream "?wssgen_b\.app"? \{/m);
      const result = await test({ "a.conf": a!, "b.conf": b! });
      expect(result.errors, result.stderr).toEqual([]);
      expect(result.warnings, result.stderr).toEqual([]);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it("file names that would map to one namespace, rendered with `render -o` into one conf.d, pass nginx -t together", async () => {
    const dir = mkdtempSync(join(tmpdir(), "wssgen-colliding-"));
    try {
      // the pairs, and more: each pair's first would collide with its second. (Not more files, nor
      // origins: from about 8 such files nginx warns that it "could not build optimal variables_hash".)
      const files = ["x-y.conf", "x_y.conf", "Chat.conf", "chat.conf", "a.b.conf", "a_b.conf", "1.conf", "n1.conf"];
      files.push(`${"x".repeat(32)}.conf`, `${"x".repeat(33)}.conf`);
      const outputs: Record<string, string> = {};
      for (const [i, file] of files.entries()) {
        // one site whose upstream is `app`, as `wssgen init` writes it, with a connection limit (a zone)
        const config = `upstreams:\n  app: { servers: ["127.0.0.1:${9100 + i}"] }\nsites:\n  - domains: [site${i}.example.com]\n    listen: 127.0.0.1:18480\n    routes:\n      - { path: /ws, upstream: app, maxConnectionsPerIp: 10 }\n`;
        writeFileSync(join(dir, `c${i}.yaml`), config);
        const args = ["render", "-c", `c${i}.yaml`, "--nginx-version", formatVersion(build.version), "-o", file];
        const rendered = await runCli(args, { cwd: dir });
        expect(rendered.exitCode, rendered.stderr).toBe(0);
        outputs[file] = readFileSync(join(dir, file), "utf8");
      }
      const upstreams = Object.values(outputs).map((o) => /^upstream "?([^" ]+)"? \{/m.exec(o)![1]!.toLowerCase());
      expect(new Set(upstreams).size).toBe(files.length);
      const result = await test(outputs);
      expect(result.errors, result.stderr).toEqual([]);
      expect(result.warnings, result.stderr).toEqual([]);
      expect(result.ok).toBe(true);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it("the longest namespace (32 characters) passes nginx -t", async () => {
    const output = render(inNamespace(load(everything(18463)), "n".repeat(32)), build);
    const result = await test({ "wssgen.conf": output });
    expect(result.errors, result.stderr).toEqual([]);
    expect(result.warnings, result.stderr).toEqual([]);
  });

  it("a namespace taken from a 200-character target file name passes nginx -t", async () => {
    const config = load(everything(18466, `/etc/nginx/conf.d/${"chat-".repeat(40)}.conf`));
    expect(config.nginx.namespace).toMatch(/^chat_chat_chat_chat_ch__[0-9a-f]{8}$/); // cut to 32, plus a hash
    const result = await test({ "wssgen.conf": render(config, build) });
    expect(result.errors, result.stderr).toEqual([]);
    expect(result.warnings, result.stderr).toEqual([]);
  });

  it("two files whose upstreams move (resolve: a zone each) and stick (sticky) pass nginx -t together, where nginx has both", async () => {
    const both = atLeast(build.version, "1.29.6");
    const a = render(load(moving(18476, "/etc/nginx/conf.d/chat-a.conf")), build);
    const b = render(load(moving(18477, "/etc/nginx/conf.d/chat-b.conf")), build);
    expect(a).toMatch(/zone wssgen_chat_a__[0-9a-f]{8}_upstream\.chat 1m;/);
    const result = await test({ "chat-a.conf": a, "chat-b.conf": b });
    if (both) {
      expect(result.errors, result.stderr).toEqual([]);
      expect(result.warnings, result.stderr).toEqual([]);
    } else expect(result.ok).toBe(false); // and wssgen refuses to render it there (version-gates.ts)
  });

  it(`a variable name of ${MAX_VARIABLE_NAME} characters fits the variables hash, one more does not`, async () => {
    const file = (length: number) =>
      `map $http_upgrade $${"v".repeat(length)} { default 1; }\nserver { listen 127.0.0.1:18470; return 200 $${"v".repeat(length)}; }\n`;
    expect((await test({ "v.conf": file(MAX_VARIABLE_NAME) })).ok).toBe(true);
    const over = await test({ "v.conf": file(MAX_VARIABLE_NAME + 1) });
    expect(over.errors.map((e) => e.text)).toEqual([
      "could not build variables_hash, you should increase variables_hash_bucket_size: 64",
    ]);
  });

  it("nginx's complaint about a namespaced upstream maps back to the user's upstream key", async () => {
    // two files given the same namespace by mistake: the second upstream block is a duplicate
    // (without maxConnectionsPerIp and rateLimit, whose limit_conn_zone and limit_req_zone nginx
    // would refuse to redeclare first)
    const config = inNamespace(load(everything(18473).replace(/, (maxConnectionsPerIp: 10|rateLimit: \{[^}]*\})/g, "")), "blue");
    expect(renderMapped(config, build).text).not.toMatch(/limit_(conn|req)_zone/);
    const output = renderMapped(config, build);
    const result = await withSandbox({ "a.conf": output.text, "b.conf": output.text }, async (s) => ({
      file: s.path("b.conf"),
      result: await build.nginx.test({ config: s.mainConfig, prefix: s.dir }),
    }));
    const message = result.result.errors[0]!;
    expect(message.text).toBe('duplicate upstream "wssgen_blue.chat"');
    expect(formatPath(outputLocator(output, result.file)(message)!)).toBe("upstreams.chat");
    // a message that names the upstream but no file finds it by the name it quotes (bare in the output)
    const unplaced = {
      level: "emerg",
      text: 'no servers are inside upstream "wssgen_blue.chat_pool"',
      file: undefined,
      line: undefined,
    };
    expect(formatPath(outputLocator(output, "elsewhere.conf")(unplaced)!)).toBe("upstreams.chat_pool");
  });
});

describe("the output names what it defines", () => {
  it("proxy_pass points at the namespaced upstream block", () => {
    const tree = parseNginx(render(inNamespace(load(everything(8443)), "blue"), v122));
    const upstreams = findDirectives(tree, "upstream").map((u) => u.args[0]);
    // (and the forward-auth location proxies to the auth service's URL)
    for (const pass of findDirectives(tree, "proxy_pass").filter((p) => !p.args[0]!.startsWith("http://127.0.0.1:9091/")))
      expect(upstreams).toContain(pass.args[0]!.replace(/^https?:\/\//, ""));
  });
});

describe.each(
  nginxBuilds()
    .filter((b) => atLeast(b.version, RESOLVE_MINIMUM))
    .map((b) => [b.label, b] as const),
)("upstreams with resolve in one http block of %s", (_label, build) => {
  const withResolve = (port: number, namespace: string) =>
    render(
      inNamespace(
        load(
          `resolver: { addresses: [127.0.0.11], valid: 10s }\nupstreams:\n  api: { servers: ["api:8080"], resolve: true }\nsites:\n  - domains: [app.example.com]\n    listen: "127.0.0.1:${port}"\n    routes: [{ path: /ws, upstream: api }]\n`,
        ),
        namespace,
      ),
      build,
    );

  it("two files with the same upstream name, and another file's http-wide resolver, pass nginx -t together", async () => {
    const a = withResolve(18480, "a");
    expect(a).toContain("zone wssgen_a_upstream.api 1m;");
    const result = await withSandbox(
      { "a.conf": a, "b.conf": withResolve(18481, "b"), "other.conf": "resolver 127.0.0.53;\n" },
      (s) => build.nginx.test({ config: s.mainConfig, prefix: s.dir }),
    );
    expect(result.errors, result.stderr).toEqual([]);
    expect(result.warnings, result.stderr).toEqual([]);
  });

  it("(why the resolver goes into the upstream: nginx refuses a second resolver at the same level)", async () => {
    const result = await withSandbox({ "a.conf": "resolver 127.0.0.11;\n", "other.conf": "resolver 127.0.0.53;\n" }, (s) =>
      build.nginx.test({ config: s.mainConfig, prefix: s.dir }),
    );
    expect(result.errors.map((e) => e.text)).toEqual(['"resolver" directive is duplicate']);
  });
});

/**
 * `directives`, the escape hatch (src/config/directives.ts, docs/directives.md): what an entry may
 * be at each level (readDirective), the array-inherited directives refused at an inner level
 * (semantics), the ones render repeats there (view.ts), and the switch that forbids them all
 * (`allowDirectives: false`, the CLI's `--no-directives`).
 */
import { mkdtempSync, rmSync, writeFileSync, existsSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { type DirectiveLevel, NOT_REEMITTED, readDirective, REEMITTED } from "../../src/config/directives.js";
import { loadConfig, parseConfig } from "../../src/config/load.js";
import { formatPath } from "../../src/config/path.js";
import { ConfigError, ExitCode } from "../../src/errors.js";
import { renderMapped } from "../../src/render/render.js";
import { parseVersion } from "../../src/nginx-version/version.js";
import { findDirectives, parseNginx, type Directive } from "../../src/util/nginx-syntax.js";
import { runCli } from "../helpers/cli.js";

const LEVELS: DirectiveLevel[] = ["http", "server", "location"];
const problemOf = (text: string, level: DirectiveLevel) => {
  const read = readDirective(text, level);
  return "problem" in read ? read.problem : undefined;
};

describe("readDirective: one simple directive, as nginx reads it", () => {
  it.each([
    ["proxy_buffer_size 16k", "proxy_buffer_size", ["16k"]],
    ["proxy_buffer_size 16k;", "proxy_buffer_size", ["16k"]],
    ["proxy_buffer_size 16k ;", "proxy_buffer_size", ["16k"]],
    ["large_client_header_buffers 4 32k", "large_client_header_buffers", ["4", "32k"]],
    ['add_header X-A "a; b { c } # d" always', "add_header", ["X-A", "a; b { c } # d", "always"]],
    ["add_header X-A 'it''s'", undefined, undefined], // a quote right after a quoted string: nginx refuses it too
    ["add_header X-Id $request_id", "add_header", ["X-Id", "$request_id"]],
    ["add_header X-Id ${request_id}x", "add_header", ["X-Id", "${request_id}x"]],
    ["add_header X-A a#b", "add_header", ["X-A", "a#b"]],
    ["add_header X-A a}b", "add_header", ["X-A", "a}b"]], // nginx ends a bare word at space, ";" or "{" only
    ["add_header X-A a\\;b", "add_header", ["X-A", "a\\;b"]], // the backslash keeps ";" in the word, and stays
    ['add_header X-A a\\"b', "add_header", ["X-A", 'a"b']],
    ['add_header X-A "a\\"b\\\\c\\x"', "add_header", ["X-A", 'a"b\\c\\x']],
    ["add_header X-A a\u00a0b", "add_header", ["X-A", "a\u00a0b"]], // a no-break space is no separator for nginx
    ["return 200 ok", "return", ["200", "ok"]],
    ["expires 1d", "expires", ["1d"]],
    ["keepalive_timeout 75s", "keepalive_timeout", ["75s"]],
  ])("%j", (text, name, args) => {
    const read = readDirective(text, "location");
    if (name === undefined) expect(read).toHaveProperty("problem");
    else expect(read).toEqual({ name, args });
  });

  it.each([
    ["proxy_buffer_size 16k; proxy_buffers 8 16k", "holds 2 directives; write one directive an entry"],
    ["proxy_buffer_size 16k;;", 'is not one simple nginx directive (unexpected ";")'],
    ["if ($x) { return 403; }", 'opens a block ("if" { ... })'],
    ["location /x {", 'opens a block ("location" { ... })'],
    ["add_header X a {", 'opens a block ("add_header" { ... })'],
    ["add_header X a }", 'is not one simple nginx directive (unexpected "}")'],
    ['add_header X "a', "is not one simple nginx directive (unterminated string)"],
    ['add_header X "a"b', 'is not one simple nginx directive (unexpected "b" after a quoted string)'],
    ["proxy_buffer_size 16k # big pages", "holds a comment"],
    ["proxy_buffer_size 16k #; listen 80", "holds a comment"],
    ["include /etc/nginx/snippets/x.conf", '"include" is not allowed: an included file could change the structure'],
    ['add_header X "a\\nb"', "has an argument that nginx would read with a control character in it"],
    ["add_header X a\\rb", "has an argument that nginx would read with a control character in it"],
    ["add_header X a\\tb", "has an argument that nginx would read with a control character in it"],
    ['add_header Strict-Transport-Security "max-age=0"', "comes from sites[].tls.hsts"],
    ["add_header strict-transport-security max-age=0", "comes from sites[].tls.hsts"],
    ["set $wssgen_route x", 'sets "$wssgen_route": variables named $wssgen_… are wssgen\'s own'],
    ["set $WSSGEN_Origin_Denied 0", "are wssgen's own"],
    ["add_header_inherit merge", '"add_header_inherit" is wssgen\'s to write here'],
    ["add_trailer_inherit off", '"add_trailer_inherit" is wssgen\'s to write here'],
  ])("refuses %j at every level", (text, problem) => {
    for (const level of LEVELS) expect(problemOf(text, level), level).toContain(problem);
  });

  it("never shows the entry's arguments (they may hold a secret)", () => {
    for (const text of ['add_header Authorization "Bearer s3cret', "add_header X s3cret # note", 'add_header X "s3cret\\n"'])
      expect(problemOf(text, "location")).not.toContain("s3cret");
  });

  /** Directives a key controls, per level: [entry, levels where it is refused, the key the message names]. */
  const CONTROLLED_CASES: [string, DirectiveLevel[], string][] = [
    ["listen 8080", ["server"], "sites[].listen"],
    ["server_name x.example.com", ["server"], "sites[].domains"],
    ["server_tokens on", ["http", "server"], "server_tokens off"],
    ["http2 on", ["http", "server"], "sites[].http2"],
    ["ssl_certificate /c.pem", ["http", "server"], "sites[].tls.certificate"],
    ["ssl_protocols TLSv1.3", ["http", "server"], "sites[].tls.profile"],
    ["ssl_session_timeout 5m", ["http", "server"], "sites[].tls.sessionTimeout"],
    ["ssl_reject_handshake on", ["http", "server"], "defaultServer"],
    ["set_real_ip_from 10.0.0.0/8", ["http", "server", "location"], "sites[].realIp.from"],
    ["proxy_pass http://x", ["location"], "sites[].routes[].upstream"],
    ["proxy_set_header X-A b", ["http", "server", "location"], "sites[].routes[].headers"],
    ["proxy_read_timeout 10s", ["http", "server", "location"], "sites[].routes[].timeouts.read"],
    ["proxy_http_version 1.0", ["http", "server", "location"], "nginx version rendered for"],
    ["proxy_buffering off", ["http", "server", "location"], "sites[].routes[].buffering"],
    ["client_max_body_size 10m", ["http", "server", "location"], "maxBodySize"],
    ["limit_conn z 5", ["http", "server", "location"], "maxConnectionsPerIp"],
    ["limit_conn_zone $binary_remote_addr zone=z:1m", ["http"], "maxConnectionsPerIp"],
    ["server_names_hash_bucket_size 128", ["http"], "names hash"],
    ["map_hash_max_size 4096", ["http"], "map hash"],
    ["root /srv", ["location"], "static.root"],
    ["alias /srv/", ["location"], "static.root"],
    ["try_files $uri =404", ["location"], "static.spa"],
    // issue 11: rate limits, access control, backends over TLS
    ["limit_req_status 503", ["location"], "sites[].routes[].rateLimit"],
    ["auth_basic Admin", ["location"], "sites[].routes[].access.basicAuth"],
    ["auth_basic_user_file /etc/nginx/htpasswd", ["location"], "sites[].routes[].access.basicAuth"],
    ["auth_request /auth", ["location"], "sites[].routes[].access.forwardAuth"],
    ["auth_request_set $user $upstream_http_remote_user", ["location"], "sites[].routes[].access.forwardAuth"],
    ["proxy_ssl_server_name on", ["http", "server", "location"], "upstreams.<name>.tls"],
    ["proxy_ssl_name api.internal", ["http", "server", "location"], "upstreams.<name>.tls.serverName"],
    ["proxy_ssl_verify off", ["http", "server", "location"], "upstreams.<name>.tls.verify"],
    ["proxy_ssl_trusted_certificate /etc/ssl/ca.pem", ["http", "server", "location"], "upstreams.<name>.tls.ca"],
    ["proxy_ssl_certificate /etc/ssl/c.pem", ["http", "server", "location"], "upstreams.<name>.tls.certificate"],
    ["proxy_ssl_certificate_key /etc/ssl/c.key", ["http", "server", "location"], "upstreams.<name>.tls.key"],
    ["proxy_ssl_protocols TLSv1.3", ["http", "server", "location"], "upstreams.<name>.tls"],
  ];
  it.each(CONTROLLED_CASES)("%j is refused where a key controls it, naming the key", (text, refused, key) => {
    for (const level of LEVELS) {
      const problem = problemOf(text, level);
      if (refused.includes(level)) {
        expect(problem, level).toMatch(/^"[a-z0-9_]+" is wssgen's to write here; it comes from /);
        expect(problem, level).toContain(key);
      } else expect(problem, level).toBeUndefined();
    }
  });

  it("REEMITTED and NOT_REEMITTED are disjoint, and neither holds a directive a key controls", () => {
    for (const name of [...REEMITTED, ...NOT_REEMITTED]) {
      expect(REEMITTED.has(name) && NOT_REEMITTED.has(name), name).toBe(false);
      for (const level of LEVELS) expect(problemOf(`${name} x y`, level), `${name} at ${level}`).toBeUndefined();
    }
  });
});

type Tree = Record<string, unknown>;
const TLS = { certificate: "/etc/ssl/a.pem", key: "/etc/ssl/a.key" };
/** A config (JSON) with upstream `chat`; `top` merges into the top level. */
const config = (sites: Tree[], top: Tree = {}) =>
  JSON.stringify({ upstreams: { chat: { servers: ["10.0.0.5:8080"] } }, sites, ...top }, null, 2);
const route = (path: string, extra: Tree = {}) => ({ path, upstream: "chat", ...extra });
const problemsOf = (text: string, options = {}): string[] => {
  try {
    parseConfig("wssgen.json", text, {}, undefined, options);
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    return error.problems.map((p) => `${p.line}:${p.column} ${p.path}: ${p.message}`);
  }
  return [];
};

describe("semantics: entries are reported at their key", () => {
  it("an entry readDirective refuses is an error at file:line:col of the entry", () => {
    const text = config([
      { domains: ["a.example.com"], routes: [route("/ws", { directives: ["proxy_buffer_size 16k", "if ($x) { return 1; }"] })] },
    ]);
    const line = text.split("\n").findIndex((l) => l.includes("if ($x)")) + 1;
    expect(problemsOf(text)).toEqual([
      expect.stringMatching(
        new RegExp(
          `^${line}:\\d+ sites\\[0\\]\\.routes\\[0\\]\\.directives\\[1\\]: this entry opens a block \\("if" \\{ \\.\\.\\. \\}\\)`,
        ),
      ),
    ]);
  });

  it.each([...NOT_REEMITTED])(
    "%s at an inner level, while an outer level has one too, is refused naming the outer entry",
    (name) => {
      const entry = `${name} x`;
      // top and route
      expect(
        problemsOf(
          config([{ domains: ["a.example.com"], routes: [route("/ws", { directives: [entry] })] }], { directives: [entry] }),
        ),
      ).toEqual([
        expect.stringContaining(
          `sites[0].routes[0].directives[0]: "${name}" here would cancel directives[0]: nginx inherits "${name}" only into a level that has none of its own; put all of them at one level`,
        ),
      ]);
      // site and route
      expect(
        problemsOf(
          config([{ domains: ["a.example.com"], directives: [entry], routes: [route("/ws", { directives: [entry] })] }]),
        ),
      ).toEqual([
        expect.stringContaining(`sites[0].routes[0].directives[0]: "${name}" here would cancel sites[0].directives[0]`),
      ]);
      // top and site
      expect(
        problemsOf(
          config([{ domains: ["a.example.com"], directives: [entry], routes: [route("/ws")] }], { directives: [entry] }),
        ),
      ).toEqual([expect.stringContaining(`sites[0].directives[0]: "${name}" here would cancel directives[0]`)]);
      // at one level, or at sibling levels (two routes, two sites), it is fine
      expect(
        problemsOf(
          config([
            { domains: ["a.example.com"], directives: [entry, entry], routes: [route("/a")] },
            { domains: ["b.example.com"], routes: [route("/a", { directives: [entry] }), route("/b", { directives: [entry] })] },
          ]),
        ),
      ).toEqual([]);
    },
  );
});

const v122 = { version: parseVersion("1.22")! };
/** The rendered output, parsed, and its source map. */
function rendered(text: string) {
  const { config: c } = parseConfig("wssgen.json", text, {});
  const output = renderMapped(c, v122);
  return { tree: parseNginx(output.text), ...output };
}
const servers = (tree: Directive[]) => tree.filter((d) => d.name === "server");
const location = (server: Directive, uri: string) => server.block!.find((d) => d.name === "location" && d.args.at(-1) === uri)!;
/** The directives of `name` directly in a block, as "arg arg ...". */
const own = (block: Directive, name: string) => block.block!.filter((d) => d.name === name).map((d) => d.args.join(" "));
const HSTS = "Strict-Transport-Security max-age=63072000 always";

describe("render: array-inherited directives keep the outer levels' entries (SPEC §7)", () => {
  it("a route's add_header repeats, after its own, the site's HSTS header and the top-level entries, in order", () => {
    const { tree } = rendered(
      config(
        [
          {
            domains: ["a.example.com"],
            tls: TLS,
            routes: [route("/ws", { directives: ["add_header X-Route yes always"] }), route("/plain")],
          },
        ],
        {
          directives: ["add_header X-Top-1 a", "add_header X-Top-2 b always"],
        },
      ),
    );
    const [server] = servers(tree);
    expect(own(server!, "add_header")).toEqual([HSTS, "X-Top-1 a", "X-Top-2 b always"]); // HSTS is the server's own: the top ones are repeated
    expect(own(location(server!, "/ws"), "add_header")).toEqual(["X-Route yes always", HSTS, "X-Top-1 a", "X-Top-2 b always"]);
    expect(own(location(server!, "/plain"), "add_header")).toEqual([]); // none of its own: nginx inherits the server's
    expect(tree.filter((d) => d.name === "add_header").map((d) => d.args.join(" "))).toEqual(["X-Top-1 a", "X-Top-2 b always"]);
  });

  it("without the core's shortcut: a TLS site with no other entries still keeps HSTS in a route with add_header", () => {
    const { tree } = rendered(
      config([
        { domains: ["a.example.com"], tls: TLS, routes: [route("/ws", { directives: ["add_header X-Route yes always"] })] },
      ]),
    );
    expect(own(location(servers(tree)[0]!, "/ws"), "add_header")).toEqual(["X-Route yes always", HSTS]);
  });

  it("a site repeats the top-level entries only when the server has an add_header of its own", () => {
    const top = { directives: ["add_header X-Top a"] };
    const plain = rendered(config([{ domains: ["a.example.com"], routes: [route("/ws")] }], top));
    expect(own(servers(plain.tree)[0]!, "add_header")).toEqual([]); // nginx inherits the http level's
    const withOwn = rendered(
      config([{ domains: ["a.example.com"], directives: ["add_header X-Site s"], routes: [route("/ws")] }], top),
    );
    expect(own(servers(withOwn.tree)[0]!, "add_header")).toEqual(["X-Site s", "X-Top a"]);
    const noHsts = rendered(config([{ domains: ["a.example.com"], tls: { ...TLS, hsts: false }, routes: [route("/ws")] }], top));
    expect(own(servers(noHsts.tree)[0]!, "add_header")).toEqual([]);
  });

  it("an inner add_header of the same header name replaces the outer ones (and only those)", () => {
    const { tree } = rendered(
      config(
        [
          {
            domains: ["a.example.com"],
            directives: ["add_header Cache-Control no-cache", "add_header X-Frame-Options DENY"],
            routes: [route("/ws", { directives: ["add_header cache-control no-store"] })],
          },
        ],
        { directives: ["add_header X-Frame-Options SAMEORIGIN"] },
      ),
    );
    const server = servers(tree)[0]!;
    expect(own(server, "add_header")).toEqual(["Cache-Control no-cache", "X-Frame-Options DENY"]);
    expect(own(location(server, "/ws"), "add_header")).toEqual(["cache-control no-store", "X-Frame-Options DENY"]);
  });

  it("error_page, add_trailer, proxy_hide_header and proxy_pass_header: the inner ones first, then the outer ones", () => {
    const { tree } = rendered(
      config([
        {
          domains: ["a.example.com"],
          directives: [
            "error_page 502 503 /50x.html",
            "proxy_hide_header X-Powered-By",
            "add_trailer X-T a",
            "proxy_pass_header X-P",
          ],
          routes: [
            route("/ws", {
              directives: [
                "error_page 502 /ws-down.html",
                "proxy_hide_header Server",
                "add_trailer X-U b",
                "proxy_pass_header X-Q",
              ],
            }),
            route("/other", { directives: ["proxy_buffer_size 16k"] }),
          ],
        },
      ]),
    );
    const server = servers(tree)[0]!;
    const ws = location(server, "/ws");
    // nginx answers a status with its first error_page: the route's 502 wins, the site's 503 still applies
    expect(own(ws, "error_page")).toEqual(["502 /ws-down.html", "502 503 /50x.html"]);
    expect(own(ws, "proxy_hide_header")).toEqual(["Server", "X-Powered-By"]);
    expect(own(ws, "add_trailer")).toEqual(["X-U b", "X-T a"]);
    expect(own(ws, "proxy_pass_header")).toEqual(["X-Q", "X-P"]);
    const other = location(server, "/other");
    for (const name of REEMITTED) expect(own(other, name), name).toEqual([]);
  });

  it("a repeated entry maps to the key that wrote it, so nginx's errors about it point there", () => {
    const { text, sourceMap } = rendered(
      config([{ domains: ["a.example.com"], tls: TLS, routes: [route("/ws", { directives: ["add_header X-Route yes"] })] }], {
        directives: ["add_header X-Top a"],
      }),
    );
    const lines = text.split("\n");
    const keys = (needle: string) =>
      lines.flatMap((line, i) => (line.trim() === needle ? [formatPath(sourceMap[i + 1] ?? [])] : []));
    expect(keys("add_header X-Top a;")).toEqual(["directives[0]", "directives[0]", "directives[0]"]);
    expect(keys("add_header X-Route yes;")).toEqual(["sites[0].routes[0].directives[0]"]);
    expect(keys(`add_header ${HSTS.replace("max-age=63072000", "max-age=63072000")};`)).toEqual(["sites[0].tls", "sites[0].tls"]);
  });

  it("entries are printed after wssgen's own directives, one directive each, at their level", () => {
    const { tree } = rendered(
      config(
        [
          {
            domains: ["a.example.com"],
            directives: ["large_client_header_buffers 4 32k"],
            routes: [route("/ws", { directives: ["proxy_buffer_size 16k;"] })],
          },
        ],
        {
          directives: ["proxy_headers_hash_max_size 1024"],
        },
      ),
    );
    expect(tree.filter((d) => !d.block).map((d) => d.name)).toContain("proxy_headers_hash_max_size");
    const server = servers(tree)[0]!;
    expect(server.block!.filter((d) => !d.block).at(-1)).toEqual({
      name: "large_client_header_buffers",
      args: ["4", "32k"],
      block: undefined,
    });
    expect(location(server, "/ws").block!.at(-1)).toEqual({ name: "proxy_buffer_size", args: ["16k"], block: undefined });
    expect(findDirectives(tree, "proxy_buffer_size")).toHaveLength(1);
  });

  it("a static route's own expires replaces wssgen's caching", () => {
    const { tree } = rendered(
      config([
        {
          domains: ["a.example.com"],
          routes: [
            { path: "/", static: { root: "/srv/app" } },
            { path: "/assets/", static: { root: "/srv/assets" }, directives: ["expires 30d"] },
          ],
        },
      ]),
    );
    const server = servers(tree)[0]!;
    expect(own(location(server, "/"), "expires")).toEqual([expect.stringMatching(/^\$wssgen_/)]);
    expect(own(location(server, "/assets/"), "expires")).toEqual(["30d"]);
  });
});

describe("allowDirectives: false (--no-directives)", () => {
  const everywhere = config(
    [
      {
        domains: ["a.example.com"],
        directives: ["large_client_header_buffers 4 32k"],
        routes: [route("/a", { directives: ["proxy_buffer_size 16k", "{ not even valid"] }), route("/b", { directives: [] })],
      },
    ],
    { directives: ["proxy_headers_hash_max_size 1024"] },
  );
  const keyAt = (key: string, nth = 0) => {
    const lines = everywhere.split("\n");
    const index = lines.findIndex(
      (l, i) => l.includes(`"${key}"`) && lines.slice(0, i).filter((x) => x.includes(`"${key}"`)).length === nth,
    );
    return `${index + 1}:${lines[index]!.indexOf(`"${key}"`) + 1}`;
  };
  const MESSAGE =
    "directives are not allowed here (--no-directives): this config is rendered with raw nginx directives refused; remove this key";

  it("makes every non-empty directives list an error at its key, at every level, and nothing else", () => {
    expect(problemsOf(everywhere, { allowDirectives: false })).toEqual([
      `${keyAt("directives", 0)} sites[0].directives: ${MESSAGE} and use wssgen's own keys`,
      `${keyAt("directives", 1)} sites[0].routes[0].directives: ${MESSAGE} (its 2 entries) and use wssgen's own keys`,
      `${keyAt("directives", 3)} directives: ${MESSAGE} and use wssgen's own keys`,
    ]);
    expect(problemsOf(everywhere, { allowDirectives: true })).toEqual([
      expect.stringContaining("sites[0].routes[0].directives[1]:"),
    ]);
  });

  it("reports other problems of the file beside it, but none inside a refused list", () => {
    const text = config([{ domains: ["a.example.com"], directives: [42, "{"], routes: [route("/a", { upstream: "nope" })] }]);
    const problems = problemsOf(text, { allowDirectives: false });
    expect(problems).toEqual([expect.stringContaining(`sites[0].directives: ${MESSAGE}`)]);
    const noDirectives = config([{ domains: ["a.example.com"], routes: [route("/a", { upstream: "nope" })] }]);
    expect(problemsOf(noDirectives, { allowDirectives: false })).toEqual([expect.stringContaining("unknown upstream")]);
    const schemaToo = config([{ domains: ["a.example.com"], directives: ["x 1"], http2: "yes", routes: [route("/a")] }]);
    expect(problemsOf(schemaToo, { allowDirectives: false })).toEqual([
      expect.stringContaining(`sites[0].directives: ${MESSAGE}`),
      expect.stringContaining("sites[0].http2:"),
    ]);
  });

  it("loadConfig takes it as LoadOptions.allowDirectives", async () => {
    await expect(
      loadConfig({ config: "-", readStdin: () => Promise.resolve(everywhere), allowDirectives: false }),
    ).rejects.toThrow(ConfigError);
    await expect(
      loadConfig({
        config: "-",
        readStdin: () => Promise.resolve(config([{ domains: ["a.example.com"], routes: [route("/a")] }])),
        allowDirectives: false,
      }),
    ).resolves.toBeDefined();
  });

  describe("the CLI's --no-directives", () => {
    const dir = mkdtempSync(join(tmpdir(), "wssgen-no-directives-"));
    afterAll(() => rmSync(dir, { recursive: true, force: true }));
    const yaml = [
      "upstreams:",
      "  chat: { servers: [10.0.0.5:8080] }",
      "sites:",
      "  - domains: [a.example.com]",
      "    routes:",
      "      - path: /ws",
      "        upstream: chat",
      '        directives: ["proxy_buffer_size 16k"]',
      "",
    ].join("\n");
    writeFileSync(join(dir, "wssgen.yaml"), yaml);
    const WHERE = "wssgen.yaml:8:9 sites[0].routes[0].directives:";

    it.each([
      ["render", []],
      ["apply", ["--dry-run", "--target", "out.conf"]],
      ["diff", ["--target", "out.conf"]],
    ])("%s exits 1 with the problem at the key, and writes nothing", async (command, args) => {
      const r = await runCli([command, "--no-directives", ...args], { cwd: dir });
      expect(r.stderr).toBe(`${WHERE} ${MESSAGE} and use wssgen's own keys`);
      expect(r.stdout).toBe("");
      expect(r.exitCode).toBe(ExitCode.invalid);
      expect(existsSync(join(dir, "out.conf"))).toBe(false);
    });

    it("check reports it as an error (text and json), exit 1", async () => {
      const text = await runCli(["check", "--no-directives", "--nginx", "skip"], { cwd: dir });
      expect(text.stdout).toContain(`${WHERE} error: ${MESSAGE}`);
      expect(text.exitCode).toBe(ExitCode.invalid);
      const json = await runCli(["check", "--no-directives", "--nginx", "skip", "--format", "json"], { cwd: dir });
      expect(json.exitCode).toBe(ExitCode.invalid);
      expect(json.stdout).toContain("directives are not allowed here (--no-directives)");
    });

    it("without the flag the same file renders, with the entry in the route", async () => {
      const r = await runCli(["render"], { cwd: dir });
      expect(r.exitCode).toBe(0);
      expect(r.stdout).toContain("        proxy_buffer_size 16k;\n");
    });

    it.each(["render", "check", "apply", "diff"])("%s --help lists the flag", async (command) => {
      const r = await runCli([command, "--help"], { cwd: dir });
      expect(r.stdout).toContain("--no-directives");
    });
  });
});

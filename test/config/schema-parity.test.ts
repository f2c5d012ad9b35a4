/**
 * One schema, one truth (issue 8 §7): the JSON Schema that editors load (docs/wssgen.schema.json,
 * pinned to `wssgen schema`), compiled by a real validator (ajv, draft 2020-12), gives the same
 * verdict as the CLI's schema on every fixture and on a generated value for each single-field rule.
 * The CLI rejects more only through the cross-field rules listed below (and in docs/config.md).
 */
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { Ajv2020 } from "ajv/dist/2020.js";
import addFormatsModule from "ajv-formats";
import { describe, expect, it } from "vitest";
import { INIT_DEFAULTS, initText } from "../../src/commands/init.js";
import { jsonSchema } from "../../src/commands/schema.js";
import { interpolate } from "../../src/config/interpolate.js";
import { parseConfig } from "../../src/config/load.js";
import { configSchema, withoutExtensions } from "../../src/config/schema.js";
import { parseSource, problemAt } from "../../src/config/source.js";
import { ConfigError } from "../../src/errors.js";
import { fixtures } from "../helpers/fixtures.js";
import { ROOT } from "../helpers/paths.js";

// ajv-formats is CommonJS: under nodenext its default import is the module object
const addFormats = ((addFormatsModule as unknown as { default?: unknown }).default ?? addFormatsModule) as (
  ajv: Ajv2020,
) => Ajv2020;
const schemaFile = JSON.parse(readFileSync(join(ROOT, "docs/wssgen.schema.json"), "utf8")) as Record<string, unknown>;
const ajv = new Ajv2020({ allErrors: true, strict: true });
addFormats(ajv);
const editorValidates = ajv.compile(schemaFile);

const ENV = { CERT_DIR: "/etc/ssl/wssgen", CHAT_BACKEND: "10.0.0.5:8080", DOMAIN: "chat.example.com", WS_PATH: "/ws" };

/** The data an editor would check (after `${VAR}`, which an editor cannot know), or undefined when it does not parse. */
function editorData(text: string): unknown {
  let source;
  try {
    source = parseSource("wssgen.yaml", text);
  } catch {
    return undefined;
  }
  return interpolate(source.data, ENV, (path, message) => problemAt(source, path, message)).data;
}

type Verdict = "accepts" | "rejects";
const verdict = (ok: boolean): Verdict => (ok ? "accepts" : "rejects");

function cliVerdict(text: string): { verdict: Verdict; messages: string[] } {
  try {
    parseConfig("wssgen.yaml", text, ENV);
    return { verdict: "accepts", messages: [] };
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    return { verdict: "rejects", messages: error.problems.map((p) => p.message) };
  }
}

/** Invalid fixtures that are not about values: the text does not parse, or a variable is unset. */
const NOT_SCHEMA = new Set(["yaml-syntax", "multiple-documents", "missing-env-var"]);

/**
 * Rules that relate fields to each other (src/config/semantics.ts): a JSON Schema cannot say them,
 * so the editor accepts these fixtures and the CLI rejects them. docs/config.md lists the same rules.
 */
const CROSS_FIELD = new Map<string, RegExp>([
  ["all-backup", /every server is a backup/],
  ["preset-websocket-only", /is WebSocket only/],
  ["allow-missing-without-origins", /allowMissingOrigin only applies with origins/],
  ["backup-with-hash-balancing", /backup servers cannot be used with balance/],
  ["duplicate-domain-port", /is already served by/],
  ["duplicate-listen", /is the same address as/],
  ["duplicate-location", /is already defined by/],
  ["hash-key-mismatch", /hashKey only applies with balance: hash|balance: hash needs a hashKey/],
  ["header-case-duplicate", /header names ignore case/],
  ["reserved-header", /wssgen sets \S+ itself on WebSocket routes/],
  ["tls-fields-without-tls", /needs tls/],
  ["tls-listener-conflict", /an nginx address:port is one or the other/],
  ["unknown-upstream", /unknown upstream/],
  ["upstream-name-case", /ignores case in upstream names/],
  ["site-name-duplicate", /site names ignore case and must differ/],
  ["route-upstream-or-static", /a route needs either upstream .* or static|a route has either upstream or static, not both/],
  ["static-with-proxy-keys", /only applies to a route with an upstream; a static route serves files/],
  ["static-path", /static needs a prefix path that ends with "\/"/],
  ["static-system-root", /static\.root is .*: nginx would serve every file in it/],
  ["strip-prefix-path", /stripPrefix has nothing to strip from "\/"|stripPrefix needs a path that ends with "\/"/],
  ["proxy-protocol-disagreement", /the PROXY protocol here but .* every site on it must agree/],
  ["tls-profile-per-address", /has tls\.profile modern here but intermediate in .* share a profile/],
  ["acme-location-clash", /is already defined by \S+ \(the ACME challenge location\)/],
  [
    "directives-not-simple",
    /this entry (is not one simple nginx directive|opens a block|holds \d+ directives|"include" is not allowed)/,
  ],
  ["directives-controlled", /this entry "\w+" is wssgen's to write here; it comes from /],
  ["directives-not-reemitted", /here would cancel \S+: nginx inherits "\w+" only into a level that has none of its own/],
  // issue 11: backends over TLS, names that move, access control, rate limits
  ["upstream-tls-server-name", /set tls\.serverName/],
  ["upstream-tls-client-certificate", /a client certificate needs both certificate and key: add tls\.(key|certificate)/],
  ["upstream-tls-ca-unverified", /tls\.ca only applies with verify: true/],
  ["forward-auth-https-address", /an https forward-auth URL names the service by address/],
  [
    "resolve-needs",
    /resolve: true has nothing to re-resolve|resolve: true needs the DNS servers to ask|is a name of \/etc\/hosts, which nginx's resolver/,
  ],
  ["sticky-cookie-shared", /is also upstreams\.\w+'s sticky cookie, and a site routes to both/],
  ["access-empty", /access needs at least one of allow, basicAuth and forwardAuth/],
  [
    "access-allow-inheritance",
    /access\.allow here would cancel \S+: nginx inherits allow and deny|would come after access\.allow's "deny all"/,
  ],
  [
    "rate-limit-outer-limit-req",
    /rateLimit here would lift \S+ for this route: nginx inherits limit_req only into a level that has none/,
  ],
  [
    "forward-auth-response-headers",
    /a static route has none|is listed twice \(header names ignore case|wssgen sets \S+ itself for the backend|is also set by headers/,
  ],
  ["wssgen-location", /paths under \/\.wssgen\/ are wssgen's own/],
]);

/** Each cross-field rule's row in docs/config.md's "Rules that relate keys to each other". */
const DOCUMENTED = new Map<string, string>([
  ["all-backup", "at least one server of an upstream is not `backup`"],
  ["preset-websocket-only", "`websocket: false` only with a `preset` that has an HTTP fallback"],
  ["allow-missing-without-origins", "`allowMissingOrigin` only with `origins`"],
  ["backup-with-hash-balancing", "`backup` servers need `round-robin` or `least-conn`"],
  ["duplicate-domain-port", "a domain may be served once per `addr:port`"],
  ["duplicate-listen", "a site's `listen` addresses are distinct"],
  ["duplicate-location", "a location `path` appears once per site"],
  ["hash-key-mismatch", "`hashKey` only with `balance: hash`, and `balance: hash` needs `hashKey`"],
  ["header-case-duplicate", "header names are unique ignoring case"],
  ["reserved-header", "`headers` may not set `Upgrade` or `Connection`"],
  ["tls-fields-without-tls", "`http2` and `redirectHttp` need `tls`"],
  ["tls-listener-conflict", "an `addr:port` is either TLS or plain across all sites"],
  ["unknown-upstream", "a route's `upstream` must name an upstream"],
  ["upstream-name-case", "upstream names are unique ignoring case"],
  ["site-name-duplicate", "a site's written `name` is no other site's name"],
  ["route-upstream-or-static", "a route has exactly one of `upstream` and `static`"],
  ["static-with-proxy-keys", "a `static` route takes none of the keys that shape a proxy"],
  ["static-path", "`static` needs a prefix `path` that ends with `/`"],
  ["static-system-root", "`static.root` is not `/` or a system directory (`/etc`, `/proc`, `/usr`, ...)"],
  ["strip-prefix-path", "`stripPrefix` needs a prefix `path` that ends with `/`, or an exact one, and never `/`"],
  ["proxy-protocol-disagreement", "the sites on one `addr:port` agree on `realIp.header: proxy_protocol`"],
  ["tls-profile-per-address", "the TLS sites on one `addr:port` share `tls.profile`"],
  ["acme-location-clash", "with `acme`, no route's `path` is `/.well-known/acme-challenge/`"],
  ["directives-not-simple", "a `directives` entry is one simple directive"],
  ["directives-controlled", "a `directives` entry is no directive that a key controls at its level"],
  ["directives-not-reemitted", "a `directives` entry of a list nginx inherits whole"],
  ["upstream-tls-server-name", "an upstream's `tls` has one name to send and verify"],
  ["upstream-tls-client-certificate", "`tls.certificate` and `tls.key` come together"],
  ["upstream-tls-ca-unverified", "`tls.ca` only with `verify: true`"],
  ["forward-auth-https-address", "an `https` `forwardAuth.url` names its host"],
  ["resolve-needs", "`resolve` needs a server named by host name, and the top-level `resolver`"],
  ["sticky-cookie-shared", "two upstreams of one site have different `sticky.cookie` names"],
  ["access-empty", "`access` sets at least one of `allow`, `basicAuth` and `forwardAuth`"],
  ["access-allow-inheritance", "`access.allow` only where no outer level has an `allow` or `deny` entry"],
  ["rate-limit-outer-limit-req", "`rateLimit` only where no outer level has a `limit_req` entry"],
  ["forward-auth-response-headers", "`forwardAuth.responseHeaders` only on a route with an `upstream`"],
  ["wssgen-location", "no route's `path` is under `/.wssgen/`"],
]);

describe("docs/config.md lists every rule only the CLI checks", () => {
  it("each entry of CROSS_FIELD has its row in the table", () => {
    const docs = readFileSync(join(ROOT, "docs/config.md"), "utf8");
    const section = docs.slice(
      docs.indexOf("## Rules that relate keys to each other"),
      docs.indexOf("## The nginx version rendered for"),
    );
    const rows = section.split("\n").filter((line) => line.startsWith("| ") && !/^\| (?:rule|-)/.test(line));
    expect([...DOCUMENTED.keys()].sort()).toEqual([...CROSS_FIELD.keys()].sort());
    for (const [name, row] of DOCUMENTED)
      expect(
        rows.some((line) => line.startsWith(`| ${row}`)),
        `${name}: ${row}`,
      ).toBe(true);
    // and no row without a rule behind it
    expect(rows.length).toBe(new Set(DOCUMENTED.values()).size);
  });
});

describe("the JSON Schema is the CLI's schema", () => {
  it("docs/wssgen.schema.json is what `wssgen schema` prints, and has no $id at a host we do not control", () => {
    expect(schemaFile).toEqual(JSON.parse(JSON.stringify(jsonSchema())));
    expect(JSON.stringify(schemaFile)).not.toMatch(/https?:\/\/(?!json-schema\.org\/)/);
  });

  const valid = [
    ...fixtures("render").map((f) => [`render/${f.name}`, f.text] as const),
    ...readdirSync(join(ROOT, "fixtures/lint")).flatMap((rule) =>
      ["fires", "silent"]
        .filter((kind) => existsSync(join(ROOT, "fixtures/lint", rule, kind, "wssgen.yaml")))
        .map(
          (kind) =>
            [`lint/${rule}/${kind}`, readFileSync(join(ROOT, "fixtures/lint", rule, kind, "wssgen.yaml"), "utf8")] as const,
        ),
    ),
    ["check/mixed", readFileSync(join(ROOT, "fixtures/check/mixed/wssgen.yaml"), "utf8")] as const,
    ["init (plain)", initText(INIT_DEFAULTS)] as const,
    ["init (tls)", initText({ ...INIT_DEFAULTS, cert: "/etc/ssl/a.pem", key: "/etc/ssl/a.key" })] as const,
  ];

  it.each(valid)("%s: both accept", (_name, text) => {
    expect(cliVerdict(text)).toEqual({ verdict: "accepts", messages: [] });
    expect(editorValidates(editorData(text)), JSON.stringify(editorValidates.errors?.slice(0, 3))).toBe(true);
  });

  const invalid = fixtures("invalid").filter((f) => !NOT_SCHEMA.has(f.name));
  it.each(invalid.map((f) => [f.name, f.text] as const))("invalid/%s: the editor agrees with the CLI's schema", (name, text) => {
    const data = editorData(text);
    const cli = cliVerdict(text);
    expect(cli.verdict).toBe("rejects");
    const schemaVerdict = verdict(configSchema.safeParse(withoutExtensions(data)).success);
    expect(verdict(editorValidates(data))).toBe(schemaVerdict);
    const crossField = CROSS_FIELD.get(name);
    if (crossField) {
      // the known cross-field set: the schema (and the editor) accept, the CLI's semantic rules reject
      expect(schemaVerdict).toBe("accepts");
      for (const message of cli.messages) expect(message).toMatch(crossField);
    } else {
      expect(schemaVerdict, `invalid/${name} is rejected only by a cross-field rule; list it in CROSS_FIELD`).toBe("rejects");
    }
  });

  it("the cross-field set names only fixtures that exist", () => {
    const names = new Set(fixtures("invalid").map((f) => f.name));
    for (const name of [...CROSS_FIELD.keys(), ...NOT_SCHEMA]) expect(names.has(name), name).toBe(true);
  });
});

/** A valid config to change one value in. */
type Tree = { [key: string | number]: unknown };

function base(): Tree {
  return {
    nginx: { version: "1.22", binary: "nginx", target: "/etc/nginx/conf.d/w.conf", reload: ["nginx", "-s", "reload"] },
    defaults: { timeouts: { connect: "5s", read: "1h", send: "1h" }, headers: { "X-A": "$host" } },
    upstreams: { chat: { servers: ["10.0.0.5:8080", { address: "10.0.0.6:8080", weight: 2 }], keepalive: 4 } },
    sites: [
      {
        domains: ["chat.example.com"],
        listen: 443,
        tls: { certificate: "/etc/ssl/a.pem", key: "/etc/ssl/a.key", hsts: { maxAge: 63072000 } },
        routes: [{ path: "/ws", upstream: "chat", origins: ["https://chat.example.com"], maxConnectionsPerIp: 10 }],
      },
    ],
  };
}

function withValue(path: (string | number)[], value: unknown): Tree {
  const config = base();
  let node = config;
  for (const key of path.slice(0, -1)) node = (node[key] ??= {}) as Tree;
  node[path[path.length - 1]!] = value;
  return config;
}

type Case = [where: string, value: unknown];
const at = (where: string): (string | number)[] => where.split(".").map((part) => (/^\d+$/.test(part) ? Number(part) : part));

/** Values each single-field rule refuses: the CLI and the editor must both refuse each one. */
const REFUSED: Case[] = [
  // nginx.version and openssl: major.minor[.patch], small numbers, no spaces, at least 1.18, quoted
  ["nginx.version", "99999999999999999999.1"],
  ["nginx.version", "1.22 "],
  [" nginx.version", " 1.22"],
  ["nginx.version", "1.022"],
  ["nginx.version", "1.16"],
  ["nginx.version", "0.9"],
  ["nginx.version", "1"],
  ["nginx.version", "1.2.3.4"],
  ["nginx.version", 1.22],
  ["nginx.openssl", "3.5 "],
  ["nginx.openssl", "3.x"],
  ["nginx.namespace", "Chat"],
  ["nginx.namespace", "1chat"],
  ["nginx.binary", ""],
  ["nginx.binary", "ng\ninx"],
  ["nginx.reload", []],
  ["nginx.reload.0", "a\u0000"],
  ["nginx.mainConfig", "nginx.conf"],
  ["nginx.target", "/etc/nginx/a$b.conf"],
  ["nginx.target", "/etc/nginx/a.conf "],
  ["nginx.workerShutdownTimeout", "106751991168d"],
  ["nginx.workerShutdownTimeout", "9223372036854775808ms"],
  ["nginx.workerShutdownTimeout", "10 m"],
  ["nginx.workerShutdownTimeout", -1],
  ["nginx.workerShutdownTimeout", 1.5],
  ["nginx.workerShutdownTimeout", 9007199254740992],
  ["nginx.unknown", 1],
  // durations: proxy timeouts are > 0 and within ngx_parse_time's millisecond limits
  ["defaults.timeouts.read", 0],
  ["defaults.timeouts.read", "0s"],
  ["defaults.timeouts.read", "000ms"],
  ["defaults.timeouts.connect", "9223372036854776s"],
  ["defaults.timeouts.send", "153722867280913m"],
  ["defaults.timeouts.send", "2562047788016h"],
  ["defaults.timeouts.send", "1y"],
  ["defaults.timeouts.send", "1h30m"],
  ["defaults.timeouts.send", "30"],
  ["defaults.timeouts.send", true],
  ["defaults.timeouts.idle", "1h"],
  ["defaults.headers.X A", "x"],
  ["defaults.headers.X-B", "costs $5"],
  ["defaults.headers.X-B", "a\u2028b"],
  ["defaults.headers.X-B", "x".repeat(1001)],
  ["defaults.headers.X-B", 5],
  // upstreams
  ["upstreams.chat name", { servers: ["10.0.0.5:80"] }],
  ["upstreams.chat.servers", []],
  ["upstreams.chat.servers.0", "http://10.0.0.5:8080"],
  ["upstreams.chat.servers.0", "10.0.0.5:0"],
  ["upstreams.chat.servers.0", "10.0.0.5:65536"],
  ["upstreams.chat.servers.0", "[fe80::1%eth0]:80"],
  ["upstreams.chat.servers.0", "[nope]:80"],
  ["upstreams.chat.servers.0", "unix:relative.sock"],
  ["upstreams.chat.servers.0", `unix:/${"a".repeat(107)}`],
  ["upstreams.chat.servers.0", "chat.internal.:80"],
  ["upstreams.chat.servers.0", `${"a".repeat(254)}:80`],
  ["upstreams.chat.servers.1.address", "a b:80"],
  ["upstreams.chat.servers.1.weight", 0],
  ["upstreams.chat.servers.1.weight", 9007199254740992],
  ["upstreams.chat.servers.1.weight", 1.5],
  ["upstreams.chat.servers.1.maxFails", -1],
  ["upstreams.chat.servers.1.failTimeout", "500ms"],
  ["upstreams.chat.servers.1.failTimeout", "106751991167301d"],
  ["upstreams.chat.servers.1.backup", "yes"],
  ["upstreams.chat.servers.1.port", 80],
  ["upstreams.chat.balance", "round_robin"],
  ["upstreams.chat.hashKey", " "],
  ["upstreams.chat.hashKey", "$"],
  ["upstreams.chat.keepalive", -1],
  ["upstreams.chat.keepalive", 1048577],
  // sites
  ["sites.0.name", "a b"],
  ["sites.0.domains", []],
  ["sites.0.domains.0", "chat.example.com."],
  ["sites.0.domains.0", "~^re$"],
  ["sites.0.domains.0", "12345"],
  ["sites.0.domains.0", "*.*"],
  ["sites.0.domains.0", "a..com"],
  ["sites.0.domains.0", `${"a".repeat(60)}.${"b".repeat(60)}.${"c".repeat(60)}.${"d".repeat(60)}.${"e".repeat(10)}.com`],
  ["sites.0.domains.0", "chat.123"],
  ["upstreams.chat.servers.0", "1.2.3:80"],
  ["sites.0.routes.0.origins.0", "https://300.0.0.1"],
  ["sites.0.listen", "443 ssl"],
  ["sites.0.listen", 0],
  ["sites.0.listen", 65536],
  ["sites.0.listen", "0"],
  ["sites.0.listen", "127.0.0.1"],
  ["sites.0.listen", "[::]"],
  ["sites.0.listen", "300.0.0.1:80"],
  ["sites.0.listen", []],
  ["sites.0.listen", [443, "x"]],
  ["sites.0.http2", "on"],
  ["sites.0.tls.certificate", "cert.pem"],
  ["sites.0.tls.key", "/etc/ssl/${x}.key"],
  ["sites.0.tls.profile", "old"],
  ["sites.0.tls.sessionTimeout", "1500ms"],
  ["sites.0.tls.hsts", "yes"],
  ["sites.0.tls.hsts.maxAge", -1],
  ["sites.0.tls.hsts.maxAge", "999ms"],
  ["sites.0.tls.hsts.maxAge", 9007199254740992],
  ["sites.0.tls.hsts.maxAge", "104249991375d"],
  ["sites.0.tls.hsts.includeSubDomains", true],
  ["sites.0.redirectHttp", { listen: "80 default_server" }],
  ["sites.0.routes", []],
  ["sites.0.routes.0.path", "ws"],
  ["sites.0.routes.0.path", "= ws"],
  ["sites.0.routes.0.path", "/a b"],
  ["sites.0.routes.0.path", "/$x"],
  ["sites.0.routes.0.path", `/${"a".repeat(1000)}`],
  ["sites.0.routes.0.upstream", "a.b"],
  ["sites.0.routes.0.origins", []],
  ["sites.0.routes.0.origins.0", "https://chat.example.com/"],
  ["sites.0.routes.0.origins.0", "https://chat.example.com/app"],
  ["sites.0.routes.0.origins.0", "https://Chat.example.com"],
  ["sites.0.routes.0.origins.0", "https://chat.example.com:443"],
  ["sites.0.routes.0.origins.0", "http://chat.example.com:80"],
  ["sites.0.routes.0.origins.0", "https://chat.example.com:0443"],
  ["sites.0.routes.0.origins.0", "https://[::ABCD]"],
  ["sites.0.routes.0.origins.0", "ftp://a.com"],
  ["sites.0.routes.0.origins.0", "null"],
  ["sites.0.routes.0.maxConnectionsPerIp", 0],
  ["sites.0.routes.0.maxConnectionsPerIp", 65536],
  ["sites.0.routes.0.timeouts.read", "0m"],
  ["sites.0.routes.0.websocket", 1],
  // issue 11: backends over TLS, names that move, sticky cookies, access control, rate limits
  ["upstreams.chat.tls", "yes"],
  ["upstreams.chat.tls", { verify: "no", serverName: "chat.internal" }],
  ["upstreams.chat.tls", { ca: "ca.pem", serverName: "chat.internal" }],
  ["upstreams.chat.tls", { serverName: "chat internal" }],
  ["upstreams.chat.tls", { serverName: "chat.internal", key: "/etc/ssl/${x}.key", certificate: "/etc/ssl/c.pem" }],
  ["upstreams.chat.tls", { serverName: "chat.internal", sni: true }],
  ["upstreams.chat.tls", { serverName: "*.internal" }],
  ["upstreams.chat.tls", { serverName: "10.0.0.5" }],
  ["upstreams.chat.tls", { serverName: "[::1]" }],
  ["upstreams.chat.resolve", "yes"],
  ["upstreams.chat.sticky", "srv_id"],
  ["upstreams.chat.sticky", { cookie: "srv id" }],
  ["upstreams.chat.sticky", { cookie: "a".repeat(65) }],
  ["upstreams.chat.sticky", { cookie: "srv_id", path: "/" }],
  ["resolver", { addresses: ["dns.internal"] }],
  ["resolver", { addresses: ["::1"] }],
  ["resolver", { addresses: ["127.0.0.1:0"] }],
  ["resolver", { addresses: ["127.0.0.1:65536"] }],
  ["resolver", { addresses: [] }],
  ["resolver", { addresses: ["127.0.0.11"], valid: "10 s" }],
  ["resolver", { addresses: ["127.0.0.11"], valid: 0 }],
  ["resolver", { addresses: ["127.0.0.11"], valid: "0s" }],
  ["resolver", "127.0.0.11"],
  ["sites.0.routes.0.access", { allow: [] }],
  ["sites.0.routes.0.access", { allow: ["cdn.example.com"] }],
  ["sites.0.routes.0.access", { allow: ["10.0.0.0/33"] }],
  ["sites.0.routes.0.access", { basicAuth: { userFile: "/etc/nginx/htpasswd", realm: "Pay $5" } }],
  ["sites.0.routes.0.access", { basicAuth: { userFile: "/etc/nginx/htpasswd", realm: "" } }],
  ["sites.0.routes.0.access", { basicAuth: { realm: "Admin" } }],
  ["sites.0.routes.0.access", { basicAuth: { userFile: "htpasswd" } }],
  ["sites.0.routes.0.access", { forwardAuth: { url: "http://127.0.0.1:9091/verify?rd=1" } }],
  ["sites.0.routes.0.access", { forwardAuth: { url: "http://127.0.0.1:9091/verify#x" } }],
  ["sites.0.routes.0.access", { forwardAuth: { url: "http://127.0.0.1:9091/$uri" } }],
  ["sites.0.routes.0.access", { forwardAuth: { url: "ftp://auth.example.com/verify" } }],
  ["sites.0.routes.0.access", { forwardAuth: { url: "http://auth example/verify" } }],
  ["sites.0.routes.0.access", { forwardAuth: { url: "http://127.0.0.1:99999/verify" } }],
  ["sites.0.routes.0.access", { forwardAuth: { url: "http://a.example/", responseHeaders: ["Remote User"] } }],
  ["sites.0.routes.0.access", { forwardAuth: { url: "http://a.example/", responseHeaders: "Remote-User" } }],
  ["sites.0.routes.0.rateLimit", "10r/s"],
  ["sites.0.routes.0.rateLimit", { rate: "0r/s" }],
  ["sites.0.routes.0.rateLimit", { rate: "000r/m" }],
  ["sites.0.routes.0.rateLimit", { rate: "10r/h" }],
  ["sites.0.routes.0.rateLimit", { rate: "10 r/s" }],
  ["sites.0.routes.0.rateLimit", { rate: "10/s" }],
  ["sites.0.routes.0.rateLimit", { rate: "1000001r/s" }],
  ["sites.0.routes.0.rateLimit", { rate: 10 }],
  ["sites.0.routes.0.rateLimit", { burst: 5 }],
  ["sites.0.routes.0.rateLimit", { rate: "10r/s", burst: -1 }],
  ["sites.0.routes.0.rateLimit", { rate: "10r/s", burst: 1000001 }],
  ["sites.0.routes.0.rateLimit", { rate: "10r/s", burst: 1.5 }],
  ["sites.0.routes.0.rateLimit", { rate: "10r/s", burst: "5" }],
  ["lint.rules.no-such-rule", "off"],
  ["lint.rules.origin-missing", "loud"],
  ["$schema", 5],
  ["extra", 1],
  ["X-top", 1],
];

/** Values at the edge of nginx's (or the standard's) range: the CLI and the editor must both take each one. */
const TAKEN: Case[] = [
  ["nginx.version", "1.18"],
  ["nginx.version", "1.25.1"],
  ["nginx.version", "2.0"],
  ["nginx.openssl", "3.0.13"],
  ["nginx.workerShutdownTimeout", 0],
  ["nginx.workerShutdownTimeout", "106751991167d"],
  ["nginx.workerShutdownTimeout", "9223372036854775807ms"],
  ["nginx.workerShutdownTimeout", 9007199254740991],
  ["defaults.timeouts.read", "1ms"],
  ["defaults.timeouts.read", "9223372036854775s"],
  ["defaults.timeouts.read", "0060s"],
  ["defaults.timeouts.connect", "153722867280912m"],
  ["defaults.timeouts.send", "2562047788015h"],
  ["upstreams.chat.servers.0", "10.0.0.5:065535"],
  ["upstreams.chat.servers.0", "[::ffff:10.0.0.5]:8080"],
  ["upstreams.chat.servers.0", "[2001:DB8::5]:1"],
  ["upstreams.chat.servers.0", `unix:/${"a".repeat(106)}`],
  ["upstreams.chat.servers.1.weight", 9007199254740991],
  ["upstreams.chat.servers.1.maxFails", 0],
  ["upstreams.chat.servers.1.maxFails", 9007199254740991],
  ["upstreams.chat.servers.1.failTimeout", "106751991167300d"],
  ["upstreams.chat.servers.1.failTimeout", 0],
  ["upstreams.chat.keepalive", 0],
  ["upstreams.chat.keepalive", 1048576],
  ["sites.0.listen", 65535],
  ["sites.0.listen", "0443"],
  ["sites.0.listen", "[::1]:443"],
  ["sites.0.listen", [1, "*:65535"]],
  ["sites.0.tls.hsts.maxAge", 31536000],
  ["sites.0.tls.hsts.maxAge", 0],
  ["sites.0.tls.hsts.maxAge", 9007199254740991],
  ["sites.0.tls.hsts.maxAge", "104249991374d"],
  ["sites.0.tls.sessionTimeout", "9223372036854775807s"],
  ["sites.0.domains.0", "xn--bcher-kva.example"],
  ["sites.0.domains.0", "example.*"],
  ["sites.0.domains.0", `${"a".repeat(63)}.${"b".repeat(63)}.${"c".repeat(63)}.${"d".repeat(57)}.com`],
  ["sites.0.routes.0.origins.0", "http://localhost:3000"],
  ["sites.0.routes.0.origins.0", "https://[::1]:8443"],
  ["sites.0.routes.0.maxConnectionsPerIp", 65535],
  ["defaults.headers.X-B", "x".repeat(1000)],
  ["defaults.headers.X-B", "$host-é"],
  ["x-anchors", { timeouts: { read: "2h" } }],
  ["upstreams.chat.tls", false],
  ["upstreams.chat.tls", { serverName: "chat.internal" }],
  ["upstreams.chat.tls", { verify: false, serverName: "chat.internal" }],
  ["upstreams.chat.tls", { ca: "/etc/wssgen/ca.pem", serverName: "chat.internal", certificate: "/c.pem", key: "/k.pem" }],
  ["upstreams.chat.sticky", { cookie: "a".repeat(64) }],
  ["upstreams.chat.sticky", { cookie: "SRV-id_2" }],
  ["resolver", { addresses: ["127.0.0.11", "127.0.0.1:5353", "[::1]", "[2001:db8::53]:65535"], valid: "10s" }],
  ["sites.0.routes.0.access", { allow: ["10.0.0.0/8", "2001:db8::/32", "192.0.2.7", "unix:"] }],
  ["sites.0.routes.0.access", { basicAuth: { userFile: "/etc/nginx/htpasswd", realm: "Admin area (staff)" } }],
  [
    "sites.0.routes.0.access",
    { forwardAuth: { url: "https://auth.example.com:9091/api/verify", responseHeaders: ["Remote-User"] } },
  ],
  ["sites.0.routes.0.access", { forwardAuth: { url: "http://auth" } }],
  ["sites.0.routes.0.rateLimit", { rate: "1r/m" }],
  ["sites.0.routes.0.rateLimit", { rate: "1000000r/s", burst: 1000000 }],
  ["sites.0.routes.0.rateLimit", { rate: "30r/m", burst: 0 }],
];

/** zod's own wording, which must never reach a user. */
const ZOD_WORDING = /Too (big|small)|Invalid (input|string|option|key)|expected (int|number) to be|Unrecognized key|received/;

function caseValue([where, value]: Case): Tree {
  const trimmed = where.trim();
  if (trimmed.endsWith(" name")) {
    // a key that is itself the value: rename the upstream
    const config = base();
    config.upstreams = { [trimmed.replace(/^upstreams\./, "").replace(/ name$/, "") + "!"]: value };
    return config;
  }
  if (!trimmed.includes(".")) return { ...base(), [trimmed]: value };
  return withValue(at(trimmed), value);
}

describe("single-field rules: the CLI and the editor agree value by value", () => {
  it.each(REFUSED.map((c) => [c[0].trim(), JSON.stringify(c[1]).slice(0, 40), c] as const))(
    "%s = %s is refused by both, with wssgen's message",
    (_where, _shown, c) => {
      const config = caseValue(c);
      const cli = cliVerdict(JSON.stringify(config));
      expect(cli.verdict).toBe("rejects");
      expect(configSchema.safeParse(withoutExtensions(config)).success, "a single-field rule, not a cross-field one").toBe(false);
      expect(editorValidates(config)).toBe(false);
      for (const message of cli.messages) expect(message).not.toMatch(ZOD_WORDING);
    },
  );
  it.each(TAKEN.map((c) => [c[0], JSON.stringify(c[1]).slice(0, 40), c] as const))("%s = %s is taken by both", (_w, _s, c) => {
    const config = caseValue(c);
    expect(cliVerdict(JSON.stringify(config))).toEqual({ verdict: "accepts", messages: [] });
    expect(editorValidates(config), JSON.stringify(editorValidates.errors?.slice(0, 2))).toBe(true);
  });
});

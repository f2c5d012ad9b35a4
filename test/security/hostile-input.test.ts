/**
 * Hostile input (docs/config.md, "Values": quoting): no value from the config changes the structure of the output. For generated hostile
 * strings in every user-controlled field, the config is either rejected with a ConfigError naming the
 * field, or rendered so that the directive structure equals the one rendered from harmless values and
 * nginx reads the value back exactly, whether it is printed bare or quoted.
 */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { interpolate } from "../../src/config/interpolate.js";
import { parseConfig } from "../../src/config/load.js";
import { ConfigError } from "../../src/errors.js";
import { render } from "../../src/render/render.js";
import { parseVersion } from "../../src/nginx-version/version.js";
import { allArgs, parseNginx, skeleton, type Directive } from "../../src/util/nginx-syntax.js";
import { needsQuotes, quote } from "../../src/render/quote.js";
import { wildcardOriginKey } from "../../src/render/view.js";
import { readDirective } from "../../src/config/directives.js";

const HOSTILE_CHARS = [
  ..."aZ09.-_/:*$@~=+,% ",
  ..."\";{}#'\\()[]\n\r\t\u0000\u007f\u00e9\u2028\u202e",
  "\u{1F600}",
  "$host",
  "${x}",
  '\\"',
  "};",
  "\r\n",
];
const hostile = fc.oneof(
  fc.string({ unit: fc.constantFrom(...HOSTILE_CHARS), maxLength: 24 }),
  fc.string({ unit: "grapheme", maxLength: 16 }),
  fc.constantFrom(
    "a".repeat(1100),
    "x".repeat(5000),
    "",
    " ",
    "$",
    "$$",
    "${",
    "\\",
    '"',
    "'",
    "#",
    "\u0000",
    "__proto__",
    "constructor",
    "toString",
  ),
);

/** Wildcard origins around hostile text: accepted only when what follows `*.` is a plain domain. */
const hostileWildcard = fc
  .tuple(
    fc.constantFrom("https://*.", "http://*.", "https://*", "https://a*."),
    fc.oneof(hostile, fc.constantFrom("example", "a-1.example.co", "*.example")),
    fc.constantFrom("", ".com", ":8443"),
  )
  .map(([head, middle, tail]) => `${head}${middle}${tail}`);

interface Fields {
  domain: string;
  headerName: string;
  headerValue: string;
  hashKey: string;
  certificate: string;
  path: string;
  origin: string;
  address: string;
  upstream: string;
  siteName: string;
  listen: string;
  // issue 11: backends over TLS, names that move, sticky cookies, access control, rate limits
  tlsCa: string;
  tlsServerName: string;
  tlsCertificate: string;
  tlsKey: string;
  tlsVerify: unknown;
  resolverAddress: string;
  resolverValid: unknown;
  cookie: string;
  allow: string;
  userFile: string;
  realm: string;
  authUrl: string;
  authHeader: string;
  rate: string;
  burst: unknown;
}

const SAFE: Fields = {
  domain: "a.example.com",
  headerName: "X-A",
  headerValue: "v",
  hashKey: "$remote_addr",
  certificate: "/c.pem",
  path: "/ws",
  origin: "https://a.example.com",
  address: "10.0.0.1:80",
  upstream: "up",
  siteName: "site",
  listen: "8443",
  tlsCa: "/etc/ssl/ca.pem",
  tlsServerName: "backend.internal",
  tlsCertificate: "/etc/ssl/client.pem",
  tlsKey: "/etc/ssl/client.key",
  tlsVerify: true,
  resolverAddress: "127.0.0.1:5353",
  resolverValid: "10s",
  cookie: "srv_id",
  allow: "10.0.0.0/8",
  userFile: "/etc/nginx/htpasswd",
  realm: "Admin",
  authUrl: "http://127.0.0.1:9091/verify",
  authHeader: "Remote-User",
  rate: "10r/s",
  burst: 20,
};

/** Hostile text after an absolute directory: most hostile text is refused by a file path's first character alone. */
const hostilePath = fc.oneof(
  hostile,
  fc.tuple(fc.constantFrom("/", "/etc/ssl/", "/a b/"), hostile).map(([dir, rest]) => `${dir}${rest}`),
);
/** Hostile text before a domain's last labels. */
const hostileHost = fc.oneof(
  hostile,
  fc.tuple(hostile, fc.constantFrom(".example.com", ".internal", "")).map(([head, tail]) => `${head}${tail}`),
);
const numberOrHostile = fc.oneof(
  hostile,
  fc.integer({ min: 0, max: 70000 }).map(String),
  fc.constantFrom("", "0", "00", "1.5", "-1"),
);

/** Every field's values: hostile text, and for many fields values of their own kind around it. */
const VALUES: Partial<Record<keyof Fields, fc.Arbitrary<unknown>>> = {
  origin: fc.oneof(hostile, hostileWildcard),
  certificate: hostilePath,
  // (a prefix location: "= /x" would rightly add the "=" argument)
  path: fc.oneof(
    hostile,
    fc.tuple(fc.constantFrom("/", "/ws/"), hostile).map(([dir, rest]) => `${dir}${rest}`),
  ),
  tlsCa: hostilePath,
  tlsCertificate: hostilePath,
  tlsKey: hostilePath,
  userFile: hostilePath,
  tlsServerName: hostileHost,
  // hostile text alone is rarely valid for these: values of their own kind around it too, so that
  // every run quotes some accepted values
  domain: fc.oneof(
    hostile,
    hostileHost,
    fc
      .tuple(fc.constantFrom("*.", "", "www."), fc.stringMatching(/^[a-z0-9-]{1,12}$/), fc.constantFrom(".example.com", ".*", ""))
      .map(([head, label, tail]) => `${head}${label}${tail}`),
  ),
  address: fc.oneof(
    hostile,
    fc
      .tuple(
        fc.oneof(hostileHost, fc.constantFrom("10.0.0.5", "[::1]", "unix:/run/a.sock")),
        fc.oneof(
          fc.constant(""),
          numberOrHostile.map((p) => `:${p}`),
        ),
      )
      .map(([host, port]) => `${host}${port}`),
  ),
  authHeader: fc.oneof(hostile, fc.stringMatching(/^[A-Za-z0-9_-]{1,20}$/)),
  headerName: fc.oneof(hostile, fc.stringMatching(/^[A-Za-z0-9_-]{1,20}$/)),
  upstream: fc.oneof(hostile, fc.stringMatching(/^[A-Za-z0-9_-]{1,20}$/)),
  cookie: fc.oneof(hostile, fc.stringMatching(/^[A-Za-z0-9_-]{1,20}$/)),
  // a bare port (an address would rightly drop the [::] listen that ipv6 adds)
  listen: numberOrHostile,
  resolverAddress: fc.oneof(
    hostile,
    fc
      .tuple(
        fc.constantFrom("127.0.0.1", "10.0.0.53", "[::1]", "[2001:db8::53]", "::1", "dns.internal", "127.0.0"),
        fc.oneof(
          fc.constant(""),
          numberOrHostile.map((port) => `:${port}`),
        ),
      )
      .map(([host, port]) => `${host}${port}`),
  ),
  // a boolean key: every string is refused; false would rightly drop proxy_ssl_verify
  tlsVerify: fc.oneof(hostile, fc.constant(true)),
  resolverValid: fc.oneof(hostile, fc.constantFrom(0, 1, 30, "5m", "1h", "0s", -1, 1.5, "10 s")),
  // plain http keeps the auth location's structure (https adds proxy_ssl_*): hostile text after a scheme and host
  authUrl: fc.oneof(
    hostile,
    fc
      .tuple(fc.constantFrom("http://127.0.0.1:9091", "http://auth.example", "http://[::1]:1", "http://a_b.example"), hostile)
      .map(([head, tail]) => `${head}${tail}`),
  ),
  allow: fc.oneof(
    hostile,
    fc.constantFrom("unix:", "::/0", "0.0.0.0/0", "10.0.0.0/33", "2001:db8::/129", "all"),
    fc.tuple(fc.constantFrom("10.0.0.", "2001:db8::", "192.0.2.7/"), numberOrHostile).map(([head, tail]) => `${head}${tail}`),
  ),
  rate: fc.oneof(
    hostile,
    fc
      .tuple(fc.integer({ min: 0, max: 2_000_000 }), fc.constantFrom("r/s", "r/m", "r/h", " r/s", "r/S"))
      .map(([n, u]) => `${n}${u}`),
    fc.constantFrom("010r/s", "1r/m", "1000000r/s"),
  ),
  // 0 would rightly drop burst= and nodelay
  burst: fc.oneof(hostile, fc.integer({ min: 1, max: 2_000_000 }), fc.constantFrom(-1, 1.5, 1e21, "5")),
};

/** What nginx must read for an accepted value, when it is not the value itself. */
const READ_AS: Partial<Record<keyof Fields, (written: string) => string>> = {
  upstream: (w) => `wssgen_${w}`, // the upstream block's name: prefixed
  siteName: (w) => `${w}/ws`, // the route's key starts with it
  tlsVerify: () => "on",
  resolverValid: (w) => `valid=${/^\d+$/.test(w) ? `${w}s` : w}`,
  rate: (w) => `rate=${w}`,
  // a URL without a path asks the service for / (proxy_pass with a URI part), not wssgen's internal location
  authUrl: (w) => (/^https?:\/\/[^/]+$/.test(w) ? `${w}/` : w),
  burst: (w) => `burst=${w}`,
};

function config(f: Fields): string {
  // JSON: every string goes in exactly as generated, with no YAML reinterpretation
  return JSON.stringify({
    resolver: { addresses: [f.resolverAddress], valid: f.resolverValid },
    upstreams: {
      [f.upstream]: { servers: [f.address, "10.0.0.2:80"], balance: "hash", hashKey: f.hashKey },
      moving: { servers: ["chat.internal:80"], resolve: true, sticky: { cookie: f.cookie } },
      secure: {
        servers: ["10.0.0.3:443"],
        tls: { verify: f.tlsVerify, ca: f.tlsCa, serverName: f.tlsServerName, certificate: f.tlsCertificate, key: f.tlsKey },
      },
    },
    sites: [
      {
        name: f.siteName,
        domains: [f.domain, "b.example.com"],
        listen: f.listen,
        tls: { certificate: f.certificate, key: f.certificate },
        routes: [
          {
            path: f.path,
            upstream: f.upstream,
            origins: [f.origin],
            headers: { [f.headerName]: f.headerValue },
            access: {
              allow: [f.allow],
              basicAuth: { userFile: f.userFile, realm: f.realm },
              forwardAuth: { url: f.authUrl, responseHeaders: [f.authHeader] },
            },
            rateLimit: { rate: f.rate, burst: f.burst },
          },
          { path: "/moving", upstream: "moving" },
          { path: "/secure", upstream: "secure" },
        ],
      },
    ],
  });
}

/** Rendered for nginx 1.30, which has every key (resolve needs 1.27.3, sticky 1.29.6). */
const renderNewest = (text: string) => {
  const { config: c } = parseConfig("wssgen.json", text, {});
  return render(c, { version: parseVersion("1.30")! });
};
/** The structure of the output: map entries are data (a route's key and an origin), so only their number counts. */
const shape = (directives: Directive[]): Directive[] =>
  directives.map((d) => ({
    ...d,
    block: d.block && (d.name === "map" ? d.block.map((entry) => ({ ...entry, name: "entry" })) : shape(d.block)),
  }));
const expectedSkeleton = skeleton(shape(parseNginx(renderNewest(config(SAFE)))));

describe("hostile input never changes the output's structure", () => {
  /** Accepted values per field: a field whose every value is refused would prove nothing about quoting. */
  const accepted = new Map<keyof Fields, Set<string>>();
  it.each(Object.keys(SAFE) as (keyof Fields)[])("field %s", (field) => {
    fc.assert(
      fc.property(VALUES[field] ?? hostile, (value) => {
        let output: string;
        try {
          output = renderNewest(config({ ...SAFE, [field]: value }));
        } catch (error) {
          expect(error).toBeInstanceOf(ConfigError); // rejected, with a located message, never a crash
          expect((error as ConfigError).problems.length).toBeGreaterThan(0);
          return;
        }
        const parsed = parseNginx(output);
        expect(skeleton(shape(parsed))).toBe(expectedSkeleton);
        // accepted values reach nginx exactly as written (READ_AS: the upstream name is prefixed, the
        // site name starts the route's key, ...; the origin is in a map key, the listen value is the whole argument)
        const args = allArgs(parsed);
        // (after ${VAR} interpolation, the one documented transformation: `$${` writes a literal `${`)
        const written = String(interpolate(value, {}, () => ({ file: "", line: 0, column: 0, path: "", message: "" })).data);
        const expected = READ_AS[field]?.(written) ?? written;
        accepted.set(field, (accepted.get(field) ?? new Set()).add(written));
        if (field !== "origin") expect(args).toContain(expected);
        else
          expect(
            parsed.find((d) => d.name === "map" && d.args[0]!.includes("$http_origin"))!.block!.map((e) => e.name),
          ).toContain(written.includes("://*.") ? wildcardOriginKey("site/ws", written) : `site/ws ${written}`);
      }),
      { numRuns: 300 },
    );
  });

  it("each field's runs took values besides its safe one (a boolean only true)", () => {
    for (const field of Object.keys(SAFE) as (keyof Fields)[])
      expect(accepted.get(field)?.size ?? 0, field).toBeGreaterThan(field === "tlsVerify" ? 0 : 2);
  });

  it.each(["siteName", "path"] as const)("field %s beside a wildcard origin (its key is escaped into a regex)", (field) => {
    const wildcard = { ...SAFE, origin: "https://*.example.com" };
    const skeletonOf = skeleton(shape(parseNginx(renderNewest(config(wildcard)))));
    fc.assert(
      fc.property(hostile, (value) => {
        let output: string;
        try {
          output = renderNewest(config({ ...wildcard, [field]: value }));
        } catch (error) {
          expect(error).toBeInstanceOf(ConfigError);
          return;
        }
        const parsed = parseNginx(output);
        expect(skeleton(shape(parsed))).toBe(skeletonOf);
        const key = parsed
          .flatMap(function locations(d): Directive[] {
            return d.name === "location" ? [d] : (d.block ?? []).flatMap(locations);
          })[0]!
          .block!.find((d) => d.name === "set")!.args[1]!;
        const entries = parsed.find((d) => d.name === "map" && d.args[0]!.includes("$http_origin"))!.block!.map((e) => e.name);
        expect(entries).toContain(wildcardOriginKey(key, "https://*.example.com"));
        // the regex matches its own key with one more label, and nothing else
        const regex = new RegExp(wildcardOriginKey(key, "https://*.example.com").slice(2), "i");
        expect(regex.test(`${key} https://a.example.com`)).toBe(true);
        expect(regex.test(`${key} https://a.b.example.com`)).toBe(false);
        expect(regex.test(`${key}x https://a.example.com`)).toBe(false);
      }),
      { numRuns: 200 },
    );
  });

  it("a header value with any special character is printed bare exactly when nothing in it needs quotes", () => {
    const printed = { bare: 0, quoted: 0 };
    fc.assert(
      fc.property(fc.string({ unit: fc.constantFrom(...HOSTILE_CHARS), maxLength: 24 }), (value) => {
        let output: string;
        try {
          output = renderNewest(config({ ...SAFE, headerValue: value }));
        } catch (error) {
          expect(error).toBeInstanceOf(ConfigError);
          return;
        }
        const written = interpolate(value, {}, () => ({ file: "", line: 0, column: 0, path: "", message: "" })).data as string;
        expect(output.split("\n")).toContain(`        proxy_set_header X-A ${quote(written)};`);
        printed[needsQuotes(written) ? "quoted" : "bare"]++;
      }),
      { numRuns: 500 },
    );
    expect(printed.bare).toBeGreaterThan(0);
    expect(printed.quoted).toBeGreaterThan(0);
  });

  it("arbitrary documents are rejected with a ConfigError, never a crash", () => {
    fc.assert(
      fc.property(fc.jsonValue({ maxDepth: 5 }), (value) => {
        try {
          parseConfig("wssgen.json", JSON.stringify(value), {});
        } catch (error) {
          expect(error).toBeInstanceOf(ConfigError);
        }
      }),
      { numRuns: 500 },
    );
  });

  it("arbitrary text is rejected with a ConfigError, never a crash", () => {
    fc.assert(
      fc.property(fc.string({ unit: fc.constantFrom(...HOSTILE_CHARS, ..."\n  - :[]{}&*!|>%@`"), maxLength: 80 }), (text) => {
        try {
          parseConfig("wssgen.yaml", text, {});
        } catch (error) {
          expect(error).toBeInstanceOf(ConfigError);
        }
      }),
      { numRuns: 500 },
    );
  });
});

/**
 * `directives` entries (the escape hatch, docs/directives.md) at each level: an entry is refused, or
 * becomes exactly one simple directive at its level with the arguments nginx's lexer reads from it
 * (util/nginx-syntax.ts follows ngx_conf_read_token), printed through quote.ts: the output's
 * structure is the one an entry of the same name and argument count with harmless arguments gives,
 * so no argument smuggles a `;`, `{`, `}`, line break or comment into it.
 */
describe("hostile directives entries never change the output's structure", () => {
  type Level = "http" | "server" | "location";
  const withEntry = (level: Level, entry: string) =>
    JSON.stringify({
      upstreams: { up: { servers: ["10.0.0.1:80"] } },
      ...(level === "http" ? { directives: [entry] } : {}),
      sites: [
        {
          domains: ["a.example.com"],
          tls: { certificate: "/c.pem", key: "/k.pem" },
          ...(level === "server" ? { directives: [entry] } : {}),
          routes: [
            {
              path: "/ws",
              upstream: "up",
              origins: ["https://a.example.com"],
              ...(level === "location" ? { directives: [entry] } : {}),
            },
            { path: "/other", upstream: "up" },
          ],
        },
      ],
    });
  const NAMES = [
    "proxy_buffer_size",
    "large_client_header_buffers",
    "add_header",
    "error_page",
    "proxy_hide_header",
    "return",
    "set",
    "access_log",
    "include",
    "listen",
    "proxy_set_header",
    "if",
    "location",
    "x",
  ];
  const token = fc.oneof(
    fc.string({ unit: fc.constantFrom(...HOSTILE_CHARS, ..." ;{}#\"'\\"), maxLength: 12 }),
    fc.constantFrom('"a;b"', "'{'", '"}"', "a\\;b", "\\#", '"\\n"', "a\\tb", "${x}", "$wssgen_route", "#", ";", "{", "}", '"'),
  );
  const entry = fc.oneof(
    fc
      .tuple(fc.constantFrom(...NAMES), fc.array(token, { maxLength: 4 }), fc.constantFrom("", ";", " ;", ";;", "; x y"))
      .map(([name, args, end]) => [name, ...args].join(" ") + end),
    fc.tuple(fc.constantFrom(...NAMES), hostile).map(([name, rest]) => `${name} ${rest}`),
    hostile,
  );
  /** The block of `level` in the parsed output: the http level itself, the site's server, the /ws location. */
  const blockAt = (tree: Directive[], level: Level): Directive[] => {
    if (level === "http") return tree;
    const server = tree.find((d) => d.name === "server" && d.block!.some((x) => x.name === "server_name"))!.block!;
    return level === "server" ? server : server.find((d) => d.name === "location" && d.args.includes("/ws"))!.block!;
  };
  const counts = { refused: 0, rendered: 0 };
  const interpolated = (text: string): string =>
    interpolate(text, {}, () => ({ file: "", line: 0, column: 0, path: "", message: "" })).data as string;

  it.each(["http", "server", "location"] as const)("at %s level", (level) => {
    fc.assert(
      fc.property(entry, (text) => {
        let output: string;
        try {
          output = renderNewest(withEntry(level, text));
        } catch (error) {
          expect(error).toBeInstanceOf(ConfigError); // refused at its key, never a crash
          expect((error as ConfigError).problems.length).toBeGreaterThan(0);
          counts.refused++;
          return;
        }
        counts.rendered++;
        // the entry as the loader hands it on: "$${" is a literal "${" (config/interpolate.ts)
        const read = readDirective(interpolated(text), level);
        if ("problem" in read) throw new Error(`rendered an entry readDirective refuses: ${read.problem}`);
        // the same name and as many harmless arguments: the structure must be the same
        const harmless = [read.name, ...read.args.map((_, i) => `a${i}`)].join(" ");
        const parsed = parseNginx(output);
        expect(skeleton(parsed)).toBe(skeleton(parseNginx(renderNewest(withEntry(level, harmless)))));
        // and at its level, the directive nginx reads has exactly the entry's arguments
        const mine = blockAt(parsed, level).filter((d) => d.name === read.name && !d.block);
        expect(mine.map((d) => d.args)).toContainEqual(read.args);
        // nothing in the output but wssgen's own comment lines starts a comment
        for (const line of output.split("\n"))
          if (line.includes("#") && !line.trimStart().startsWith("#")) expect(line).toMatch(/"[^"]*#/);
      }),
      { numRuns: 2000 },
    );
  });

  it("the runs covered both outcomes", () => {
    expect(counts.refused).toBeGreaterThan(500);
    expect(counts.rendered).toBeGreaterThan(500);
  });
});

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
};

function config(f: Fields): string {
  // JSON: every string goes in exactly as generated, with no YAML reinterpretation
  return JSON.stringify({
    upstreams: { [f.upstream]: { servers: [f.address, "10.0.0.2:80"], balance: "hash", hashKey: f.hashKey } },
    sites: [
      {
        name: f.siteName,
        domains: [f.domain, "b.example.com"],
        listen: f.listen,
        tls: { certificate: f.certificate, key: f.certificate },
        routes: [{ path: f.path, upstream: f.upstream, origins: [f.origin], headers: { [f.headerName]: f.headerValue } }],
      },
    ],
  });
}

const render122 = (text: string) => {
  const { config: c } = parseConfig("wssgen.json", text, {});
  return render(c, { version: parseVersion("1.22")! });
};
/** The structure of the output: map entries are data (a route's key and an origin), so only their number counts. */
const shape = (directives: Directive[]): Directive[] =>
  directives.map((d) => ({
    ...d,
    block: d.block && (d.name === "map" ? d.block.map((entry) => ({ ...entry, name: "entry" })) : shape(d.block)),
  }));
const expectedSkeleton = skeleton(shape(parseNginx(render122(config(SAFE)))));

describe("hostile input never changes the output's structure", () => {
  it.each(Object.keys(SAFE) as (keyof Fields)[])("field %s", (field) => {
    fc.assert(
      fc.property(hostile, (value) => {
        let output: string;
        try {
          output = render122(config({ ...SAFE, [field]: value }));
        } catch (error) {
          expect(error).toBeInstanceOf(ConfigError); // rejected, with a located message, never a crash
          expect((error as ConfigError).problems.length).toBeGreaterThan(0);
          return;
        }
        const parsed = parseNginx(output);
        expect(skeleton(shape(parsed))).toBe(expectedSkeleton);
        // accepted values reach nginx exactly as written (the upstream name is prefixed, the site name
        // starts the route's key, the origin is in a map key, the listen value is the whole argument)
        const args = allArgs(parsed);
        // (after ${VAR} interpolation, the one documented transformation: `$${` writes a literal `${`)
        const written = interpolate(value, {}, () => ({ file: "", line: 0, column: 0, path: "", message: "" })).data as string;
        const expected = field === "upstream" ? `wssgen_${written}` : field === "siteName" ? `${written}/ws` : written;
        if (field !== "origin") expect(args).toContain(expected);
        else
          expect(
            parsed.find((d) => d.name === "map" && d.args[0]!.includes("$http_origin"))!.block!.map((e) => e.name),
          ).toContain(`site/ws ${written}`);
      }),
      { numRuns: 300 },
    );
  });

  it("a header value with any special character is printed bare exactly when nothing in it needs quotes", () => {
    const printed = { bare: 0, quoted: 0 };
    fc.assert(
      fc.property(fc.string({ unit: fc.constantFrom(...HOSTILE_CHARS), maxLength: 24 }), (value) => {
        let output: string;
        try {
          output = render122(config({ ...SAFE, headerValue: value }));
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

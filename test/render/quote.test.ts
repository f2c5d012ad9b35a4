/**
 * The one quoting rule (src/render/quote.ts): a token is bare unless nginx needs it quoted
 * (crossplane's rule), and nginx reads every token back as exactly the value, bare or quoted.
 */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { withSandbox } from "../../src/check/sandbox.js";
import { parseNginx } from "../../src/util/nginx-syntax.js";
import { comment, duration, integer, needsQuotes, quote, RenderError } from "../../src/render/quote.js";
import { nginxBuilds } from "../helpers/nginx.js";

const BARE = [
  "443",
  "chat.example.com",
  "*.example.com",
  "[::1]:8443",
  "unix:/run/chat.sock",
  "http://wssgen_chat",
  "https://$host:8443$request_uri",
  "$host",
  "$binary_remote_addr$wssgen_route",
  "$1",
  "max-age=63072000",
  "shared:wssgen_ssl:10m",
  "($wssgen_origin_denied)",
  "say-(hi)",
  "é",
  "\u{1F600}",
];
const QUOTED: [value: string, printed: string][] = [
  ["", '""'],
  [" ", '" "'],
  ["a b", '"a b"'],
  ["max-age=63072000; includeSubDomains", '"max-age=63072000; includeSubDomains"'],
  ["a;b", '"a;b"'],
  ["{", '"{"'],
  ["a}", '"a}"'],
  ["${host}", '"${host}"'],
  ["a${host}b", '"a${host}b"'],
  ["#x", '"#x"'],
  ["a#b", '"a#b"'],
  ['say "hi"', '"say \\"hi\\""'],
  ["it's", '"it\'s"'],
  ["'", '"\'"'],
  ["\\", '"\\\\"'],
  ["a\\b", '"a\\\\b"'],
  ["$", '"$"'],
  ["a$", '"a$"'],
  ["$-", '"$-"'],
  ["\u00a0", '"\u00a0"'],
];

describe("quote: bare unless nginx needs quotes", () => {
  it.each(BARE)("%s is printed bare", (value) => {
    expect(needsQuotes(value)).toBe(false);
    expect(quote(value)).toBe(value);
  });
  it.each(QUOTED)('%j is double-quoted, with \\ and " escaped', (value, printed) => {
    expect(needsQuotes(value)).toBe(true);
    expect(quote(value)).toBe(printed);
  });
  it("numbers are non-negative integers, printed bare", () => {
    expect(quote(0)).toBe("0");
    expect(quote(65535)).toBe("65535");
    for (const bad of [-1, 1.5, Number.MAX_SAFE_INTEGER + 1, Number.NaN]) expect(() => quote(bad)).toThrow(RenderError);
    expect(() => quote(undefined)).toThrow(RenderError);
    expect(integer(7)).toBe("7");
  });
  it("refuses control characters and tokens near nginx's 4096-byte limit", () => {
    for (const bad of ["a\nb", "\r", "\u0000", "\u007f", "\u0085", "\u2028", "\u2029"])
      expect(() => quote(bad)).toThrow(RenderError);
    expect(quote("x".repeat(4093))).toHaveLength(4093);
    expect(() => quote("x".repeat(4094))).toThrow(/token limit/);
    expect(() => quote("é".repeat(2047))).toThrow(/token limit/); // bytes, not characters
  });
  it("durations are printed bare; comments become one printable line", () => {
    expect(duration(30)).toBe("30s");
    expect(duration("1h")).toBe("1h");
    expect(() => duration("1 h")).toThrow(RenderError);
    expect(comment("x\ny\u2028z")).toBe("x?y?z");
  });

  it("every value is read back exactly by nginx's lexer, and only a value that needs quotes gets them", () => {
    const unit = fc.constantFrom(..."aZ09.-_/:*$@~=+,%()[] \"';{}#\\\u00a0\u00e9", "${x}", "$host", "\u{1F600}");
    fc.assert(
      fc.property(fc.string({ unit, maxLength: 24 }), (value) => {
        const token = quote(value);
        expect(parseNginx(`x ${token};`)).toEqual([{ name: "x", args: [value], block: undefined }]);
        expect(token.startsWith('"')).toBe(needsQuotes(value));
      }),
      { numRuns: 2000 },
    );
  });
});

describe("through the real nginx", () => {
  const build = nginxBuilds()[0]!;
  // nginx names a directive it does not know exactly as its lexer read it: the value, unquoted
  it.each([...BARE, ...QUOTED.map(([v]) => v)])("%j reaches nginx as written", async (value) => {
    const result = await withSandbox({ "wssgen.conf": `${quote(value)};\n` }, (s) =>
      build.nginx.test({ config: s.mainConfig, prefix: s.dir }),
    );
    expect(result.errors.map((e) => [e.text, e.line])).toEqual([[`unknown directive "${value}"`, 1]]);
  });
});

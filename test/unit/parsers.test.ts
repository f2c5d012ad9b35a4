/** The fast parsers (JSON.parse, js-yaml) read every config exactly as the positioned `yaml` parser does. */
import { readdirSync, readFileSync, statSync } from "node:fs";
import { join } from "node:path";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { parseDocument, stringify } from "yaml";
import { fastParse } from "../../src/config/source.js";
import { FIXTURES } from "../helpers/paths.js";

function positioned(text: string): unknown {
  const doc = parseDocument(text, { uniqueKeys: true, strict: true, merge: true });
  return doc.errors.length ? undefined : doc.toJS({ maxAliasCount: 1000 });
}

function configFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    return statSync(path).isDirectory() ? configFiles(path) : name === "wssgen.yaml" ? [path] : [];
  });
}

describe("fast path = positioned path", () => {
  it.each(configFiles(FIXTURES).map((f) => [f.slice(FIXTURES.length + 1), f]))("%s", (_name, file) => {
    const text = readFileSync(file, "utf8");
    const fast = fastParse("wssgen.yaml", text);
    const slow = positioned(text);
    // where the fast parser declines, the positioned one decides alone; where both read it, they agree
    if (fast !== undefined && slow !== undefined) expect(fast.data).toEqual(slow);
  });
  it("merge keys and YAML 1.2 scalars read the same", () => {
    const text = `base: &b { keepalive: 16, balance: least-conn }\nup:\n  <<: *b\n  servers: [a:1]\nflags: [yes, no, on, off, true, 0o17, 0x1f, 1e3, ~, null, "2026-01-01", 2026-01-01]\n`;
    expect(fastParse("w.yaml", text)).toBeUndefined(); // anchors: the positioned parser (alias limits) reads it
    const plain = `flags: [yes, no, on, off, true, 0o17, 0x1f, 1e3, ~, null, "2026-01-01", 2026-01-01, .inf, .5]\n`;
    expect(fastParse("w.yaml", plain)!.data).toEqual(positioned(plain));
    // js-yaml reads these two differently from YAML 1.2, so the fast path leaves them to the other
    for (const differs of ["a: -.5\n", "a: 1_000\n"]) expect(fastParse("w.yaml", differs)).toBeUndefined();
  });
  it("generated documents read the same", () => {
    fc.assert(
      fc.property(fc.jsonValue({ maxDepth: 4 }), (value) => {
        const text = stringify(value);
        const fast = fastParse("w.yaml", text);
        const slow = positioned(text);
        // compared as JSON: the parsers disagree only on the sign of a zero ("-0"), which means nothing in a config
        if (fast !== undefined && slow !== undefined) expect(JSON.stringify(fast.data)).toBe(JSON.stringify(slow));
        const json = JSON.stringify(value) ?? "null";
        expect(fastParse("w.json", json)?.data).toEqual(JSON.parse(json));
      }),
      { numRuns: 300 },
    );
  });
});

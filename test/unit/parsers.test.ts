/**
 * The one-pass readers (js-yaml with recorded positions; JSON.parse with a lazy position scan) read
 * every config exactly as the `yaml` package, the reference YAML 1.2 parser, does, and put every key
 * and value at the line and column that the `yaml` package's document gives it.
 */
import { readdirSync, readFileSync, statSync } from "node:fs";
import { join } from "node:path";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { isAlias, isMap, isPair, isScalar, isSeq, LineCounter, parseDocument, stringify, type Document, type Node } from "yaml";
import { ConfigError } from "../../src/errors.js";
import type { KeyPath } from "../../src/config/path.js";
import { parseSource } from "../../src/config/source.js";
import { FIXTURES } from "../helpers/paths.js";

/** The reference: the `yaml` package's data, or undefined where it refuses the text. */
function reference(text: string): unknown {
  const doc = parseDocument(text, { uniqueKeys: true, strict: true, merge: true });
  try {
    return doc.errors.length ? undefined : doc.toJS({ maxAliasCount: 1000 });
  } catch {
    return undefined; // an alias without an anchor
  }
}

/** The reference position of a key path: the `yaml` package's node ranges (what wssgen reported before). */
function referencePosition(marked: string, path: KeyPath, wantKey: boolean): { line: number; column: number } {
  // the one difference wssgen wants: a byte order mark moves no column (the yaml package counts it)
  const text = marked.replace(/^\uFEFF/, "");
  const lineCounter = new LineCounter();
  const doc = parseDocument(text, { lineCounter, uniqueKeys: true, strict: true, merge: true });
  const { line, col } = lineCounter.linePos(offsetIn(doc, path, wantKey));
  return { line, column: col };
}

function offsetIn(doc: Document, path: KeyPath, wantKey: boolean): number {
  let node: Node | null | undefined = doc.contents;
  let offset = node?.range?.[0] ?? 0;
  for (let i = 0; i < path.length; i++) {
    const segment = path[i];
    // inside an alias, wssgen points at the value where the anchor defines it: that is where to fix it
    if (isAlias(node)) node = node.resolve(doc);
    if (isMap(node)) {
      const pair = node.items.findLast(
        (item) => isPair(item) && isScalar(item.key) && String(item.key.value) === String(segment),
      );
      if (!pair) return offset;
      const key = pair.key as Node;
      if (i === path.length - 1 && wantKey) return key.range?.[0] ?? offset;
      node = pair.value as Node | null;
      offset = node?.range?.[0] ?? key.range?.[0] ?? offset;
    } else if (isSeq(node) && typeof segment === "number") {
      const item = node.items[segment] as Node | undefined;
      if (!item) return offset;
      node = item;
      offset = item.range?.[0] ?? offset;
    } else return offset;
  }
  return offset;
}

/** Every key path in the data, depth first. */
function paths(data: unknown, base: KeyPath = []): KeyPath[] {
  if (data === null || typeof data !== "object") return [base];
  const children = Array.isArray(data) ? data.map((v, i) => [i, v] as const) : Object.entries(data);
  return [base, ...children.flatMap(([k, v]) => paths(v, [...base, k]))];
}

function configFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    return statSync(path).isDirectory() ? configFiles(path) : name === "wssgen.yaml" ? [path] : [];
  });
}

function read(file: string, text: string): unknown {
  try {
    return parseSource(file, text).data;
  } catch (error) {
    if (error instanceof ConfigError) return undefined;
    throw error;
  }
}

/** Data and every position agree with the reference, for a YAML text and for the same data as JSON. */
function expectSameReading(text: string): void {
  const expected = reference(text);
  const data = read("w.yaml", text);
  // compared as JSON: the parsers disagree only on the sign of a zero ("-0"), which means nothing in a config
  expect(JSON.stringify(data)).toBe(JSON.stringify(expected));
  if (expected === undefined) return;
  const source = parseSource("w.yaml", text);
  const json = JSON.stringify(expected, null, 1) ?? "null";
  const jsonSource = parseSource("w.json", json);
  for (const path of paths(expected))
    for (const key of [false, true]) {
      expect([path, key, source.locate(path, { key })]).toEqual([path, key, referencePosition(text, path, key)]);
      expect([path, key, jsonSource.locate(path, { key })]).toEqual([path, key, referencePosition(json, path, key)]);
    }
}

describe("one parse, read as YAML 1.2 and positioned as before", () => {
  it.each(configFiles(FIXTURES).map((f) => [f.slice(FIXTURES.length + 1), f]))("%s", (_name, file) => {
    expectSameReading(readFileSync(file, "utf8"));
  });

  it("merge keys, anchors and YAML 1.2 scalars read the same", () => {
    expectSameReading(
      `base: &b { keepalive: 16, balance: least-conn }\nup:\n  <<: *b\n  servers: [a:1]\nother: *b\nlist: &l [1, 2]\nagain: *l\n`,
    );
    expectSameReading(`flags: [yes, no, on, off, true, 0o17, 0x1f, 1e3, ~, null, "2026-01-01", 2026-01-01, .inf, .5]\n`);
    // where js-yaml alone reads differently from YAML 1.2: "-.5" is a number, "1_000" and "0b1" are strings
    expectSameReading(`a: -.5\nb: 1_000\nc: 0b1\nd: +12\ne: -.INF\nf: .NaN\ng: 1.\n`);
    expect(parseSource("w.yaml", "a: -.5\nb: 1_000\n").data).toEqual({ a: -0.5, b: "1_000" });
  });

  it("empty values, comments, block and flow styles, quoted keys, CRLF", () => {
    expectSameReading(`a:\nb: # comment\n  # more\n  c: 1\nd:\n  - x\n  - { e: f, "g h": 'i' }\n`);
    // an empty item (\`-\` and nothing) has no node to record: the items of that list are placed at the list
    const empty = parseSource("w.yaml", "d:\n  - x\n  -\n  - y\n");
    expect(empty.locate(["d", 2])).toEqual({ line: 2, column: 3 });
    expectSameReading(`"quoted": 1\n'single': [ { a: 1 }, [ 2, 3 ] ]\nx: !!str 5\ny: &anchor\n  z: 1\n`);
    expectSameReading(`a: 1\r\nb:\r\n  - c\r\n  - d: e\r\n`);
  });

  it("generated documents read the same", () => {
    fc.assert(
      fc.property(fc.jsonValue({ maxDepth: 4 }), (value) => {
        expectSameReading(stringify(value));
        const json = JSON.stringify(value) ?? "null";
        expect(read("w.json", json)).toEqual(JSON.parse(json));
      }),
      { numRuns: 200 },
    );
  });
});

describe("YAML syntax errors in wssgen's words", () => {
  // one broken file per kind of mistake; js-yaml's own wording never reaches the user
  const broken: [string, string, RegExp][] = [
    ["a:\n  b: 1\n c: 2\n", "3:2", /not indented like the keys before it/],
    ["a:\n  - 1\n  b: 2\n", "3:3", /not indented like/],
    ["a:\n\tb: 1\n", "2:1", /a tab in the indentation/],
    ["a: [1, 2\nb: 3\n", "2:1", /a comma or the closing bracket/],
    ["a: [1, 2", "1:9", /a \[ or \{ that is never closed/],
    ['a: "x\n', "2:1", /a quoted string that is never closed/],
    ["a: *nope\n", "1:4", /an alias \(\*name\) with no anchor/],
    ["a: [*.example.com]\n", "1:5", /quote a value that starts with \*/],
    ["a: 1\na: 2\n", "2:1", /this key appears twice/],
    ["a: 1\n---\nb: 2\n", "2:1", /several YAML documents/],
    ['a: "\\q"\n', "1:6", /an unknown escape/],
    ["a: !!binary x\n", "1:14", /a YAML tag/],
    ["a: b\nc\n", "3:1", /a key without `:`/],
    ["a: [1,, 2]\n", "1:7", /an empty entry/],
    ["%TAG ! x\n", "2:1", /directive/],
    ["a: |0\n  x\n", "1:5", /block string/],
    ["a: &x &y 1\n", "1:7", /two anchors/],
    ["a: \u0001\n", "1:5", /a control character/],
  ];
  it.each(broken)("%j", (text, where, message) => {
    let error: unknown;
    try {
      parseSource("w.yaml", text);
    } catch (caught) {
      error = caught;
    }
    expect(error).toBeInstanceOf(ConfigError);
    const [problem] = (error as ConfigError).problems;
    expect(`${problem!.line}:${problem!.column}`).toBe(where);
    expect(problem!.message).toMatch(message);
  });
});

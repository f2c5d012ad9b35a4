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

/**
 * Generated YAML texts with the shapes the reader must place: explicit keys in block and flow style
 * (with and without a value, the `:` lines later, comments between), keys too long or too many
 * lines long to be implicit, values on the line after `:`, empty values, `key: value` items in
 * [...] lists, and lines of thousands of characters before them.
 */
type Tree =
  | { scalar: string }
  | { map: [string, number, Tree][]; flow: boolean }
  | { list: [string | null, number, Tree][]; flow: boolean };

const word = fc.stringMatching(/^[a-z][a-z0-9]{0,5}$/);
const keyText = fc.oneof(
  { weight: 6, arbitrary: word.map((w) => `k${w}`) },
  { weight: 2, arbitrary: word.map((w) => `"k ${w}"`) },
  { weight: 1, arbitrary: fc.constant(`"${"k".repeat(1100)}"`) },
  { weight: 1, arbitrary: word.map((w) => `"k\n${w}"`) },
);
/** the key as the data has it (a quoted key's line break folds to a space), so keys are unique */
const keyOf = (key: string) => key.replace(/^"|"$/g, "").replace(/\n/g, " ");
const scalarTree = fc.oneof(
  { weight: 5, arbitrary: word.map((w) => ({ scalar: `v${w}` })) },
  { weight: 2, arbitrary: fc.integer().map((n) => ({ scalar: String(n) })) },
  { weight: 1, arbitrary: word.map((w) => ({ scalar: `"v ${w}"` })) },
  { weight: 1, arbitrary: fc.constant({ scalar: "" }) },
  { weight: 1, arbitrary: fc.constant({ scalar: "x".repeat(5000) }) },
);
const { tree } = fc.letrec<{ tree: Tree }>((tie) => ({
  tree: fc.oneof(
    { depthSize: "small", withCrossShrink: true },
    scalarTree,
    fc.record({
      map: fc.uniqueArray(fc.tuple(keyText, fc.nat(5), tie("tree")), { minLength: 1, maxLength: 4, selector: ([k]) => keyOf(k) }),
      flow: fc.boolean(),
    }),
    fc.record({
      list: fc.array(fc.tuple(fc.option(keyText), fc.nat(2), tie("tree")), { minLength: 1, maxLength: 4 }),
      flow: fc.boolean(),
    }),
  ),
}));

/** A key on its own: explicit (`? key`) where it cannot be implicit (too long, or on two lines). */
function mustBeExplicit(key: string): boolean {
  return key.length > 1000 || key.includes("\n");
}

function flowText(node: Tree, indent: string): string {
  const next = indent + "  ";
  if ("scalar" in node) return node.scalar === "" ? '""' : node.scalar;
  const entry = (key: string, style: number, value: Tree) => {
    const k = key.replace(/\n/g, `\n${next}`);
    const v = flowText(value, next);
    if (style === 1 || (mustBeExplicit(key) && style !== 2 && style !== 3)) return `? ${k} : ${v}`;
    if (style === 2) return `? ${k}\n${next}: ${v}`;
    if (style === 3) return `? ${k}`;
    return `${k}: ${v}`;
  };
  if ("map" in node) return `{ ${node.map.map(([k, style, v]) => entry(k, style, v)).join(`,\n${next}`)} }`;
  return `[ ${node.list.map(([k, style, v]) => (k === null ? flowText(v, next) : entry(k, style, v))).join(", ")} ]`;
}

/** A node after `key:` or `-`: on the same line, or (`later`) on the next, indented under the key. */
function valueText(node: Tree, indent: string, later: boolean): string {
  const next = indent + "  ";
  if ("scalar" in node || node.flow) {
    const text = flowText(node, next);
    if (text === '""' && !later) return "\n";
    return later ? `\n${next}${text}\n` : ` ${text}\n`;
  }
  return `\n${blockText(node, next)}`;
}

function blockText(node: Tree, indent: string): string {
  if ("scalar" in node || node.flow) return `${indent}${flowText(node, indent)}\n`;
  if ("list" in node) {
    return node.list
      .map(([k, style, v]) =>
        k === null
          ? // (an empty item, `-` and nothing, has no node: its list's items are placed at the list)
            `${indent}-${"scalar" in v && v.scalar === "" ? ' ""\n' : valueText(v, indent, false)}`
          : `${indent}- ${blockText({ map: [[k, style, v]], flow: false }, indent + "  ").slice(indent.length + 2)}`,
      )
      .join("");
  }
  return node.map
    .map(([key, style, value]) => {
      const k = key.replace(/\n/g, `\n${indent}  `);
      if (style === 2) return `${indent}? ${k}\n`;
      const head = !(style === 1 || style === 3 || mustBeExplicit(key))
        ? `${indent}${k}:`
        : style === 3
          ? `${indent}? ${k} # the key\n${indent}# more\n\n${indent}:`
          : `${indent}? ${k}\n${indent}:`;
      if (style === 5) return `${head} # the value\n\n${indent}  # is below${valueText(value, indent, true)}`;
      return head + valueText(value, indent, style === 4);
    })
    .join("");
}

const yamlDocument = fc
  .tuple(fc.oneof(fc.constant(""), fc.constant(`long: ${"y".repeat(5000)}\n`)), tree)
  .map(([before, node]) => before + blockText("scalar" in node ? { map: [["kroot", 0, node]], flow: false } : node, ""));

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

  it("explicit keys (? key, : value) in block and flow style, long and multi-line keys, values on later lines", () => {
    const long = "k".repeat(5000);
    // (the hostile-keys fixture's shape: an explicit key too long to be implicit, its value on the next line)
    expectSameReading(`a: ${"x".repeat(960)}\nm:\n  ? "${long}"\n  : true\n  r: 1\n`);
    expectSameReading(`- d: [${"y".repeat(6000)}]\n  ? "${long}"\n  : true\n`);
    // block: a key with no value, several in a row, comments and blank lines before the `:`, empty values
    expectSameReading(`? a\n: 1\n? b\n? c\n: 3\n? d # c\n# more\n\n: 4\n? e\n:\nf:\n`);
    expectSameReading(`? |\n  block\n: v\n? "multi\n  line"\n: w\n? 'x\n\n  y'\n: z\n`);
    expectSameReading(`? a\n:\n  - 1\n  - ? b\n    : c\n? &k k\n: &v 1\nl: *v\n? !!str 2\n: 3\n`);
    expectSameReading(`a:\n  ? b\n  : c\n  d:\n    e\n  f:\n\n    # g\n    h: i\n`);
    // flow: `?` on its line or not, the `:` on a later line, keys without values
    expectSameReading(`{ ? a : b, ? c\n  : d, ? e, f, g: , "h":1, ? 'i' # j\n  :\n  k }\n`);
    // a key and its value in [...] make one item, a one-pair mapping
    expectSameReading(`x: [ a: b, ? c : d, ? e\n  : f, g, { h: i }, [ j: k ] ]\ny: [ ? "${long}"\n  : z ]\n`);
  });

  it("generated documents with explicit keys, flow pairs and values on later lines read the same", () => {
    fc.assert(
      fc.property(yamlDocument, (text) => {
        expectSameReading(text);
      }),
      { numRuns: 150 },
    );
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

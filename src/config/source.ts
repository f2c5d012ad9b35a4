/**
 * Reading a config file while keeping where every value came from, so that every later error can
 * name file:line:column. The happy path is fast (JSON.parse, or js-yaml); the `yaml` package, which
 * keeps positions but costs several times as much, parses the file only when a position is needed —
 * an error or a finding — or when the fast parser refuses the file.
 */
import jsYaml from "js-yaml";
import { isMap, isPair, isScalar, isSeq, LineCounter, parseDocument, type Document, type Node } from "yaml";
import { type ConfigProblem, ConfigError } from "../errors.js";
import { formatPath, type KeyPath } from "./path.js";

export interface ConfigSource {
  /** the name shown in messages: the path as the user gave it, or `<stdin>` */
  file: string;
  text: string;
  /** the parsed data as plain JavaScript values */
  data: unknown;
  /** where a key path is in the file; `key: true` points at the key rather than its value */
  locate(path: KeyPath, options?: { key?: boolean }): { line: number; column: number };
}

/** js-yaml with the same reading as the `yaml` package below: YAML 1.2 core types, and merge keys. */
// (js-yaml exports its built-in types at run time; its typings leave `types` out)
const { merge } = (jsYaml as unknown as { types: { merge: jsYaml.Type } }).types;
const FAST_SCHEMA = jsYaml.CORE_SCHEMA.extend({ implicit: [merge] });

/** Where js-yaml reads plain scalars differently from YAML 1.2: "-.5" (a number), "1_000" (a string). */
const JS_YAML_DIFFERS = /[-+]\.\d|\d_\d/;

/** Anchors and aliases: js-yaml shares aliased nodes, and a walk over a "billion laughs" would not end. */
const ALIASES = /(?:^|[\s[{,:-])[&*][^\s,\]}]/;

export function fastParse(file: string, text: string): { data: unknown } | undefined {
  try {
    if (file.endsWith(".json") || /^\s*[{[]/.test(text)) return { data: JSON.parse(text) as unknown };
  } catch {
    // not strict JSON (a comment, a trailing comma): YAML may still read it
  }
  if (ALIASES.test(text) || JS_YAML_DIFFERS.test(text)) return undefined;
  try {
    return { data: jsYaml.load(text, { schema: FAST_SCHEMA, json: false }) };
  } catch {
    return undefined; // the positioned parser below says what is wrong, and where
  }
}

function positionedParse(file: string, text: string) {
  const lineCounter = new LineCounter();
  // merge keys (<<: *anchor) are a YAML 1.1 habit that config files lean on; the yaml package has them opt-in
  const doc = parseDocument(text, { lineCounter, uniqueKeys: true, prettyErrors: false, strict: true, merge: true });
  const position = (offset: number) => {
    const { line, col } = lineCounter.linePos(offset);
    return { line, column: col };
  };
  if (doc.errors.length > 0)
    throw new ConfigError(
      doc.errors.map((error) => ({ file, ...position(error.pos[0]), path: "", message: yamlMessage(error.message) })),
    );
  return { doc, position };
}

export function parseSource(file: string, text: string): ConfigSource {
  const fast = fastParse(file, text);
  let positioned: ReturnType<typeof positionedParse> | undefined;
  const positions = () => (positioned ??= positionedParse(file, text));
  let data: unknown;
  if (fast) data = fast.data;
  else {
    try {
      // aliases are allowed, but not an exponential "billion laughs" expansion
      data = positions().doc.toJS({ maxAliasCount: 1000 });
    } catch (error) {
      if (error instanceof ConfigError) throw error;
      throw new ConfigError([{ file, line: 1, column: 1, path: "", message: (error as Error).message }]);
    }
  }
  return {
    file,
    text,
    data,
    locate(path, options = {}) {
      const { doc, position } = positions();
      return position(findOffset(doc, path, options.key ?? false));
    },
  };
}

/** The offset of the node at `path`, or of the nearest ancestor that exists. */
function findOffset(doc: Document, path: KeyPath, wantKey: boolean): number {
  let node: Node | null | undefined = doc.contents;
  let offset = node?.range?.[0] ?? 0;
  for (let i = 0; i < path.length; i++) {
    const segment = path[i];
    const last = i === path.length - 1;
    if (isMap(node)) {
      const pair = node.items.find((item) => isPair(item) && isScalar(item.key) && String(item.key.value) === String(segment));
      if (!pair) return offset;
      const key = pair.key as Node;
      if (last && wantKey) return key.range?.[0] ?? offset;
      node = pair.value as Node | null;
      offset = node?.range?.[0] ?? key.range?.[0] ?? offset;
    } else if (isSeq(node) && typeof segment === "number") {
      const item = node.items[segment] as Node | undefined;
      if (!item) return offset;
      node = item;
      offset = item.range?.[0] ?? offset;
    } else {
      return offset;
    }
  }
  return offset;
}

function yamlMessage(message: string): string {
  if (message.includes("parseAllDocuments"))
    return "several YAML documents (---) in one file: wssgen reads one; remove the others";
  // the yaml package appends " at line L, column C" and a code excerpt; we print the position ourselves
  return message.split("\n")[0]!.replace(/ at line \d+, column \d+:?$/, "");
}

/** A problem at a key path, located in the source. */
export function problemAt(source: ConfigSource, path: KeyPath, message: string, options?: { key?: boolean }): ConfigProblem {
  return { file: source.file, ...source.locate(path, options), path: formatPath(path), message };
}

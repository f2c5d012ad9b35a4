/**
 * Reading YAML in one pass: js-yaml builds the data, and its parse events record where every
 * mapping's and list's entries start (see positions.ts), so no second parse is ever needed for a
 * line and column. The same pass enforces the depth and value limits (limits.ts), so a hostile file
 * is refused before it can use much memory: js-yaml shares an aliased node instead of copying it,
 * and the count below charges each alias with every value it repeats.
 *
 * The reading is YAML 1.2's core schema (as the `yaml` package and editors read it) with merge keys
 * (`<<: *anchor`); js-yaml's own core schema differs in two scalars, fixed by INT and FLOAT below.
 */
import jsYaml from "js-yaml";
import type { ReadLimits } from "./limits.js";
import type { Layout } from "./positions.js";

export interface YamlRead {
  data: unknown;
  /** the layout of the document's mapping or list (its entries' layouts hang from it) */
  layout: Layout | undefined;
  /** where the document's value starts */
  start: number;
}

/** A problem found while reading: an offset into the text and a message in wssgen's words. */
export class ReadProblem extends Error {
  constructor(
    readonly offset: number,
    message: string,
    /** which limit was exceeded, if one was */
    readonly limit?: keyof ReadLimits,
  ) {
    super(message);
  }
}

/** A digit, `-` or `+`: most scalars (names, paths) fail this first test and skip the regular expressions. */
function startsNumber(c: number): boolean {
  return (c >= 48 && c <= 57) || c === 45 || c === 43;
}

// YAML 1.2 core schema integers and floats (https://yaml.org/spec/1.2.2/#1032-tag-resolution):
// js-yaml also reads "1_000" as 1000 and does not read "-.5" as a number.
const INT = new jsYaml.Type("tag:yaml.org,2002:int", {
  kind: "scalar",
  resolve: (data: string) => startsNumber(data.charCodeAt(0)) && /^(?:[-+]?[0-9]+|0o[0-7]+|0x[0-9a-fA-F]+)$/.test(data),
  construct: (data: string) =>
    data.startsWith("0o") ? parseInt(data.slice(2), 8) : data.startsWith("0x") ? parseInt(data.slice(2), 16) : Number(data),
  predicate: (value: unknown) => typeof value === "number" && Number.isInteger(value),
  represent: (value: object) => Number(value).toString(),
});
const FLOAT = new jsYaml.Type("tag:yaml.org,2002:float", {
  kind: "scalar",
  resolve: (data: string) =>
    (startsNumber(data.charCodeAt(0)) || data.charCodeAt(0) === 46) &&
    /^(?:[-+]?(?:\.[0-9]+|[0-9]+(?:\.[0-9]*)?)(?:[eE][-+]?[0-9]+)?|[-+]?\.(?:inf|Inf|INF)|\.nan|\.NaN|\.NAN)$/.test(data),
  construct: (data: string) => {
    const lower = data.toLowerCase();
    if (lower.endsWith(".inf")) return data.startsWith("-") ? -Infinity : Infinity;
    if (lower === ".nan") return NaN;
    return Number(data);
  },
  predicate: (value: unknown) => typeof value === "number",
  represent: (value: object) => Number(value).toString(),
});
// (js-yaml exports its built-in types at run time; its typings leave `types` out)
const { merge } = (jsYaml as unknown as { types: { merge: jsYaml.Type } }).types;
const SCHEMA = jsYaml.CORE_SCHEMA.extend({ implicit: [INT, FLOAT, merge] });

const SPACE = 32;
const TAB = 9;
const LF = 10;
const CR = 13;
const HASH = 35;
const AMPERSAND = 38;
const BANG = 33;
const STAR = 42;
const COLON = 58;
const QUESTION = 63;
const LEFT_BRACE = 123;
const LEFT_BRACKET = 91;

/** How a frame's entries are told apart as keys and values (see frameKind). */
const UNKNOWN = -1;
const BLOCK = 0;
const FLOW_MAPPING = 1;
const FLOW_SEQUENCE = 2;

/** Where a node's content starts, from where js-yaml began composing it: past space, comments and `&anchor`/`!tag`. */
function contentStart(text: string, at: number): number {
  let i = skipSpaceAndComments(text, at);
  for (let c = text.charCodeAt(i); c === AMPERSAND || c === BANG; c = text.charCodeAt(i)) {
    // a property: up to the next white space (an anchor or tag cannot contain one)
    while (i < text.length && !isBlank(text.charCodeAt(i))) i++;
    i = skipSpaceAndComments(text, i);
  }
  return i;
}

/** The first offset from `at` that is neither white space, a line break, nor inside a `#` comment. */
function skipSpaceAndComments(text: string, at: number): number {
  let i = at;
  for (;;) {
    const c = text.charCodeAt(i);
    if (c === SPACE || c === TAB || c === LF || c === CR) i++;
    else if (c === HASH) {
      while (i < text.length && text.charCodeAt(i) !== LF && text.charCodeAt(i) !== CR) i++;
    } else return i;
  }
}

function isBlank(c: number): boolean {
  return c === SPACE || c === TAB || c === LF || c === CR || Number.isNaN(c);
}

/**
 * Whether the node that started at `start` and was read up to `at` is a key: a `:` follows it on the
 * same line. (A block collection is read up to the next line's indentation, whose first character
 * may be the `:` of a key such as `:x`; that colon is not this node's.)
 */
function keyFollows(text: string, at: number, start: number, lineStart: number): boolean {
  let i = at;
  let c = text.charCodeAt(i);
  while (c === SPACE || c === TAB) c = text.charCodeAt(++i);
  if (c !== COLON) return false;
  if (start >= lineStart) return true;
  for (let j = lineStart; j < at; j++) if (text.charCodeAt(j) !== SPACE) return true;
  return false;
}

/**
 * How the entries of the frame that opened at `frameAt` are told apart, found when its first entry
 * (opened at `childAt`) closes: a `{...}` or `[...]` read as such, or anything else. (A block node
 * that starts with `{` or `[` first tries that collection as a block mapping's key, so its one entry
 * opens where its content starts: that frame is block, a key only if `:` follows on its line.)
 */
function frameKind(text: string, frameAt: number, childAt: number): number {
  const at = contentStart(text, frameAt);
  if (at === childAt) return BLOCK;
  const c = text.charCodeAt(at);
  return c === LEFT_BRACE ? FLOW_MAPPING : c === LEFT_BRACKET ? FLOW_SEQUENCE : BLOCK;
}

/**
 * Whether a `:` comes next past space, line breaks and comments: in a `{...}` or `[...]` that makes
 * the entry just read a key, even with the `:` on a later line (`{ ? key⏎ : value }`), as js-yaml reads it.
 */
function colonAfter(text: string, at: number): boolean {
  return text.charCodeAt(skipSpaceAndComments(text, at)) === COLON;
}

/**
 * Parse one YAML document (the text without a byte order mark). Throws ReadProblem for a syntax
 * error (in wssgen's words, see yamlMessage) or an exceeded limit.
 */
export function readYaml(text: string, limits: Pick<ReadLimits, "depth" | "values">): YamlRead {
  // one frame per node being composed, as fixed stacks indexed by `top` (js-yaml's maxDepth bounds
  // them); no object per scalar, and no lookup by object except for anchors, so the happy path
  // takes about 1.5x js-yaml alone (docs/decisions.md, "One parse per config file")
  const frames = limits.depth + 2;
  const opened = new Float64Array(frames);
  const counts = new Float64Array(frames);
  const starts = new Array<number[] | null>(frames).fill(null);
  const keys = new Array<(string | undefined)[] | null>(frames).fill(null);
  const children = new Array<(Layout | undefined)[] | null>(frames).fill(null);
  /** per frame: BLOCK, FLOW_MAPPING or FLOW_SEQUENCE once its first entry closed (UNKNOWN before) */
  const kinds = new Int8Array(frames);
  /** per `{...}` or `[...]` frame: whether the entry read last was a key with a `:` (the next entry is its value) */
  const pending = new Uint8Array(frames);
  /** per `[...]` frame: the layout of its last `key: value` item (a one-pair mapping with no node of its own) */
  const pairs = new Array<Layout | null>(frames).fill(null);
  /** anchored mappings and lists, for the aliases that repeat them */
  const anchored = new Map<object, { layout: Layout; size: number }>();
  /** the mapping or list closed last (a node that only wraps it has the same result) */
  let last: { result: object; layout: Layout; size: number } | undefined;
  let top = -1;
  let root: Layout | undefined;
  let rootStart = 0;
  let total = 0;

  const listener = (event: "open" | "close", state: jsYaml.State): void => {
    if (event === "open") {
      top++;
      opened[top] = state.position;
      counts[top] = 0;
      kinds[top] = UNKNOWN;
      pending[top] = 0;
      starts[top] = keys[top] = children[top] = null;
      pairs[top] = null;
      return;
    }
    const at = opened[top]!;
    const childStarts = starts[top];
    const childKeys = keys[top]!;
    const childLayouts = children[top]!;
    const childCount = counts[top]!;
    starts[top] = keys[top] = children[top] = null;
    top--;
    const input = state.input;
    const result: unknown = state.result;
    const kind = state.kind as string | null;
    let start = contentStart(input, at);
    const isAlias = input.charCodeAt(start) === STAR;
    // an empty node (`key:` and nothing): where js-yaml began it, right after the colon
    if (kind === null && !isAlias) start = at;
    let size = 1;
    let layout: Layout | undefined;
    if (result !== null && typeof result === "object") {
      if (isAlias) {
        // js-yaml stores an anchor before it reads the value, so `&a [*a]` would be a list that holds itself
        const target = anchored.get(result);
        if (target === undefined)
          throw new ReadProblem(start, "an alias (*name) inside the very value it names would repeat forever; move it out");
        ({ layout, size } = target);
      } else if (kind === "mapping" || kind === "sequence") {
        // a node that only wraps its one child's result (a block mapping that found its first "key"
        // was the whole value, e.g. `- { a: 1 }`): the child's layout and count are the right ones
        if (last?.result === result) ({ layout, size } = last);
        else {
          size = 1 + childCount;
          // an empty item (`-` and nothing) has no node: then no item's start is known for sure
          const complete = kind === "mapping" || (childStarts?.length ?? 0) === (result as unknown[]).length;
          // (copies of the frame's lists at their exact length: a list grown by push keeps room for
          // 16 more entries, which made up two thirds of the layout's memory at 100,000 sites)
          layout = {
            start,
            starts: complete && childStarts ? childStarts.slice() : [],
            keys: kind === "mapping" ? (childKeys?.slice() ?? []) : (childKeys?.slice() ?? null),
            children: childLayouts?.slice() ?? null,
          };
          last = { result, layout, size };
        }
        if ((state as { anchor?: string | null }).anchor != null) anchored.set(result, { layout, size });
      }
    }
    if (top < 0) {
      root = layout;
      rootStart = start;
      total = size;
      return;
    }
    const siblings = (starts[top] ??= []);
    let frameKindOf = kinds[top]!;
    if (frameKindOf === UNKNOWN) frameKindOf = kinds[top] = frameKind(input, opened[top]!, at);
    if (frameKindOf === BLOCK) {
      siblings.push(start);
      if (layout) (children[top] ??= [])[siblings.length - 1] = layout;
      // a key: an implicit one (`key:` on its line), or an explicit one, whose `:` and value may come
      // lines later or never (`? key` alone: a null value). js-yaml composes an explicit key from right
      // after its `?`; every other node in block style from right after `:` or `-`, or from its content
      // (past space), so the character before is `?` for an explicit key only

      if (keyFollows(input, state.position, start, state.lineStart) || input.charCodeAt(at - 1) === QUESTION)
        (keys[top] ??= new Array<string | undefined>(siblings.length - 1)).push(String(result));
      else {
        keys[top]?.push(undefined);
        const count = (counts[top] = counts[top]! + size);
        if (count >= limits.values) throw new ReadProblem(start, "", "values");
      }
      return;
    }
    // in `{...}` and `[...]`, an entry followed by `:` (on its line, or anywhere after `? key`) is a
    // key and the next entry its value; in `{...}` an entry that is not a value is a key even without
    // one (`{ a, b: 1 }`, `{ ? a }`); in `[...]` a key and its value make one item, a one-pair mapping
    if (pending[top] === 1) {
      pending[top] = 0;
      const pair = pairs[top];
      if (frameKindOf === FLOW_SEQUENCE && pair) {
        pair.starts.push(start);
        pair.keys!.push(undefined);
        if (layout) (pair.children ??= [])[1] = layout;
      } else {
        siblings.push(start);
        if (layout) (children[top] ??= [])[siblings.length - 1] = layout;
        keys[top]?.push(undefined);
      }
    } else {
      const colon = colonAfter(input, state.position);
      if (colon) pending[top] = 1;
      siblings.push(start);
      if (frameKindOf === FLOW_MAPPING) {
        if (layout) (children[top] ??= [])[siblings.length - 1] = layout;
        (keys[top] ??= new Array<string | undefined>(siblings.length - 1)).push(String(result));
        return;
      }
      if (colon) {
        const pair: Layout = { start, starts: [start], keys: [String(result)], children: layout ? [layout] : null };
        (children[top] ??= [])[siblings.length - 1] = pairs[top] = pair;
        size = 1; // the one-pair mapping itself; its value counts when it closes
      } else if (layout) (children[top] ??= [])[siblings.length - 1] = layout;
    }
    const count = (counts[top] = counts[top]! + size);
    if (count >= limits.values) throw new ReadProblem(start, "", "values");
  };

  let data: unknown;
  try {
    // (maxDepth is js-yaml's own nesting guard, which its typings do not list yet)
    data = jsYaml.load(text, { schema: SCHEMA, listener, maxDepth: limits.depth } as jsYaml.LoadOptions);
  } catch (error) {
    if (error instanceof ReadProblem) throw error;
    if (error instanceof jsYaml.YAMLException) {
      // (js-yaml gives no position for a second document: the first `---` after some content)
      let offset = (error.mark as jsYaml.YAMLException["mark"] | undefined)?.position ?? secondDocument(text);
      // js-yaml marks the end of an unknown alias's name; its `*` is where to look
      if (error.reason.startsWith("unidentified alias")) offset = Math.max(0, text.lastIndexOf("*", offset));
      // (js-yaml reads the text with a line break added; an error at the very end is at the text's end)
      offset = Math.min(offset, text.length);
      if (error.reason.startsWith("nesting exceeded maxDepth")) throw new ReadProblem(offset, "", "depth");
      throw new ReadProblem(offset, yamlMessage(error.reason));
    }
    throw error;
  }
  if (total > limits.values) throw new ReadProblem(rootStart, "", "values");
  return { data, layout: root, start: rootStart };
}

/** Where a second document starts: the first `---` line after some content, else 0. */
function secondDocument(text: string): number {
  for (const match of text.matchAll(/^---(?=[ \t\r\n]|$)/gm)) {
    const before = text.slice(0, match.index).replace(/^\s*(?:[#%].*)?$/gm, "");
    if (before.trim() !== "") return match.index;
  }
  return 0;
}

/**
 * js-yaml's reasons, said in wssgen's words with what to fix. The keys are js-yaml's messages (4.x);
 * a reason not listed here still gets a sentence that says how to find the mistake.
 */
const REASONS: [RegExp, string][] = [
  [/^duplicated mapping key/, "this key appears twice in the same mapping; remove or rename one of them"],
  [/^expected a single document/, "several YAML documents (---) in one file: wssgen reads one; remove the others"],
  [
    /^end of the stream or a document separator is expected/,
    "unexpected text after the end of the config; check the indentation of this line (or remove it)",
  ],
  [
    /^bad indentation of a mapping entry/,
    "this key is not indented like the keys before it; line it up with its siblings (spaces, not tabs)",
  ],
  [
    /^bad indentation of a sequence entry/,
    "this list item is not indented like the items before it; line up the `-` of each item",
  ],
  [
    /^tab characters must not be used in indentation/,
    "a tab in the indentation: YAML indents with spaces only; replace the tab with spaces",
  ],
  [/^can not read an implicit mapping pair; a colon is missed/, "a key without `:`; write `key: value`"],
  [
    /^can not read a block mapping entry; a multiline key may not be an implicit key/,
    "a key without `:` on its line (or a value that runs over several lines); write `key: value`, or quote a multi-line value",
  ],
  [
    /^a whitespace character is expected after the key-value separator/,
    "a `:` right before the value: put a space after it (`key: value`), or quote a value that contains `:`",
  ],
  [/^incomplete explicit mapping pair/, "a mapping entry without a key; write `key: value`"],
  [
    /^missed comma between flow collection entries/,
    "a comma or the closing bracket of a [...] or {...} list should be here; add the comma, or close the list before this point",
  ],
  [
    /^expected the node content, but found ','/,
    "an empty entry (two commas, or a comma right after [ or {) in a [...] or {...} list; remove the extra comma",
  ],
  [/^unexpected end of the stream within a flow collection/, "a [ or { that is never closed; add the missing ] or }"],
  [
    /^unexpected end of the (?:stream|document) within a (?:double|single) quoted scalar/,
    "a quoted string that is never closed; add the missing quote",
  ],
  [
    /^unknown escape sequence|^expected hexadecimal character/,
    "an unknown escape (\\) in a double-quoted string; write \\\\ for a backslash, or use single quotes",
  ],
  [
    /^expected valid JSON character|^the stream contains non-printable characters|^null byte is not allowed/,
    "a control character in the file; remove it (write it as an escape such as \\t inside double quotes)",
  ],
  [
    /^unidentified alias/,
    'an alias (*name) with no anchor (&name) before it; define the anchor first, or quote a value that starts with * (a wildcard domain: "*.example.com")',
  ],
  [
    /^name of an alias node must contain at least one character/,
    'a * with no alias name; quote a value that starts with * (a wildcard domain: "*.example.com")',
  ],
  [/^name of an anchor node must contain at least one character/, "a & with no anchor name; quote a value that starts with &"],
  [/^alias node should not have any properties/, "an alias (*name) cannot have an anchor or tag of its own; remove the & or !"],
  [/^duplication of an? (?:anchor|tag) property/, "two anchors (&) or tags (!) on one value; keep one"],
  [
    /^(?:cannot merge mappings|abnormal merge sequence)/,
    "a merge key (<<) takes an alias to a mapping or a list of such aliases; fix the value of <<",
  ],
  [/^merge keys exceeded/, "too many merge keys (<<); merge fewer mappings"],
  [
    /^(?:unknown tag|undeclared tag handle|cannot resolve a node with|unacceptable node kind|tag |named tag handle)/,
    "a YAML tag (!something) that wssgen does not read; remove it, or quote a value that starts with !",
  ],
  [
    /^(?:missing indentation for block scalar|bad explicit indentation width|repeat of an? (?:chomping|indentation))/,
    "a block string (| or >) with bad indentation or indicators; indent its lines under the key",
  ],
  [
    /directive|^directives end mark is expected|^unacceptable YAML version/,
    "a YAML directive (%...) that wssgen does not read; remove it",
  ],
  [/^nested arrays are not supported inside keys/, "a list used as a key; keys are names"],
];

/** js-yaml's reason for a syntax error, in wssgen's words (never js-yaml's own). */
export function yamlMessage(reason: string): string {
  for (const [pattern, message] of REASONS) if (pattern.test(reason)) return message;
  return "this is not valid YAML here; check the indentation, quotes and brackets around this place";
}

/**
 * Reading a `.json` config: strict JSON (RFC 8259), read by `JSON.parse`, the fastest parser there
 * is. No comments and no trailing commas: a `.json` file is one that any JSON tool reads the same.
 * A repeated key keeps its last value, as in JSON.parse, jq and every browser.
 *
 * Positions cost nothing until one is needed: `layoutAt` then scans only the mappings and lists on
 * the way to the key (each scanned once, its entries skipped without building values), so a
 * finding in a 30 MB file costs one pass over the text and no second copy of the data.
 */
import { ReadProblem } from "./read-yaml.js";
import type { ReadLimits } from "./limits.js";
import type { Layout } from "./positions.js";

const QUOTE = 34;
const BACKSLASH = 92;
const OPEN_BRACE = 123;
const CLOSE_BRACE = 125;
const OPEN_BRACKET = 91;
const CLOSE_BRACKET = 93;
const COMMA = 44;
const COLON = 58;

function isSpace(c: number): boolean {
  return c === 32 || c === 10 || c === 13 || c === 9;
}

function skipSpace(text: string, at: number): number {
  let i = at;
  while (isSpace(text.charCodeAt(i))) i++;
  return i;
}

/** The end of the string that starts at `at` (a `"`): the offset after its closing quote. */
function skipString(text: string, at: number): number {
  let i = at + 1;
  for (;;) {
    const close = text.indexOf('"', i);
    if (close < 0) return text.length;
    // an escaped quote has an odd number of backslashes before it
    let slashes = 0;
    while (text.charCodeAt(close - 1 - slashes) === BACKSLASH) slashes++;
    if (slashes % 2 === 0) return close + 1;
    i = close + 1;
  }
}

/** The end of the (valid) JSON value that starts at `at`. */
function skipValue(text: string, at: number): number {
  const c = text.charCodeAt(at);
  if (c === QUOTE) return skipString(text, at);
  if (c !== OPEN_BRACE && c !== OPEN_BRACKET) {
    let i = at;
    for (;;) {
      const d = text.charCodeAt(i);
      if (Number.isNaN(d) || d === COMMA || d === CLOSE_BRACE || d === CLOSE_BRACKET || isSpace(d)) return i;
      i++;
    }
  }
  let depth = 0;
  let i = at;
  while (i < text.length) {
    const d = text.charCodeAt(i);
    if (d === QUOTE) {
      i = skipString(text, i);
      continue;
    }
    if (d === OPEN_BRACE || d === OPEN_BRACKET) depth++;
    else if (d === CLOSE_BRACE || d === CLOSE_BRACKET) {
      depth--;
      if (depth === 0) return i + 1;
    }
    i++;
  }
  return i;
}

/** Where the document's value starts. */
export function jsonStart(text: string): number {
  return skipSpace(text, 0);
}

/** The layout of the mapping or list that starts at `at` in valid JSON text, or undefined for a scalar. */
export function layoutAt(text: string, at: number): Layout | undefined {
  const open = text.charCodeAt(at);
  if (open !== OPEN_BRACE && open !== OPEN_BRACKET) return undefined;
  const isMapping = open === OPEN_BRACE;
  const starts: number[] = [];
  const keys: (string | undefined)[] | null = isMapping ? [] : null;
  let i = skipSpace(text, at + 1);
  while (i < text.length) {
    const c = text.charCodeAt(i);
    if (c === CLOSE_BRACE || c === CLOSE_BRACKET) break;
    if (c === COMMA) {
      i = skipSpace(text, i + 1);
      continue;
    }
    if (keys) {
      const end = skipString(text, i);
      const raw = text.slice(i + 1, end - 1);
      starts.push(i);
      keys.push(raw.includes("\\") ? (JSON.parse(text.slice(i, end)) as string) : raw);
      i = skipSpace(text, end);
      if (text.charCodeAt(i) === COLON) i = skipSpace(text, i + 1);
      starts.push(i);
      keys.push(undefined);
    } else starts.push(i);
    i = skipSpace(text, skipValue(text, i));
  }
  return { start: at, starts, keys };
}

/** Parsed JSON, or the first syntax error in wssgen's words (see jsonSyntaxError). */
export function readJson(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    const problem = jsonSyntaxError(text);
    throw new ReadProblem(problem.offset, problem.message);
  }
}

/**
 * The depth and value count of parsed JSON against the limits (JSON.parse itself copes with any
 * depth, but every later step walks the data recursively). Returns the limit exceeded, if any.
 */
export function jsonOverLimit(data: unknown, limits: Pick<ReadLimits, "depth" | "values">): keyof ReadLimits | undefined {
  const stack: unknown[] = [data];
  const depths: number[] = [1];
  let values = 0;
  while (stack.length) {
    const value = stack.pop();
    const depth = depths.pop()!;
    if (depth > limits.depth) return "depth";
    if (++values > limits.values) return "values";
    if (value !== null && typeof value === "object") {
      const children = Array.isArray(value) ? (value as unknown[]) : Object.values(value);
      for (const child of children) {
        stack.push(child);
        depths.push(depth + 1);
      }
    }
  }
  return undefined;
}

/** The offset of the first value nested deeper than `limit` (the document is level 1). */
export function jsonTooDeepAt(text: string, limit: number): number {
  let depth = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === QUOTE) i = skipString(text, i) - 1;
    else if (c === OPEN_BRACE || c === OPEN_BRACKET) {
      // the container is at level depth + 1, its entries one below
      if (depth + 1 > limit) return i;
      depth++;
    } else if (c === CLOSE_BRACE || c === CLOSE_BRACKET) depth--;
    else if (depth + 1 > limit && !isSpace(c) && c !== COMMA && c !== COLON) return i;
  }
  return 0;
}

/**
 * Where strict JSON text first goes wrong, and what to do about it. Only called after JSON.parse
 * refused the text, so it need not be fast; it builds no values, and nests without recursion.
 */
export function jsonSyntaxError(text: string): { offset: number; message: string } {
  const fail = (offset: number, message: string) => ({ offset, message });
  const describe = (at: number, expected: string) => {
    const c = text[at];
    if (c === undefined) return fail(at, `the file ends where ${expected} should be; it was cut off, or a } or ] is missing`);
    if (c === "/" && (text[at + 1] === "/" || text[at + 1] === "*"))
      return fail(at, "a comment: JSON has none; remove it, or write the config as YAML (wssgen.yaml), which has comments");
    if (c === "'") return fail(at, "a single-quoted string: JSON strings use double quotes");
    if (c === ",") return fail(at, `an extra comma: ${expected} should be here; remove the comma`);
    if ((c === "}" || c === "]") && expected !== "a value") return fail(at, `${expected} should be here`);
    return fail(at, `${expected} should be here (strings and keys in JSON are double-quoted)`);
  };
  /** the closers of the open containers: "}" or "]" */
  const open: string[] = [];
  let i = skipSpace(text, 0);
  let state: "value" | "key" | "after-value" | "colon" | "first-key" | "first-value" = "value";
  for (;;) {
    const c = text.charCodeAt(i);
    const closer = open[open.length - 1];
    if (state === "value" || state === "first-value") {
      if (state === "first-value" && c === CLOSE_BRACKET) {
        open.pop();
        state = "after-value";
        i = skipSpace(text, i + 1);
        continue;
      }
      if (c === OPEN_BRACE || c === OPEN_BRACKET) {
        open.push(c === OPEN_BRACE ? "}" : "]");
        state = c === OPEN_BRACE ? "first-key" : "first-value";
        i = skipSpace(text, i + 1);
        continue;
      }
      if ((c === CLOSE_BRACE || c === CLOSE_BRACKET) && open.length)
        return fail(i, `a comma before ${String.fromCharCode(c)}: JSON allows no trailing comma; remove it`);
      const end = scalarEnd(text, i);
      if (end === undefined) return describe(i, "a value");
      if (typeof end === "object") return end;
      i = skipSpace(text, end);
      state = "after-value";
      continue;
    }
    if (state === "key" || state === "first-key") {
      if (state === "first-key" && c === CLOSE_BRACE) {
        open.pop();
        state = "after-value";
        i = skipSpace(text, i + 1);
        continue;
      }
      if (c === CLOSE_BRACE) return fail(i, "a comma before }: JSON allows no trailing comma; remove it");
      if (c !== QUOTE) return describe(i, "a key in double quotes");
      const end = scalarEnd(text, i)!;
      if (typeof end === "object") return end;
      i = skipSpace(text, end);
      state = "colon";
      continue;
    }
    if (state === "colon") {
      if (c !== COLON) return describe(i, "a : after the key");
      i = skipSpace(text, i + 1);
      state = "value";
      continue;
    }
    // after a value: a comma, the closer, or the end
    if (closer === undefined) {
      if (i >= text.length) return fail(i, "the JSON is not valid, but no error was found; please report this file");
      return describe(i, "the end of the file (one value, then nothing)");
    }
    if (c === COMMA) {
      i = skipSpace(text, i + 1);
      state = closer === "}" ? "key" : "value";
      continue;
    }
    if (text[i] === closer) {
      open.pop();
      i = skipSpace(text, i + 1);
      continue;
    }
    return describe(i, `a comma or ${closer}`);
  }
}

/** The end of the JSON scalar at `at`, the problem with it, or undefined where no scalar starts. */
function scalarEnd(text: string, at: number): number | { offset: number; message: string } | undefined {
  const c = text.charCodeAt(at);
  if (c === QUOTE) {
    for (let i = at + 1; i < text.length; i++) {
      const d = text.charCodeAt(i);
      if (d === QUOTE) return i + 1;
      if (d < 32)
        return { offset: i, message: "a control character (a line break or tab) inside a string: write it as \\n or \\t" };
      if (d === BACKSLASH) {
        const e = text[i + 1] ?? "";
        if (e === "u" && /^[0-9a-fA-F]{4}$/.test(text.slice(i + 2, i + 6))) i += 5;
        else if ('"\\/bfnrt'.includes(e) && e !== "") i++;
        else return { offset: i, message: "an unknown escape (\\) in a string: write \\\\ for a backslash" };
      }
    }
    return { offset: at, message: "a string that is never closed; add the missing double quote" };
  }
  const match = /^-?(?:0|[1-9][0-9]*)(?:\.[0-9]+)?(?:[eE][-+]?[0-9]+)?|^true|^false|^null/.exec(text.slice(at, at + 400));
  if (!match) return undefined;
  return at + match[0].length;
}

/** A key that appears twice in one mapping: where each is, and the path of the mapping's entry. */
export interface RepeatedKey {
  path: (string | number)[];
  /** the earlier key, whose value the later one replaced */
  first: number;
  again: number;
}

/**
 * Every key repeated within one mapping of valid JSON text (the data keeps the last value, as
 * JSON.parse does), walking only the values that were kept. One pass over the text per level of
 * nesting; called only when a config already failed, to say why a value seems to be missing.
 */
export function repeatedKeys(text: string, at: number = jsonStart(text), path: (string | number)[] = []): RepeatedKey[] {
  const layout = layoutAt(text, at);
  if (!layout) return [];
  const found: RepeatedKey[] = [];
  if (!layout.keys) {
    layout.starts.forEach((start, index) => found.push(...repeatedKeys(text, start, [...path, index])));
    return found;
  }
  const last = new Map<string, { key: number; value: number }>();
  for (let i = 0; i + 1 < layout.starts.length; i += 2) {
    const key = layout.keys[i]!;
    const earlier = last.get(key);
    if (earlier) found.push({ path: [...path, key], first: earlier.key, again: layout.starts[i]! });
    last.set(key, { key: layout.starts[i]!, value: layout.starts[i + 1]! });
  }
  for (const [key, { value }] of last) found.push(...repeatedKeys(text, value, [...path, key]));
  return found;
}

/**
 * Reading a config file while keeping where every value came from, so that every later error can
 * name file:line:column. One parse per file: `.json` files are strict JSON (read-json.ts), every
 * other file (and stdin) is YAML 1.2 (read-yaml.ts), whose parse records positions as it goes.
 * Limits on size, depth and value count (limits.ts) bound memory and time on any input.
 */
import { type ConfigProblem, ConfigError } from "../errors.js";
import { type ReadLimits, LIMITS, limitMessage } from "./limits.js";
import { formatPath, type KeyPath } from "./path.js";
import { entryOf, type Layout, LineIndex } from "./positions.js";
import { jsonOverLimit, jsonStart, jsonTooDeepAt, layoutAt, readJson } from "./read-json.js";
import { ReadProblem, readYaml } from "./read-yaml.js";

export interface ConfigSource {
  /** the name shown in messages: the path as the user gave it, or `<stdin>` */
  file: string;
  /** the text as read, without a byte order mark */
  text: string;
  /** the parsed data as plain JavaScript values */
  data: unknown;
  /** where a key path is in the file; `key: true` points at the key rather than its value */
  locate(path: KeyPath, options?: { key?: boolean }): { line: number; column: number };
}

const BOM = "\uFEFF";

/** Whether a config file is read as strict JSON (by its name) rather than as YAML. */
export function isJsonFile(file: string): boolean {
  return file.toLowerCase().endsWith(".json");
}

/**
 * Parse a config's text. Throws ConfigError (one problem, with its position) for a syntax error or
 * an exceeded limit. A leading UTF-8 byte order mark is dropped and moves no position.
 */
export function parseSource(file: string, raw: string, limits: ReadLimits = defaultLimits()): ConfigSource {
  const text = raw.startsWith(BOM) ? raw.slice(1) : raw;
  const lines = new LineIndex(text);
  const problem = (offset: number, message: string): ConfigError =>
    new ConfigError([{ file, ...lines.position(offset), path: "", message }]);
  // (a UTF-8 byte is at most one UTF-16 code unit, and a code unit at most three bytes)
  if (text.length > limits.bytes || (text.length * 3 > limits.bytes && Buffer.byteLength(text) > limits.bytes))
    throw problem(0, limitMessage.bytes(limits.bytes, Buffer.byteLength(text)));
  try {
    if (isJsonFile(file)) return jsonSource(file, text, limits, lines);
    const { data, layout, start } = readYaml(text, limits);
    return {
      file,
      text,
      data,
      locate(path, options = {}) {
        return lines.position(findOffset(layout, start, path, options.key ?? false));
      },
    };
  } catch (error) {
    if (!(error instanceof ReadProblem)) throw error;
    throw problem(error.offset, error.limit ? limitMessage[error.limit](limits[error.limit]) : error.message);
  }
}

function jsonSource(file: string, text: string, limits: ReadLimits, lines: LineIndex): ConfigSource {
  const data = readJson(text);
  const over = jsonOverLimit(data, limits);
  if (over) throw new ReadProblem(over === "depth" ? jsonTooDeepAt(text, limits.depth) : jsonStart(text), "", over);
  // each mapping and list is scanned once, when a position inside it is first asked for
  const scanned = new Map<number, Layout | undefined>();
  const layoutOf = (offset: number) => {
    if (!scanned.has(offset)) scanned.set(offset, layoutAt(text, offset));
    return scanned.get(offset);
  };
  return {
    file,
    text,
    data,
    locate(path, options = {}) {
      return lines.position(findJsonOffset(jsonStart(text), path, options.key ?? false, layoutOf));
    },
  };
}

/** The offset of the node at `path` in parsed YAML, or of the nearest ancestor that exists. */
function findOffset(root: Layout | undefined, start: number, path: KeyPath, wantKey: boolean): number {
  let layout = root;
  let offset = start;
  for (let i = 0; i < path.length; i++) {
    const entry = layout && entryOf(layout, path[i]!);
    if (!entry) return offset;
    if (i === path.length - 1 && wantKey && entry.key !== undefined) return entry.key;
    offset = entry.value ?? entry.key ?? offset;
    layout = entry.layout;
  }
  return offset;
}

/** The same in JSON text, following offsets instead of data. */
function findJsonOffset(
  start: number,
  path: KeyPath,
  wantKey: boolean,
  layoutOf: (offset: number) => Layout | undefined,
): number {
  let offset = start;
  for (let i = 0; i < path.length; i++) {
    const layout = layoutOf(offset);
    const entry = layout && entryOf(layout, path[i]!);
    if (!entry) return offset;
    if (i === path.length - 1 && wantKey && entry.key !== undefined) return entry.key;
    offset = entry.value ?? entry.key ?? offset;
  }
  return offset;
}

function defaultLimits(): ReadLimits {
  return { bytes: LIMITS.bytes.default, depth: LIMITS.depth.default, values: LIMITS.values.default, entry: LIMITS.entry.default };
}

/** A problem at a key path, located in the source. */
export function problemAt(source: ConfigSource, path: KeyPath, message: string, options?: { key?: boolean }): ConfigProblem {
  return { file: source.file, ...source.locate(path, options), path: formatPath(path), message };
}

/**
 * The same source without its data, keeping positions only where they will be asked for. The
 * positions of `placed` paths (what is about to be reported) are found now, while the parse is at
 * hand; any other path makes one new read of the text, the first time one is asked for. For YAML the
 * layout of positions is the largest part of a parse (~2.8 kB a site, ~280 MB of live heap at
 * 100,000 sites), so a command that renders lets it go before rendering. A JSON source finds
 * positions in its text when asked already, and only lets its data go.
 */
export function withPositionsOnDemand(source: ConfigSource, limits: ReadLimits, placed: readonly KeyPath[] = []): ConfigSource {
  if (isJsonFile(source.file)) return { ...source, data: undefined };
  const known = new Map<string, { line: number; column: number }>();
  for (const path of placed) known.set(JSON.stringify(path), source.locate(path));
  const { file, text } = source;
  let again: ConfigSource | undefined;
  return {
    file,
    text,
    data: undefined,
    locate(path, options = {}) {
      const at = options.key ? undefined : known.get(JSON.stringify(path));
      if (at) return at;
      again ??= { ...parseSource(file, text, limits), data: undefined };
      return again.locate(path, options);
    },
  };
}

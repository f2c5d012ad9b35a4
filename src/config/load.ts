/**
 * The config pipeline: find → read → parse (keeping positions) → interpolate → schema → normalize →
 * cross-field rules. Every failure is a ConfigError whose problems name file:line:column.
 */
import { open } from "node:fs/promises";
import { existsSync } from "node:fs";
import { resolve } from "node:path";
import { type ConfigProblem, ConfigError, UsageError } from "../errors.js";
import { describeFsError } from "../util/fs-errors.js";
import { limitMessage, readLimits } from "./limits.js";
import { interpolate, type Env } from "./interpolate.js";
import type { WssgenConfig } from "./model.js";
import { normalize } from "./normalize.js";
import { formatPath, type KeyPath } from "./path.js";
import { LineIndex } from "./positions.js";
import { repeatedKeys } from "./read-json.js";
import { Provenance } from "./provenance.js";
import { typeReferences } from "./typed.js";
import { issuesToProblems } from "./issues.js";
import { configSchema, withoutExtensions } from "./schema.js";
import { checkSemantics } from "./semantics.js";
import { directiveLists, directivesForbidden } from "./directives.js";
import { validateConfig } from "./validate.js";
import { type ConfigSource, isJsonFile, parseSource, problemAt } from "./source.js";

export const CONFIG_NAMES = ["wssgen.yaml", "wssgen.yml", "wssgen.json"] as const;

export interface LoadOptions {
  /** a path, `-` for stdin, or undefined to search the working directory */
  config?: string | undefined;
  cwd?: string;
  env?: Env;
  /** how to read stdin (injected by tests) */
  readStdin?: () => Promise<string>;
  /**
   * Called as soon as the values from `${VAR}` are known (before any later step can fail), when
   * there are some: the CLI redacts every line it prints about this config through it.
   */
  onProvenance?: ((provenance: Provenance) => void) | undefined;
  /** `false`: refuse every `directives` entry (ParseOptions; the CLI's `--no-directives`) */
  allowDirectives?: boolean | undefined;
  /** `false`: let the parsed data go once validated (ParseOptions) */
  keepData?: boolean | undefined;
}

/** What `parseConfig` accepts besides the schema. */
export interface ParseOptions {
  /**
   * `false` makes every non-empty `directives` list (top level, `sites[]`, `sites[].routes[]`) a
   * config problem at its key, for platforms that build wssgen.yaml from their customers' input: a
   * directive, unlike every other value, carries meaning of its own (docs/directives.md). Default
   * true.
   */
  allowDirectives?: boolean | undefined;
  /**
   * `false`: the returned source has no `data`, and the parsed data is let go as soon as it has
   * been validated, before the config is normalized (at 100,000 sites it is ~130 MB of live heap at
   * the moment the normalized config is built). Default true.
   */
  keepData?: boolean | undefined;
}

export interface LoadedConfig {
  config: WssgenConfig;
  source: ConfigSource;
}

export function findConfig(cwd: string): string | undefined {
  return CONFIG_NAMES.find((name) => existsSync(resolve(cwd, name)));
}

/**
 * The config's name (as messages show it) and text. A file over the size limit (limits.ts) is
 * refused before it is read: a ConfigError at its line 1, column 1.
 */
export async function readConfigText(options: LoadOptions): Promise<{ file: string; text: string }> {
  const cwd = options.cwd ?? process.cwd();
  const { bytes: limit } = readLimits(options.env ?? process.env);
  const tooLarge = (file: string, size?: number) =>
    new ConfigError([{ file, line: 1, column: 1, path: "", message: limitMessage.bytes(limit, size) }]);
  if (options.config === "-") {
    const text = await (options.readStdin ?? (() => readStdin(limit)))();
    if (text === undefined) throw tooLarge("<stdin>");
    return { file: "<stdin>", text };
  }
  const file = options.config ?? findConfig(cwd);
  if (file === undefined)
    throw new UsageError(
      `no config file: none of ${CONFIG_NAMES.join(", ")} in ${cwd}; create one with \`wssgen init\` or pass -c FILE`,
    );
  let size: number;
  let text: string;
  try {
    // the size from the open file itself, so a file that changes in between cannot slip past
    const handle = await open(resolve(cwd, file), "r");
    try {
      size = (await handle.stat()).size;
      text = size > limit ? "" : await handle.readFile("utf8");
    } finally {
      await handle.close();
    }
  } catch (error) {
    throw new UsageError(`cannot read config ${file}: ${describeFsError(error, "read")}`);
  }
  if (size > limit || Buffer.byteLength(text) > limit) throw tooLarge(file, Math.max(size, Buffer.byteLength(text)));
  return { file, text };
}

/** Parse and validate config text; throws ConfigError listing every problem found. */
export function parseConfig(
  file: string,
  text: string,
  env: Env = process.env,
  onProvenance?: (provenance: Provenance) => void,
  options: ParseOptions = {},
): LoadedConfig {
  const limits = readLimits(env);
  const source = parseSource(file, text, limits);
  let provenance = Provenance.none;
  // every problem names the variables its value came from and never prints a value from the environment
  const report = (path: KeyPath, message: string, options?: { key?: boolean }): ConfigProblem => {
    const from = provenance.variablesAt(path);
    return {
      ...problemAt(source, path, provenance.message(path, message), options),
      keyPath: path,
      ...(from ? { from } : {}),
    };
  };
  if (source.data === null || source.data === undefined || typeof source.data !== "object" || Array.isArray(source.data))
    throw new ConfigError([
      report([], "the config must be a mapping with upstreams and sites (run `wssgen init` for an example)"),
    ]);
  // top-level x-* keys are the user's (YAML anchors, notes): ignored, never interpolated
  // a repeated key in JSON keeps its last value: when something then looks missing, say why
  const failed = (problems: ConfigProblem[], stopped = false) =>
    new ConfigError(capped(sortProblems([...problems, ...repeatedKeyNotes(source)]), stopped, source));
  const expanded = stopAtMost(
    source,
    (bounded) => interpolate(withoutExtensions(source.data), env, bounded, source.text),
    report,
  );
  if (expanded.problems.length) throw failed(expanded.problems);
  provenance = expanded.provenance;
  if (!provenance.isEmpty()) onProvenance?.(provenance);
  const typing = stopAtMost(source, (bounded) => typeReferences(expanded.data, configSchema, provenance, bounded), report);
  const parsed = validateConfig(expanded.data as Record<string, unknown>, { entry: limits.entry, maxIssues: MAX_PROBLEMS });
  // refused whole: what is wrong inside a refused list does not matter
  const refused = options.allowDirectives === false ? directiveLists(expanded.data) : [];
  const outside = (p: ConfigProblem) => !refused.some(({ path }) => p.keyPath && isUnder(p.keyPath, path));
  const forbidden = refused.map(({ path, entries }) => report(path, directivesForbidden(entries), { key: true }));
  if (!parsed.ok || typing.length || forbidden.length) {
    const typed = new Set(typing.map((p) => p.path));
    const issues = parsed.ok ? [] : issuesToProblems(expanded.data, configSchema, parsed.issues, report);
    const oversized = parsed.ok ? [] : parsed.oversized.map((path) => report(path, limitMessage.entry(limits.entry)));
    const problems = [...forbidden, ...[...oversized, ...typing, ...issues.filter((p) => !typed.has(p.path))].filter(outside)];
    throw failed(problems, !parsed.ok && parsed.stopped);
  }
  if (options.keepData === false) source.data = expanded.data = undefined;
  const config = normalize(parsed.data, file);
  if (!provenance.isEmpty()) config.provenance = provenance;
  const semantic = checkSemantics(parsed.data, config, MAX_PROBLEMS + 1);
  const problems = semantic.slice(0, MAX_PROBLEMS).map((p) => report(p.path, p.message));
  if (problems.length) throw failed(problems, semantic.length > MAX_PROBLEMS);
  return { config, source };
}

/**
 * The most problems one run lists. A config with millions of mistakes (a few kilobytes of YAML
 * aliases can hold them) is refused in bounded time and memory; fixing the first ones shows the next.
 */
export const MAX_PROBLEMS = 100;

/** Thrown by the `report` that `stopAtMost` hands out, once it has made MAX_PROBLEMS problems. */
class TooManyProblems extends Error {
  constructor(readonly problems: ConfigProblem[]) {
    super("too many problems");
  }
}

/**
 * Runs a pass that reports problems one by one (interpolation, typing) with a `report` that stops it
 * at MAX_PROBLEMS: then the problems so far are thrown as a ConfigError that says it stopped there.
 */
function stopAtMost<T>(
  source: ConfigSource,
  pass: (report: (path: KeyPath, message: string) => ConfigProblem) => T,
  report: (path: KeyPath, message: string) => ConfigProblem,
): T {
  const made: ConfigProblem[] = [];
  try {
    return pass((path, message) => {
      const problem = report(path, message);
      made.push(problem);
      if (made.length >= MAX_PROBLEMS) throw new TooManyProblems(made);
      return problem;
    });
  } catch (error) {
    if (error instanceof TooManyProblems) throw new ConfigError(capped(sortProblems(error.problems), true, source));
    throw error;
  }
}

/** The first MAX_PROBLEMS problems, and a last line saying that checking stopped there when it did. */
function capped(problems: ConfigProblem[], stopped: boolean, source: ConfigSource): ConfigProblem[] {
  if (!stopped && problems.length <= MAX_PROBLEMS) return problems;
  return [
    ...problems.slice(0, MAX_PROBLEMS),
    problemAt(source, [], `wssgen stopped after ${MAX_PROBLEMS} problems; fix these and run it again to see the rest`),
  ];
}

/** For a JSON config: each key repeated in one mapping, at the earlier one, which the later replaced. */
function repeatedKeyNotes(source: ConfigSource): ConfigProblem[] {
  if (!isJsonFile(source.file)) return [];
  const lines = new LineIndex(source.text);
  return repeatedKeys(source.text).map(({ path, first, again }) => ({
    file: source.file,
    ...lines.position(first),
    path: formatPath(path),
    keyPath: path,
    message: `this key appears again at line ${lines.position(again).line} of the same mapping; as in JSON.parse, the later one replaces this one and everything under it`,
  }));
}

export async function loadConfig(options: LoadOptions = {}): Promise<LoadedConfig> {
  const { file, text } = await readConfigText(options);
  return parseConfig(file, text, options.env ?? process.env, options.onProvenance, {
    allowDirectives: options.allowDirectives,
    keepData: options.keepData,
  });
}

/** Whether `path` is `under` or inside it. */
function isUnder(path: KeyPath, under: KeyPath): boolean {
  return path.length >= under.length && under.every((key, i) => path[i] === key);
}

function sortProblems<T extends { line: number; column: number }>(problems: T[]): T[] {
  return [...problems].sort((a, b) => a.line - b.line || a.column - b.column);
}

/** Standard input as text, or undefined as soon as it grows past `limit` bytes (the rest is not read). */
async function readStdin(limit: number): Promise<string | undefined> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of process.stdin) {
    size += (chunk as Buffer).length;
    if (size > limit) return undefined;
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks).toString("utf8");
}

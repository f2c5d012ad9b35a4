/**
 * The config pipeline: find → read → parse (keeping positions) → interpolate → schema → normalize →
 * cross-field rules. Every failure is a ConfigError whose problems name file:line:column.
 */
import { readFile } from "node:fs/promises";
import { existsSync } from "node:fs";
import { resolve } from "node:path";
import { type ConfigProblem, ConfigError, UsageError } from "../errors.js";
import { interpolate, type Env } from "./interpolate.js";
import type { WssgenConfig } from "./model.js";
import { normalize } from "./normalize.js";
import type { KeyPath } from "./path.js";
import { Provenance } from "./provenance.js";
import { typeReferences } from "./typed.js";
import { issuesToProblems } from "./issues.js";
import { configSchema, withoutExtensions } from "./schema.js";
import { checkSemantics } from "./semantics.js";
import { type ConfigSource, parseSource, problemAt } from "./source.js";

export const CONFIG_NAMES = ["wssgen.yaml", "wssgen.yml", "wssgen.json"] as const;

export interface LoadOptions {
  /** a path, `-` for stdin, or undefined to search the working directory */
  config?: string | undefined;
  cwd?: string;
  env?: Env;
  /** how to read stdin (injected by tests) */
  readStdin?: () => Promise<string>;
}

export interface LoadedConfig {
  config: WssgenConfig;
  source: ConfigSource;
}

export function findConfig(cwd: string): string | undefined {
  return CONFIG_NAMES.find((name) => existsSync(resolve(cwd, name)));
}

export async function readConfigText(options: LoadOptions): Promise<{ file: string; text: string }> {
  const cwd = options.cwd ?? process.cwd();
  if (options.config === "-") return { file: "<stdin>", text: await (options.readStdin ?? readStdin)() };
  const file = options.config ?? findConfig(cwd);
  if (file === undefined)
    throw new UsageError(
      `no config file: none of ${CONFIG_NAMES.join(", ")} in ${cwd}; create one with \`wssgen init\` or pass -c FILE`,
    );
  try {
    return { file, text: await readFile(resolve(cwd, file), "utf8") };
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    const why =
      code === "ENOENT"
        ? "no such file"
        : code === "EISDIR"
          ? "is a directory"
          : code === "EACCES"
            ? "permission denied"
            : String(code);
    throw new UsageError(`cannot read config ${file}: ${why}`);
  }
}

/** Parse and validate config text; throws ConfigError listing every problem found. */
export function parseConfig(file: string, text: string, env: Env = process.env): LoadedConfig {
  const source = parseSource(file, text);
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
  const expanded = interpolate(withoutExtensions(source.data), env, report, source.text);
  if (expanded.problems.length) throw new ConfigError(expanded.problems);
  provenance = expanded.provenance;
  const typing = typeReferences(expanded.data, configSchema, provenance, report);
  const parsed = configSchema.safeParse(expanded.data);
  if (!parsed.success || typing.length) {
    const typed = new Set(typing.map((p) => p.path));
    const issues = parsed.success ? [] : issuesToProblems(expanded.data, configSchema, parsed.error.issues, report);
    throw new ConfigError(sortProblems([...typing, ...issues.filter((p) => !typed.has(p.path))]));
  }
  const config = normalize(parsed.data, file);
  if (!provenance.isEmpty()) config.provenance = provenance;
  const problems = checkSemantics(parsed.data, config).map((p) => report(p.path, p.message));
  if (problems.length) throw new ConfigError(sortProblems(problems));
  return { config, source };
}

export async function loadConfig(options: LoadOptions = {}): Promise<LoadedConfig> {
  const { file, text } = await readConfigText(options);
  return parseConfig(file, text, options.env ?? process.env);
}

function sortProblems<T extends { line: number; column: number }>(problems: T[]): T[] {
  return [...problems].sort((a, b) => a.line - b.line || a.column - b.column);
}

async function readStdin(): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString("utf8");
}

/** Values of command-line flags, as typed: each failure is a UsageError that names the flag. */
import { readFile } from "node:fs/promises";
import { resolve } from "node:path";
import { DURATION_PATTERN, durationToMs } from "../config/duration.js";
import { UsageError } from "../errors.js";

/** A duration flag (`500ms`, `30s`, `2m`, or whole seconds) in milliseconds. */
export function durationFlag(flag: string, value: string): number {
  if (/^\d+$/.test(value)) return durationToMs(Number(value));
  if (DURATION_PATTERN.test(value)) return durationToMs(value);
  throw new UsageError(`${flag}: "${value}" is not a duration (use 500ms, 30s, 2m, ...)`);
}

/** The bytes of the file a flag names (relative to `cwd`), as a Uint8Array (a Buffer is one). */
export async function flagFile(flag: string, file: string, cwd: string = process.cwd()): Promise<Uint8Array> {
  return readFile(resolve(cwd, file)).catch(() => Promise.reject(new UsageError(`${flag}: cannot read ${file}`)));
}

/**
 * `--no-directives` (render, check, apply, diff): every `directives` list in the config is a config
 * error (LoadOptions.allowDirectives: false), for platforms that build wssgen.yaml from their
 * customers' input. Declared once; commander gives it as `directives: false`.
 */
export const NO_DIRECTIVES = {
  flags: "--no-directives",
  description: "refuse the config's `directives` (raw nginx directives): for a wssgen.yaml built from others' input",
} as const;

/** LoadOptions.allowDirectives from commander's `directives` (false with --no-directives). */
export function allowDirectives(opts: { directives?: boolean }): { allowDirectives: boolean } {
  return { allowDirectives: opts.directives !== false };
}

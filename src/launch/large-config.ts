/**
 * Which command lines read a large config: those re-run with memory flags (src/launch/index.ts). Reads
 * argv as commander would for the config option, without loading commander (start-up time).
 */
import { fstatSync, statSync } from "node:fs";

/** Commands that read and render the whole config. */
const RENDERING = new Set(["render", "check", "apply", "diff"]);

/** The config files a command looks for when not given one (src/config/source.ts, in its order). */
const DEFAULT_FILES = ["wssgen.yaml", "wssgen.yml", "wssgen.json"];

/**
 * Above this size (bytes) a config is large: 8 MiB is about 20,000 sites as the bench writes them
 * (scripts/bench/generate.mjs), where the memory flags start to matter (docs/benchmarks.md).
 */
export const LARGE_CONFIG_BYTES = 8 * 2 ** 20;

/**
 * The config a command line reads: the value of `-c FILE`, `-cFILE`, `--config FILE` or `--config=FILE`
 * (the last one wins, as in commander), else the first default file that exists in the working directory;
 * `-` is standard input. Undefined for a command that reads no config, or when `--` ends the options first.
 * `argv` is `process.argv.slice(2)`.
 */
export function configArgument(argv: readonly string[]): string | undefined {
  const command = argv.find((a) => !a.startsWith("-"));
  if (command === undefined || !RENDERING.has(command)) return undefined;
  let file: string | undefined;
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    if (arg === "--") break;
    if (arg === "-c" || arg === "--config") file = argv[++i];
    else if (arg.startsWith("--config=")) file = arg.slice("--config=".length);
    else if (/^-c./.test(arg)) file = arg.slice(2);
  }
  return file ?? DEFAULT_FILES.find((name) => isFile(name));
}

/**
 * Whether the command line reads a config over LARGE_CONFIG_BYTES. Standard input counts by its size when
 * it is a file (`< big.yaml`); a pipe cannot be measured without reading it, and counts as small.
 */
export function readsLargeConfig(argv: readonly string[]): boolean {
  const file = configArgument(argv);
  try {
    if (file === undefined) return false;
    const stat = file === "-" ? fstatSync(0) : statSync(file);
    return stat.isFile() && stat.size > LARGE_CONFIG_BYTES;
  } catch {
    return false;
  }
}

function isFile(name: string): boolean {
  try {
    return statSync(name).isFile();
  } catch {
    return false;
  }
}

/** The one place wssgen starts processes: argv arrays, no shell, a timeout, never throws on exit codes. */
import { resolveCommand } from "./locate.js";

export interface RunResult {
  exitCode: number | undefined;
  stdout: string;
  stderr: string;
  /** the program could not be started (ENOENT, EACCES) */
  notFound: boolean;
  timedOut: boolean;
  /** the output was larger than maxBuffer (and the process was stopped) */
  overflowed?: boolean;
}

export interface RunOptions {
  timeoutMs?: number;
  cwd?: string;
  env?: Record<string, string>;
  /** bytes of output to keep (default execa's 100 MB); `nginx -T` of a large config needs more */
  maxBuffer?: number;
  /** called once the process has been started, while it runs */
  onSpawn?: () => void;
}

export type Runner = (argv: readonly string[], options?: RunOptions) => Promise<RunResult>;

/**
 * Runs argv with execa. A bare program name that PATH lacks is also looked for where distributions
 * install nginx (locate.ts): the default `nginx.reload` is `[nginx, -s, reload]`, and /usr/sbin is
 * not in every user's PATH.
 */
export const execaRunner: Runner = async (argv, options = {}) => {
  const [file, ...args] = resolveCommand(argv, { path: options.env?.PATH });
  if (file === undefined) throw new Error("empty argv");
  // loaded on first use: commands that start no process (most renders) never pay for it
  const { execa } = await import("execa");
  const subprocess = execa(file, args, {
    reject: false,
    timeout: options.timeoutMs ?? 60_000,
    stdin: "ignore",
    ...(options.maxBuffer === undefined ? {} : { maxBuffer: options.maxBuffer }),
    ...(options.cwd === undefined ? {} : { cwd: options.cwd }),
    ...(options.env === undefined ? {} : { env: options.env }),
  });
  options.onSpawn?.();
  const result = await subprocess;
  const code = (result as { code?: string }).code;
  return {
    exitCode: result.exitCode,
    stdout: String(result.stdout ?? ""),
    stderr: String(result.stderr ?? ""),
    notFound: code === "ENOENT" || code === "EACCES",
    timedOut: result.timedOut,
    overflowed: result.isMaxBuffer,
  };
};

/**
 * The start of every wssgen process (bin/wssgen.js → dist/launch.cjs), before the CLI is loaded:
 *
 * 1. A command that reads a large config runs again in a child process with V8 memory flags, so that
 *    peak memory does not depend on how wssgen was launched (`wssgen`, `node bin/wssgen.js`, `npx`).
 * 2. `--version` is answered at once.
 * 3. Otherwise the CLI bundle (dist/cli.cjs) is loaded through the code cache (./compile-cache.ts) and run.
 *
 * This layer imports only the base layer (util, errors.ts): it runs before the bundle is loaded, and its own
 * bundle must stay small (dependency-cruiser enforces the first).
 */
import { createRequire } from "node:module";
import { BROKEN_PIPE_EXIT_CODE, ExitCode } from "../errors.js";
import { requireWithCompileCache } from "./compile-cache.js";
import { readsLargeConfig } from "./large-config.js";

export { compileCacheDir, requireWithCompileCache, type CacheOutcome } from "./compile-cache.js";
export { configArgument, LARGE_CONFIG_BYTES, readsLargeConfig } from "./large-config.js";

/**
 * V8 flags for a large config (nodejs.org/api/cli.html, V8 options): a young generation of 32 MB
 * semi-spaces (rendering makes many short-lived objects; with V8's default the scavenger promotes too
 * many of them), and an old generation that grows by 20% between collections rather than by V8's
 * factor. Together 100,000 sites peak at ~660 MB rather than 1.4 GB (docs/benchmarks.md). `--expose-gc`
 * lets `render` collect once where the parse's positions die (src/commands/render.ts). They are not
 * on every run: any V8 flag makes Node reject the code cache of its own modules (~15–25 ms of start-up).
 */
export const LARGE_CONFIG_FLAGS = ["--max-semi-space-size=32", "--heap-growing-percent=20", "--expose-gc"] as const;

/** Set by the build (scripts/build.mjs, esbuild `define`). */
declare const __WSSGEN_VERSION__: string;

/**
 * Set by the parent of a large config's re-run for its child only (and removed by the child at once, so
 * that nothing it starts inherits it): the child then watches its IPC channel, which a program that
 * started wssgen with one of its own (child_process.fork) keeps to itself.
 */
const CHILD_MARK = "WSSGEN_LARGE_CONFIG_CHILD";

/** Commands whose cache is kept apart: what a run compiles depends on the command. */
const CACHED_COMMANDS = new Set(["render", "check", "apply", "diff", "init", "import", "probe", "schema"]);

/**
 * Runs the CLI in `cliFile` (dist/cli.cjs) for process.argv, or re-runs this process with
 * LARGE_CONFIG_FLAGS when it reads a large config and does not have them: the child gets the same
 * arguments, standard streams and environment; SIGINT, SIGTERM, SIGHUP and SIGQUIT are passed on, and
 * the parent exits as the child did (the same status, or the same signal).
 */
export function launch(cliFile: string): void {
  const args = process.argv.slice(2);
  // `wssgen --version` is what scripts call most: answered before the CLI bundle is loaded
  if (args.length === 1 && (args[0] === "--version" || args[0] === "-v")) {
    // as src/cli.ts's watchOutputStreams: a reader gone is 141 and silent; any other error (a full disk) one line, 2
    process.stdout.on("error", (error: NodeJS.ErrnoException) => {
      if (error.code === "EPIPE") process.exit(BROKEN_PIPE_EXIT_CODE);
      process.stderr.write(`wssgen: cannot write standard output: ${error.code ?? error.message}\n`);
      process.exit(ExitCode.usage);
    });
    process.stdout.write(`${__WSSGEN_VERSION__}\n`);
    return;
  }
  // the child of a large config's re-run: when its parent is gone (killed with SIGKILL, which it cannot
  // pass on), it stops as on SIGTERM (cleaning up) rather than finish and write its output unwatched
  if (process.env[CHILD_MARK] !== undefined) {
    delete process.env[CHILD_MARK];
    process.channel?.unref();
    process.once("disconnect", () => process.kill(process.pid, "SIGTERM"));
  }
  const flagged = LARGE_CONFIG_FLAGS.every((flag) => process.execArgv.some((a) => a.startsWith(flag.split("=")[0]!)));
  if (!flagged && readsLargeConfig(args)) {
    // required here, not imported: child_process (and the net module under it) costs ~3 ms to load
    const { spawn } = createRequire(import.meta.url)("node:child_process") as typeof import("node:child_process");
    // an IPC channel that nothing is sent on: it closes when this process dies, however it dies (above)
    const child = spawn(process.execPath, [...LARGE_CONFIG_FLAGS, ...process.execArgv, process.argv[1]!, ...args], {
      stdio: ["inherit", "inherit", "inherit", "ipc"],
      env: { ...process.env, [CHILD_MARK]: "1" },
    });
    const forward = (signal: NodeJS.Signals) => child.kill(signal);
    for (const signal of ["SIGINT", "SIGTERM", "SIGHUP", "SIGQUIT"] as const) process.on(signal, forward);
    child.on("error", (error) => {
      process.stderr.write(`wssgen: cannot start ${process.execPath}: ${error.message}\n`);
      process.exit(ExitCode.usage);
    });
    child.on("exit", (code, signal) => {
      if (signal) {
        process.removeAllListeners(signal);
        process.kill(process.pid, signal);
      } else process.exit(code ?? 1);
    });
    return;
  }
  const command = args.find((a) => !a.startsWith("-")) ?? "";
  const { exports } = requireWithCompileCache(cliFile, { tag: CACHED_COMMANDS.has(command) ? command : "other" });
  void (exports as { run: () => Promise<void> }).run();
}

/**
 * What apply's transaction (apply.ts) and its recovery of an interrupted apply (recover.ts) share:
 * the context of one apply, and the few operations both need on the target and on nginx.
 */
import { readFile, lstat, rename, stat, unlink } from "node:fs/promises";
import { dirname } from "node:path";
import type { WssgenConfig } from "../config/model.js";
import type { ConfigSource } from "../config/source.js";
import { EnvironmentError } from "../errors.js";
import type { Nginx } from "../nginx/nginx.js";
import type { Processes } from "../nginx/processes.js";
import type { SourceMap } from "../render/sourcemap.js";
import type { Runner } from "../nginx/runner.js";
import { escapeText } from "../util/show.js";
import { describeFsError } from "../util/fs-errors.js";
import { syncDir, writeFileAtomic } from "../util/write-file.js";
import type { ApplyOptions } from "./options.js";
import { sha256, type FileMeta } from "./journal.js";
import { processStartMs } from "./lock.js";

/** Everything one apply needs, shared by its steps, its rollback and its recovery of an earlier one. */
export interface Context {
  options: ApplyOptions;
  step: (message: string) => void;
  nginx: Nginx;
  runner: Runner;
  processes: Processes;
  config: WssgenConfig;
  source: ConfigSource;
  /** the file written: the configured target with symlinks followed (it may not exist yet) */
  target: string;
  link: { path: string; text: string } | null;
  text: string;
  /** the config key behind each line of `text` (computed on demand) */
  sourceMap: () => SourceMap;
  mainConfig: string;
  testArgv: string[];
  reloadArgv: string[];
  commands: string[][];
  pidFile: string | undefined;
  files: { journal: string; backup: string; lock: string; legacyPending: string };
  /** the manual restore, for exit-3 messages */
  manual(previousExisted: boolean): string;
}

export interface Generation {
  master: number;
  workers: number[];
}

/**
 * The target as it was: `content` written with its recorded mode and owner, or removed (a first
 * deploy). On a full disk, where even that copy has no room, the backup itself (which holds exactly
 * these bytes, mode and owner) is renamed into place, and copied back beside it if room allows: the
 * last good config is then the target, which the next apply backs up again.
 */
export async function restore(ctx: Context, content: Buffer | undefined, meta: FileMeta | null): Promise<void> {
  if (content === undefined || meta === null) {
    await unlink(ctx.target).catch((error: NodeJS.ErrnoException) =>
      error.code === "ENOENT" ? undefined : Promise.reject(error),
    );
    return;
  }
  try {
    await writeFileAtomic(ctx.target, content, meta);
  } catch (error) {
    const backup = await readFile(ctx.files.backup).catch(() => undefined);
    if (backup === undefined || sha256(backup) !== meta.sha256) throw error;
    await rename(ctx.files.backup, ctx.target);
    await syncDir(dirname(ctx.target));
    await writeFileAtomic(ctx.files.backup, content, meta).catch(() => undefined);
  }
}

/** `nginx -t`, the reload command, and waiting for its new workers: nginx runs the restored file. */
export async function reloadBack(ctx: Context): Promise<{ problem?: string; advice: string }> {
  const advice = `nginx may still be running the new config; run: ${ctx.testArgv.join(" ")} && ${ctx.reloadArgv.join(" ")}`;
  const retest = await ctx.nginx.test({ config: ctx.mainConfig });
  const beforeBack = await generation(ctx);
  const again = retest.ok ? await ctx.runner(ctx.reloadArgv) : undefined;
  // wait for the restored config to be the one answering, as for the forward reload
  const back =
    again?.exitCode === 0 && beforeBack
      ? await waitForNewWorkers(ctx.processes, beforeBack.master, beforeBack.workers, ctx.options.reloadTimeoutMs ?? 10_000)
      : "ok";
  if (back !== "ok")
    return {
      problem: `nginx did not load it back (${back === "master-gone" ? "nginx stopped" : "no new workers"})`,
      advice: `check nginx's error log and run: ${ctx.testArgv.join(" ")} && ${ctx.reloadArgv.join(" ")}`,
    };
  if (!again || again.exitCode !== 0)
    return { problem: `reloading nginx back failed: ${firstLine(again?.stderr ?? retest.stderr)}`, advice };
  return { advice };
}

export async function fileMeta(path: string, content: Buffer): Promise<FileMeta> {
  const s = await stat(path);
  return { sha256: sha256(content), mode: s.mode & 0o7777, uid: s.uid, gid: s.gid };
}

export async function exists(path: string): Promise<boolean> {
  return lstat(path).then(
    () => true,
    () => false,
  );
}

export async function readTarget(target: string): Promise<Buffer | undefined> {
  try {
    return await readFile(target);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") return undefined;
    throw new EnvironmentError(`cannot read ${target}: ${describeFsError(error, "read")}`);
  }
}

/** The first line of a command's output, escaped: it is shown in a message. */
export function firstLine(text: string): string {
  return escapeText(text.trim().split("\n")[0] ?? "");
}

/**
 * Whether nginx has read its config files since `sinceMs` (ms since the epoch): every one of its
 * current workers (not those shutting down) started later, which only a start or a reload does.
 * Unknown (no pid file, no /proc) counts as no.
 */
export async function loadedSince(ctx: Context, sinceMs: number): Promise<boolean> {
  const now = await generation(ctx);
  if (!now) return false;
  const titles = await Promise.all(now.workers.map(async (pid) => ({ pid, title: await ctx.processes.title(pid) })));
  const workers = titles.filter((w) => w.title !== undefined && /worker process$/.test(w.title));
  return workers.length > 0 && workers.every((w) => (processStartMs(w.pid) ?? 0) > sinceMs);
}

/** nginx's master and its workers now, when they can be seen (a pid file and /proc). */
export async function generation(ctx: Context): Promise<Generation | undefined> {
  const master = ctx.pidFile === undefined ? undefined : await ctx.processes.readPidFile(ctx.pidFile);
  const workers = master === undefined ? undefined : await ctx.processes.children(master);
  return master === undefined || workers === undefined ? undefined : { master, workers };
}

/**
 * A reload nginx carried out shows as new workers, while the old ones either exit or retitle
 * themselves "worker process is shutting down" (they keep their open WebSockets but take no new
 * connections). Waiting for both means that, once apply returns, new connections get the new config.
 */
export async function waitForNewWorkers(
  processes: Processes,
  master: number,
  old: number[],
  timeoutMs: number,
): Promise<"ok" | "master-gone" | "no-new-workers"> {
  const deadline = Date.now() + timeoutMs;
  const before = new Set(old);
  for (;;) {
    if (!processes.alive(master)) return "master-gone";
    const children = (await processes.children(master)) ?? [];
    if (children.some((pid) => !before.has(pid))) {
      const titles = await Promise.all(children.filter((pid) => before.has(pid)).map((pid) => processes.title(pid)));
      if (titles.every((title) => title === undefined || !/worker process$/.test(title))) return "ok";
    }
    if (Date.now() >= deadline) return "no-new-workers";
    await new Promise((r) => setTimeout(r, 20));
  }
}

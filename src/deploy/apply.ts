/**
 * `wssgen apply`, the pre-deploy hook: render; if unchanged, stop; else lock, back up, write
 * atomically, `nginx -T` against the real main config, reload, verify — and on any failure put the
 * previous file back byte for byte (reloading back when the reload had happened).
 */
import { spawnSync } from "node:child_process";
import { rmSync, writeFileSync } from "node:fs";
import { readFile, realpath, stat, unlink } from "node:fs/promises";
import { basename, dirname, isAbsolute, join, resolve } from "node:path";
import { loadConfig, type LoadOptions } from "../config/load.js";
import type { WssgenConfig } from "../config/model.js";
import { formatPath, type KeyPath } from "../config/path.js";
import type { ConfigSource } from "../config/source.js";
import { DeployError, EnvironmentError, UsageError } from "../errors.js";
import { createNginx, type Nginx, type NginxMessage, type NginxVersionInfo } from "../nginx/nginx.js";
import { linuxProcesses, type Processes } from "../nginx/processes.js";
import { execaRunner, type Runner } from "../nginx/runner.js";
import { parseNginx } from "../nginx/syntax.js";
import { render } from "../render/render.js";
import { outputLocator, showNginxText } from "../render/errors-map.js";
import { resolveTarget } from "../commands/target.js";
import { unifiedDiff } from "../util/diff.js";
import { onInterrupt } from "../util/interrupt.js";
import { escapeText } from "../util/show.js";
import { describeFsError, writeFileAtomic } from "../util/write-file.js";
import { acquireLock } from "./lock.js";
import { parseProbeUrl, probe, type ProbeOptions } from "../probe/probe.js";

export interface ApplyOptions extends LoadOptions {
  /** the file to write (default nginx.target) */
  target?: string | undefined;
  /** false: write and test only */
  reload?: boolean | undefined;
  dryRun?: boolean | undefined;
  nginxVersion?: string | undefined;
  lockTimeoutMs?: number;
  /** how long a reload may take to start new workers */
  reloadTimeoutMs?: number;
  createNginx?: (binary: string) => Nginx;
  runner?: Runner;
  processes?: Processes;
  /** after the reload, a WebSocket handshake through nginx must succeed (`--probe URL`) */
  probe?: { url: string; options?: ProbeOptions } | undefined;
  /** progress, one line per step */
  onStep?: (message: string) => void;
}

export interface ApplyResult {
  status: "unchanged" | "dry-run" | "tested" | "applied";
  target: string;
  /** with --dry-run, the unified diff from the deployed file to the new one; else "" */
  diff: string;
  /** what apply runs (or, with --dry-run, would run) */
  commands: string[][];
}

export interface DeployPlan {
  config: WssgenConfig;
  source: ConfigSource;
  nginx: Nginx;
  info: NginxVersionInfo | undefined;
  /** the deployed file, absolute */
  target: string;
  /** what would be deployed */
  text: string;
  /** what is deployed now (undefined: no file yet) */
  before: Buffer | undefined;
  /** whether the deployed file differs from what would be rendered */
  changed: boolean;
  /** the unified diff from before to text (computed on demand: apply itself only needs `changed`) */
  diff(): string;
}

/** What `apply` and `diff` share: load, render for the installed nginx, compare with the deployed file. */
export async function planDeploy(options: ApplyOptions, runner: Runner = options.runner ?? execaRunner): Promise<DeployPlan> {
  const { config, source } = await loadConfig(options);
  const nginx = (options.createNginx ?? ((binary: string) => createNginx(binary, runner)))(config.nginx.binary);
  const info = await nginx.version();
  const target = resolve(options.cwd ?? process.cwd(), options.target ?? config.nginx.target);
  const renderTarget = await resolveTarget(config, options.nginxVersion, info ? nginx : undefined);
  const text = render(config, renderTarget);
  const before = await readTarget(target);
  const changed = before === undefined || !before.equals(Buffer.from(text));
  const diff = () =>
    changed
      ? unifiedDiff(before?.toString("utf8") ?? "", text, {
          fromLabel: before ? target : "/dev/null",
          toLabel: `${target} (rendered)`,
        })
      : "";
  return { config, source, nginx, info, target, text, before, changed, diff };
}

export async function apply(options: ApplyOptions): Promise<ApplyResult> {
  const step = options.onStep ?? (() => undefined);
  const runner = options.runner ?? execaRunner;
  const processes = options.processes ?? linuxProcesses;
  const plan = await planDeploy(options, runner);
  const { config, source, nginx, info, text, changed } = plan;
  // a symlinked target (sites-enabled/chat -> ../sites-available/chat) is written through, not replaced
  const target = await realpath(plan.target).catch(() => plan.target);
  if (!info && !options.dryRun)
    throw new EnvironmentError(`nginx not found: cannot run "${nginx.binary}" (install nginx, or set nginx.binary)`);
  const mainConfig = config.nginx.mainConfig;
  const testArgv = [nginx.binary, "-T", "-c", mainConfig];
  const reloadArgv = config.nginx.reload;
  if (options.probe && options.reload === false) throw new UsageError("--probe needs the reload: it tests the config nginx runs");
  if (options.probe) parseProbeUrl(options.probe.url);
  const commands = options.reload === false ? [testArgv] : [testArgv, reloadArgv];
  // a `--no-reload` apply leaves the file deployed but not loaded: the next apply reloads it
  const pendingFile = sidecar(target, "pending");
  const pending =
    options.reload !== false &&
    (await stat(pendingFile).then(
      () => true,
      () => false,
    ));
  if (!changed && !pending) return { status: "unchanged", target, diff: "", commands: [] };
  if (options.dryRun) return { status: "dry-run", target, diff: plan.diff(), commands };
  // the diff is for --dry-run; a deploy only needs to know that something changed
  const diff = "";
  if (!changed) step(`${target} is up to date but was written with --no-reload: testing and reloading it`);

  const dir = dirname(target);
  const dirStat = await stat(dir).catch(() => undefined);
  if (!dirStat?.isDirectory()) throw new EnvironmentError(`cannot write ${target}: directory ${dir} does not exist`);

  const lock = await acquireLock(sidecar(target, "lock"), {
    timeoutMs: options.lockTimeoutMs ?? 60_000,
    onWait: (pid) => step(`waiting for another wssgen apply (pid ${pid}) to finish`),
  });
  // from here on, an interruption puts the previous file back (synchronously: the process is exiting)
  let previous: Buffer | undefined;
  let written = false;
  let reloaded = false;
  const interrupt = onInterrupt(() => {
    if (written) {
      if (previous === undefined) rmSync(target, { force: true });
      else writeFileSync(target, previous);
      // nginx may already run the new file: load the restored one
      if (reloaded) spawnSync(reloadArgv[0]!, reloadArgv.slice(1), { stdio: "ignore", timeout: 30_000 });
    }
    rmSync(lock.path, { force: true });
  });
  try {
    previous = await readTarget(target); // again, under the lock: another apply may have written it
    if (!pending && previous !== undefined && previous.equals(Buffer.from(text)))
      return { status: "unchanged", target, diff: "", commands: [] };
    const previousStat = previous === undefined ? undefined : await stat(target);
    const backup = sidecar(target, "backup");
    if (previous !== undefined) {
      await writeFileAtomic(backup, previous, {
        mode: previousStat!.mode & 0o7777,
        uid: previousStat!.uid,
        gid: previousStat!.gid,
      });
      step(`backed up ${target} to ${backup}`);
    }

    const reloadTimeoutMs = options.reloadTimeoutMs ?? 10_000;
    const pidFile = await pidFilePath(mainConfig, info!);
    /** nginx's master and its workers now, when they can be seen (a pid file and /proc) */
    const generation = async (): Promise<{ master: number; workers: number[] } | undefined> => {
      const master = pidFile === undefined ? undefined : await processes.readPidFile(pidFile);
      const workers = master === undefined ? undefined : await processes.children(master);
      return master === undefined || workers === undefined ? undefined : { master, workers };
    };
    const restore = async (): Promise<void> => {
      if (previous === undefined)
        await unlink(target).catch((error: NodeJS.ErrnoException) =>
          error.code === "ENOENT" ? undefined : Promise.reject(error),
        );
      else
        await writeFileAtomic(target, previous, {
          mode: previousStat!.mode & 0o7777,
          uid: previousStat!.uid,
          gid: previousStat!.gid,
        });
    };
    const manual = [
      `to restore by hand: ${previous === undefined ? `rm ${target}` : `cp ${backup} ${target}`} && ${testArgv.join(" ")} && ${reloadArgv.join(" ")}`,
    ];
    const rollback = async (reason: string, details: string[], reloadBack: boolean): Promise<never> => {
      try {
        await restore();
      } catch (error) {
        const why = error instanceof EnvironmentError ? error.message : `cannot restore ${target}: ${describeFsError(error)}`;
        throw new DeployError(3, `apply failed: ${reason}; restoring failed too: ${why}`, [...details, ...manual]);
      }
      const what = previous === undefined ? `removed the new ${target} (first deploy)` : `restored ${target} byte for byte`;
      if (!reloadBack) throw new DeployError(1, `apply failed: ${reason}; ${what}; nginx was not reloaded`, details);
      const retest = await nginx.test({ config: mainConfig });
      const beforeBack = await generation();
      const again = retest.ok ? await runner(reloadArgv) : undefined;
      // wait for the restored config to be the one answering, as for the forward reload
      const back =
        again?.exitCode === 0 && beforeBack
          ? await waitForNewWorkers(processes, beforeBack.master, beforeBack.workers, reloadTimeoutMs)
          : "ok";
      if (back !== "ok")
        throw new DeployError(
          3,
          `apply failed: ${reason}; ${what}, but nginx did not load it back (${back === "master-gone" ? "nginx stopped" : "no new workers"})`,
          [...details, `check nginx's error log and run: ${testArgv.join(" ")} && ${reloadArgv.join(" ")}`],
        );
      if (!again || again.exitCode !== 0)
        throw new DeployError(
          3,
          `apply failed: ${reason}; ${what}, but reloading nginx back failed: ${firstLine(again?.stderr ?? retest.stderr)}`,
          [
            ...details,
            `nginx may still be running the new config; ${manual[0]!.replace(/^to restore by hand: .*? && /, "run: ")}`,
          ],
        );
      throw new DeployError(1, `apply failed: ${reason}; ${what} and reloaded nginx back to it`, details);
    };

    const deployWritten = async (
      fail: (reason: string, details: string[], reloadBack: boolean) => Promise<never>,
    ): Promise<ApplyResult> => {
      const test = await nginx.test({ config: mainConfig, dump: true });
      if (!test.ok)
        await fail(`nginx -t rejected the new config`, mapNginxMessages(test.errors, target, text, source, config), false);
      if (!(await includes(test.stdout, target)))
        await fail(
          `${mainConfig} does not include ${target}, so nginx would never load it (add an include, or set nginx.target)`,
          [],
          false,
        );
      step(`${testArgv.join(" ")}: ok`);
      if (options.reload === false) return { status: "tested", target, diff, commands };

      const current = await generation();
      reloaded = true;
      const reload = await runner(reloadArgv);
      if (reload.notFound) await fail(`reload command not found: ${reloadArgv[0]}`, [], false);
      if (reload.exitCode !== 0) {
        // a reload command can fail after nginx took the signal: then nginx runs the new file, and must go back
        const tookIt = current ? (await waitForNewWorkers(processes, current.master, current.workers, 1000)) === "ok" : false;
        await fail(
          `${reloadArgv.join(" ")} failed: ${firstLine(reload.stderr) || `exit ${reload.exitCode}`}${current === undefined ? " (is nginx running?)" : ""}`,
          [],
          tookIt,
        );
      }
      step(`${reloadArgv.join(" ")}: ok`);

      if (current === undefined) {
        const master = pidFile === undefined ? undefined : await processes.readPidFile(pidFile);
        if (pidFile !== undefined && master === undefined)
          await fail(`nginx is not running (no pid in ${pidFile}), so nothing loaded the new config`, [], false);
        step(
          pidFile === undefined
            ? "could not verify the reload: no nginx pid file"
            : "could not verify the reload: no /proc to list nginx's workers",
        );
      } else {
        const verdict = await waitForNewWorkers(processes, current.master, current.workers, reloadTimeoutMs);
        if (verdict === "master-gone") await fail(`nginx (pid ${current.master}) stopped during the reload`, [], true);
        // no new workers: nginx refused the new config (a port taken, say) and runs the previous one
        if (verdict === "no-new-workers")
          await fail(
            `nginx did not load the new config: no new worker processes within ${Math.round(reloadTimeoutMs / 1000)}s (see nginx's error log); it still runs the previous one`,
            [],
            false,
          );
        step(`nginx (pid ${current.master}) started new workers with the new config`);
      }
      if (options.probe) {
        const probed = await probe(options.probe.url, options.probe.options);
        if (!probed.ok)
          await fail(`the probe of ${options.probe.url} failed: ${probed.problem?.message ?? "no upgrade"}`, [], true);
        step(`probe ${options.probe.url}: 101 in ${probed.timing.upgradeMs} ms`);
      }
      await unlink(pendingFile).catch(() => undefined);
      return { status: "applied", target, diff, commands };
    };

    // until nginx runs what is on disk, a marker says so: a later apply (even after a crash) reloads
    const hadPending = await stat(pendingFile).then(
      () => true,
      () => false,
    );
    await writeFileAtomic(
      pendingFile,
      "written by wssgen apply: nginx may not run this file yet; the next wssgen apply reloads it\n",
    );
    const undo = rollback;
    const rollbackAndClear = async (reason: string, details: string[], reloadBack: boolean): Promise<never> => {
      if (!hadPending) await unlink(pendingFile).catch(() => undefined);
      return undo(reason, details, reloadBack);
    };
    try {
      await writeFileAtomic(target, text);
      written = true;
      step(`wrote ${target}`);
      return await deployWritten(rollbackAndClear);
    } catch (error) {
      if (error instanceof DeployError) throw error;
      if (!written) {
        // the write itself failed (a full disk, say): the old file is untouched, nothing to undo
        if (!hadPending) await unlink(pendingFile).catch(() => undefined);
        throw error;
      }
      // anything unexpected after the write: put the previous state back all the same
      return await rollbackAndClear(error instanceof Error ? error.message : String(error), [], reloaded);
    }
  } finally {
    interrupt.release();
    await lock.release();
  }
}

/** apply's own files beside the target: hidden, because nginx's include globs (`*`, `*.conf`) skip dot files. */
export function sidecar(target: string, kind: "lock" | "backup" | "pending"): string {
  return join(dirname(target), `.${basename(target)}.wssgen-${kind}`);
}

async function readTarget(target: string): Promise<Buffer | undefined> {
  try {
    return await readFile(target);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") return undefined;
    throw new EnvironmentError(`cannot read ${target}: ${describeFsError(error)}`);
  }
}

function firstLine(text: string): string {
  return text.trim().split("\n")[0] ?? "";
}

/** nginx -T names every file it read ("# configuration file /etc/nginx/conf.d/wssgen.conf:"), maybe through links. */
async function includes(dump: string, target: string): Promise<boolean> {
  const real = await realpath(target).catch(() => target);
  const files = [...new Set([...dump.matchAll(/^# configuration file (.+):$/gm)].map((m) => m[1]!))];
  for (const file of files) if (file === target || (await realpath(file).catch(() => file)) === real) return true;
  return false;
}

/** Where the running master's pid is: the main config's `pid` directive, else nginx's compiled default. */
async function pidFilePath(mainConfig: string, info: NginxVersionInfo): Promise<string | undefined> {
  const text = await readFile(mainConfig, "utf8").catch(() => "");
  let pid: string | undefined;
  try {
    pid = parseNginx(text).find((d) => d.name === "pid")?.args[0];
  } catch {
    pid = undefined;
  }
  pid ??= info.pidPath;
  if (pid === undefined) return undefined;
  return isAbsolute(pid) ? pid : resolve(info.prefix ?? "/", pid);
}

/**
 * A reload nginx carried out shows as new workers, while the old ones either exit or retitle
 * themselves "worker process is shutting down" (they keep their open WebSockets but take no new
 * connections). Waiting for both means that, once apply returns, new connections get the new config.
 */
async function waitForNewWorkers(
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

/** nginx's messages, those about the target file reported at the place in wssgen.yaml that wrote the line. */
function mapNginxMessages(
  messages: NginxMessage[],
  target: string,
  text: string,
  source: ConfigSource,
  config: WssgenConfig,
): string[] {
  const locate = outputLocator(text, target);
  // nginx quotes values from wssgen.yaml: shown escaped and cut, and never one from the environment
  const safe = (path: KeyPath, message: string) => config.provenance?.finding(path, message) ?? message;
  return messages.map((m) => {
    const path = locate(m);
    const where = m.file ? ` (${escapeText(m.file)}:${m.line})` : "";
    if (!path) return `nginx: ${safe([], showNginxText(m.text))}${where}`;
    const { line, column } = source.locate(path);
    return `${escapeText(source.file)}:${line}:${column} ${formatPath(path)}: nginx -t: ${safe(path, showNginxText(m.text))}${where}`;
  });
}

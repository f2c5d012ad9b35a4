/**
 * `wssgen apply`, the pre-deploy hook, as a transaction: render; if unchanged, stop; else lock,
 * finish or undo any apply that was interrupted before (recover.ts), back up the last good
 * config, write atomically, `nginx -T` against the real main config, reload, verify, commit — and
 * on any failure put the last good config back byte for byte (reloading back when the reload may
 * have happened). Every step is one function in STEPS; the journal (journal.ts) records each state before its
 * work runs, so a crash at any point leaves a record the next apply can act on.
 */
import { spawnSync } from "node:child_process";
import { rmSync } from "node:fs";
import { readFile, realpath, stat, unlink } from "node:fs/promises";
import { dirname, isAbsolute, resolve } from "node:path";
import { loadConfig } from "../config/load.js";
import { forOutputFile } from "../config/normalize.js";
import type { WssgenConfig } from "../config/model.js";
import type { Provenance } from "../config/provenance.js";
import { formatPath, type KeyPath } from "../config/path.js";
import type { ConfigSource } from "../config/source.js";
import { DeployError, EnvironmentError, ExitCode, UsageError, isKnownError } from "../errors.js";
import { createNginx, notFoundMessage, type Nginx, type NginxMessage, type NginxVersionInfo } from "../nginx/nginx.js";
import { resolveCommand } from "../nginx/locate.js";
import { linuxProcesses } from "../nginx/processes.js";
import { execaRunner, type Runner } from "../nginx/runner.js";
import { parseNginx } from "../util/nginx-syntax.js";
import { render, renderMapped } from "../render/render.js";
import type { SourceMap } from "../render/sourcemap.js";
import { explainNginxMessage, outputLocator, showNginxText } from "../check/errors-map.js";
import { resolveNginxBuild } from "../nginx/nginx-build.js";
import { assertVersionGates } from "../config/version-gates.js";
import { unifiedDiff } from "../util/diff.js";
import { onInterrupt } from "../util/interrupt.js";
import { escapeText } from "../util/show.js";
import { describeFsError } from "../util/fs-errors.js";
import { followLinks, writeFileAtomic, writeFileAtomicSync } from "../util/write-file.js";
import { acquireLock } from "./lock.js";
import {
  exists,
  fileMeta,
  firstLine,
  generation,
  loadedSince,
  readTarget,
  reloadBack,
  restore,
  waitForNewWorkers,
  type Context,
  type Generation,
} from "./context.js";
import { readBackup, recover, removeLeftovers } from "./recover.js";
import { newJournal, removeJournal, sha256, sidecar, writeJournal, type FileMeta, type Journal, type State } from "./journal.js";
import { checkProbeOptions, checkProbeUrl, probe } from "../probe/probe.js";
import type { ApplyOptions } from "./options.js";
import { certificatesChangedAt, fileMissing, markAwaitingCertificates, type AwaitingCertificate } from "./certificates.js";

export interface ApplyResult {
  /**
   * `recovered`/`clean`: with `recover`, whether there was an interrupted apply to finish or undo;
   * `reloaded`: the file was up to date, but certificate files changed since nginx loaded them (a
   * renewal), so apply tested and reloaded
   */
  status: "unchanged" | "dry-run" | "tested" | "applied" | "reloaded" | "recovered" | "clean";
  target: string;
  /** with --dry-run, the unified diff from the deployed file to the new one; else "" */
  diff: string;
  /** what apply runs (or, with --dry-run, would run) */
  commands: string[][];
  /** TLS sites with acme whose certificate does not exist yet: only their challenges are served (certificates.ts) */
  awaiting: AwaitingCertificate[];
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
  /** whether the deployed file differs from what would be rendered */
  changed: boolean;
  /** the unified diff from before to text (computed on demand: apply itself only needs `changed`) */
  diff(): string;
  /** the config key behind each line of text (rendered again with the map, on demand: only when nginx rejects it) */
  sourceMap: () => SourceMap;
  /** the sites rendered without their TLS server until their certificate exists (`config` has them marked) */
  awaiting: AwaitingCertificate[];
}

/** What `apply` and `diff` share: load, render for the installed nginx, compare with the deployed file. */
export async function planDeploy(options: ApplyOptions, runner: Runner = options.runner ?? execaRunner): Promise<DeployPlan> {
  const loaded = await loadConfig(options);
  const { source } = loaded;
  const cwd = options.cwd ?? process.cwd();
  // --target: the namespace follows the file written, unless the config sets one
  const configured = options.target === undefined ? loaded.config : forOutputFile(loaded.config, options.target);
  const { config, awaiting } = await awaitCertificates(configured, deployHook(options, source, cwd));
  const nginx = (options.createNginx ?? ((binary: string) => createNginx(binary, runner)))(config.nginx.binary);
  const info = await nginx.version();
  const target = resolve(cwd, options.target ?? config.nginx.target);
  const build = await resolveNginxBuild(config, options.nginxVersion, info ? nginx : undefined);
  assertVersionGates(config, source, build);
  const text = render(config, build);
  const before = await readTarget(target);
  const changed = before === undefined || !before.equals(Buffer.from(text));
  const diff = () =>
    changed
      ? unifiedDiff(before?.toString("utf8") ?? "", text, {
          fromLabel: before ? target : "/dev/null",
          toLabel: `${target} (rendered)`,
        })
      : "";
  const sourceMap = () => renderMapped(config, build).sourceMap;
  return { config, source, nginx, info, target, text, changed, diff, sourceMap, awaiting };
}

/** The file-system half of markAwaitingCertificates: which certificate and key files of acme sites are absent. */
async function awaitCertificates(
  config: WssgenConfig,
  hook: string[],
): Promise<{ config: WssgenConfig; awaiting: AwaitingCertificate[] }> {
  const files = config.sites.flatMap((s) => (s.tls && s.acme ? [s.tls.certificate, s.tls.key] : []));
  if (!files.length) return { config, awaiting: [] };
  const missing = new Set<string>();
  await Promise.all(files.map(async (file) => (await fileMissing(file)) && missing.add(file)));
  return markAwaitingCertificates(config, (file) => missing.has(file), hook);
}

/** The apply certbot's --deploy-hook runs: this one, with the config (and --target) as absolute paths. */
function deployHook(options: ApplyOptions, source: ConfigSource, cwd: string): string[] {
  const config = source.file === "<stdin>" ? "/path/to/wssgen.yaml" : resolve(cwd, source.file);
  return ["wssgen", "apply", "-c", config, ...(options.target === undefined ? [] : ["--target", resolve(cwd, options.target)])];
}

/** One apply in flight: the journal on disk, and in memory what rolling back needs. */
interface Transaction {
  ctx: Context;
  journal: Journal;
  /** the last good config (undefined: none, a first deploy) */
  previous: Buffer | undefined;
  /** the target may differ from `previous` (set before the write, so a crash mid-write counts) */
  touched: boolean;
  /** nginx may run the new file (set before the reload command starts) */
  reloadStarted: boolean;
  /** nginx's master and workers just before the reload */
  before: Generation | undefined;
  /** the last-good config came from a --no-reload apply's journal: the backup already holds it */
  continued: boolean;
  /** the file is as deployed; only its certificates changed (certificatesRenewed) */
  renewed: boolean;
}

/** A failure after the transaction began: the reason, nginx's messages, and whether nginx may run the new file. */
class Failure extends Error {
  constructor(
    readonly reason: string,
    readonly details: string[] = [],
    readonly reloadBack = false,
  ) {
    super(reason);
  }
}

export async function apply(options: ApplyOptions): Promise<ApplyResult> {
  const runner = options.runner ?? execaRunner;
  const plan = await planDeploy(options, runner);
  return { ...(await applyRedacted(options, plan, runner)), awaiting: plan.awaiting };
}

/** What applyPlan does and how it fails, with every value from `${VAR}` redacted from its progress and errors. */
async function applyRedacted(options: ApplyOptions, plan: DeployPlan, runner: Runner): Promise<Outcome> {
  // paths and commands may come from ${VAR}: apply's messages never print those values either
  const provenance = plan.config.provenance;
  if (!provenance || provenance.isEmpty()) return applyPlan(options, plan, runner);
  const redact = (text: string) => provenance.redact(text);
  const onStep = options.onStep;
  try {
    return await applyPlan({ ...options, onStep: onStep && ((message) => onStep(redact(message))) }, plan, runner);
  } catch (error) {
    throw isKnownError(error) ? error.redactWith(redact) : error;
  }
}

/** An apply's result, before the plan's `awaiting` is added. */
type Outcome = Omit<ApplyResult, "awaiting">;

async function applyPlan(options: ApplyOptions, plan: DeployPlan, runner: Runner): Promise<Outcome> {
  const { config, nginx, info, text, changed } = plan;
  const { file: target, link } = await followLinks(plan.target);
  if (!info && !options.dryRun)
    throw new EnvironmentError(notFoundMessage(nginx.location, "install nginx, or set nginx.binary to its path"));
  if (options.probe && options.reload === false) throw new UsageError("--probe needs the reload: it tests the config nginx runs");
  if (options.recover && options.dryRun) throw new UsageError("--recover and --dry-run cannot be used together");
  if (options.probe) {
    checkProbeUrl(options.probe.url);
    checkProbeOptions(options.probe.options ?? {}, { origin: "--probe-origin", header: "--probe-header" });
  }
  const mainConfig = config.nginx.mainConfig;
  const testArgv = [nginx.binary, "-T", "-c", mainConfig];
  const reloadArgv = [...config.nginx.reload];
  const files = {
    journal: sidecar(target, "journal"),
    backup: sidecar(target, "backup"),
    lock: sidecar(target, "lock"),
    legacyPending: sidecar(target, "pending"),
  };
  if (config.provenance) nameDerivedPaths(config.provenance, plan.target, target, files);
  const ctx: Context = {
    options,
    step: options.onStep ?? (() => undefined),
    nginx,
    runner,
    processes: options.processes ?? linuxProcesses,
    config: plan.config,
    source: plan.source,
    target,
    link,
    text,
    sourceMap: plan.sourceMap,
    mainConfig,
    testArgv,
    reloadArgv,
    commands: options.reload === false ? [testArgv] : [testArgv, reloadArgv],
    pidFile: info ? await pidFilePath(mainConfig, info) : undefined,
    files,
    manual: (existed) =>
      `to restore by hand: ${existed ? `cp ${files.backup} ${target}` : `rm ${target}`} && ${testArgv.join(" ")} && ${reloadArgv.join(" ")}`,
  };
  const unfinished = (await exists(files.journal)) || (await exists(files.legacyPending));
  // a file that is up to date may still name certificates nginx has not loaded: a renewal
  const renewed =
    !changed &&
    !unfinished &&
    !options.recover &&
    !options.dryRun &&
    options.reload !== false &&
    (await certificatesRenewed(ctx));
  if (!changed && !unfinished && !options.recover && !renewed) return result(ctx, "unchanged");
  if (options.dryRun) {
    if (unfinished)
      ctx.step(
        `found ${files.journal}: a real apply first acts on it (finishes or undoes an interrupted apply, or loads a --no-reload one)`,
      );
    return { status: "dry-run", target, diff: plan.diff(), commands: ctx.commands };
  }
  const dir = dirname(target);
  if (!(await stat(dir).catch(() => undefined))?.isDirectory())
    throw new EnvironmentError(`cannot write ${target}: directory ${dir} does not exist`);

  const lock = await acquireLock(files.lock, {
    timeoutMs: options.lockTimeoutMs ?? 60_000,
    onWait: (pid) => ctx.step(`waiting for another wssgen apply (pid ${pid}) to finish`),
  });
  let tx: Transaction | undefined;
  // an interruption (Ctrl-C, SIGTERM) puts the last good config back, synchronously: the process is exiting
  const interrupt = onInterrupt(() => {
    if (tx) undoSync(tx);
    rmSync(lock.path, { force: true });
  });
  try {
    await removeLeftovers(ctx);
    const pending = await recover(ctx);
    if (options.recover) return result(ctx, pending === "recovered" ? "recovered" : "clean");
    tx = await begin(ctx, pending === "recovered" || pending === "clean" ? undefined : pending, renewed);
    if (!tx) return result(ctx, "unchanged");
    return await run(tx);
  } finally {
    interrupt.release();
    await lock.release();
  }
}

function result(ctx: Context, status: ApplyResult["status"]): Outcome {
  return { status, target: ctx.target, diff: "", commands: status === "unchanged" || status === "clean" ? [] : ctx.commands };
}

/**
 * Whether nginx runs but has not read its config since a certificate or key file it names changed
 * (certbot renewed it): then an apply of an unchanged file still tests and reloads. Unknown (nginx
 * not running, no pid file, no /proc) counts as no: an unchanged apply stays a no-op there.
 */
async function certificatesRenewed(ctx: Context): Promise<boolean> {
  const changedAt = await certificatesChangedAt(ctx.config);
  if (changedAt === undefined || (await generation(ctx)) === undefined) return false;
  return !(await loadedSince(ctx, changedAt));
}

/**
 * Starts a transaction under the lock, or returns undefined when there is nothing to do. `pending`
 * is a finished `--no-reload` apply: its file passed `nginx -t` but nginx may never have loaded it,
 * so the last good config stays the backup it recorded, never that file. `renewed`: the file is up
 * to date but its certificates changed since nginx loaded them, so it is tested and reloaded as is.
 */
async function begin(ctx: Context, pending: Journal | undefined, renewed: boolean): Promise<Transaction | undefined> {
  const { target, text, options, files } = ctx;
  const current = await readTarget(target); // again, under the lock: another apply may have written it
  const upToDate = current !== undefined && current.equals(Buffer.from(text));
  const reload = options.reload !== false;
  if (upToDate && !renewed && (!pending || !reload)) return undefined;
  let previous: Buffer | undefined;
  let meta: FileMeta | null;
  if (pending) {
    meta = pending.previous;
    previous =
      meta === null
        ? undefined
        : await readBackup(ctx, meta, `found ${files.journal} (a --no-reload apply nginx has not loaded)`);
  } else {
    previous = current;
    meta = current === undefined ? null : await fileMeta(target, current);
  }
  const journal = newJournal({
    target,
    link: ctx.link,
    previous: meta,
    backup: files.backup,
    next: { sha256: sha256(text) },
    reload,
  });
  const tx: Transaction = {
    ctx,
    journal,
    previous,
    touched: !sameContent(current, previous),
    reloadStarted: false,
    before: undefined,
    continued: pending !== undefined,
    renewed: upToDate && renewed && !(pending && reload),
  };
  if (upToDate) {
    // a --no-reload apply wrote and tested exactly this file, or certbot renewed a certificate: load it now
    ctx.step(
      tx.renewed
        ? `${target} is up to date, but certificate files it names changed since nginx loaded them (a renewal): testing and reloading`
        : `${target} is up to date but was written with --no-reload: testing and reloading it`,
    );
    journal.state = "written";
  }
  await writeJournal(files.journal, journal);
  await unlink(files.legacyPending).catch(() => undefined);
  return tx;
}

/** The states in order: each function does the work its state names and returns the next state. */
const STEPS: Record<State, (tx: Transaction) => Promise<State | Outcome>> = {
  begun: backUp,
  "backed-up": writeTarget,
  written: testTarget,
  tested: (tx) => Promise.resolve(tx.journal.reload ? "reloading" : result(tx.ctx, "tested")),
  reloading: reloadNginx,
  verifying: verifyReload,
  verified: commit,
};

async function run(tx: Transaction): Promise<Outcome> {
  for (;;) {
    await pauseForTests(tx);
    let next: State | Outcome;
    try {
      next = await STEPS[tx.journal.state](tx);
      if (typeof next !== "string") return next;
      tx.journal.state = next;
      await writeJournal(tx.ctx.files.journal, tx.journal);
    } catch (error) {
      return await rollback(tx, error);
    }
  }
}

/** The backup is the last good config; it is written only from one (see begin), and only when it differs. */
async function backUp(tx: Transaction): Promise<State> {
  const { ctx, previous, journal } = tx;
  if (previous === undefined || journal.previous === null) return "backed-up";
  const held = await readFile(ctx.files.backup).catch(() => undefined);
  if (held && held.equals(previous)) return "backed-up";
  await writeFileAtomic(ctx.files.backup, previous, journal.previous);
  ctx.step(`backed up ${ctx.target} to ${ctx.files.backup}`);
  return "backed-up";
}

async function writeTarget(tx: Transaction): Promise<State> {
  const { ctx } = tx;
  const touched = tx.touched;
  tx.touched = true;
  // the write is atomic: when it fails (a full disk, say) the target is as it was
  await writeFileAtomic(ctx.target, ctx.text, tx.journal.previous ?? {}).catch((error: unknown) => {
    tx.touched = touched;
    throw error;
  });
  ctx.step(`wrote ${ctx.target}`);
  return "written";
}

async function testTarget(tx: Transaction): Promise<State> {
  const { ctx } = tx;
  const test = await ctx.nginx.test({ config: ctx.mainConfig, dump: true });
  if (!test.ok) throw new Failure(`nginx -t rejected the new config`, await mapNginxMessages(test.errors, ctx));
  if (!(await includes(test.stdout, ctx.target)))
    throw new Failure(
      `${ctx.mainConfig} does not include ${ctx.target}, so nginx would never load it (add an include, or set nginx.target)`,
    );
  ctx.step(`${ctx.testArgv.join(" ")}: ok`);
  return "tested";
}

async function reloadNginx(tx: Transaction): Promise<State> {
  const { ctx } = tx;
  tx.before = await generation(ctx);
  tx.reloadStarted = true;
  const reload = await ctx.runner(ctx.reloadArgv);
  if (reload.notFound) throw new Failure(`reload command not found: ${ctx.reloadArgv[0]}`);
  if (reload.exitCode !== 0) {
    // a reload command can fail after nginx took the signal: then nginx runs the new file, and must go back
    const tookIt = tx.before
      ? (await waitForNewWorkers(ctx.processes, tx.before.master, tx.before.workers, 1000)) === "ok"
      : false;
    throw new Failure(
      `${ctx.reloadArgv.join(" ")} failed: ${firstLine(reload.stderr) || `exit ${reload.exitCode}`}${tx.before === undefined ? " (is nginx running?)" : ""}`,
      [],
      tookIt,
    );
  }
  ctx.step(`${ctx.reloadArgv.join(" ")}: ok`);
  return "verifying";
}

async function verifyReload(tx: Transaction): Promise<State> {
  const { ctx, before } = tx;
  const reloadTimeoutMs = ctx.options.reloadTimeoutMs ?? 10_000;
  if (before === undefined) {
    const master = ctx.pidFile === undefined ? undefined : await ctx.processes.readPidFile(ctx.pidFile);
    if (ctx.pidFile !== undefined && master === undefined)
      throw new Failure(`nginx is not running (no pid in ${ctx.pidFile}), so nothing loaded the new config`);
    ctx.step(
      ctx.pidFile === undefined
        ? "could not verify the reload: no nginx pid file"
        : "could not verify the reload: no /proc to list nginx's workers",
    );
  } else {
    const verdict = await waitForNewWorkers(ctx.processes, before.master, before.workers, reloadTimeoutMs);
    if (verdict === "master-gone") throw new Failure(`nginx (pid ${before.master}) stopped during the reload`, [], true);
    // no new workers: nginx refused the new config (a port taken, say) and runs the previous one
    if (verdict === "no-new-workers")
      throw new Failure(
        `nginx did not load the new config: no new worker processes within ${Math.round(reloadTimeoutMs / 1000)}s (see nginx's error log); it still runs the previous one`,
      );
    ctx.step(`nginx (pid ${before.master}) started new workers with the new config`);
  }
  const probeWith = ctx.options.probe;
  if (probeWith) {
    // the config: a 502 from a TLS upstream is explained (src/probe/upstream-tls.ts)
    const probed = await probe(probeWith.url, { ...probeWith.options, config: { config: ctx.config, source: ctx.source } });
    if (!probed.ok)
      throw new Failure(`the probe of ${probeWith.url} failed: ${escapeText(probed.problem?.message ?? "no upgrade")}`, [], true);
    ctx.step(`probe ${probeWith.url}: 101 in ${probed.timing.upgradeMs} ms`);
  }
  return "verified";
}

/** nginx serves the new config: it is the last good one now, and the journal goes. */
async function commit(tx: Transaction): Promise<Outcome> {
  await removeJournal(tx.ctx.files.journal);
  return result(tx.ctx, tx.renewed ? "reloaded" : "applied");
}

/**
 * Puts the last good config back after a failure, reloads nginx back when it may run the new file,
 * and throws what happened: exit 1 when the previous state is back, exit 3 (keeping the journal, so
 * the next apply tries again) when it is not.
 */
async function rollback(tx: Transaction, error: unknown): Promise<never> {
  const { ctx } = tx;
  const failure =
    error instanceof Failure ? error : new Failure(error instanceof Error ? error.message : String(error), [], tx.reloadStarted);
  if (!tx.touched) {
    // nothing changed yet (the backup or the write itself failed, a full disk say): nothing to undo
    await removeJournal(ctx.files.journal).catch(() => undefined);
    if (!(error instanceof Failure) && isKnownError(error)) throw error;
    throw new DeployError(ExitCode.invalid, `apply failed: ${failure.reason}; ${ctx.target} was not changed`, failure.details);
  }
  const previousExisted = tx.previous !== undefined;
  try {
    await restore(ctx, tx.previous, tx.journal.previous);
  } catch (restoreError) {
    const why = isKnownError(restoreError)
      ? restoreError.message
      : `cannot restore ${ctx.target}: ${describeFsError(restoreError, "write")}`;
    throw new DeployError(ExitCode.unrecoverable, `apply failed: ${failure.reason}; restoring failed too: ${why}`, [
      ...failure.details,
      ctx.manual(previousExisted),
    ]);
  }
  tx.touched = false;
  const what = !previousExisted
    ? `removed the new ${ctx.target} (first deploy)`
    : tx.continued
      ? `restored ${ctx.target} byte for byte to the last config nginx loaded (from before the --no-reload apply)`
      : `restored ${ctx.target} byte for byte`;
  if (!failure.reloadBack) {
    await removeJournal(ctx.files.journal);
    throw new DeployError(ExitCode.invalid, `apply failed: ${failure.reason}; ${what}; nginx was not reloaded`, failure.details);
  }
  const back = await reloadBack(ctx);
  if (back.problem !== undefined)
    throw new DeployError(ExitCode.unrecoverable, `apply failed: ${failure.reason}; ${what}, but ${back.problem}`, [
      ...failure.details,
      back.advice,
    ]);
  tx.reloadStarted = false;
  await removeJournal(ctx.files.journal);
  throw new DeployError(
    ExitCode.invalid,
    `apply failed: ${failure.reason}; ${what} and reloaded nginx back to it`,
    failure.details,
  );
}

/** What Ctrl-C does mid-transaction: the same undo as rollback, synchronously, reporting nothing. */
function undoSync(tx: Transaction): void {
  const { ctx } = tx;
  try {
    if (tx.touched) {
      if (tx.previous === undefined || tx.journal.previous === null) rmSync(ctx.target, { force: true });
      else writeFileAtomicSync(ctx.target, tx.previous, tx.journal.previous);
    }
    // nginx may already run the new file: load the restored one
    if (tx.reloadStarted) {
      const [program, ...args] = resolveCommand(ctx.reloadArgv);
      spawnSync(program!, args, { stdio: "ignore", timeout: 30_000 });
    }
    rmSync(ctx.files.journal, { force: true });
  } catch {
    // the journal stays: the next apply finishes the undo
  }
}

/** Test hook (documented in docs/decisions.md): with WSSGEN_APPLY_PAUSE_AT=<state>, apply stops there until killed. */
async function pauseForTests(tx: Transaction): Promise<void> {
  if (process.env.WSSGEN_APPLY_PAUSE_AT !== tx.journal.state) return;
  tx.ctx.step(`paused at ${tx.journal.state} (WSSGEN_APPLY_PAUSE_AT)`);
  await new Promise((r) => setTimeout(r, 3_600_000));
}

function sameContent(a: Buffer | undefined, b: Buffer | undefined): boolean {
  return a === undefined ? b === undefined : b !== undefined && a.equals(b);
}

/** nginx -T names every file it read ("# configuration file /etc/nginx/conf.d/wssgen.conf:"), maybe through links. */
async function includes(dump: string, target: string): Promise<boolean> {
  const real = await realpath(target).catch(() => target);
  const files = [...new Set([...dump.matchAll(/^# configuration file (.+):$/gm)].map((m) => m[1]!))];
  for (const file of files) if (file === target || (await realpath(file).catch(() => file)) === real) return true;
  return false;
}

/**
 * Paths apply makes from a target that came from `${VAR}` (the file a symlink points to, its
 * directory, the backup, journal and lock beside it) are named as what they are, `the backup beside
 * ${TG}`, never as a `${TG}` with the rest of the secret's file name around it.
 */
function nameDerivedPaths(
  provenance: Provenance,
  configured: string,
  target: string,
  files: Record<"journal" | "backup" | "lock" | "legacyPending", string>,
): void {
  const shownConfigured = provenance.redact(configured);
  if (shownConfigured === configured) return;
  if (target !== configured) provenance.derive(target, `the file ${shownConfigured} links to`);
  const shown = provenance.redact(target);
  const derived: [string, string][] = [
    [files.backup, `the backup beside ${shown}`],
    [files.journal, `the journal beside ${shown}`],
    [files.lock, `the lock beside ${shown}`],
    [files.legacyPending, `the pending marker beside ${shown}`],
    [dirname(target), `the directory of ${shown}`],
  ];
  for (const [path, phrase] of derived) if (provenance.redact(path) !== path) provenance.derive(path, phrase);
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
 * The names nginx may give the target: the configured path (a symlink, maybe), the file written, and
 * any path in the messages that resolves to the same file (a link in a chain, a linked directory).
 */
async function namesOf(ctx: Context, messages: NginxMessage[]): Promise<string[]> {
  const real = await realpath(ctx.target).catch(() => ctx.target);
  const names = [ctx.target, real, ...(ctx.link ? [ctx.link.path] : [])];
  for (const file of new Set(messages.map((m) => m.file))) {
    if (file === undefined || names.includes(file)) continue;
    if ((await realpath(file).catch(() => undefined)) === real) names.push(file);
  }
  return names;
}

/** nginx's messages, those about the target file reported at the place in wssgen.yaml that wrote the line. */
async function mapNginxMessages(messages: NginxMessage[], ctx: Context): Promise<string[]> {
  const names = await namesOf(ctx, messages);
  const locate = outputLocator({ text: ctx.text, sourceMap: ctx.sourceMap() }, names);
  // nginx quotes values from wssgen.yaml: shown escaped and cut, and never one from the environment
  const safe = (path: KeyPath, message: string) => ctx.config.provenance?.finding(path, message) ?? message;
  return messages.map((m) => {
    // a message wssgen can explain goes to the key to change, with the explanation
    const explained = explainNginxMessage(m, ctx.config, names);
    const path = explained?.path ?? locate(m);
    const where = m.file ? ` (${escapeText(m.file)}:${m.line})` : "";
    const why = explained ? `: ${explained.text}` : "";
    if (!path) return `nginx: ${safe([], showNginxText(m.text))}${where}`;
    const { line, column } = ctx.source.locate(path);
    return `${escapeText(ctx.source.file)}:${line}:${column} ${formatPath(path)}: nginx -t: ${safe(path, showNginxText(m.text))}${where}${why}`;
  });
}

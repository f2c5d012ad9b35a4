/**
 * Finishing or undoing an apply that was interrupted (killed outright: SIGKILL, a crash, a power
 * cut), from the journal it left; and removing the temp files it left. Runs under the lock, before
 * a new apply begins.
 */
import { readdir, readFile, readlink, rename, stat, symlink, unlink } from "node:fs/promises";
import { basename, dirname, join } from "node:path";
import { DeployError, ExitCode, isKnownError } from "../errors.js";
import { describeFsError } from "../util/fs-errors.js";
import { processRuns } from "../util/process.js";
import { removeStaleTemps } from "../util/write-file.js";
import { exists, fileMeta, firstLine, loadedSince, readTarget, reloadBack, restore, type Context } from "./context.js";
import { newJournal, readJournal, removeJournal, sha256, sidecar, type FileMeta, type Journal, type State } from "./journal.js";
import { LOCK_TEMP } from "./lock.js";

/**
 * Finishes or undoes the apply a journal records, if one was interrupted: after `verified`, nginx
 * serves the new config and only the commit is left; before it, the last good config goes back
 * (from the backup, checked against its recorded sha256), `nginx -t` must pass, and nginx is
 * reloaded back when the reload may have happened. Returns a finished `--no-reload` apply's journal
 * (not an interruption: the next deploy builds on it), "recovered", or "clean".
 */
export async function recover(ctx: Context): Promise<Journal | "recovered" | "clean"> {
  const { files, target, step } = ctx;
  const legacy = await exists(files.legacyPending);
  const journal = await readJournal(files.journal, target, [
    `check ${target} by hand: the last good config is in ${files.backup} (compare: diff ${files.backup} ${target}); put the right one in place, run ${ctx.testArgv.join(" ")} && ${ctx.reloadArgv.join(" ")}, then remove ${files.journal}`,
  ]);
  if (!journal) {
    if (!legacy) return "clean";
    // left by wssgen before 0.2 (its pending marker): the target may be untested, the backup is the last good config
    const backup = await readFile(files.backup).catch(() => undefined);
    step(`found ${files.legacyPending} from an older wssgen: treating ${target} as not loaded by nginx`);
    return newJournalFor(ctx, backup === undefined ? null : await fileMeta(files.backup, backup));
  }
  if (journal.state === "tested" && !journal.reload) {
    const tested = (await stat(files.journal)).mtimeMs;
    const now = await readTarget(target);
    if (now !== undefined && sha256(now) === journal.next.sha256 && (await loadedSince(ctx, tested))) {
      // nginx started (or reloaded) since the --no-reload apply: it serves that file, the last good config now
      await removeJournal(files.journal);
      step(
        `${target} was written with --no-reload, and nginx has loaded it since (its workers are newer): it is the last good config now`,
      );
      return "clean";
    }
    if (ctx.options.recover)
      step(`${target} was written and tested with --no-reload and nothing was interrupted; the next wssgen apply reloads it`);
    return journal;
  }
  const found = `found an apply of ${target} (pid ${journal.pid}, started ${journal.started}) interrupted ${WHERE[journal.state]}`;
  if (journal.state === "verified") {
    await removeJournal(files.journal);
    step(`${found}: nginx already serves its config, so it is finished now`);
    return "recovered";
  }
  const current = await readTarget(target);
  let what: string;
  if (journal.previous === null) {
    if (current === undefined) what = `${target} was not written yet (first deploy)`;
    else {
      await restore(ctx, undefined, null);
      what = `removed the new ${target} (first deploy)`;
    }
  } else if (current !== undefined && sha256(current) === journal.previous.sha256)
    what = `${target} still holds the last good config`;
  else {
    const backup = await readBackup(ctx, journal.previous, found);
    await restore(ctx, backup, journal.previous).catch((error: unknown) => {
      throw new DeployError(
        ExitCode.unrecoverable,
        `${found}; restoring the last good config failed: ${isKnownError(error) ? error.message : describeFsError(error, "write")}`,
        [ctx.manual(true)],
      );
    });
    what = `restored the last good config to ${target} byte for byte from ${files.backup}`;
  }
  await restoreLink(journal);
  const test = await ctx.nginx.test({ config: ctx.mainConfig });
  if (!test.ok)
    throw new DeployError(
      ExitCode.unrecoverable,
      `${found}; ${what}, but nginx -t of ${ctx.mainConfig} still fails: ${firstLine(test.stderr)}`,
      [`fix what nginx reports, run ${ctx.testArgv.join(" ")} && ${ctx.reloadArgv.join(" ")}, then remove ${files.journal}`],
    );
  let reloaded = "nginx had not been reloaded with it";
  if (journal.state === "reloading" || journal.state === "verifying") {
    const master = ctx.pidFile === undefined ? undefined : await ctx.processes.readPidFile(ctx.pidFile);
    if (ctx.pidFile !== undefined && master === undefined) reloaded = "nginx is not running, so there was nothing to reload back";
    else {
      const back = await reloadBack(ctx);
      if (back.problem !== undefined)
        throw new DeployError(ExitCode.unrecoverable, `${found}; ${what}, but ${back.problem}`, [back.advice]);
      reloaded = "reloaded nginx back to it";
    }
  }
  await removeJournal(files.journal);
  step(`${found}: ${what}; nginx -t passes; ${reloaded}`);
  return "recovered";
}

const WHERE: Record<State, string> = {
  begun: "before it changed anything",
  "backed-up": "after the backup, before the new file was written",
  written: "after it wrote the new file, before or during nginx -t",
  tested: "after nginx -t passed, before the reload",
  reloading: "during the reload",
  verifying: "while it verified the reload",
  verified: "after nginx loaded the new config",
};

/**
 * What an apply left beside `target` (the file written, symlinks followed), for `wssgen diff`, which
 * changes nothing: an apply that is running or was interrupted (`unfinished`: nginx may run another
 * config than the file holds, and `wssgen apply` finishes or undoes it), or a finished `--no-reload`
 * one (the file is tested, nginx loads it at the next reload). Undefined when there is none.
 */
export async function pendingApply(target: string): Promise<{ unfinished: boolean; message: string } | undefined> {
  const files = { journal: sidecar(target, "journal"), legacyPending: sidecar(target, "pending") };
  const journal = await readJournal(files.journal, target, [
    `run wssgen apply, which refuses to guess and prints the steps to put ${target} right by hand`,
  ]);
  if (!journal) {
    if (!(await exists(files.legacyPending))) return undefined;
    return {
      unfinished: false,
      message: `${target} was written by an older wssgen with --no-reload (${files.legacyPending}); nginx loads it at the next wssgen apply`,
    };
  }
  if (journal.state === "tested" && !journal.reload)
    return {
      unfinished: false,
      message: `${target} was written and tested with --no-reload; nginx loads it at the next wssgen apply (or reload)`,
    };
  const who = `an apply of ${target} (pid ${journal.pid}, started ${journal.started})`;
  if (processRuns(journal.pid))
    return {
      unfinished: true,
      message: `${who} is still running (it has reached: ${journal.state}): nginx may not run what ${target} holds yet`,
    };
  return {
    unfinished: true,
    message: `${who} was interrupted ${WHERE[journal.state]} (its journal: ${files.journal}): nginx may run another config than ${target} holds; run wssgen apply to finish or undo it`,
  };
}

/** A stand-in journal for an older wssgen's pending marker, as if a --no-reload apply had finished. */
function newJournalFor(ctx: Context, previous: FileMeta | null): Journal {
  const journal = newJournal({
    target: ctx.target,
    link: ctx.link,
    previous,
    backup: ctx.files.backup,
    next: { sha256: sha256(ctx.text) },
    reload: false,
  });
  journal.state = "tested";
  return journal;
}

/** The backup's bytes, which must be the last good config the journal names; otherwise exit 3. */
export async function readBackup(ctx: Context, meta: FileMeta, found: string): Promise<Buffer> {
  const backup = await readFile(ctx.files.backup).catch(() => undefined);
  if (backup === undefined || sha256(backup) !== meta.sha256)
    throw new DeployError(
      ExitCode.unrecoverable,
      `${found}, but the backup ${ctx.files.backup} ${backup === undefined ? "is missing" : "is not the last good config it recorded (sha256 differs)"}: nothing to restore from`,
      [
        `put a config you trust in ${ctx.target}, run ${ctx.testArgv.join(" ")} && ${ctx.reloadArgv.join(" ")}, then remove ${ctx.files.journal}`,
      ],
    );
  return backup;
}

/** A symlinked target is written through and never replaced; should anything have replaced it, it is put back. */
async function restoreLink(journal: Journal): Promise<void> {
  const link = journal.link;
  if (link === null) return;
  const now = await readlink(link.path).catch(() => undefined);
  if (now === link.text) return;
  const temp = `${link.path}.wssgen-link.${process.pid}`;
  await unlink(temp).catch(() => undefined);
  await symlink(link.text, temp);
  await rename(temp, link.path);
}

/** Temp files and private lock names that a killed apply left beside the target (only wssgen's, only of dead processes). */
export async function removeLeftovers(ctx: Context): Promise<void> {
  const dir = dirname(ctx.target);
  const names = [ctx.target, ctx.files.backup, ctx.files.journal].map((p) => basename(p));
  const removed = await removeStaleTemps(dir, names);
  // the private names acquireLock writes before linking the lock into place
  const lockName = basename(ctx.files.lock);
  for (const entry of await readdir(dir).catch(() => [] as string[])) {
    const m = entry.startsWith(`${lockName}.`) ? LOCK_TEMP.exec(entry.slice(lockName.length)) : null;
    if (m && Number(m[1]) !== process.pid && !ctx.processes.alive(Number(m[1]))) {
      await unlink(join(dir, entry)).catch(() => undefined);
      removed.push(entry);
    }
  }
  if (removed.length) ctx.step(`removed ${removed.length} temporary file(s) a killed apply left in ${dir}`);
}

/**
 * One `apply` at a time per target: an exclusive lock file beside it naming its owner — pid, the
 * process's start time and the boot it started in. A lock is stale, and taken over, when its owner is
 * gone: the pid is dead, or it now names another process (a different start time, or a lock from
 * before the last boot), which is what a reboot or a long uptime does to pids. A live owner is waited
 * for, up to a limit.
 *
 * Why not an mtime-refreshed lock (proper-lockfile): its owner must touch it every few seconds, and
 * apply spends minutes in `nginx -T` of a large config; a refresh that comes late lets a second apply
 * steal a lock whose owner is alive. A pid plus start time never goes stale while its owner lives.
 */
import { readFileSync } from "node:fs";
import { link, readFile, stat, unlink, writeFile } from "node:fs/promises";
import { EnvironmentError } from "../errors.js";
import { describeFsError } from "../util/fs-errors.js";
import { processRuns } from "../util/process.js";

export interface Lock {
  path: string;
  release(): Promise<void>;
}

/** Who holds a lock, as written in its file: `PID\nstart TICKS boot BOOT_ID\n` (the second line since 0.2). */
export interface LockOwner {
  pid: number;
  /** field 22 of /proc/PID/stat: clock ticks after boot at which the process started */
  startTicks: string | undefined;
  /** /proc/sys/kernel/random/boot_id: changes at every boot */
  bootId: string | undefined;
}

/** This machine's current boot (Linux); undefined elsewhere. */
function bootId(): string | undefined {
  try {
    return readFileSync("/proc/sys/kernel/random/boot_id", "utf8").trim() || undefined;
  } catch {
    return undefined;
  }
}

/** Seconds since the epoch at which the machine booted (`btime` in /proc/stat); undefined elsewhere. */
function bootTime(): number | undefined {
  try {
    const m = /^btime (\d+)$/m.exec(readFileSync("/proc/stat", "utf8"));
    return m ? Number(m[1]) : undefined;
  } catch {
    return undefined;
  }
}

/** The start time of a process in clock ticks after boot (proc(5), field 22), or undefined when unknown. */
export function processStartTicks(pid: number): string | undefined {
  try {
    const text = readFileSync(`/proc/${pid}/stat`, "utf8");
    // "pid (comm) state ppid ...": comm may hold spaces and parentheses, so count fields after the last ")"
    const fields = text.slice(text.lastIndexOf(")") + 2).split(" ");
    const ticks = fields[19];
    return ticks && /^\d+$/.test(ticks) ? ticks : undefined;
  } catch {
    return undefined;
  }
}

/**
 * When a process started, in ms since the epoch, or undefined when unknown; never later than the true
 * start. The boot time comes from /proc/uptime (10 ms steps, rounded down, so the boot it gives is up
 * to 10 ms late) rather than btime (whole seconds); the start time (field 22) counts 10 ms ticks
 * (USER_HZ, `getconf CLK_TCK`), rounded down. Hence the 20 ms taken off.
 */
export function processStartMs(pid: number): number | undefined {
  const ticks = processStartTicks(pid);
  let uptime: number;
  try {
    uptime = Number.parseFloat(readFileSync("/proc/uptime", "utf8"));
  } catch {
    return undefined;
  }
  if (ticks === undefined || !Number.isFinite(uptime)) return undefined;
  return Date.now() - uptime * 1000 + Number(ticks) * 10 - 20;
}

export function parseLockOwner(text: string): LockOwner | undefined {
  const m = /^(\d+)\n(?:start (\d+) boot (\S+)\n)?/.exec(text);
  const pid = m ? Number(m[1]) : NaN;
  if (!m || !Number.isSafeInteger(pid) || pid <= 0) return undefined;
  return { pid, startTicks: m[2], bootId: m[3] };
}

/**
 * Whether the owner a lock names still runs. With start time and boot id (locks since 0.2): the pid
 * must be alive in this boot with the same start time. Without them (older locks, or hand-made):
 * the pid must be alive, the lock must be from this boot, and the process must have started before
 * the lock was written (so a pid taken by a later process does not count). Field 22 counts in USER_HZ,
 * which is 100 on Linux (`getconf CLK_TCK`); /proc/stat's btime is whole seconds, hence the slack.
 */
export function ownerRuns(owner: LockOwner, lockMtimeMs: number): boolean {
  if (!processRuns(owner.pid)) return false;
  const boot = bootId();
  if (owner.bootId !== undefined && boot !== undefined) {
    if (owner.bootId !== boot) return false;
    const ticks = processStartTicks(owner.pid);
    return ticks === undefined || ticks === owner.startTicks;
  }
  const btime = bootTime();
  if (btime === undefined) return true;
  if (lockMtimeMs < btime * 1000 - 2000) return false;
  const startedMs = processStartMs(owner.pid);
  return startedMs === undefined || startedMs <= lockMtimeMs + 2000;
}

function ownerText(): string {
  const ticks = processStartTicks(process.pid);
  const boot = bootId();
  return ticks && boot ? `${process.pid}\nstart ${ticks} boot ${boot}\n` : `${process.pid}\n`;
}

/** The private name a lock is written under before it is linked into place: `<lock>.<pid>.<ms>`. */
export const LOCK_TEMP = /^\.(\d+)\.\d+$/;

export async function acquireLock(
  path: string,
  options: { timeoutMs: number; pollMs?: number; onWait?: (pid: number) => void },
): Promise<Lock> {
  const deadline = Date.now() + options.timeoutMs;
  let announced = false;
  // the lock appears whole: written under a private name, then hard-linked into place (which fails
  // if it exists), so nobody ever reads a lock without its owner
  const mine = `${path}.${process.pid}.${Date.now()}`;
  const text = ownerText();
  for (;;) {
    try {
      try {
        await writeFile(mine, text, { mode: 0o644 });
        await link(mine, path);
        return { path, release: () => unlink(path).catch(() => undefined) };
      } finally {
        // also when the write failed half way (a full disk): no private file stays behind
        await unlink(mine).catch(() => undefined);
      }
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== "EEXIST")
        throw new EnvironmentError(`cannot create lock ${path}: ${describeFsError(error, "write")}`);
    }
    const seen = await stat(path).catch(() => undefined);
    const owner = parseLockOwner(await readFile(path, "utf8").catch(() => ""));
    // a lock without an owner (not ours: ours are whole) is stale once it is a few seconds old
    const stale = owner === undefined ? Date.now() - (seen?.mtimeMs ?? 0) > 5000 : !ownerRuns(owner, seen?.mtimeMs ?? 0);
    if (stale) {
      // remove it, unless another apply replaced it meanwhile (then it is someone's fresh lock)
      const now = await stat(path).catch(() => undefined);
      if (now && seen && now.ino === seen.ino) await unlink(path).catch(() => undefined);
      continue;
    }
    if (Date.now() >= deadline)
      throw new EnvironmentError(
        `another wssgen apply (pid ${owner?.pid ?? "unknown"}) holds ${path}; waited ${Math.round(options.timeoutMs / 1000)}s (try again, or raise --lock-timeout)`,
      );
    if (!announced && owner) options.onWait?.(owner.pid);
    announced = true;
    await new Promise((r) => setTimeout(r, options.pollMs ?? 100));
  }
}

/**
 * One `apply` at a time per target: an exclusive lock file beside it holding the owner's pid. A lock
 * whose process is gone is stale and taken over; a live one is waited for, up to a limit.
 */
import { link, readFile, stat, unlink, writeFile } from "node:fs/promises";
import { EnvironmentError } from "../errors.js";
import { describeFsError } from "../util/write-file.js";

export interface Lock {
  path: string;
  release(): Promise<void>;
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === "EPERM";
  }
}

export async function acquireLock(
  path: string,
  options: { timeoutMs: number; pollMs?: number; onWait?: (pid: number) => void },
): Promise<Lock> {
  const deadline = Date.now() + options.timeoutMs;
  let announced = false;
  // the lock appears whole: written under a private name, then hard-linked into place (which fails
  // if it exists), so nobody ever reads a lock without its pid
  const mine = `${path}.${process.pid}.${Date.now()}`;
  for (;;) {
    try {
      await writeFile(mine, `${process.pid}\n`, { mode: 0o644 });
      try {
        await link(mine, path);
        return { path, release: () => unlink(path).catch(() => undefined) };
      } finally {
        await unlink(mine).catch(() => undefined);
      }
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== "EEXIST")
        throw new EnvironmentError(`cannot create lock ${path}: ${describeFsError(error)}`);
    }
    const seen = await stat(path).catch(() => undefined);
    const owner = Number.parseInt(await readFile(path, "utf8").catch(() => ""), 10);
    // a lock without a pid (not ours: ours are whole) is stale once it is a few seconds old
    const garbage = !Number.isInteger(owner) || owner <= 0;
    if ((garbage && Date.now() - (seen?.mtimeMs ?? 0) > 5000) || (!garbage && !alive(owner))) {
      // stale: remove it, unless another apply replaced it meanwhile (then it is someone's fresh lock)
      const now = await stat(path).catch(() => undefined);
      if (now && seen && now.ino === seen.ino) await unlink(path).catch(() => undefined);
      continue;
    }
    if (Date.now() >= deadline)
      throw new EnvironmentError(
        `another wssgen apply (pid ${garbage ? "unknown" : owner}) holds ${path}; waited ${Math.round(options.timeoutMs / 1000)}s (try again, or raise --lock-timeout)`,
      );
    if (!announced && !garbage) options.onWait?.(owner);
    announced = true;
    await new Promise((r) => setTimeout(r, options.pollMs ?? 100));
  }
}

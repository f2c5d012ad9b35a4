/**
 * One `apply` at a time per target: an exclusive lock file beside it holding the owner's pid. A lock
 * whose process is gone is stale and taken over; a live one is waited for, up to a limit.
 */
import { open, readFile, unlink } from "node:fs/promises";
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
  for (;;) {
    try {
      const handle = await open(path, "wx", 0o644);
      await handle.writeFile(`${process.pid}\n`);
      await handle.close();
      return { path, release: () => unlink(path).catch(() => undefined) };
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== "EEXIST")
        throw new EnvironmentError(`cannot create lock ${path}: ${describeFsError(error)}`);
    }
    const owner = Number.parseInt(await readFile(path, "utf8").catch(() => ""), 10);
    if (!Number.isInteger(owner) || owner <= 0 || !alive(owner)) {
      // stale: its process is gone (or it was never written whole); whoever unlinks first retries first
      await unlink(path).catch(() => undefined);
      continue;
    }
    if (Date.now() >= deadline)
      throw new EnvironmentError(
        `another wssgen apply (pid ${owner}) holds ${path}; waited ${Math.round(options.timeoutMs / 1000)}s (try again, or raise --lock-timeout)`,
      );
    if (!announced) options.onWait?.(owner);
    announced = true;
    await new Promise((r) => setTimeout(r, options.pollMs ?? 100));
  }
}

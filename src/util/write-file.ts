/** Writing output files whole or not at all: a temp file in the same directory, fsync, rename. */
import { open, rename, rm, stat } from "node:fs/promises";
import { basename, dirname, join } from "node:path";
import { randomBytes } from "node:crypto";
import { EnvironmentError } from "../errors.js";

export async function writeFileAtomic(path: string, content: string, options: { mode?: number } = {}): Promise<void> {
  const dir = dirname(path);
  const temp = join(dir, `.${basename(path)}.${randomBytes(6).toString("hex")}.tmp`);
  let mode = options.mode;
  if (mode === undefined)
    mode = await stat(path).then(
      (s) => s.mode & 0o7777,
      () => 0o644,
    );
  try {
    const handle = await open(temp, "wx", mode);
    try {
      await handle.writeFile(content);
      await handle.sync();
    } finally {
      await handle.close();
    }
    await rename(temp, path);
  } catch (error) {
    await rm(temp, { force: true });
    const e = error as NodeJS.ErrnoException;
    const why =
      e.code === "ENOENT"
        ? "directory does not exist"
        : e.code === "EACCES"
          ? "permission denied"
          : e.code === "ENOSPC"
            ? "no space left on device"
            : e.message;
    throw new EnvironmentError(`cannot write ${path}: ${why}`);
  }
}

/** Writing files whole or not at all: a temp file in the same directory, fsync, rename. */
import { rmSync } from "node:fs";
import { open, rename, rm, stat } from "node:fs/promises";
import { basename, dirname, join } from "node:path";
import { randomBytes } from "node:crypto";
import { EnvironmentError } from "../errors.js";
import { onInterrupt } from "./interrupt.js";

export interface WriteOptions {
  /** permissions; default: those of the file being replaced, else 0644 */
  mode?: number;
  /** owner; default: that of the file being replaced (when running as root) */
  uid?: number;
  gid?: number;
}

export function describeFsError(error: unknown): string {
  const e = error as NodeJS.ErrnoException;
  switch (e.code) {
    case "ENOENT":
      return "directory does not exist";
    case "EACCES":
    case "EPERM":
      return "permission denied";
    case "ENOSPC":
      return "no space left on device";
    case "EDQUOT":
      return "disk quota exceeded";
    case "EROFS":
      return "read-only file system";
    case "ENOTDIR":
      return "a parent is not a directory";
    case "EISDIR":
      return "is a directory";
    default:
      return e.message;
  }
}

export async function writeFileAtomic(
  path: string,
  content: string | Buffer | Iterable<string> | AsyncIterable<string>,
  options: WriteOptions = {},
): Promise<void> {
  const dir = dirname(path);
  const temp = join(dir, `.${basename(path)}.${randomBytes(6).toString("hex")}.tmp`);
  const previous = await stat(path).catch(() => undefined);
  const mode = options.mode ?? (previous ? previous.mode & 0o7777 : 0o644);
  // registered before the file exists, so no moment leaves it behind on Ctrl-C or SIGTERM
  const interrupt = onInterrupt(() => rmSync(temp, { force: true }));
  try {
    const handle = await open(temp, "wx", mode);
    try {
      if (typeof content === "string" || Buffer.isBuffer(content)) await handle.writeFile(content);
      else {
        // gather pieces into writes of about a megabyte: one system call per piece would dominate
        let batch: string[] = [];
        let size = 0;
        for await (const chunk of content) {
          batch.push(chunk);
          size += chunk.length;
          if (size >= 1 << 20) {
            await handle.write(batch.join(""));
            batch = [];
            size = 0;
          }
        }
        if (batch.length) await handle.write(batch.join(""));
      }
      await handle.chmod(mode); // open's mode is filtered by the umask
      const uid = options.uid ?? previous?.uid;
      const gid = options.gid ?? previous?.gid;
      if (uid !== undefined && gid !== undefined && process.getuid?.() === 0) await handle.chown(uid, gid);
      await handle.sync();
    } finally {
      await handle.close();
    }
    await rename(temp, path);
  } catch (error) {
    await rm(temp, { force: true });
    throw new EnvironmentError(`cannot write ${path}: ${describeFsError(error)}`);
  } finally {
    interrupt.release();
  }
}

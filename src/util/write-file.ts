/**
 * Writing files whole or not at all: a temp file in the same directory, fsync, rename, fsync of the
 * directory (so the rename itself survives a power cut). The temp file is removed on every failure
 * (a full disk, say) and on Ctrl-C; one left by a process killed outright is named so that
 * `removeStaleTemps` recognises it as wssgen's and its writer as gone.
 */
import { closeSync, fsyncSync, openSync, renameSync, rmSync, statSync, writeSync, fchmodSync, fchownSync } from "node:fs";
import { type FileHandle, lstat, open, readdir, readlink, realpath, rename, rm, stat } from "node:fs/promises";
import { basename, dirname, join, resolve } from "node:path";
import { EnvironmentError } from "../errors.js";
import { describeFsError } from "./fs-errors.js";
import { onInterrupt } from "./interrupt.js";
import { processRuns } from "./process.js";
import { nodeCrypto } from "./hash.js";

export interface WriteOptions {
  /** permissions; default: those of the file being replaced, else 0644 */
  mode?: number;
  /** owner; default: that of the file being replaced (when running as root) */
  uid?: number;
  gid?: number;
}

/** `.<name>.wssgen-tmp.<pid>.<random>`: hidden (nginx's include globs skip it) and naming its writer. */
function tempPath(path: string): string {
  return join(dirname(path), `.${basename(path)}.wssgen-tmp.${process.pid}.${nodeCrypto().randomBytes(6).toString("hex")}`);
}
const TEMP_NAME = /^\.(.+)\.wssgen-tmp\.(\d+)\.[0-9a-f]{12}$/;

/** fsync of a directory, so that a rename or unlink in it is on disk; file systems that refuse it are skipped. */
export async function syncDir(dir: string): Promise<void> {
  const handle = await open(dir, "r").catch(() => undefined);
  if (!handle) return;
  await handle.sync().catch(() => undefined);
  await handle.close();
}

function syncDirSync(dir: string): void {
  try {
    const fd = openSync(dir, "r");
    try {
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
  } catch {
    // as above: not every file system can sync a directory
  }
}

function ownerFor(options: WriteOptions, previous: { uid: number; gid: number } | undefined) {
  const uid = options.uid ?? previous?.uid;
  const gid = options.gid ?? previous?.gid;
  return uid !== undefined && gid !== undefined && process.getuid?.() === 0 ? { uid, gid } : undefined;
}

/** A path that was a symlink, and its link text. */
export interface LinkRecord {
  path: string;
  text: string;
}

/**
 * The file a path names: symlinks followed (up to 40, as the kernel does) even when the last one
 * dangles, so a write through `sites-enabled/chat -> ../sites-available/chat` replaces (or creates)
 * the file the link points to and the link itself stays a link. `link` is the path and its text when
 * the path itself is a symlink, and `chain` every link passed on the way (the path first).
 */
export async function followLinks(path: string): Promise<{ file: string; link: LinkRecord | null; chain: string[] }> {
  let file = path;
  let link: LinkRecord | null = null;
  const chain: string[] = [];
  for (let hops = 0; hops < 40; hops++) {
    const info = await lstat(file).catch(() => undefined);
    if (!info?.isSymbolicLink()) return { file, link, chain };
    const text = await readlink(file);
    link ??= { path, text };
    chain.push(file);
    // relative to the directory the link really is in, as the kernel resolves it
    file = resolve(await realpath(dirname(file)).catch(() => dirname(file)), text);
  }
  throw new EnvironmentError(`cannot write ${path}: too many levels of symbolic links`);
}

/**
 * writeFileAtomic for a file the user names (render -o, schema -o, init -o): through symlinks, as
 * apply writes its target, so a sites-enabled link keeps pointing at the file it names, which gets
 * the new content (a dangling link's file is created). Returns the file really written.
 */
export async function writeUserFile(
  path: string,
  content: string | Buffer | Iterable<string> | AsyncIterable<string>,
  options: WriteOptions = {},
): Promise<string> {
  try {
    const { file } = await followLinks(path);
    await writeFileAtomic(file, content, options);
    return file;
  } catch (error) {
    // a directory that is a file, a read-only disk, no permission: the user's path, not a bug
    if (
      error instanceof Error &&
      typeof (error as NodeJS.ErrnoException).code === "string" &&
      !(error instanceof EnvironmentError)
    )
      throw new EnvironmentError(`cannot write ${path}: ${describeFsError(error, "write")}`);
    throw error;
  }
}

export async function writeFileAtomic(
  path: string,
  content: string | Buffer | Iterable<string> | AsyncIterable<string>,
  options: WriteOptions = {},
): Promise<void> {
  const temp = tempPath(path);
  const previous = await stat(path).catch(() => undefined);
  const mode = options.mode ?? (previous ? previous.mode & 0o7777 : 0o644);
  // registered before the file exists, so no moment leaves it behind on Ctrl-C or SIGTERM
  const interrupt = onInterrupt(() => rmSync(temp, { force: true }));
  try {
    const handle = await open(temp, "wx", mode);
    try {
      if (typeof content === "string" || Buffer.isBuffer(content)) await handle.writeFile(content);
      else await writePieces(handle, content);
      await handle.chmod(mode); // open's mode is filtered by the umask
      const owner = ownerFor(options, previous);
      if (owner) await handle.chown(owner.uid, owner.gid);
      await handle.sync();
    } finally {
      await handle.close();
    }
    await rename(temp, path);
    await syncDir(dirname(path));
  } catch (error) {
    await rm(temp, { force: true });
    throw new EnvironmentError(`cannot write ${path}: ${describeFsError(error, "write")}`);
  } finally {
    interrupt.release();
  }
}

/** The size of the buffer writePieces gathers pieces in. */
const BATCH = 1 << 20;

/**
 * Writes pieces of text in writes of about a megabyte (one system call per piece would dominate).
 * Each piece is encoded into one reused buffer as it comes, not kept as a string until the write: a
 * rendered piece is a tree of many small strings, and a megabyte of them kept alive made every
 * garbage collection during a large render copy them (a third of the render's time at 10,000 sites).
 */
async function writePieces(handle: FileHandle, pieces: Iterable<string> | AsyncIterable<string>): Promise<void> {
  const buffer = Buffer.allocUnsafe(BATCH);
  let used = 0;
  for await (const piece of pieces) {
    // (a UTF-16 code unit is at most 3 bytes of UTF-8)
    if (piece.length * 3 > BATCH - used) {
      await writeAll(handle, buffer, used);
      used = 0;
      if (piece.length * 3 > BATCH) {
        await writeAll(handle, Buffer.from(piece), undefined);
        continue;
      }
    }
    used += buffer.write(piece, used);
  }
  await writeAll(handle, buffer, used);
}

/** The first `length` bytes of `bytes` (all when undefined), however many writes that takes. */
async function writeAll(handle: FileHandle, bytes: Buffer, length: number | undefined): Promise<void> {
  const end = length ?? bytes.length;
  for (let done = 0; done < end;) done += (await handle.write(bytes, done, end - done)).bytesWritten;
}

/**
 * The same, synchronously: for the last moments of a process that is exiting on a signal, where no
 * promise will run. Throws the file system's error (the caller is past reporting it nicely).
 */
export function writeFileAtomicSync(path: string, content: Buffer, options: WriteOptions = {}): void {
  const temp = tempPath(path);
  let previous: { mode: number; uid: number; gid: number } | undefined;
  try {
    previous = statSync(path);
  } catch {
    previous = undefined;
  }
  const mode = options.mode ?? (previous ? previous.mode & 0o7777 : 0o644);
  try {
    const fd = openSync(temp, "wx", mode);
    try {
      for (let done = 0; done < content.length;) done += writeSync(fd, content, done);
      fchmodSync(fd, mode);
      const owner = ownerFor(options, previous);
      if (owner) fchownSync(fd, owner.uid, owner.gid);
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
    renameSync(temp, path);
    syncDirSync(dirname(path));
  } catch (error) {
    rmSync(temp, { force: true });
    throw error;
  }
}

/**
 * Removes the temp files that writeFileAtomic left beside `path` (or beside the given sibling
 * names) when its process was killed outright: only wssgen's own names, and only those whose writer
 * is no longer running. Returns the names removed.
 */
export async function removeStaleTemps(dir: string, names: string[]): Promise<string[]> {
  const entries = await readdir(dir).catch(() => [] as string[]);
  const removed: string[] = [];
  for (const entry of entries) {
    const m = TEMP_NAME.exec(entry);
    if (!m || !names.includes(m[1]!) || writerRuns(Number(m[2]))) continue;
    await rm(join(dir, entry), { force: true });
    removed.push(entry);
  }
  return removed;
}

/** Whether the writer of a temp file still runs; ours are removed before we return, so one of our pid is from an earlier life of it. */
function writerRuns(pid: number): boolean {
  return pid !== process.pid && processRuns(pid);
}

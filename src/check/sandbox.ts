/**
 * A throwaway nginx prefix for `nginx -t`: its own main config, pid and temp paths, so testing never
 * touches the live config or root-owned paths, and is removed afterwards even when the test fails.
 */
import { randomBytes } from "node:crypto";
import { closeSync, mkdirSync, mkdtempSync, openSync, rmSync, write, writeFileSync } from "node:fs";
import { rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { EnvironmentError } from "../errors.js";
import { describeFsError } from "../util/fs-errors.js";
import { quote } from "../render/quote.js";
import { eventLoopCheckpoint, onInterrupt } from "../util/interrupt.js";

export interface Sandbox {
  dir: string;
  /** the main config that includes the files under test */
  mainConfig: string;
  path(name: string): string;
}

export const TEMP_PATHS = ["client_body", "proxy", "fastcgi", "uwsgi", "scgi"] as const;

/** A minimal main config that includes `includes` (absolute paths) in its http context. */
export function sandboxMainConfig(dir: string, includes: string[]): string {
  const temp = TEMP_PATHS.map((name) => `    ${name}_temp_path ${quote(join(dir, "temp", name))};`).join("\n");
  return [
    `pid ${quote(join(dir, "nginx.pid"))};`,
    "error_log stderr;",
    "events {",
    "    worker_connections 1024;",
    "}",
    "http {",
    "    access_log off;",
    temp,
    ...includes.map((file) => `    include ${quote(file)};`),
    "}",
    "",
  ].join("\n");
}

/**
 * A path for a sandbox that does not exist yet (under $TMPDIR, 12 random hex digits), so that files
 * that name it can be made before it exists; `withSandbox(..., { dir })` creates it.
 */
export function newSandboxDir(): string {
  return join(tmpdir(), `wssgen-sandbox-${randomBytes(6).toString("hex")}`);
}

/**
 * Writes `files` into a fresh sandbox (plus a main config including those ending in .conf), runs fn,
 * removes it. `dir`: create the sandbox at this path (from newSandboxDir) instead of a new temp name.
 * A file given as pieces (a render's chunks) is written while they are made (see writePieces).
 */
export async function withSandbox<T>(
  files: Record<string, string | Iterable<string>>,
  fn: (sandbox: Sandbox) => Promise<T>,
  options: { dir?: string } = {},
): Promise<T> {
  // armed before the directory exists, and made synchronously: a signal can never find it unregistered
  const made: { dir?: string } = {};
  const interrupt = onInterrupt(() => made.dir !== undefined && rmSync(made.dir, { recursive: true, force: true }));
  try {
    const dir = (made.dir = createSandboxDir(options.dir));
    // written synchronously: a signal handled between asynchronous writes raced a write still in
    // the thread pool, which could leave a file (and so the sandbox) behind the removal
    mkdirSync(join(dir, "temp"));
    for (const [name, content] of Object.entries(files))
      if (typeof content === "string") writeFileSync(join(dir, name), content);
      else await writePieces(join(dir, name), content);
    const includes = Object.keys(files)
      .filter((name) => name.endsWith(".conf"))
      .map((name) => join(dir, name));
    const mainConfig = join(dir, "main.nginx.conf");
    writeFileSync(mainConfig, sandboxMainConfig(dir, includes));
    return await fn({ dir, mainConfig, path: (name) => join(dir, name) });
  } finally {
    interrupt.release();
    if (made.dir !== undefined) await rm(made.dir, { recursive: true, force: true });
  }
}

/** Pieces gathered into writes of about this many characters: one system call per piece would dominate. */
const BATCH = 1 << 20;

/**
 * `pieces` into a new file at `path`, written while they are made: each batch is handed to the
 * thread pool at its offset (pwrite) while the next is made, so a large render's writing overlaps its
 * rendering, and the event loop is reached every few ms (a signal then removes the sandbox at once).
 * The file is opened synchronously and no other is made meanwhile: a write still in the thread pool
 * when a signal removes the sandbox writes into the removed file and creates nothing. Every write
 * has ended before the file is closed, also when making the pieces fails.
 */
async function writePieces(path: string, pieces: Iterable<string>): Promise<void> {
  const fd = openSync(path, "w");
  const writes: Promise<void>[] = [];
  try {
    const checkpoint = eventLoopCheckpoint();
    let position = 0;
    let batch: string[] = [];
    let size = 0;
    const flush = () => {
      const buffer = Buffer.from(batch.join(""));
      const written = writeAll(fd, buffer, position);
      written.catch(() => undefined); // awaited below; not unhandled meanwhile
      writes.push(written);
      position += buffer.length;
      batch = [];
      size = 0;
    };
    for (const piece of pieces) {
      batch.push(piece);
      size += piece.length;
      if (size >= BATCH) flush();
      await checkpoint();
    }
    if (size) flush();
    await Promise.all(writes);
  } finally {
    await Promise.allSettled(writes);
    closeSync(fd);
  }
}

/** All of `buffer` written to `fd` at `position`. */
function writeAll(fd: number, buffer: Buffer, position: number): Promise<void> {
  return new Promise((resolve, reject) => {
    const from = (offset: number) =>
      write(fd, buffer, offset, buffer.length - offset, position + offset, (error, written) => {
        if (error) reject(error);
        else if (offset + written < buffer.length) from(offset + written);
        else resolve();
      });
    from(0);
  });
}

function createSandboxDir(dir: string | undefined): string {
  try {
    if (dir === undefined) return mkdtempSync(join(tmpdir(), "wssgen-sandbox-"));
    mkdirSync(dir, { mode: 0o700 });
    return dir;
  } catch (error) {
    throw new EnvironmentError(
      `cannot create a sandbox for nginx -t in ${dirname(dir ?? join(tmpdir(), "x"))}: ${describeFsError(error, "write")} (set TMPDIR to a writable directory)`,
    );
  }
}

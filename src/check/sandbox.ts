/**
 * A throwaway nginx prefix for `nginx -t`: its own main config, pid and temp paths, so testing never
 * touches the live config or root-owned paths, and is removed afterwards even when the test fails.
 */
import { randomBytes } from "node:crypto";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { EnvironmentError } from "../errors.js";
import { describeFsError } from "../util/fs-errors.js";
import { quote } from "../render/quote.js";
import { onInterrupt } from "../util/interrupt.js";

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
 */
export async function withSandbox<T>(
  files: Record<string, string>,
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
    for (const [name, content] of Object.entries(files)) writeFileSync(join(dir, name), content);
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

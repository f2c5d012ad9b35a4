/**
 * Loading the CLI bundle with a V8 code cache: the bytecode V8 compiled for the bundle on an earlier run,
 * kept in the user's cache directory, so that a later run skips parsing and compiling ~1.6 MB of JavaScript
 * (measured: `wssgen render` of a one-site config 2.3× → 1.7× `node -e 0`; scripts/bench/startup/README.md).
 *
 * This is what Node ≥ 22.1 does for every module with `module.enableCompileCache()` (nodejs.org/api/module.html,
 * "Module compile cache"); Node 20, which wssgen supports, has only the primitive underneath it: `vm.Script`'s
 * `cachedData` and `createCachedData()` (nodejs.org/api/vm.html). The npm package v8-compile-cache uses the same
 * primitive but saves the cache at compile time, before any function has run, and so keeps only the top-level
 * code (measured: 2.0× rather than 1.7×); it also keys the cache by mtime alone, in a directory under /tmp.
 *
 * What keeps it safe:
 * - V8 checks a cache before using it (its version, its flags, the source's length) and rejects one that does
 *   not match (`script.cachedDataRejected`); the source is then compiled as usual and the cache written again.
 * - The file name carries the bundle's size, mtime and inode, Node's version, the architecture and the V8 flags
 *   (`process.execArgv`), so another build or another Node never even reads it.
 * - The directory must be the user's own and writable by no one else (a cache is code); files are written to a
 *   temporary name and renamed, so concurrent runs never read half a file.
 * - Every failure (no home directory, a read-only disk, a foreign directory) falls back to compiling without a
 *   cache: the cache changes how fast the CLI starts, never what it does.
 *
 * `WSSGEN_NO_COMPILE_CACHE=1` turns it off; `XDG_CACHE_HOME` moves it (default `~/.cache/wssgen`).
 */
import {
  closeSync,
  constants,
  existsSync,
  fstatSync,
  openSync,
  readdirSync,
  readFileSync,
  readSync,
  renameSync,
  statSync,
  unlinkSync,
  writeSync,
} from "node:fs";
import Module, { createRequire } from "node:module";
import { basename, dirname, join } from "node:path";
import { Script } from "node:vm";
import { userCacheDir } from "../util/cache-dir.js";
import { nodeCrypto } from "../util/hash.js";

/** How a load went, for tests and `WSSGEN_DEBUG_COMPILE_CACHE`: no cache directory, a cache used, rejected, or none yet. */
export type CacheOutcome = "off" | "used" | "rejected" | "missing";

export interface CompileCacheOptions {
  /** The environment to read `WSSGEN_NO_COMPILE_CACHE`, `XDG_CACHE_HOME` and `HOME` from (default process.env). */
  env?: NodeJS.ProcessEnv;
  /**
   * What the run does (the command name): each gets its own cache, since a cache holds the functions the run
   * that wrote it compiled, and `render` needs other functions than `--help`.
   */
  tag: string;
}

/** The cache directory (util/cache-dir.ts); undefined also when `WSSGEN_NO_COMPILE_CACHE` is set (not "0"). */
export function compileCacheDir(env: NodeJS.ProcessEnv = process.env): string | undefined {
  if (env.WSSGEN_NO_COMPILE_CACHE && env.WSSGEN_NO_COMPILE_CACHE !== "0") return undefined;
  return userCacheDir(env);
}

/**
 * `require(file)` for one self-contained CommonJS file (the CLI bundle: it requires only Node's own
 * modules), compiled with the code cache for `options.tag` when there is one; when there was none, or V8
 * rejected it, the cache is written when the process exits, holding every function the run compiled.
 * The file must be ASCII (the build checks it): it is read as latin1, which is several times faster than
 * decoding UTF-8 and gives V8 a one-byte string. Throws what `require` throws (a missing file, a syntax error).
 * Returns the module's exports and how the cache went.
 */
export function requireWithCompileCache(file: string, options: CompileCacheOptions): { exports: unknown; cache: CacheOutcome } {
  const bytes = readFileSync(file);
  const source = bytes.toString("latin1");
  const env = options.env ?? process.env;
  const dir = compileCacheDir(env);
  let cacheFile: string | undefined;
  let names: CacheNames | undefined;
  let cachedData: Buffer | undefined;
  let header: Buffer | undefined;
  if (dir) {
    // one cache per install location (its path), per content of the bundle there (its checksum: the size,
    // mtime and inode of an npm install or `cp -p` can repeat), per runtime (Node, architecture, V8 flags,
    // NODE_OPTIONS included), per command
    const bundle = `${basename(file)}-`;
    names = { bundle, prefix: `${bundle}${fnv1a(file)}-`, build: checksum(bytes) };
    const runtime = `${process.version}-${process.arch}-${fnv1a(`${process.execArgv.join("\0")}\0${env.NODE_OPTIONS ?? ""}`)}`;
    cacheFile = join(dir, `${names.prefix}${names.build}-${runtime}-${options.tag.replace(/[^\w-]/g, "_")}.cache`);
    header = Buffer.from(`${MAGIC}${file}\n`);
    cachedData = readCache(cacheFile, header);
  }
  // Node's own CommonJS wrapper (lib/internal/modules/cjs/loader.js), on the first line so line numbers hold
  const script = new Script(`(function (exports, require, module, __filename, __dirname) { ${source}\n})`, {
    filename: file,
    cachedData: cachedData && cachedData.length ? cachedData : undefined,
  });
  const cache: CacheOutcome = !cacheFile
    ? "off"
    : cachedData === undefined
      ? "missing"
      : !cachedData.length || script.cachedDataRejected
        ? "rejected"
        : "used";
  const mod = new Module(file);
  mod.filename = file;
  const wrapper = script.runInThisContext() as (...args: unknown[]) => void;
  wrapper.call(mod.exports, mod.exports, createRequire(file), mod, file, dirname(file));
  mod.loaded = true;
  if (cacheFile && dir && header && names && cache !== "used")
    process.once("exit", () => saveCache(script, header, cacheFile, dir, names));
  if (env.WSSGEN_DEBUG_COMPILE_CACHE)
    process.stderr.write(
      `wssgen: compile cache ${cache}${cacheFile ? ` (${cacheFile})` : ""}; node flags: ${process.execArgv.join(" ") || "none"}\n`,
    );
  return { exports: mod.exports, cache };
}

/**
 * The V8 data of a cache file, after checking its header: the bundle it was made for (`header`) and the
 * checksum of the data. Undefined when there is no such file (or it is not a regular file: a FIFO would
 * block); an empty buffer when it is not a sound cache for this bundle (a hash collision of two paths, a
 * damaged file): V8 checks a cache's version and flags but, in release builds, not its contents, and
 * damaged bytecode would crash it or, worse, run.
 */
function readCache(cacheFile: string, header: Buffer): Buffer | undefined {
  let fd: number;
  try {
    fd = openSync(cacheFile, constants.O_RDONLY | constants.O_NONBLOCK);
  } catch {
    return undefined;
  }
  try {
    if (!fstatSync(fd).isFile()) return undefined;
    const data = readFileSync(fd);
    const sumEnd = data.indexOf(10, header.length);
    if (sumEnd < 0 || !data.subarray(0, header.length).equals(header)) return Buffer.alloc(0);
    const body = data.subarray(sumEnd + 1);
    return data.subarray(header.length, sumEnd).toString("latin1") === checksum(body) ? body : Buffer.alloc(0);
  } catch {
    return undefined;
  } finally {
    closeSync(fd);
  }
}

let zlib: typeof import("node:zlib") | undefined;
/**
 * A checksum of `bytes` for telling a damaged cache or another build apart (not an adversary's: the
 * directory is the user's own): CRC-32 from zlib (Node ≥ 20.15, ~1 ms for the 1.6 MB bundle; what Node's
 * own compile cache uses), else SHA-1.
 */
function checksum(bytes: Buffer): string {
  zlib ??= createRequire(import.meta.url)("node:zlib") as typeof import("node:zlib");
  if (typeof zlib.crc32 === "function") return `${bytes.length.toString(36)}.${zlib.crc32(bytes).toString(36)}`;
  return nodeCrypto().createHash("sha1").update(bytes).digest("hex");
}

/** How a bundle's cache files are named: `${bundle}` ("cli.cjs-"), then `${prefix}` adds its path's hash, then the build. */
interface CacheNames {
  bundle: string;
  prefix: string;
  build: string;
}

/** The first bytes of a cache file; then the bundle's path, the checksum of V8's data, each on its line; then the data. */
const MAGIC = "wssgen-code-cache-2\n";

/**
 * Writes the code cache of everything compiled so far (V8's `createCachedData()` after the run, so the
 * functions the run called are in it, not only the top level), after `header`, to a temporary file renamed
 * into place; then removes the caches of other builds at the same path, of bundles that are gone (a
 * temporary install, an uninstalled copy), and any cache unused for 30 days. Failures are ignored: the next
 * run compiles again.
 */
function saveCache(script: Script, header: Buffer, cacheFile: string, dir: string, names: CacheNames): void {
  const temporary = `${cacheFile}.${process.pid}.tmp`;
  try {
    const data = script.createCachedData();
    const fd = openSync(temporary, "wx", 0o600);
    try {
      writeSync(fd, header);
      writeSync(fd, `${checksum(data)}\n`);
      writeSync(fd, data);
    } finally {
      closeSync(fd);
    }
    renameSync(temporary, cacheFile);
    removeStale(dir, names);
  } catch {
    try {
      unlinkSync(temporary);
    } catch {
      // nothing was written
    }
  }
}

/**
 * Removes the stale caches of `dir` (see saveCache), and temporary files a killed run left (an hour old);
 * only files named as this bundle's caches are looked at; one that cannot be read or removed stays.
 */
function removeStale(dir: string, { bundle, prefix, build }: CacheNames): void {
  const now = Date.now();
  for (const name of readdirSync(dir)) {
    if (!name.startsWith(bundle)) continue;
    const other = join(dir, name);
    try {
      const stale = name.endsWith(".tmp")
        ? statSync(other).mtimeMs < now - 3600 * 1000
        : name.startsWith(prefix)
          ? !name.startsWith(`${prefix}${build}-`)
          : statSync(other).atimeMs < now - 30 * 24 * 3600 * 1000 || bundleGone(other);
      if (stale) unlinkSync(other);
    } catch {
      // another run removed it first, or it is not ours to remove
    }
  }
}

/**
 * Whether the bundle a cache file's header names is gone: false for a file whose header cannot be read as
 * any version's (`wssgen-code-cache-N`, then the path), which only its age removes: another version of
 * wssgen, installed beside this one, may write caches this one cannot read.
 */
function bundleGone(cacheFile: string): boolean {
  const head = Buffer.alloc(4096);
  const fd = openSync(cacheFile, "r");
  let length: number;
  try {
    length = readSync(fd, head, 0, head.length, 0);
  } finally {
    closeSync(fd);
  }
  const match = /^wssgen-code-cache-\d+\n([^\n]+)\n/.exec(head.subarray(0, length).toString("utf8"));
  return match !== null && !existsSync(match[1]!);
}

/** FNV-1a, 32 bits, base 36: a short, stable name for a path or for the V8 flags a cache was made under. */
function fnv1a(text: string): string {
  let hash = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) hash = Math.imul(hash ^ text.charCodeAt(i), 0x01000193) >>> 0;
  return hash.toString(36);
}

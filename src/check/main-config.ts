/**
 * What `check` learns from nginx's real main config (`nginx.mainConfig`) for the lint rules, which
 * never read files themselves: whether its main context sets `worker_shutdown_timeout`. Main-context
 * `include`s are followed as nginx follows them (relative to the main config's directory; a glob
 * may match nothing, a plain path must exist); anything that cannot be read is reported as such,
 * never guessed.
 */
import { readdir, readFile, stat } from "node:fs/promises";
import { dirname, isAbsolute, join, resolve } from "node:path";
import type { MainConfigRead } from "../lint/index.js";
import { NginxSyntaxError, parseNginx } from "../util/nginx-syntax.js";
import { describeFsError } from "../util/fs-errors.js";
import { showValue } from "../util/show.js";

/** A config tree larger than this is not a real main config: stop rather than read without end. */
const MAX_FILES = 512;
const MAX_BYTES = 16 * 1024 * 1024;
/** nginx itself has no include-depth limit; a file that includes itself would recurse forever */
const MAX_DEPTH = 32;

class Unreadable extends Error {}

/**
 * Reads `mainConfig` (absolute, or relative to `cwd`) and the files its main context includes.
 * Returns where `worker_shutdown_timeout` is set in the main context, if it is, and the files read;
 * or, when any of them cannot be read or parsed, `{ file, error }` with one line saying why.
 */
export async function readMainConfig(mainConfig: string, cwd = process.cwd()): Promise<MainConfigRead> {
  const file = resolve(cwd, mainConfig);
  // nginx resolves relative includes against the directory of the config file it was given (conf_prefix)
  const prefix = dirname(file);
  const read: string[] = [];
  let bytes = 0;

  const load = async (path: string, depth: number): Promise<{ value: string; file: string } | undefined> => {
    if (depth > MAX_DEPTH) throw new Unreadable(`includes nest deeper than ${MAX_DEPTH} levels (does a file include itself?)`);
    if (read.length >= MAX_FILES) throw new Unreadable(`includes more than ${MAX_FILES} files`);
    let text: string;
    try {
      const info = await stat(path);
      if (info.isDirectory()) throw Object.assign(new Error("directory"), { code: "EISDIR" });
      bytes += info.size;
      if (bytes > MAX_BYTES) throw new Unreadable(`its files are larger than ${MAX_BYTES / 1024 / 1024} MB in all`);
      text = await readFile(path, "utf8");
    } catch (error) {
      if (error instanceof Unreadable) throw error;
      throw new Unreadable(`${path === file ? "" : `${showValue(path)}, which it includes, `}${describeFsError(error, "read")}`);
    }
    read.push(path);
    let directives;
    try {
      directives = parseNginx(text);
    } catch (error) {
      if (!(error instanceof NginxSyntaxError)) throw error;
      throw new Unreadable(
        `${path === file ? "" : `${showValue(path)}, which it includes: `}not valid nginx syntax (${error.message})`,
      );
    }
    for (const directive of directives) {
      if (directive.name === "worker_shutdown_timeout") return { value: directive.args.join(" "), file: path };
      if (directive.name !== "include" || directive.args.length !== 1) continue;
      const pattern = directive.args[0]!;
      for (const included of await expandInclude(isAbsolute(pattern) ? pattern : join(prefix, pattern))) {
        const found = await load(included, depth + 1);
        if (found) return found;
      }
    }
    return undefined;
  };

  try {
    const found = await load(file, 0);
    return { file, read, workerShutdownTimeout: found };
  } catch (error) {
    if (error instanceof Unreadable) return { file, error: error.message };
    throw error;
  }
}

const GLOB = /[*?[]/;

/**
 * The files an `include` names: a plain path as it is (nginx fails when it does not exist, and so
 * does reading it), a glob (nginx's ngx_open_glob: glob(3)) expanded in sorted order, dot files
 * matched only by a pattern that starts with a dot, and no match at all being no error.
 */
export async function expandInclude(pattern: string): Promise<string[]> {
  if (!GLOB.test(pattern)) return [pattern];
  const parts = pattern.split("/").filter((part, i) => part !== "" || i === 0);
  let paths = [parts[0] === "" ? "/" : "."];
  for (const part of parts.slice(parts[0] === "" ? 1 : 0)) {
    const next: string[] = [];
    for (const base of paths) {
      if (!GLOB.test(part)) {
        next.push(join(base, part));
        continue;
      }
      const matcher = globPart(part);
      const names = await readdir(base).catch(() => [] as string[]);
      for (const name of names.sort()) if (matcher.test(name)) next.push(join(base, name));
    }
    paths = next;
  }
  const files: string[] = [];
  for (const path of paths) if ((await stat(path).catch(() => undefined))?.isFile()) files.push(path);
  return files;
}

/** One path component of a glob as a regular expression: `*`, `?`, `[...]` / `[!...]`. */
function globPart(part: string): RegExp {
  let source = part.startsWith(".") ? "" : "(?!\\.)";
  for (let i = 0; i < part.length; i++) {
    const c = part[i]!;
    if (c === "*") source += ".*";
    else if (c === "?") source += ".";
    else if (c === "[") {
      const end = part.indexOf("]", i + 2);
      if (end === -1) source += "\\[";
      else {
        const body = part.slice(i + 1, end);
        source += `[${body.startsWith("!") ? `^${body.slice(1)}` : body}]`.replace(/\\/g, "\\\\");
        i = end;
      }
    } else source += c.replace(/[.+^${}()|\\\]]/g, "\\$&");
  }
  return new RegExp(`^${source}$`, "s");
}

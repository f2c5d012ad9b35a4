/**
 * wssgen's directory for what it remembers between runs (the code cache, `nginx -V` per binary):
 * `$XDG_CACHE_HOME/wssgen`, else `~/.cache/wssgen` (the XDG Base Directory specification).
 */
import { existsSync, mkdirSync, statSync } from "node:fs";
import { homedir } from "node:os";
import { dirname, isAbsolute, join } from "node:path";

/**
 * The directory, created with mode 0700 when missing; undefined when there is no absolute cache or home
 * directory (a relative one would put files in the working directory), when that one is not this user's
 * (root with another user's HOME, as `sudo -E` or macOS's sudo run it, would leave root's files in their
 * home), or when the directory is not a directory owned by this user that no one else can write to.
 * Never throws. `env`: where XDG_CACHE_HOME and HOME are read (default process.env).
 */
export function userCacheDir(env: NodeJS.ProcessEnv = process.env): string | undefined {
  try {
    const xdg = env.XDG_CACHE_HOME;
    const home = env.HOME ?? homedir();
    const base = xdg && isAbsolute(xdg) ? xdg : home && isAbsolute(home) ? join(home, ".cache") : undefined;
    if (!base) return undefined;
    const uid = process.getuid?.();
    if (uid !== undefined && statSync(existsSync(base) ? base : dirname(base)).uid !== uid) return undefined;
    const dir = join(base, "wssgen");
    mkdirSync(dir, { recursive: true, mode: 0o700 });
    const stat = statSync(dir);
    if (!stat.isDirectory() || (uid !== undefined && stat.uid !== uid) || (stat.mode & 0o022) !== 0) return undefined;
    return dir;
  } catch {
    return undefined;
  }
}

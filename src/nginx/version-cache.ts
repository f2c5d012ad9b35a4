/**
 * `nginx -V` remembered per binary (its path, size, modification time and inode), so that `render`
 * does not start a process each time only to learn the version. An upgraded binary misses the cache.
 */
import { mkdir, readFile, rename, stat, writeFile } from "node:fs/promises";
import { homedir } from "node:os";
import { join } from "node:path";
import type { NginxVersionInfo } from "./nginx.js";

function cacheFile(): string {
  return join(process.env.XDG_CACHE_HOME || join(homedir(), ".cache"), "wssgen", "nginx-versions.json");
}

/** `compute()` (which runs `nginx -V`), remembered for the executable file `path` (see locate.ts). */
export async function cachedVersion(
  path: string,
  compute: () => Promise<NginxVersionInfo | undefined>,
): Promise<NginxVersionInfo | undefined> {
  const s = await stat(path).catch(() => undefined);
  if (!s?.isFile()) return compute();
  const key = `${path}\0${s.size}\0${s.mtimeMs}\0${s.ino}`;
  const file = cacheFile();
  const cache: Record<string, NginxVersionInfo> = await readFile(file, "utf8")
    .then((text) => JSON.parse(text) as Record<string, NginxVersionInfo>)
    .catch(() => ({}));
  const hit = cache[key];
  if (hit && typeof hit.version === "string") return hit;
  const info = await compute();
  if (info) {
    // best effort: a cache that cannot be written only costs the next run a process start
    const fresh = Object.fromEntries(Object.entries(cache).filter(([k]) => !k.startsWith(`${path}\0`)));
    fresh[key] = info;
    const temp = `${file}.${process.pid}.tmp`;
    await mkdir(join(file, ".."), { recursive: true })
      .then(() => writeFile(temp, JSON.stringify(fresh)))
      .then(() => rename(temp, file))
      .catch(() => undefined);
  }
  return info;
}

/**
 * `nginx -V` remembered per binary (its path, size, modification time and inode), so that `render`
 * does not start a process each time only to learn the version. An upgraded binary misses the cache.
 */
import { readFile, rename, stat, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { userCacheDir } from "../util/cache-dir.js";

/**
 * `compute()` (which runs `nginx -V`; its result must survive JSON), remembered for the executable
 * file `path` (see locate.ts). Undefined results are not remembered.
 */
export async function cachedVersion<Info extends { version: string }>(
  path: string,
  compute: () => Promise<Info | undefined>,
): Promise<Info | undefined> {
  const s = await stat(path).catch(() => undefined);
  if (!s?.isFile()) return compute();
  const key = `${path}\0${s.size}\0${s.mtimeMs}\0${s.ino}`;
  const dir = userCacheDir();
  if (dir === undefined) return compute();
  const file = join(dir, "nginx-versions.json");
  const cache: Record<string, Info> = await readFile(file, "utf8")
    .then((text) => JSON.parse(text) as Record<string, Info>)
    .catch(() => ({}));
  const hit = cache[key];
  if (hit && typeof hit.version === "string") return hit;
  const info = await compute();
  if (info) {
    // best effort: a cache that cannot be written only costs the next run a process start
    const fresh = Object.fromEntries(Object.entries(cache).filter(([k]) => !k.startsWith(`${path}\0`)));
    fresh[key] = info;
    const temp = `${file}.${process.pid}.tmp`;
    await writeFile(temp, JSON.stringify(fresh))
      .then(() => rename(temp, file))
      .catch(() => undefined);
  }
  return info;
}

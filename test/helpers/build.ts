/** CLI tests run bin/wssgen.js, which loads dist/: make sure it is built from the current source. */
import { execFileSync } from "node:child_process";
import { existsSync, statSync, readdirSync } from "node:fs";
import { join } from "node:path";
import { ROOT } from "./paths.js";

function newest(dir: string): number {
  let latest = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    latest = Math.max(latest, entry.isDirectory() ? newest(path) : statSync(path).mtimeMs);
  }
  return latest;
}

export function buildOnce(): void {
  const built = join(ROOT, "dist/cli.cjs");
  const stale =
    !existsSync(built) || statSync(built).mtimeMs < Math.max(newest(join(ROOT, "src")), newest(join(ROOT, "templates")));
  if (stale) execFileSync("npm", ["run", "--silent", "build"], { cwd: ROOT, stdio: "inherit" });
}

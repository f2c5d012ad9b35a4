import { existsSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { expect } from "vitest";
import { FIXTURES, UPDATE } from "./paths.js";

export interface Fixture {
  name: string;
  dir: string;
  config: string;
  text: string;
}

export function fixtures(area: string): Fixture[] {
  const base = join(FIXTURES, area);
  return readdirSync(base)
    .sort()
    .map((name) => {
      const dir = join(base, name);
      const config = join(dir, "wssgen.yaml");
      return { name, dir, config, text: readFileSync(config, "utf8") };
    });
}

/** Compare with a golden file a reviewer can read; UPDATE_SNAPSHOTS=1 rewrites it. */
export function expectGolden(actual: string, file: string): void {
  if (UPDATE || !existsSync(file)) {
    if (!UPDATE && process.env.CI) throw new Error(`golden file ${file} is missing (run UPDATE_SNAPSHOTS=1 npm run test:unit)`);
    writeFileSync(file, actual);
    return;
  }
  expect(actual).toBe(readFileSync(file, "utf8"));
}

/**
 * docs/recipes/forward-auth.md: each wssgen.yaml in it renders without a warning, and the nginx it
 * shows is what `wssgen render --nginx-version 1.26` prints for the first one today. The behaviour
 * it describes is test/e2e/access.test.ts's.
 */
import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, expect, it } from "vitest";
import { buildOnce } from "../helpers/build.js";
import { ROOT } from "../helpers/paths.js";

const RECIPE = join(ROOT, "docs/recipes/forward-auth.md");
const text = readFileSync(RECIPE, "utf8");
const blocks = (language: string) =>
  [...text.matchAll(new RegExp("```" + language + "\\n([\\s\\S]*?)\\n```", "g"))].map((m) => m[1]!);
/** the recipe's wssgen configs (its other YAML is Authelia's) */
const configs = blocks("yaml").filter((block) => /^sites:/m.test(block));
const dir = mkdtempSync(join(tmpdir(), "wssgen-recipe-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function render(config: string): { status: number | null; stdout: string; stderr: string } {
  buildOnce();
  writeFileSync(join(dir, "wssgen.yaml"), `${config}\n`);
  return spawnSync(process.execPath, [join(ROOT, "bin/wssgen.js"), "render", "-c", "wssgen.yaml", "--nginx-version", "1.26"], {
    cwd: dir,
    encoding: "utf8",
    env: { ...process.env, NO_COLOR: "1" },
  });
}

it("has the Authelia config and the oauth2-proxy one", () => {
  expect(configs).toHaveLength(2);
});

it.each(configs.map((config, i) => [i, config] as const))("config %i renders without a warning", (_i, config) => {
  const run = render(config);
  expect(run.stderr).toBe(""); // no lint warning either: the recipe is a config to copy
  expect(run.status).toBe(0);
  expect(run.stdout).toContain("auth_request /.wssgen/auth/");
});

it("the nginx shown is what wssgen renders for the first config", () => {
  const output = render(configs[0]!).stdout;
  const shown = blocks("nginx");
  expect(shown).toHaveLength(1);
  expect(output).toContain(shown[0]);
});

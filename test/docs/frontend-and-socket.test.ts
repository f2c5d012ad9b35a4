/**
 * docs/recipes/frontend-and-socket.md shows a config and what wssgen renders from it: the output
 * block must be exactly what the CLI prints for that config today, so the recipe never drifts.
 */
import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { expect, it } from "vitest";
import { buildOnce } from "../helpers/build.js";
import { ROOT } from "../helpers/paths.js";

const RECIPE = join(ROOT, "docs/recipes/frontend-and-socket.md");

function block(text: string, language: string): string {
  const match = new RegExp("```" + language + "\\n([\\s\\S]*?)\\n```").exec(text);
  if (!match) throw new Error(`${RECIPE} has no \`\`\`${language} block`);
  return match[1]!;
}

it("the recipe's nginx output is what `wssgen render --nginx-version 1.26` prints for its config", () => {
  buildOnce();
  const text = readFileSync(RECIPE, "utf8");
  const dir = mkdtempSync(join(tmpdir(), "wssgen-recipe-"));
  try {
    writeFileSync(join(dir, "wssgen.yaml"), `${block(text, "yaml")}\n`);
    const run = spawnSync(
      process.execPath,
      [join(ROOT, "bin/wssgen.js"), "render", "-c", "wssgen.yaml", "--nginx-version", "1.26"],
      {
        cwd: dir,
        encoding: "utf8",
        env: { ...process.env, NO_COLOR: "1" },
      },
    );
    expect(run.stderr).toBe(""); // no lint warning either: the recipe is a config to copy
    expect(run.status).toBe(0);
    expect(block(text, "nginx")).toBe(run.stdout.replace(/\n$/, ""));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

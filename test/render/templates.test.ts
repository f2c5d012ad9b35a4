/** Templates can only emit values through the nginx-safe helpers, and the precompiled copy is current. */
import { execFileSync } from "node:child_process";
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { ROOT } from "../helpers/paths.js";

const SAFE_HELPERS = ["q", "integer", "duration", "comment", "words", "indent"];

describe("templates", () => {
  const files = readdirSync(join(ROOT, "templates")).filter((f) => f.endsWith(".hbs"));
  it.each(files)("%s emits values only through nginx quoting helpers", (file) => {
    const text = readFileSync(join(ROOT, "templates", file), "utf8");
    const outputs = [...text.matchAll(/\{\{\{?([^#/}][^}]*)\}\}\}?/g)].map((m) => m[1]!.trim());
    expect(outputs.length).toBeGreaterThan(0);
    for (const expression of outputs) {
      const helper = expression.split(/\s+/)[0]!;
      expect(SAFE_HELPERS, `{{${expression}}} in ${file}`).toContain(helper);
    }
  });
  it("src/render/templates.gen.ts is generated from the current templates", () => {
    expect(() => execFileSync("node", [join(ROOT, "scripts/gen-templates.mjs"), "--check"], { stdio: "pipe" })).not.toThrow();
  });
});

/**
 * Templates lay out blocks, comments and blank lines; every directive line is printed by the one
 * serializer (the `directive` and `block` helpers), and the precompiled copy is current.
 */
import { execFileSync } from "node:child_process";
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { templateHelpers } from "../../src/render/templates.gen.js";
import { ROOT } from "../helpers/paths.js";

/** Handlebars' own block helpers, which print nothing themselves. */
const BUILT_IN_BLOCKS = ["if", "each", "with", "unless"];
const TAG = /\{\{\{?([^}]*)\}\}\}?/g;

describe("templates", () => {
  const files = readdirSync(join(ROOT, "templates")).filter((f) => f.endsWith(".hbs"));
  it.each(files)("%s calls only the helpers of scripts/gen-templates.mjs", (file) => {
    const tags = [...readFileSync(join(ROOT, "templates", file), "utf8").matchAll(TAG)].map((m) => m[1]!.trim());
    expect(tags.length).toBeGreaterThan(0);
    for (const tag of tags) {
      if (tag.startsWith("/") || tag === "else") continue;
      const helper = tag.replace(/^#/, "").split(/\s+/)[0]!;
      const allowed: readonly string[] = tag.startsWith("#") ? [...BUILT_IN_BLOCKS, "block"] : templateHelpers;
      expect(allowed, `{{${tag}}} in ${file}`).toContain(helper);
    }
  });
  it.each(files)("%s prints no directive itself: outside its tags, a line is blank or a comment", (file) => {
    for (const [i, line] of readFileSync(join(ROOT, "templates", file), "utf8")
      .split("\n")
      .entries()) {
      const text = line.replace(TAG, "").trim();
      expect(text === "" || text.startsWith("#"), `${file}:${i + 1} ${line}`).toBe(true);
    }
  });
  it("src/render/templates.gen.ts is generated from the current templates", () => {
    expect(() => execFileSync("node", [join(ROOT, "scripts/gen-templates.mjs"), "--check"], { stdio: "pipe" })).not.toThrow();
  });
});

/**
 * `wssgen import` with hostile and broken input (fast-check): mutations of the corpus configs (lines
 * dropped, repeated or moved, tokens swapped for quotes, braces, semicolons, `#`, variables, control
 * characters, very long words) either are input nginx would refuse (ImportSyntaxError, with a line in
 * the input) or import to a result whose YAML reads back as exactly its data, whose report points
 * at lines of the input, and which loads as a wssgen.yaml or fails with ConfigError only (never
 * another exception). And when the result loads, its render is structurally wssgen's: the rendered
 * file parses with wssgen's own nginx lexer.
 */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { parse } from "yaml";
import { parseConfig } from "../../src/config/load.js";
import { ConfigError } from "../../src/errors.js";
import { importNginx } from "../../src/import/import.js";
import { ImportSyntaxError, splitSections } from "../../src/import/sections.js";
import { render } from "../../src/render/render.js";
import { parseNginx } from "../../src/util/nginx-syntax.js";
import { importCorpus } from "../helpers/import-corpus.js";
import { nginxBuilds } from "../helpers/nginx.js";

const corpus = importCorpus().map((entry) => entry.text);
const build = nginxBuilds().at(-1)!;

const TOKENS = [
  '"',
  "'",
  "{",
  "}",
  ";",
  "#",
  "$host",
  "\\",
  "\u0000",
  "\r",
  "\t",
  "a".repeat(5000),
  "${X}",
  "=",
  "~",
  "^~",
  "@x",
  "*",
];

/** A corpus config with up to 4 of: a line dropped, a line repeated, a token replaced. */
const mutated = fc
  .record({
    base: fc.constantFrom(...corpus),
    edits: fc.array(
      fc.record({
        kind: fc.constantFrom("drop", "repeat", "token"),
        at: fc.nat(),
        token: fc.constantFrom(...TOKENS),
        word: fc.nat(),
      }),
      { minLength: 1, maxLength: 4 },
    ),
  })
  .map(({ base, edits }) => {
    const lines = base.split("\n");
    for (const edit of edits) {
      const i = edit.at % lines.length;
      if (edit.kind === "drop") lines.splice(i, 1);
      else if (edit.kind === "repeat") lines.splice(i, 0, lines[i]!);
      else {
        const words = lines[i]!.split(" ");
        words[edit.word % words.length] = edit.token;
        lines[i] = words.join(" ");
      }
      if (!lines.length) lines.push("");
    }
    return lines.join("\n");
  });

describe("import of mutated corpus configs", () => {
  it("refuses at a line of the input, or gives YAML that is its data, notes at input lines, and a config that loads or is refused as a config", () => {
    let imported = 0;
    let rendered = 0;
    fc.assert(
      fc.property(mutated, (text) => {
        let result;
        try {
          result = importNginx(text, { file: "nginx.conf" });
        } catch (error) {
          if (!(error instanceof ImportSyntaxError)) throw error;
          const lines = new Map(splitSections(text, "nginx.conf").map((s) => [s.file, s.text.split("\n").length]));
          expect(error.line).toBeGreaterThanOrEqual(1);
          expect(error.line).toBeLessThanOrEqual((lines.get(error.file) ?? 0) + 1);
          return;
        }
        imported++;
        expect(JSON.parse(JSON.stringify(parse(result.yaml) ?? null))).toEqual(JSON.parse(JSON.stringify(result.data)));
        const lines = new Map(splitSections(text, "nginx.conf").map((s) => [s.file, s.text.split("\n").length]));
        for (const n of result.report) {
          expect(lines.has(n.file), n.file).toBe(true);
          expect(n.line).toBeGreaterThanOrEqual(1);
          expect(n.line).toBeLessThanOrEqual(lines.get(n.file)!);
        }
        let config;
        try {
          config = parseConfig("wssgen.yaml", result.yaml, {}).config;
        } catch (error) {
          if (!(error instanceof ConfigError)) throw error;
          return;
        }
        let output: string;
        try {
          output = render(config, build);
        } catch (error) {
          if (!(error instanceof ConfigError)) throw error;
          return;
        }
        rendered++;
        expect(() => parseNginx(output)).not.toThrow();
      }),
      { numRuns: 300, seed: 12 },
    );
    // the property saw both outcomes: it is not vacuous
    expect(imported).toBeGreaterThan(30);
    expect(rendered).toBeGreaterThan(10);
  });
});

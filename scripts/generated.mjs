// Writes a generated source file, or with --check (tests, CI) exits 1 when the committed one is stale.
import { readFileSync, writeFileSync } from "node:fs";
import { relative } from "node:path";

/** `out` gets `text`; with `--check` on the command line nothing is written and a stale file fails. */
export function writeGenerated(out, text, script) {
  if (!process.argv.includes("--check")) {
    writeFileSync(out, text);
    return;
  }
  let current = "";
  try {
    current = readFileSync(out, "utf8");
  } catch {
    // no generated file yet: it is stale
  }
  if (current !== text) {
    console.error(`${relative(process.cwd(), out)} is stale: run \`node ${script}\``);
    process.exit(1);
  }
}

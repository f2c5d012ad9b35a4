#!/usr/bin/env node
// The package.json that goes into the tarball (npm pack / npm publish run this as prepack and postpack).
//
//   node scripts/pack-manifest.mjs prepack    build dist/, then drop scripts.prepare from package.json
//   node scripts/pack-manifest.mjs postpack   put package.json back byte for byte
//
// Why: `prepare` builds dist/ where dist/ must be made, a clone (`npm ci`, git and folder installs),
// from sources the tarball does not contain. In a tarball it is dead, yet npm 11 lists it under
// `npm warn install-scripts` as a script to approve on every install of the .tgz (it never runs it
// there), so the published manifest leaves it out. The original is kept in BACKUP until postpack;
// if a pack failed before postpack, the next prepack restores it first.
import { execFileSync } from "node:child_process";
import { existsSync, readFileSync, renameSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const manifest = join(root, "package.json");
const BACKUP = join(root, "package.json.before-pack");

function restore() {
  if (existsSync(BACKUP)) renameSync(BACKUP, manifest);
}

const step = process.argv[2];
if (step === "prepack") {
  restore();
  execFileSync(process.execPath, [join(root, "scripts/build.mjs")], { cwd: root, stdio: "inherit" });
  const text = readFileSync(manifest, "utf8");
  const pkg = JSON.parse(text);
  delete pkg.scripts?.prepare;
  writeFileSync(BACKUP, text);
  writeFileSync(manifest, `${JSON.stringify(pkg, null, 2)}\n`);
} else if (step === "postpack") {
  restore();
} else {
  console.error("usage: node scripts/pack-manifest.mjs prepack|postpack");
  process.exit(2);
}

#!/usr/bin/env node
// The build: precompile templates, bundle the CLI and the library with esbuild (one file to load at
// start-up, commands split into chunks loaded on demand), and emit type declarations with tsc.
import { execFileSync } from "node:child_process";
import { rmSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { build } from "esbuild";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const run = (cmd, args) => execFileSync(cmd, args, { cwd: root, stdio: "inherit" });

run(process.execPath, ["scripts/gen-templates.mjs"]);
rmSync(join(root, "dist"), { recursive: true, force: true });
await build({
  absWorkingDir: root,
  entryPoints: { cli: "src/cli.ts", index: "src/index.ts" },
  outdir: "dist",
  bundle: true,
  splitting: true,
  format: "esm",
  platform: "node",
  target: "node20",
  // bundled CommonJS dependencies (handlebars, commander) call require() for Node's own modules
  banner: {
    js: 'import { createRequire as __wssgenCreateRequire } from "node:module"; const require = __wssgenCreateRequire(import.meta.url);',
  },
  chunkNames: "chunks/[name]-[hash]",
  sourcemap: "linked",
  legalComments: "linked",
  logLevel: "warning",
});
run(process.execPath, [join(root, "node_modules/typescript/bin/tsc"), "-p", "tsconfig.build.json", "--emitDeclarationOnly"]);

#!/usr/bin/env node
// The build: precompile templates, bundle the CLI and the library with esbuild (one file to load at
// start-up, commands split into chunks loaded on demand), emit type declarations with tsc, and write
// the licences of the packages the bundle contains (dist/THIRD-PARTY-LICENSES.md).
//
// The bundle is the whole program: an installed wssgen loads nothing from node_modules, so every
// package it uses is a devDependency and `npm install wssgen` downloads nothing else. Building needs
// the devDependencies (`npm ci` in a clone); an installed tarball already contains dist/.
//
// `--sourcemap` adds linked source maps for local debugging. The published package has none: they
// were 2.4 MB (mostly the bundled packages' sources) for stack traces that `--debug` already prints
// against readable, unminified chunks.
import { execFileSync } from "node:child_process";
import { readFileSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const run = (cmd, args) => execFileSync(cmd, args, { cwd: root, stdio: "inherit" });

let esbuild;
try {
  esbuild = await import("esbuild");
} catch (error) {
  if (error?.code !== "ERR_MODULE_NOT_FOUND") throw error;
  console.error(
    "wssgen: building needs the devDependencies (esbuild, typescript, handlebars, ...), which are not installed here; " +
      "run `npm ci` in this folder first, or install wssgen from a packed tarball (README.md, Install)",
  );
  process.exit(1);
}

run(process.execPath, ["scripts/gen-templates.mjs"]);
run(process.execPath, ["scripts/gen-types.mjs"]);
rmSync(join(root, "dist"), { recursive: true, force: true });
/** What every bundle shares: the version `wssgen --version` prints (esbuild `define`), so that start-up reads no package.json. */
const common = {
  absWorkingDir: root,
  bundle: true,
  platform: "node",
  target: "node20",
  define: { __WSSGEN_VERSION__: JSON.stringify(JSON.parse(readFileSync(join(root, "package.json"), "utf8")).version) },
  sourcemap: process.argv.includes("--sourcemap") ? "linked" : false,
  // licence comments are collected per package below, with the package's whole licence file
  legalComments: "none",
  metafile: true,
  logLevel: "warning",
};
// The library (`import "wssgen"`): ES modules, split into chunks loaded on demand.
const library = await esbuild.build({
  ...common,
  entryPoints: { index: "src/index.ts" },
  outdir: "dist",
  splitting: true,
  format: "esm",
  // bundled CommonJS dependencies (handlebars, commander) call require() for Node's own modules
  banner: {
    js: 'import { createRequire as __wssgenCreateRequire } from "node:module"; const require = __wssgenCreateRequire(import.meta.url);',
  },
  chunkNames: "chunks/[name]-[hash]",
});
// The CLI: one CommonJS file, which src/launch/ loads through a V8 code cache (Node 20 can cache the
// compile of CommonJS code only: vm.Script). Its commands stay lazy: esbuild turns their import() into
// functions that run on first use. `import.meta.url` is only read when running from source (cli.ts).
/** CommonJS bundles: `import.meta.url` is this file's URL, as in an ES module. */
const commonjs = {
  ...common,
  outdir: "dist",
  format: "cjs",
  outExtension: { ".js": ".cjs" },
  define: { ...common.define, "import.meta.url": "__wssgenImportMetaUrl" },
  banner: { js: 'const __wssgenImportMetaUrl = require("node:url").pathToFileURL(__filename).href;' },
};
const cli = await esbuild.build({ ...commonjs, entryPoints: { cli: "src/cli.ts" }, write: false });
for (const file of cli.outputFiles) writeFileSync(file.path, file.path.endsWith(".cjs") ? asciiOnly(file.text) : file.contents);
// What the bin runs first: the large-config re-run and the code cache; a few kB, nothing of the CLI.
const launch = await esbuild.build({ ...commonjs, entryPoints: { launch: "src/launch/index.ts" } });
const metafile = { inputs: { ...library.metafile.inputs, ...cli.metafile.inputs, ...launch.metafile.inputs } };
writeFileSync(join(root, "dist/THIRD-PARTY-LICENSES.md"), thirdPartyLicenses(metafile));
run(process.execPath, [join(root, "node_modules/typescript/bin/tsc"), "-p", "tsconfig.build.json", "--emitDeclarationOnly"]);

/**
 * The CLI bundle with every non-ASCII character written as a \\u escape, so that src/launch/ can read it as
 * latin1 (several times faster than decoding UTF-8). esbuild already escapes them in strings, regular
 * expressions and identifiers (its default `charset: "ascii"`); what is left is in comments, where an
 * escape means the same. Fails the build if a character survives.
 */
function asciiOnly(text) {
  const escaped = text.replace(/[^\x00-\x7f]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, "0")}`);
  if (/[^\x00-\x7f]/.test(escaped)) throw new Error("dist/cli.cjs: a non-ASCII character is left");
  // a dynamic import() of a module esbuild leaves outside the bundle (`await import("node:fs")`) fails in
  // code compiled by vm.Script without a loader: import Node's modules statically in src/
  const dynamic = /^(?!\s*(?:\/\/|\*)).*\bimport\(\s*["'`]/m.exec(escaped);
  if (dynamic) throw new Error(`dist/cli.cjs: a dynamic import() of an external module is left: ${dynamic[0].trim()}`);
  return escaped;
}

/**
 * The notice file for the packages bundled into dist/: for each one (found from esbuild's metafile
 * inputs under node_modules), its name, version, licence and its licence file verbatim, which the
 * MIT, ISC and BSD licences require to travel with copies. A bundled package without a licence file
 * fails the build: shipping its code without its notice would break its licence.
 */
function thirdPartyLicenses(meta) {
  const packageDirs = new Set();
  for (const input of Object.keys(meta.inputs)) {
    const match = /^(.*node_modules\/(?:@[^/]+\/)?[^/]+)\//.exec(input);
    if (match) packageDirs.add(match[1]);
  }
  const entries = [...packageDirs]
    .map((dir) => {
      const manifest = JSON.parse(readFileSync(join(root, dir, "package.json"), "utf8"));
      const file = readdirSync(join(root, dir))
        .filter((name) => /^(licen[cs]e|copying)(\.|-|$)/i.test(name))
        .sort()[0];
      if (!file) throw new Error(`${dir}: bundled into dist/ but has no licence file to ship with it`);
      return {
        name: manifest.name,
        version: manifest.version,
        license: manifest.license,
        text: readFileSync(join(root, dir, file), "utf8"),
      };
    })
    .sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  const sections = entries.map((p) => `## ${p.name}@${p.version} (${p.license})\n\n\`\`\`\n${p.text.trim()}\n\`\`\`\n`);
  return `# Third-party licences\n\nwssgen's dist/ bundles the following packages; their licences follow.\n\n${sections.join("\n")}`;
}

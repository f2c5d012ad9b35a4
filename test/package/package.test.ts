/**
 * The package as users install it. A checkout of this tree as git would clone it runs the README's
 * install commands exactly (npm ci, npm pack, npm install -g of the .tgz, into a throwaway global
 * prefix); the tarball is held to the list of files a careful maintainer publishes; then it is
 * installed into empty folders, with and without --ignore-scripts, and every command runs through
 * npx against the real nginx and a real WebSocket server. The npm cache may answer `npm ci`; the
 * tarball installs offline, since it has nothing to download.
 */
import { execa, execaSync } from "execa";
import { builtinModules } from "node:module";
import { cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, posix } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { RULE_IDS } from "../../src/config/rule-ids.js";
import { startBackend, type Backend } from "../helpers/backend.js";
import { ROOT } from "../helpers/paths.js";

const work = mkdtempSync(join(tmpdir(), "wssgen-package-"));
const clone = join(work, "clone");
const globalPrefix = join(work, "global");
const unpacked = join(work, "unpacked");
const repoManifest = JSON.parse(readFileSync(join(ROOT, "package.json"), "utf8")) as { version: string };

/** The environment of a user's shell: none of the npm_* variables of an `npm test` around the suite. */
function userEnv(extra: Record<string, string> = {}): Record<string, string> {
  const env: Record<string, string> = {};
  for (const [key, value] of Object.entries(process.env)) if (value !== undefined && !/^npm_/i.test(key)) env[key] = value;
  return {
    ...env,
    NO_COLOR: "1",
    CI: "true",
    // the system nginx, where Debian puts it (a non-root PATH lacks /usr/sbin)
    PATH: `${env.PATH ?? ""}:/usr/sbin:/sbin`,
    npm_config_prefix: globalPrefix, // `npm install -g` goes here, never to the machine's prefix
    npm_config_audit: "false",
    npm_config_fund: "false",
    npm_config_update_notifier: "false",
    npm_config_prefer_offline: "true",
    ...extra,
  };
}

async function run(file: string, args: string[], cwd: string, env: Record<string, string> = {}) {
  const r = await execa(file, args, { cwd, env: userEnv(env), extendEnv: false, reject: false, input: "" });
  return { exitCode: r.exitCode ?? -1, stdout: String(r.stdout), stderr: String(r.stderr) };
}

async function mustRun(file: string, args: string[], cwd: string) {
  const r = await run(file, args, cwd);
  if (r.exitCode !== 0) throw new Error(`${file} ${args.join(" ")} exited ${r.exitCode}:\n${r.stderr}\n${r.stdout}`);
  return r;
}

/** The files of the working tree that `git clone` of it would check out (tracked, plus new unignored ones). */
function copyAsCloned(to: string): void {
  for (const file of clonedFiles()) {
    const from = join(ROOT, file);
    if (!existsSync(from) || statSync(from).isDirectory()) continue; // deleted in the tree, or a submodule
    mkdirSync(dirname(join(to, file)), { recursive: true });
    cpSync(from, join(to, file));
  }
}

/** Paths (relative to the repository) that a clone of the working tree would hold, optionally under `under`. */
function clonedFiles(under?: string): string[] {
  const args = ["ls-files", "-z", "--cached", "--others", "--exclude-standard", ...(under ? ["--", under] : [])];
  return execaSyncLines("git", args).filter((file) => existsSync(join(ROOT, file)));
}

function execaSyncLines(file: string, args: string[]): string[] {
  return String(execaSync(file, args, { cwd: ROOT }).stdout)
    .split("\0")
    .filter(Boolean);
}

/** The shell block of the README's Install section, run as written. */
function readmeInstallCommands(): string {
  const readme = readFileSync(join(ROOT, "README.md"), "utf8");
  const section = readme.slice(readme.indexOf("\n## Install\n"));
  const block = /```sh\n([\s\S]*?)\n```/.exec(section);
  if (readme.indexOf("\n## Install\n") < 0 || !block) throw new Error("README.md has no ## Install section with a sh block");
  return block[1]!;
}

function walk(dir: string, prefix = ""): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) =>
    entry.isDirectory() ? walk(join(dir, entry.name), `${prefix}${entry.name}/`) : [`${prefix}${entry.name}`],
  );
}

let tarball: string;
let readmeRoute: { exitCode: number; stdout: string; stderr: string };
let files: string[];
const pkgDir = join(unpacked, "package");

beforeAll(async () => {
  copyAsCloned(clone);
  const before = readFileSync(join(clone, "package.json"));
  readmeRoute = await run("bash", ["-eo", "pipefail", "-c", readmeInstallCommands()], clone);
  if (readmeRoute.exitCode !== 0) return;
  // postpack put the manifest back byte for byte
  expect(readFileSync(join(clone, "package.json")).equals(before)).toBe(true);
  const packed = readdirSync(clone).filter((f) => f.endsWith(".tgz"));
  expect(packed).toEqual([`wssgen-${repoManifest.version}.tgz`]);
  tarball = join(clone, packed[0]!);
  mkdirSync(unpacked);
  await mustRun("tar", ["-xzf", tarball, "-C", unpacked], work);
  files = walk(pkgDir).sort();
}, 900_000);

afterAll(() => rmSync(work, { recursive: true, force: true }));

describe("README's install route, from a fresh clone", () => {
  it("npm ci, npm pack and npm install -g of the .tgz give a working `wssgen`", async () => {
    expect(readmeRoute.exitCode, readmeRoute.stderr).toBe(0);
    // the tarball carries no install script, so npm has none to list for approval
    expect(readmeRoute.stderr).not.toMatch(/install-scripts/);
    expect(existsSync(join(clone, "package.json.before-pack"))).toBe(false);
    const bin = join(globalPrefix, "bin", "wssgen");
    expect((await mustRun(bin, ["--version"], work)).stdout.trim()).toBe(repoManifest.version);
    expect((await mustRun(bin, ["--help"], work)).stdout).toMatch(/^Usage: wssgen /);
    // nothing but wssgen itself was installed
    expect(existsSync(join(globalPrefix, "lib/node_modules/wssgen/node_modules"))).toBe(false);
  });
});

describe("a global install of a fresh clone's folder (not the README's route)", () => {
  it("stops in the build with one line that says what to do, not a module-resolution stack trace", async () => {
    const fresh = join(work, "fresh-clone");
    copyAsCloned(fresh);
    const r = await run("npm", ["install", "-g", fresh], work, { npm_config_prefix: join(work, "global-link") });
    expect(r.exitCode).not.toBe(0);
    expect(r.stderr).toContain(
      "wssgen: building needs the devDependencies (esbuild, typescript, handlebars, ...), which are not installed here; " +
        "run `npm ci` in this folder first, or install wssgen from a packed tarball (README.md, Install)",
    );
    expect(r.stderr).not.toMatch(/ERR_MODULE_NOT_FOUND|\bat \S+ \(node:internal/);
  });
});

describe("install advice in the README and docs", () => {
  it("every global install is of a packed tarball (a fresh clone or a git URL fails to build)", () => {
    const pages = ["README.md", ...clonedFiles("docs").filter((f) => f.endsWith(".md"))];
    const routes = pages.flatMap((page) =>
      [...readFileSync(join(ROOT, page), "utf8").matchAll(/\bnpm (?:install|i) -g (\S+)/g)].map((m) => `${page}: ${m[1]}`),
    );
    expect(routes.length).toBeGreaterThan(0);
    expect(routes.filter((route) => !/\.tgz"?$/.test(route))).toEqual([]);
  });
});

describe("the tarball", () => {
  it("holds exactly the program, its docs and its licences", () => {
    const shippedDocs = clonedFiles("docs");
    const expected = [
      "LICENSE",
      "README.md",
      "package.json",
      "bin/package.json",
      "bin/wssgen.js",
      "dist/cli.cjs",
      "dist/launch.cjs",
      "dist/index.js",
      "dist/index.d.ts",
      "dist/THIRD-PARTY-LICENSES.md",
      ...shippedDocs,
    ].sort();
    // the build's output whose names carry content hashes or follow src/: chunks and type declarations
    const built = [/^dist\/chunks\/[\w-]+\.js$/, /^dist\/(?:[\w-]+\/)*[\w.-]+\.d\.ts$/];
    expect(files.filter((f) => expected.includes(f) || !built.some((pattern) => pattern.test(f)))).toEqual(expected);
    expect(files.filter((f) => f.startsWith("dist/chunks/")).length).toBeGreaterThan(0);
    expect(files.filter((f) => f.endsWith(".map"))).toEqual([]);
    expect(shippedDocs).toContain("docs/wssgen.schema.json");
    // what the 23 MB of listed dependencies and 2.4 MB of maps used to cost, bounded
    const size = files.reduce((sum, f) => sum + statSync(join(pkgDir, f)).size, 0);
    expect(size).toBeLessThan(4 * 1024 * 1024);
  });

  it("depends on exactly the packages the program imports at run time (none: dist/ bundles them)", () => {
    const manifest = JSON.parse(readFileSync(join(pkgDir, "package.json"), "utf8")) as Record<string, unknown>;
    const imported = new Set<string>();
    for (const file of files.filter((f) => /\.c?js$/.test(f))) {
      const text = readFileSync(join(pkgDir, file), "utf8");
      for (const m of text.matchAll(
        /(?:\bfrom\s*|\bimport\s*\(\s*|\brequire\s*\(\s*)"((?:@[\w.-]+\/)?[\w.-]+)(?:\/[\w./-]*)?"/g,
      )) {
        const name = m[1]!;
        if (!name.startsWith(".") && !name.startsWith("node:") && !builtinModules.includes(name)) imported.add(name);
      }
    }
    expect(Object.keys((manifest.dependencies as object | undefined) ?? {}).sort()).toEqual([...imported].sort());
    for (const field of ["peerDependencies", "optionalDependencies", "bundleDependencies", "bundledDependencies"])
      expect(manifest[field], field).toBeUndefined();
  });

  it("has no install scripts (prepare builds from sources the tarball does not contain)", () => {
    const { scripts = {} } = JSON.parse(readFileSync(join(pkgDir, "package.json"), "utf8")) as {
      scripts?: Record<string, string>;
    };
    expect(Object.keys(scripts).filter((s) => ["preinstall", "install", "postinstall", "prepare"].includes(s))).toEqual([]);
  });

  it("is MIT with a LICENSE file, and names no repository, homepage or tracker (none is public yet)", () => {
    const manifest = JSON.parse(readFileSync(join(pkgDir, "package.json"), "utf8")) as Record<string, unknown>;
    expect(manifest.license).toBe("MIT");
    const license = readFileSync(join(pkgDir, "LICENSE"), "utf8");
    expect(license).toMatch(/^MIT License\n\nCopyright \(c\) \d{4} wssgen contributors\n/);
    expect(license).toContain('THE SOFTWARE IS PROVIDED "AS IS"');
    // a URL at a host the project does not control would send users (and their trust) to whoever claims it
    for (const field of ["repository", "homepage", "bugs"]) expect(manifest[field], field).toBeUndefined();
  });

  it("its types compile in a TypeScript project with nothing else installed (skipLibCheck off, no @types/node)", async () => {
    // dist/index.d.ts and all it reaches must not import the bundled devDependencies (zod, chalk,
    // commander), nor use Node's globals (Buffer), which a library user need not have. The unpacked
    // tarball is what `npm install` of it puts in node_modules (it installs nothing else).
    const dir = join(work, "types-consumer");
    cpSync(pkgDir, join(dir, "node_modules/wssgen"), { recursive: true });
    const consumer = join(dir, "consumer.mts");
    writeFileSync(
      consumer,
      [
        'import { loadConfig, parseConfig, parseVersion, render, type RawConfig, type WssgenConfig } from "wssgen";',
        'import { apply, check, diffCommand, probe, type ApplyResult, type CheckResult, type DiffCommandResult, type ProbeResult } from "wssgen";',
        'const raw: RawConfig = { upstreams: { app: { servers: ["127.0.0.1:9000"] } }, sites: [{ domains: ["a.example.com"], routes: [{ path: "/ws", upstream: "app" }] }] };',
        'const config: WssgenConfig = parseConfig("inline.yaml", JSON.stringify(raw), {}).config;',
        'const text: string = render(config, { version: parseVersion("1.26")! });',
        "export const used = [loadConfig, text];",
        // check, apply, diff and probe as the CLI runs them, with their options and results typed
        'export const checked: Promise<CheckResult> = check({ config: "wssgen.yaml", nginxMode: "skip", strict: true });',
        "export const applied: Promise<ApplyResult> = apply({ dryRun: true, lockTimeoutMs: 1000, onStep: (line: string) => void line });",
        'export const diffed: Promise<DiffCommandResult> = diffCommand({ target: "wssgen.conf" });',
        'export const probed: Promise<ProbeResult> = probe("wss://a.example.com/ws", { ca: new Uint8Array(), idleMs: 1000 });',
        "",
      ].join("\n"),
    );
    const options = {
      strict: true,
      module: "nodenext",
      target: "es2022",
      lib: ["es2022"],
      skipLibCheck: false,
      noEmit: true,
      types: [],
    };
    writeFileSync(join(dir, "tsconfig.json"), JSON.stringify({ compilerOptions: options, files: ["consumer.mts"] }));
    const tsc = await run(process.execPath, [join(ROOT, "node_modules/typescript/bin/tsc"), "-p", "tsconfig.json"], dir);
    expect([tsc.exitCode, tsc.stdout], tsc.stderr).toEqual([0, ""]);
  });

  it("carries the licence of every package bundled into dist/", () => {
    const bundled = new Set<string>();
    for (const file of files.filter((f) => /\.c?js$/.test(f)))
      for (const m of readFileSync(join(pkgDir, file), "utf8").matchAll(
        /^\/\/ (?:\S*\/)?node_modules\/((?:@[^/\s]+\/)?[^/\s]+)\//gm,
      ))
        bundled.add(m[1]!);
    expect(bundled.size).toBeGreaterThan(0);
    const notices = readFileSync(join(pkgDir, "dist/THIRD-PARTY-LICENSES.md"), "utf8");
    const sections = [...notices.matchAll(/^## ((?:@[^/\s]+\/)?[^@\s]+)@\S+ \(([^)]+)\)\n\n```\n([\s\S]*?)\n```$/gm)];
    expect(new Set(sections.map((s) => s[1]))).toEqual(bundled);
    for (const [, name, , text] of sections) expect(text!.length, name).toBeGreaterThan(100);
  });

  it("ships every doc that messages, rule ids and the shipped docs point to", () => {
    const missing: string[] = [];
    for (const file of files.filter((f) => /\.c?js$/.test(f)))
      for (const [ref] of readFileSync(join(pkgDir, file), "utf8").matchAll(/\bdocs\/[\w./-]*[\w-]\.(?:md|json)\b/g))
        if (!files.includes(ref)) missing.push(`${file} -> ${ref}`);
    for (const id of RULE_IDS) if (!files.includes(`docs/rules/${id}.md`)) missing.push(`rule ${id} -> docs/rules/${id}.md`);
    for (const file of files.filter((f) => f.endsWith(".md") && !f.startsWith("dist/"))) {
      for (const [, link] of readFileSync(join(pkgDir, file), "utf8").matchAll(/\]\(([^)\s#]+)(?:#[^)]*)?\)/g)) {
        if (/^[a-z]+:/i.test(link!)) continue;
        const target = posix.normalize(posix.join(posix.dirname(file), link!));
        // examples and tests stay in the repository: the README and docs link them as such
        if (/^(?:fixtures|test)\//.test(target)) continue;
        if (!existsSync(join(pkgDir, target))) missing.push(`${file} -> ${link}`);
      }
    }
    expect(missing).toEqual([]);
  });
});

describe.each([
  ["npm install", []],
  ["npm install --ignore-scripts", ["--ignore-scripts"]],
])("the tarball installed with `%s` into an empty folder", (_label, flags) => {
  const dir = join(work, `project${flags.join("")}`);
  let backend: Backend;
  let install: { exitCode: number; stdout: string; stderr: string };
  const wssgen = (...args: string[]) => run("npx", ["--no", "--", "wssgen", ...args], dir);

  beforeAll(async () => {
    expect(tarball, "the README route built no tarball").toBeDefined();
    mkdirSync(dir);
    // --offline: the tarball needs nothing from the registry
    install = await run("npm", ["install", "--offline", ...flags, tarball], dir);
    backend = await startBackend("app");
  }, 120_000);
  afterAll(() => backend?.close());

  it("installs wssgen alone, with no dependencies and nothing to approve", () => {
    expect(install.exitCode, install.stderr).toBe(0);
    expect(install.stderr).not.toMatch(/install-scripts|deprecated/);
    expect(readdirSync(join(dir, "node_modules")).sort()).toEqual([".bin", ".package-lock.json", "wssgen"]);
    expect(existsSync(join(dir, "node_modules/wssgen/docs/wssgen.schema.json"))).toBe(true);
  });

  it("--version, --help", async () => {
    const version = await wssgen("--version");
    expect([version.exitCode, version.stdout.trim()]).toEqual([0, repoManifest.version]);
    const help = await wssgen("--help");
    expect(help.exitCode).toBe(0);
    for (const command of ["init", "render", "check", "apply", "diff", "probe", "schema"])
      expect(help.stdout).toMatch(new RegExp(`^  ${command} `, "m"));
  });

  it("init, render, render -o, schema", async () => {
    const init = await wssgen("init", "--yes", "--domain", "localhost", "--upstream", `127.0.0.1:${backend.port}`);
    expect(init.exitCode, init.stderr).toBe(0);
    expect(readFileSync(join(dir, "wssgen.yaml"), "utf8")).toContain(`127.0.0.1:${backend.port}`);
    const render = await wssgen("render");
    expect(render.exitCode, render.stderr).toBe(0);
    expect(render.stdout).toMatch(new RegExp(`^\\s*server "?127\\.0\\.0\\.1:${backend.port}"?;$`, "m"));
    expect((await wssgen("render", "-o", "wssgen.conf")).exitCode).toBe(0);
    expect(`${readFileSync(join(dir, "wssgen.conf"), "utf8")}`).toBe(`${render.stdout}\n`);
    const schema = await wssgen("schema");
    expect(schema.exitCode).toBe(0);
    expect(Object.keys((JSON.parse(schema.stdout) as { properties: object }).properties)).toContain("sites");
  });

  it("check --nginx skip, and with the real nginx -t", async () => {
    const skip = await wssgen("check", "--nginx", "skip");
    expect(skip.exitCode, skip.stderr + skip.stdout).toBe(0);
    expect(skip.stdout).toMatch(/nginx -t skipped/);
    const real = await wssgen("check", "--nginx", "require");
    expect(real.exitCode, real.stderr + real.stdout).toBe(0);
    expect(real.stdout).toMatch(/nginx [\d.]+ -t passed/);
  });

  it("diff and apply --dry-run", async () => {
    const same = await wssgen("diff", "--target", "wssgen.conf");
    expect(same.exitCode, same.stderr).toBe(0);
    writeFileSync(join(dir, "wssgen.conf"), "# edited by hand\n", { flag: "a" });
    const drift = await wssgen("diff", "--target", "wssgen.conf");
    expect(drift.exitCode).toBe(1);
    expect(drift.stdout).toContain("-# edited by hand");
    const dry = await wssgen("apply", "--dry-run", "--target", "wssgen.conf");
    expect(dry.exitCode, dry.stderr).toBe(0);
    expect(dry.stdout).toContain("-# edited by hand");
    expect(readFileSync(join(dir, "wssgen.conf"), "utf8")).toMatch(/# edited by hand\n$/);
  });

  it("the library API loads from it, with nothing else in node_modules", async () => {
    const code = 'const api = await import("wssgen"); console.log(typeof api.render, typeof api.loadConfig);';
    const r = await run(process.execPath, ["--input-type=module", "-e", code], dir);
    expect([r.exitCode, r.stdout.trim()], r.stderr).toEqual([0, "function function"]);
  });

  it("probe against a local WebSocket server", async () => {
    const probe = await wssgen("probe", `ws://127.0.0.1:${backend.port}/ws`);
    expect(probe.exitCode, probe.stderr + probe.stdout).toBe(0);
    expect(probe.stdout).toMatch(/101 Switching Protocols/);
  });
});

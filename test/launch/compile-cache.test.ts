/**
 * The code cache the bin loads the CLI bundle through (src/launch/compile-cache.ts), with the real bin
 * and the real dist/cli.cjs: written on the first run, used on the next, rejected and rewritten when
 * damaged, never read from a directory others can write to, and never changing what a command prints.
 */
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { compileCacheDir } from "../../src/launch/compile-cache.js";
import { buildOnce } from "../helpers/build.js";
import { runCli } from "../helpers/cli.js";
import { ROOT } from "../helpers/paths.js";

const work = mkdtempSync(join(tmpdir(), "wssgen-cache-"));
const config = join(work, "wssgen.yaml");
afterAll(() => rmSync(work, { recursive: true, force: true }));

/** A fresh XDG_CACHE_HOME for one test, and how to run the CLI with it. */
function cacheHome(name: string) {
  const home = join(work, name);
  mkdirSync(home, { recursive: true });
  const env = { XDG_CACHE_HOME: home, WSSGEN_DEBUG_COMPILE_CACHE: "1" };
  const run = (args: string[], extra: Record<string, string> = {}) => runCli(args, { cwd: work, env: { ...env, ...extra } });
  const files = () =>
    existsSync(join(home, "wssgen")) ? readdirSync(join(home, "wssgen")).filter((f) => f.startsWith("cli.cjs-")) : [];
  return { home, dir: join(home, "wssgen"), run, files };
}
/** stderr without the debug line. */
const withoutDebug = (stderr: string) =>
  stderr
    .split("\n")
    .filter((line) => !line.startsWith("wssgen: compile cache"))
    .join("\n");
/** The cache outcome the debug line reports. */
const outcome = (stderr: string) => /wssgen: compile cache (\w+)/.exec(stderr)?.[1];

beforeAll(async () => {
  buildOnce();
  const init = await runCli(["init", "--yes", "-o", config], { cwd: work });
  expect(init.exitCode, init.stderr).toBe(0);
});

describe("the CLI bundle", () => {
  it("is ASCII and has no dynamic import() of a module outside it (the build checks both)", () => {
    const text = readFileSync(join(ROOT, "dist/cli.cjs"), "latin1");
    expect(/[^\x00-\x7f]/.test(text)).toBe(false);
    expect(/^(?!\s*(?:\/\/|\*)).*\bimport\(\s*["'`]/m.test(text)).toBe(false);
  });
});

describe("the compile cache", () => {
  it("is written by the first run, used by the next, and changes no output", async () => {
    const { run, files } = cacheHome("first");
    const first = await run(["render"]);
    expect(first.exitCode, first.stderr).toBe(0);
    expect(outcome(first.stderr)).toBe("missing");
    expect(files()).toHaveLength(1);
    expect(files()[0]).toMatch(/-render\.cache$/);
    const second = await run(["render"]);
    expect(outcome(second.stderr)).toBe("used");
    expect(second.stdout).toBe(first.stdout);
    const off = await run(["render"], { WSSGEN_NO_COMPILE_CACHE: "1" });
    expect(outcome(off.stderr)).toBe("off");
    expect(off.stdout).toBe(first.stdout);
  });

  it("keeps one cache per command, and a failing command fails the same with and without it", async () => {
    const { run, files } = cacheHome("commands");
    const bad = join(work, "bad.yaml");
    writeFileSync(bad, "sites:\n  - domains: [a..b]\n");
    const results = [];
    for (let i = 0; i < 3; i++) results.push(await run(["check", "-c", bad, "--nginx", "skip"]));
    expect(results.map((r) => outcome(r.stderr))).toEqual(["missing", "used", "used"]);
    for (const r of results) {
      expect(r.exitCode).toBe(1);
      expect(r.stdout).toBe(results[0]!.stdout);
      expect(withoutDebug(r.stderr)).toBe(withoutDebug(results[0]!.stderr));
    }
    await run(["render"]);
    await run(["--help"]);
    expect(
      files()
        .map((f) => /-(\w+)\.cache$/.exec(f)?.[1])
        .sort(),
    ).toEqual(["check", "other", "render"]);
  });

  it("is rejected when damaged, compiled without, and written again", async () => {
    const { run, files, dir } = cacheHome("damaged");
    const good = await run(["render"]);
    const file = join(dir, files()[0]!);
    // V8's data damaged after an intact header: V8 rejects it
    const bytes = readFileSync(file);
    const headerEnd = bytes.indexOf(10, bytes.indexOf(10) + 1) + 1;
    writeFileSync(file, Buffer.concat([bytes.subarray(0, headerEnd), Buffer.alloc(bytes.length - headerEnd, 0x5a)]));
    const damaged = await run(["render"]);
    expect(outcome(damaged.stderr)).toBe("rejected");
    expect(damaged.exitCode).toBe(0);
    expect(damaged.stdout).toBe(good.stdout);
    expect(outcome((await run(["render"])).stderr)).toBe("used");
    // a header for another bundle (two paths with the same short hash): not given to V8
    writeFileSync(file, Buffer.concat([Buffer.from("wssgen-code-cache-2\n/elsewhere/cli.cjs\n"), bytes.subarray(headerEnd)]));
    const foreign = await run(["render"]);
    expect(outcome(foreign.stderr)).toBe("rejected");
    expect(foreign.stdout).toBe(good.stdout);
  });

  it("removes, when it writes one, the caches of other builds at the same path and of bundles that are gone", async () => {
    const { run, files, dir } = cacheHome("stale");
    const { utimesSync } = await import("node:fs");
    await run(["render"]);
    const [current] = files();
    const header = (bundle: string) => `wssgen-code-cache-2\n${bundle}\n`;
    const stale = current!.replace(/^(cli\.cjs-\w+-)[\w.]+-/, "$1old.build.0-");
    const elsewhere = current!.replace(/^cli\.cjs-\w+-/, "cli.cjs-otherpath-");
    const gone = current!.replace(/^cli\.cjs-\w+-/, "cli.cjs-gonepath-");
    // a cache this version cannot read (another version's format, beside it): only its age removes it
    const headerless = current!.replace(/^cli\.cjs-\w+-/, "cli.cjs-nohead-");
    const old = current!.replace(/^cli\.cjs-\w+-/, "cli.cjs-oldunused-");
    const gone9 = current!.replace(/^cli\.cjs-\w+-/, "cli.cjs-gonev9-");
    writeFileSync(join(dir, stale), header(join(ROOT, "dist/cli.cjs")));
    writeFileSync(join(dir, elsewhere), header(join(ROOT, "package.json"))); // a file that exists
    writeFileSync(join(dir, gone), header(join(work, "uninstalled/dist/cli.cjs")));
    writeFileSync(join(dir, headerless), "x");
    writeFileSync(join(dir, old), "x");
    const month = new Date(Date.now() - 31 * 24 * 3600_000);
    utimesSync(join(dir, old), month, month);
    writeFileSync(join(dir, gone9), `wssgen-code-cache-9\n${join(work, "uninstalled/dist/cli.cjs")}\n`);
    // a killed run's temporary file, two hours old, and a file that is not a cache of this bundle
    const leftover = `${current!}.999999.tmp`;
    writeFileSync(join(dir, leftover), "x");
    utimesSync(join(dir, leftover), new Date(Date.now() - 7200_000), new Date(Date.now() - 7200_000));
    writeFileSync(join(dir, "notes.cache"), "x");
    expect((await run(["check", "--nginx", "skip"])).exitCode).toBe(0);
    expect(readdirSync(dir)).toContain("notes.cache");
    expect(readdirSync(dir)).not.toContain(leftover);
    expect(files().sort()).toEqual([current!.replace(/-render\.cache$/, "-check.cache"), current, elsewhere, headerless].sort());
  });

  it("is not read from, nor written to, a directory that others can write to", async () => {
    const { run, dir, home } = cacheHome("shared");
    mkdirSync(dir, { recursive: true });
    chmodSync(dir, 0o777);
    const result = await run(["render"]);
    expect(result.exitCode).toBe(0);
    expect(outcome(result.stderr)).toBe("off");
    expect(readdirSync(dir).filter((f) => f.startsWith("cli.cjs-"))).toEqual([]);
    expect(compileCacheDir({ XDG_CACHE_HOME: home })).toBeUndefined();
    chmodSync(dir, 0o700);
    expect(compileCacheDir({ XDG_CACHE_HOME: home })).toBe(dir);
  });

  it("is not even looked at for --version, which the launcher answers without loading the CLI", async () => {
    const { run, files } = cacheHome("version");
    const { version } = JSON.parse(readFileSync(join(ROOT, "package.json"), "utf8")) as { version: string };
    for (const flag of ["--version", "-v"]) {
      const result = await run([flag]);
      expect(result).toEqual({ exitCode: 0, stdout: version, stderr: "" });
    }
    expect(files()).toEqual([]);
  });

  it("is off without an absolute cache or home directory, or when turned off", () => {
    expect(compileCacheDir({ XDG_CACHE_HOME: "relative", HOME: "also-relative" })).toBeUndefined();
    expect(compileCacheDir({ XDG_CACHE_HOME: join(work, "on"), WSSGEN_NO_COMPILE_CACHE: "1" })).toBeUndefined();
    expect(compileCacheDir({ XDG_CACHE_HOME: join(work, "on"), WSSGEN_NO_COMPILE_CACHE: "0" })).toBe(join(work, "on", "wssgen"));
    mkdirSync(join(work, "home"));
    expect(compileCacheDir({ HOME: join(work, "home") })).toBe(join(work, "home", ".cache", "wssgen"));
    // a home that does not exist, or is not this user's: nothing is made there
    expect(compileCacheDir({ HOME: join(work, "nowhere", "home") })).toBeUndefined();
    expect(existsSync(join(work, "nowhere"))).toBe(false);
  });
});

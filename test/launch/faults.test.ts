/**
 * Faults a review found by trying to break the launcher and the code cache (issue 13); each test failed
 * before its fix: a damaged cache, a bundle replaced in place, NODE_OPTIONS, root with another user's
 * HOME, a cache path that is a FIFO, --version on a full disk, the parent of a large config's re-run
 * killed with SIGKILL.
 */
import { spawnSync } from "node:child_process";
import {
  chownSync,
  cpSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  openSync,
  closeSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  utimesSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { buildOnce } from "../helpers/build.js";
import { ROOT } from "../helpers/paths.js";

const work = mkdtempSync(join(tmpdir(), "wssgen-review13-"));
const config = join(work, "wssgen.yaml");
afterAll(() => rmSync(work, { recursive: true, force: true }));

function run(bin: string, args: string[], env: Record<string, string>, stdout: "pipe" | number = "pipe") {
  const r = spawnSync(process.execPath, [bin, ...args], {
    cwd: work,
    env: { ...process.env, NO_COLOR: "1", ...env },
    stdio: ["ignore", stdout, "pipe"],
    encoding: "utf8",
    timeout: 60_000,
  });
  return { status: r.status, signal: r.signal, stdout: r.stdout ?? "", stderr: r.stderr ?? "" };
}
const BIN = join(ROOT, "bin/wssgen.js");

beforeAll(() => {
  buildOnce();
  const init = run(BIN, ["init", "--yes", "-o", config], { WSSGEN_NO_COMPILE_CACHE: "1" });
  expect(init.status, init.stderr).toBe(0);
});

describe("the compile cache", () => {
  it("a cache file damaged inside V8's payload (bit rot, a bad sector) does not crash every later run", () => {
    const home = join(work, "bitrot");
    const env = { XDG_CACHE_HOME: home };
    const good = run(BIN, ["render"], env);
    expect(good.status, good.stderr).toBe(0);
    const dir = join(home, "wssgen");
    const file = join(
      dir,
      readdirSync(dir).find((f) => f.endsWith("-render.cache"))!,
    );
    const bytes = readFileSync(file);
    const third = Math.trunc(bytes.length / 3);
    for (let i = third; i < third + 2000; i++) bytes[i]! ^= 0x5a;
    writeFileSync(file, bytes);
    // before: V8 "Fatal error ... unreachable code", SIGTRAP (exit 133 from a shell), on every run
    // until the user found and deleted the cache file (V8 checks no checksum in release builds)
    const damaged = run(BIN, ["render"], env);
    expect({ status: damaged.status, signal: damaged.signal }).toEqual({ status: 0, signal: null });
    expect(damaged.stdout).toBe(good.stdout);
  });

  it("a bundle replaced in place by another of the same size and mtime (reproducible builds) runs the new code", () => {
    const pkg = join(work, "pkg");
    for (const part of ["bin", "dist", "package.json"]) cpSync(join(ROOT, part), join(pkg, part), { recursive: true });
    const bin = join(pkg, "bin/wssgen.js");
    const env = { XDG_CACHE_HOME: join(work, "same-size") };
    const before = run(bin, ["render"], env);
    expect(before.stdout).toContain("server_tokens off;");
    run(bin, ["render"], env); // the cache is used from here on
    const cli = join(pkg, "dist/cli.cjs");
    const { mtimeMs, atimeMs, ino } = statSync(cli);
    // the next release: the same length, written over the old file (same inode), the same fixed mtime
    writeFileSync(cli, readFileSync(cli, "latin1").replaceAll("server_tokens", "server_tokenz"), "latin1");
    utimesSync(cli, atimeMs / 1000, mtimeMs / 1000);
    expect(statSync(cli).ino).toBe(ino);
    expect(Math.trunc(statSync(cli).mtimeMs)).toBe(Math.trunc(mtimeMs));
    const uncached = run(bin, ["render"], { WSSGEN_NO_COMPILE_CACHE: "1" });
    expect(uncached.stdout).toContain("server_tokenz off;");
    // before: the old bytecode ran and printed "server_tokens off;"
    expect(run(bin, ["render"], env).stdout).toBe(uncached.stdout);
  });

  it("a run with NODE_OPTIONS does not make the next run without it reject the cache (and back)", () => {
    const env = { XDG_CACHE_HOME: join(work, "node-options"), WSSGEN_DEBUG_COMPILE_CACHE: "1" };
    const outcome = (options: string) =>
      /wssgen: compile cache (\w+)/.exec(run(BIN, ["render"], { ...env, NODE_OPTIONS: options }).stderr)?.[1];
    const common = "--max-old-space-size=4096"; // what many CI setups export
    expect([outcome(""), outcome("")]).toEqual(["missing", "used"]);
    expect(outcome(common)).toMatch(/missing|rejected/);
    expect(outcome(common)).toBe("used");
    // before: "rejected" for each of these, for as long as the two kinds of run alternated
    // (NODE_OPTIONS changes V8's flag hash but was not in the cache's file name; only process.execArgv was)
    expect([outcome(""), outcome(common), outcome("")]).toEqual(["used", "used", "used"]);
  });

  it.runIf(process.getuid?.() === 0)(
    "run as root with another user's HOME (sudo -E, macOS sudo), leaves no root-owned ~/.cache in that home",
    () => {
      const home = join(work, "someone");
      mkdirSync(home);
      chownSync(home, 65534, 65534);
      const r = run(BIN, ["render"], { HOME: home, XDG_CACHE_HOME: "" });
      expect(r.status, r.stderr).toBe(0);
      // before: <home>/.cache (mode 0700) and <home>/.cache/wssgen created, owned by root: the user's
      // own runs then found the cache off, and every other program of theirs could not write ~/.cache
      const cache = join(home, ".cache");
      if (existsSync(cache)) expect(statSync(cache).uid).toBe(65534);
    },
  );
});

describe("--version answered by the launcher", () => {
  it("reports a full disk as commander's path and render do (one line, exit 2), not as a broken pipe", () => {
    const full = openSync("/dev/full", "w");
    try {
      const viaCommander = run(BIN, ["--debug", "--version"], {}, full);
      expect(viaCommander.status).toBe(2);
      expect(viaCommander.stderr).toContain("ENOSPC");
      // before: exit 141, nothing on stderr
      const launcher = run(BIN, ["--version"], {}, full);
      expect({ status: launcher.status, stderr: launcher.stderr }).toEqual({
        status: viaCommander.status,
        stderr: viaCommander.stderr,
      });
    } finally {
      closeSync(full);
    }
  });
});

describe("the code cache's file", () => {
  it("a FIFO where the cache file would be is not read (it would block forever)", () => {
    const home = join(work, "fifo");
    const env = { XDG_CACHE_HOME: home };
    const good = run(BIN, ["render"], env);
    const dir = join(home, "wssgen");
    const file = join(
      dir,
      readdirSync(dir).find((f) => f.endsWith("-render.cache"))!,
    );
    rmSync(file);
    expect(spawnSync("mkfifo", [file]).status).toBe(0);
    const result = run(BIN, ["render"], env);
    expect({ status: result.status, signal: result.signal }).toEqual({ status: 0, signal: null });
    expect(result.stdout).toBe(good.stdout);
  });
});

describe("a large config's re-run", () => {
  it("stops, writing nothing, when its parent is killed with SIGKILL (which the parent cannot pass on)", async () => {
    const { spawn } = await import("node:child_process");
    const { generateConfig } = (await import("../../scripts/bench/generate.mjs")) as {
      generateConfig: (n: number, format: string) => string;
    };
    const big = join(work, "big.yaml");
    writeFileSync(big, generateConfig(25_000, "yaml"));
    expect(statSync(big).size).toBeGreaterThan(8 * 2 ** 20);
    const out = join(work, "big.conf");
    const parent = spawn(process.execPath, [BIN, "render", "-c", big, "--nginx-version", "1.22", "-o", out], {
      cwd: work,
      env: { ...process.env, WSSGEN_DEBUG_COMPILE_CACHE: "1" },
      stdio: ["ignore", "ignore", "pipe"],
    });
    // the child announces itself (its compile cache line names the memory flags): then kill the parent
    await new Promise<void>((resolve) =>
      parent.stderr.on("data", (chunk: Buffer) => {
        if (chunk.toString().includes("--max-semi-space-size")) resolve();
      }),
    );
    const children = spawnSync("pgrep", ["-P", String(parent.pid)], { encoding: "utf8" })
      .stdout.trim()
      .split("\n");
    expect(children).toHaveLength(1);
    const child = Number(children[0]);
    parent.kill("SIGKILL");
    const alive = () => {
      try {
        process.kill(child, 0);
        return true;
      } catch {
        return false;
      }
    };
    for (let waited = 0; alive() && waited < 20_000; waited += 100) await new Promise((r) => setTimeout(r, 100));
    expect(alive()).toBe(false);
    expect(existsSync(out)).toBe(false);
    expect(readdirSync(work).filter((f) => f.includes("wssgen-tmp"))).toEqual([]);
  }, 60_000);
});

describe("wssgen's cache directory (util/cache-dir.ts), for the nginx -V cache too", () => {
  it("a relative XDG_CACHE_HOME or HOME puts nothing in the working directory", () => {
    const cwd = mkdtempSync(join(work, "relative-"));
    writeFileSync(join(cwd, "wssgen.yaml"), readFileSync(config));
    const r = spawnSync(process.execPath, [BIN, "render"], {
      cwd,
      env: { ...process.env, XDG_CACHE_HOME: "rel", HOME: "also-rel" },
      encoding: "utf8",
    });
    expect(r.status, r.stderr).toBe(0);
    expect(readdirSync(cwd)).toEqual(["wssgen.yaml"]);
  });
});

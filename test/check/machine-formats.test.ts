/**
 * Machine formats always print their format (issue 8 §9): `check --format json` one JSON document
 * and `--format github` annotations for every outcome — a usage error, a missing config file, a
 * YAML error, a config error, an internal error — with the usual exit code; `probe --format json`
 * likewise. Golden files in fixtures/check/machine/ (UPDATE_SNAPSHOTS=1 rewrites them).
 */
import { mkdirSync, mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { githubAnnotation } from "../../src/report/check.js";
import { runCli } from "../helpers/cli.js";
import { expectGolden } from "../helpers/fixtures.js";
import { FIXTURES, ROOT } from "../helpers/paths.js";

const GOLDEN = join(FIXTURES, "check", "machine");
mkdirSync(GOLDEN, { recursive: true });
const MINIMAL =
  "upstreams: { a: { servers: [10.0.0.1:80] } }\nsites: [{ domains: [a.lan], routes: [{ path: /, upstream: a }] }]\n";

/** A working directory with these files. */
function dirWith(files: Record<string, string>): string {
  const dir = mkdtempSync(join(tmpdir(), "wssgen-machine-"));
  for (const [name, text] of Object.entries(files)) writeFileSync(join(dir, name), text);
  return dir;
}

interface Case {
  name: string;
  args: string[];
  files?: Record<string, string>;
  env?: Record<string, string | undefined>;
  exitCode: number;
}

const cases: Case[] = [
  { name: "usage-unknown-option", args: ["--bogus"], exitCode: 2 },
  { name: "usage-bad-choice", args: ["--nginx", "sometimes"], exitCode: 2 },
  { name: "no-config-file", args: [], exitCode: 2 },
  { name: "missing-config-file", args: ["-c", "nope.yaml"], exitCode: 2 },
  { name: "yaml-error", args: ["-c", "bad.yaml"], files: { "bad.yaml": "upstreams:\n  a: [\nsites: []\n" }, exitCode: 1 },
  {
    name: "config-error",
    args: ["-c", "wssgen.yaml"],
    files: { "wssgen.yaml": MINIMAL.replace("upstream: a", "upstream: b") },
    exitCode: 1,
  },
  {
    name: "hostile-key",
    args: ["-c", "wssgen.yaml"],
    files: { "wssgen.yaml": `"evil\\n::error file=x::pwned%0A": 1\n${MINIMAL}` },
    exitCode: 1,
  },
  {
    name: "environment-nginx-required",
    args: ["--nginx", "require"],
    files: { "wssgen.yaml": `nginx: { binary: /nonexistent/nginx }\n${MINIMAL}` },
    exitCode: 2,
  },
  {
    name: "environment-no-temp-dir",
    args: ["--nginx", "require"],
    files: { "wssgen.yaml": MINIMAL },
    env: { TMPDIR: "/nonexistent/wssgen-tmp" },
    exitCode: 2,
  },
  {
    // a bug, injected (test/helpers/inject-bug.mjs): finding ./wssgen.yaml throws a TypeError
    name: "internal-error",
    args: [],
    files: { "wssgen.yaml": MINIMAL },
    env: { NODE_OPTIONS: `--import=${join(ROOT, "test/helpers/inject-bug.mjs")}` },
    exitCode: 1,
  },
];

describe.each(["json", "github"] as const)("check --format %s prints its format for every outcome", (format) => {
  it.each(cases)("$name", async ({ name, args, files, env, exitCode }) => {
    const cwd = dirWith(files ?? {});
    const r = await runCli(["check", "--format", format, "--nginx-version", "1.22", ...args], { cwd, env });
    expect(r.exitCode).toBe(exitCode);
    expect(r.stderr).toBe(""); // the document is the output: nothing else, nowhere else
    if (format === "json") {
      const document = JSON.parse(r.stdout) as { exitCode: number; summary: { errors: number }; findings: unknown[] };
      expect(document.exitCode).toBe(exitCode);
      expect(document.summary.errors).toBeGreaterThan(0);
    } else {
      for (const line of r.stdout.split("\n")) expect(line).toMatch(/^::(error|warning|notice) [^:]*::|^\S+: \d+ errors?, /);
    }
    expectGolden(`${r.stdout.replaceAll(cwd, "<dir>")}\n`, join(GOLDEN, `${name}.${format}`));
  });
});

describe("check --format github escapes per GitHub's rules", () => {
  it("%, CR and LF in a message, and : and , in properties, never start a second command", async () => {
    const cwd = dirWith({ "we:ird,name.yaml": `"100%\\r\\n::error::x": 1\n${MINIMAL}` });
    const r = await runCli(["check", "--format", "github", "-c", "we:ird,name.yaml", "--nginx", "skip"], { cwd });
    const lines = r.stdout.trimEnd().split("\n");
    expect(lines[0]).toMatch(/^::error file=we%3Aird%2Cname\.yaml,line=1,col=1,title=wssgen schema::/);
    // the key is shown escaped where the message is made (\r\n as text), and % is escaped for GitHub
    expect(lines[0]).toContain('unknown key "100%25\\r\\n::error::x"');
    expect(lines.filter((line) => line.startsWith("::"))).toHaveLength(1);
  });
  it("the annotation escapes raw %, CR and LF itself, whatever message reaches it", () => {
    const line = githubAnnotation("error", "nginx", "100%\r\n::error::x", { file: "a:b,c.yaml", line: 2, column: 3 });
    expect(line).toBe("::error file=a%3Ab%2Cc.yaml,line=2,col=3,title=wssgen nginx::100%25%0D%0A::error::x");
  });
});

describe("probe --format json prints JSON for every outcome", () => {
  it.each([
    ["probe-bad-url", ["not a url"], 2],
    ["probe-usage", ["ws://127.0.0.1:9/", "--insecure", "--ca", "ca.pem"], 2],
    ["probe-bad-duration", ["ws://127.0.0.1:9/", "--timeout", "soon"], 2],
    ["probe-unknown-option", ["ws://127.0.0.1:9/", "--bogus"], 2],
    ["probe-refused", ["ws://127.0.0.1:9/", "--timeout", "2s"], 1],
  ] as const)("%s", async (name, args, exitCode) => {
    const r = await runCli(["probe", "--format", "json", ...args]);
    expect(r.exitCode).toBe(exitCode);
    expect(r.stderr).toBe("");
    const document = JSON.parse(r.stdout) as { ok: boolean; problem: { code: string } };
    expect(document.ok).toBe(false);
    if (name !== "probe-refused") expectGolden(r.stdout, join(GOLDEN, `${name}.json`));
  });
});

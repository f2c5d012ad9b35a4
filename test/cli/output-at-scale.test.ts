/**
 * Output a person can use at scale (issue 8 §9): text output groups repeats of one rule into one line
 * with the count, a few locations and how to silence it; JSON and GitHub keep every finding. And no
 * input can start a new line in text output (every printed line is escaped).
 */
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { runCli } from "../helpers/cli.js";

/** `n` sites with a WebSocket route and no `origins` (origin-missing, max-connections-unset each). */
function sitesWithoutOrigins(n: number, head = ""): string {
  const lines = [head + "upstreams: { a: { servers: [10.0.0.1:80, 10.0.0.2:80] } }", "sites:"];
  for (let i = 0; i < n; i++) lines.push(`  - domains: [s${i}.example.com]`, "    routes: [{ path: /ws, upstream: a }]");
  return `${lines.join("\n")}\n`;
}

function dirWith(name: string, text: string): string {
  const dir = mkdtempSync(join(tmpdir(), "wssgen-scale-out-"));
  writeFileSync(join(dir, name), text);
  return dir;
}

const ORIGIN_MISSING =
  "warning: any web page can open this WebSocket in a visitor's browser, with their cookies (cross-site WebSocket hijacking); list the pages' origins, e.g. origins: [http://s0.example.com] [origin-missing]";

describe("2,000 sites without origins", () => {
  const dir = dirWith("wssgen.yaml", sitesWithoutOrigins(2000));

  it("render prints one line for the rule, not 2,000 (was 525 KB)", async () => {
    const r = await runCli(["render", "--nginx-version", "1.22"], { cwd: dir });
    expect(r.exitCode).toBe(0);
    expect(r.stderr).toBe(
      `wssgen.yaml:4:14 sites[0].routes[0]: ${ORIGIN_MISSING} (and 1999 more like it, at 6:14 sites[1].routes[0], 8:14 sites[2].routes[0], 10:14 sites[3].routes[0], …; all 2000: wssgen check --format json; to silence it: lint: { rules: { origin-missing: off } })`,
    );
  });
  it("the advice works: lint.rules turns the rule off", async () => {
    const quiet = dirWith("wssgen.yaml", sitesWithoutOrigins(2000, "lint: { rules: { origin-missing: off } }\n"));
    const r = await runCli(["render", "--nginx-version", "1.22"], { cwd: quiet });
    expect(r.exitCode).toBe(0);
    expect(r.stderr).toBe("");
  });
  it("check (text) groups each rule; the summary still counts every finding", async () => {
    const r = await runCli(["check", "--nginx", "skip", "--nginx-version", "1.22"], { cwd: dir });
    expect(r.exitCode).toBe(0);
    const lines = r.stdout.trimEnd().split("\n");
    expect(lines).toHaveLength(4);
    expect(lines[0]).toMatch(/^wssgen\.yaml:1:1 nginx\.mainConfig: info: .* \[worker-shutdown-timeout\]$/);
    expect(lines[1]).toBe(
      `wssgen.yaml:4:14 sites[0].routes[0]: ${ORIGIN_MISSING} (and 1999 more like it, at 6:14 sites[1].routes[0], 8:14 sites[2].routes[0], 10:14 sites[3].routes[0], …; all 2000: wssgen check --format json; to silence it: lint: { rules: { origin-missing: off } })`,
    );
    expect(lines[2]).toMatch(
      /^wssgen\.yaml:4:14 sites\[0\]\.routes\[0\]: info: .* \[max-connections-unset\] \(and 1999 more like it, at 6:14 sites\[1\]\.routes\[0\], .*; to silence it: lint: \{ rules: \{ max-connections-unset: off \} \}\)$/,
    );
    expect(lines[3]).toBe("wssgen.yaml: 0 errors, 2000 warnings, 2001 infos; nginx -t skipped for nginx 1.22");
  });
  it("JSON and GitHub formats keep every finding", async () => {
    const json = await runCli(["check", "--nginx", "skip", "--nginx-version", "1.22", "--format", "json"], { cwd: dir });
    const findings = (JSON.parse(json.stdout) as { findings: { rule: string }[] }).findings;
    expect(findings.filter((f) => f.rule === "origin-missing")).toHaveLength(2000);
    const github = await runCli(["check", "--nginx", "skip", "--nginx-version", "1.22", "--format", "github"], { cwd: dir });
    expect(github.stdout.split("\n").filter((line) => line.startsWith("::warning "))).toHaveLength(2000);
  });
});

describe("where grouping starts", () => {
  it.each([
    [3, 3],
    [4, 1],
  ])("%i findings of one rule print %i line(s)", async (sites, lines) => {
    const dir = dirWith("wssgen.yaml", sitesWithoutOrigins(sites));
    const r = await runCli(["render", "--nginx-version", "1.22"], { cwd: dir });
    expect(r.stderr.split("\n")).toHaveLength(lines);
    expect(r.stderr.split("\n")[0]).toContain("[origin-missing]");
  });
});

describe("no input starts a new line in text output", () => {
  // a file name is input too: newline, GitHub command, bidi override, zero-width space
  const name = "we\nird::error file=x::pwned\u202e\u200b.yaml";
  it.each([
    ["render", ["render", "--nginx-version", "1.22"]],
    ["check", ["check", "--nginx", "skip", "--nginx-version", "1.22"]],
  ])("%s", async (_command, args) => {
    const dir = dirWith(name, sitesWithoutOrigins(1));
    const r = await runCli([...args, "-c", name], { cwd: dir });
    // render's stdout is the nginx config (its header comment is render's business): check the messages
    const text = args[0] === "render" ? r.stderr : `${r.stdout}\n${r.stderr}`;
    for (const line of text.split("\n")) expect(line).not.toMatch(/^::|^ird::/);
    expect(text).not.toMatch(/[\u202e\u200b]/);
    expect(text).toContain("we\\nird::error file=x::pwned\\u202e\\u200b.yaml:");
  });
  it.each([
    ["render", ["render"]],
    ["check", ["check", "--nginx", "skip"]],
    ["diff", ["diff", "--target", "none.conf"]],
    ["apply --dry-run", ["apply", "--dry-run", "--target", "none.conf"]],
  ])("%s: an unknown key with a newline and ::error in it", async (_command, args) => {
    const dir = dirWith("wssgen.yaml", `"x\\n::error file=a.yaml::pwned\\u2028\\u202e": 1\n${sitesWithoutOrigins(1)}`);
    const r = await runCli([...args, "--nginx-version", "1.22"], { cwd: dir });
    expect(r.exitCode).toBe(1);
    const text = `${r.stdout}\n${r.stderr}`;
    for (const line of text.split("\n")) expect(line).not.toMatch(/^::/);
    expect(text).not.toMatch(/[\u2028\u202e]/);
  });
  it("an environment error's message is escaped too", async () => {
    const dir = dirWith("wssgen.yaml", sitesWithoutOrigins(1));
    const r = await runCli(["check", "--nginx", "require"], { cwd: dir, env: { TMPDIR: "/nonexistent/x\n::error::y" } });
    expect(r.exitCode).toBe(2);
    expect(r.stderr).toBe(
      "wssgen: cannot create a sandbox for nginx -t in /nonexistent/x\\n::error::y: directory does not exist (set TMPDIR to a writable directory)",
    );
  });
});

import { execFileSync } from "node:child_process";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { diffLines, unifiedDiff } from "../../src/util/diff.js";

function apply(ops: ReturnType<typeof diffLines>): { a: string[]; b: string[] } {
  return { a: ops.filter((o) => o.kind !== "+").map((o) => o.line), b: ops.filter((o) => o.kind !== "-").map((o) => o.line) };
}

describe("unified diff", () => {
  it("the edit script reproduces both sides and is minimal on simple cases", () => {
    fc.assert(
      fc.property(
        fc.array(fc.constantFrom("a", "b", "c", "d"), { maxLength: 30 }),
        fc.array(fc.constantFrom("a", "b", "c", "d"), { maxLength: 30 }),
        (a, b) => {
          const ops = diffLines(a, b);
          expect(apply(ops)).toEqual({ a, b });
        },
      ),
      { numRuns: 300 },
    );
    expect(diffLines(["x", "y", "z"], ["x", "z"]).filter((o) => o.kind !== " ")).toEqual([{ kind: "-", line: "y" }]);
  });
  it("matches GNU diff -u hunks for a real config change", () => {
    const from = Array.from({ length: 40 }, (_, i) => `line ${i}`).join("\n") + "\n";
    const to = from.replace("line 5\n", "line five\n").replace("line 30\n", "").replace("line 39\n", "line 39\nline 40\n");
    const dir = mkdtempSync(join(tmpdir(), "wssgen-diff-"));
    writeFileSync(join(dir, "a"), from);
    writeFileSync(join(dir, "b"), to);
    let gnu = "";
    try {
      execFileSync("diff", ["-u", "--label", "old", "--label", "new", join(dir, "a"), join(dir, "b")], { encoding: "utf8" });
    } catch (error) {
      gnu = (error as { stdout: string }).stdout;
    }
    expect(unifiedDiff(from, to, { fromLabel: "old", toLabel: "new" })).toBe(gnu);
  });
  it("is empty for equal texts and handles a file that does not exist yet", () => {
    expect(unifiedDiff("a\n", "a\n", { fromLabel: "x", toLabel: "y" })).toBe("");
    expect(unifiedDiff("", "a\nb\n", { fromLabel: "/dev/null", toLabel: "new" })).toBe(
      "--- /dev/null\n+++ new\n@@ -0,0 +1,2 @@\n+a\n+b\n",
    );
  });
});

describe("large changes stay linear", () => {
  it("a change of every line of a 50,000-line file is one valid hunk, computed at once", () => {
    const a = Array.from({ length: 50_000 }, (_, i) => `old ${i}`);
    const b = Array.from({ length: 50_000 }, (_, i) => `new ${i}`);
    const ops = diffLines(a, b);
    expect(apply(ops)).toEqual({ a, b });
    const text = unifiedDiff(`${a.join("\n")}\n`, `${b.join("\n")}\n`, { fromLabel: "a", toLabel: "b" });
    expect(text.split("\n")[2]).toBe("@@ -1,50000 +1,50000 @@");
  });
  it("a small change in a large file is minimal", () => {
    const a = Array.from({ length: 50_000 }, (_, i) => `line ${i}`);
    const b = [...a];
    b[25_000] = "changed";
    expect(diffLines(a, b).filter((o) => o.kind !== " ")).toEqual([
      { kind: "-", line: "line 25000" },
      { kind: "+", line: "changed" },
    ]);
  });
});

/** The one table of file-system error wording (src/util/fs-errors.ts), with real errors from node:fs. */
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { describeFsError } from "../../src/util/fs-errors.js";

const dir = mkdtempSync(join(tmpdir(), "wssgen-fs-errors-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
mkdirSync(join(dir, "a-directory"));
writeFileSync(join(dir, "a-file"), "");

/** The error a synchronous node:fs call throws. */
function errorOf(fn: () => unknown): unknown {
  try {
    fn();
  } catch (error) {
    return error;
  }
  throw new Error("no error");
}

describe("describeFsError", () => {
  it("a missing file: reading, it does not exist; writing, its directory does not", () => {
    const missing = errorOf(() => readFileSync(join(dir, "missing")));
    expect(describeFsError(missing, "read")).toBe("does not exist");
    expect(
      describeFsError(
        errorOf(() => writeFileSync(join(dir, "no-dir", "x"), "")),
        "write",
      ),
    ).toBe("directory does not exist");
  });
  it("a directory, and a file where a directory should be", () => {
    expect(
      describeFsError(
        errorOf(() => readFileSync(join(dir, "a-directory"))),
        "read",
      ),
    ).toBe("is a directory");
    expect(
      describeFsError(
        errorOf(() => readFileSync(join(dir, "a-file", "x"))),
        "read",
      ),
    ).toBe("a parent is not a directory");
  });
  it.each([
    ["EACCES", "permission denied"],
    ["EPERM", "permission denied"],
    ["ENOSPC", "no space left on device"],
    ["EDQUOT", "disk quota exceeded"],
    ["EROFS", "read-only file system"],
  ])("%s: %s, the same reading or writing", (code, words) => {
    const error = Object.assign(new Error(`${code}: at /some/path`), { code });
    expect([describeFsError(error, "read"), describeFsError(error, "write")]).toEqual([words, words]);
  });
  it("a code it has no words for is shown as the code, never Node's message (which repeats the path)", () => {
    expect(describeFsError(Object.assign(new Error("EBUSY: resource busy, rename '/etc/x'"), { code: "EBUSY" }), "write")).toBe(
      "EBUSY",
    );
    expect(describeFsError(new Error("no code"), "read")).toBe("no code");
  });
});

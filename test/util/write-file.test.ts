import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { writeFileAtomic } from "../../src/util/write-file.js";

describe("writeFileAtomic of pieces", () => {
  let dir: string | undefined;
  afterEach(() => {
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it("writes exactly the pieces joined, in UTF-8, across its buffer's ends and for pieces larger than it", async () => {
    dir = mkdtempSync(join(tmpdir(), "wssgen-write-"));
    const file = join(dir, "out.conf");
    // many small pieces of 1-, 2-, 3- and 4-byte characters, a piece over a megabyte, and more small ones
    const small = Array.from({ length: 40_000 }, (_, i) => `line ${i} é € 😀\n`);
    const pieces = [...small, "x".repeat(3 << 20), "ü".repeat(700_000), ...small, ""];
    async function* slowly() {
      for (const piece of pieces) yield await Promise.resolve(piece);
    }
    await writeFileAtomic(file, slowly());
    expect(readFileSync(file).equals(Buffer.from(pieces.join("")))).toBe(true);
    await writeFileAtomic(file, pieces.slice(0, 3));
    expect(readFileSync(file, "utf8")).toBe(pieces.slice(0, 3).join(""));
    await writeFileAtomic(file, []);
    expect(readFileSync(file, "utf8")).toBe("");
  });
});

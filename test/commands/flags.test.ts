/** Flag values as the commands take them (src/commands/flags.ts): durations and files, each refusal naming its flag. */
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { durationFlag, flagFile } from "../../src/commands/flags.js";
import { UsageError } from "../../src/errors.js";

describe("durationFlag", () => {
  it.each([
    ["90", 90_000],
    ["500ms", 500],
    ["30s", 30_000],
    ["2m", 120_000],
    ["1h", 3_600_000],
  ])("%s is %d ms", (text, ms) => {
    expect(durationFlag("--idle", text)).toBe(ms);
  });
  it.each(["", "1.5s", "-1s", "10 s", "2w", "s"])("refuses %j, naming the flag", (text) => {
    expect(() => durationFlag("--lock-timeout", text)).toThrow(UsageError);
    expect(() => durationFlag("--lock-timeout", text)).toThrow(
      `--lock-timeout: "${text}" is not a duration (use 500ms, 30s, 2m, ...)`,
    );
  });
});

describe("flagFile", () => {
  const dir = mkdtempSync(join(tmpdir(), "wssgen-flags-"));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  writeFileSync(join(dir, "ca.pem"), "pem\n");
  it("reads the file relative to cwd", async () => {
    expect(Buffer.from(await flagFile("--ca", "ca.pem", dir)).toString()).toBe("pem\n");
  });
  it("a file that cannot be read is a UsageError naming the flag and the file as given", async () => {
    await expect(flagFile("--probe-ca", "missing.pem", dir)).rejects.toThrow(
      new UsageError("--probe-ca: cannot read missing.pem"),
    );
    await expect(flagFile("--ca", ".", dir)).rejects.toThrow("--ca: cannot read .");
  });
});

import { spawn } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, utimesSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { acquireLock, processStartTicks } from "../../src/deploy/lock.js";
import { EnvironmentError } from "../../src/errors.js";

describe("apply's lock", () => {
  it("is exclusive, holds our pid, and is removed on release", async () => {
    const path = join(mkdtempSync(join(tmpdir(), "wssgen-lock-")), "t.lock");
    const lock = await acquireLock(path, { timeoutMs: 100 });
    expect(readFileSync(path, "utf8")).toMatch(new RegExp(`^${process.pid}\\nstart \\d+ boot [0-9a-f-]+\\n$`));
    await expect(acquireLock(path, { timeoutMs: 150, pollMs: 20 })).rejects.toThrow(EnvironmentError);
    await lock.release();
    expect(existsSync(path)).toBe(false);
  });
  it("takes over a lock whose process is gone, or that is garbage", async () => {
    const dir = mkdtempSync(join(tmpdir(), "wssgen-lock-"));
    const gone = spawn("true");
    await new Promise((r) => gone.on("exit", r));
    writeFileSync(join(dir, "a.lock"), `${gone.pid}\n`);
    await (await acquireLock(join(dir, "a.lock"), { timeoutMs: 100 })).release();
    writeFileSync(join(dir, "b.lock"), "not a pid");
    utimesSync(join(dir, "b.lock"), new Date(Date.now() - 60_000), new Date(Date.now() - 60_000)); // old garbage is stale
    await (await acquireLock(join(dir, "b.lock"), { timeoutMs: 100 })).release();
  });
  it("waits for a live holder and gets the lock when it lets go", async () => {
    const path = join(mkdtempSync(join(tmpdir(), "wssgen-lock-")), "t.lock");
    const first = await acquireLock(path, { timeoutMs: 100 });
    const waits: number[] = [];
    const second = acquireLock(path, { timeoutMs: 5000, pollMs: 10, onWait: (pid) => waits.push(pid) });
    await new Promise((r) => setTimeout(r, 50));
    await first.release();
    await (await second).release();
    expect(waits).toEqual([process.pid]);
  });

  describe("a stale lock whose pid now belongs to another, live process does not block (pid reuse, reboots)", () => {
    const boot = readFileSync("/proc/sys/kernel/random/boot_id", "utf8").trim();
    const takes = async (text: string, mtime?: Date) => {
      const path = join(mkdtempSync(join(tmpdir(), "wssgen-lock-")), "t.lock");
      writeFileSync(path, text);
      if (mtime) utimesSync(path, mtime, mtime);
      const lock = await acquireLock(path, { timeoutMs: 300, pollMs: 20 });
      expect(readFileSync(path, "utf8")).toMatch(new RegExp(`^${process.pid}\\n`));
      await lock.release();
    };
    it("our own pid, with another start time (the pid was reused)", async () => {
      await takes(`${process.pid}\nstart 1 boot ${boot}\n`);
    });
    it("pid 1, written in another boot (a reboot)", async () => {
      await takes(`1\nstart ${processStartTicks(1)} boot 00000000-0000-0000-0000-000000000000\n`);
    });
    it("an older lock (pid only) of pid 1, written before this boot", async () => {
      await takes("1\n", new Date(Date.now() - 10 * 365 * 86_400_000));
    });
    it("an older lock (pid only) naming a process that started after it was written", async () => {
      const later = spawn("sleep", ["30"]);
      try {
        await new Promise((r) => later.on("spawn", r));
        await takes(`${later.pid}\n`, new Date(Date.now() - 60_000));
      } finally {
        later.kill();
      }
    });
    it("but a live owner with its own start time, or an older lock its process predates, still blocks", async () => {
      const path = join(mkdtempSync(join(tmpdir(), "wssgen-lock-")), "t.lock");
      writeFileSync(path, `1\nstart ${processStartTicks(1)} boot ${boot}\n`);
      await expect(acquireLock(path, { timeoutMs: 150, pollMs: 20 })).rejects.toThrow("another wssgen apply (pid 1) holds");
      writeFileSync(path, "1\n");
      await expect(acquireLock(path, { timeoutMs: 150, pollMs: 20 })).rejects.toThrow("another wssgen apply (pid 1) holds");
    });
  });
});

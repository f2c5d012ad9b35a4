/** processRuns (src/util/process.ts): the one test of whether a pid is alive, used by the lock, recovery, temp files and nginx. */
import { spawn } from "node:child_process";
import { describe, expect, it, vi } from "vitest";
import { processRuns } from "../../src/util/process.js";

describe("processRuns", () => {
  it("this process runs; a child runs until it has exited and been reaped", async () => {
    expect(processRuns(process.pid)).toBe(true);
    const child = spawn(process.execPath, ["-e", "setTimeout(() => {}, 60000)"], { stdio: "ignore" });
    expect(processRuns(child.pid!)).toBe(true);
    const exited = new Promise((resolve) => child.on("exit", resolve));
    child.kill("SIGKILL");
    await exited;
    expect(processRuns(child.pid!)).toBe(false);
  });
  it("a process of another user runs too: kill answers EPERM; no such process (ESRCH) does not", () => {
    const kill = vi.spyOn(process, "kill");
    try {
      kill.mockImplementation(() => {
        throw Object.assign(new Error("kill EPERM"), { code: "EPERM" });
      });
      expect(processRuns(4242)).toBe(true);
      kill.mockImplementation(() => {
        throw Object.assign(new Error("kill ESRCH"), { code: "ESRCH" });
      });
      expect(processRuns(4242)).toBe(false);
      expect(kill).toHaveBeenCalledWith(4242, 0);
    } finally {
      kill.mockRestore();
    }
  });
});

/** `wssgen probe`'s flags (src/commands/probe.ts): refused before anything is sent, in the order the CLI checks them. */
import { describe, expect, it } from "vitest";
import { probeCommand } from "../../src/commands/probe.js";
import { freePort } from "../helpers/ports.js";

describe("probeCommand", () => {
  it("--insecure and --ca together are refused first", async () => {
    await expect(probeCommand("ws://127.0.0.1:1/", { insecure: true, ca: "missing.pem", header: ["bad"] })).rejects.toThrow(
      "--insecure and --ca cannot be used together",
    );
  });
  it.each(["no colon", "Bad Name: x", "X-A: one\ntwo", ": empty name"])(
    "a --header that is not `Name: value` (%j)",
    async (header) => {
      await expect(probeCommand("ws://127.0.0.1:1/", { header: [header] })).rejects.toThrow(
        /^--header: .* is not "Name: value"$/,
      );
    },
  );
  it("--ca that cannot be read, then durations, each naming its flag", async () => {
    await expect(probeCommand("ws://127.0.0.1:1/", { ca: "/nonexistent/ca.pem", idle: "soon" })).rejects.toThrow(
      "--ca: cannot read /nonexistent/ca.pem",
    );
    await expect(probeCommand("ws://127.0.0.1:1/", { idle: "soon", timeout: "later" })).rejects.toThrow('--idle: "soon"');
    await expect(probeCommand("ws://127.0.0.1:1/", { timeout: "later" })).rejects.toThrow('--timeout: "later"');
  });
  it("passes the headers and durations on: a refused connection is a result, not an error", async () => {
    const result = await probeCommand(`ws://127.0.0.1:${await freePort()}/ws`, {
      header: ["X-Token: a b", "X-Empty:"],
      timeout: "5s",
    });
    expect(result).toMatchObject({ ok: false, problem: { code: "refused" } });
  });
});

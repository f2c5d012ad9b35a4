/** The library entry point: the same capabilities as the CLI, and no side effects on import. */
import { describe, expect, it, vi } from "vitest";

describe("src/index.ts", () => {
  it("adds no process listeners and prints nothing when imported", async () => {
    const events = ["exit", "unhandledRejection", "uncaughtException", "SIGINT", "SIGTERM"] as const;
    const before = events.map((e) => process.listenerCount(e));
    const write = vi.spyOn(process.stdout, "write");
    const writeErr = vi.spyOn(process.stderr, "write");
    const lib = await import("../src/index.js");
    expect(events.map((e) => process.listenerCount(e))).toEqual(before);
    expect(write).not.toHaveBeenCalled();
    expect(writeErr).not.toHaveBeenCalled();
    expect(process.exitCode).toBeUndefined();
    for (const name of [
      "loadConfig",
      "parseConfig",
      "render",
      "renderCommand",
      "initCommand",
      "jsonSchema",
      "createNginx",
      "withSandbox",
      "lint",
    ])
      expect(typeof (lib as Record<string, unknown>)[name], name).toBe("function");
  });

  it("renders a config from code", async () => {
    const { parseConfig, render, parseVersion } = await import("../src/index.js");
    const { config } = parseConfig(
      "inline.yaml",
      "upstreams: { a: { servers: [127.0.0.1:9000] } }\nsites: [{ domains: [a.example.com], routes: [{ path: /ws, upstream: a }] }]\n",
      {},
    );
    expect(render(config, { version: parseVersion("1.26")! })).toContain("proxy_pass http://wssgen_a;");
  });
});

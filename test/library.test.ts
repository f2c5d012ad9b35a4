/** The library entry point: the same capabilities as the CLI, and no side effects on import. */
import { existsSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it, vi } from "vitest";
import { freePort } from "./helpers/ports.js";

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
      "resolveNginxBuild",
      "check",
      "apply",
      "diffCommand",
      "probe",
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

describe("check, diff, apply and probe from code", () => {
  const dir = mkdtempSync(join(tmpdir(), "wssgen-library-"));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  writeFileSync(
    join(dir, "wssgen.yaml"),
    "upstreams: { app: { servers: [127.0.0.1:9000, 127.0.0.1:9001] } }\n" +
      "sites: [{ domains: [localhost], listen: [127.0.0.1:8080], routes: [{ path: /ws, upstream: app }] }]\n",
  );
  // an nginx that is not installed: nothing here may depend on the machine's
  const noNginx = async () => {
    const { createNginx } = await import("../src/index.js");
    return (binary: string) =>
      createNginx(binary, () =>
        Promise.resolve({ exitCode: undefined, stdout: "", stderr: "", notFound: true, timedOut: false }),
      );
  };

  it("return results as data and print nothing", async () => {
    const lib = await import("../src/index.js");
    const write = vi.spyOn(process.stdout, "write");
    const writeErr = vi.spyOn(process.stderr, "write");
    const createNginx = await noNginx();

    const checked = await lib.check({ config: "wssgen.yaml", cwd: dir, nginxMode: "skip", createNginx });
    expect(checked).toMatchObject({ file: "wssgen.yaml", nginxVersion: "1.22", nginx: { status: "skipped" }, exitCode: 0 });

    const diffed = await lib.diffCommand({ cwd: dir, target: "wssgen.conf", nginxVersion: "1.26", createNginx });
    expect(diffed).toMatchObject({ target: join(dir, "wssgen.conf"), pending: undefined, exitCode: 1 });
    expect(diffed.diff).toMatch(/^--- \/dev\/null\n/);

    const steps: string[] = [];
    const applied = await lib.apply({
      cwd: dir,
      target: "wssgen.conf",
      nginxVersion: "1.26",
      dryRun: true,
      createNginx,
      onStep: (step) => steps.push(step),
    });
    expect(applied).toMatchObject({ status: "dry-run", target: join(dir, "wssgen.conf"), diff: diffed.diff });
    expect(applied.commands[0]).toEqual(["nginx", "-T", "-c", "/etc/nginx/nginx.conf"]);
    expect(existsSync(join(dir, "wssgen.conf"))).toBe(false);

    // nothing listens there: the probe's failure is in its result, in words
    const probed = await lib.probe(`ws://127.0.0.1:${await freePort()}/ws`, { timeoutMs: 5000 });
    expect(probed).toMatchObject({ ok: false, status: undefined, problem: { code: "refused" } });
    expect(write).not.toHaveBeenCalled();
    expect(writeErr).not.toHaveBeenCalled();
    expect(process.exitCode).toBeUndefined();
  });

  it("throw wssgen's errors, with their exit codes, instead of exiting", async () => {
    const lib = await import("../src/index.js");
    const error = await lib.check({ config: "missing.yaml", cwd: dir }).catch((e: unknown) => e);
    expect(lib.isKnownError(error) && error.exitCode).toBe(lib.ExitCode.usage);
    await expect(lib.probe("http://example.com/")).rejects.toThrow(lib.UsageError);
  });
});

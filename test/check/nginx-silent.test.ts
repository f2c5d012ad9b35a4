/**
 * An nginx -t that fails without a word (ended by a signal, or an exit status and an empty stderr): check
 * says so, rather than "nginx -t failed: " and nothing (a review found it).
 */
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { check } from "../../src/check/check.js";
import { createNginx } from "../../src/nginx/nginx.js";
import type { Runner } from "../../src/nginx/runner.js";

const dir = mkdtempSync(join(tmpdir(), "wssgen-nginx-silent-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
writeFileSync(join(dir, "nginx.conf"), "events {}\n");
writeFileSync(
  join(dir, "wssgen.yaml"),
  `nginx: { mainConfig: ${join(dir, "nginx.conf")} }\nupstreams: { app: { servers: [10.0.0.5:9000] } }\n` +
    "sites: [{ domains: [chat.example.com], listen: [127.0.0.1:8080], routes: [{ path: /ws, upstream: app, origins: [https://chat.example.com] }] }]\n",
);

/** A fake nginx 1.22 (a unit test: the runner is injected) whose -t ends with `exitCode` and prints nothing. */
function silentNginx(exitCode: number | undefined): (binary: string) => ReturnType<typeof createNginx> {
  const runner: Runner = (argv) =>
    Promise.resolve(
      argv[1] === "-V"
        ? { exitCode: 0, stdout: "", stderr: "nginx version: nginx/1.22.1\n", notFound: false, timedOut: false }
        : { exitCode, stdout: "", stderr: "", notFound: false, timedOut: false },
    );
  return (binary) => createNginx(binary, runner, () => ({ configured: binary, path: binary, found: true, searched: [] }));
}

describe("nginx -t failing without a word", () => {
  it.each([
    [undefined, "nginx -t failed: it printed nothing and was ended by a signal"],
    [1, "nginx -t failed: it printed nothing and exited 1"],
  ])("exit %s: %s", async (exitCode, message) => {
    const result = await check({ cwd: dir, nginxMode: "require", createNginx: silentNginx(exitCode) });
    expect(result.nginx.status).toBe("failed");
    expect(result.findings.filter((f) => f.severity === "error").map((f) => f.message)).toEqual([message]);
  });
});

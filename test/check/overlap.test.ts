/**
 * check finds its local findings (lint, nginx's real main config) while nginx -t runs, once the
 * runner says nginx has started (src/check/check.ts): the result is the same as when they are found
 * after it, and the sandbox stays until nginx -t has ended.
 */
import { existsSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { check } from "../../src/check/check.js";
import { createNginx } from "../../src/nginx/nginx.js";
import type { Runner } from "../../src/nginx/runner.js";

const dir = mkdtempSync(join(tmpdir(), "wssgen-overlap-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
writeFileSync(join(dir, "nginx.conf"), "events {}\n");
// origin-missing and worker-shutdown-timeout (lint), and nginx's own warning about the output
writeFileSync(
  join(dir, "wssgen.yaml"),
  `nginx: { mainConfig: ${join(dir, "nginx.conf")} }\nupstreams: { app: { servers: [10.0.0.5:9000] } }\n` +
    "sites: [{ domains: [chat.example.com], listen: [127.0.0.1:8080], routes: [{ path: /ws, upstream: app }] }]\n",
);

/** A fake nginx 1.22 whose -t warns about line 3 of the file under test, after `ms`; `spawned` says when it starts. */
function fakeNginx(options: {
  spawned: boolean;
  ms: number;
  events: string[];
}): (binary: string) => ReturnType<typeof createNginx> {
  const runner: Runner = async (argv, run = {}) => {
    if (argv[1] === "-V")
      return { exitCode: 0, stdout: "", stderr: "nginx version: nginx/1.22.1\n", notFound: false, timedOut: false };
    const config = argv[argv.indexOf("-c") + 1]!;
    const file = join(config, "..", "wssgen.conf");
    options.events.push("nginx started");
    if (options.spawned) run.onSpawn?.();
    await new Promise((resolve) => setTimeout(resolve, options.ms));
    options.events.push(`nginx ended, sandbox ${existsSync(file) ? "present" : "gone"}`);
    return {
      exitCode: 0,
      stdout: "",
      stderr: `nginx: [warn] "ssl_stapling" ignored, test in ${file}:3\n`,
      notFound: false,
      timedOut: false,
    };
  };
  return (binary) => createNginx(binary, runner, () => ({ configured: binary, path: binary, found: true, searched: [] }));
}

describe("check's local findings and nginx -t", () => {
  it("are the same, in the same order, whether found while nginx -t runs or after it", async () => {
    const events: string[] = [];
    const run = (spawned: boolean) =>
      check({ cwd: dir, nginxMode: "require", now: new Date("2030-01-01"), createNginx: fakeNginx({ spawned, ms: 30, events }) });
    const during = await run(true);
    const after = await run(false);
    // (the sandbox's random name differs between the runs)
    const same = (result: typeof during) => ({ ...result, nginx: { ...result.nginx, argv: undefined } });
    expect(same(during)).toEqual(same(after));
    expect(during.findings.map((f) => f.rule)).toEqual(["nginx", "worker-shutdown-timeout", "origin-missing"]);
    expect(during.nginx.status).toBe("passed");
    expect(events).toEqual(["nginx started", "nginx ended, sandbox present", "nginx started", "nginx ended, sandbox present"]);
  });
});

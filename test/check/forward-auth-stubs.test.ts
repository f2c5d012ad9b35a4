/**
 * `wssgen check --stub-hosts` and a forward-auth URL whose host does not resolve (a Docker Compose
 * service name, in CI): nginx resolves a proxy_pass host when it loads its config, as it does an
 * upstream server's, so without the stand-in `nginx -t` fails, even with --stub-hosts.
 */
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { runCli } from "../helpers/cli.js";
import { nginxBuilds } from "../helpers/nginx.js";

const dirs: string[] = [];
afterAll(() => dirs.forEach((dir) => rmSync(dir, { recursive: true, force: true })));

describe.each(nginxBuilds().map((b) => [b.label, b] as const))("check with %s", (_label, build) => {
  it("a forward-auth host that does not resolve fails nginx -t at its url; --stub-hosts tests with 127.0.0.1", async () => {
    const dir = mkdtempSync(join(tmpdir(), "wssgen-check-"));
    dirs.push(dir);
    writeFileSync(
      join(dir, "wssgen.yaml"),
      [
        `nginx: { binary: ${JSON.stringify(build.binary)} }`,
        "upstreams: { chat: { servers: [10.0.0.5:80] } }",
        "sites:",
        "  - domains: [a.lan]",
        "    routes:",
        "      - path: /ws",
        "        upstream: chat",
        "        access: { forwardAuth: { url: https://auth.invalid:9091/verify, responseHeaders: [Remote-User] } }",
        "",
      ].join("\n"),
    );
    const failed = await runCli(["check"], { cwd: dir });
    expect(failed.exitCode).toBe(1);
    expect(failed.stdout).toContain(
      'wssgen.yaml:8:39 sites[0].routes[0].access.forwardAuth.url: error: nginx -t: host not found in upstream "auth.invalid" (in CI without DNS, pass --stub-hosts) [nginx]',
    );
    const stubbed = await runCli(["check", "--stub-hosts"], { cwd: dir });
    expect(stubbed.stdout).toContain(
      'wssgen.yaml:8:39 sites[0].routes[0].access.forwardAuth.url: info: "https://auth.invalid:9091/verify" does not resolve here; nginx -t used https://127.0.0.1:9091/verify in its place [stub-hosts]',
    );
    expect(stubbed.stdout).toContain("-t passed");
    expect(stubbed.exitCode).toBe(0);
  });
});

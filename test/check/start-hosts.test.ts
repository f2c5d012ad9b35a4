/**
 * Which host names `check --stub-hosts` stands in for: those nginx resolves when it starts, and only
 * those. With the real CLI and the real nginx of each build:
 * - a forward-auth URL (routes[].access.forwardAuth.url): proxy_pass to a URL without variables is
 *   resolved at start, so a name that does not resolve here fails nginx -t like an upstream server's;
 * - an upstream with resolve: true (nginx 1.27.3+): nginx resolves its servers while it runs, so
 *   nginx -t passes with a name that does not resolve yet, and check stands in for nothing there.
 */
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { atLeast } from "../../src/nginx-version/version.js";
import { runCli } from "../helpers/cli.js";
import { nginxBuilds } from "../helpers/nginx.js";

function project(binary: string, yaml: string): string {
  const dir = mkdtempSync(join(tmpdir(), "wssgen-check-"));
  writeFileSync(join(dir, "wssgen.yaml"), `nginx: { binary: ${JSON.stringify(binary)} }\n${yaml}`);
  return dir;
}

const FORWARD_AUTH = `upstreams:
  app: { servers: [10.0.0.5:8080, 10.0.0.6:8080] }
sites:
  - domains: [a.lan]
    listen: 127.0.0.1:18080
    routes:
      - path: /admin
        upstream: app
        origins: [http://a.lan]
        access: { forwardAuth: { url: "http://auth.invalid:9091/verify", responseHeaders: [Remote-User] } }
`;

const RESOLVE = `resolver: { addresses: [127.0.0.1:5353] }
upstreams:
  moving: { servers: ["backend.invalid:8080", "backend.invalid:8081"], resolve: true }
sites:
  - domains: [a.lan]
    listen: 127.0.0.1:18080
    routes: [{ path: /ws, upstream: moving, origins: [http://a.lan] }]
`;

describe.each(nginxBuilds().map((b) => [b.label, b] as const))("check's host stand-ins with %s", (_label, build) => {
  it("a forward-auth host that does not resolve fails nginx -t at the url; --stub-hosts tests it with 127.0.0.1", async () => {
    const dir = project(build.binary, FORWARD_AUTH);
    const failed = await runCli(["check", "--nginx", "require"], { cwd: dir });
    expect(failed.stdout).toMatch(
      /^wssgen\.yaml:11:39 sites\[0\]\.routes\[0\]\.access\.forwardAuth\.url: error: nginx -t: host not found in upstream "auth\.invalid(?::9091)?" .*\(in CI without DNS, pass --stub-hosts\) \[nginx\]$/m,
    );
    expect(failed.exitCode).toBe(1);
    const stubbed = await runCli(["check", "--stub-hosts", "--nginx", "require"], { cwd: dir });
    expect(stubbed.stdout).toContain(
      'wssgen.yaml:11:39 sites[0].routes[0].access.forwardAuth.url: info: "http://auth.invalid:9091/verify" does not resolve here; nginx -t used http://127.0.0.1:9091/verify in its place [stub-hosts]',
    );
    expect(stubbed.stdout).toContain("-t passed");
    expect(stubbed.exitCode).toBe(0);
  });

  if (atLeast(build.version, "1.27.3"))
    it("the servers of an upstream with resolve need no stand-in: nginx -t passes while they do not resolve", async () => {
      const dir = project(build.binary, RESOLVE);
      for (const flags of [[], ["--stub-hosts"]]) {
        const r = await runCli(["check", ...flags, "--nginx", "require"], { cwd: dir });
        expect(r.stdout).not.toContain("[stub-hosts]");
        expect(r.stdout).not.toContain("host not found");
        expect(r.stdout, flags.join(" ")).toContain(`nginx ${build.version.join(".")} -t passed`);
        expect(r.exitCode).toBe(0);
      }
    });
  else
    it("resolve is refused with the version it needs (nginx resolves upstream names only at start before 1.27.3)", async () => {
      const r = await runCli(["check", "--stub-hosts", "--nginx", "require"], { cwd: project(build.binary, RESOLVE) });
      expect(r.stdout).toMatch(/upstreams\.moving\.resolve: error: .*1\.27\.3.* \[nginx-version\]/);
      expect(r.exitCode).toBe(1);
    });
});

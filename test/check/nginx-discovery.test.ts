/**
 * Finding nginx as a non-root Debian user: their PATH (/usr/local/bin:/usr/bin:/bin) lacks /usr/sbin,
 * where every distribution installs nginx. Every command that runs nginx must still find it, and
 * "not found" must name where wssgen looked. Run as `nobody` with the real system nginx.
 */
import { chmodSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { runCli } from "../helpers/cli.js";
import { nginxBuilds } from "../helpers/nginx.js";
import { FIXTURES } from "../helpers/paths.js";

/** Debian's PATH for users other than root (/etc/profile, /etc/login.defs ENV_PATH) */
const USER_PATH = "/usr/local/bin:/usr/bin:/bin:/usr/local/games:/usr/games";
const MINIMAL =
  "upstreams: { a: { servers: [10.0.0.1:8080] } }\nsites: [{ domains: [a.lan], listen: 8080, routes: [{ path: /ws, upstream: a }] }]\n";

/** A world-readable work dir holding wssgen.yaml, for `nobody`. */
function workDir(yaml: string): string {
  const dir = mkdtempSync(join(tmpdir(), "wssgen-discovery-"));
  chmodSync(dir, 0o777);
  writeFileSync(join(dir, "wssgen.yaml"), yaml);
  chmodSync(join(dir, "wssgen.yaml"), 0o644);
  return dir;
}
const asUser = (args: string[], cwd: string) => runCli(args, { cwd, user: "nobody", env: { PATH: USER_PATH } });

describe("nginx discovery for a user whose PATH lacks /usr/sbin (run as nobody)", () => {
  const system = nginxBuilds()[0]!; // Debian's packaged nginx, in /usr/sbin
  const version = system.version.join(".");

  it("the system nginx really is outside that PATH (the premise of these tests)", async () => {
    const { execa } = await import("execa");
    const which = await execa("/usr/sbin/runuser", ["-u", "nobody", "--", "/bin/sh", "-c", "command -v nginx || echo missing"], {
      env: { PATH: USER_PATH },
      reject: false,
    });
    expect(which.stdout).toBe("missing");
    expect(readFileSync("/usr/sbin/nginx").length).toBeGreaterThan(0);
  });

  it("check finds /usr/sbin/nginx and runs nginx -t (it used to skip it, saying only 'nginx not found')", async () => {
    const dir = workDir(MINIMAL);
    const r = await asUser(["check"], dir);
    expect(r.stderr).toBe("");
    expect(r.stdout).not.toContain("nginx -t was not run");
    expect(r.stdout.trimEnd().split("\n").pop()).toMatch(
      new RegExp(
        `^wssgen\\.yaml: 0 errors, 0 warnings, \\d+ infos?; nginx ${version.replaceAll(".", "\\.")} -t passed for nginx ${version.replaceAll(".", "\\.")}$`,
      ),
    );
    expect(r.exitCode).toBe(0);
    const required = await asUser(["check", "--nginx", "require", "--format", "json"], dir);
    expect(required.exitCode).toBe(0);
    const json = JSON.parse(required.stdout) as { nginx: { status: string; binary: string; version: string } };
    expect(json.nginx).toEqual({ status: "passed", binary: "/usr/sbin/nginx", version });
  });

  it("render detects the installed version through it", async () => {
    const dir = workDir(MINIMAL);
    const r = await asUser(["render", "-o", "out.conf"], dir);
    expect(r.stderr).toBe(`wrote out.conf (nginx ${version})`);
    expect(r.exitCode).toBe(0);
  });

  it("apply --dry-run and diff find it too, and say which file they run", async () => {
    const dir = workDir(MINIMAL);
    mkdirSync(join(dir, "conf.d"), { mode: 0o777 });
    chmodSync(join(dir, "conf.d"), 0o777);
    const r = await asUser(["apply", "--dry-run", "--target", join(dir, "conf.d", "wssgen.conf")], dir);
    expect(r.exitCode).toBe(0);
    expect(r.stderr).toContain("would run: /usr/sbin/nginx -T -c /etc/nginx/nginx.conf\n");
    // the default reload command as configured; the process runner finds it the same way (nginx-adapter.test.ts)
    expect(r.stderr).toContain("would run: nginx -s reload");
    const diff = await asUser(["diff", "--target", join(dir, "conf.d", "wssgen.conf")], dir);
    expect(diff.exitCode).toBe(1);
    expect(diff.stdout).toContain("+upstream");
  });

  it("a bare name found nowhere: require exits 2 naming every place it looked; auto says nginx -t was skipped and why", async () => {
    const dir = workDir(`nginx: { binary: nginx-not-installed }\n${MINIMAL}`);
    const looked =
      "/usr/local/bin, /usr/bin, /bin, /usr/local/games, /usr/games, /usr/sbin, /usr/local/sbin, /usr/local/nginx/sbin, /opt/homebrew/bin, /home/linuxbrew/.linuxbrew/bin, /opt/nginx/sbin, /sbin";
    const required = await asUser(["check", "--nginx", "require"], dir);
    expect(required.exitCode).toBe(2);
    expect(required.stderr).toBe(
      `wssgen: nginx not found: no executable "nginx-not-installed" in PATH or the usual install places (looked in ${looked}) (install nginx, set nginx.binary to its path, or use --nginx auto|skip)`,
    );
    const auto = await asUser(["check"], dir);
    expect(auto.exitCode).toBe(0);
    expect(auto.stdout).toContain(
      `wssgen.yaml:1:18 nginx.binary: info: nginx -t was not run: nginx not found: no executable "nginx-not-installed" in PATH or the usual install places (looked in ${looked}) (install nginx, set nginx.binary to its path, or pass --nginx require to make this an error) [nginx]`,
    );
    expect(auto.stdout).toMatch(/nginx -t not run \(nginx not found\)/);
    const apply = await asUser(["apply", "--target", join(dir, "wssgen.conf")], dir);
    expect(apply.exitCode).toBe(2);
    expect(apply.stderr).toContain(`wssgen: nginx not found: no executable "nginx-not-installed" in PATH or the usual`);
  });

  it("the fixtures' seed config passes the real nginx -t for that user too", async () => {
    const dir = workDir(readFileSync(join(FIXTURES, "render", "03-ws-and-http-routes", "wssgen.yaml"), "utf8"));
    const r = await asUser(["check", "--stub-certs", "--nginx", "require"], dir);
    expect(r.stdout).toContain(`nginx ${version} -t passed`);
    expect(r.exitCode).toBe(0);
  });
});

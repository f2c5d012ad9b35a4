/** `wssgen check` end to end: the real CLI, the real nginx of each version, real certificates. */
import { chmodSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { execa } from "execa";
import { describe, expect, it } from "vitest";
import { runCli } from "../helpers/cli.js";
import { expectGolden } from "../helpers/fixtures.js";
import { nginxBuilds } from "../helpers/nginx.js";
import { BIN, FIXTURES } from "../helpers/paths.js";

const tmp = () => mkdtempSync(join(tmpdir(), "wssgen-check-"));
const withBinary = (binary: string, yaml: string) => `nginx: { binary: ${JSON.stringify(binary)} }\n${yaml}`;
const seed = readFileSync(join(FIXTURES, "render", "02-seed-proxy-hello", "wssgen.yaml"), "utf8").replace(
  /^nginx:\n {2}version: "1.22"\n/m,
  "",
);

const MINIMAL =
  "upstreams: { a: { servers: [10.0.0.1:80] } }\nsites: [{ domains: [a.lan], routes: [{ path: /, upstream: a }] }]\n";
/** A dir whose wssgen.yaml names an nginx that does not exist. */
const withoutNginx = () => {
  const dir = tmp();
  writeFileSync(join(dir, "wssgen.yaml"), withBinary("/nonexistent/nginx", MINIMAL));
  return dir;
};

describe("wssgen check: nginx presence", () => {
  it("--nginx require without nginx exits 2 with what to do", async () => {
    const dir = withoutNginx();
    const r = await runCli(["check", "--nginx", "require"], { cwd: dir });
    expect(r.exitCode).toBe(2);
    expect(r.stderr).toBe(
      'wssgen: nginx not found: "/nonexistent/nginx" is not an executable file (install nginx, set nginx.binary to its path, or use --nginx auto|skip)',
    );
  });
  it("--nginx auto without nginx says so and still lints", async () => {
    const dir = withoutNginx();
    const r = await runCli(["check"], { cwd: dir });
    expect(r.exitCode).toBe(0);
    expect(r.stdout).toContain(
      'info: nginx -t was not run: nginx not found: "/nonexistent/nginx" is not an executable file (install nginx, set nginx.binary to its path, or pass --nginx require to make this an error) [nginx]',
    );
    expect(r.stdout.trimEnd().split("\n").pop()).toBe(
      "wssgen.yaml: 0 errors, 0 warnings, 2 infos; nginx -t not run (nginx not found) for nginx 1.22",
    );
  });
});

describe.each(nginxBuilds().map((b) => [b.label, b] as const))("wssgen check with %s", (_label, build) => {
  it("a certificate that does not exist fails nginx -t, reported at tls.certificate", async () => {
    const dir = tmp();
    writeFileSync(join(dir, "wssgen.yaml"), withBinary(build.binary, seed));
    const r = await runCli(["check"], { cwd: dir, env: { CERT_DIR: undefined } });
    expect(r.exitCode).toBe(1);
    expect(r.stdout).toMatch(
      /^wssgen\.yaml:\d+:20 sites\[0\]\.tls\.certificate: error: nginx -t: cannot load certificate "\/etc\/nginx\/ssl\/fullchain\.pem"/m,
    );
    expect(r.stdout).toContain("-t failed");
  });
  it("--stub-certs stands in throwaway certificates, reports it, and passes the real nginx -t", async () => {
    const dir = tmp();
    writeFileSync(join(dir, "wssgen.yaml"), withBinary(build.binary, seed));
    const r = await runCli(["check", "--stub-certs", "--nginx", "require"], { cwd: dir, env: { CERT_DIR: undefined } });
    expect(r.stdout).toMatch(
      /sites\[0\]\.tls\.certificate: info: "\/etc\/nginx\/ssl\/fullchain\.pem" or its key does not exist here; nginx -t used a throwaway self-signed certificate in its place \[stub-certs\]/,
    );
    expect(r.stdout).toContain(`nginx ${build.version.join(".")} -t passed`);
    expect(r.exitCode).toBe(0);
  });
  it("an upstream host that does not resolve is mapped to its server; --stub-hosts tests with 127.0.0.1", async () => {
    const dir = tmp();
    writeFileSync(
      join(dir, "wssgen.yaml"),
      withBinary(
        build.binary,
        "upstreams:\n  chat:\n    servers: [10.0.0.5:80, backend.invalid:8080]\nsites: [{ domains: [a.lan], routes: [{ path: /ws, upstream: chat }] }]\n",
      ),
    );
    const failed = await runCli(["check"], { cwd: dir });
    expect(failed.exitCode).toBe(1);
    expect(failed.stdout).toContain(
      'wssgen.yaml:4:28 upstreams.chat.servers[1]: error: nginx -t: host not found in upstream "backend.invalid:8080" (in CI without DNS, pass --stub-hosts) [nginx]',
    );
    const stubbed = await runCli(["check", "--stub-hosts"], { cwd: dir });
    expect(stubbed.stdout).toContain(
      'wssgen.yaml:4:28 upstreams.chat.servers[1]: info: "backend.invalid:8080" does not resolve here; nginx -t used 127.0.0.1:8080 in its place [stub-hosts]',
    );
    expect(stubbed.exitCode).toBe(0);
  });
  it("nginx's error line is mapped back to the key that wrote it (keepalive 0 for 1.30, run on an older nginx)", async () => {
    if (build.version[1] >= 29) return; // 1.29.7+ accepts it: there is nothing to map
    const dir = tmp();
    writeFileSync(
      join(dir, "wssgen.yaml"),
      withBinary(
        build.binary,
        "upstreams:\n  chat:\n    servers: [10.0.0.5:80]\n    keepalive: 0\nsites: [{ domains: [a.lan], routes: [{ path: /ws, upstream: chat }] }]\n",
      ),
    );
    const r = await runCli(["check", "--nginx-version", "1.30"], { cwd: dir });
    expect(r.exitCode).toBe(1);
    expect(r.stdout).toContain(
      'wssgen.yaml:5:16 upstreams.chat.keepalive: error: nginx -t: invalid value "0" in "keepalive" directive',
    );
  });
  it("an nginx older than the version rendered for is named as the likely cause of nginx -t's errors", async () => {
    const dir = tmp();
    writeFileSync(
      join(dir, "wssgen.yaml"),
      withBinary(
        build.binary,
        'resolver: { addresses: [127.0.0.11] }\nupstreams: { api: { servers: ["api:8080"], resolve: true } }\nsites: [{ domains: [a.lan], routes: [{ path: /ws, upstream: api }] }]\n',
      ),
    );
    const r = await runCli(["check", "--nginx-version", "1.30"], { cwd: dir });
    const info = `nginx.binary: info: nginx -t ran with nginx ${build.version.join(".")}, older than the nginx 1.30 this file is rendered for`;
    if (build.version[1] >= 30) {
      expect(r.exitCode).toBe(0);
      expect(r.stdout).not.toContain("older than");
      return;
    }
    expect(r.exitCode).toBe(1);
    expect(r.stdout).toContain('wssgen.yaml:2:11 resolver: error: nginx -t: "resolver" directive is not allowed here');
    expect(r.stdout).toContain(info);
    expect(r.stdout).toContain("run check with nginx 1.30 or later (set nginx.binary to it");
  });
});

describe("wssgen check as a user who cannot bind ports below 1024 (run as nobody)", () => {
  it("tests privileged listeners on free high ports, and says so", async () => {
    const dir = tmp();
    chmodSync(dir, 0o755);
    writeFileSync(join(dir, "wssgen.yaml"), readFileSync(join(FIXTURES, "render", "03-ws-and-http-routes", "wssgen.yaml")));
    chmodSync(join(dir, "wssgen.yaml"), 0o644);
    const r = await runCli(["check", "--stub-certs", "--nginx", "require"], {
      cwd: dir,
      user: "nobody",
      env: { CERT_DIR: undefined },
    });
    expect(r.stdout).toMatch(
      /^wssgen\.yaml:8:5 sites\[0\]\.listen: info: port 443 needs root to bind, and nginx -t binds it; tested on port \d+ instead \[stub-ports\]$/m,
    );
    expect(r.stdout).toMatch(
      /^wssgen\.yaml:\d+:\d+ sites\[0\]\.redirectHttp: info: port 80 needs root to bind, and nginx -t binds it; tested on port \d+ instead \[stub-ports\]$/m,
    );
    expect(r.stdout).toContain("-t passed");
    expect(r.exitCode).toBe(0);
  });
});

describe("wssgen check with addresses this machine does not have", () => {
  it("tests them on loopback addresses, each its own, and says so", async () => {
    const dir = tmp();
    writeFileSync(
      join(dir, "wssgen.yaml"),
      'upstreams: { a: { servers: [10.0.0.1:80] } }\nsites:\n  - domains: [a.example.com]\n    listen: ["203.0.113.7:8443", "[2001:db8::7]:8443"]\n    routes: [{ path: /ws, upstream: a, origins: [http://a.example.com] }]\n  - domains: [b.example.com]\n    listen: "203.0.113.8:8443"\n    routes: [{ path: /ws, upstream: a, origins: [http://b.example.com] }]\n',
    );
    const r = await runCli(["check", "--nginx", "require"], { cwd: dir });
    expect(r.stdout).toContain(
      'wssgen.yaml:4:13 sites[0].listen: info: "203.0.113.7" is not an address of this machine, and nginx -t binds it; tested on 127.0.0.2 instead [stub-listen]',
    );
    expect(r.stdout).toContain(
      '"[2001:db8::7]" is not an address of this machine, and nginx -t binds it; tested on 127.0.0.3 instead [stub-listen]',
    );
    expect(r.stdout).toContain(
      'sites[1].listen: info: "203.0.113.8" is not an address of this machine, and nginx -t binds it; tested on 127.0.0.4 instead [stub-listen]',
    );
    expect(r.stdout).toContain("-t passed");
    expect(r.exitCode).toBe(0);
  });
  it("an unknown variable is reported at the key that used it", async () => {
    const dir = tmp();
    writeFileSync(
      join(dir, "wssgen.yaml"),
      "upstreams: { a: { servers: [10.0.0.1:80, 10.0.0.2:80], balance: hash, hashKey: $cookie_sid$nosuchvar } }\nsites: [{ domains: [a.lan], routes: [{ path: /ws, upstream: a }] }]\n",
    );
    const r = await runCli(["check"], { cwd: dir });
    expect(r.exitCode).toBe(1);
    expect(r.stdout).toContain('upstreams.a.hashKey: error: nginx -t: unknown "nosuchvar" variable [nginx]');
  });
});

describe("wssgen check output formats (fixtures/check/mixed)", () => {
  const dir = join(FIXTURES, "check", "mixed");
  const newest = nginxBuilds()[0]!; // the system nginx: what a CI job would have
  // the nginx version is the machine's; the snapshot says <version>
  const normalize = (text: string) => text.replaceAll(newest.version.join("."), "<version>");
  it.each(["text", "json", "github"])("--format %s", async (format) => {
    const r = await runCli(["check", "--stub-certs", "--stub-hosts", "--nginx-version", "1.22", "--format", format], {
      cwd: dir,
    });
    expect(r.stderr).toBe("");
    expect(r.exitCode).toBe(0);
    if (format === "json") JSON.parse(r.stdout);
    expect(r.stdout).not.toMatch(/\u001b\[/); // never colour in files or machine formats
    expectGolden(`${normalize(r.stdout)}\n`, join(dir, `expected.${format}`));
  });
  it("--strict turns warnings into exit 1", async () => {
    const r = await runCli(["check", "--stub-certs", "--stub-hosts", "--strict", "--nginx", "skip"], { cwd: dir });
    expect(r.exitCode).toBe(1);
  });
  it("schema errors come out in the chosen format too", async () => {
    const bad = join(FIXTURES, "invalid", "unknown-upstream");
    const json = await runCli(["check", "--format", "json", "--nginx", "skip"], { cwd: bad });
    expect(json.exitCode).toBe(1);
    const parsed = JSON.parse(json.stdout) as {
      findings: { rule: string; line: number; column: number; path: string; message: string }[];
    };
    expect(parsed.findings).toEqual([
      {
        rule: "schema",
        severity: "error",
        message: 'unknown upstream "chta" (did you mean "chat"?)',
        file: "wssgen.yaml",
        line: 12,
        column: 19,
        path: "sites[0].routes[1].upstream",
      },
    ]);
    const github = await runCli(["check", "--format", "github", "--nginx", "skip"], { cwd: bad });
    expect(github.stdout.split("\n")[0]).toBe(
      '::error file=wssgen.yaml,line=12,col=19,title=wssgen schema::sites[0].routes[1].upstream: unknown upstream "chta" (did you mean "chat"?)',
    );
  });
});

describe("the sandbox never outlives check", () => {
  it("is removed after a run, and after Ctrl-C in the middle of nginx -t", async () => {
    const temp = tmp();
    const dir = tmp();
    // a stand-in nginx that reports a version and then hangs in -t, so the interrupt lands mid-test
    const fake = join(dir, "slow-nginx");
    writeFileSync(fake, '#!/bin/sh\nif [ "$1" = "-V" ]; then echo "nginx version: nginx/1.22.1" >&2; exit 0; fi\nsleep 30\n');
    chmodSync(fake, 0o755);
    writeFileSync(
      join(dir, "wssgen.yaml"),
      withBinary(
        fake,
        "upstreams: { a: { servers: [10.0.0.1:80] } }\nsites: [{ domains: [a.lan], routes: [{ path: /, upstream: a }] }]\n",
      ),
    );
    const child = execa("node", [BIN, "check"], { cwd: dir, env: { TMPDIR: temp, NO_COLOR: "1" }, reject: false });
    for (let i = 0; i < 100 && !readdirSync(temp).some((n) => n.startsWith("wssgen-sandbox-")); i++)
      await new Promise((r) => setTimeout(r, 50));
    expect(readdirSync(temp).filter((n) => n.startsWith("wssgen-sandbox-"))).toHaveLength(1);
    child.kill("SIGINT");
    const result = await child;
    expect(result.exitCode).toBe(130);
    expect(String(result.stderr)).toContain("interrupted (SIGINT); cleaned up");
    expect(readdirSync(temp)).toEqual([]);

    // and a normal run leaves nothing behind either
    writeFileSync(
      join(dir, "wssgen.yaml"),
      "upstreams: { a: { servers: [10.0.0.1:80] } }\nsites: [{ domains: [a.lan], routes: [{ path: /, upstream: a }] }]\n",
    );
    await execa("node", [BIN, "check"], { cwd: dir, env: { TMPDIR: temp }, reject: false });
    expect(readdirSync(temp)).toEqual([]);
  });
});

import { chmodSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { describeNotFound, locateBinary, NGINX_INSTALL_DIRS, resolveCommand } from "../../src/nginx/locate.js";
import { createNginx, notFoundMessage, parseMessages, parseVersionOutput } from "../../src/nginx/nginx.js";
import { execaRunner, type Runner } from "../../src/nginx/runner.js";
import { EnvironmentError } from "../../src/errors.js";
import { sandboxMainConfig } from "../../src/nginx/sandbox.js";

describe("nginx adapter (fake runner)", () => {
  it("parses nginx's messages with file and line", () => {
    const stderr = [
      'nginx: [emerg] unknown directive "http2" in /tmp/s/wssgen.conf:39',
      '2026/11/24 00:25:45 [warn] 5608#5608: the "listen ... http2" directive is deprecated, use the "http2" directive instead in /tmp/s/wssgen.conf:12',
      "nginx: configuration file /tmp/s/main.nginx.conf test failed",
    ].join("\n");
    expect(parseMessages(stderr)).toEqual([
      { level: "emerg", text: 'unknown directive "http2"', file: "/tmp/s/wssgen.conf", line: 39 },
      {
        level: "warn",
        text: 'the "listen ... http2" directive is deprecated, use the "http2" directive instead',
        file: "/tmp/s/wssgen.conf",
        line: 12,
      },
    ]);
  });
  it("reads version and OpenSSL from -V", () => {
    expect(parseVersionOutput("nginx version: nginx/1.22.1\nbuilt with OpenSSL 3.0.22 25 Aug 2026\n")).toEqual({
      version: "1.22.1",
      openssl: "3.0.22",
    });
    expect(parseVersionOutput("garbage")).toBeUndefined();
  });
  it("passes argv as an array (no shell) and reports a missing binary as an environment error", async () => {
    const calls: (readonly string[])[] = [];
    const runner: Runner = (argv) => {
      calls.push(argv);
      return Promise.resolve({ exitCode: undefined, stdout: "", stderr: "", notFound: true, timedOut: false });
    };
    const nginx = createNginx("/opt/my nginx/sbin/nginx", runner);
    await expect(nginx.test({ config: "/tmp/a b/nginx.conf", prefix: "/tmp/a b/" })).rejects.toThrow(
      'nginx not found: "/opt/my nginx/sbin/nginx" is not an executable file (install nginx, or set nginx.binary to its path)',
    );
    await expect(nginx.test({ config: "/tmp/a b/nginx.conf" })).rejects.toThrow(EnvironmentError);
    expect(calls[0]).toEqual(["/opt/my nginx/sbin/nginx", "-t", "-p", "/tmp/a b/", "-c", "/tmp/a b/nginx.conf"]);
    expect(await nginx.version()).toBeUndefined();
  });
  it("the sandbox main config keeps pid and temp paths inside the sandbox", () => {
    const text = sandboxMainConfig("/tmp/wssgen-sandbox-x", ["/tmp/wssgen-sandbox-x/wssgen.conf"]);
    expect(text).toContain("pid /tmp/wssgen-sandbox-x/nginx.pid;");
    for (const name of ["client_body", "proxy", "fastcgi", "uwsgi", "scgi"])
      expect(text).toContain(`${name}_temp_path /tmp/wssgen-sandbox-x/temp/${name};`);
    expect(text).toContain("include /tmp/wssgen-sandbox-x/wssgen.conf;");
    // a path nginx would not read as one token is quoted
    expect(sandboxMainConfig("/tmp/a b", [])).toContain('pid "/tmp/a b/nginx.pid";');
  });
});

describe("finding nginx: PATH, then where distributions install it", () => {
  const only =
    (...files: string[]) =>
    (file: string) =>
      files.includes(file);

  it("a bare name PATH finds is run by that name (the shell would run the same file)", () => {
    const found = locateBinary("nginx", { path: "/usr/local/bin:/usr/sbin", isExecutable: only("/usr/sbin/nginx") });
    expect(found).toMatchObject({ path: "nginx", file: "/usr/sbin/nginx", found: true });
  });
  it("a bare name PATH lacks is found in /usr/sbin (Debian's user PATH has no sbin) and run by its full path", () => {
    const found = locateBinary("nginx", { path: "/usr/local/bin:/usr/bin:/bin", isExecutable: only("/usr/sbin/nginx") });
    expect(found).toMatchObject({ path: "/usr/sbin/nginx", file: "/usr/sbin/nginx", found: true });
  });
  it.each([
    ["a source build", "/usr/local/nginx/sbin/nginx"],
    ["FreeBSD", "/usr/local/sbin/nginx"],
    ["Homebrew on Apple silicon", "/opt/homebrew/bin/nginx"],
    ["Homebrew on Linux", "/home/linuxbrew/.linuxbrew/bin/nginx"],
  ])("%s: %s", (_what, file) => {
    expect(locateBinary("nginx", { path: "/usr/bin:/bin", isExecutable: only(file) }).path).toBe(file);
  });
  it("PATH comes first, then the install places in order, each directory once; relative PATH entries are ignored", () => {
    const missing = locateBinary("nginx", { path: ".:/usr/bin::/usr/sbin:relative", isExecutable: only() });
    expect(missing.found).toBe(false);
    expect(missing.searched).toEqual([
      "/usr/bin",
      "/usr/sbin",
      ...NGINX_INSTALL_DIRS.filter((d) => d !== "/usr/sbin" && d !== "/usr/bin"),
    ]);
    expect(locateBinary("nginx", { path: "/a:/b", isExecutable: only("/b/nginx", "/usr/sbin/nginx") }).file).toBe("/b/nginx");
  });
  it("a path is used as it is, never searched for", () => {
    expect(locateBinary("/opt/x/nginx", { isExecutable: only("/usr/sbin/nginx") })).toEqual({
      configured: "/opt/x/nginx",
      path: "/opt/x/nginx",
      found: false,
      searched: [],
    });
    expect(locateBinary("./nginx", { isExecutable: only("./nginx") })).toMatchObject({ path: "./nginx", found: true });
  });
  it("not found: the message names every place it looked, and shows the configured value escaped", () => {
    expect(
      describeNotFound(locateBinary("nginx", { path: "/usr/bin:/bin", installDirs: ["/usr/sbin"], isExecutable: only() })),
    ).toBe('nginx not found: no executable "nginx" in PATH or the usual install places (looked in /usr/bin, /bin, /usr/sbin)');
    expect(describeNotFound(locateBinary("/x/nginx\n::error::owned", { isExecutable: only() }))).toBe(
      'nginx not found: "/x/nginx\\n::error::owned" is not an executable file',
    );
    const hostile = locateBinary("/x/\u202enginx", { isExecutable: only() });
    expect(notFoundMessage(hostile, "install nginx")).toBe(
      'nginx not found: "/x/\\u202enginx" is not an executable file (install nginx)',
    );
  });
  it("found but not answering nginx -V is not called 'not found'", () => {
    const location = locateBinary("nginx", { path: "/usr/sbin", isExecutable: only("/usr/sbin/nginx") });
    expect(notFoundMessage(location, "check the installation")).toBe(
      'nginx at "/usr/sbin/nginx" does not run (`nginx -V` failed; check the installation)',
    );
  });
  it("the adapter runs what it found, outside PATH by its full path", async () => {
    const calls: (readonly string[])[] = [];
    const runner: Runner = (argv) => {
      calls.push(argv);
      return Promise.resolve({ exitCode: 1, stdout: "", stderr: "", notFound: false, timedOut: false });
    };
    const nginx = createNginx("nginx", runner, (binary) =>
      locateBinary(binary, { path: "/usr/bin", isExecutable: only("/usr/sbin/nginx") }),
    );
    expect(nginx.binary).toBe("/usr/sbin/nginx");
    await nginx.test({ config: "/etc/nginx/nginx.conf" });
    expect(calls[0]).toEqual(["/usr/sbin/nginx", "-t", "-c", "/etc/nginx/nginx.conf"]);
  });
  it("commands such as nginx.reload's [nginx, -s, reload] are resolved the same way", () => {
    const options = { path: "/usr/bin:/bin", isExecutable: only("/usr/sbin/nginx", "/usr/bin/systemctl") };
    expect(resolveCommand(["nginx", "-s", "reload"], options)).toEqual(["/usr/sbin/nginx", "-s", "reload"]);
    expect(resolveCommand(["systemctl", "reload", "nginx"], options)).toEqual(["systemctl", "reload", "nginx"]);
    expect(resolveCommand(["/usr/sbin/nginx", "-s", "reload"], options)).toEqual(["/usr/sbin/nginx", "-s", "reload"]);
    expect(resolveCommand(["not-there"], options)).toEqual(["not-there"]);
  });
  it("real files: only an executable regular file counts", () => {
    const dir = mkdtempSync(join(tmpdir(), "wssgen-locate-"));
    try {
      mkdirSync(join(dir, "a"));
      mkdirSync(join(dir, "b"));
      mkdirSync(join(dir, "c", "nginx"), { recursive: true }); // a directory named nginx
      writeFileSync(join(dir, "a", "nginx"), "#!/bin/sh\n");
      chmodSync(join(dir, "a", "nginx"), 0o644); // not executable
      writeFileSync(join(dir, "b", "nginx"), "#!/bin/sh\n");
      chmodSync(join(dir, "b", "nginx"), 0o755);
      const found = locateBinary("nginx", { path: join(dir, "c"), installDirs: [join(dir, "a"), join(dir, "b")] });
      expect(found).toMatchObject({ found: true, path: join(dir, "b", "nginx") });
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
  it("the real process runner starts the system nginx for a PATH without /usr/sbin", async () => {
    const result = await execaRunner(["nginx", "-v"], { env: { PATH: "/usr/local/bin:/usr/bin:/bin" } });
    expect(result.notFound).toBe(false);
    expect(result.stderr).toMatch(/^nginx version: nginx\/\d+\.\d+\.\d+/);
  });
});

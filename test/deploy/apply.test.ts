/**
 * `wssgen apply` against a real nginx master (its own prefix, loopback high ports), on Debian's 1.22
 * and the newest nginx of the matrix: good changes are served, bad ones leave the old file byte for
 * byte and nginx serving the old config.
 */
import { spawn, spawnSync, execFileSync } from "node:child_process";
import {
  truncateSync,
  chmodSync,
  closeSync,
  existsSync,
  mkdirSync,
  openSync,
  writeSync,
  mkdtempSync,
  readFileSync,
  readdirSync,
  rmSync,
  statSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { atLeast } from "../../src/nginx-version/version.js";
import { sidecar } from "../../src/deploy/journal.js";
import { startBackend, httpGet, wsEcho, type Backend } from "../helpers/backend.js";
import { runCli, type CliResult } from "../helpers/cli.js";
import { BIN } from "../helpers/paths.js";
import { execa } from "execa";
import { makeCertDir } from "../helpers/certs.js";
import { nginxBuilds } from "../helpers/nginx.js";
import { startNginx, type NginxServer } from "../helpers/nginx-server.js";
import { freePort } from "../helpers/ports.js";

const builds = nginxBuilds();
const newest = builds.reduce((a, b) => (atLeast(b.version, a.version.join(".")) ? b : a));
const matrix = [builds[0]!, newest];

describe.each(matrix.map((b) => [b.label, b] as const))("wssgen apply on %s", (_label, build) => {
  let nginx: NginxServer;
  let backend: Backend;
  let work: string;
  let sitePort: number;
  let basePort: number;

  beforeEach(async () => {
    basePort = await freePort();
    sitePort = await freePort();
    nginx = startNginx(build, { basePort });
    backend = await startBackend("backend-a");
    work = mkdtempSync(join(tmpdir(), "wssgen-apply-"));
  });
  afterEach(async () => {
    nginx.stop();
    await backend.close();
    rmSync(work, { recursive: true, force: true });
  });

  const target = () => join(nginx.confDir, "wssgen.conf");
  const config = (
    routes: string,
    extra: { tls?: string; listen?: number; target?: string; mainConfig?: string; binary?: string } = {},
  ) =>
    [
      `nginx:`,
      `  binary: ${JSON.stringify(extra.binary ?? build.binary)}`,
      `  mainConfig: ${JSON.stringify(extra.mainConfig ?? nginx.mainConfig)}`,
      `  target: ${JSON.stringify(extra.target ?? target())}`,
      `  reload: ${JSON.stringify(nginx.reload)}`,
      `upstreams:`,
      `  app: { servers: ["127.0.0.1:${backend.port}"] }`,
      `sites:`,
      `  - domains: [localhost]`,
      `    listen: "127.0.0.1:${extra.listen ?? sitePort}"`,
      extra.tls ?? "",
      `    routes:`,
      routes,
      "",
    ].join("\n");
  const ROUTES = `      - { path: /ws, upstream: app }\n      - { path: /app, upstream: app, websocket: false }`;
  const ROUTES_V2 = `${ROUTES}\n      - { path: /v2, upstream: app, websocket: false }`;
  const applyWith = async (yaml: string, args: string[] = []): Promise<CliResult> => {
    writeFileSync(join(work, "wssgen.yaml"), yaml);
    return runCli(["apply", "--reload-timeout", "5s", ...args], { cwd: work });
  };

  it("deploys, serves the new routes (HTTP and a WebSocket upgrade), and then says unchanged", async () => {
    const first = await applyWith(config(ROUTES));
    expect(first.stderr).toContain("started new workers with the new config");
    expect(first.exitCode).toBe(0);
    expect((await httpGet(sitePort, "/app")).body).toBe("backend-a /app\n");
    expect(await wsEcho(`ws://127.0.0.1:${sitePort}/ws`, "hello")).toBe("backend-a: hello");

    const second = await applyWith(config(ROUTES_V2));
    expect(second.exitCode).toBe(0);
    expect(second.stderr).toContain(`backed up ${target()} to ${sidecar(target(), "backup")}`);
    expect((await httpGet(sitePort, "/v2")).body).toBe("backend-a /v2\n");

    const workers = execFileSync("pgrep", ["-P", String(nginx.masterPid())], { encoding: "utf8" });
    const same = await applyWith(config(ROUTES_V2));
    expect(same).toEqual({ exitCode: 0, stdout: "", stderr: `${target()} is up to date; nothing to do` });
    expect(execFileSync("pgrep", ["-P", String(nginx.masterPid())], { encoding: "utf8" })).toBe(workers); // no reload
    expect(existsSync(sidecar(target(), "lock"))).toBe(false);
  });

  it("a change nginx -t rejects: exit 1, the file byte-identical, nginx still serving the old config", async () => {
    expect((await applyWith(config(ROUTES))).exitCode).toBe(0);
    chmodSync(target(), 0o640);
    const before = readFileSync(target());
    const broken = config(ROUTES_V2, {
      tls: "    tls: { certificate: /nonexistent/cert.pem, key: /nonexistent/key.pem }\n    redirectHttp: false",
    });
    const r = await applyWith(broken);
    expect(r.exitCode).toBe(1);
    expect(r.stderr).toContain(
      `wssgen: apply failed: nginx -t rejected the new config; restored ${target()} byte for byte; nginx was not reloaded`,
    );
    expect(r.stderr).toMatch(
      /wssgen\.yaml:\d+:\d+ sites\[0\]\.tls\.certificate: nginx -t: cannot load certificate "\/nonexistent\/cert\.pem"/,
    );
    expect(readFileSync(target()).equals(before)).toBe(true);
    expect(statSync(target()).mode & 0o777).toBe(0o640);
    expect((await httpGet(sitePort, "/app")).body).toBe("backend-a /app\n");
    expect((await httpGet(sitePort, "/v2")).status).toBe(404);
  });

  it("a failing first deploy removes the new file", async () => {
    const r = await applyWith(
      config(ROUTES, { tls: "    tls: { certificate: /nonexistent/cert.pem, key: /nonexistent/key.pem }" }),
    );
    expect(r.exitCode).toBe(1);
    expect(r.stderr).toContain(`removed the new ${target()} (first deploy)`);
    expect(existsSync(target())).toBe(false);
  });

  it("a reload nginx cannot carry out (port taken) is rolled back; nginx kept the previous config", async () => {
    expect((await applyWith(config(ROUTES))).exitCode).toBe(0);
    const before = readFileSync(target());
    const taken = await startBackend("squatter");
    try {
      const r = await applyWith(config(ROUTES_V2, { listen: taken.port }));
      expect(r.exitCode).toBe(1);
      expect(r.stderr).toContain(
        "nginx did not load the new config: no new worker processes within 5s (see nginx's error log); it still runs the previous one",
      );
      expect(r.stderr).toContain("byte for byte; nginx was not reloaded");
      expect(readFileSync(target()).equals(before)).toBe(true);
      expect((await httpGet(sitePort, "/app")).body).toBe("backend-a /app\n");
    } finally {
      await taken.close();
    }
  });

  it("a failing reload command rolls back; nginx not running is reported", async () => {
    expect((await applyWith(config(ROUTES))).exitCode).toBe(0);
    const before = readFileSync(target());
    await nginx.kill();
    const r = await applyWith(config(ROUTES_V2));
    expect(r.exitCode).toBe(1);
    expect(r.stderr).toMatch(
      /apply failed: .*-s reload failed: .*\(is nginx running\?\); restored .* byte for byte; nginx was not reloaded/,
    );
    expect(readFileSync(target()).equals(before)).toBe(true);
  });

  it("--dry-run prints the diff and the commands, and changes nothing", async () => {
    const r = await applyWith(config(ROUTES), ["--dry-run"]);
    expect(r.exitCode).toBe(0);
    expect(r.stdout.split("\n").slice(0, 2)).toEqual(["--- /dev/null", `+++ ${target()} (rendered)`]);
    expect(r.stdout).toContain("+    location /app {");
    expect(r.stderr).toContain(`would run: ${build.binary} -T -c ${nginx.mainConfig}`);
    expect(r.stderr).toContain(`would run: ${nginx.reload.join(" ")}`);
    expect(existsSync(target())).toBe(false);
    expect(existsSync(sidecar(target(), "lock"))).toBe(false);
  });

  it("--no-reload writes and tests only; `wssgen diff` shows what is not deployed", async () => {
    expect((await applyWith(config(ROUTES))).exitCode).toBe(0);
    const r = await applyWith(config(ROUTES_V2), ["--no-reload"]);
    expect(r.exitCode).toBe(0);
    expect(r.stderr).toContain("nginx was not reloaded (--no-reload)");
    expect((await httpGet(sitePort, "/v2")).status).toBe(404); // nginx still runs the old config
    const same = await runCli(["diff"], { cwd: work });
    expect(same.exitCode).toBe(0);
    writeFileSync(join(work, "wssgen.yaml"), config(ROUTES));
    const diff = await runCli(["diff"], { cwd: work });
    expect(diff.exitCode).toBe(1);
    expect(diff.stdout).toContain("-    location /v2 {");
  });

  it("after --no-reload, the next apply reloads even though the file is up to date", async () => {
    expect((await applyWith(config(ROUTES))).exitCode).toBe(0);
    expect((await applyWith(config(ROUTES_V2), ["--no-reload"])).exitCode).toBe(0);
    // the journal says: tested, not loaded (it replaces the pending marker of wssgen before 0.2)
    expect(JSON.parse(readFileSync(sidecar(target(), "journal"), "utf8"))).toMatchObject({ state: "tested", reload: false });
    const r = await applyWith(config(ROUTES_V2));
    expect(r.exitCode).toBe(0);
    expect(r.stderr).toContain("is up to date but was written with --no-reload: testing and reloading it");
    expect((await httpGet(sitePort, "/v2")).body).toBe("backend-a /v2\n");
    expect(existsSync(sidecar(target(), "journal"))).toBe(false);
    expect((await applyWith(config(ROUTES_V2))).stderr).toBe(`${target()} is up to date; nothing to do`);
  });

  it("Ctrl-C during the reload restores the previous file and reloads back", async () => {
    expect((await applyWith(config(ROUTES))).exitCode).toBe(0);
    const before = readFileSync(target());
    // a reload command that logs each call; the first one hangs, so the interrupt lands mid-reload
    const log = join(work, "reloads.log");
    const script = join(work, "slow-reload");
    writeFileSync(
      script,
      `#!/bin/sh\necho call >> ${log}\n[ "$(wc -l < ${log})" -eq 1 ] && sleep 30\nexec ${nginx.reload.join(" ")}\n`,
    );
    chmodSync(script, 0o755);
    writeFileSync(join(work, "wssgen.yaml"), config(ROUTES_V2).replace(/reload: .*/, `reload: [${JSON.stringify(script)}]`));
    const child = execa("node", [BIN, "apply"], { cwd: work, reject: false, env: { NO_COLOR: "1" } });
    for (let i = 0; i < 200 && !existsSync(log); i++) await new Promise((r) => setTimeout(r, 25));
    child.kill("SIGINT");
    const result = await child;
    expect(result.exitCode).toBe(130);
    expect(readFileSync(target()).equals(before)).toBe(true);
    expect(readFileSync(log, "utf8")).toBe("call\ncall\n"); // the reload back ran
    expect(existsSync(sidecar(target(), "lock"))).toBe(false);
    expect(existsSync(sidecar(target(), "journal"))).toBe(false); // undone: nothing left to recover
    expect(readdirSync(nginx.confDir).filter((name) => name.includes("wssgen-tmp"))).toEqual([]);
    expect((await httpGet(sitePort, "/app")).body).toBe("backend-a /app\n");
  });

  it("--probe: a WebSocket handshake through the new config must succeed, or the deploy is rolled back", async () => {
    const ok = await applyWith(config(ROUTES), ["--probe", `ws://127.0.0.1:${sitePort}/ws`]);
    expect(ok.exitCode).toBe(0);
    expect(ok.stderr).toMatch(/probe ws:\/\/127\.0\.0\.1:\d+\/ws: 101 in \d+ ms/);
    const before = readFileSync(target());
    // the new config refuses sockets without an allowed Origin, so the probe (which sends none) fails
    const strict = config(
      `      - { path: /ws, upstream: app, origins: [https://elsewhere.example], allowMissingOrigin: false }\n      - { path: /app, upstream: app, websocket: false }`,
    );
    const r = await applyWith(strict, ["--probe", `ws://127.0.0.1:${sitePort}/ws`]);
    expect(r.exitCode).toBe(1);
    expect(r.stderr).toContain("apply failed: the probe of ws://127.0.0.1:");
    expect(r.stderr).toContain(
      'HTTP 403 Forbidden from nginx itself (its own error page), body "403 Forbidden": nginx refused the handshake itself. If the route has origins, an Origin not in that list gets this 403: this probe sent no Origin',
    );
    expect(r.stderr).toContain("and reloaded nginx back to it");
    expect(readFileSync(target()).equals(before)).toBe(true);
    expect(await wsEcho(`ws://127.0.0.1:${sitePort}/ws`, "still")).toBe("backend-a: still");
  });

  it.each([
    ["U+202E", "https://x\u202e", '--probe-origin: "https://x\\u202e" holds a character an HTTP header cannot carry'],
    ["CR LF", "https://a\r\nEvil: b", '--probe-origin: "https://a\\r\\nEvil: b" holds a character an HTTP header cannot carry'],
  ])("--probe-origin with %s is a usage error (exit 2) before apply changes anything", async (_label, origin, message) => {
    expect((await applyWith(config(ROUTES))).exitCode).toBe(0);
    const before = readFileSync(target());
    const workers = execFileSync("pgrep", ["-P", String(nginx.masterPid())], { encoding: "utf8" });
    const r = await applyWith(config(ROUTES_V2), ["--probe", `ws://127.0.0.1:${sitePort}/ws`, "--probe-origin", origin]);
    expect(r.exitCode).toBe(2);
    expect(r.stderr).toBe(
      `wssgen: ${message} (control characters and non-ASCII; a browser sends an international domain in its xn-- form)`,
    );
    expect(readFileSync(target()).equals(before)).toBe(true);
    expect(existsSync(sidecar(target(), "journal"))).toBe(false);
    expect(execFileSync("pgrep", ["-P", String(nginx.masterPid())], { encoding: "utf8" })).toBe(workers); // no reload
    expect((await httpGet(sitePort, "/v2")).status).toBe(404);
  });

  it("a target the main config does not include is refused and rolled back", async () => {
    const elsewhere = join(nginx.dir, "not-included.conf");
    const r = await applyWith(config(ROUTES, { target: elsewhere }));
    expect(r.exitCode).toBe(1);
    expect(r.stderr).toContain(`${nginx.mainConfig} does not include ${elsewhere}, so nginx would never load it`);
    expect(existsSync(elsewhere)).toBe(false);
  });

  it("two applies at once are serialized by the lock; a live holder makes a third wait, then fail clearly", async () => {
    const a = config(ROUTES);
    const b = config(ROUTES_V2);
    writeFileSync(join(work, "a.yaml"), a);
    writeFileSync(join(work, "b.yaml"), b);
    const [ra, rb] = await Promise.all([
      runCli(["apply", "-c", "a.yaml", "--reload-timeout", "5s"], { cwd: work }),
      runCli(["apply", "-c", "b.yaml", "--reload-timeout", "5s"], { cwd: work }),
    ]);
    expect([ra.exitCode, rb.exitCode]).toEqual([0, 0]);
    const rendered = await Promise.all(["a.yaml", "b.yaml"].map((f) => runCli(["render", "-c", f], { cwd: work })));
    expect(rendered.map((r) => `${r.stdout}\n`)).toContain(readFileSync(target(), "utf8"));
    expect(existsSync(sidecar(target(), "lock"))).toBe(false);

    // a lock held by a live process: wait, then give up with exit 2
    const holder = spawn("sleep", ["30"]);
    try {
      writeFileSync(sidecar(target(), "lock"), `${holder.pid}\n`);
      writeFileSync(join(work, "wssgen.yaml"), config(`${ROUTES_V2}\n      - { path: /v3, upstream: app, websocket: false }`));
      const waited = await runCli(["apply", "--lock-timeout", "1s"], { cwd: work });
      expect(waited.exitCode).toBe(2);
      expect(waited.stderr).toContain(`waiting for another wssgen apply (pid ${holder.pid}) to finish`);
      expect(waited.stderr).toContain(
        `wssgen: another wssgen apply (pid ${holder.pid}) holds ${sidecar(target(), "lock")}; waited 1s`,
      );
    } finally {
      holder.kill();
    }
    // the holder is gone: its lock is stale and taken over
    await new Promise((r) => setTimeout(r, 100));
    expect((await runCli(["apply", "--reload-timeout", "5s"], { cwd: work })).exitCode).toBe(0);
    expect((await httpGet(sitePort, "/v3")).body).toBe("backend-a /v3\n");
  });

  it("environment problems exit 2 with one line and change nothing", async () => {
    // nginx binary missing
    const missing = await applyWith(config(ROUTES, { binary: "/nonexistent/nginx" }));
    expect(missing).toEqual({
      exitCode: 2,
      stdout: "",
      stderr:
        'wssgen: nginx not found: "/nonexistent/nginx" is not an executable file (install nginx, or set nginx.binary to its path)',
    });
    // target directory missing
    const nodir = await applyWith(config(ROUTES, { target: join(nginx.dir, "nope", "wssgen.conf") }));
    expect(nodir.exitCode).toBe(2);
    expect(nodir.stderr).toBe(
      `wssgen: cannot write ${join(nginx.dir, "nope", "wssgen.conf")}: directory ${join(nginx.dir, "nope")} does not exist`,
    );
    expect(existsSync(target())).toBe(false);
  });

  // run as nobody, who can run the system nginx but not the cached builds in root's home
  const permissionTest = build === builds[0] ? it : undefined;
  permissionTest?.("no write permission (run as nobody) exits 2 and leaves the old file", async () => {
    expect((await applyWith(config(ROUTES))).exitCode).toBe(0);
    const before = readFileSync(target());
    chmodSync(work, 0o755);
    writeFileSync(join(work, "wssgen.yaml"), config(ROUTES_V2));
    chmodSync(join(work, "wssgen.yaml"), 0o644);
    const r = await runCli(["apply"], { cwd: work, env: {}, user: "nobody" });
    expect(r.exitCode).toBe(2);
    expect(r.stderr).toBe(`wssgen: cannot create lock ${sidecar(target(), "lock")}: permission denied`);
    expect(readFileSync(target()).equals(before)).toBe(true);
  });

  it("a full disk at any point (a tiny tmpfs, 0 to 6 pages free) leaves the old file, nginx -t passing and no temp file", async () => {
    const small = join(nginx.dir, "small");
    mkdirSync(small);
    execFileSync("mount", ["-t", "tmpfs", "-o", "size=96k", "tmpfs", small]);
    try {
      const smallTarget = join(small, "wssgen.conf");
      writeFileSync(
        nginx.mainConfig,
        readFileSync(nginx.mainConfig, "utf8").replace(/include (.*);\n\}/, `include $1;\n    include ${small}/*.conf;\n}`),
      );
      const old = config(ROUTES, { target: smallTarget });
      const filler = join(small, "filler");
      const routes = (n: number) =>
        Array.from({ length: n }, (_, i) => `      - { path: /r${i}, upstream: app, websocket: false }`).join("\n");
      // a change of about the same size (one page), and one of several pages
      const changes = [config(ROUTES_V2, { target: smallTarget }), config(`${ROUTES}\n${routes(60)}`, { target: smallTarget })];
      const messages = new Set<string>();
      for (const change of changes)
        for (let pages = 0; pages <= 6; pages++) {
          rmSync(filler, { force: true });
          const reset = await applyWith(old);
          expect(reset.exitCode, reset.stderr).toBe(0);
          expect(readdirSync(small).sort()).toEqual(
            [".wssgen.conf.wssgen-backup", "wssgen.conf"].slice(existsSync(sidecar(smallTarget, "backup")) ? 0 : 1),
          );
          const before = readFileSync(smallTarget);
          // fill the file system, then free `pages` pages
          const fd = openSync(filler, "w");
          try {
            for (;;) writeSync(fd, Buffer.alloc(4096));
          } catch (error) {
            expect((error as NodeJS.ErrnoException).code).toBe("ENOSPC");
          } finally {
            closeSync(fd);
          }
          truncateSync(filler, Math.max(0, statSync(filler).size - pages * 4096));
          const r = await applyWith(change);
          const last = r.stderr.split("\n").pop()!;
          messages.add(last.replace(small, "SMALL"));
          if (r.exitCode === 0) expect(readFileSync(smallTarget, "utf8")).toContain("/v2");
          else {
            expect([1, 2], r.stderr).toContain(r.exitCode);
            expect(last).toMatch(/no space left on device/);
            expect(readFileSync(smallTarget).equals(before), r.stderr).toBe(true);
          }
          const left = readdirSync(small).filter(
            (name) => !["filler", "wssgen.conf", ".wssgen.conf.wssgen-backup"].includes(name),
          );
          expect(left, `${pages} pages free: ${r.stderr}`).toEqual([]);
          const test = spawnSync(build.binary, ["-t", "-c", nginx.mainConfig], { encoding: "utf8" });
          expect(test.status, test.stderr).toBe(0);
          expect((await httpGet(sitePort, "/app")).body).toBe("backend-a /app\n");
        }
      // the disk filled up at the new file itself, and at apply's own files before it
      expect(messages).toContain("wssgen: cannot write SMALL/wssgen.conf: no space left on device");
      expect(messages).toContain("wssgen: cannot create lock SMALL/.wssgen.conf.wssgen-lock: no space left on device");
    } finally {
      execFileSync("umount", [small]);
    }
  });
});

describe("apply keeps TLS working", () => {
  it("deploys a wss:// site that a client reaches with the test CA", async () => {
    const build = builds[0]!;
    const certs = makeCertDir(["localhost", "127.0.0.1"]);
    const basePort = await freePort();
    const port = await freePort();
    const nginx = startNginx(build, { basePort });
    const backend = await startBackend("tls-backend");
    const work = mkdtempSync(join(tmpdir(), "wssgen-apply-"));
    try {
      writeFileSync(
        join(work, "wssgen.yaml"),
        [
          `nginx: { binary: ${build.binary}, mainConfig: ${nginx.mainConfig}, target: ${join(nginx.confDir, "wssgen.conf")}, reload: ${JSON.stringify(nginx.reload)} }`,
          `upstreams: { app: { servers: ["127.0.0.1:${backend.port}"] } }`,
          `sites:`,
          `  - domains: [localhost]`,
          `    listen: "127.0.0.1:${port}"`,
          `    tls: { certificate: ${certs.certificate}, key: ${certs.key} }`,
          `    redirectHttp: false`,
          `    routes: [{ path: /ws, upstream: app }]`,
          "",
        ].join("\n"),
      );
      const r = await runCli(["apply", "--reload-timeout", "5s"], { cwd: work });
      expect(r.exitCode, r.stderr).toBe(0);
      expect(await wsEcho(`wss://localhost:${port}/ws`, "secure", { ca: readFileSync(certs.ca) })).toBe("tls-backend: secure");
    } finally {
      nginx.stop();
      await backend.close();
      rmSync(work, { recursive: true, force: true });
      rmSync(certs.dir, { recursive: true, force: true });
    }
  });
});

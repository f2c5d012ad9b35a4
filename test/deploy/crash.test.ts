/**
 * `wssgen apply` killed outright (SIGKILL: the OOM killer, a cancelled CI job) at every state
 * boundary, against a real nginx master; then the retry. Each case asserts what issue 8 §1 asks:
 * the system's `nginx -t` passes, the target is the last good or the new tested config, the backup
 * still holds the last good config, and the messages say what was found and done.
 *
 * Kill points: the documented test hook WSSGEN_APPLY_PAUSE_AT=<state> (apply stops right after the
 * journal records that state) for the instants between steps, and real slow commands (an nginx that
 * sleeps in -T, a reload command that sleeps after reloading) for the kills during a command.
 */
import { spawnSync } from "node:child_process";
import {
  chmodSync,
  existsSync,
  lstatSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  readlinkSync,
  readdirSync,
  rmSync,
  symlinkSync,
  unlinkSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { execa, type ResultPromise } from "execa";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { sidecar } from "../../src/deploy/journal.js";
import { startBackend, httpGet, type Backend } from "../helpers/backend.js";
import { runCli, type CliResult } from "../helpers/cli.js";
import { nginxBuilds } from "../helpers/nginx.js";
import { startNginx, type NginxServer } from "../helpers/nginx-server.js";
import { BIN, ROOT } from "../helpers/paths.js";
import { freePort } from "../helpers/ports.js";

const build = nginxBuilds()[0]!;

describe(`apply killed with SIGKILL, then retried (${build.label})`, () => {
  let nginx: NginxServer;
  let backend: Backend;
  let work: string;
  let sitePort: number;

  beforeEach(async () => {
    sitePort = await freePort();
    nginx = startNginx(build, { basePort: await freePort() });
    backend = await startBackend("backend-a");
    work = mkdtempSync(join(tmpdir(), "wssgen-crash-"));
  });
  afterEach(async () => {
    nginx.stop();
    await backend.close();
    rmSync(work, { recursive: true, force: true });
  });

  const target = () => join(nginx.confDir, "wssgen.conf");
  const journal = () => sidecar(target(), "journal");
  const backup = () => sidecar(target(), "backup");
  const config = (extraRoute = "", options: { binary?: string; reload?: string[]; tls?: string } = {}) =>
    [
      `nginx:`,
      `  binary: ${JSON.stringify(options.binary ?? build.binary)}`,
      `  mainConfig: ${JSON.stringify(nginx.mainConfig)}`,
      `  target: ${JSON.stringify(target())}`,
      `  reload: ${JSON.stringify(options.reload ?? nginx.reload)}`,
      `upstreams:`,
      `  app: { servers: ["127.0.0.1:${backend.port}"] }`,
      `sites:`,
      `  - domains: [localhost]`,
      `    listen: "127.0.0.1:${sitePort}"`,
      options.tls ?? "",
      `    routes:`,
      `      - { path: /app, upstream: app, websocket: false }`,
      extraRoute,
      "",
    ].join("\n");
  const V2 = `      - { path: /v2, upstream: app, websocket: false }`;
  const BROKEN = "    tls: { certificate: /nonexistent/cert.pem, key: /nonexistent/key.pem }\n    redirectHttp: false";

  const apply = (yaml: string, args: string[] = []): Promise<CliResult> => {
    writeFileSync(join(work, "wssgen.yaml"), yaml);
    return runCli(["apply", "--reload-timeout", "5s", ...args], { cwd: work });
  };
  /** Starts an apply, waits until `ready()` (polled), kills it with SIGKILL; returns its stderr so far. */
  const killWhen = async (yaml: string, ready: (stderr: string) => boolean, env: Record<string, string> = {}) => {
    writeFileSync(join(work, "wssgen.yaml"), yaml);
    const child: ResultPromise = execa("node", [BIN, "apply", "--reload-timeout", "5s"], {
      cwd: work,
      reject: false,
      env: { NO_COLOR: "1", ...env },
    });
    let stderr = "";
    child.stderr?.on("data", (chunk: Buffer) => (stderr += chunk.toString()));
    for (let i = 0; i < 600 && !ready(stderr); i++) await new Promise((r) => setTimeout(r, 25));
    expect(ready(stderr), stderr).toBe(true);
    child.kill("SIGKILL");
    const result = await child;
    expect(result.signal).toBe("SIGKILL");
    return stderr;
  };
  const pausedAt = (state: string) => (stderr: string) => stderr.includes(`paused at ${state} (WSSGEN_APPLY_PAUSE_AT)`);
  const systemTest = () => spawnSync(build.binary, ["-t", "-c", nginx.mainConfig], { encoding: "utf8" });
  const expectHealthy = () => {
    const test = systemTest();
    expect(test.status, test.stderr).toBe(0);
    expect(existsSync(journal())).toBe(false);
    expect(existsSync(sidecar(target(), "lock"))).toBe(false);
    expect(readdirSync(nginx.confDir).filter((name) => name.includes("wssgen-tmp"))).toEqual([]);
  };
  const found = (where: string) => new RegExp(`found an apply of ${target()} \\(pid \\d+, started [^)]+\\) interrupted ${where}`);

  it("the issue's case: killed after writing a broken config, before nginx -T; the retry restores the last good one", async () => {
    expect((await apply(config())).exitCode).toBe(0);
    const good = readFileSync(target());
    await killWhen(config(V2, { tls: BROKEN }), pausedAt("written"), { WSSGEN_APPLY_PAUSE_AT: "written" });
    // the kill left the untested file live: a restart of nginx now would fail
    expect(readFileSync(target()).equals(good)).toBe(false);
    expect(systemTest().status).not.toBe(0);

    const retry = await apply(config(V2, { tls: BROKEN }));
    expect(retry.stderr).toMatch(found("after it wrote the new file, before or during nginx -t"));
    expect(retry.stderr).toContain(
      `: restored the last good config to ${target()} byte for byte from ${backup()}; nginx -t passes; nginx had not been reloaded with it`,
    );
    expect(retry.stderr).not.toContain("--no-reload");
    expect(retry.stderr).toContain(`apply failed: nginx -t rejected the new config; restored ${target()} byte for byte`);
    expect(retry.exitCode).toBe(1);
    expect(readFileSync(target()).equals(good)).toBe(true);
    expect(readFileSync(backup()).equals(good)).toBe(true);
    expectHealthy();
    expect((await httpGet(sitePort, "/app")).body).toBe("backend-a /app\n");
  });

  it("killed again while it recovers (during its nginx -t): the next retry still recovers", async () => {
    expect((await apply(config())).exitCode).toBe(0);
    const good = readFileSync(target());
    await killWhen(config(V2, { tls: BROKEN }), pausedAt("written"), { WSSGEN_APPLY_PAUSE_AT: "written" });
    const marker = join(work, "in-t");
    const slow = join(work, "slow-nginx");
    writeFileSync(
      slow,
      `#!/bin/sh\nif [ "$1" = "-t" ] && [ ! -e ${marker} ]; then touch ${marker}; sleep 60; fi\nexec ${build.binary} "$@"\n`,
    );
    chmodSync(slow, 0o755);
    await killWhen(config(V2, { binary: slow, tls: BROKEN }), () => existsSync(marker));
    expect(existsSync(journal())).toBe(true);
    const retry = await apply(config(V2, { tls: BROKEN }));
    expect(retry.stderr).toMatch(found("after it wrote the new file, before or during nginx -t"));
    expect(retry.stderr).toContain(`: ${target()} still holds the last good config; nginx -t passes`);
    expect(retry.exitCode).toBe(1);
    expect(readFileSync(target()).equals(good)).toBe(true);
    expect(readFileSync(backup()).equals(good)).toBe(true);
    expectHealthy();
  });

  it("killed after the backup: the retry finds nothing changed and deploys", async () => {
    expect((await apply(config())).exitCode).toBe(0);
    const good = readFileSync(target());
    await killWhen(config(V2), pausedAt("backed-up"), { WSSGEN_APPLY_PAUSE_AT: "backed-up" });
    expect(readFileSync(target()).equals(good)).toBe(true);
    // --dry-run changes nothing, but says what a real apply will do first
    const dry = await apply(config(V2), ["--dry-run"]);
    expect(dry.stderr).toContain(
      `found ${journal()}: a real apply first acts on it (finishes or undoes an interrupted apply, or loads a --no-reload one)`,
    );
    expect(existsSync(journal())).toBe(true);
    const retry = await apply(config(V2));
    expect(retry.stderr).toMatch(found("after the backup, before the new file was written"));
    expect(retry.stderr).toContain(
      `: ${target()} still holds the last good config; nginx -t passes; nginx had not been reloaded with it`,
    );
    expect(retry.exitCode, retry.stderr).toBe(0);
    expect(readFileSync(backup()).equals(good)).toBe(true);
    expectHealthy();
    expect((await httpGet(sitePort, "/v2")).body).toBe("backend-a /v2\n");
  });

  it("killed during nginx -T (an nginx that hangs in -T): the retry restores, then deploys", async () => {
    expect((await apply(config())).exitCode).toBe(0);
    const good = readFileSync(target());
    const marker = join(work, "in-T");
    const slow = join(work, "slow-nginx");
    writeFileSync(
      slow,
      `#!/bin/sh\nif [ "$1" = "-T" ] && [ ! -e ${marker} ]; then touch ${marker}; sleep 60; fi\nexec ${build.binary} "$@"\n`,
    );
    chmodSync(slow, 0o755);
    await killWhen(config(V2, { binary: slow }), () => existsSync(marker));
    const retry = await apply(config(V2, { binary: slow }));
    expect(retry.stderr).toMatch(found("after it wrote the new file, before or during nginx -t"));
    expect(retry.stderr).toContain(
      `: restored the last good config to ${target()} byte for byte from ${backup()}; nginx -t passes`,
    );
    expect(retry.exitCode, retry.stderr).toBe(0);
    expect(readFileSync(backup()).equals(good)).toBe(true);
    expectHealthy();
    expect((await httpGet(sitePort, "/v2")).body).toBe("backend-a /v2\n");
  });

  it("killed during the reload (after nginx took it): apply --recover restores and reloads nginx back", async () => {
    expect((await apply(config())).exitCode).toBe(0);
    const good = readFileSync(target());
    const marker = join(work, "reloaded");
    const slow = join(work, "slow-reload");
    writeFileSync(
      slow,
      `#!/bin/sh\n${nginx.reload.join(" ")} || exit 1\n[ -e ${marker} ] && exit 0\ntouch ${marker}\nsleep 60\n`,
    );
    chmodSync(slow, 0o755);
    await killWhen(config(V2, { reload: [slow] }), () => existsSync(marker));
    // nginx runs the new, unverified config
    await waitFor(async () => (await httpGet(sitePort, "/v2")).status === 200);

    writeFileSync(join(work, "wssgen.yaml"), config(V2, { reload: [slow] }));
    const recovered = await runCli(["apply", "--recover", "--reload-timeout", "5s"], { cwd: work });
    expect(recovered.stderr).toMatch(found("during the reload"));
    expect(recovered.stderr).toContain(
      `: restored the last good config to ${target()} byte for byte from ${backup()}; nginx -t passes; reloaded nginx back to it`,
    );
    expect(recovered.stderr.split("\n").at(-1)).toBe(`recovered ${target()}`);
    expect(recovered.exitCode).toBe(0);
    expect(readFileSync(target()).equals(good)).toBe(true);
    expect(readFileSync(backup()).equals(good)).toBe(true);
    expectHealthy();
    expect((await httpGet(sitePort, "/v2")).status).toBe(404);
    expect((await httpGet(sitePort, "/app")).body).toBe("backend-a /app\n");

    const again = await runCli(["apply", "--recover"], { cwd: work });
    expect(again).toEqual({ exitCode: 0, stdout: "", stderr: `${target()}: no interrupted apply to recover` });
    expect((await apply(config(V2, { reload: [slow] }))).exitCode).toBe(0);
    expect((await httpGet(sitePort, "/v2")).body).toBe("backend-a /v2\n");
  });

  it("killed while verifying the reload: the retry reloads nginx back to the last good config, then deploys again", async () => {
    expect((await apply(config())).exitCode).toBe(0);
    const good = readFileSync(target());
    await killWhen(config(V2), pausedAt("verifying"), { WSSGEN_APPLY_PAUSE_AT: "verifying" });
    const retry = await apply(config(V2));
    expect(retry.stderr).toMatch(found("while it verified the reload"));
    expect(retry.stderr).toContain(`nginx -t passes; reloaded nginx back to it`);
    expect(retry.stderr).toContain("started new workers with the new config");
    expect(retry.exitCode, retry.stderr).toBe(0);
    expect(readFileSync(backup()).equals(good)).toBe(true);
    expectHealthy();
    expect((await httpGet(sitePort, "/v2")).body).toBe("backend-a /v2\n");
  });

  it('`wssgen diff` after a killed apply: not "up to date" but the unfinished apply, exit 1; after the retry, up to date', async () => {
    expect((await apply(config())).exitCode).toBe(0);
    await killWhen(config(V2), pausedAt("tested"), { WSSGEN_APPLY_PAUSE_AT: "tested" });
    expect((await httpGet(sitePort, "/v2")).status).toBe(404); // nginx runs the old config; the file holds the new one
    const diff = await runCli(["diff"], { cwd: work });
    expect(diff.stdout).toBe("");
    expect(diff.stderr).toMatch(
      new RegExp(
        `an apply of ${target()} \\(pid \\d+, started [^)]+\\) was interrupted after nginx -t passed, before the reload \\(its journal: ${journal()}\\): nginx may run another config than ${target()} holds; run wssgen apply to finish or undo it`,
      ),
    );
    expect(diff.stderr).not.toContain("is up to date");
    expect(diff.exitCode).toBe(1);
    expect(existsSync(journal())).toBe(true); // diff changes nothing
    expect((await apply(config(V2))).exitCode).toBe(0);
    const after = await runCli(["diff"], { cwd: work });
    expect(after).toEqual({ exitCode: 0, stdout: "", stderr: `${target()} is up to date` });
  });

  it("`wssgen diff` while an apply is still running says so, exit 1", async () => {
    expect((await apply(config())).exitCode).toBe(0);
    writeFileSync(join(work, "wssgen.yaml"), config(V2));
    const child = execa("node", [BIN, "apply", "--reload-timeout", "5s"], {
      cwd: work,
      reject: false,
      env: { NO_COLOR: "1", WSSGEN_APPLY_PAUSE_AT: "tested" },
    });
    let stderr = "";
    child.stderr?.on("data", (chunk: Buffer) => (stderr += chunk.toString()));
    try {
      for (let i = 0; i < 600 && !pausedAt("tested")(stderr); i++) await new Promise((r) => setTimeout(r, 25));
      const diff = await runCli(["diff"], { cwd: work });
      expect(diff.stderr).toMatch(/an apply of .* \(pid \d+, started [^)]+\) is still running \(it has reached: tested\)/);
      expect(diff.exitCode).toBe(1);
    } finally {
      child.kill("SIGKILL");
      await child;
    }
  });

  it("killed after the reload was verified, before the commit: the retry finishes it", async () => {
    expect((await apply(config())).exitCode).toBe(0);
    const good = readFileSync(target());
    await killWhen(config(V2), pausedAt("verified"), { WSSGEN_APPLY_PAUSE_AT: "verified" });
    const retry = await apply(config(V2));
    expect(retry.stderr).toMatch(found("after nginx loaded the new config"));
    expect(retry.stderr).toContain(": nginx already serves its config, so it is finished now");
    expect(retry.stderr.split("\n").at(-1)).toBe(`${target()} is up to date; nothing to do`);
    expect(retry.exitCode).toBe(0);
    expect(readFileSync(backup()).equals(good)).toBe(true);
    expectHealthy();
    expect((await httpGet(sitePort, "/v2")).body).toBe("backend-a /v2\n");
  });

  it("killed during a first deploy: the retry removes the untested file, and a broken config never goes live", async () => {
    await killWhen(config("", { tls: BROKEN }), pausedAt("written"), { WSSGEN_APPLY_PAUSE_AT: "written" });
    expect(existsSync(target())).toBe(true);
    const retry = await apply(config("", { tls: BROKEN }));
    expect(retry.stderr).toMatch(found("after it wrote the new file"));
    expect(retry.stderr).toContain(`: removed the new ${target()} (first deploy); nginx -t passes`);
    expect(retry.exitCode).toBe(1);
    expect(existsSync(target())).toBe(false);
    expect(existsSync(backup())).toBe(false);
    expectHealthy();
  });

  it("Ctrl-C (SIGINT) at every state puts the last good config back, reloads back when needed, and leaves no journal", async () => {
    expect((await apply(config(`      - { path: /v0, upstream: app, websocket: false }`))).exitCode).toBe(0);
    const older = readFileSync(target(), "utf8");
    expect((await apply(config())).exitCode).toBe(0);
    const good = readFileSync(target());
    for (const state of ["begun", "backed-up", "written", "tested", "reloading", "verifying", "verified"]) {
      writeFileSync(join(work, "wssgen.yaml"), config(V2));
      const child = execa("node", [BIN, "apply", "--reload-timeout", "5s"], {
        cwd: work,
        reject: false,
        env: { NO_COLOR: "1", WSSGEN_APPLY_PAUSE_AT: state },
      });
      let stderr = "";
      child.stderr?.on("data", (chunk: Buffer) => (stderr += chunk.toString()));
      for (let i = 0; i < 400 && !pausedAt(state)(stderr); i++) await new Promise((r) => setTimeout(r, 25));
      child.kill("SIGINT");
      const r = await child;
      expect(r.exitCode, `${state}: ${stderr}`).toBe(130);
      expect(readFileSync(target()).equals(good), state).toBe(true);
      // the backup holds a last good config: the one before, until this apply backed up the current one
      expect([older, good.toString()], state).toContain(readFileSync(backup(), "utf8"));
      expectHealthy();
      await waitFor(async () => (await httpGet(sitePort, "/v2")).status === 404);
    }
  });

  it("the backup is never overwritten by a file nginx has not loaded (after --no-reload)", async () => {
    expect((await apply(config())).exitCode).toBe(0);
    const good = readFileSync(target());
    expect((await apply(config(V2), ["--no-reload"])).exitCode).toBe(0);
    expect(JSON.parse(readFileSync(journal(), "utf8"))).toMatchObject({ state: "tested", reload: false });
    const broken = await apply(config(`${V2}\n      - { path: /v3, upstream: app, websocket: false }`, { tls: BROKEN }));
    expect(broken.stderr).toContain(
      `apply failed: nginx -t rejected the new config; restored ${target()} byte for byte to the last config nginx loaded (from before the --no-reload apply)`,
    );
    expect(broken.exitCode).toBe(1);
    expect(readFileSync(target()).equals(good)).toBe(true);
    expect(readFileSync(backup()).equals(good)).toBe(true);
    expectHealthy();
  });

  it("after --no-reload and a restart of nginx (ExecStartPre), that file is the last good config: no reload, and a rollback keeps it", async () => {
    expect((await apply(config())).exitCode).toBe(0);
    expect((await apply(config(V2), ["--no-reload"])).exitCode).toBe(0);
    const loaded = readFileSync(target());
    await new Promise((r) => setTimeout(r, 100)); // start times are told apart in 10 ms steps
    await nginx.kill();
    const started = spawnSync(build.binary, ["-c", nginx.mainConfig], { encoding: "utf8" });
    expect(started.status, started.stderr).toBe(0);
    await waitFor(async () => (await httpGet(sitePort, "/v2")).status === 200);
    const same = await apply(config(V2));
    expect(same.stderr.split("\n")).toEqual([
      `${target()} was written with --no-reload, and nginx has loaded it since (its workers are newer): it is the last good config now`,
      `${target()} is up to date; nothing to do`,
    ]);
    expect(same.exitCode).toBe(0);
    const broken = await apply(config(`${V2}\n      - { path: /v3, upstream: app, websocket: false }`, { tls: BROKEN }));
    expect(broken.exitCode).toBe(1);
    expect(broken.stderr).toContain(`apply failed: nginx -t rejected the new config; restored ${target()} byte for byte;`);
    expect(readFileSync(target()).equals(loaded)).toBe(true);
    expect(readFileSync(backup()).equals(loaded)).toBe(true);
    expectHealthy();
  });

  it("a journal that is not one is refused with exit 3 and the manual steps; nothing is touched", async () => {
    expect((await apply(config())).exitCode).toBe(0);
    const good = readFileSync(target());
    writeFileSync(journal(), "{ half a journ");
    const r = await apply(config(V2));
    expect(r.exitCode).toBe(3);
    expect(r.stderr.split("\n")).toEqual([
      `wssgen: found the journal of an interrupted apply, ${journal()}, but it is not valid JSON; not guessing what to undo`,
      `wssgen: check ${target()} by hand: the last good config is in ${backup()} (compare: diff ${backup()} ${target()}); put the right one in place, run ${build.binary} -T -c ${nginx.mainConfig} && ${nginx.reload.join(" ")}, then remove ${journal()}`,
    ]);
    expect(readFileSync(target()).equals(good)).toBe(true);
    expect(existsSync(sidecar(target(), "lock"))).toBe(false);
  });

  it("temp files a killed apply left are removed by the next apply (only wssgen's, only of dead processes)", async () => {
    expect((await apply(config())).exitCode).toBe(0);
    const dead = spawnSync("true").pid;
    const names = [
      `.wssgen.conf.wssgen-tmp.${dead}.0123456789ab`,
      `..wssgen.conf.wssgen-backup.wssgen-tmp.${dead}.0123456789ab`,
      `..wssgen.conf.wssgen-journal.wssgen-tmp.${dead}.0123456789ab`,
      `.wssgen.conf.wssgen-lock.${dead}.1700000000000`,
    ];
    const kept = [
      `.wssgen.conf.wssgen-tmp.${process.pid}.0123456789ab`,
      `.other.conf.wssgen-tmp.${dead}.0123456789ab`,
      ".wssgen.conf.keep",
    ];
    for (const name of [...names, ...kept]) writeFileSync(join(nginx.confDir, name), "x");
    const r = await apply(config(V2));
    expect(r.exitCode, r.stderr).toBe(0);
    expect(r.stderr).toContain(`removed 4 temporary file(s) a killed apply left in ${nginx.confDir}`);
    expect(readdirSync(nginx.confDir).sort()).toEqual([".wssgen.conf.wssgen-backup", "wssgen.conf", ...kept].sort());
  });

  it("a writer killed in the middle of a write leaves a temp file that the next apply recognises and removes", async () => {
    expect((await apply(config())).exitCode).toBe(0);
    // a real writeFileAtomic, killed (SIGKILL) while it writes the target's temp file
    const script = join(work, "killed-writer.mts");
    writeFileSync(
      script,
      [
        `import { writeFileAtomic } from ${JSON.stringify(join(ROOT, "src/util/write-file.ts"))};`,
        `function* chunks() { yield "x".repeat(2 << 20); process.kill(process.pid, "SIGKILL"); }`,
        `await writeFileAtomic(${JSON.stringify(target())}, chunks());`,
      ].join("\n"),
    );
    const killed = spawnSync(process.execPath, ["--import", "tsx", script], { cwd: ROOT, encoding: "utf8" });
    expect(killed.signal, killed.stderr).toBe("SIGKILL");
    const left = readdirSync(nginx.confDir).filter((name) => name.includes("wssgen-tmp"));
    expect(left).toHaveLength(1);
    const r = await apply(config(V2));
    expect(r.exitCode, r.stderr).toBe(0);
    expect(r.stderr).toContain(`removed 1 temporary file(s) a killed apply left in ${nginx.confDir}`);
    expectHealthy();
  });
});

describe(`apply through a symlinked target (${build.label})`, () => {
  let nginx: NginxServer;
  let backend: Backend;
  let work: string;
  let sitePort: number;
  let available: string;

  beforeEach(async () => {
    sitePort = await freePort();
    nginx = startNginx(build, { basePort: await freePort() });
    backend = await startBackend("backend-a");
    work = mkdtempSync(join(tmpdir(), "wssgen-link-"));
    available = join(nginx.dir, "available");
    mkdirSync(available);
    // sites-enabled style: conf.d/wssgen.conf -> ../available/wssgen.conf, which does not exist yet
    symlinkSync("../available/wssgen.conf", join(nginx.confDir, "wssgen.conf"));
  });
  afterEach(async () => {
    nginx.stop();
    await backend.close();
    rmSync(work, { recursive: true, force: true });
  });

  const link = () => join(nginx.confDir, "wssgen.conf");
  const real = () => join(available, "wssgen.conf");
  const config = (tls = "") =>
    [
      `nginx: { binary: ${build.binary}, mainConfig: ${nginx.mainConfig}, target: ${link()}, reload: ${JSON.stringify(nginx.reload)} }`,
      `upstreams: { app: { servers: ["127.0.0.1:${backend.port}"] } }`,
      `sites:`,
      `  - domains: [localhost]`,
      `    listen: "127.0.0.1:${sitePort}"`,
      tls,
      `    routes: [{ path: /app, upstream: app, websocket: false }]`,
      "",
    ].join("\n");
  const apply = (yaml: string) => {
    writeFileSync(join(work, "wssgen.yaml"), yaml);
    return runCli(["apply", "--reload-timeout", "5s"], { cwd: work });
  };
  const expectLink = () => {
    expect(lstatSync(link()).isSymbolicLink()).toBe(true);
    expect(readlinkSync(link())).toBe("../available/wssgen.conf");
  };

  it("a dangling symlink is written through (creating the file it points to) and stays a link", async () => {
    const r = await apply(config());
    expect(r.exitCode, r.stderr).toBe(0);
    expectLink();
    expect(readFileSync(real(), "utf8")).toContain("# Generated by wssgen");
    expect((await httpGet(sitePort, "/app")).body).toBe("backend-a /app\n");
  });

  it("a failing first deploy through a dangling symlink leaves the dangling symlink as it was", async () => {
    const r = await apply(config("    tls: { certificate: /nonexistent/cert.pem, key: /nonexistent/key.pem }"));
    expect(r.exitCode).toBe(1);
    expect(r.stderr).toContain(`removed the new ${real()} (first deploy)`);
    expectLink();
    expect(existsSync(real())).toBe(false);
  });

  it("a rollback through a symlink restores the file it points to and keeps the link", async () => {
    expect((await apply(config())).exitCode).toBe(0);
    const good = readFileSync(real());
    const r = await apply(config("    tls: { certificate: /nonexistent/cert.pem, key: /nonexistent/key.pem }"));
    expect(r.exitCode).toBe(1);
    expectLink();
    expect(readFileSync(real()).equals(good)).toBe(true);
  });

  it.each([
    ["a symlink", () => undefined],
    [
      "a chain of two links",
      () => {
        // conf.d/wssgen.conf -> ../middle/wssgen.conf -> ../available/wssgen.conf
        mkdirSync(join(nginx.dir, "middle"));
        symlinkSync("../available/wssgen.conf", join(nginx.dir, "middle", "wssgen.conf"));
        unlinkSync(link());
        symlinkSync("../middle/wssgen.conf", link());
      },
    ],
  ])(
    "nginx's errors about the file (named by its link path) are mapped back to wssgen.yaml through %s",
    async (_name, arrange) => {
      arrange();
      writeFileSync(real(), "# the last good config\n");
      const r = await apply(config().replace(`127.0.0.1:${backend.port}`, "nosuchhost.invalid:1"));
      expect(r.exitCode).toBe(1);
      // nginx names the path it opened (through the include glob: the link), not the file written
      expect(r.stderr).toMatch(
        new RegExp(
          `wssgen\\.yaml:2:\\d+ upstreams\\.app\\.servers\\[0\\]: nginx -t: host not found in upstream "nosuchhost\\.invalid:1" \\(${link().replace(/[.]/g, "\\.")}:\\d+\\)`,
        ),
      );
      expect(r.stderr).not.toMatch(/wssgen: nginx: host not found/);
      expect(readFileSync(real(), "utf8")).toBe("# the last good config\n");
    },
  );
});

async function waitFor(check: () => Promise<boolean>): Promise<void> {
  for (let i = 0; i < 200; i++) {
    if (await check()) return;
    await new Promise((r) => setTimeout(r, 25));
  }
  throw new Error("timed out");
}

/**
 * Let's Encrypt through a real nginx (1.22, 1.26, 1.30) and real clients: HTTP-01 challenges are
 * served from `acme.webroot` before the https redirect (SPEC §7), and the first deploy works before
 * any certificate exists (`wssgen apply` serves the challenge and prints the certbot command; the
 * deploy hook it names serves wss:// once the certificate is there, and reloads after a renewal).
 */
import { execFileSync } from "node:child_process";
import { chmodSync, copyFileSync, mkdirSync, mkdtempSync, renameSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { request } from "node:http";
import { connect } from "node:net";
import { tmpdir } from "node:os";
import { basename, join, relative } from "node:path";
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { readFileSync } from "node:fs";
import { startBackend, wsEcho, type Backend } from "../helpers/backend.js";
import { makeCertDir } from "../helpers/certs.js";
import { runCli } from "../helpers/cli.js";
import { nginxBuilds } from "../helpers/nginx.js";
import { startNginx, type NginxServer } from "../helpers/nginx-server.js";
import { BIN } from "../helpers/paths.js";
import { freePort } from "../helpers/ports.js";
import { startStack, type Stack } from "../helpers/stack.js";

const CHALLENGE = "/.well-known/acme-challenge/";

/** A webroot nginx's workers (nobody) can read, holding one challenge file; returns its token and content. */
function makeWebroot(): { dir: string; token: string; content: string } {
  const dir = mkdtempSync(join(tmpdir(), "wssgen-acme-"));
  mkdirSync(join(dir, CHALLENGE), { recursive: true });
  for (const d of [dir, join(dir, ".well-known"), join(dir, CHALLENGE)]) chmodSync(d, 0o755);
  // as certbot writes it: a base64url token, the key authorization as content
  const token = "Xm5tQ7_dPq-3hYvL0aZ2";
  const content = `${token}.k9Jd1-EyUfWq0pzR8sT3vN6bH2cX4aLmYoIiGtKu5w`;
  writeFileSync(join(dir, CHALLENGE, token), content, { mode: 0o644 });
  return { dir, token, content };
}

/** One plain GET over a fresh connection to any loopback address. */
function get(
  port: number,
  path: string,
  address = "127.0.0.1",
): Promise<{ status: number; body: string; location: string | undefined; type: string | undefined }> {
  return new Promise((resolve, reject) => {
    const req = request({ host: address, port, path, agent: false, timeout: 5000, headers: { host: "localhost" } }, (res) => {
      let body = "";
      res.on("data", (chunk: Buffer) => (body += chunk.toString()));
      res.on("end", () =>
        resolve({ status: res.statusCode ?? 0, body, location: res.headers.location, type: res.headers["content-type"] }),
      );
    });
    req.on("timeout", () => req.destroy(new Error("timeout")));
    req.on("error", reject);
    req.end();
  });
}

/** Whether anything accepts TCP connections on a loopback port. */
function listening(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ host: "127.0.0.1", port });
    socket.once("connect", () => {
      socket.destroy();
      resolve(true);
    });
    socket.once("error", () => resolve(false));
  });
}

/** The words sh makes of a command line. */
function shellWords(line: string): string[] {
  return execFileSync("sh", ["-c", `printf '%s\\0' ${line}`], { encoding: "utf8" })
    .split("\0")
    .slice(0, -1);
}

const builds = nginxBuilds().map((b) => [b.label, b] as const);

describe.each(builds)("ACME challenges through %s", (_label, build) => {
  let stack: Stack;
  let webroot: ReturnType<typeof makeWebroot>;
  // port 80 of an address of its own: a TLS site without redirectHttp answers challenges on port 80 of its listen address
  const quiet = `127.${1 + Math.floor(Math.random() * 250)}.${1 + Math.floor(Math.random() * 250)}.${1 + Math.floor(Math.random() * 250)}`;
  beforeAll(async () => {
    webroot = makeWebroot();
    stack = await startStack(build, {
      backends: ["app"],
      ports: ["tls", "http", "quietTls", "plain"],
      yaml: (ctx) => `
upstreams: { app: { servers: ["${ctx.backend("app")}"] } }
sites:
  - name: redirecting
    domains: [localhost]
    listen: "127.0.0.1:${ctx.port("tls")}"
    tls: { certificate: ${ctx.certs.certificate}, key: ${ctx.certs.key} }
    acme: { webroot: ${webroot.dir} }
    redirectHttp: { listen: "127.0.0.1:${ctx.port("http")}" }
    routes: [{ path: /ws, upstream: app }]
  - name: quiet
    domains: [localhost]
    listen: "${quiet}:${ctx.port("quietTls")}"
    tls: { certificate: ${ctx.certs.certificate}, key: ${ctx.certs.key} }
    acme: { webroot: ${webroot.dir} }
    redirectHttp: false
    routes: [{ path: /ws, upstream: app }]
  - name: plain
    domains: [localhost]
    listen: "127.0.0.1:${ctx.port("plain")}"
    acme: { webroot: ${webroot.dir} }
    routes: [{ path: /ws, upstream: app }, { path: /, upstream: app, websocket: false }]
`,
    });
  });
  afterAll(async () => {
    await stack?.stop();
    rmSync(webroot.dir, { recursive: true, force: true });
  });

  it("with redirectHttp: the challenge file is served on the http port, other paths redirect, wss:// upgrades", async () => {
    const { http, tls } = stack.ports;
    const challenge = await get(http!, `${CHALLENGE}${webroot.token}`);
    expect(challenge).toMatchObject({ status: 200, body: webroot.content, type: "text/plain" });
    const other = await get(http!, "/other?x=1");
    expect(other).toMatchObject({ status: 301, location: `https://localhost:${tls!}/other?x=1` });
    // a token that is not there is the webroot's 404, never the redirect (certbot would follow it to https)
    const missing = await get(http!, `${CHALLENGE}no-such-token`);
    expect(missing.status).toBe(404);
    expect(missing.location).toBeUndefined();
    const ca = readFileSync(stack.certs.ca);
    expect(await wsEcho(`wss://localhost:${tls!}/ws`, "hi", { ca })).toBe("app: hi");
  });

  it("without redirectHttp: the challenge is served on port 80 and other paths get 404", async () => {
    const challenge = await get(80, `${CHALLENGE}${webroot.token}`, quiet);
    expect(challenge).toMatchObject({ status: 200, body: webroot.content });
    const other = await get(80, "/other", quiet);
    expect(other.status).toBe(404);
    expect(other.location).toBeUndefined();
    expect((await get(80, `${CHALLENGE}no-such-token`, quiet)).status).toBe(404);
  });

  it("on a plain site the challenge is served inside the site, beside its routes; the socket still upgrades", async () => {
    const { plain } = stack.ports;
    expect(await get(plain!, `${CHALLENGE}${webroot.token}`)).toMatchObject({ status: 200, body: webroot.content });
    expect((await get(plain!, `${CHALLENGE}no-such-token`)).status).toBe(404);
    // the site's own "/" route still gets everything else
    expect(await get(plain!, "/other")).toMatchObject({ status: 200, body: "app /other\n" });
    expect(await wsEcho(`ws://127.0.0.1:${plain!}/ws`, "plain")).toBe("app: plain");
  });
});

describe.each(builds)("the first deploy of a Let's Encrypt site through `wssgen apply`, on %s", (_label, build) => {
  let nginx: NginxServer;
  let backend: Backend;
  let work: string;
  let webroot: ReturnType<typeof makeWebroot>;
  let shim: string;
  let ports: { tls: number; http: number };
  beforeEach(async () => {
    nginx = startNginx(build, { basePort: await freePort() });
    backend = await startBackend("app");
    work = mkdtempSync(join(tmpdir(), "wssgen-acme-apply-"));
    webroot = makeWebroot();
    ports = { tls: await freePort(), http: await freePort() };
    // `wssgen` on PATH, as certbot's deploy hook finds it
    shim = join(work, "bin");
    mkdirSync(shim);
    writeFileSync(join(shim, "wssgen"), `#!/bin/sh\nexec ${JSON.stringify(process.execPath)} ${JSON.stringify(BIN)} "$@"\n`, {
      mode: 0o755,
    });
  });
  afterEach(async () => {
    nginx.stop();
    await backend.close();
    rmSync(work, { recursive: true, force: true });
    rmSync(webroot.dir, { recursive: true, force: true });
  });

  it("serves the challenge without a certificate, prints the certbot command, and serves wss:// once its deploy hook runs", async () => {
    const live = join(work, "letsencrypt", "live", "localhost");
    const config = join(work, "wssgen.yaml");
    writeFileSync(
      config,
      [
        `nginx:`,
        `  binary: ${JSON.stringify(build.binary)}`,
        `  mainConfig: ${JSON.stringify(nginx.mainConfig)}`,
        `  target: ${JSON.stringify(join(nginx.confDir, "wssgen.conf"))}`,
        `  reload: ${JSON.stringify(nginx.reload)}`,
        `upstreams: { app: { servers: ["127.0.0.1:${backend.port}"] } }`,
        `sites:`,
        `  - domains: [localhost]`,
        `    listen: "127.0.0.1:${ports.tls}"`,
        `    tls: { certificate: ${join(live, "fullchain.pem")}, key: ${join(live, "privkey.pem")} }`,
        `    acme: { webroot: ${webroot.dir} }`,
        `    redirectHttp: { listen: "127.0.0.1:${ports.http}" }`,
        `    routes: [{ path: /ws, upstream: app, origins: ["https://localhost:${ports.tls}"] }]`,
        "",
      ].join("\n"),
    );
    const apply = () => runCli(["apply", "--reload-timeout", "5s"], { cwd: work });
    // certbot's --config-dir: its live/ directory is not under /etc/letsencrypt here
    const command = `certbot certonly --webroot -w ${webroot.dir} -d localhost --config-dir ${join(work, "letsencrypt")} --deploy-hook "wssgen apply -c ${config}"`;

    // 1. no certificate: exit 0, the challenge is served, the TLS port is closed, and the command is printed
    const first = await apply();
    expect(first.exitCode, first.stderr).toBe(0);
    expect(first.stderr).toContain(`applied ${join(nginx.confDir, "wssgen.conf")}`);
    expect(first.stderr).toContain(
      `localhost has no certificate yet (${join(live, "fullchain.pem")} does not exist): its http server (127.0.0.1:${ports.http}) answers only ACME challenges, from ${webroot.dir}, and its TLS server is left out until the certificate exists; get it with:`,
    );
    expect(first.stderr.split("\n")).toContain(`  ${command}`);
    expect(first.stderr).toContain("that `wssgen apply` serves wss://");
    expect(await get(ports.http, `${CHALLENGE}${webroot.token}`)).toMatchObject({ status: 200, body: webroot.content });
    expect((await get(ports.http, "/other")).status).toBe(404);
    expect(await listening(ports.tls)).toBe(false);

    // 2. again before certbot ran: nothing to do, and the same advice
    const again = await apply();
    expect(again.exitCode).toBe(0);
    expect(again.stderr).toContain("is up to date; nothing to do");
    expect(again.stderr.split("\n")).toContain(`  ${command}`);

    // 3. certbot writes the certificate where the config reads it, then runs the deploy hook as printed
    const issued = makeCertDir(["localhost"]);
    try {
      installLineage(live, 1, issued);
      const hook = shellWords(command).at(-1)!;
      const deployed = await runShell(hook, shim);
      expect(deployed.exitCode, deployed.stderr).toBe(0);
      expect(deployed.stderr).toContain(`applied ${join(nginx.confDir, "wssgen.conf")}`);
      expect(deployed.stderr).not.toContain("no certificate yet");
      const ca = readFileSync(issued.ca);
      expect(await wsEcho(`wss://localhost:${ports.tls}/ws`, "secure", { ca, origin: `https://localhost:${ports.tls}` })).toBe(
        "app: secure",
      );
      expect(await get(ports.http, `${CHALLENGE}${webroot.token}`)).toMatchObject({ status: 200, body: webroot.content });
      expect(await get(ports.http, "/other")).toMatchObject({ status: 301, location: `https://localhost:${ports.tls}/other` });

      // 4. a renewal: new files at the same paths, the config unchanged; the hook reloads nginx
      const renewed = makeCertDir(["localhost"]);
      try {
        installLineage(live, 2, renewed);
        const newCa = readFileSync(renewed.ca);
        // nginx still serves the certificate it loaded: a client that trusts only the new CA fails
        await expect(wsEcho(`wss://localhost:${ports.tls}/ws`, "x", { ca: newCa })).rejects.toThrow();
        const reloaded = await runShell(hook, shim);
        expect(reloaded.exitCode, reloaded.stderr).toBe(0);
        expect(reloaded.stderr).toContain("certificate files it names changed since nginx loaded them");
        expect(reloaded.stderr).toContain("reloaded nginx: it serves the renewed certificates");
        expect(await wsEcho(`wss://localhost:${ports.tls}/ws`, "renewed", { ca: newCa })).toBe("app: renewed");
        // and once loaded, the next apply has nothing to do
        expect((await runShell(hook, shim)).stderr).toContain("is up to date; nothing to do");
      } finally {
        rmSync(renewed.dir, { recursive: true, force: true });
      }
    } finally {
      rmSync(issued.dir, { recursive: true, force: true });
    }
  });
});

/**
 * Puts a certificate where certbot does: the files in archive/NAME/ numbered by issue, and live/NAME/
 * symlinks to the newest, each replaced atomically (a new link renamed over the old one). New files
 * on each renewal matter: nginx 1.27.2+ keeps loaded certificates across reloads while their file
 * looks unchanged (same inode and mtime).
 */
function installLineage(live: string, n: number, certs: { certificate: string; key: string }): void {
  const archive = join(live, "..", "..", "archive", basename(live));
  mkdirSync(archive, { recursive: true });
  mkdirSync(live, { recursive: true });
  for (const [name, from] of [
    ["fullchain", certs.certificate],
    ["privkey", certs.key],
  ] as const) {
    copyFileSync(from, join(archive, `${name}${n}.pem`));
    const link = join(live, `${name}.pem`);
    symlinkSync(relative(live, join(archive, `${name}${n}.pem`)), `${link}.new`);
    renameSync(`${link}.new`, link);
  }
}

/** Runs a command line with sh, as certbot runs a deploy hook, with `bin` first on PATH. */
async function runShell(line: string, bin: string): Promise<{ exitCode: number; stderr: string }> {
  const { execa } = await import("execa");
  const r = await execa("sh", ["-c", line], {
    reject: false,
    env: { PATH: `${bin}:${process.env.PATH ?? ""}`, NO_COLOR: "1", CI: "true" },
  });
  return { exitCode: r.exitCode ?? -1, stderr: String(r.stderr) };
}

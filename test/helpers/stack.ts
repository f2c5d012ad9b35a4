/**
 * An end-to-end stack per test file: real WebSocket backends, certificates made for the run, and a
 * real nginx serving what wssgen rendered from a YAML config, rendered for that nginx's own version.
 * `stop()` tears everything down; call it in afterAll so it runs even when a test fails.
 */
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseConfig } from "../../src/config/load.js";
import { formatVersion } from "../../src/nginx-version/version.js";
import { render } from "../../src/render/render.js";
import { startBackend, type Backend } from "./backend.js";
import { makeCertDir, type CertDir } from "./certs.js";
import { runCli } from "./cli.js";
import type { NginxBuild } from "./nginx.js";
import { startNginx, type NginxServer } from "./nginx-server.js";
import { freePort } from "./ports.js";

export interface Stack {
  nginx: NginxServer;
  backends: Record<string, Backend>;
  /** the loopback ports the YAML asked for by name */
  ports: Record<string, number>;
  certs: CertDir;
  output: string;
  /** with `cli: true`: what `wssgen render` wrote to standard error (its lint findings) */
  lint: string;
  stop(): Promise<void>;
}

export interface StackContext {
  port(name: string): number;
  backend(name: string): string;
  certs: CertDir;
}

export async function startStack(
  build: NginxBuild,
  options: {
    backends: string[];
    ports: string[];
    yaml: (ctx: StackContext) => string;
    /** http-level lines for nginx's main config (startNginx's extraHttp): types, gzip, ... */
    extraHttp?: string;
    /**
     * render with the real CLI (`node bin/wssgen.js render -c <file> --nginx-version <build's>`, of
     * dist/, which the global setup builds) instead of in-process; it must exit 0. The build's
     * OpenSSL is not passed (the CLI has no flag for it): for configs without TLS.
     */
    cli?: boolean;
  },
): Promise<Stack> {
  const certs = makeCertDir(["localhost", "127.0.0.1", "chat.example.com"]);
  const backends: Record<string, Backend> = {};
  for (const name of options.backends) backends[name] = await startBackend(name);
  const ports: Record<string, number> = {};
  for (const name of options.ports) ports[name] = await freePort();
  const ctx: StackContext = {
    port: (name) => ports[name] ?? fail(`unknown port ${name}`),
    backend: (name) => `127.0.0.1:${backends[name]?.port ?? fail(`unknown backend ${name}`)}`,
    certs,
  };
  let output: string;
  let lint = "";
  if (options.cli) {
    const dir = mkdtempSync(join(tmpdir(), "wssgen-stack-"));
    try {
      writeFileSync(join(dir, "wssgen.yaml"), options.yaml(ctx));
      const run = await runCli(["render", "-c", "wssgen.yaml", "--nginx-version", formatVersion(build.version)], { cwd: dir });
      if (run.exitCode !== 0) throw new Error(`wssgen render exited ${run.exitCode}: ${run.stderr}`);
      output = run.stdout;
      lint = run.stderr;
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  } else {
    const { config } = parseConfig("wssgen.yaml", options.yaml(ctx), {});
    output = render(config, { version: build.version, openssl: build.openssl });
  }
  const nginx = startNginx(build, {
    basePort: await freePort(),
    confFiles: { "wssgen.conf": output },
    extraHttp: options.extraHttp,
  });
  return {
    nginx,
    backends,
    ports,
    certs,
    output,
    lint,
    async stop() {
      nginx.stop();
      await Promise.all(Object.values(backends).map((b) => b.close()));
      rmSync(certs.dir, { recursive: true, force: true });
    },
  };
}

function fail(message: string): never {
  throw new Error(message);
}

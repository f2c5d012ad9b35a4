/**
 * A real nginx master for integration tests: its own temp prefix, main config, pid and error log, on
 * loopback high ports, including `conf.d/*.conf` where wssgen deploys. Stopped even when a test fails.
 */
import { spawnSync } from "node:child_process";
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync, chmodSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { TEMP_PATHS } from "../../src/check/sandbox.js";
import type { NginxBuild } from "./nginx.js";

export interface NginxServer {
  dir: string;
  mainConfig: string;
  confDir: string;
  pidFile: string;
  errorLog: string;
  /** argv that reloads this nginx */
  reload: string[];
  masterPid(): number | undefined;
  /** stops nginx (and waits for it) but keeps the files */
  kill(): Promise<void>;
  stop(): void;
}

export function startNginx(
  build: NginxBuild,
  options: { basePort: number; extraHttp?: string; confFiles?: Record<string, string> },
): NginxServer {
  const dir = mkdtempSync(join(tmpdir(), "wssgen-nginx-"));
  chmodSync(dir, 0o755); // workers run as nobody and read nothing here, but tests as other users may
  const confDir = join(dir, "conf.d");
  mkdirSync(confDir);
  mkdirSync(join(dir, "temp"));
  for (const [name, text] of Object.entries(options.confFiles ?? {})) writeFileSync(join(confDir, name), text);
  const pidFile = join(dir, "nginx.pid");
  const errorLog = join(dir, "error.log");
  const mainConfig = join(dir, "nginx.conf");
  writeFileSync(
    mainConfig,
    [
      `pid ${pidFile};`,
      `error_log ${errorLog} notice;`,
      "worker_processes 1;",
      "events { worker_connections 256; }",
      "http {",
      "    access_log off;",
      ...TEMP_PATHS.map((name) => `    ${name}_temp_path ${join(dir, "temp", name)};`),
      `    server { listen 127.0.0.1:${options.basePort}; location = /base { return 200 "base\\n"; } }`,
      options.extraHttp ?? "",
      `    include ${confDir}/*.conf;`,
      "}",
      "",
    ].join("\n"),
  );
  const started = spawnSync(build.binary, ["-c", mainConfig], { encoding: "utf8" });
  if (started.status !== 0) throw new Error(`nginx did not start: ${started.stderr}`);
  const server: NginxServer = {
    dir,
    mainConfig,
    confDir,
    pidFile,
    errorLog,
    reload: [build.binary, "-c", mainConfig, "-s", "reload"],
    masterPid() {
      try {
        return Number.parseInt(readFileSync(pidFile, "utf8"), 10) || undefined;
      } catch {
        return undefined;
      }
    },
    async kill() {
      const pid = server.masterPid();
      if (!pid) return;
      process.kill(pid, "SIGTERM");
      for (let i = 0; i < 200; i++) {
        try {
          process.kill(pid, 0);
        } catch {
          return;
        }
        await new Promise((r) => setTimeout(r, 25));
      }
    },
    stop() {
      const pid = server.masterPid();
      if (pid) {
        try {
          process.kill(pid, "SIGTERM");
        } catch {
          // already gone
        }
      }
      rmSync(dir, { recursive: true, force: true });
    },
  };
  return server;
}

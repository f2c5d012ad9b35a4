/**
 * `defaultServer: reject` beside another file's `listen ... default_server` (Debian's and Ubuntu's
 * stock site), through a real nginx (1.22, 1.26, 1.30): `check` warns from the main config it
 * reads, and `apply` fails with nginx's message explained at the defaultServer key, leaving the
 * previous config in place and nginx serving it.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { explainNginxMessage } from "../../src/check/errors-map.js";
import { startBackend, wsEcho, type Backend } from "../helpers/backend.js";
import { runCli } from "../helpers/cli.js";
import { nginxBuilds } from "../helpers/nginx.js";
import { startNginx, type NginxServer } from "../helpers/nginx-server.js";
import { freePort } from "../helpers/ports.js";

const FIX =
  "nginx allows one per address: remove that file or its default_server (Debian and Ubuntu enable a stock site there: `rm /etc/nginx/sites-enabled/default`), or set defaultServer: off";

describe("explainNginxMessage", () => {
  const message = (file: string | undefined, line: number | undefined) => ({
    level: "emerg",
    text: "a duplicate default server for 0.0.0.0:80",
    file,
    line,
  });
  it("names the other file and line nginx gave, at defaultServer", () => {
    expect(
      explainNginxMessage(message("/etc/nginx/sites-enabled/default", 22), { defaultServer: "reject" }, [
        "/etc/nginx/conf.d/wssgen.conf",
      ]),
    ).toEqual({
      path: ["defaultServer"],
      text: `/etc/nginx/sites-enabled/default:22 already claims the default server for 0.0.0.0:80 (listen ... default_server), and defaultServer: reject claims it for wssgen's catch-all; ${FIX}`,
    });
  });
  it("when nginx names wssgen's own file, the other one was read before it", () => {
    expect(
      explainNginxMessage(message("/etc/nginx/conf.d/wssgen.conf", 9), { defaultServer: "reject" }, [
        "/etc/nginx/conf.d/wssgen.conf",
      ])?.text,
    ).toMatch(/^another file nginx reads before wssgen's \(`grep -rn default_server \/etc\/nginx` finds it\) already claims/);
  });
  it("explains nothing else, nor the message without defaultServer: reject", () => {
    expect(explainNginxMessage(message("/x.conf", 1), { defaultServer: "off" }, [])).toBeUndefined();
    expect(
      explainNginxMessage(
        { level: "emerg", text: 'unknown directive "x"', file: "/x", line: 1 },
        { defaultServer: "reject" },
        [],
      ),
    ).toBeUndefined();
  });
});

describe.each(nginxBuilds().map((b) => [b.label, b] as const))(
  "defaultServer: reject beside another default server, on %s",
  (_label, build) => {
    let nginx: NginxServer | undefined;
    let backend: Backend;
    let work: string;
    let port: number;
    beforeEach(async () => {
      backend = await startBackend("app");
      work = mkdtempSync(join(tmpdir(), "wssgen-default-server-"));
      port = await freePort();
    });
    afterEach(async () => {
      nginx?.stop();
      nginx = undefined;
      await backend.close();
      rmSync(work, { recursive: true, force: true });
    });

    /** A site on 127.0.0.1:port; `other` is the file that claims the default server there too. */
    const start = async (other: string) => {
      const stock = [
        "# the distribution's default site",
        "server {",
        `    listen 127.0.0.1:${port} default_server;`,
        "    return 200 'stock';",
        "}",
        "",
      ];
      nginx = startNginx(build, { basePort: await freePort(), confFiles: { [other]: stock.join("\n") } });
      return { file: join(nginx.confDir, other), line: 3 };
    };
    const config = (defaultServer: "reject" | "off") =>
      [
        `nginx:`,
        `  binary: ${JSON.stringify(build.binary)}`,
        `  mainConfig: ${JSON.stringify(nginx!.mainConfig)}`,
        `  target: ${JSON.stringify(join(nginx!.confDir, "wssgen.conf"))}`,
        `  reload: ${JSON.stringify(nginx!.reload)}`,
        `defaultServer: ${defaultServer}`,
        `upstreams: { app: { servers: ["127.0.0.1:${backend.port}"] } }`,
        `sites:`,
        `  - domains: [localhost, 127.0.0.1]`,
        `    listen: "127.0.0.1:${port}"`,
        `    routes: [{ path: /ws, upstream: app, origins: ["http://localhost:${port}"], maxConnectionsPerIp: 10 }]`,
        "",
      ].join("\n");
    const write = (defaultServer: "reject" | "off") => writeFileSync(join(work, "wssgen.yaml"), config(defaultServer));

    it("read after wssgen's file (Debian's order): check warns, apply names that file and line and keeps the previous config", async () => {
      const other = await start("zz-default.conf"); // conf.d/*.conf sorts it after wssgen.conf
      write("off");
      const first = await runCli(["apply", "--reload-timeout", "5s"], { cwd: work });
      expect(first.exitCode, first.stderr).toBe(0);
      const deployed = readFileSync(join(nginx!.confDir, "wssgen.conf"));

      write("reject");
      const check = await runCli(["check", "--nginx", "require"], { cwd: work });
      expect(check.exitCode, check.stdout).toBe(0); // a warning: this machine's config, not the file's
      expect(check.stdout).toContain(
        `wssgen.yaml:6:16 defaultServer: warning: nginx -t of ${nginx!.mainConfig} will fail with "a duplicate default server for 127.0.0.1:${port}": ${other.file}:${other.line} already claims the default server for 127.0.0.1:${port} (listen ... default_server), and defaultServer: reject claims it for wssgen's catch-all; ${FIX} [nginx]`,
      );
      expect((await runCli(["check", "--nginx", "require", "--strict"], { cwd: work })).exitCode).toBe(1);

      const r = await runCli(["apply", "--reload-timeout", "5s"], { cwd: work });
      expect(r.exitCode).toBe(1);
      expect(r.stderr).toContain(
        `wssgen.yaml:6:16 defaultServer: nginx -t: a duplicate default server for 127.0.0.1:${port} (${other.file}:${other.line}): ${other.file}:${other.line} already claims the default server for 127.0.0.1:${port} (listen ... default_server), and defaultServer: reject claims it for wssgen's catch-all; ${FIX}`,
      );
      expect(r.stderr).toContain(`restored ${join(nginx!.confDir, "wssgen.conf")} byte for byte; nginx was not reloaded`);
      expect(readFileSync(join(nginx!.confDir, "wssgen.conf"))).toEqual(deployed);
      expect(await wsEcho(`ws://127.0.0.1:${port}/ws`, "still")).toBe("app: still");
    });

    it("read before wssgen's file: nginx names wssgen's listen, and the message says where to look", async () => {
      const other = await start("00-default.conf");
      write("reject");
      const check = await runCli(["check", "--nginx", "require"], { cwd: work });
      expect(check.stdout).toContain(`${other.file}:${other.line} already claims the default server for 127.0.0.1:${port}`);
      const r = await runCli(["apply", "--reload-timeout", "5s"], { cwd: work });
      expect(r.exitCode).toBe(1);
      expect(r.stderr).toMatch(
        new RegExp(
          `wssgen\\.yaml:6:16 defaultServer: nginx -t: a duplicate default server for 127\\.0\\.0\\.1:${port} \\(${join(nginx!.confDir, "wssgen.conf").replace(/[.]/g, "\\.")}:\\d+\\): another file nginx reads before wssgen's`,
        ),
      );
      expect(r.stderr).toContain("removed the new");
    });

    it("without defaultServer: reject, both live side by side", async () => {
      await start("zz-default.conf");
      write("off");
      const check = await runCli(["check", "--nginx", "require", "--strict"], { cwd: work });
      expect(check.stdout).not.toContain("default server");
      expect((await runCli(["apply", "--reload-timeout", "5s"], { cwd: work })).exitCode).toBe(0);
    });
  },
);

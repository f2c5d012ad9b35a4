/**
 * `check`'s reading of the real main config for other `default_server` claims (src/check/default-server.ts):
 * includes in any context, relative to the main config, globs in nginx's order; the listen forms
 * nginx accepts; wssgen's own target skipped. The same through real nginx: test/deploy/default-server.test.ts.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { conflictingDefaultServers } from "../../src/check/default-server.js";
import { parseConfig } from "../../src/config/load.js";

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), "wssgen-default-server-"));
  mkdirSync(join(dir, "sites-enabled"));
  mkdirSync(join(dir, "conf.d"));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

/** `listen`: as YAML */
const config = (defaultServer: string, listen = "80") =>
  parseConfig(
    "wssgen.yaml",
    `nginx: { mainConfig: ${join(dir, "nginx.conf")}, target: ${join(dir, "conf.d", "wssgen.conf")} }
defaultServer: ${defaultServer}
upstreams: { app: { servers: ["127.0.0.1:9000"] } }
sites:
  - domains: [a.example.com]
    listen: ${listen}
    routes: [{ path: /ws, upstream: app }]
`,
    {},
  ).config;

/** Debian's layout: nginx.conf includes conf.d/*.conf and sites-enabled/* inside http {}. */
function debian(stock: string): void {
  writeFileSync(
    join(dir, "nginx.conf"),
    ["user www-data;", "events {}", "http {", "    include conf.d/*.conf;", "    include sites-enabled/*;", "}", ""].join("\n"),
  );
  writeFileSync(join(dir, "sites-enabled", "default"), stock);
}

describe("conflictingDefaultServers", () => {
  it("finds Debian's stock site through an include inside http {}, with its lines, per file", async () => {
    debian(
      [
        "# Default server configuration",
        "#",
        "server {",
        "\tlisten 80 default_server;",
        "\tlisten [::]:80 default_server;",
        "",
        "\t# SSL configuration",
        "\t#",
        "\t# listen 443 ssl default_server;",
        "\troot /var/www/html;",
        "}",
        "",
      ].join("\n"),
    );
    expect(await conflictingDefaultServers(config("reject"))).toEqual([
      { addresses: ["0.0.0.0:80", "[::]:80"], file: join(dir, "sites-enabled", "default"), lines: [4, 5] },
    ]);
  });
  it("only with defaultServer: reject, and only on an address wssgen listens on", async () => {
    debian("server { listen 80 default_server; }\n");
    expect(await conflictingDefaultServers(config("off"))).toEqual([]);
    expect(await conflictingDefaultServers(config("reject", '"127.0.0.1:8080"'))).toEqual([]);
  });
  it("reads nginx's listen forms: an address alone is port 80, *:port is every IPv4 address, `default` is the old spelling", async () => {
    debian(
      [
        "server { listen 0.0.0.0:8080 default; }",
        "server {",
        "    listen *:8443 ssl default_server;",
        "    listen 127.0.0.1 default_server;",
        "    listen unix:/run/x.sock default_server;",
        "    listen 9000;",
        "}",
        "",
      ].join("\n"),
    );
    const claims = await conflictingDefaultServers(config("reject", '["8080", "8443", "127.0.0.1:80", "9000"]'));
    expect(claims).toEqual([
      {
        addresses: ["0.0.0.0:8080", "0.0.0.0:8443", "127.0.0.1:80"],
        file: join(dir, "sites-enabled", "default"),
        lines: [1, 3, 4],
      },
    ]);
  });
  it("skips wssgen's own target, and files it cannot read or parse", async () => {
    debian("server { listen 80 default_server;\n");
    writeFileSync(join(dir, "conf.d", "wssgen.conf"), "server { listen 80 default_server; }\n");
    expect(await conflictingDefaultServers(config("reject"))).toEqual([]);
    rmSync(join(dir, "nginx.conf"));
    expect(await conflictingDefaultServers(config("reject"))).toEqual([]);
  });
});

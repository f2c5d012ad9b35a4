/**
 * `directives` through a real nginx (1.22, 1.26 and 1.30), with real clients (SPEC §7):
 * - a route's `add_header` entry keeps the site's HSTS header and the top level's headers (nginx
 *   alone would drop them: add_header is inherited only into a level that has none);
 * - a route with `proxy_buffer_size 16k` (and the `proxy_buffers` nginx then needs) passes nginx -t
 *   and still upgrades;
 * - nginx reads each entry's arguments as wssgen's lexer read them (quotes, escapes, `;`, `{`, `}`,
 *   `#` inside arguments), as the response headers show;
 * - an entry nginx -t rejects (an unknown directive, a bad argument) is reported by `check` and
 *   `apply` at that entry's key, file:line:col, and apply leaves the old file and nginx as they were.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { request, type RequestOptions } from "node:https";
import type { IncomingHttpHeaders } from "node:http";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { readDirective } from "../../src/config/directives.js";
import { ExitCode } from "../../src/errors.js";
import { httpGet, startBackend, wsEcho, type Backend } from "../helpers/backend.js";
import { runCli } from "../helpers/cli.js";
import { nginxBuilds } from "../helpers/nginx.js";
import { startNginx, type NginxServer } from "../helpers/nginx-server.js";
import { freePort } from "../helpers/ports.js";
import { startStack, type Stack } from "../helpers/stack.js";

const HSTS = "max-age=63072000";
/** Header values written the ways nginx's lexer allows, each read back from a response. */
const TRICKY = [
  "'a;b'",
  '"x{y}z"',
  "a\\;b",
  "'it\"s'",
  '"q\\"r"',
  "a}b",
  "a#b",
  '"#c"',
  '"a\\\\b"',
  '"a\\x"',
  "a\\\\b",
  "a\\'b",
  "caf\u00e9\u00a0ok",
];

/** An HTTPS GET that trusts `ca`, on a fresh connection. */
function httpsGet(port: number, path: string, ca: string): Promise<{ status: number; headers: IncomingHttpHeaders }> {
  return new Promise((resolve, reject) => {
    const options: RequestOptions = { host: "127.0.0.1", port, path, servername: "localhost", ca, agent: false, timeout: 5000 };
    const req = request({ ...options, headers: { host: "localhost" } }, (res) => {
      res.resume();
      res.on("end", () => resolve({ status: res.statusCode ?? 0, headers: res.headers }));
    });
    req.on("timeout", () => req.destroy(new Error("timeout")));
    req.on("error", reject);
    req.end();
  });
}
/** node reads header bytes as latin1: the UTF-8 text nginx sent. */
const utf8 = (value: string | string[] | undefined) =>
  typeof value === "string" ? Buffer.from(value, "latin1").toString("utf8") : value;

describe.each(nginxBuilds().map((b) => [b.label, b] as const))("directives through %s", (_label, build) => {
  describe("traffic", () => {
    let stack: Stack;
    let ca: string;
    beforeAll(async () => {
      stack = await startStack(build, {
        backends: ["app"],
        ports: ["tls"],
        yaml: (ctx) => `
directives: ["proxy_headers_hash_max_size 1024"]
upstreams:
  app: { servers: ["${ctx.backend("app")}"] }
sites:
  - domains: [localhost]
    listen: "127.0.0.1:${ctx.port("tls")}"
    tls: { certificate: ${JSON.stringify(ctx.certs.certificate)}, key: ${JSON.stringify(ctx.certs.key)} }
    redirectHttp: false
    routes:
      - path: /ws
        upstream: app
        directives: ["add_header X-Route yes always"]
      - path: /big
        upstream: app
        directives: ["proxy_buffers 8 16k", "proxy_buffer_size 16k"]
      - path: /echo
        upstream: app
        websocket: false
        directives: ${JSON.stringify(TRICKY.map((value, i) => `add_header X-E${i} ${value}`))}
`,
      });
      ca = readFileSync(stack.certs.ca, "utf8");
    });
    afterAll(() => stack.stop());

    it("a route's add_header keeps the site's HSTS header (SPEC §7)", async () => {
      const ws = await httpsGet(stack.ports.tls!, "/ws", ca); // the backend asks for an upgrade: 426
      expect(ws.status).toBe(426);
      expect(ws.headers["x-route"]).toBe("yes");
      expect(ws.headers["strict-transport-security"]).toBe(HSTS);
      // a route without add_header inherits the server's: HSTS, nothing of /ws
      const big = await httpsGet(stack.ports.tls!, "/big", ca);
      expect(big.status).toBe(200);
      expect(big.headers["strict-transport-security"]).toBe(HSTS);
      expect(big.headers["x-route"]).toBeUndefined();
    });

    it("routes with entries still upgrade (proxy_buffers and proxy_buffer_size 16k, add_header)", async () => {
      for (const path of ["/big", "/ws"])
        expect(await wsEcho(`wss://localhost:${stack.ports.tls}${path}`, "hello", { ca })).toBe("app: hello");
    });

    it("nginx reads each entry's arguments as wssgen's lexer does", async () => {
      const res = await httpsGet(stack.ports.tls!, "/echo", ca);
      expect(res.status).toBe(200);
      TRICKY.forEach((value, i) => {
        const read = readDirective(`add_header X-E${i} ${value}`, "location");
        if ("problem" in read) throw new Error(read.problem);
        expect(utf8(res.headers[`x-e${i}`]), value).toBe(read.args[1]);
      });
      expect(res.headers["strict-transport-security"]).toBe(HSTS);
    });
  });

  describe("top-level add_header entries", () => {
    let stack: Stack;
    beforeAll(async () => {
      stack = await startStack(build, {
        backends: ["app"],
        ports: ["plain"],
        yaml: (ctx) => `
directives: ["add_header X-Top top always"]
upstreams:
  app: { servers: ["${ctx.backend("app")}"] }
sites:
  - domains: [localhost]
    listen: "127.0.0.1:${ctx.port("plain")}"
    directives: ["large_client_header_buffers 4 32k"]
    routes:
      - { path: /own, upstream: app, websocket: false, directives: ["add_header X-Route yes always"] }
      - { path: /none, upstream: app, websocket: false }
`,
      });
    });
    afterAll(() => stack.stop());

    it("reach a route with an add_header of its own, and one without", async () => {
      const own = await httpGet(stack.ports.plain!, "/own");
      expect([own.status, own.headers["x-route"], own.headers["x-top"]]).toEqual([200, "yes", "top"]);
      const none = await httpGet(stack.ports.plain!, "/none");
      expect([none.status, none.headers["x-route"], none.headers["x-top"]]).toEqual([200, undefined, "top"]);
    });
  });

  describe("nginx -t's errors in an entry are reported at the entry", () => {
    let work: string;
    beforeEach(() => {
      work = mkdtempSync(join(tmpdir(), "wssgen-directives-"));
    });
    afterEach(() => rmSync(work, { recursive: true, force: true }));

    /** wssgen.yaml with two routes; the second has `entries`; `nginx` adds keys under nginx:. */
    const yaml = (entries: string[], nginx: Record<string, unknown>, port: number, backend = 9) =>
      [
        `nginx: ${JSON.stringify({ binary: build.binary, ...nginx })}`,
        "upstreams:",
        `  app: { servers: ["127.0.0.1:${backend}"] }`,
        "sites:",
        "  - domains: [localhost]",
        `    listen: "127.0.0.1:${port}"`,
        "    routes:",
        "      - { path: /a, upstream: app }",
        "      - path: /b",
        "        upstream: app",
        "        directives:",
        ...entries.map((e) => `          - ${JSON.stringify(e)}`),
        "",
      ].join("\n");
    /** line:col of the n-th entry (0-based) in the file `yaml` wrote: the entry's "- " item. */
    const entryAt = (text: string, n: number) => {
      const lines = text.split("\n");
      const first = lines.findIndex((l) => l.trim() === "directives:") + 1;
      return `${first + n + 1}:${lines[first + n]!.indexOf('"') + 1}`;
    };

    it.each([
      [["proxy_buffer_size 16k", "frobnicate on"], 1, 'nginx -t: unknown directive "frobnicate"'],
      [["proxy_buffer_size lots"], 0, 'nginx -t: "proxy_buffer_size" directive invalid value'],
      [["keepalive_timeout 75s", "proxy_buffers 8"], 1, 'nginx -t: invalid number of arguments in "proxy_buffers" directive'],
    ])("check: %j", async (entries, bad, message) => {
      const text = yaml(entries, {}, await freePort());
      writeFileSync(join(work, "wssgen.yaml"), text);
      const r = await runCli(["check", "--nginx", "require"], { cwd: work });
      expect(r.stdout).toContain(`wssgen.yaml:${entryAt(text, bad)} sites[0].routes[1].directives[${bad}]: error: ${message}`);
      expect(r.exitCode).toBe(ExitCode.invalid);
    });

    it("an error nginx finds only when it merges the levels has no line of the output: check reports it without a key", async () => {
      // nginx's default proxy_buffers (8 4k) are too small for a 16k proxy_buffer_size (docs/directives.md)
      writeFileSync(join(work, "wssgen.yaml"), yaml(["proxy_buffer_size 16k"], {}, await freePort()));
      const r = await runCli(["check", "--nginx", "require"], { cwd: work });
      expect(r.stdout).toContain(
        'wssgen.yaml:1:1 error: nginx -t: "proxy_busy_buffers_size" must be less than the size of all "proxy_buffers" minus one buffer [nginx]',
      );
      expect(r.exitCode).toBe(ExitCode.invalid);
    });

    describe("apply", () => {
      let nginx: NginxServer;
      let backend: Backend;
      let port: number;
      beforeEach(async () => {
        nginx = startNginx(build, { basePort: await freePort() });
        backend = await startBackend("app");
        port = await freePort();
      });
      afterEach(async () => {
        nginx.stop();
        await backend.close();
      });

      it("an entry nginx -t rejects: exit 1 at the entry's key, the old file back byte for byte, nginx still serving it", async () => {
        const settings = { mainConfig: nginx.mainConfig, target: join(nginx.confDir, "wssgen.conf"), reload: nginx.reload };
        const good = yaml(["proxy_buffers 8 16k", "proxy_buffer_size 16k"], settings, port, backend.port);
        writeFileSync(join(work, "wssgen.yaml"), good);
        const first = await runCli(["apply", "--reload-timeout", "5s"], { cwd: work });
        expect(first.exitCode, first.stderr).toBe(0);
        expect((await httpGet(port, "/b")).body).toBe("app /b\n");
        const before = readFileSync(settings.target);

        const bad = yaml(["proxy_buffers 8 16k", "frobnicate on"], settings, port, backend.port);
        writeFileSync(join(work, "wssgen.yaml"), bad);
        const r = await runCli(["apply", "--reload-timeout", "5s"], { cwd: work });
        expect(r.exitCode).toBe(ExitCode.invalid);
        expect(r.stderr).toContain(
          `wssgen.yaml:${entryAt(bad, 1)} sites[0].routes[1].directives[1]: nginx -t: unknown directive "frobnicate"`,
        );
        expect(readFileSync(settings.target)).toEqual(before);
        expect((await httpGet(port, "/b")).body).toBe("app /b\n");
      });
    });
  });
});

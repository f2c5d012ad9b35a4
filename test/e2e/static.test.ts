/**
 * The frontend beside its socket (issue 10, SPEC §7 `routes[].static`), through a real nginx with a
 * config rendered by wssgen: a built single-page app at `/` with its WebSocket at `/socket.io/`, a
 * plain file route at `/docs/`, a second copy of the app under `/app/` whose `/app/assets/` route is
 * strict (a missing asset is a 404, not the app's HTML), and the same files on a TLS site with HSTS.
 *
 * The files live in a temp directory readable by nginx's workers (they run as nobody when the tests
 * run as root). nginx's main config gets a small `types` block, as every real nginx.conf includes
 * mime.types; without one nginx serves .js as text/plain.
 */
import { chmodSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { request as httpRequest, type IncomingHttpHeaders } from "node:http";
import { request as httpsRequest } from "node:https";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { wsEcho, wsOpen } from "../helpers/backend.js";
import { nginxBuilds } from "../helpers/nginx.js";
import { startStack, type Stack } from "../helpers/stack.js";

const INDEX = '<!doctype html><html><head><script src="/assets/app.js"></script></head><body>the app</body></html>\n';
const APP_JS = 'console.log("app.js");\n';
const NESTED = "a file two directories down\n";
const DOCS_INDEX = "<!doctype html><title>docs</title>\n";
const DOCS_CSS = "body { color: #222 }\n";
const SECRET = "TOP-SECRET outside every static root\n";

/** MIME types as Debian's /etc/nginx/mime.types has them for these files. */
const TYPES = "    types { text/html html; text/css css; application/javascript js; text/plain txt; }";

interface Answer {
  status: number;
  body: string;
  headers: IncomingHttpHeaders;
}

/** A GET on a fresh connection, the path sent exactly as written (no client-side normalization). */
function get(port: number, path: string, ca?: Buffer): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const options = { host: "127.0.0.1", port, path, agent: false, timeout: 5000, headers: { host: "localhost" } };
    const done = (res: import("node:http").IncomingMessage) => {
      const chunks: Buffer[] = [];
      res.on("data", (chunk: Buffer) => chunks.push(chunk));
      res.on("end", () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString(), headers: res.headers }));
    };
    const req = ca ? httpsRequest({ ...options, ca, servername: "localhost" }, done) : httpRequest(options, done);
    req.on("timeout", () => req.destroy(new Error(`timeout: GET ${path}`)));
    req.on("error", reject);
    req.end();
  });
}

/** The site's files: site/dist (the app), site/docs, and site/secret.txt beside them, outside both roots. */
function makeSite(): string {
  const dir = mkdtempSync(join(tmpdir(), "wssgen-static-"));
  const files: Record<string, string> = {
    "site/dist/index.html": INDEX,
    "site/dist/assets/app.js": APP_JS,
    "site/dist/nested/deeper/file.txt": NESTED,
    "site/dist/nested/index.html": "<!doctype html><title>nested index</title>\n",
    "site/docs/index.html": DOCS_INDEX,
    "site/docs/a.css": DOCS_CSS,
    "site/secret.txt": SECRET,
  };
  for (const [name, text] of Object.entries(files)) {
    mkdirSync(dirname(join(dir, name)), { recursive: true });
    writeFileSync(join(dir, name), text, { mode: 0o644 });
  }
  for (const sub of ["", "site", "site/dist", "site/dist/assets", "site/dist/nested", "site/dist/nested/deeper", "site/docs"])
    chmodSync(join(dir, sub), 0o755);
  return dir;
}

describe.each(nginxBuilds().map((b) => [b.label, b] as const))("static files and their socket through %s", (_label, build) => {
  let stack: Stack;
  let dir: string;
  let ca: Buffer;
  beforeAll(async () => {
    dir = makeSite();
    const site = join(dir, "site");
    stack = await startStack(build, {
      backends: ["app"],
      ports: ["plain", "tls"],
      extraHttp: TYPES,
      yaml: (ctx) => `
upstreams:
  app: { servers: ["${ctx.backend("app")}"] }
sites:
  - domains: [localhost]
    listen: "127.0.0.1:${ctx.port("plain")}"
    routes:
      - path: /
        static: { root: ${site}/dist, spa: true }
      - { path: /socket.io/, upstream: app }
      - path: /docs/
        static: { root: ${site}/docs }
      - path: /app/
        static: { root: ${site}/dist, spa: true }
      - path: /app/assets/
        static: { root: ${site}/dist/assets }
      # the control: nginx can read the secret where a route really maps it
      - path: /site/
        static: { root: ${site} }
  - domains: [localhost]
    listen: "127.0.0.1:${ctx.port("tls")}"
    tls: { certificate: ${ctx.certs.certificate}, key: ${ctx.certs.key}, hsts: { maxAge: 1d } }
    redirectHttp: false
    routes:
      - path: /
        static: { root: ${site}/dist, spa: true }
      - path: /docs/
        static: { root: ${site}/docs }
`,
    });
    ca = readFileSync(stack.certs.ca);
  });
  afterAll(async () => {
    await stack?.stop();
    rmSync(dir, { recursive: true, force: true });
  });
  const plain = (path: string) => get(stack.ports.plain!, path);

  it("/ and a deep link (/rooms/42) answer with index.html's bytes, as HTML that browsers revalidate", async () => {
    for (const path of ["/", "/rooms/42", "/rooms/42?tab=chat"]) {
      const answer = await plain(path);
      expect({ path, status: answer.status, body: answer.body }).toEqual({ path, status: 200, body: INDEX });
      expect(answer.headers["content-type"]).toBe("text/html");
      expect(answer.headers["cache-control"]).toBe("no-cache");
    }
  });

  it("an asset is the file, cached for an hour; a nested file is served too", async () => {
    const js = await plain("/assets/app.js");
    expect([js.status, js.body, js.headers["content-type"]]).toEqual([200, APP_JS, "application/javascript"]);
    expect(js.headers["cache-control"]).toBe("max-age=3600");
    const nested = await plain("/nested/deeper/file.txt");
    expect([nested.status, nested.body, nested.headers["cache-control"]]).toEqual([200, NESTED, "max-age=3600"]);
  });

  it("spa: any path that is no file gets the app, a missing asset and a directory included", async () => {
    // what `spa` means: the app decides; a directory (even one with its own index.html) is an app route
    for (const path of ["/assets/nope.js", "/nested/", "/nested", "/assets/"]) {
      const answer = await plain(path);
      expect({ path, status: answer.status, body: answer.body }).toEqual({ path, status: 200, body: INDEX });
      expect(answer.headers["cache-control"]).toBe("no-cache");
    }
  });

  it("a strict assets route beside an spa (/app/assets/ without spa): a missing asset is a 404", async () => {
    expect((await plain("/app/rooms/7")).body).toBe(INDEX); // the spa under a sub-path falls back to /app/index.html
    const js = await plain("/app/assets/app.js");
    expect([js.status, js.body]).toEqual([200, APP_JS]);
    expect((await plain("/app/assets/nope.js")).status).toBe(404);
  });

  it("the socket route upgrades (101) and echoes beside the spa", async () => {
    const url = `ws://127.0.0.1:${stack.ports.plain}/socket.io/?EIO=4&transport=websocket`;
    expect(await wsEcho(url, "hello from the app")).toBe("app: hello from the app");
    const handshake = stack.backends.app!.received().findLast((r) => r.websocket);
    expect(handshake?.url).toBe("/socket.io/?EIO=4&transport=websocket");
    // a path beside it is the app's page, never the socket
    await expect(wsOpen(`ws://127.0.0.1:${stack.ports.plain}/rooms/42`)).rejects.toThrow(/HTTP 200/);
  });

  it("a plain file route: /docs/a.css is ROOT/a.css, a missing file is a 404, /docs/ is index.html, /docs redirects", async () => {
    const css = await plain("/docs/a.css");
    expect([css.status, css.body, css.headers["content-type"], css.headers["cache-control"]]).toEqual([
      200,
      DOCS_CSS,
      "text/css",
      "max-age=3600",
    ]);
    const missing = await plain("/docs/nope.css");
    expect(missing.status).toBe(404);
    expect(missing.body).not.toContain("the app");
    const index = await plain("/docs/");
    expect([index.status, index.body, index.headers["cache-control"]]).toEqual([200, DOCS_INDEX, "no-cache"]);
    for (const [path, to] of [
      ["/docs", "/docs/"],
      ["/docs?v=2", "/docs/?v=2"],
      ["/app", "/app/"],
    ] as const) {
      const moved = await plain(path);
      expect({ path, status: moved.status }).toEqual({ path, status: 301 });
      expect(new URL(moved.headers.location!).pathname + new URL(moved.headers.location!).search).toBe(to);
    }
  });

  it("no path escapes a static root: traversal and encoded dots end in the app, a 400 or a 404", async () => {
    // the control: the secret is readable by nginx, so a traversal that reached it would show it
    expect((await plain("/site/secret.txt")).body).toBe(SECRET);
    const attempts = [
      "/docs/../secret.txt",
      "/docs/../../secret.txt",
      "/docs..%2fsecret.txt",
      "/docs../secret.txt",
      "/docs/..%2fsecret.txt",
      "/docs/%2e%2e/secret.txt",
      "/docs/%2E%2E%2Fsecret.txt",
      "/docs/.%2e/secret.txt",
      "/docs//../secret.txt",
      "/docs/..%5csecret.txt",
      "/docs/....//secret.txt",
      "/app/../secret.txt",
      "/app..%2fsecret.txt",
      "/app/assets/..%2f..%2fsecret.txt",
      "/%2e%2e/secret.txt",
      "/..%2fsecret.txt",
      "/assets/%2e%2e/%2e%2e/secret.txt",
    ];
    for (const path of attempts) {
      const answer = await plain(path);
      expect(answer.body, path).not.toContain("TOP-SECRET");
      expect([200, 400, 404], `${path}: HTTP ${answer.status}`).toContain(answer.status);
      if (answer.status === 200) expect(answer.body, path).toBe(INDEX);
    }
  });

  it("a TLS static site still sends HSTS on its files, its app fallback, its 404s and its redirect", async () => {
    const port = stack.ports.tls!;
    for (const [path, status] of [
      ["/", 200],
      ["/rooms/42", 200],
      ["/assets/app.js", 200],
      ["/docs/a.css", 200],
      ["/docs/nope.css", 404],
      ["/docs", 301],
    ] as const) {
      const answer = await get(port, path, ca);
      expect({ path, status: answer.status }).toEqual({ path, status });
      expect(answer.headers["strict-transport-security"], path).toBe("max-age=86400");
    }
    expect((await get(port, "/assets/app.js", ca)).headers["cache-control"]).toBe("max-age=3600");
  });
});

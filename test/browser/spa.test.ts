/**
 * The frontend beside its socket in a real browser (issue 10, `routes[].static`): Debian's chromium,
 * driven by playwright-core with executablePath, opens a deep link (/rooms/42) of a single-page app
 * that nginx serves from disk with a config rendered by wssgen. The app's HTML comes back for the
 * deep link, its script loads from /assets/, reads the room from the address bar and opens its
 * WebSocket at /socket.io/ on the same origin, through the route beside the files, and shows the echo.
 *
 * Plain http on 127.0.0.1: this test is about routing, not TLS (test/browser/browser.test.ts covers
 * wss:// from an HTTPS page). Runs on Debian's nginx 1.22 and the newest nginx of the matrix. A
 * missing chromium is a failure, never a skip.
 */
import { chmodSync, existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { chromium, type WebSocket as PageSocket } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startStack, type Stack } from "../helpers/stack.js";
import { e2eBuilds } from "../e2e/matrix.js";

const CHROMIUM = process.env.WSSGEN_TEST_CHROMIUM ?? "/usr/bin/chromium";

const INDEX = `<!doctype html>
<html><head><meta charset="utf-8"><title>rooms</title><script src="/assets/app.js" defer></script></head>
<body><h1 id="room">loading</h1><p id="status">connecting</p><p id="echo"></p></body></html>
`;

/** The app: the room comes from the path (client-side routing), the socket from the same origin. */
const APP_JS = `
const room = location.pathname.match(/^\\/rooms\\/(\\d+)$/)?.[1];
document.getElementById("room").textContent = room ? "room " + room : "no room";
const socket = new WebSocket("ws://" + location.host + "/socket.io/?EIO=4&transport=websocket");
socket.onopen = () => { document.getElementById("status").textContent = "open"; socket.send("joined room " + room); };
socket.onmessage = (event) => { document.getElementById("echo").textContent = event.data; document.body.dataset.done = "ok"; };
socket.onerror = () => { document.getElementById("status").textContent = "error"; document.body.dataset.done = "error"; };
`;

describe.each(e2eBuilds())("a single-page app at a deep link in chromium through nginx %s", (_label, build) => {
  let stack: Stack;
  let dir: string;
  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), "wssgen-spa-"));
    mkdirSync(join(dir, "dist", "assets"), { recursive: true });
    writeFileSync(join(dir, "dist", "index.html"), INDEX, { mode: 0o644 });
    writeFileSync(join(dir, "dist", "assets", "app.js"), APP_JS, { mode: 0o644 });
    for (const sub of ["", "dist", "dist/assets"]) chmodSync(join(dir, sub), 0o755); // workers run as nobody
    stack = await startStack(build, {
      backends: ["app"],
      ports: ["site"],
      extraHttp: "    types { text/html html; application/javascript js; }",
      yaml: (ctx) => `
upstreams:
  app: { servers: ["${ctx.backend("app")}"] }
sites:
  - domains: [127.0.0.1]
    listen: "127.0.0.1:${ctx.port("site")}"
    routes:
      - path: /
        static: { root: ${dir}/dist, spa: true }
      - { path: /socket.io/, upstream: app }
`,
    });
  });
  afterAll(async () => {
    await stack?.stop();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it("/rooms/42 loads the app, which opens its WebSocket beside the files and gets the echo", async () => {
    expect(
      existsSync(CHROMIUM),
      `${CHROMIUM} not found: run \`apt-get install chromium\` (this test fails rather than skips)`,
    ).toBe(true);
    const home = mkdtempSync(join(tmpdir(), "wssgen-chromium-home-"));
    const browser = await chromium.launch({
      executablePath: CHROMIUM,
      headless: true,
      timeout: 30_000,
      env: { ...process.env, HOME: home },
      args: ["--headless", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--no-first-run"],
    });
    try {
      const page = await browser.newPage();
      const sockets: PageSocket[] = [];
      const scripts: [string, number][] = [];
      page.on("websocket", (socket) => sockets.push(socket));
      page.on("response", (response) => {
        if (response.request().resourceType() === "script") scripts.push([new URL(response.url()).pathname, response.status()]);
      });
      const origin = `http://127.0.0.1:${stack.ports.site}`;
      const response = await page.goto(`${origin}/rooms/42`, { waitUntil: "load", timeout: 15_000 });
      expect(response?.status()).toBe(200);
      expect(response?.headers()["content-type"]).toBe("text/html");
      await page.waitForSelector("body[data-done]", { timeout: 10_000 });
      expect(await page.getAttribute("body", "data-done")).toBe("ok");
      expect(page.url()).toBe(`${origin}/rooms/42`); // no redirect: the deep link stays in the address bar
      expect(await page.textContent("#room")).toBe("room 42");
      expect(await page.textContent("#status")).toBe("open");
      expect(await page.textContent("#echo")).toBe("app: joined room 42");
      expect(scripts).toEqual([["/assets/app.js", 200]]);
      expect(sockets.map((s) => s.url())).toEqual([`ws://127.0.0.1:${stack.ports.site}/socket.io/?EIO=4&transport=websocket`]);
      const handshake = stack.backends.app!.received().find((r) => r.websocket);
      expect(handshake?.url).toBe("/socket.io/?EIO=4&transport=websocket");
    } finally {
      await browser.close();
      rmSync(home, { recursive: true, force: true });
    }
  });
});

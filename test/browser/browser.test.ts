/**
 * A real browser (issue 4; docs/troubleshooting.md, "What wssgen's tests prove"): Debian's chromium, driven by playwright-core with executablePath
 * (no browser download), loads an HTTPS page that a real nginx serves with a config rendered by wssgen,
 * and opens wss:// to the same origin through a wssgen route. A second page repeats the seed blog
 * post's mistake, ws:// from an HTTPS page straight at the WebSocket server, and shows Chromium
 * blocking it as mixed content while the wssgen route on the same page works. Runs on Debian's nginx
 * 1.22 and on the newest nginx of the matrix. A missing chromium is a failure, never a skip.
 *
 * Names: the site is https://chat.wssgen.test and the bare WebSocket server ws://backend.wssgen.test,
 * both mapped to 127.0.0.1 with --host-resolver-rules. Loopback names cannot show the seed's error:
 * Chromium treats ws://127.0.0.1 and ws://localhost as potentially trustworthy and lets an HTTPS page
 * open them, so the mixed-content block only happens for a real-looking host name.
 *
 * Trust: the test CA is put into an NSS database in a throwaway HOME (certutil, Debian's
 * libnss3-tools), where Chromium on Linux reads user trust anchors. Chromium then verifies nginx's
 * chain and the host name like a user's browser does, so a wrong ssl_certificate or name fails here.
 * (--ignore-certificate-errors-spki-list and ignoreHTTPSErrors also work with Debian's chromium
 * headless, wss included, but both skip verification altogether.)
 *
 * Artifacts: test-artifacts/browser-wss.png (the working page, Debian's nginx), plus one per other
 * nginx and the mixed-content page, all in the gitignored test-artifacts/ at the repo root.
 */
import { spawnSync } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { createServer, type Server } from "node:http";
import { request as httpsRequest } from "node:https";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { chromium, type Browser, type BrowserContext, type ConsoleMessage, type Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parseConfig } from "../../src/config/load.js";
import { render } from "../../src/render/render.js";
import { atLeast, formatVersion } from "../../src/nginx-version/version.js";
import { startBackend, wsEcho, type Backend } from "../helpers/backend.js";
import { makeCertDir, type CertDir } from "../helpers/certs.js";
import { nginxBuilds, type NginxBuild } from "../helpers/nginx.js";
import { startNginx, type NginxServer } from "../helpers/nginx-server.js";
import { ROOT } from "../helpers/paths.js";
import { freePort } from "../helpers/ports.js";

const CHROMIUM = process.env.WSSGEN_TEST_CHROMIUM ?? "/usr/bin/chromium";
const SITE = "chat.wssgen.test";
const BARE_BACKEND = "backend.wssgen.test";
const ARTIFACTS = join(ROOT, "test-artifacts");
const MESSAGES = ["hello from chromium", "second message", "ünïcödé ✓"];
const PNG_SIGNATURE = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);

const builds = nginxBuilds();
const newest = builds.reduce((a, b) => (atLeast(b.version, formatVersion(a.version)) ? b : a));
const matrix = newest === builds[0] ? [builds[0]] : [builds[0]!, newest];

/** Cleanup steps, run newest first; every step runs even when an earlier one throws. */
class Teardown {
  private steps: { what: string; run: () => unknown }[] = [];
  add(what: string, run: () => unknown): void {
    this.steps.push({ what, run });
  }
  async run(): Promise<void> {
    const errors: Error[] = [];
    for (const step of this.steps.reverse()) {
      try {
        await step.run();
      } catch (error) {
        errors.push(new Error(`teardown: ${step.what}: ${String(error)}`));
      }
    }
    this.steps = [];
    if (errors.length) throw new AggregateError(errors, errors.map((e) => e.message).join("; "));
  }
}

/** Why this machine cannot run the browser test, or undefined when it can. */
function missingTools(): string | undefined {
  const why = process.env.CI === "true" ? "CI must install it in .ci/run" : "this test fails rather than skips";
  if (!existsSync(CHROMIUM))
    return `${CHROMIUM} not found: the browser test needs Debian's chromium; run \`apt-get install chromium\` (${why})`;
  if (spawnSync("certutil", ["-H"], { stdio: "ignore" }).error)
    return `certutil not found: the browser test trusts its CA through NSS; run \`apt-get install libnss3-tools\` (${why})`;
  return undefined;
}

/**
 * Checked once; when something is missing every test fails with the reason (a failing beforeAll
 * would leave the tests reported as skipped).
 */
const MISSING = missingTools();
function requireTools(): void {
  if (MISSING) throw new Error(MISSING);
}

/** A HOME whose NSS database trusts the test CA for TLS servers, as Chromium on Linux reads it. */
function nssHome(ca: string): string {
  const home = mkdtempSync(join(tmpdir(), "wssgen-chromium-home-"));
  const db = join(home, ".pki", "nssdb");
  mkdirSync(db, { recursive: true });
  for (const args of [
    ["-N", "-d", `sql:${db}`, "--empty-password"],
    ["-A", "-d", `sql:${db}`, "-n", "wssgen test CA", "-t", "C,,", "-i", ca],
  ]) {
    const run = spawnSync("certutil", args, { encoding: "utf8" });
    if (run.status !== 0) throw new Error(`certutil ${args.join(" ")} failed: ${run.stderr}${run.stdout}`);
  }
  return home;
}

const PAGE_STYLE = "body{font:16px sans-serif;margin:2em} code{background:#eee;padding:0 .3em} li{font-family:monospace}";

/** The app's page: opens wss:// to its own origin through nginx, sends MESSAGES, lists the echoes. */
const WORKING_SCRIPT = `
const status = document.getElementById("status");
const list = document.getElementById("messages");
const messages = ${JSON.stringify(MESSAGES)};
const url = "wss://" + location.host + "/ws";
const socket = new WebSocket(url);
socket.onopen = () => { status.textContent = "open " + url; for (const m of messages) socket.send(m); };
socket.onmessage = (event) => {
  const item = document.createElement("li");
  item.textContent = event.data;
  list.append(item);
  if (list.children.length === messages.length) { document.body.dataset.done = "ok"; socket.close(); }
};
socket.onerror = () => { status.textContent = "error " + url; document.body.dataset.done = "error"; };
`;

/**
 * The seed blog post's page: first ws:// straight at the WebSocket server (the URL comes in the query
 * string), which Chromium must block as mixed content, then wss:// through the wssgen route.
 */
const MIXED_SCRIPT = `
const insecure = document.getElementById("insecure");
const insecureUrl = new URLSearchParams(location.search).get("insecure");
const settle = (outcome, text) => { insecure.textContent = text; document.body.dataset.insecure = outcome; };
try {
  const bare = new WebSocket(insecureUrl);
  insecure.textContent = "constructed " + insecureUrl;
  bare.onopen = () => { settle("open", "OPEN (not blocked) " + insecureUrl); bare.send("must not arrive"); };
  bare.onmessage = (event) => { insecure.textContent += " / received " + event.data; };
  bare.onerror = () => { if (!document.body.dataset.insecure) settle("error", "error without opening " + insecureUrl); };
} catch (error) {
  settle("threw", error.name + ": " + error.message);
}
${WORKING_SCRIPT}
`;

function html(title: string, proto: string, body: string, script: string): string {
  return [
    "<!doctype html>",
    `<html><head><meta charset="utf-8"><title>${title}</title><style>${PAGE_STYLE}</style></head><body>`,
    `<h1>${title}</h1>`,
    `<p>served by the page server; nginx said X-Forwarded-Proto: <code id="proto">${proto}</code></p>`,
    body,
    `<p>wss:// through wssgen: <code id="status">connecting</code></p><ol id="messages"></ol>`,
    `<script>${script}</script>`,
    "</body></html>",
  ].join("\n");
}

/** The plain HTTP upstream behind the `/` route (websocket: false): serves the two pages. */
async function startPageServer(): Promise<{ port: number; server: Server }> {
  const server = createServer((req, res) => {
    const proto = String(req.headers["x-forwarded-proto"] ?? "none").replace(/[^a-z]/g, "");
    const path = (req.url ?? "/").split("?")[0];
    const page =
      path === "/"
        ? html("wssgen: wss:// from an HTTPS page", proto, "", WORKING_SCRIPT)
        : path === "/mixed"
          ? html(
              "wssgen: ws:// from an HTTPS page (the seed's error)",
              proto,
              `<p>ws:// direct: <code id="insecure">not tried</code></p>`,
              MIXED_SCRIPT,
            )
          : undefined;
    if (!page) {
      res.writeHead(404, { "content-type": "text/plain" }).end("not found\n");
      return;
    }
    res.writeHead(200, { "content-type": "text/html; charset=utf-8", "cache-control": "no-store" }).end(page);
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return { port: (server.address() as AddressInfo).port, server };
}

/** GET over TLS with the test CA and SNI, on a fresh connection (an old worker may still hold one). */
function httpsGet(port: number, path: string, ca: string): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = httpsRequest(
      {
        host: "127.0.0.1",
        port,
        path,
        servername: SITE,
        headers: { host: SITE },
        ca: readFileSync(ca),
        agent: false,
        timeout: 2000,
      },
      (res) => {
        let body = "";
        res.on("data", (chunk: Buffer) => (body += chunk.toString()));
        res.on("end", () => resolve({ status: res.statusCode ?? 0, body }));
      },
    );
    req.on("timeout", () => req.destroy(new Error("timeout")));
    req.on("error", reject);
    req.end();
  });
}

/** Renders the site with wssgen, deploys it into the running nginx, and waits until it answers. */
async function deploy(build: NginxBuild, nginx: NginxServer, yaml: string, sitePort: number, ca: string): Promise<void> {
  const { config } = parseConfig("wssgen.yaml", yaml, {});
  writeFileSync(join(nginx.confDir, "wssgen.conf"), render(config, { version: build.version, openssl: build.openssl }));
  const reload = spawnSync(nginx.reload[0]!, nginx.reload.slice(1), { encoding: "utf8" });
  if (reload.status !== 0) throw new Error(`nginx reload failed: ${reload.stderr}`);
  let last = "";
  for (const deadline = Date.now() + 10_000; Date.now() < deadline; await new Promise((r) => setTimeout(r, 100))) {
    try {
      const answer = await httpsGet(sitePort, "/", ca);
      if (answer.status === 200 && answer.body.includes('id="proto"')) return;
      last = `HTTP ${answer.status}`;
    } catch (error) {
      last = String(error);
    }
  }
  const log = existsSync(nginx.errorLog) ? readFileSync(nginx.errorLog, "utf8").slice(-2000) : "";
  throw new Error(`the wssgen site on ${sitePort} never answered (${last}); nginx error log:\n${log}`);
}

function expectPng(file: string): void {
  expect(existsSync(file), file).toBe(true);
  const bytes = readFileSync(file);
  expect(bytes.subarray(0, 8).equals(PNG_SIGNATURE), `${file} is a PNG`).toBe(true);
  expect(bytes.subarray(12, 16).toString("latin1")).toBe("IHDR");
  expect(bytes.readUInt32BE(16)).toBeGreaterThan(0); // width
  expect(bytes.readUInt32BE(20)).toBeGreaterThan(0); // height
}

const top = new Teardown();
let certs: CertDir;
let browser: Browser;

it("has Debian's chromium and NSS certutil", () => requireTools());

beforeAll(async () => {
  if (MISSING) return;
  mkdirSync(ARTIFACTS, { recursive: true });
  // one CA for the whole file: the browser reads its trust anchors once, at launch
  certs = makeCertDir([SITE]);
  top.add("certificates", () => rmSync(certs.dir, { recursive: true, force: true }));
  const home = nssHome(certs.ca);
  top.add("chromium HOME", () => rmSync(home, { recursive: true, force: true }));
  browser = await chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    timeout: 30_000,
    env: { ...process.env, HOME: home },
    args: [
      "--headless",
      "--no-sandbox", // root in a container: Chromium's sandbox needs user namespaces it may not get
      "--disable-gpu",
      "--disable-dev-shm-usage", // Debian's wrapper adds it only when /dev/shm is small, and its check is broken
      "--disable-quic",
      "--no-first-run",
      "--disable-background-networking",
      "--disable-component-update",
      "--disable-sync",
      `--host-resolver-rules=MAP *.wssgen.test 127.0.0.1`,
    ],
  });
  top.add("chromium", () => browser.close());
});

afterAll(() => top.run());

describe.each(matrix.map((b) => [b.label, b] as const))("a real browser through nginx %s", (_label, build) => {
  const teardown = new Teardown();
  let nginx: NginxServer;
  let chat: Backend;
  let pageServer: { port: number; server: Server };
  let sitePort: number;
  let context: BrowserContext;
  const siteUrl = (path: string) => `https://${SITE}:${sitePort}${path}`;

  beforeAll(async () => {
    if (MISSING) return;
    chat = await startBackend("chat-backend");
    teardown.add("WebSocket backend", () => chat.close());
    pageServer = await startPageServer();
    teardown.add("page server", () => {
      pageServer.server.closeAllConnections();
      return new Promise((resolve) => pageServer.server.close(resolve));
    });
    const basePort = await freePort();
    sitePort = await freePort();
    nginx = startNginx(build, { basePort });
    teardown.add("nginx", async () => {
      await nginx.kill();
      nginx.stop();
    });
    const yaml = [
      "upstreams:",
      `  chat: { servers: ["127.0.0.1:${chat.port}"] }`,
      `  web: { servers: ["127.0.0.1:${pageServer.port}"] }`,
      "sites:",
      `  - domains: [${SITE}]`,
      `    listen: "127.0.0.1:${sitePort}"`,
      `    tls: { certificate: ${JSON.stringify(certs.certificate)}, key: ${JSON.stringify(certs.key)} }`,
      "    routes:",
      "      - { path: /ws, upstream: chat }",
      "      - { path: /, upstream: web, websocket: false }",
      "",
    ].join("\n");
    await deploy(build, nginx, yaml, sitePort, certs.ca);
    // a fresh context per nginx: no cache, cookies or HSTS state carried over
    context = await browser.newContext({ viewport: { width: 900, height: 560 } });
    teardown.add("browser context", () => context.close());
  });

  afterAll(() => teardown.run());

  /**
   * Opens a page, recording console messages and the WebSockets the browser's network stack saw, and
   * waits until the page's script has settled (`ready`: a CSS selector).
   */
  async function open(
    path: string,
    ready: string,
  ): Promise<{ page: Page; console: string[]; sockets: string[]; frames: string[] }> {
    const page = await context.newPage();
    const consoleLines: string[] = [];
    const sockets: string[] = [];
    const frames: string[] = [];
    page.on("console", (message: ConsoleMessage) => consoleLines.push(message.text()));
    page.on("websocket", (socket) => {
      sockets.push(socket.url());
      socket.on("framereceived", (frame) => frames.push(String(frame.payload)));
    });
    const response = await page.goto(siteUrl(path), { waitUntil: "load", timeout: 15_000 });
    expect(response?.status()).toBe(200);
    const tls = await response!.securityDetails();
    expect(tls?.subjectName).toBe(SITE);
    expect(tls?.issuer).toBe("wssgen test CA");
    expect(tls?.protocol).toMatch(/^TLS 1\.[23]$/);
    await page.waitForSelector(ready, { timeout: 10_000 });
    return { page, console: consoleLines, sockets, frames };
  }

  it("loads the HTTPS page and talks wss:// to the same origin through the wssgen route", async () => {
    requireTools();
    const { page, sockets, frames } = await open("/", "body[data-done]");
    expect(page.url()).toBe(siteUrl("/"));
    expect(await page.evaluate<boolean>("isSecureContext")).toBe(true);
    expect(await page.textContent("#proto")).toBe("https");
    expect(await page.getAttribute("body", "data-done")).toBe("ok");
    expect(await page.textContent("#status")).toBe(`open wss://${SITE}:${sitePort}/ws`);
    const echoes = MESSAGES.map((m) => `chat-backend: ${m}`);
    expect(await page.locator("#messages li").allTextContents()).toEqual(echoes);
    expect(sockets).toEqual([`wss://${SITE}:${sitePort}/ws`]);
    await expect.poll(() => frames).toEqual(echoes); // CDP events may trail the DOM by a moment

    const shot = join(
      ARTIFACTS,
      build === builds[0] ? "browser-wss.png" : `browser-wss-nginx-${formatVersion(build.version)}.png`,
    );
    rmSync(shot, { force: true });
    await page.screenshot({ path: shot, fullPage: true });
    expectPng(shot);
    await page.close();
  });

  it("blocks ws:// from the HTTPS page as mixed content (the seed's error), and the wss:// route works", async () => {
    requireTools();
    const insecureUrl = `ws://${BARE_BACKEND}:${chat.port}/`;
    // the bare WebSocket server is alive and speaks ws:// to a client that is not a browser page
    expect(await wsEcho(`ws://127.0.0.1:${chat.port}/`, "direct")).toBe("chat-backend: direct");

    const {
      page,
      console: consoleLines,
      sockets,
    } = await open(`/mixed?insecure=${encodeURIComponent(insecureUrl)}`, "body[data-done][data-insecure]");
    const insecure = (await page.textContent("#insecure")) ?? "";
    // Chromium throws from the constructor; an error event without ever opening is also a block
    expect(["threw", "error"]).toContain(await page.getAttribute("body", "data-insecure"));
    expect(insecure).toMatch(/^(SecurityError: .*insecure WebSocket connection.*|error without opening .*)$/);
    expect(insecure).not.toContain("OPEN");
    expect(insecure).not.toContain("received");
    // the very message the seed blog post quotes
    const mixed = consoleLines.find((line) => line.startsWith("Mixed Content:"));
    expect(mixed, consoleLines.join("\n")).toBeDefined();
    expect(mixed).toContain(`The page at '${siteUrl("/mixed")}`);
    expect(mixed).toContain(
      `was loaded over HTTPS, but attempted to connect to the insecure WebSocket endpoint '${insecureUrl}'.`,
    );
    expect(mixed).toContain("This request has been blocked; this endpoint must be available over WSS.");
    expect(sockets).not.toContain(insecureUrl);

    // the fix on the same page: the same backend through the wssgen route, as wss://
    expect(await page.getAttribute("body", "data-done")).toBe("ok");
    expect(await page.locator("#messages li").allTextContents()).toEqual(MESSAGES.map((m) => `chat-backend: ${m}`));
    expect(sockets).toEqual([`wss://${SITE}:${sitePort}/ws`]);

    const shot = join(
      ARTIFACTS,
      build === builds[0] ? "browser-mixed-content.png" : `browser-mixed-content-nginx-${formatVersion(build.version)}.png`,
    );
    await page.screenshot({ path: shot, fullPage: true });
    expectPng(shot);
    await page.close();
  });
});

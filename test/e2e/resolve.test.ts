/**
 * upstreams.<name>.resolve with the top-level resolver (SPEC §7, issue 11 "backend names that
 * move") through a real nginx and a tiny real DNS server (test/helpers/dns.ts) whose answers the
 * test changes. On the builds that can do it (1.27.3+: `server ... resolve` and `resolver` in an
 * upstream, nginx changelog 1.27.3): nginx starts while the backend's name does not resolve yet and
 * answers 502; once the DNS server answers with 127.0.0.1, where a backend listens, HTTP and a
 * WebSocket reach it; when the answer moves to 127.0.0.2, where a second backend listens on the same
 * port, new requests reach that one. The same name without resolve keeps every build from starting
 * ("host not found in upstream"): that is what resolve is for. On older builds `wssgen render`
 * refuses the file with the version error (exit 1, docs/cli.md).
 */
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parseConfig } from "../../src/config/load.js";
import { RESOLVE_MINIMUM } from "../../src/lint/rules/resolve.js";
import { withSandbox } from "../../src/check/sandbox.js";
import { atLeast, formatVersion } from "../../src/nginx-version/version.js";
import { render } from "../../src/render/render.js";
import { httpGet, startBackend, wsEcho, type Backend } from "../helpers/backend.js";
import { runCli } from "../helpers/cli.js";
import { startDns, type TestDns } from "../helpers/dns.js";
import { nginxBuilds, type NginxBuild } from "../helpers/nginx.js";
import { startStack, type Stack } from "../helpers/stack.js";

/** A name no system resolver knows (RFC 6761 reserves .test): only the test's DNS server answers it. */
const NAME = "app.wssgen.test";
const MINIMUM = RESOLVE_MINIMUM;
const builds = nginxBuilds().map((b) => [b.label, b] as const);
const resolving = builds.filter(([, b]) => atLeast(b.version, MINIMUM));
const older = builds.filter(([, b]) => !atLeast(b.version, MINIMUM));

/** The config: one site on `port`, a WebSocket route and an HTTP route to upstream `app` = NAME:backendPort. */
const yaml = (options: { port: number; backendPort: number; dns: string; resolve: boolean; binary?: string }) => `
${options.binary ? `nginx: { binary: ${options.binary} }` : ""}
resolver: { addresses: ["${options.dns}"], valid: 1s }
upstreams:
  app:
    servers: ["${NAME}:${options.backendPort}"]
${options.resolve ? "    resolve: true" : ""}
sites:
  - domains: [localhost]
    listen: "127.0.0.1:${options.port}"
    routes:
      - { path: /ws, upstream: app }
      - { path: /, upstream: app, websocket: false }
`;

/**
 * Calls `attempt` until it returns a value (not undefined) and returns it; fails with the last
 * value seen after `deadlineMs`. For what nginx does on its own time (a DNS answer's validity).
 */
async function until<T>(what: string, attempt: () => T | undefined | Promise<T | undefined>, deadlineMs = 30_000): Promise<T> {
  const end = Date.now() + deadlineMs;
  let last: unknown;
  for (;;) {
    try {
      const value = await attempt();
      if (value !== undefined) return value;
    } catch (error) {
      last = error;
    }
    if (Date.now() > end) throw new Error(`${what}: still not so after ${deadlineMs} ms (last: ${String(last)})`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

/**
 * `wssgen render` (the real CLI) of the resolve config with nginx.binary = `build`'s, so that the
 * version it renders for is what that nginx's `nginx -V` reports.
 */
async function renderWith(build: NginxBuild) {
  const dir = mkdtempSync(join(tmpdir(), "wssgen-resolve-"));
  try {
    const text = yaml({ port: 8080, backendPort: 9000, dns: "127.0.0.1:5353", resolve: true, binary: build.binary });
    writeFileSync(join(dir, "wssgen.yaml"), text);
    return await runCli(["render"], { cwd: dir });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** GET / through the site: status and the backend that answered (its answers start with its name). */
async function whoAnswers(port: number): Promise<{ status: number; backend: string | undefined }> {
  const answer = await httpGet(port, "/");
  return { status: answer.status, backend: answer.status === 200 ? answer.body.split(" ")[0] : undefined };
}

it(`some build can do resolve (nginx ${MINIMUM}+), so the traffic tests below run`, () => {
  expect(resolving.map(([label]) => label)).not.toEqual([]);
});

describe.each(resolving)("resolve through %s", (_label, build) => {
  let dns: TestDns;
  let first: Backend;
  let second: Backend;
  let stack: Stack;
  beforeAll(async () => {
    dns = await startDns();
    first = await startBackend("first");
    // the same port on another loopback address: the name moves, the port stays
    second = await startBackend("second", first.port, "127.0.0.2");
    stack = await startStack(build, {
      backends: [],
      ports: ["site"],
      yaml: (ctx) => yaml({ port: ctx.port("site"), backendPort: first.port, dns: dns.address, resolve: true }),
    });
  });
  afterAll(async () => {
    await stack?.stop();
    await Promise.all([dns?.close(), first?.close(), second?.close()]);
  });

  it("renders the resolver and `server ... resolve` into the upstream", () => {
    expect(stack.output).toContain(`resolver ${dns.address} valid=1s;`);
    expect(stack.output).toContain(`server ${NAME}:${first.port} resolve;`);
  });

  it("nginx started while the name does not resolve (NXDOMAIN): requests get 502, and nginx asked the DNS server", async () => {
    expect(await whoAnswers(stack.ports.site!)).toEqual({ status: 502, backend: undefined });
    await expect(wsEcho(`ws://127.0.0.1:${stack.ports.site}/ws`, "hi")).rejects.toThrow("HTTP 502");
    await until("nginx asks the test DNS server for the name", () =>
      dns.queries().some((q) => q.name === NAME && q.type === "A") ? true : undefined,
    );
    expect(first.received()).toEqual([]);
  });

  it("once the name resolves to 127.0.0.1, HTTP reaches the backend and a WebSocket upgrades", async () => {
    dns.set(NAME, ["127.0.0.1"]);
    await until("GET / reaches the first backend", async () =>
      (await whoAnswers(stack.ports.site!)).backend === "first" ? true : undefined,
    );
    expect(await wsEcho(`ws://127.0.0.1:${stack.ports.site}/ws`, "hi")).toBe("first: hi");
    expect(first.received().some((r) => r.websocket && r.url === "/ws")).toBe(true);
    expect(second.received()).toEqual([]);
  });

  it("when the name moves to 127.0.0.2, new requests and WebSockets reach the backend there", async () => {
    dns.set(NAME, ["127.0.0.2"]);
    await until("GET / reaches the second backend", async () =>
      (await whoAnswers(stack.ports.site!)).backend === "second" ? true : undefined,
    );
    // every request from now on goes there: the old address is gone from the upstream
    const firstCount = first.received().length;
    for (let i = 0; i < 5; i++) expect(await whoAnswers(stack.ports.site!)).toEqual({ status: 200, backend: "second" });
    expect(await wsEcho(`ws://127.0.0.1:${stack.ports.site}/ws`, "hi")).toBe("second: hi");
    expect(second.received().some((r) => r.websocket && r.url === "/ws")).toBe(true);
    expect(first.received()).toHaveLength(firstCount);
  });

  it("`wssgen render` renders it for this nginx (its version read from nginx -V)", async () => {
    const result = await renderWith(build);
    expect(result.stderr).not.toMatch(/ error: /);
    expect(result.exitCode).toBe(0);
    expect(result.stdout).toContain(`server ${NAME}:9000 resolve;`);
  });
});

describe.each(builds)("without resolve on %s", (_label, build: NginxBuild) => {
  it("the same upstream name keeps nginx from starting: host not found in upstream (nginx resolves it once, at start)", async () => {
    const text = yaml({ port: 18490, backendPort: 9000, dns: "127.0.0.1:5353", resolve: false });
    const output = render(parseConfig("wssgen.yaml", text, {}).config, build);
    expect(output).not.toContain("resolve;");
    const result = await withSandbox({ "wssgen.conf": output }, (s) => build.nginx.test({ config: s.mainConfig, prefix: s.dir }));
    expect(result.ok).toBe(false);
    expect(result.errors.map((e) => e.text)).toEqual([`host not found in upstream "${NAME}:9000"`]);
  });
});

describe.each(older)("resolve on %s", (_label, build) => {
  it(`\`wssgen render\` refuses it with the version error naming ${MINIMUM}, exit 1`, async () => {
    const result = await renderWith(build);
    expect(result.exitCode).toBe(1);
    expect(result.stdout).toBe("");
    expect(result.stderr.trim()).toBe(
      `wssgen.yaml:7:14 upstreams.app.resolve: resolve: true needs nginx ${MINIMUM} or later (\`server ... resolve\` in an upstream); this file is rendered for nginx ${formatVersion(build.version)} (what nginx -V reports): upgrade nginx (or set nginx.version, for another nginx), or remove resolve and reload nginx when the backends' addresses change (nginx resolves the names once, at start)`,
    );
  });
});

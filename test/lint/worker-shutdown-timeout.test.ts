/**
 * worker-shutdown-timeout reads nginx's real main config (`nginx.mainConfig`, with its main-context
 * includes): it stays silent once the user has followed its advice, says so when the file cannot be
 * read, and points at the key that names the file. Real files, through `check` and the real CLI; and
 * without a main config, as `render` runs the rules.
 */
import { chmodSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { check } from "../../src/check/check.js";
import { runCli } from "../helpers/cli.js";
import { ruleFindings } from "../helpers/lint.js";

const root = mkdtempSync(join(tmpdir(), "wssgen-wst-"));
afterAll(() => rmSync(root, { recursive: true, force: true }));
let count = 0;

const SITES =
  "upstreams: { chat: { servers: [10.0.0.5:8080, 10.0.0.6:8080] } }\nsites: [{ domains: [chat.example.com], routes: [{ path: /ws, upstream: chat }] }]\n";
/** Debian's nginx.conf, trimmed: module includes in the main context, the sites in http {} */
const DEBIAN = (extra = "") =>
  `user www-data;\nworker_processes auto;\npid /run/nginx.pid;\n${extra}include /etc/nginx/modules-enabled/*.conf;\nevents {\n\tworker_connections 768;\n}\nhttp {\n\tinclude /etc/nginx/conf.d/*.conf;\n}\n`;

/** A fresh dir with `files` (name → text); returns its path. */
function tree(files: Record<string, string>): string {
  const dir = join(root, String(count++));
  mkdirSync(dir, { recursive: true });
  for (const [name, text] of Object.entries(files)) {
    mkdirSync(join(dir, name, ".."), { recursive: true });
    writeFileSync(join(dir, name), text);
  }
  return dir;
}

/** The rule's findings when check runs on `yaml` in `dir` (nginx -t skipped: this is about the rule). */
async function findings(dir: string, yaml: string) {
  writeFileSync(join(dir, "wssgen.yaml"), yaml);
  const result = await check({ config: "wssgen.yaml", cwd: dir, nginxMode: "skip" });
  return result.findings
    .filter((f) => f.rule === "worker-shutdown-timeout")
    .map((f) => ({ at: `${f.line}:${f.column}`, path: f.path.join("."), message: f.message }));
}
const main = (dir: string, name = "nginx.conf") => `nginx: { mainConfig: ${join(dir, name)} }\n`;

describe("worker-shutdown-timeout without I/O (as render runs it)", () => {
  it("reminds, at info level at nginx.mainConfig, when WebSocket routes are rendered and nginx.workerShutdownTimeout is not set", () => {
    expect(ruleFindings("worker-shutdown-timeout", SITES)).toEqual([
      {
        path: "nginx.mainConfig",
        severity: "info",
        message:
          "after a reload, old nginx workers keep running (and holding memory and the old config) for as long as their WebSockets stay open; bound that with `worker_shutdown_timeout 10m;` in the main context of nginx.conf (`render --full` writes it)",
      },
    ]);
  });
  it("is silent once nginx.workerShutdownTimeout says the user knows, and without WebSocket routes", () => {
    expect(ruleFindings("worker-shutdown-timeout", `nginx: { workerShutdownTimeout: 30s }\n${SITES}`)).toEqual([]);
    expect(
      ruleFindings("worker-shutdown-timeout", SITES.replace("upstream: chat }", "upstream: chat, websocket: false }")),
    ).toEqual([]);
  });
});

describe("worker-shutdown-timeout reads the main config", () => {
  it("stays silent once nginx.conf sets worker_shutdown_timeout (the advice followed)", async () => {
    const dir = tree({ "nginx.conf": DEBIAN("worker_shutdown_timeout 30s;\n") });
    expect(await findings(dir, main(dir) + SITES)).toEqual([]);
  });
  it("stays silent when a file the main context includes sets it (relative glob, as nginx resolves it)", async () => {
    const dir = tree({
      "nginx.conf": "include main.d/*.conf;\nevents {}\nhttp {}\n",
      "main.d/10-modules.conf": "load_module modules/ngx_stream_module.so;\n",
      "main.d/20-shutdown.conf": "worker_shutdown_timeout 5m;\n",
    });
    expect(await findings(dir, main(dir) + SITES)).toEqual([]);
  });
  it("fires when the main config lacks it, naming the file, at nginx.mainConfig", async () => {
    const dir = tree({ "nginx.conf": DEBIAN() });
    expect(await findings(dir, main(dir) + SITES)).toEqual([
      {
        at: "1:22",
        path: "nginx.mainConfig",
        message: `${join(dir, "nginx.conf")} sets no worker_shutdown_timeout in its main context: after a reload, old nginx workers keep running (and holding memory and the old config) for as long as their WebSockets stay open; add \`worker_shutdown_timeout 10m;\` to it, outside http {} (\`render --full\` writes a whole nginx.conf with it)`,
      },
    ]);
  });
  it("a worker_shutdown_timeout inside http {} or in a file included there does not count (nginx allows it only in main)", async () => {
    const dir = tree({
      "nginx.conf":
        "include main.d/*.conf;\nevents {}\nhttp {\n    worker_shutdown_timeout 10s;\n    include http.d/*.conf;\n}\n",
      "main.d/a.conf": "worker_processes 2;\n",
      "main.d/.hidden.conf": "worker_shutdown_timeout 1s;\n", // glob(3): * does not match dot files
      "http.d/b.conf": "worker_shutdown_timeout 10s;\n",
    });
    const [finding] = await findings(dir, main(dir) + SITES);
    expect(finding?.message).toMatch(
      /sets no worker_shutdown_timeout in its main context \(nor does the file it includes there\)/,
    );
  });
  it("its own nginx.workerShutdownTimeout is what the advice names", async () => {
    const dir = tree({ "nginx.conf": DEBIAN() });
    const [finding] = await findings(
      dir,
      `nginx: { mainConfig: ${join(dir, "nginx.conf")}, workerShutdownTimeout: 2m }\n${SITES}`,
    );
    expect(finding?.message).toContain("add `worker_shutdown_timeout 2m;` to it");
  });

  it.each([
    ["does not exist", {}, "nginx.conf", "(does not exist)"],
    ["is a directory", { "nginx.conf/x": "" }, "nginx.conf", "(is a directory)"],
    [
      "includes a file that does not exist",
      { "nginx.conf": "include extra.conf;\n" },
      "nginx.conf",
      ", which it includes, does not exist)",
    ],
    ["is not nginx syntax", { "nginx.conf": "worker_processes 2;\nevents {\n" }, "nginx.conf", "(not valid nginx syntax ("],
    [
      "includes itself",
      { "nginx.conf": "include nginx.conf;\n" },
      "nginx.conf",
      "(includes nest deeper than 32 levels (does a file include itself?))",
    ],
  ])("says so, at info level, when the main config %s", async (_what, files, name, why) => {
    const dir = tree(files);
    const [finding, ...rest] = await findings(dir, main(dir, name) + SITES);
    expect(rest).toEqual([]);
    expect(finding?.message).toContain(`cannot read ${join(dir, name)} (`);
    expect(finding?.message).toContain(why);
    expect(finding?.message).toContain(
      "so wssgen cannot tell whether it sets worker_shutdown_timeout; after a reload, old nginx workers keep running",
    );
  });
  it("an unreadable main config and nginx.workerShutdownTimeout set: the user said they know, silent", async () => {
    const dir = tree({});
    expect(await findings(dir, `nginx: { mainConfig: /nonexistent/nginx.conf, workerShutdownTimeout: 5m }\n${SITES}`)).toEqual(
      [],
    );
  });
  it("only WebSocket routes need it", async () => {
    const dir = tree({ "nginx.conf": DEBIAN() });
    expect(await findings(dir, main(dir) + SITES.replace("upstream: chat }", "upstream: chat, websocket: false }"))).toEqual([]);
  });
});

describe("worker-shutdown-timeout points at the key that names the file", () => {
  it("when the file sets nginx.mainConfig: at its value", async () => {
    const dir = tree({ "nginx.conf": DEBIAN() });
    const [finding] = await findings(dir, `nginx:\n  version: "1.22"\n  mainConfig: ${join(dir, "nginx.conf")}\n${SITES}`);
    expect(finding?.at).toBe("3:15");
  });
  it("when it does not: at the nginx: key where it would go, not at the nginx.version line below it", async () => {
    const dir = tree({});
    const [finding] = await findings(dir, `# a comment\nnginx:\n  version: "1.22"\n${SITES}`);
    expect(finding).toMatchObject({ at: "2:1", path: "nginx.mainConfig" });
  });
  it("and with no nginx: section at all, at the top of the file, not at the first upstream", async () => {
    const dir = tree({});
    const [finding] = await findings(dir, `# wssgen\n\n${SITES}`);
    expect(finding).toMatchObject({ at: "1:1", path: "nginx.mainConfig" });
  });
});

describe("worker-shutdown-timeout through the CLI", () => {
  it("a main config the user cannot read (run as nobody): permission denied, said at info level", async () => {
    const dir = tree({ "nginx.conf": DEBIAN("worker_shutdown_timeout 30s;\n") });
    chmodSync(root, 0o755);
    chmodSync(dir, 0o755);
    chmodSync(join(dir, "nginx.conf"), 0o600);
    writeFileSync(join(dir, "wssgen.yaml"), main(dir) + SITES);
    chmodSync(join(dir, "wssgen.yaml"), 0o644);
    const r = await runCli(["check", "--nginx", "skip"], { cwd: dir, user: "nobody" });
    expect(r.exitCode).toBe(0);
    expect(r.stdout).toContain(
      `wssgen.yaml:1:22 nginx.mainConfig: info: cannot read ${join(dir, "nginx.conf")} (permission denied), so wssgen cannot tell whether it sets worker_shutdown_timeout;`,
    );
    // root can read it, and it is set there
    const asRoot = await runCli(["check", "--nginx", "skip"], { cwd: dir });
    expect(asRoot.stdout).not.toContain("[worker-shutdown-timeout]");
  });
});

/** `wssgen import` as users run it: node bin/wssgen.js, stdout, stderr, exit code and the files written. */
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { runCli } from "../helpers/cli.js";
import { FIXTURES } from "../helpers/paths.js";

const seed = join(FIXTURES, "import/01-blog-post/nginx.conf");
const tmp = () => mkdtempSync(join(tmpdir(), "wssgen-import-"));

describe("wssgen import", () => {
  it("writes wssgen.yaml with -o, the report on stderr, and never overwrites without --force", async () => {
    const dir = tmp();
    const r = await runCli(["import", seed, "-o", "wssgen.yaml"], { cwd: dir });
    expect(r.exitCode).toBe(0);
    expect(r.stdout).toBe("");
    expect(r.stderr).toContain("nginx.conf:12 ssl: fixed, `ssl on;`");
    expect(r.stderr).toMatch(/\d+ mapped, 5 fixed, 1 kept in directives, 0 dropped; wrote wssgen.yaml/);
    const written = readFileSync(join(dir, "wssgen.yaml"), "utf8");
    expect(written).toContain("upstream: websocket");
    const render = await runCli(["render", "--nginx-version", "1.26"], { cwd: dir });
    expect(render.exitCode).toBe(0);
    expect(render.stdout).toContain("listen 8888 ssl;");

    writeFileSync(join(dir, "wssgen.yaml"), "mine\n");
    const again = await runCli(["import", seed, "-o", "wssgen.yaml"], { cwd: dir });
    expect(again.exitCode).toBe(2);
    expect(again.stderr).toContain("-o wssgen.yaml already exists; pass --force to overwrite it");
    expect(readFileSync(join(dir, "wssgen.yaml"), "utf8")).toBe("mine\n");
    expect((await runCli(["import", seed, "-o", "wssgen.yaml", "--force"], { cwd: dir })).exitCode).toBe(0);
    expect(readFileSync(join(dir, "wssgen.yaml"), "utf8")).toBe(written);
  });

  it("reads nginx -T output on stdin and prints one JSON document with --format json", async () => {
    const input = `# configuration file /etc/nginx/conf.d/chat.conf:\n${readFileSync(seed, "utf8")}`;
    const r = await runCli(["import", "-", "--format", "json"], { input });
    expect(r.exitCode).toBe(0);
    const doc = JSON.parse(r.stdout) as { ok: boolean; yaml: string; report: { file: string; line: number; kind: string }[] };
    expect(doc.ok).toBe(true);
    expect(doc.yaml).toContain("proxy.hello.com");
    expect(doc.report.find((n) => n.kind === "fixed")).toMatchObject({ file: "/etc/nginx/conf.d/chat.conf", line: 9 });
  });

  it("exit 1 when the result does not validate (written all the same), and for input nginx would refuse", async () => {
    const dir = tmp();
    // a catch-all server: no names, which wssgen.yaml needs
    writeFileSync(join(dir, "empty.conf"), "server { listen 80; location / { proxy_pass http://127.0.0.1:3000; } }\n");
    const r = await runCli(["import", "empty.conf", "-o", "wssgen.yaml"], { cwd: dir });
    expect(r.exitCode).toBe(1);
    expect(r.stderr).toMatch(/^wssgen\.yaml:\d+:\d+ sites\[0\]\.domains: needs at least one domain/m);
    expect(readFileSync(join(dir, "wssgen.yaml"), "utf8")).toContain("domains: [] # add the names clients use");

    writeFileSync(join(dir, "broken.conf"), "server { listen 80;\n");
    const broken = await runCli(["import", "broken.conf"], { cwd: dir });
    expect(broken.exitCode).toBe(1);
    expect(broken.stderr).toContain("broken.conf:2:1 nginx would not read this config (unexpected end of file, expecting }");
  });
});

describe("wssgen import --format json, and REVIEW", () => {
  it("an error before anything is imported is still one JSON document (exit 2 or 1)", async () => {
    const missing = await runCli(["import", "/nonexistent/site.conf", "--format", "json"]);
    expect(missing.exitCode).toBe(2);
    expect(JSON.parse(missing.stdout)).toEqual({ ok: false, problems: [expect.stringMatching(/cannot read/)], report: [] });
    const refused = await runCli(["import", "-", "--format", "json"], { input: "server {" });
    expect(refused.exitCode).toBe(1);
    expect(JSON.parse(refused.stdout)).toMatchObject({ ok: false, report: [] });
  });

  it("REVIEW lines: exit 1, counted in the JSON document and listed atop the YAML", async () => {
    const input =
      "server {\n listen 80;\n server_name a.test;\n location / { deny 10.0.0.1; allow all; proxy_pass http://127.0.0.1:3000; }\n}\n";
    const r = await runCli(["import", "-", "--format", "json"], { input });
    expect(r.exitCode).toBe(1);
    const doc = JSON.parse(r.stdout) as { ok: boolean; review: number; yaml: string; report: { review?: boolean }[] };
    expect(doc).toMatchObject({ ok: false, review: 1 });
    expect(doc.report.filter((n) => n.review)).toHaveLength(1);
    expect(doc.yaml).toMatch(/^# REVIEW before deploying: 1 place\(s\)/m);
    const text = await runCli(["import", "-"], { input });
    expect(text.exitCode).toBe(1);
    expect(text.stderr).toMatch(/<stdin>:4 location: dropped \(REVIEW\), /);
    expect(text.stderr).toContain("1 place(s) marked REVIEW serve differently from the original");
  });
});

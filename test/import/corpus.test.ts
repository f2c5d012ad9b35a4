/**
 * The `wssgen import` corpus is real nginx: each fixtures/import config passes `nginx -t` on every
 * build the suite runs (1.22, 1.26, 1.30), except where its expect.json says a version refuses it
 * (the blog posts' `ssl on;`, removed in nginx 1.25.1) — and then that version refuses it with
 * exactly that error, so the mistake import fixes is proven, not assumed. The corpus itself is
 * checked for the shape the e2e harness and the docs rely on.
 */
import { mkdirSync, rmSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { newSandboxDir, withSandbox } from "../../src/check/sandbox.js";
import { makeCertDir } from "../helpers/certs.js";
import { acceptedBy, importCorpus, sandboxFiles, splitDump } from "../helpers/import-corpus.js";
import { nginxBuilds } from "../helpers/nginx.js";

const certs = makeCertDir(["localhost", "127.0.0.1", "*.example.com", "proxy.hello.com"]);
afterAll(() => rmSync(certs.dir, { recursive: true, force: true }));

const corpus = importCorpus();

describe("the corpus", () => {
  it("has at least 15 configs, each with a README line and requests that name a backend", () => {
    expect(corpus.length).toBeGreaterThanOrEqual(15);
    for (const entry of corpus) {
      expect(entry.name).toMatch(/^\d\d-[a-z0-9-]+$/);
      expect(entry.readme.trim().length, entry.name).toBeGreaterThan(80);
      expect(entry.readme, entry.name).toMatch(/Import should/);
      expect(entry.expect.requests.length, entry.name).toBeGreaterThan(0);
      expect(
        entry.expect.requests.some((r) => r.websocket && r.backend !== null),
        `${entry.name}: a WebSocket request`,
      ).toBe(true);
    }
  });

  it("names only loopback backends (nothing needs DNS or the network)", () => {
    for (const entry of corpus)
      for (const request of entry.expect.requests)
        for (const backend of [request.backend].flat())
          if (backend !== null) {
            expect(backend, entry.name).toMatch(/^127\.0\.0\.\d+:\d+$/);
            expect(entry.text, `${entry.name} names ${backend}`).toContain(backend);
          }
  });

  it("has the blog post's own config, with the seed's backend address replaced", () => {
    const blog = corpus.find((e) => e.name === "01-blog-post")!;
    expect(blog.text).toContain("ssl on;");
    expect(blog.text).toContain('proxy_set_header Connection "Upgrade";');
  });

  it("names, for each report line it expects, the line that holds that directive", () => {
    for (const entry of corpus) {
      const files = new Map(entry.dump ? splitDump(entry.text).map((f) => [f.path, f.text]) : [[undefined, entry.text]]);
      for (const want of entry.expect.report ?? []) {
        const line = files.get(want.file)?.split("\n")[want.line - 1] ?? "";
        expect(line.trim(), `${entry.name}: ${want.file ?? "nginx.conf"}:${want.line}`).toMatch(
          new RegExp(`^${want.directive}\\s`),
        );
        expect(want.kind.length, entry.name).toBeGreaterThan(0);
      }
    }
  });

  it("splits an nginx -T dump at its markers", () => {
    const dump = corpus.find((e) => e.dump)!;
    const files = splitDump(dump.text);
    expect(files.map((f) => f.path)).toEqual([
      "/etc/nginx/nginx.conf",
      "/etc/nginx/mime.types",
      "/etc/nginx/conf.d/websocket-map.conf",
      "/etc/nginx/sites-enabled/default",
      "/etc/nginx/sites-enabled/chat.example.com",
    ]);
    expect(files[0]!.text).toMatch(/^user www-data;\n/);
    expect(files[4]!.text).toContain("server 127.0.0.26:3000;");
  });
});

describe.each(nginxBuilds().map((b) => [b.label, b] as const))("nginx -t on %s", (_label, build) => {
  it.each(corpus.map((e) => [e.name, e] as const))("%s", async (_name, entry) => {
    const dir = newSandboxDir();
    const { files, main } = sandboxFiles(entry, certs, dir);
    const result = await withSandbox(
      main ? {} : files,
      async (sandbox) => {
        for (const sub of ["log", "cache"]) mkdirSync(join(dir, sub), { recursive: true });
        if (main)
          for (const [name, text] of Object.entries(files)) {
            mkdirSync(dirname(join(dir, name)), { recursive: true });
            writeFileSync(join(dir, name), text);
          }
        return build.nginx.test({ config: main ?? sandbox.mainConfig, prefix: dir });
      },
      { dir },
    );
    if (acceptedBy(entry, build.version)) {
      expect(result.errors, result.stderr).toEqual([]);
      expect(result.ok, result.stderr).toBe(true);
    } else {
      expect(result.ok, result.stderr).toBe(false);
      expect(result.errors.map((e) => e.text).join("\n"), result.stderr).toContain(entry.expect.nginx!.because);
    }
  });
});

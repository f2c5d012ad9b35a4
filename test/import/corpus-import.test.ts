/**
 * What `wssgen import` makes of its corpus (fixtures/import/*\/nginx.conf, hand-written configs as
 * people copy them): each imports to the golden wssgen.yaml and report.txt beside it
 * (UPDATE_SNAPSHOTS=1 rewrites them); the report names every directive of the input at its file
 * (an nginx -T dump's section) and line (report.test.ts checks the lines expect.json asks for); the result
 * validates and renders to a config that every nginx build it can target accepts with `nginx -t` and
 * no warnings; and importing that rendered config again renders the same bytes (the fixed point).
 * The certificates are swapped for test ones (nginx -t reads them).
 */
import { mkdirSync, rmSync } from "node:fs";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { newSandboxDir, withSandbox } from "../../src/check/sandbox.js";
import { formatImportReport } from "../../src/commands/import.js";
import { parseConfig } from "../../src/config/load.js";
import { versionProblems } from "../../src/config/version-gates.js";
import { importNginx } from "../../src/import/import.js";
import { splitSections } from "../../src/import/sections.js";
import { render } from "../../src/render/render.js";
import { makeCertDir } from "../helpers/certs.js";
import { expectGolden } from "../helpers/fixtures.js";
import { importCorpus, reviewed } from "../helpers/import-corpus.js";
import { nginxBuilds } from "../helpers/nginx.js";

const certs = makeCertDir();
afterAll(() => rmSync(certs.dir, { recursive: true, force: true }));

const corpus = importCorpus();

describe.each(corpus.map((c) => [c.name, c] as const))("import of %s", (_name, c) => {
  const result = importNginx(c.text, { file: "nginx.conf" });

  it("is the golden wssgen.yaml and report.txt", () => {
    expectGolden(result.yaml, join(c.dir, "wssgen.yaml"));
    expectGolden(formatImportReport(result.report, "text"), join(c.dir, "report.txt"));
  });

  it("reports every directive at its file and line", () => {
    for (const section of splitSections(c.text, "nginx.conf"))
      section.text.split("\n").forEach((line, i) => {
        if (/^\s*[a-z_0-9]+(\s|;)/.test(line))
          expect(
            result.report.some((n) => n.file === section.file && n.line === i + 1),
            `${section.file}:${i + 1}`,
          ).toBe(true);
      });
  });

  it("validates, renders, and passes nginx -t with no warnings on every build it can target", async () => {
    const { data } = reviewed(c, result.data);
    for (const site of data.sites)
      if (site.tls)
        Object.assign(site.tls, { certificate: join(certs.dir, "fullchain.pem"), key: join(certs.dir, "privkey.pem") });
    const { config } = parseConfig("wssgen.yaml", JSON.stringify(data), {});
    let tested = 0;
    for (const build of nginxBuilds()) {
      if (versionProblems(config, build.version).length) continue;
      // a kept proxy_cache_path names a system directory: nginx -t creates it, so it moves into the sandbox
      const dir = newSandboxDir();
      const output = render(config, build).replaceAll("/var/cache/nginx/", `${dir}/cache/`);
      const checked = await withSandbox(
        { "wssgen.conf": output },
        (s) => {
          mkdirSync(join(s.dir, "cache"));
          return build.nginx.test({ config: s.mainConfig, prefix: s.dir });
        },
        { dir },
      );
      expect(checked.errors, `${build.label}: ${checked.stderr}`).toEqual([]);
      expect(checked.warnings, `${build.label}: ${checked.stderr}`).toEqual([]);
      tested++;
    }
    expect(tested).toBeGreaterThan(0);
  });

  it("renders, imported again, to the same bytes (render → import → render is a fixed point)", () => {
    const build = nginxBuilds().at(-1)!;
    const { config } = parseConfig("wssgen.yaml", reviewed(c, result.data).yaml, {});
    if (versionProblems(config, build.version).length) throw new Error(`${c.name}: the newest build cannot target it`);
    const first = render(config, build);
    const again = importNginx(first, { file: "wssgen.conf" });
    expect(render(parseConfig("wssgen.yaml", again.yaml, {}).config, build), again.yaml).toBe(first);
  });
});

/**
 * The import corpus (fixtures/import/*\/nginx.conf, hand-written configs as people copy them): each
 * imports to the golden wssgen.yaml and report.txt beside it (UPDATE_SNAPSHOTS=1 rewrites them), the
 * result validates, and it renders to a config every real nginx build it can target accepts with
 * `nginx -t` and no warnings. The certificates are swapped for test ones (nginx -t reads them).
 */
import { readdirSync, readFileSync, rmSync } from "node:fs";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { withSandbox } from "../../src/check/sandbox.js";
import { formatImportReport } from "../../src/commands/import.js";
import { parseConfig } from "../../src/config/load.js";
import { versionProblems } from "../../src/config/version-gates.js";
import { importNginx } from "../../src/import/import.js";
import { splitSections } from "../../src/import/sections.js";
import { render } from "../../src/render/render.js";
import { makeCertDir } from "../helpers/certs.js";
import { expectGolden } from "../helpers/fixtures.js";
import { nginxBuilds } from "../helpers/nginx.js";
import { FIXTURES } from "../helpers/paths.js";

const certs = makeCertDir();
afterAll(() => rmSync(certs.dir, { recursive: true, force: true }));

const base = join(FIXTURES, "import");
const corpus = readdirSync(base, { withFileTypes: true })
  .filter((entry) => entry.isDirectory())
  .map((entry) => entry.name)
  .sort()
  .map((name) => ({ name, dir: join(base, name), text: readFileSync(join(base, name, "nginx.conf"), "utf8") }));

describe("the import corpus (fixtures/import)", () => {
  it("holds the blog post's config and at least 8 others' shapes", () => {
    expect(corpus.map((c) => c.name)).toContain("01-blog-post-seed");
    expect(corpus.length).toBeGreaterThanOrEqual(8);
  });

  it.each(corpus.map((c) => [c.name, c] as const))("%s imports, validates and passes nginx -t", async (_name, c) => {
    const result = importNginx(c.text, { file: "nginx.conf" });
    expectGolden(result.yaml, join(c.dir, "wssgen.yaml"));
    expectGolden(formatImportReport(result.report, "text"), join(c.dir, "report.txt"));
    // every directive of the input is in the report, at its file (nginx -T's sections) and line
    for (const section of splitSections(c.text, "nginx.conf"))
      section.text.split("\n").forEach((line, i) => {
        if (/^\s*[a-z_0-9]+(\s|;)/.test(line))
          expect(
            result.report.some((n) => n.file === section.file && n.line === i + 1),
            `${section.file}:${i + 1}`,
          ).toBe(true);
      });
    const data = structuredClone(result.data);
    for (const site of data.sites)
      if (site.tls)
        Object.assign(site.tls, { certificate: join(certs.dir, "fullchain.pem"), key: join(certs.dir, "privkey.pem") });
    const { config } = parseConfig("wssgen.yaml", JSON.stringify(data), {});
    let tested = 0;
    for (const build of nginxBuilds()) {
      if (versionProblems(config, build.version).length) continue;
      const output = render(config, build);
      const checked = await withSandbox({ "wssgen.conf": output }, (s) =>
        build.nginx.test({ config: s.mainConfig, prefix: s.dir }),
      );
      expect(checked.errors, `${build.label}: ${checked.stderr}`).toEqual([]);
      expect(checked.warnings, `${build.label}: ${checked.stderr}`).toEqual([]);
      tested++;
    }
    expect(tested).toBeGreaterThan(0);
  });
});

/**
 * Hash sizes at scale (docs/decisions.md, "Hash sizes are computed"; README, "Speed and scale"): 10,000 sites (YAML, every nginx of the matrix) and 100,000 sites (JSON, the
 * system nginx) render to configs that the real nginx -t accepts unmodified, with no warnings —
 * long server names and thousands of origins included. Times are not asserted; `npm run bench` measures them.
 */
import { rmSync } from "node:fs";
import { afterAll, describe, expect, it } from "vitest";
import { parseConfig } from "../../src/config/load.js";
import { withSandbox } from "../../src/check/sandbox.js";
import { renderChunks } from "../../src/render/render.js";
import { generateConfig } from "../../scripts/bench/generate.mjs";
import { makeCertDir } from "../helpers/certs.js";
import { nginxBuilds, type NginxBuild } from "../helpers/nginx.js";
import { freePort } from "../helpers/ports.js";
import { createWriteStream } from "node:fs";

const certs = makeCertDir();
afterAll(() => rmSync(certs.dir, { recursive: true, force: true }));

async function renderAndTest(build: NginxBuild, sites: number, format: "yaml" | "json") {
  const listen = { tls: `127.0.0.1:${await freePort()}`, plain: `127.0.0.1:${await freePort()}` };
  const text = generateConfig(sites, format, { certificate: certs.certificate, key: certs.key, listen });
  const { config } = parseConfig(`sites.${format}`, text, {});
  return withSandbox({ "wssgen.conf": "" }, async (sandbox) => {
    const out = createWriteStream(sandbox.path("wssgen.conf"));
    for (const chunk of renderChunks(config, { version: build.version, openssl: build.openssl }))
      if (!out.write(chunk)) await new Promise<void>((r) => out.once("drain", () => r()));
    await new Promise<void>((r) => out.end(() => r()));
    return build.nginx.test({ config: sandbox.mainConfig, prefix: sandbox.dir });
  });
}

describe.each(nginxBuilds().map((b) => [b.label, b] as const))("10,000 sites on %s", (_label, build) => {
  it("pass nginx -t with no warnings", async () => {
    const result = await renderAndTest(build, 10_000, "yaml");
    expect(result.errors, result.stderr).toEqual([]);
    expect(result.warnings, result.stderr).toEqual([]);
    expect(result.ok).toBe(true);
  }, 300_000);
});

describe("100,000 sites", () => {
  it("pass the system nginx's nginx -t with no warnings", async () => {
    const result = await renderAndTest(nginxBuilds()[0]!, 100_000, "json");
    expect(result.errors, result.stderr).toEqual([]);
    expect(result.warnings, result.stderr).toEqual([]);
    expect(result.ok).toBe(true);
  }, 900_000);
});

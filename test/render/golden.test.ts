import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { parseConfig } from "../../src/config/load.js";
import { resolveNginxBuild } from "../../src/nginx/nginx-build.js";
import { render } from "../../src/render/render.js";
import { expectGolden, fixtures } from "../helpers/fixtures.js";

describe("golden output per fixture (fixtures/render/*/expected.conf)", () => {
  const all = fixtures("render");
  it("has at least 12 scenarios plus the seed's", () => {
    expect(all.length).toBeGreaterThanOrEqual(13);
    expect(all.map((f) => f.name)).toContain("02-seed-proxy-hello");
  });

  it.each(all.map((f) => [f.name, f] as const))("%s", async (_name, fixture) => {
    // an empty environment: ${VAR:-default} takes its default, so the golden file is the same everywhere
    const { config } = parseConfig("wssgen.yaml", fixture.text, {});
    const build = await resolveNginxBuild(config, undefined, undefined);
    const output = render(config, build);
    expect(render(config, build)).toBe(output); // deterministic: same input, same bytes
    expectGolden(output, join(fixture.dir, "expected.conf"));
  });
});

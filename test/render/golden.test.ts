import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { parseConfig } from "../../src/config/load.js";
import { resolveTarget } from "../../src/nginx/target.js";
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
    const target = await resolveTarget(config, undefined, undefined);
    const output = render(config, target);
    expect(render(config, target)).toBe(output); // deterministic: same input, same bytes
    expectGolden(output, join(fixture.dir, "expected.conf"));
  });
});

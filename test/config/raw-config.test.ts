/**
 * The library's RawConfig is the zod schema's inferred type spelled out in plain TypeScript
 * (src/config/raw-config.gen.ts), so that the published declarations need no zod.
 */
import { execFileSync } from "node:child_process";
import { join } from "node:path";
import { describe, expect, expectTypeOf, it } from "vitest";
import type { RawConfig as Generated } from "../../src/config/raw-config.gen.js";
import type { RawConfig } from "../../src/config/schema.js";
import { ROOT } from "../helpers/paths.js";

describe("RawConfig for library users", () => {
  it("is the schema's type (checked by `npm run typecheck`)", () => {
    expectTypeOf<Generated>().toEqualTypeOf<RawConfig>();
  });

  it("src/config/raw-config.gen.ts is generated from the current schema", () => {
    expect(() => execFileSync("node", [join(ROOT, "scripts/gen-types.mjs"), "--check"], { stdio: "pipe" })).not.toThrow();
  });
});

/**
 * docs/recipes/behind-a-proxy.md shows wssgen.yaml examples and excerpts of what they render to:
 * each excerpt (runs of lines between "..." lines) must be what the example renders to today, for
 * the version the recipe names, so the page cannot drift from the program.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { parseConfig } from "../../src/config/load.js";
import { render } from "../../src/render/render.js";
import { parseVersion } from "../../src/nginx-version/version.js";
import { ROOT } from "../helpers/paths.js";

const page = readFileSync(join(ROOT, "docs/recipes/behind-a-proxy.md"), "utf8");
const version = /rendered with `wssgen render --nginx-version ([\d.]+)`/.exec(page)?.[1];

/** Each full example (a yaml block with upstreams and sites) and the nginx excerpts after it. */
function examples(): { yaml: string; excerpts: string[][] }[] {
  const found: { yaml: string; excerpts: string[][] }[] = [];
  for (const [, lang, body] of page.matchAll(/^```(\w*)\n([\s\S]*?)^```$/gm)) {
    if (lang === "yaml" && /^upstreams:/m.test(body!) && /^sites:/m.test(body!)) found.push({ yaml: body!, excerpts: [] });
    else if (lang === "nginx" && found.length)
      found.at(-1)!.excerpts.push(...body!.split(/^ *\.\.\.\n/m).map((run) => run.trimEnd().split("\n")));
  }
  return found;
}

describe("docs/recipes/behind-a-proxy.md", () => {
  it("names the nginx version its excerpts were rendered for, and has examples with excerpts", () => {
    expect(version).toBeDefined();
    expect(examples().length).toBe(3);
    for (const example of examples()) expect(example.excerpts.length).toBeGreaterThan(0);
  });
  it.each(examples().map((example, i) => [i + 1, example] as const))(
    "example %i renders to the excerpts the page shows",
    (_n, { yaml, excerpts }) => {
      const output = render(parseConfig("wssgen.yaml", yaml, {}).config, { version: parseVersion(version!)! });
      for (const run of excerpts) expect(output, run.join("\n")).toContain(run.join("\n"));
    },
  );
});

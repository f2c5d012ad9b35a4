/**
 * docs/recipes/docker-compose.md: its wssgen.yaml renders with no warning, the upstream blocks it
 * shows are what the CLI prints for it today, and the output passes the real `nginx -t` of every
 * build that can do resolve, on a machine where `api` and `web` resolve to nothing (as in CI). The
 * fallback for older nginx renders for 1.26, and `check` points its names out.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { parseConfig } from "../../src/config/load.js";
import { withSandbox } from "../../src/check/sandbox.js";
import { RESOLVE_MINIMUM } from "../../src/lint/rules/resolve.js";
import { atLeast } from "../../src/nginx-version/version.js";
import { render } from "../../src/render/render.js";
import { runCli } from "../helpers/cli.js";
import { nginxBuilds } from "../helpers/nginx.js";
import { ROOT } from "../helpers/paths.js";

const RECIPE = readFileSync(join(ROOT, "docs/recipes/docker-compose.md"), "utf8");
const MINIMUM = RESOLVE_MINIMUM;

/** The recipe's ```language block whose first line is `first`. */
function block(language: string, first: string): string {
  const blocks = [...RECIPE.matchAll(new RegExp("```" + language + "\\n([\\s\\S]*?)\\n```", "g"))].map((m) => m[1]!);
  const found = blocks.find((b) => b.split("\n")[0] === first);
  if (found === undefined) throw new Error(`the recipe has no \`\`\`${language} block that starts with ${first}`);
  return found;
}

const CONFIG = block("yaml", "# wssgen.yaml");
const FALLBACK = block("yaml", "# wssgen.yaml, for nginx older than 1.27.3");

const dir = mkdtempSync(join(tmpdir(), "wssgen-compose-recipe-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
writeFileSync(join(dir, "wssgen.yaml"), `${CONFIG}\n`);
writeFileSync(join(dir, "fallback.yaml"), `${FALLBACK}\n`);

it("the recipe's config renders with no warning, and its upstream blocks are what the CLI prints", async () => {
  const result = await runCli(["render"], { cwd: dir });
  expect(result.stderr).toBe("");
  expect(result.exitCode).toBe(0);
  expect(result.stdout).toContain(`${block("nginx", "# upstream api")}\n`);
});

describe.each(
  nginxBuilds()
    .filter((b) => atLeast(b.version, MINIMUM))
    .map((b) => [b.label, b] as const),
)("on %s", (_label, build) => {
  it("passes nginx -t though api and web resolve to nothing here", async () => {
    const output = render(parseConfig("wssgen.yaml", CONFIG, {}).config, build);
    const result = await withSandbox({ "wssgen.conf": output }, (s) => build.nginx.test({ config: s.mainConfig, prefix: s.dir }));
    expect(result.errors, result.stderr).toEqual([]);
    expect(result.warnings, result.stderr).toEqual([]);
  });
});

it("the fallback for older nginx renders for 1.26, and check names the upstreams that need a reload after a deploy", async () => {
  const rendered = await runCli(["render", "-c", "fallback.yaml"], { cwd: dir });
  expect(rendered.stderr).toBe("");
  expect(rendered.exitCode).toBe(0);
  const checked = await runCli(["check", "-c", "fallback.yaml", "--nginx", "skip"], { cwd: dir });
  expect(checked.exitCode).toBe(0);
  expect(checked.stdout.split("\n").filter((line) => line.endsWith("[upstream-name-resolved-once]"))).toEqual([
    expect.stringMatching(/^fallback\.yaml:5:\d+ upstreams\.api\.servers: info: .*reload nginx/),
    expect.stringMatching(/^fallback\.yaml:6:\d+ upstreams\.web\.servers: info: .*reload nginx/),
  ]);
});

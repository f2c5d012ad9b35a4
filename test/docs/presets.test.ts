/**
 * docs/presets/<name>.md against src/config/presets.ts, the one home of the facts: every preset has
 * a page, linked from docs/config.md and the README, that states what the preset sets and the
 * framework's usual path; and every page's YAML example loads with its preset, its routes drawing
 * no lint warning (a pasted snippet without origins would get origin-missing).
 */
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { parseConfig } from "../../src/config/load.js";
import { PRESETS, presetNames } from "../../src/config/presets.js";
import { lint } from "../../src/lint/index.js";
import { DEFAULT_NGINX_VERSION, featuresFor, parseVersion } from "../../src/nginx-version/version.js";
import { ROOT } from "../helpers/paths.js";

const page = (name: string) => readFileSync(join(ROOT, "docs/presets", `${name}.md`), "utf8");

describe.each(presetNames.map((name) => [name]))("docs/presets/%s.md", (name) => {
  const facts = PRESETS[name];
  it("exists, and docs/config.md and the README link it", () => {
    expect(existsSync(join(ROOT, "docs/presets", `${name}.md`))).toBe(true);
    expect(readFileSync(join(ROOT, "docs/config.md"), "utf8")).toContain(`(presets/${name}.md)`);
    expect(readFileSync(join(ROOT, "README.md"), "utf8")).toContain(`(docs/presets/${name}.md)`);
  });
  it("states what the preset sets and the framework's usual path", () => {
    const text = page(name).replace(/\s*\n\s*/g, " ");
    expect(text).toMatch(new RegExp(`^# Preset \`${name.replace(".", "\\.")}\``));
    const read = facts.sets["timeouts.read"];
    if (read === undefined) expect(text).toContain("`websocket: true` only");
    else expect(text).toContain(`\`timeouts.read: ${read}\``);
    expect(text).toContain(`path: ${facts.usualPaths[0]}`);
  });
  it("its YAML example loads, with the preset on a route", () => {
    const example = /```yaml\n([\s\S]*?)```/.exec(page(name))![1]!;
    const yaml = `upstreams:\n${["chat", "api", "app", "rails", "homeassistant"].map((u) => `  ${u}: { servers: [127.0.0.1:3000] }\n`).join("")}sites:\n  - domains: [chat.example.com]\n${example.replace(/^/gm, "    ")}`;
    const { config } = parseConfig("wssgen.yaml", yaml, {});
    expect(config.sites[0]!.routes.some((r) => r.preset === name)).toBe(true);
    // pasted as it is, its routes draw no warning: origins set, the path and timeouts the preset's
    const version = parseVersion(DEFAULT_NGINX_VERSION)!;
    const routeRules = lint({ config, nginxVersion: version, features: featuresFor(version, undefined) }).filter(
      (f) => f.severity !== "info" && f.path[0] === "sites",
    );
    expect(routeRules.map((f) => `${f.rule}: ${f.message}`)).toEqual([]);
  });
});

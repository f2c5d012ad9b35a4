/** The docs are checked against the code: schema key table, a page per lint rule, every CLI option. */
import { execFileSync } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { RULE_IDS } from "../src/config/rule-ids.js";
import { DEFAULTS, describeDefault } from "../src/config/defaults.js";
import { buildProgram } from "../src/cli.js";
import { ROOT } from "./helpers/paths.js";
import { parseConfig } from "../src/config/load.js";
import { assertVersionGates } from "../src/config/version-gates.js";
import { lint } from "../src/lint/index.js";
import { featuresFor } from "../src/nginx-version/version.js";
import { resolveNginxBuild } from "../src/nginx/nginx-build.js";
import { render } from "../src/render/render.js";

const { nginx, site, route } = DEFAULTS;
const [read, send] = [route["timeouts.read"].value, route["timeouts.send"].value];
/** Prose that states a default, as src/config/defaults.ts makes it now (the key table is generated). */
const PROSE_DEFAULTS: [file: string, text: string][] = [
  ["docs/config.md", `default ${describeDefault(site.listen)}`],
  ["docs/config.md", `websocket: ${String(route.websocket.value)} # default ${String(route.websocket.value)}`],
  ["docs/config.md", `non-browsers); default ${String(route.allowMissingOrigin.value)}`],
  ["docs/config.md", `WebSocket routes default to \`proxy_read_timeout ${read}\` and \`proxy_send_timeout ${send}\``],
  ["docs/config.md", `\`ssl_session_timeout ${site["tls.sessionTimeout"].value}\``],
  ["docs/config.md", `HSTS \`max-age=${site["tls.hsts.maxAge"].value}\``],
  ["docs/config.md", `(\`nginx.workerShutdownTimeout\`, default ${nginx.workerShutdownTimeout.value})`],
  ["docs/decisions.md", `\`render --full\` (default ${nginx.workerShutdownTimeout.value})`],
  ["docs/troubleshooting.md", `wssgen routes default to \`timeouts.read: ${read}\``],
  ["docs/troubleshooting.md", `(the site's \`listen\`, ${site.listen.when.tls} by default)`],
  ["docs/troubleshooting.md", `\`websocket: ${String(route.websocket.value)}\` (the default)`],
  ["docs/cli.md", `a bare name (the default \`${nginx.binary.value}\`)`],
  ["docs/cli.md", `\`nginx.mainConfig\` (default \`${nginx.mainConfig.value}\`)`],
  ["docs/cli.md", `(default \`nginx.target\`, \`${nginx.target.value}\`)`],
  ["docs/rules/origin-missing.md", `\`websocket: ${String(route.websocket.value)}\`, the default`],
  ["docs/rules/origin-missing.md", `\`allowMissingOrigin: ${String(route.allowMissingOrigin.value)}\`, the default`],
  ["docs/rules/max-connections-unset.md", `\`websocket: ${String(route.websocket.value)}\`, the default`],
  ["docs/rules/ws-read-timeout.md", `\`websocket: ${String(route.websocket.value)}\`, the default`],
  ["docs/rules/ws-read-timeout.md", `WebSocket routes default to \`${read}\``],
  ["docs/rules/ws-read-timeout.md", `raise timeouts.read (default ${read})`],
  ["docs/rules/worker-shutdown-timeout.md", `\`nginx.mainConfig\`, default \`${nginx.mainConfig.value}\``],
  ["docs/rules/worker-shutdown-timeout.md", `\`nginx.workerShutdownTimeout\` (default \`${nginx.workerShutdownTimeout.value}\`)`],
  ["README.md", `${nginx.target.value} by default (nginx.target)`],
];

describe("docs", () => {
  it.each(PROSE_DEFAULTS)("%s states the default as src/config/defaults.ts has it: %s", (file, text) => {
    expect(readFileSync(join(ROOT, file), "utf8").replace(/\s*\n\s*/g, " ")).toContain(text);
  });
  it("docs/config.md's key table is generated from the current schema", () => {
    expect(() => execFileSync("node", [join(ROOT, "scripts/gen-config-docs.mjs"), "--check"], { stdio: "pipe" })).not.toThrow();
  });
  it.each([...RULE_IDS])("lint rule %s has a page under docs/rules/", (id) => {
    const page = join(ROOT, "docs/rules", `${id}.md`);
    expect(existsSync(page)).toBe(true);
    expect(readFileSync(page, "utf8")).toMatch(new RegExp(`^# ${id}\\n`));
  });
  it("docs/cli.md documents every command and option", async () => {
    const doc = readFileSync(join(ROOT, "docs/cli.md"), "utf8");
    for (const command of (await buildProgram()).commands) {
      expect(doc, command.name()).toContain(`## \`wssgen ${command.name()}\``);
      for (const option of command.options)
        expect(doc, `${command.name()} ${option.long}`).toContain(`\`${option.flags.split(" ")[0]!.replace(",", "")}`);
    }
  });
  it("the README's two commands are the ones CI runs", () => {
    const readme = readFileSync(join(ROOT, "README.md"), "utf8");
    const ci = readFileSync(join(ROOT, ".ci/run"), "utf8");
    const testCommand = ci.trim().split("\n").pop()!;
    expect(readme).toContain(`\`\`\`sh\n${testCommand}\n\`\`\``);
    expect(readme).toMatch(
      /```sh\nnpm ci && npm run build && node bin\/wssgen.js init --yes --force -o example.yaml && node bin\/wssgen.js render -c example.yaml\n```/,
    );
  });

  it("every complete config in the README is valid, renders for its nginx version and draws no lint error or warning", async () => {
    const readme = readFileSync(join(ROOT, "README.md"), "utf8");
    const configs = [...readme.matchAll(/```yaml\n([\s\S]*?)```/g)].map((m) => m[1]!).filter((text) => /^sites:/m.test(text));
    expect(configs.length).toBeGreaterThanOrEqual(2);
    for (const text of configs) {
      const { config, source } = parseConfig("README.yaml", text, {});
      const build = await resolveNginxBuild(config, undefined, undefined);
      assertVersionGates(config, source, build);
      expect(render(config, build)).toContain("server {");
      const findings = lint({ config, features: featuresFor(build.version, build.openssl), nginxVersion: build.version });
      expect(findings.filter((f) => f.severity !== "info")).toEqual([]);
    }
  });
});

/** The docs are checked against the code: schema key table, a page per lint rule, every CLI option. */
import { execFileSync } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { RULE_IDS } from "../src/config/rule-ids.js";
import { buildProgram } from "../src/cli.js";
import { ROOT } from "./helpers/paths.js";

describe("docs", () => {
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
});

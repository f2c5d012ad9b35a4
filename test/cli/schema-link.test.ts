/**
 * The `$schema` link that `wssgen init` writes resolves for a user who installed wssgen (issue 8 §7):
 * the packaged schema in node_modules, else a file `wssgen schema -o` wrote, else no link and a
 * comment saying how to get one. Never a URL at a host we do not control.
 */
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { describe, expect, it } from "vitest";
import { runCli } from "../helpers/cli.js";
import { ROOT } from "../helpers/paths.js";

const tmp = () => mkdtempSync(join(tmpdir(), "wssgen-schema-link-"));
const firstLines = (file: string) => readFileSync(file, "utf8").split("\n").slice(0, 3);
const SCHEMA = readFileSync(join(ROOT, "docs/wssgen.schema.json"), "utf8");

describe("wssgen init: the $schema link", () => {
  it("points into node_modules when wssgen is installed there (also from a subdirectory)", async () => {
    const dir = tmp();
    const packaged = join(dir, "node_modules/wssgen/docs/wssgen.schema.json");
    mkdirSync(dirname(packaged), { recursive: true });
    writeFileSync(packaged, SCHEMA);
    expect((await runCli(["init", "--yes"], { cwd: dir })).exitCode).toBe(0);
    expect(firstLines(join(dir, "wssgen.yaml"))[0]).toBe(
      "# yaml-language-server: $schema=./node_modules/wssgen/docs/wssgen.schema.json",
    );
    mkdirSync(join(dir, "deploy"));
    expect((await runCli(["init", "--yes", "-o", "deploy/prod.yaml"], { cwd: dir })).exitCode).toBe(0);
    expect(firstLines(join(dir, "deploy/prod.yaml"))[0]).toBe(
      "# yaml-language-server: $schema=../node_modules/wssgen/docs/wssgen.schema.json",
    );
  });

  it("points at the file `wssgen schema -o` wrote next to the config", async () => {
    const dir = tmp();
    const written = await runCli(["schema", "-o", "wssgen.schema.json"], { cwd: dir });
    expect(written).toEqual({ exitCode: 0, stdout: "", stderr: "wrote wssgen.schema.json" });
    expect(readFileSync(join(dir, "wssgen.schema.json"), "utf8")).toBe(SCHEMA);
    expect((await runCli(["init", "--yes"], { cwd: dir })).exitCode).toBe(0);
    expect(firstLines(join(dir, "wssgen.yaml"))[0]).toBe("# yaml-language-server: $schema=./wssgen.schema.json");
  });

  it("writes no link, and says how to add one, when neither exists", async () => {
    const dir = tmp();
    expect((await runCli(["init", "--yes"], { cwd: dir })).exitCode).toBe(0);
    const text = readFileSync(join(dir, "wssgen.yaml"), "utf8");
    expect(text.split("\n").slice(0, 2)).toEqual([
      "# Editor completion: run `wssgen schema -o wssgen.schema.json` and make the next line the first one:",
      "# # yaml-language-server: $schema=./wssgen.schema.json",
    ]);
    expect(text).not.toMatch(/^# yaml-language-server/m);
    expect(text).not.toMatch(/\$schema=\w+:|unpkg/);
  });
});

describe("wssgen schema -o", () => {
  it("replaces the file whole and names a directory that does not exist", async () => {
    const dir = tmp();
    writeFileSync(join(dir, "s.json"), "old");
    expect((await runCli(["schema", "-o", "s.json"], { cwd: dir })).exitCode).toBe(0);
    expect(readFileSync(join(dir, "s.json"), "utf8")).toBe(SCHEMA);
    const missing = await runCli(["schema", "-o", "no/such/dir/s.json"], { cwd: dir });
    expect(missing.exitCode).toBe(2);
    expect(missing.stdout).toBe("");
  });
});

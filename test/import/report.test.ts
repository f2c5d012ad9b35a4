/**
 * The import report says what happened to the lines that matter (issue 12): for each corpus config,
 * importNginx (src/import/import.ts) reports the mistakes it fixes (`ssl on;`, a hard-coded
 * `Connection "upgrade"`, `$http_host`, 60 s timeouts) as fixed, and what wssgen cannot model
 * (caches, gzip, rewrite, regex locations, FastCGI, main-context settings) as kept or dropped, at the
 * line and directive expect.json names; every report line points at its directive and says why; and
 * the wssgen.yaml it writes loads without errors, with no socket route left at a 60 s read timeout.
 */
import { expect, it } from "vitest";
import { durationToMs } from "../../src/config/duration.js";
import { parseConfig } from "../../src/config/load.js";
import { importCorpus, reviewed, splitDump } from "../helpers/import-corpus.js";
import { importNginx } from "../../src/import/import.js";

const corpus = importCorpus();

it.each(corpus.map((e) => [e.name, e] as const))("%s", (_name, entry) => {
  const file = `fixtures/import/${entry.name}/nginx.conf`;
  const { data, report } = importNginx(entry.text, { file });
  const shown = report.map((r) => `${r.file}:${r.line} ${r.directive} ${r.kind}: ${r.why}`).join("\n");
  const files = new Map(entry.dump ? splitDump(entry.text).map((f) => [f.path, f.text]) : [[file, entry.text]]);
  for (const line of report) {
    expect(line.why.trim(), shown).not.toBe("");
    const text = files.get(line.file);
    expect(text, `${line.file} is no file of ${entry.name}\n${shown}`).toBeDefined();
    // a table's entry (map, geo, types) is named by its table: its first word is data
    const tableEntry = /^\((\w+) entry\)$/.exec(line.directive);
    if (!tableEntry)
      expect(text!.split("\n")[line.line - 1] ?? "", `${line.file}:${line.line} holds no ${line.directive}\n${shown}`).toContain(
        line.directive,
      );
  }
  for (const want of entry.expect.report ?? []) {
    const found = report.filter(
      (r) => r.line === want.line && r.directive === want.directive && (want.file === undefined || r.file === want.file),
    );
    expect(found, `no report line for ${want.file ?? file}:${want.line} ${want.directive}\n${shown}`).not.toEqual([]);
    expect(
      found.some((r) => want.kind.includes(r.kind)),
      `${want.line} ${want.directive}: ${found.map((r) => r.kind).join(", ")}, wanted ${want.kind.join(" or ")}\n${shown}`,
    ).toBe(true);
  }
  const { yaml } = reviewed(entry, data);
  const { config } = parseConfig("imported.yaml", yaml, {});
  // nginx's 60 s default (or 60 s written out) on a socket route is a mistake import fixes
  for (const site of config.sites)
    for (const route of site.routes.filter((r) => r.websocket))
      expect(durationToMs(route.timeouts.read), `${route.path}: timeouts.read\n${yaml}`).toBeGreaterThan(60_000);
});

/**
 * `wssgen import` keeps what a config does: for each corpus config (fixtures/import), a real nginx
 * runs the ORIGINAL in front of real backends and answers the requests of its expect.json as its
 * README says (which backend, which request target, WebSockets upgraded); then the config that
 * src/import/import.ts's importNginx makes of it, rendered by the real CLI, runs in the same nginx
 * build and must answer the same requests the same way: the same backend (for a group: one of the
 * group), the same target, the same upgrades. Run on every build that accepts the original.
 */
import { existsSync, rmSync } from "node:fs";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { makeCertDir } from "../helpers/certs.js";
import { acceptedBy, importCorpus, type CorpusEntry } from "../helpers/import-corpus.js";
import {
  expected,
  importAndRender,
  liveCorpus,
  sendRequests,
  serve,
  type Answer,
  type Importer,
} from "../helpers/import-harness.js";
import { nginxBuilds, type NginxBuild } from "../helpers/nginx.js";
import { ROOT } from "../helpers/paths.js";

const certs = makeCertDir(["localhost", "127.0.0.1", "*.example.com", "proxy.hello.com"]);
afterAll(() => rmSync(certs.dir, { recursive: true, force: true }));

// ---------------------------------------------------------------------------------------------
// GATE — remove when merging branch i12-import (the importer) with i12-corpus (this test).
// On i12-corpus src/import/import.ts does not exist yet, so the comparison with the imported
// config is not registered here. With GATED = false, a missing importer is a FAILING test.
const GATED = true;
const IMPORTER = join(ROOT, "src/import/import.ts");
const importer: Importer | undefined = existsSync(IMPORTER)
  ? ((await import(/* @vite-ignore */ IMPORTER)) as { importNginx: Importer }).importNginx
  : undefined;
// ---------------------------------------------------------------------------------------------

const corpus = importCorpus().filter((entry) => entry.expect.e2e !== false);

/** The answers of `text` served by `build` (and the live corpus it was made for). */
async function answersOf(build: NginxBuild, entry: CorpusEntry, textFor: (live: Awaited<ReturnType<typeof liveCorpus>>) => Promise<string>) {
  const live = await liveCorpus(entry, certs);
  try {
    const nginx = await serve(build, await textFor(live));
    try {
      return await sendRequests(live, entry.expect.requests, certs.ca);
    } finally {
      nginx.stop();
    }
  } finally {
    await live.stop();
  }
}

const show = (answers: Answer[], entry: CorpusEntry) =>
  answers.map((a, i) => `${entry.expect.requests[i]!.websocket ? "WS " : "GET"} ${entry.expect.requests[i]!.path} → ${a.backend ?? "nginx"} ${a.url ?? ""} ${a.status}`).join("\n");

describe.each(nginxBuilds().map((b) => [b.label, b] as const))("on %s", (_label, build) => {
  const runnable = corpus.filter((entry) => acceptedBy(entry, build.version));

  it.each(runnable.map((e) => [e.name, e] as const))("%s: the original serves as its README says", async (_name, entry) => {
    const answers = await answersOf(build, entry, async (live) => live.text);
    entry.expect.requests.forEach((request, i) => {
      expect(expected(request, answers[i]!), `${request.path}\n${show(answers, entry)}`).toBe(true);
    });
  });

  if (importer)
    it.each(runnable.map((e) => [e.name, e] as const))(
      "%s: the imported config serves the same requests the same way",
      async (_name, entry) => {
        const original = await answersOf(build, entry, async (live) => live.text);
        let yaml = "";
        const imported = await answersOf(build, entry, async (live) => {
          const result = await importAndRender(importer, entry, live, build);
          yaml = result.yaml;
          return result.conf;
        });
        const message = `original:\n${show(original, entry)}\nimported:\n${show(imported, entry)}\n--- wssgen.yaml:\n${yaml}`;
        entry.expect.requests.forEach((request, i) => {
          const [a, b] = [original[i]!, imported[i]!];
          expect(expected(request, b), message).toBe(true);
          expect(b.upgraded, message).toBe(a.upgraded);
          expect(b.url, message).toBe(a.url);
          // one backend: the same one; a group (stickiness, weights): the group, checked by expected()
          if (typeof request.backend === "string" || request.backend === null) expect(b.backend, message).toBe(a.backend);
        });
      },
    );
  else if (!GATED)
    it("src/import/import.ts exists and exports importNginx", () => {
      throw new Error(`${IMPORTER} does not exist: this test compares the imported config with the original (merge branch i12-import)`);
    });
});

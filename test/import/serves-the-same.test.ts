/**
 * `wssgen import` keeps what a config does: for each corpus config (fixtures/import), a real nginx
 * runs the ORIGINAL in front of real backends and answers the requests of its expect.json as its
 * README says (which backend, which request target, WebSockets upgraded); then the config that
 * src/import/import.ts's importNginx makes of it, rendered by the real CLI, runs in the same nginx
 * build and must answer the same requests the same way: the same backend (for a group: one of the
 * group), the same target, the same upgrades. Run on every build that accepts the original.
 */
import { rmSync } from "node:fs";
import { afterAll, describe, expect, it } from "vitest";
import { makeCertDir } from "../helpers/certs.js";
import { acceptedBy, importCorpus, unfixed, unsticky } from "../helpers/import-corpus.js";
import { importNginx } from "../../src/import/import.js";
import { answersOf, compareServes, expected, showAnswers } from "../helpers/import-harness.js";
import { nginxBuilds } from "../helpers/nginx.js";

const certs = makeCertDir(["localhost", "127.0.0.1", "*.example.com", "proxy.hello.com"]);
afterAll(() => rmSync(certs.dir, { recursive: true, force: true }));

const corpus = importCorpus().filter((entry) => entry.expect.e2e !== false);

describe.each(nginxBuilds().map((b) => [b.label, b] as const))("on %s", (_label, build) => {
  const runnable = corpus.filter((entry) => acceptedBy(entry, build.version));

  it.each(runnable.map((e) => [e.name, e] as const))("%s: the original serves as its README says", async (_name, entry) => {
    const answers = await answersOf(build, entry, certs);
    expect(
      unsticky(
        entry.expect.requests,
        answers.map((a) => a.backend),
      ),
      showAnswers(answers, entry),
    ).toEqual([]);
    entry.expect.requests.forEach((request, i) => {
      expect(expected(request, answers[i]!), `${request.path}\n${showAnswers(answers, entry)}`).toBe(true);
      // a mistake import must fix is there in the original
      if (request.fixes) expect(unfixed(request.fixes, answers[i]!.headers), request.path).not.toEqual([]);
    });
  });

  it.each(runnable.map((e) => [e.name, e] as const))(
    "%s: the imported config serves the same requests the same way",
    async (_name, entry) => {
      const { mismatches, message } = await compareServes(build, entry, certs, importNginx);
      expect(mismatches, message).toEqual([]);
    },
  );
});

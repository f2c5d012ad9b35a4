/**
 * The import e2e harness can tell: with a stand-in importer (a hand-written wssgen.yaml for one
 * corpus config) the imported config serves the same, and with a wrong one (the socket route no
 * longer upgrades) the comparison lists the request that changed. So serves-the-same.test.ts cannot
 * pass by comparing nothing. Real nginx (the system build), real backends, the real CLI.
 */
import { rmSync } from "node:fs";
import { afterAll, expect, it } from "vitest";
import { makeCertDir } from "../helpers/certs.js";
import { importCorpus } from "../helpers/import-corpus.js";
import { compareServes, type Importer } from "../helpers/import-harness.js";
import { nginxBuilds } from "../helpers/nginx.js";

const certs = makeCertDir(["localhost", "127.0.0.1", "*.example.com"]);
afterAll(() => rmSync(certs.dir, { recursive: true, force: true }));

const entry = importCorpus().find((e) => e.name === "10-http-host-60s")!;
const build = nginxBuilds()[0]!;

/** A stand-in for importNginx that knows this one config; `socketUpgrades: false` is a wrong import. */
const standIn =
  (socketUpgrades: boolean): Importer =>
  (text) => {
    const listen = /listen (127\.0\.0\.1:\d+);/.exec(text)![1]!;
    const backend = /(127\.0\.0\.17:\d+)/.exec(text)![1]!;
    const yaml = [
      "upstreams:",
      "  app:",
      `    servers: [${backend}]`,
      "sites:",
      "  - domains: [ws.example.com]",
      `    listen: ["${listen}"]`,
      "    routes:",
      "      - path: /socket",
      "        upstream: app",
      ...(socketUpgrades ? [] : ["        websocket: false"]),
      "      - path: /",
      "        upstream: app",
      "        websocket: false",
      "",
    ].join("\n");
    return { yaml, report: [] };
  };

it("a faithful import serves the same requests the same way", async () => {
  const { mismatches, message } = await compareServes(build, entry, certs, standIn(true));
  expect(mismatches, message).toEqual([]);
});

it("an import whose socket route does not upgrade is caught, naming the request", async () => {
  const { mismatches, message } = await compareServes(build, entry, certs, standIn(false));
  expect(mismatches, message).toHaveLength(1);
  expect(mismatches[0], message).toMatch(
    /^\/socket: original 127\.0\.0\.17:7000 \/socket 101, imported 127\.0\.0\.17:7000 \/socket \d+$/,
  );
});

/** Which nginx the output is for (src/nginx/nginx-build.ts): --nginx-version, nginx.version, nginx -V, the default. */
import { describe, expect, it } from "vitest";
import { parseConfig } from "../../src/config/load.js";
import { UsageError } from "../../src/errors.js";
import { formatVersion } from "../../src/nginx-version/version.js";
import { createNginx } from "../../src/nginx/nginx.js";
import type { Runner } from "../../src/nginx/runner.js";
import { resolveNginxBuild } from "../../src/nginx/nginx-build.js";

describe("the nginx build rendered for: --nginx-version, nginx.version, nginx -V, 1.22", () => {
  const fakeNginx =
    (stderr: string, exitCode = 0): Runner =>
    () =>
      Promise.resolve({ exitCode, stdout: "", stderr, notFound: false, timedOut: false });
  const missing: Runner = () => Promise.resolve({ exitCode: undefined, stdout: "", stderr: "", notFound: true, timedOut: false });
  const config = (extra = "") =>
    parseConfig(
      "w.yaml",
      `${extra}upstreams: { a: { servers: [1.2.3.4:80] } }\nsites: [{ domains: [a.com], routes: [{ path: /, upstream: a }] }]\n`,
      {},
    ).config;
  const V = "nginx version: nginx/1.26.3\nbuilt with OpenSSL 3.5.7 9 Jun 2026 (running with OpenSSL 3.5.9 29 Sep 2026)\n";

  it("detects version and OpenSSL from nginx -V", async () => {
    const t = await resolveNginxBuild(config(), undefined, createNginx("nginx", fakeNginx(V)));
    expect([formatVersion(t.version), t.openssl && formatVersion(t.openssl), t.from]).toEqual(["1.26.3", "3.5.9", "nginx -V"]);
  });
  it("the flag wins, and then a detected OpenSSL is not assumed", async () => {
    const t = await resolveNginxBuild(config(), "1.30", createNginx("nginx", fakeNginx(V)));
    expect([formatVersion(t.version), t.openssl, t.from]).toEqual(["1.30", undefined, "--nginx-version"]);
  });
  it("the config comes next", async () => {
    const t = await resolveNginxBuild(
      config('nginx: { version: "1.20", openssl: "3.5" }\n'),
      undefined,
      createNginx("nginx", fakeNginx(V)),
    );
    expect([formatVersion(t.version), formatVersion(t.openssl!), t.from]).toEqual(["1.20", "3.5", "nginx.version"]);
  });
  it("defaults to 1.22 without nginx", async () => {
    const t = await resolveNginxBuild(config(), undefined, createNginx("nginx", missing));
    expect([formatVersion(t.version), t.from]).toEqual(["1.22", "default"]);
  });
  it("refuses versions it cannot render for", async () => {
    await expect(resolveNginxBuild(config(), "1.16", undefined)).rejects.toThrow(UsageError);
    await expect(resolveNginxBuild(config(), "latest", undefined)).rejects.toThrow(/--nginx-version: "latest" is not a version/);
  });
  it("a YAML number version that lost its zero gets a hint", () => {
    expect(() => config("nginx: { version: 1.20 }\n")).toThrow(
      /YAML read the number 1.2: write the version in quotes, e.g. "1.22"; if you meant 1.20, quote it: "1.20"/,
    );
  });
});

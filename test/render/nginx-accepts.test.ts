/**
 * Every valid fixture, rendered for each real nginx's own version (and OpenSSL), passes that nginx's
 * `nginx -t` in a sandbox with zero warnings; a fixture that uses a key this nginx's version cannot
 * do (src/config/version-gates.ts) is refused for it instead, with an error that names the version
 * the key needs, and passes on some other build.
 */
import { writeFileSync } from "node:fs";
import { afterAll, describe, expect, it } from "vitest";
import { rmSync } from "node:fs";
import { INIT_DEFAULTS, type InitAnswers, initText } from "../../src/commands/init.js";
import { PRESETS, presetNames } from "../../src/config/presets.js";
import { parseConfig } from "../../src/config/load.js";
import { withSandbox } from "../../src/check/sandbox.js";
import { render } from "../../src/render/render.js";
import { VERSION_GATES, versionProblems } from "../../src/config/version-gates.js";
import { formatVersion, type Version } from "../../src/nginx-version/version.js";
import { makeCertDir } from "../helpers/certs.js";
import { fixtures } from "../helpers/fixtures.js";
import { nginxBuilds, type NginxBuild } from "../helpers/nginx.js";

const certs = makeCertDir();
afterAll(() => rmSync(certs.dir, { recursive: true, force: true }));

const gated = (text: string, version: Version) =>
  versionProblems(parseConfig("wssgen.yaml", text, { CERT_DIR: certs.dir }).config, version);
/** Fixtures for `build`: those its version can do, and (to check the version error instead) those it cannot. */
const fixturesFor = (build: NginxBuild) => {
  const all = fixtures("render");
  return {
    able: all.filter((f) => gated(f.text, build.version).length === 0),
    unable: all.filter((f) => gated(f.text, build.version).length > 0),
  };
};

it.each(fixtures("render").map((f) => [f.name, f] as const))("%s passes nginx -t on at least one build", (_name, fixture) => {
  expect(nginxBuilds().some((build) => gated(fixture.text, build.version).length === 0)).toBe(true);
});

describe.each(nginxBuilds().map((b) => [b.label, b] as const))("nginx -t on %s", (_label, build) => {
  const { able, unable } = fixturesFor(build);
  it.each(able.map((f) => [f.name, f] as const))("%s passes with no warnings", async (_name, fixture) => {
    const { config } = parseConfig("wssgen.yaml", fixture.text, { CERT_DIR: certs.dir });
    const output = render(config, build);
    const result = await withSandbox({ "wssgen.conf": output }, (s) => build.nginx.test({ config: s.mainConfig, prefix: s.dir }));
    expect(result.errors, result.stderr).toEqual([]);
    expect(result.warnings, result.stderr).toEqual([]);
    expect(result.ok, result.stderr).toBe(true);
  });

  it.each(unable.map((f) => [f.name, f] as const))(
    "%s uses a key this version cannot do: refused with the version it needs",
    (_name, fixture) => {
      const problems = gated(fixture.text, build.version);
      for (const { message } of problems) {
        const gate = VERSION_GATES.find((g) => message.startsWith(`${g.what} needs nginx ${g.minimum} or later`));
        expect(gate, message).toBeDefined();
        expect(message).toContain(`this file is rendered for nginx ${formatVersion(build.version)}`);
      }
    },
  );

  it.each(able.filter((f) => /^\s+tls:/m.test(f.text)).map((f) => [f.name, f] as const))(
    "%s, rendered without knowing the OpenSSL version, passes with no warnings",
    async (_name, fixture) => {
      const { config } = parseConfig("wssgen.yaml", fixture.text, { CERT_DIR: certs.dir });
      const output = render(config, { version: build.version, openssl: undefined });
      expect(output).toContain("ssl_ecdh_curve X25519:prime256v1:secp384r1;");
      const result = await withSandbox({ "wssgen.conf": output }, (s) =>
        build.nginx.test({ config: s.mainConfig, prefix: s.dir }),
      );
      expect(result.errors, result.stderr).toEqual([]);
      expect(result.warnings, result.stderr).toEqual([]);
      expect(result.ok, result.stderr).toBe(true);
    },
  );

  it.each(["03-ws-and-http-routes", "25-static-spa"])(
    "render --full of %s is a complete nginx.conf that passes",
    async (name) => {
      const fixture = fixtures("render").find((f) => f.name === name)!;
      const { config } = parseConfig("wssgen.yaml", fixture.text, { CERT_DIR: certs.dir });
      const output = render(config, build, { full: true });
      const result = await withSandbox({}, async (s) => {
        writeFileSync(s.path("nginx.conf"), output);
        return build.nginx.test({ config: s.path("nginx.conf"), prefix: s.dir, globals: `pid ${s.path("nginx.pid")};` });
      });
      expect(result.errors, result.stderr).toEqual([]);
      expect(result.warnings, result.stderr).toEqual([]);
      expect(result.ok, result.stderr).toBe(true);
    },
  );
});

describe.each(nginxBuilds().map((b) => [b.label, b] as const))("`wssgen init` output passes nginx -t on %s", (_label, build) => {
  it.each<[string, Partial<InitAnswers>]>([
    ["plain ws:// (no certificate given)", {}],
    ["wss:// with --cert/--key", { cert: certs.certificate, key: certs.key }],
    // --preset NAME: its usual path (init's default for --path), the preset key, the settings as comments
    ...presetNames.map(
      (preset) => [`--preset ${preset}`, { preset, path: PRESETS[preset].usualPaths[0]! }] as [string, Partial<InitAnswers>],
    ),
  ])("%s", async (_name, flags) => {
    const text = initText({ ...INIT_DEFAULTS, ...flags });
    const { config } = parseConfig("wssgen.yaml", text, {});
    const result = await withSandbox({ "wssgen.conf": render(config, build) }, (s) =>
      build.nginx.test({ config: s.mainConfig, prefix: s.dir }),
    );
    expect(result.errors, result.stderr).toEqual([]);
    expect(result.warnings, result.stderr).toEqual([]);
    expect(result.ok, result.stderr).toBe(true);
  });
});

/**
 * Every valid fixture, rendered for each real nginx's own version (and OpenSSL), passes that nginx's
 * `nginx -t` in a sandbox with zero warnings.
 */
import { writeFileSync } from "node:fs";
import { afterAll, describe, expect, it } from "vitest";
import { rmSync } from "node:fs";
import { INIT_DEFAULTS, initText } from "../../src/commands/init.js";
import { parseConfig } from "../../src/config/load.js";
import { withSandbox } from "../../src/check/sandbox.js";
import { render } from "../../src/render/render.js";
import { makeCertDir } from "../helpers/certs.js";
import { fixtures } from "../helpers/fixtures.js";
import { nginxBuilds } from "../helpers/nginx.js";

const certs = makeCertDir();
afterAll(() => rmSync(certs.dir, { recursive: true, force: true }));

describe.each(nginxBuilds().map((b) => [b.label, b] as const))("nginx -t on %s", (_label, build) => {
  it.each(fixtures("render").map((f) => [f.name, f] as const))("%s passes with no warnings", async (_name, fixture) => {
    const { config } = parseConfig("wssgen.yaml", fixture.text, { CERT_DIR: certs.dir });
    const output = render(config, build);
    const result = await withSandbox({ "wssgen.conf": output }, (s) => build.nginx.test({ config: s.mainConfig, prefix: s.dir }));
    expect(result.errors, result.stderr).toEqual([]);
    expect(result.warnings, result.stderr).toEqual([]);
    expect(result.ok, result.stderr).toBe(true);
  });

  it.each(
    fixtures("render")
      .filter((f) => /^\s+tls:/m.test(f.text))
      .map((f) => [f.name, f] as const),
  )("%s, rendered without knowing the OpenSSL version, passes with no warnings", async (_name, fixture) => {
    const { config } = parseConfig("wssgen.yaml", fixture.text, { CERT_DIR: certs.dir });
    const output = render(config, { version: build.version, openssl: undefined });
    expect(output).toContain("ssl_ecdh_curve X25519:prime256v1:secp384r1;");
    const result = await withSandbox({ "wssgen.conf": output }, (s) => build.nginx.test({ config: s.mainConfig, prefix: s.dir }));
    expect(result.errors, result.stderr).toEqual([]);
    expect(result.warnings, result.stderr).toEqual([]);
    expect(result.ok, result.stderr).toBe(true);
  });

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
  it.each([
    ["plain ws:// (no certificate given)", {}],
    ["wss:// with --cert/--key", { cert: certs.certificate, key: certs.key }],
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

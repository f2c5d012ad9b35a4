/**
 * Where nginx syntax really differs between versions, output rendered for one nginx version is shown to be
 * wrong on the other nginx, so the version switch is proven against the real binaries.
 */
import { rmSync } from "node:fs";
import { afterAll, describe, expect, it } from "vitest";
import { parseConfig } from "../../src/config/load.js";
import { withSandbox } from "../../src/check/sandbox.js";
import { render } from "../../src/render/render.js";
import { atLeast, parseVersion } from "../../src/nginx-version/version.js";
import { makeCertDir } from "../helpers/certs.js";
import { fixtures } from "../helpers/fixtures.js";
import { nginxBuilds, type NginxBuild } from "../helpers/nginx.js";

const certs = makeCertDir();
afterAll(() => rmSync(certs.dir, { recursive: true, force: true }));

const builds = nginxBuilds();
const oldest = builds.find((b) => !atLeast(b.version, "1.25.1"));
const newer = builds.filter((b) => atLeast(b.version, "1.25.1"));
const newest = builds.reduce((a, b) => (atLeast(b.version, a.version.join(".")) ? b : a));

const load = (name: string) =>
  parseConfig("wssgen.yaml", fixtures("render").find((f) => f.name === name)!.text, { CERT_DIR: certs.dir }).config;
const test = (build: NginxBuild, output: string) =>
  withSandbox({ "wssgen.conf": output }, (s) => build.nginx.test({ config: s.mainConfig, prefix: s.dir }));

describe("the version switch against real nginx", () => {
  it("the suite has a pre-1.25.1 nginx and a newer one", () => {
    expect(oldest).toBeDefined();
    expect(newer.length).toBeGreaterThan(0);
    expect(atLeast(newest.version, "1.29.7")).toBe(true);
  });

  it("`http2 on;` rendered for 1.26 is an unknown directive on 1.22", async () => {
    const output = render(load("11-tls-modern-hsts"), { version: parseVersion("1.26")! });
    const result = await test(oldest!, output);
    expect(result.ok).toBe(false);
    expect(result.errors.map((e) => e.text)).toEqual(['unknown directive "http2"']);
  });

  it.each(newer.map((b) => [b.label, b] as const))(
    "`listen ... http2` rendered for 1.22 is deprecated on %s",
    async (_label, build) => {
      const output = render(load("11-tls-modern-hsts"), { version: parseVersion("1.22")! });
      const result = await test(build, output);
      expect(result.ok).toBe(true);
      // once per listen: 443 and the [::]:443 that ipv6 adds
      expect(result.warnings.map((w) => w.text)).toEqual([
        'the "listen ... http2" directive is deprecated, use the "http2" directive instead',
        'the "listen ... http2" directive is deprecated, use the "http2" directive instead',
      ]);
    },
  );

  it("`keepalive 0` (switching off 1.29.7's default keepalive) is refused by 1.22, so it is only emitted for 1.29.7+", async () => {
    const config = load("10-keepalive");
    const for130 = render(config, { version: parseVersion("1.30")! });
    const for122 = render(config, { version: parseVersion("1.22")! });
    expect(for130).toContain("keepalive 0;");
    expect(for122).not.toContain("keepalive 0;");
    const result = await test(oldest!, for130);
    expect(result.ok).toBe(false);
    expect(result.errors[0]?.text).toMatch(/invalid value "0" in "keepalive" directive/);
    expect((await test(newest, for130)).ok).toBe(true);
  });

  it("the X25519MLKEM768 curve needs OpenSSL 3.5: refused by the OpenSSL 3.0 nginx", async () => {
    expect(oldest!.openssl && atLeast(oldest!.openssl, "3.5")).toBe(false);
    const output = render(load("11-tls-modern-hsts"), { version: oldest!.version, openssl: parseVersion("3.5")! });
    expect(output).toContain("ssl_ecdh_curve X25519MLKEM768:X25519:prime256v1:secp384r1;");
    const result = await test(oldest!, output);
    expect(result.ok).toBe(false);
    expect(result.stderr).toMatch(/ssl_ecdh_curve|SSL_CTX_set1_curves_list/);
  });
});

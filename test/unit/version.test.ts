import { describe, expect, it } from "vitest";
import { featuresFor, parseVersion, formatVersion } from "../../src/render/version.js";
import { resolveNginxBuild } from "../../src/commands/nginx-build.js";
import { parseConfig } from "../../src/config/load.js";
import { createNginx } from "../../src/nginx/nginx.js";
import type { Runner } from "../../src/nginx/runner.js";
import { UsageError } from "../../src/errors.js";

const v = (text: string) => parseVersion(text)!;

describe("version-dependent syntax (SPEC §4.3, §4.5)", () => {
  it.each([
    ["1.18", { http2Directive: false, sessionTicketsOff: true, proxyHttpVersion: true, defaultKeepalive: 0 }],
    ["1.23.1", { http2Directive: false, sessionTicketsOff: true, proxyHttpVersion: true, defaultKeepalive: 0 }],
    ["1.23.2", { http2Directive: false, sessionTicketsOff: false, proxyHttpVersion: true, defaultKeepalive: 0 }],
    ["1.25.0", { http2Directive: false, sessionTicketsOff: false, proxyHttpVersion: true, defaultKeepalive: 0 }],
    ["1.25.1", { http2Directive: true, sessionTicketsOff: false, proxyHttpVersion: true, defaultKeepalive: 0 }],
    ["1.29.6", { http2Directive: true, sessionTicketsOff: false, proxyHttpVersion: true, defaultKeepalive: 0 }],
    ["1.29.7", { http2Directive: true, sessionTicketsOff: false, proxyHttpVersion: false, defaultKeepalive: 32 }],
    ["1.31", { http2Directive: true, sessionTicketsOff: false, proxyHttpVersion: false, defaultKeepalive: 32 }],
  ])("nginx %s", (version, expected) => {
    expect(featuresFor(v(version), undefined)).toMatchObject(expected);
  });
  it("Mozilla's curves for every OpenSSL: X25519MLKEM768 first from 3.5, no X25519 before 1.1.0", () => {
    expect(featuresFor(v("1.26"), v("3.0.13")).curves).toBe("mozilla");
    expect(featuresFor(v("1.26"), v("3.4.9")).curves).toBe("mozilla");
    expect(featuresFor(v("1.26"), v("3.5.0")).curves).toBe("mlkem");
    expect(featuresFor(v("1.26"), v("1.1.0")).curves).toBe("mozilla");
    expect(featuresFor(v("1.18"), v("1.0.2")).curves).toBe("nist");
    expect(featuresFor(v("1.26"), undefined).curves).toBe("mozilla");
  });
  it("formats versions as written", () => {
    expect(formatVersion(v("1.22"))).toBe("1.22");
    expect(formatVersion(v("1.25.1"))).toBe("1.25.1");
  });
});

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

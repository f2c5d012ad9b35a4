import { describe, expect, it } from "vitest";
import { SUPPORTED_PATTERN, VERSION_PATTERN } from "../../src/nginx-version/patterns.js";
import { compareVersions, featuresFor, formatVersion, OLDEST_SUPPORTED, parseVersion } from "../../src/nginx-version/version.js";

const v = (text: string) => parseVersion(text)!;

describe("version-dependent syntax (docs/config.md, The nginx version rendered for)", () => {
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

describe("parsing and comparing", () => {
  it("reads major.minor and major.minor.patch, space around it ignored; nothing else", () => {
    expect(parseVersion("1.22")).toEqual([1, 22, 0]);
    expect(parseVersion(" 1.25.1\n")).toEqual([1, 25, 1]);
    for (const text of ["1", "1.", "1.2.3.4", "v1.22", "1.22a", "", "1 .22"]) expect(parseVersion(text)).toBeUndefined();
  });
  it("compares part by part, numerically", () => {
    expect(compareVersions(v("1.9"), v("1.10"))).toBeLessThan(0);
    expect(compareVersions(v("1.22"), v("1.22.0"))).toBe(0);
    expect(compareVersions(v("2.0"), v("1.999.999"))).toBeGreaterThan(0);
  });
});

describe("the patterns wssgen.yaml and --nginx-version are checked with", () => {
  const anchored = (source: string) => new RegExp(`^(?:${source})$`, "u");
  const shape = anchored(VERSION_PATTERN);
  const supported = anchored(SUPPORTED_PATTERN);
  const oldest = v(OLDEST_SUPPORTED);
  it("a version: parts of 1 to 3 digits without a leading zero", () => {
    for (const ok of ["0.0", "1.22", "1.25.1", "999.999.999"]) expect(shape.test(ok)).toBe(true);
    for (const bad of ["1", "01.22", "1.022", "1.1000", "1.22.", "1.22.1.1", " 1.22"]) expect(shape.test(bad)).toBe(false);
  });
  it("a supported version: exactly the versions of that shape that are OLDEST_SUPPORTED or later", () => {
    let checked = 0;
    for (let major = 0; major <= 999; major += major < 30 ? 1 : 37)
      for (let minor = 0; minor <= 999; minor += minor < 40 ? 1 : 53)
        for (const patch of ["", ".0", ".7", ".999"]) {
          const text = `${major}.${minor}${patch}`;
          expect(supported.test(text), text).toBe(compareVersions(v(text), oldest) >= 0);
          checked++;
        }
    expect(checked).toBeGreaterThan(10_000);
    for (const bad of ["01.22", "1.018", "2.1000", "1.18.01"]) expect(supported.test(bad)).toBe(false);
  });
});

/**
 * Version gates (src/config/version-gates.ts): a key the nginx rendered for cannot do is an error
 * that names the version it needs and the version rendered for (SPEC §7), at the key's place.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { parseConfig } from "../../src/config/load.js";
import { formatPath } from "../../src/config/path.js";
import { assertVersionGates, VERSION_GATES, versionProblems } from "../../src/config/version-gates.js";
import { ConfigError } from "../../src/errors.js";
import { compareVersions, OLDEST_SUPPORTED, parseVersion } from "../../src/nginx-version/version.js";
import { ROOT } from "../helpers/paths.js";

const TLS_SITE = `  - domains: [chat.example.com]
    tls: { certificate: /etc/ssl/a.pem, key: /etc/ssl/a.key }
    routes: [{ path: /ws, upstream: chat }]
`;
const PLAIN_SITE = `  - domains: [plain.example.com]
    routes: [{ path: /ws, upstream: chat }]
`;
const yaml = (defaultServer: string, ...sites: string[]) =>
  `defaultServer: ${defaultServer}\nupstreams: { chat: { servers: [10.0.0.5:8080] } }\nsites:\n${sites.join("")}`;
const load = (text: string) => parseConfig("wssgen.yaml", text, {});
const problems = (text: string, version: string, from?: string) =>
  versionProblems(load(text).config, parseVersion(version)!, from).map((p) => `${formatPath(p.path)}: ${p.message}`);

describe("defaultServer: reject with a TLS site needs nginx 1.19.4 (ssl_reject_handshake)", () => {
  it("is an error before 1.19.4 that names both versions and what to do", () => {
    expect(problems(yaml("reject", PLAIN_SITE, TLS_SITE), "1.18")).toEqual([
      "defaultServer: defaultServer: reject needs nginx 1.19.4 or later for TLS ports (ssl_reject_handshake); this file is rendered for nginx 1.18: set nginx.version (or --nginx-version), or defaultServer: off",
    ]);
    expect(problems(yaml("reject", TLS_SITE), "1.19.3")).toHaveLength(1);
  });
  it("advises upgrading when the version is the installed nginx's (nginx -V)", () => {
    expect(problems(yaml("reject", TLS_SITE), "1.18.0", "nginx -V")).toEqual([
      "defaultServer: defaultServer: reject needs nginx 1.19.4 or later for TLS ports (ssl_reject_handshake); this file is rendered for nginx 1.18 (what nginx -V reports): upgrade nginx (or set nginx.version, for another nginx), or defaultServer: off",
    ]);
  });
  it("is no error from 1.19.4, on plain sites only (return 444 is older than any nginx wssgen renders for), or with defaultServer: off", () => {
    expect(problems(yaml("reject", TLS_SITE), "1.19.4")).toEqual([]);
    expect(problems(yaml("reject", TLS_SITE), "1.30")).toEqual([]);
    expect(problems(yaml("reject", PLAIN_SITE), OLDEST_SUPPORTED)).toEqual([]);
    expect(problems(yaml("off", TLS_SITE), OLDEST_SUPPORTED)).toEqual([]);
  });
});

/** Upstreams whose servers move (resolve) and one with a sticky cookie (issue 11). */
const MOVING = `resolver: { addresses: [127.0.0.11] }
upstreams:
  chat:
    servers: [chat.internal:8080]
    resolve: true
  pair: { servers: [a.internal:8080, b.internal:8080], sticky: { cookie: srv_id } }
sites:
  - domains: [chat.example.com]
    routes: [{ path: /ws, upstream: chat }, { path: /socket.io/, upstream: pair }]
`;
const RESOLVE_NEEDS =
  "upstreams.chat.resolve: resolve: true needs nginx 1.27.3 or later (`server ... resolve` in an upstream); this file is rendered for nginx";
const RESOLVE_OTHERWISE =
  "or remove resolve and reload nginx when the backends' addresses change (nginx resolves the names once, at start)";
const STICKY_NEEDS =
  "upstreams.pair.sticky: sticky needs nginx 1.29.6 or later (`sticky cookie` in an upstream); this file is rendered for nginx";
const STICKY_OTHERWISE =
  "or use balance: ip-hash (one server per client address), or balance: hash with hashKey: $cookie_<your app's session cookie>";

describe("resolve needs nginx 1.27.3 (server ... resolve), sticky needs 1.29.6 (sticky cookie)", () => {
  it("each is an error before its version, at its key, naming both versions and what to do instead", () => {
    expect(problems(MOVING, "1.26")).toEqual([
      `${RESOLVE_NEEDS} 1.26: set nginx.version (or --nginx-version), ${RESOLVE_OTHERWISE}`,
      `${STICKY_NEEDS} 1.26: set nginx.version (or --nginx-version), ${STICKY_OTHERWISE}`,
    ]);
    expect(problems(MOVING, "1.27.2")).toHaveLength(2);
    expect(problems(MOVING, "1.27.3")).toEqual([
      `${STICKY_NEEDS} 1.27.3: set nginx.version (or --nginx-version), ${STICKY_OTHERWISE}`,
    ]);
    expect(problems(MOVING, "1.29.5")).toHaveLength(1);
    expect(problems(MOVING, "1.29.6")).toEqual([]);
    expect(problems(MOVING, "1.30")).toEqual([]);
  });
  it("advises upgrading when the version is the installed nginx's (nginx -V)", () => {
    expect(problems(MOVING, "1.22.1", "nginx -V")).toEqual([
      `${RESOLVE_NEEDS} 1.22.1 (what nginx -V reports): upgrade nginx (or set nginx.version, for another nginx), ${RESOLVE_OTHERWISE}`,
      `${STICKY_NEEDS} 1.22.1 (what nginx -V reports): upgrade nginx (or set nginx.version, for another nginx), ${STICKY_OTHERWISE}`,
    ]);
    expect(problems(MOVING, "1.28.1", "nginx -V")).toEqual([
      `${STICKY_NEEDS} 1.28.1 (what nginx -V reports): upgrade nginx (or set nginx.version, for another nginx), ${STICKY_OTHERWISE}`,
    ]);
  });
  it("is no error without them: a resolver alone, resolve: false, no sticky", () => {
    const without = MOVING.replace("resolve: true", "resolve: false").replace(", sticky: { cookie: srv_id }", "");
    expect(problems(without, OLDEST_SUPPORTED)).toEqual([]);
  });
  it("points at the line and column of the key", () => {
    const { config, source } = load(MOVING);
    expect(() => assertVersionGates(config, source, { version: parseVersion("1.26")!, openssl: undefined })).toThrow(
      /^wssgen\.yaml:5:14 upstreams\.chat\.resolve: resolve: true needs nginx 1\.27\.3/,
    );
    let error: unknown;
    try {
      assertVersionGates(config, source, { version: parseVersion("1.26")!, openssl: undefined });
    } catch (caught) {
      error = caught;
    }
    expect((error as ConfigError).lines().map((line) => line.split(" ")[0])).toEqual(["wssgen.yaml:5:14", "wssgen.yaml:6:64"]);
  });
});

describe("assertVersionGates", () => {
  it("throws a ConfigError (exit code 1) at the key's file:line:column", () => {
    const { config, source } = load(yaml("reject", TLS_SITE));
    let error: unknown;
    try {
      assertVersionGates(config, source, { version: parseVersion("1.18")!, openssl: undefined });
    } catch (caught) {
      error = caught;
    }
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as ConfigError).exitCode).toBe(1);
    expect((error as ConfigError).lines()).toEqual([
      "wssgen.yaml:1:16 defaultServer: defaultServer: reject needs nginx 1.19.4 or later for TLS ports (ssl_reject_handshake); this file is rendered for nginx 1.18: set nginx.version (or --nginx-version), or defaultServer: off",
    ]);
    expect(() => assertVersionGates(config, source, { version: parseVersion("1.19.4")!, openssl: undefined })).not.toThrow();
  });
  it("names the variable, not its value, when the key came from the environment", () => {
    const { config, source } = parseConfig("wssgen.yaml", yaml("${CATCH_ALL}", TLS_SITE), { CATCH_ALL: "reject" });
    expect(() => assertVersionGates(config, source, { version: parseVersion("1.18")!, openssl: undefined })).toThrow(
      "wssgen.yaml:1:16 defaultServer (from ${CATCH_ALL}): defaultServer: reject needs nginx 1.19.4 or later for TLS ports (ssl_reject_handshake); this file is rendered for nginx 1.18: set nginx.version (or --nginx-version), or defaultServer: off",
    );
  });
});

describe("the table of gates", () => {
  const keys = readFileSync(join(ROOT, "docs/config.md"), "utf8");
  it.each(VERSION_GATES.map((gate) => [gate.what, gate] as const))(
    "%s: its minimum is a version newer than the oldest nginx wssgen renders for, its keys are documented",
    (_what, gate) => {
      expect(gate.minimum).toMatch(/^\d+\.\d+\.\d+$/);
      expect(compareVersions(parseVersion(gate.minimum)!, parseVersion(OLDEST_SUPPORTED)!)).toBeGreaterThan(0);
      for (const key of gate.keys) expect(keys).toContain(`| \`${key}\` |`);
      // and docs/config.md's version table says it
      expect(keys).toMatch(new RegExp(`\\| before ${gate.minimum.replaceAll(".", "\\.")} +\\|[^\\n]*${gate.keys[0]}`));
    },
  );
});

/**
 * Values mean what nginx and the web mean (issue 8 §5, §9): each numeric range is nginx's (or the
 * standard's), an out-of-range message states the range, nginx.version takes only versions, and
 * zod's own wording never reaches the user. Top-level x-* keys hold YAML anchors (as in Compose).
 */
import { isIPv6 } from "node:net";
import { describe, expect, it } from "vitest";
import { parseNginxVersion } from "../../src/nginx/nginx-build.js";
import { durationPattern, durationToSeconds } from "../../src/config/duration.js";
import { parseConfig } from "../../src/config/load.js";
import { checkListen, checkNginxVersion, checkVersion, IPV6 } from "../../src/config/values.js";
import { ConfigError } from "../../src/errors.js";

const site = (extra: string) =>
  `upstreams: { chat: { servers: [10.0.0.5:8080] } }\nsites:\n  - domains: [chat.example.com]\n    routes: [{ path: /ws, upstream: chat }]\n${extra}`;

function problems(text: string): string[] {
  try {
    parseConfig("wssgen.yaml", text, {});
    return [];
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    return error.problems.map((p) => `${p.path}: ${p.message}`);
  }
}

describe("HSTS max-age is RFC 6797 delta-seconds, not a 7-digit cap", () => {
  it.each([31536000, 63072000, 0, 9007199254740991, "365d", "104249991374d"])("maxAge: %s is taken", (maxAge) => {
    const { config } = parseConfig(
      "w.yaml",
      site(`    tls: { certificate: /a.pem, key: /a.key, hsts: { maxAge: ${maxAge} } }\n`),
      {},
    );
    expect(config.sites[0]!.tls!.hsts!.maxAgeSeconds).toBe(durationToSeconds(maxAge));
  });
  it("seconds are exact at the top of the range", () => {
    expect(durationToSeconds("104249991374d")).toBe(104249991374 * 86400);
    expect(durationToSeconds(9007199254740991)).toBe(9007199254740991);
  });
  it("a value out of range says the range", () => {
    expect(problems(site(`    tls: { certificate: /a.pem, key: /a.key, hsts: { maxAge: 9007199254740992 } }\n`))).toEqual([
      "sites[0].tls.hsts.maxAge: expected max-age in whole seconds, such as 31536000 (one year) or 365d; a number of seconds is a whole number from 0 to 9007199254740991, got number 9007199254740992",
    ]);
  });
});

describe("durations take nginx's ngx_parse_time range", () => {
  it("the limits are nginx's, per unit, for milliseconds and seconds directives", () => {
    const msec = new RegExp(`^(?:${durationPattern("msec", 1)})$`, "u");
    expect(msec.test("9223372036854775807ms")).toBe(true);
    expect(msec.test("9223372036854775808ms")).toBe(false);
    expect(msec.test("106751991167d")).toBe(true);
    expect(msec.test("106751991168d")).toBe(false);
    expect(msec.test("0s")).toBe(false);
    const sec = new RegExp(`^(?:${durationPattern("sec", 0)})$`, "u");
    expect(sec.test("106751991167300d")).toBe(true);
    expect(sec.test("106751991167301d")).toBe(false);
    expect(sec.test("9223372036854775807s")).toBe(true);
    expect(sec.test("1ms")).toBe(false);
    expect(sec.test("0s")).toBe(true);
  });
  it("an out-of-range duration names nginx's limit", () => {
    expect(problems(site(`defaults: { timeouts: { read: 106751991168d } }\n`))).toEqual([
      "defaults.timeouts.read: 106751991168d is out of range: nginx takes at most 106751991167d here (9223372036854775807ms)",
    ]);
  });
});

describe("numbers state their range in wssgen's words", () => {
  it.each([
    ["listen: 70000", "sites[0].listen: expected a whole number from 1 to 65535, got number 70000"],
    ["listen: 0", "sites[0].listen: expected a whole number from 1 to 65535, got number 0"],
    ["listen: [443, 65536]", "sites[0].listen[1]: expected a whole number from 1 to 65535, got number 65536"],
  ])("%s", (line, message) => {
    expect(problems(site(`    ${line}\n`))).toEqual([message]);
  });
  it.each([
    ["weight: 0", "expected a whole number from 1 to 9007199254740991, got number 0"],
    ["maxFails: -1", "expected a whole number from 0 to 9007199254740991, got number -1"],
    ["weight: 2.5", "expected a whole number from 1 to 9007199254740991, got number 2.5"],
  ])("upstream server %s", (field, message) => {
    const text = `upstreams: { chat: { servers: [{ address: 10.0.0.5:8080, ${field} }] } }\nsites: [{ domains: [a.com], routes: [{ path: /, upstream: chat }] }]\n`;
    expect(problems(text)).toEqual([`upstreams.chat.servers[0].${field.split(":")[0]}: ${message}`]);
  });
  it("keepalive and maxConnectionsPerIp", () => {
    expect(problems(site("").replace("servers: [10.0.0.5:8080]", "servers: [10.0.0.5:8080], keepalive: 2000000"))).toEqual([
      "upstreams.chat.keepalive: expected a whole number from 0 to 1048576, got number 2000000",
    ]);
    expect(problems(site("").replace("upstream: chat }", "upstream: chat, maxConnectionsPerIp: 65536 }"))).toEqual([
      "sites[0].routes[0].maxConnectionsPerIp: expected a whole number from 1 to 65535, got number 65536",
    ]);
  });
});

describe('listen: "443 ssl"', () => {
  it("says that wssgen writes the listen parameters, not that there is no port", () => {
    expect(checkListen("443 ssl")).toBe(
      '"443 ssl" is not a listen address: give only the address; wssgen writes the listen parameters (ssl, http2, default_server) itself, e.g. "443"',
    );
    expect(checkListen("[::]:443 ssl http2")).toContain('e.g. "[::]:443"');
  });
});

describe("nginx.version and --nginx-version: major.minor[.patch]", () => {
  it.each(["99999999999999999999.1", "1.22 ", " 1.22", "1.022", "01.22", "1", "1.22.", "1.2.3.4", "v1.22", "1.22\n"])(
    "%j is refused with an example",
    (v) => {
      expect(checkNginxVersion(v)).toMatch(/e\.g\. "1\.22" or "1\.25\.1"|control character/);
      expect(() => parseNginxVersion(v, "--nginx-version")).toThrow(/--nginx-version: /);
    },
  );
  it.each(["1.18", "1.22", "1.25.1", "1.30.0", "2.0"])("%s is a version", (v) => {
    expect(checkNginxVersion(v)).toBeUndefined();
    expect(checkVersion(v)).toBeUndefined();
  });
  it("older than 1.18 names the oldest supported", () => {
    expect(checkNginxVersion("1.16.1")).toBe("nginx 1.16.1 is older than 1.18, the oldest version wssgen supports");
  });
  it("an unquoted version is refused: YAML reads 1.20 as 1.2", () => {
    expect(problems(site("nginx: { version: 1.20 }\n"))).toEqual([
      'nginx.version: YAML read the number 1.2: write the version in quotes, e.g. "1.22"; if you meant 1.20, quote it: "1.20"',
    ]);
  });
  it("the message never echoes a raw control character", () => {
    expect(problems(site('nginx: { version: "1.22\\u202e" }\n'))[0]).toContain("\\u202e");
  });
});

describe("the IPv6 rule is RFC 3986's, as Node reads addresses", () => {
  const ipv6 = new RegExp(`^${IPV6}$`, "u");
  it.each([
    "::",
    "::1",
    "2001:db8::5",
    "2001:DB8:0:0:0:0:0:5",
    "::ffff:10.0.0.1",
    "64:ff9b::192.0.2.33",
    "1:2:3:4:5:6:7:8",
    "1:2:3:4:5:6:7::",
    "1::8",
    "1:2:3:4:5:6:10.0.0.1",
    ":::",
    "1:2:3:4:5:6:7:8:9",
    "1::2::3",
    "12345::",
    "g::1",
    "::ffff:300.0.0.1",
    "1:2:3:4:5:6:7:10.0.0.1",
  ])("%s", (address) => {
    expect(ipv6.test(address)).toBe(isIPv6(address));
  });
});

describe("top-level x-* keys hold YAML anchors and are ignored", () => {
  const text = `x-timeouts: &timeouts { connect: 3s, read: 2h }
x-backend: &backend { servers: [10.0.0.5:8080], keepalive: 8 }
x-note: "\${UNSET_VARIABLE} is never read"
upstreams:
  chat: *backend
  api:
    <<: *backend
    balance: least-conn
sites:
  - domains: [chat.example.com]
    routes:
      - { path: /ws, upstream: chat, timeouts: *timeouts }
      - path: /api
        upstream: api
        timeouts: { <<: *timeouts, read: 30s }
`;
  it("anchors and merge keys work, and the x-* keys themselves are not config", () => {
    const { config } = parseConfig("w.yaml", text, {});
    expect(config.upstreams.map((u) => [u.name, u.balance, u.keepalive])).toEqual([
      ["chat", "round-robin", 8],
      ["api", "least-conn", 8],
    ]);
    expect(config.sites[0]!.routes.map((r) => r.timeouts)).toEqual([
      { connect: "3s", read: "2h", send: "1h" },
      { connect: "3s", read: "30s", send: "1h" },
    ]);
  });
  it("unknown keys elsewhere, and X- or y- at the top, stay errors with did-you-mean", () => {
    expect(problems(`X-a: 1\n${site("")}`)).toEqual(['X-a: unknown key "X-a"']);
    expect(problems(site("    x-note: 1\n"))).toEqual(['sites[0].x-note: unknown key "x-note"']);
    expect(problems(`upstream: {}\n${site("")}`)[0]).toMatch(/unknown key "upstream" \(did you mean "upstreams"\?\)/);
  });
});

describe("lengths count characters, as JSON Schema's maxLength does", () => {
  it("1000 four-byte characters pass (4000 bytes, below nginx's 4096); 1001 do not", async () => {
    const { checkExpression } = await import("../../src/config/values.js");
    expect(checkExpression("😀".repeat(1000))).toBeUndefined();
    expect(checkExpression("😀".repeat(1001))).toBe("value is 1001 characters; the limit is 1000");
  });
});

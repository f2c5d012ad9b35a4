import { describe, expect, it } from "vitest";
import {
  checkDomain,
  checkExpression,
  checkFilePath,
  checkHeaderName,
  checkListen,
  checkLocationPath,
  checkOrigin,
  checkServerAddress,
  checkWith,
  RULES,
} from "../../src/config/values.js";
import { durationToMs, nginxDuration } from "../../src/config/duration.js";
import { closest, editDistance } from "../../src/config/suggest.js";
import { formatPath } from "../../src/config/path.js";

const ok = (check: (v: string) => string | undefined, values: string[]) =>
  values.forEach((v) => expect(check(v), v).toBeUndefined());
const bad = (check: (v: string) => string | undefined, values: string[]) =>
  values.forEach((v) => expect(check(v), v).toBeTypeOf("string"));

describe("allowlists (docs/config.md, Values)", () => {
  it("domains", () => {
    ok(checkDomain, [
      "chat.example.com",
      "*.chat.example.com",
      "example.*",
      "localhost",
      "xn--bcher-kva.example",
      "a-b.c_d.example",
    ]);
    bad(checkDomain, [
      "",
      "chat.example.com;",
      "~^re$",
      "a b",
      "-a.com",
      "a..com",
      "*",
      "*.*",
      "12345",
      "x".repeat(254),
      "é.com",
      "a.com\n",
    ]);
  });
  it("server addresses", () => {
    ok(checkServerAddress, [
      "10.0.0.5:8080",
      "10.0.0.5",
      "backend",
      "backend.internal:80",
      "[2001:db8::5]:8080",
      "[::1]",
      "unix:/run/a.sock",
    ]);
    bad(checkServerAddress, [
      "10.0.0.5:0",
      "10.0.0.5:65536",
      "[nope]:80",
      "a b:80",
      "unix:rel.sock",
      "unix:/a b",
      "h:1:2",
      "h:",
      "http://h:80",
    ]);
  });
  it("listen addresses", () => {
    ok(checkListen, ["443", "127.0.0.1:8443", "[::]:443", "*:80", "localhost:8080"]);
    bad(checkListen, ["443x", "127.0.0.1", "[::]", "0", "70000", "a b:80"]);
  });
  it("paths", () => {
    ok(checkLocationPath, ["/", "/ws", "= /ws", "/socket.io/", "/a-b_c.d~e/!&'()*+,;=:@"]);
    bad(checkLocationPath, ["ws", "= ws", "/ws{", "/a b", "/$x", '/a"', "/a\\b", "/#", "~ /re", "/a%21", "= /%20"]);
    // nginx matches the decoded URI: a % escape in a location never matches what it spells
    expect(checkLocationPath("/a%21")).toMatch(/^"%" is not allowed in a path: nginx matches locations against the decoded URI/);
    // nginx resolves "." and ".." segments and merges "//" before it matches a location: such a location never matches
    ok(checkLocationPath, ["/.well-known/acme-challenge/", "/a..b/", "/..a", "/a./"]);
    bad(checkLocationPath, ["/t/../", "/a/./b", "/a//b", "= /x/..", "/.", "//"]);
    expect(checkLocationPath("/t/../")).toMatch(/^a path has no "\." or "\.\." segment and no "\/\/"/);
  });
  it("header names and nginx expressions", () => {
    ok(checkHeaderName, ["X-App", "x_under", "Host"]);
    bad(checkHeaderName, ["", "X App", "X:App", "X\nA", "é"]);
    ok(checkExpression, ["", "plain", "$host", "${host}x", "$a$b", 'quotes " and \\ are inert', "a;b{c}#d"]);
    bad(checkExpression, ["$", "costs $5", "${", "${a", "$ {a}", "a\nb", "a\u0000", "x".repeat(1025)]);
  });
  it("resolver addresses: an IPv4 or [IPv6] address with an optional port; a bare IPv6 address gets the brackets it needs", () => {
    const check = checkWith(RULES.resolverAddress);
    ok(check, ["127.0.0.11", "127.0.0.1:5353", "[::1]", "[::1]:53", "[2001:db8::53]:5353"]);
    bad(check, ["dns.internal", "127.0.0.1:0", "[::1]:99999", "1.2.3", "[nope]", ""]);
    expect(check("::1")).toBe('"::1": write an IPv6 resolver in brackets, as nginx reads it: "[::1]"');
    expect(check("2001:db8::53")).toBe('"2001:db8::53": write an IPv6 resolver in brackets, as nginx reads it: "[2001:db8::53]"');
    expect(check("dns.internal")).toMatch(/^"dns\.internal" is a host name: a resolver is an address/);
    expect(check("127.0.0.1:99999")).toBe("port 99999 is outside 1-65535");
  });
  it("file paths refuse $ (nginx expands variables in ssl_certificate)", () => {
    ok(checkFilePath, ["/etc/ssl/a.pem", "/path with space/a.pem"]);
    bad(checkFilePath, ["", " /a", "relative/key.pem", "/$ssl_server_name.pem", '/a"b', "/a;b", "/a\nb"]);
  });
  it("origins are exact, lower case, without path", () => {
    ok(checkOrigin, ["https://chat.example.com", "http://localhost:3000", "https://[::1]:8443", "https://127.0.0.1"]);
    bad(checkOrigin, [
      "https://chat.example.com/",
      "HTTPS://chat.example.com",
      "https://Chat.example.com",
      "ftp://a.com",
      "chat.example.com",
      "https://a.com:99999",
      "null",
    ]);
  });
  it("a wildcard origin is scheme://*.domain[:port]: * the whole first label, two labels or more after it", () => {
    ok(checkOrigin, [
      "https://*.example.com",
      "http://*.example.com:8080",
      "https://*.a.b.example.co.uk",
      "https://*.xn--bcher-kva.de",
    ]);
    bad(checkOrigin, [
      "https://*.com",
      "https://*",
      "https://*.",
      "https://a*.example.com",
      "https://*a.example.com",
      "https://*.*.example.com",
      "https://a.*.example.com",
      "https://example.*",
      "https://*.example.com/",
      "https://*.Example.com",
      "https://*.example.com:443",
      "https://*.1.2.3",
      "https://*.-a.com",
      "*.example.com",
      `https://*.${"a".repeat(250)}.com`,
    ]);
    expect(checkOrigin("https://*.com")).toMatch(/at least two labels after it/);
    expect(checkOrigin("https://a*.example.com")).toMatch(/"\*" may only be the whole first label/);
    expect(checkOrigin("https://*.*.example.com")).toMatch(/"\*" may only be the whole first label/);
    expect(checkOrigin("https://*.Example.com")).toMatch(/must be lower case/);
    expect(checkOrigin("https://*.example.com:443")).toMatch(/default port/);
  });
});

describe("durations", () => {
  it("parses units and bare seconds", () => {
    expect(durationToMs("500ms")).toBe(500);
    expect(durationToMs("30s")).toBe(30_000);
    expect(durationToMs("5m")).toBe(300_000);
    expect(durationToMs("1h")).toBe(3_600_000);
    expect(durationToMs("1d")).toBe(86_400_000);
    expect(durationToMs(45)).toBe(45_000);
    expect(nginxDuration(45)).toBe("45s");
    expect(nginxDuration("2h")).toBe("2h");
    expect(() => durationToMs("2 hours")).toThrow();
  });
});

describe("suggestions and paths", () => {
  it("counts a swap of neighbours as one edit", () => {
    expect(editDistance("chta", "chat")).toBe(1);
    expect(editDistance("kitten", "sitting")).toBe(3);
    expect(closest("timeout", ["timeouts", "origins"])).toBe("timeouts");
    expect(closest("zzzzzz", ["timeouts", "origins"])).toBeUndefined();
  });
  it("formats key paths as users read them", () => {
    expect(formatPath(["sites", 0, "routes", 1, "upstream"])).toBe("sites[0].routes[1].upstream");
    expect(formatPath(["upstreams", "chat-1"])).toBe("upstreams.chat-1");
    expect(formatPath(["headers", "X App"])).toBe('headers["X App"]');
  });
});

describe("backup servers and balancing (docs/config.md, Rules that relate keys to each other)", () => {
  it.each(["ip-hash", "hash", "random"])("backup with %s is an error at the backup key", async (balance) => {
    const { parseConfig } = await import("../../src/config/load.js");
    const hashKey = balance === "hash" ? ", hashKey: $remote_addr" : "";
    const text = `upstreams:\n  a: { balance: ${balance}${hashKey}, servers: [1.2.3.4:80, { address: 1.2.3.5:80, backup: true }] }\nsites: [{ domains: [a.com], routes: [{ path: /, upstream: a }] }]\n`;
    expect(() => parseConfig("w.yaml", text, {})).toThrow(
      `upstreams.a.servers[1].backup: backup servers cannot be used with balance: ${balance}`,
    );
  });
  it.each(["round-robin", "least-conn"])("backup with %s is fine", async (balance) => {
    const { parseConfig } = await import("../../src/config/load.js");
    const text = `upstreams:\n  a: { balance: ${balance}, servers: [1.2.3.4:80, { address: 1.2.3.5:80, backup: true }] }\nsites: [{ domains: [a.com], routes: [{ path: /, upstream: a }] }]\n`;
    expect(parseConfig("w.yaml", text, {}).config.upstreams[0]!.servers[1]!.backup).toBe(true);
  });
});

describe("rule patterns' IPv6 fast path (values.ts, withIpv6FastPath)", () => {
  // values that are near misses of every address form: the fast path must answer as the full pattern
  const parts = [
    "",
    ":",
    "::",
    "[",
    "]",
    "1",
    "ff",
    "0",
    "65535",
    "127.0.0.1",
    "a",
    "x.example",
    "/",
    "http://",
    "https://",
    "*.",
    "fe80",
    "unix:/s",
  ];
  const values: string[] = [];
  for (const a of parts) for (const b of parts) for (const c of parts) values.push(a + b + c);
  values.push(
    "[::1]:80",
    "[2001:db8::1]",
    "1:2:3:4:5:6:7:8",
    "1:2:3:4:5:6:1.2.3.4",
    "https://[::1]:8443",
    "2001:db8::/32",
    "1:2:3:4:5:6",
  );
  it.each(Object.entries(RULES))("%s answers as its full pattern", (_name, rule) => {
    const full = new RegExp(rule.pattern.source, rule.pattern.flags);
    for (const v of values) expect(rule.pattern.test(v), v).toBe(full.test(v));
  });
});

describe("isIPv4Address and isIPv6Address: node:net's answers, without loading it for IPv4", () => {
  it("agree with node:net's isIPv4 and isIPv6 on addresses, near misses and random strings", async () => {
    const net = await import("node:net");
    const { isIPv4Address, isIPv6Address } = await import("../../src/config/values.js");
    const fc = await import("fast-check");
    const samples = [
      "127.0.0.1",
      "0.0.0.0",
      "255.255.255.255",
      "256.0.0.1",
      "01.2.3.4",
      "1.2.3",
      "1.2.3.4.5",
      "1.2.3.4 ",
      " 1.2.3.4",
      "1..2.3",
      "10.0.0.010",
      "a.b.c.d",
      "",
      "::",
      "::1",
      "fe80::1%eth0",
      "2001:db8::1",
      "::ffff:192.0.2.1",
      "1:2:3:4:5:6:7:8",
      "1:2:3:4:5:6:7:8:9",
      "[::1]",
      "chat.example.com",
      "localhost",
      "1.2.3.4:80",
      "١.٢.٣.٤",
    ];
    const check = (v: string) => {
      expect(isIPv4Address(v), v).toBe(net.isIPv4(v));
      expect(isIPv6Address(v), v).toBe(net.isIPv6(v));
    };
    samples.forEach(check);
    const octet = fc.oneof(fc.integer({ min: 0, max: 300 }).map(String), fc.constantFrom("00", "01", "099", "-1", "1e2"));
    fc.assert(
      fc.property(
        fc.array(octet, { minLength: 1, maxLength: 6 }).map((o) => o.join(".")),
        (v) => check(v),
      ),
      { numRuns: 3000 },
    );
    fc.assert(
      fc.property(fc.string({ unit: fc.constantFrom(..."0123456789abcdefABCDEF:.%"), maxLength: 45 }), (v) => check(v)),
      {
        numRuns: 5000,
      },
    );
  });
});

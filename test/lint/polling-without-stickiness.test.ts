/**
 * polling-without-stickiness (src/lint/rules/polling-without-stickiness.ts): a socket.io or SignalR
 * route whose upstream spreads a client's requests over several servers with nothing that keeps
 * the client on one.
 */
import { describe, expect, it } from "vitest";
import { pollingFramework } from "../../src/lint/rules/polling-without-stickiness.js";
import { ruleFindings } from "../helpers/lint.js";

const TWO = "10.0.0.5:8080, 10.0.0.6:8080";
/** One upstream `chat` (its mapping's inside as given) and routes to it on one site. */
const config = (upstream: string, ...paths: string[]) =>
  `upstreams:\n  chat: { ${upstream} }\n  other: { servers: [${TWO}] }\nsites:\n  - domains: [chat.example.com]\n    routes:\n${paths
    .map((path) => `      - { path: "${path}", upstream: chat }\n`)
    .join("")}`;
const findings = (yaml: string, nginx = "1.30") => ruleFindings("polling-without-stickiness", yaml, { nginx });

describe("polling-without-stickiness", () => {
  it("fires at the upstream for a socket.io route over two servers, advising sticky on nginx 1.29.6+", () => {
    expect(findings(config(`servers: [${TWO}]`, "/socket.io/"))).toEqual([
      {
        path: "upstreams.chat",
        severity: "warning",
        message:
          'sites[0].routes[0] ("/socket.io/") looks like socket.io, and this upstream spreads a client\'s requests over 2 servers: socket.io\'s polling requests must reach the server that created the session (another answers 400 "Session ID unknown"); add sticky: { cookie: srv_id }',
      },
    ]);
    expect(findings(config(`servers: [${TWO}]`, "/socket.io/"), "1.29.6")).toHaveLength(1);
    expect(findings(config(`servers: [${TWO}]`, "/socket.io/"), "1.29.6")[0]!.message).toMatch(
      /add sticky: \{ cookie: srv_id \}$/,
    );
  });

  it("advises ip-hash or hash on the app's cookie before nginx 1.29.6, which has no sticky", () => {
    for (const nginx of ["1.22", "1.26", "1.29.5"])
      expect(findings(config(`servers: [${TWO}]`, "/socket.io/"), nginx)[0]!.message).toMatch(
        /; set balance: ip-hash, or balance: hash with hashKey: \$cookie_<your app's session cookie> \(sticky needs nginx 1\.29\.6\)$/,
      );
  });

  it("with backup servers on older nginx, says that ip-hash and hash need them gone", () => {
    const upstream = `servers: [${TWO}, { address: 10.0.0.7:8080, backup: true }]`;
    expect(findings(config(upstream, "/socket.io/"), "1.26")[0]!.message).toMatch(
      /\(sticky needs nginx 1\.29\.6\); remove the backup servers first: nginx cannot combine them with either$/,
    );
    // sticky works beside backup servers: no such remark from 1.29.6
    expect(findings(config(upstream, "/socket.io/"), "1.30")[0]!.message).toMatch(/add sticky: \{ cookie: srv_id \}$/);
  });

  it("fires for SignalR hubs with the SignalR explanation, once per upstream, counting the other routes", () => {
    const [finding, ...rest] = findings(config(`servers: [${TWO}]`, "/chathub", "/hubs/chat", "/api"));
    expect(rest).toEqual([]);
    expect(finding!.message).toBe(
      "sites[0].routes[0] (\"/chathub\") looks like SignalR (and 1 more such route(s)), and this upstream spreads a client's requests over 2 servers: SignalR's negotiate and the requests that follow must reach one server (another does not know the connection: 404); add sticky: { cookie: srv_id }",
    );
  });

  it("counts only the servers that take new clients: not backup, not down", () => {
    expect(findings(config(`servers: [10.0.0.5:8080, { address: 10.0.0.6:8080, backup: true }]`, "/socket.io/"))).toEqual([]);
    expect(findings(config(`servers: [10.0.0.5:8080, { address: 10.0.0.6:8080, down: true }]`, "/socket.io/"))).toEqual([]);
    expect(findings(config(`servers: [10.0.0.5:8080]`, "/socket.io/"))).toEqual([]);
    expect(findings(config(`servers: [${TWO}, { address: 10.0.0.7:8080, down: true }]`, "/socket.io/"))[0]!.message).toContain(
      "over 2 servers",
    );
  });

  it("is silent with sticky, ip-hash or hash, and with other balancing it fires", () => {
    expect(findings(config(`servers: [${TWO}], sticky: { cookie: srv_id }`, "/socket.io/"))).toEqual([]);
    expect(findings(config(`servers: [${TWO}], balance: least-conn, sticky: { cookie: srv_id }`, "/socket.io/"))).toEqual([]);
    expect(findings(config(`servers: [${TWO}], balance: ip-hash`, "/socket.io/"), "1.22")).toEqual([]);
    expect(findings(config(`servers: [${TWO}], balance: hash, hashKey: $cookie_session`, "/chathub"), "1.22")).toEqual([]);
    for (const balance of ["round-robin", "least-conn", "random"])
      expect(findings(config(`servers: [${TWO}], balance: ${balance}`, "/socket.io/"))).toHaveLength(1);
  });

  it("is silent for routes that do not look like either, and for upstreams no such route uses", () => {
    expect(findings(config(`servers: [${TWO}]`, "/ws", "/", "/api/github"))).toEqual([]);
    // `other` has two servers and no stickiness, but no socket.io route goes there
    expect(findings(config(`servers: [10.0.0.5:8080]`, "/socket.io/"))).toEqual([]);
  });

  it("lint.rules turns it off or changes its severity", () => {
    const yaml = config(`servers: [${TWO}]`, "/socket.io/");
    expect(findings(`${yaml}lint: { rules: { polling-without-stickiness: off } }\n`)).toEqual([]);
    expect(findings(`${yaml}lint: { rules: { polling-without-stickiness: error } }\n`)[0]!.severity).toBe("error");
  });
});

describe("pollingFramework: the paths it recognises", () => {
  it.each([
    ["/socket.io/", "socket.io"],
    ["/socket.io", "socket.io"],
    ["/app/socket.io/", "socket.io"],
    ["/engine.io/", "socket.io"],
    ["/chathub", "SignalR"],
    ["/ChatHub", "SignalR"],
    ["/hub", "SignalR"],
    ["/hubs/chat", "SignalR"],
    ["/hub/myHub", "SignalR"],
    ["/signalr", "SignalR"],
    ["/signalr/hubs", "SignalR"],
    ["/api/SignalR/", "SignalR"],
  ] as const)("%s is %s", (path, framework) => {
    expect(pollingFramework(path)).toBe(framework);
  });
  it.each(["/", "/ws", "/api", "/socket", "/hubspot/", "/hubble", "/sockets.io"])("%s is neither", (path) => {
    expect(pollingFramework(path)).toBeUndefined();
  });
});

describe("polling-without-stickiness with routes[].preset", () => {
  const preset = (name: string, path: string, upstream = `servers: [${TWO}]`) =>
    `upstreams:\n  chat: { ${upstream} }\nsites:\n  - domains: [chat.example.com]\n    routes:\n      - { path: "${path}", upstream: chat, preset: ${name} }\n`;

  it("fires for a socket.io or SignalR preset whatever the path, saying the preset named it", () => {
    expect(findings(preset("socket.io", "/live/"))[0]!.message).toMatch(
      /^sites\[0\]\.routes\[0\] \("\/live\/"\) is socket\.io \(preset socket\.io\), and this upstream spreads a client's requests over 2 servers: socket\.io's polling requests/,
    );
    expect(findings(preset("signalr", "/realtime"))[0]!.message).toMatch(/is SignalR \(preset signalr\), .*negotiate/);
  });

  it("fires for the phoenix preset (its long-poll fallback), which a path alone never suggests", () => {
    expect(findings(preset("phoenix", "/socket"))[0]!.message).toMatch(/is Phoenix \(preset phoenix\), .*long-poll fallback/);
    // a preset route also hears how the framework's users do without stickiness
    expect(findings(preset("phoenix", "/socket"))[0]!.message).toMatch(
      /; add sticky: \{ cookie: srv_id \}; or: cluster the nodes \(distributed Erlang with Phoenix\.PubSub\), or leave out longPollFallbackMs$/,
    );
    expect(findings(config(`servers: [${TWO}]`, "/socket"))).toEqual([]);
  });

  it("a preset without a polling fallback overrides what the path suggests", () => {
    expect(findings(preset("graphql-ws", "/socket.io/"))).toEqual([]);
    expect(findings(preset("actioncable", "/cable"))).toEqual([]);
  });

  it("is silent for a preset route with sticky, ip-hash or one server", () => {
    expect(findings(preset("socket.io", "/socket.io/", `servers: [${TWO}], sticky: { cookie: srv_id }`))).toEqual([]);
    expect(findings(preset("signalr", "/hub", `servers: [${TWO}], balance: ip-hash`), "1.22")).toEqual([]);
    expect(findings(preset("phoenix", "/socket", "servers: [10.0.0.5:8080]"))).toEqual([]);
  });
});

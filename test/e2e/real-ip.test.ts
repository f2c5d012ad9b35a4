/**
 * sites[].realIp through a real nginx (1.22, 1.26, 1.30): the test client on 127.0.0.1 plays the
 * trusted proxy (a CDN edge, a load balancer), and the backend reports the headers it received.
 * The backend sees the client the proxy named, a truthful X-Forwarded-For chain, the proxy's
 * X-Forwarded-Proto only from a trusted peer; maxConnectionsPerIp counts per real client; PROXY
 * protocol v1 from a raw TCP client; CF-Connecting-IP.
 *
 * Sites sharing an address:port must agree on proxy_protocol (src/config/semantics.ts). nginx's
 * source (src/http/ngx_http.c, ngx_http_add_addresses) ORs the flag of every `listen` on one
 * address: `proxy_protocol = lsopt->proxy_protocol || addr[i].opt.proxy_protocol;` in
 * release-1.22.1, 1.26.3, 1.30.0 and master alike; since 1.23.4 (commit dad65f3e4) nginx may also warn
 * "protocol options redefined", but only for some orders of the servers, and still ORs. The last
 * test below shows the effect on each build: one site's proxy_protocol makes its neighbour on the
 * same address refuse every connection that does not start with a PROXY line.
 */
import { connect as netConnect, type Socket } from "node:net";
import { readFileSync } from "node:fs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type WebSocket from "ws";
import { parseConfig } from "../../src/config/load.js";
import { ConfigError } from "../../src/errors.js";
import { httpGet, rawExchange, wsAsk, wsOpen, type Backend, startBackend } from "../helpers/backend.js";
import { nginxBuilds } from "../helpers/nginx.js";
import { startNginx } from "../helpers/nginx-server.js";
import { freePort } from "../helpers/ports.js";
import { startStack, type Stack } from "../helpers/stack.js";

type Headers = Record<string, string | undefined>;

/** A connection to 127.0.0.1:port that starts with a PROXY protocol header: a v1 line naming `client`, or `header` as given. */
const withProxyLine =
  (
    port: number,
    client: string,
    header:
      | string
      | Buffer = `PROXY ${client.includes(":") ? "TCP6" : "TCP4"} ${client} ${client.includes(":") ? "::1" : "127.0.0.1"} 5555 80\r\n`,
  ) =>
  (): Socket => {
    const socket = netConnect(port, "127.0.0.1");
    socket.write(header);
    return socket;
  };

/**
 * A PROXY protocol v2 header (the binary form, the only one AWS's Network Load Balancer sends) for
 * a TCP over IPv4 connection from `client`, or with "LOCAL" the header of the balancer's own connection (a
 * health check) that names no client (haproxy's proxy-protocol.txt, section 2.2).
 */
function proxyV2(client: string): Buffer {
  const signature = Buffer.from("\r\n\r\n\0\r\nQUIT\n", "latin1");
  // LOCAL: the load balancer's own connection (a health check), with no addresses
  if (client === "LOCAL") return Buffer.concat([signature, Buffer.from([0x20, 0x00, 0x00, 0x00])]);
  const address = (ip: string) => ip.split(".").map(Number);
  const body = Buffer.from([...address(client), ...address("127.0.0.1"), 0x15, 0xb3, 0x00, 0x50]); // ports 5555, 80
  // version 2, PROXY command; AF_INET, STREAM; the length of the addresses
  return Buffer.concat([signature, Buffer.from([0x21, 0x11, 0x00, body.length]), body]);
}

describe.each(nginxBuilds().map((b) => [b.label, b] as const))("realIp through %s", (_label, build) => {
  let stack: Stack;
  beforeAll(async () => {
    stack = await startStack(build, {
      backends: ["app", "other"],
      ports: ["xff", "untrusted", "cf", "pp", "direct"],
      yaml: (ctx) => `
upstreams:
  app: { servers: ["${ctx.backend("app")}"] }
  pair: { servers: ["${ctx.backend("app")}", "${ctx.backend("other")}"], balance: ip-hash }
sites:
  - domains: [localhost]
    listen: "127.0.0.1:${ctx.port("xff")}"
    realIp: { from: [127.0.0.1], header: X-Forwarded-For }
    routes:
      - { path: /tracker/, upstream: app, stripPrefix: true }
      - { path: /limited, upstream: app, maxConnectionsPerIp: 2 }
      - { path: /sticky, upstream: pair }
      - { path: /, upstream: app }
  - domains: [localhost]
    listen: "127.0.0.1:${ctx.port("untrusted")}"
    realIp: { from: [10.0.0.0/8] }
    routes: [{ path: /, upstream: app }]
  - domains: [localhost]
    listen: "127.0.0.1:${ctx.port("cf")}"
    realIp: { from: [127.0.0.1], header: CF-Connecting-IP }
    routes: [{ path: /, upstream: app }]
  - domains: [localhost]
    listen: "127.0.0.1:${ctx.port("pp")}"
    realIp: { from: [127.0.0.1], header: proxy_protocol }
    routes: [{ path: /, upstream: app }]
  - domains: [localhost]
    listen: "127.0.0.1:${ctx.port("direct")}"
    routes:
      - { path: /limited, upstream: app, maxConnectionsPerIp: 2 }
      - { path: /sticky, upstream: pair }
      - { path: /, upstream: app }
`,
    });
  });
  afterAll(() => stack?.stop());

  /** The headers the backend received for a plain request through `site`. */
  const seen = async (site: string, headers: Record<string, string> = {}): Promise<Headers> => {
    const answer = await httpGet(stack.ports[site]!, "/headers", { headers });
    expect(answer.status).toBe(200);
    return (JSON.parse(answer.body) as { headers: Headers }).headers;
  };
  /** The headers of a WebSocket handshake as the backend received it. */
  const whoami = async (socket: WebSocket): Promise<Headers> =>
    (JSON.parse((await wsAsk(socket, "whoami")).toString()) as { headers: Headers }).headers;

  describe("X-Forwarded-For from a trusted peer", () => {
    it("the client it names is the client: X-Real-IP, and the chain plus the peer, never the client twice", async () => {
      const headers = await seen("xff", { "X-Forwarded-For": "203.0.113.7" });
      expect(headers["x-real-ip"]).toBe("203.0.113.7");
      expect(headers["x-forwarded-for"]).toBe("203.0.113.7, 127.0.0.1");
    });
    it("a longer chain: the last address not trusted is the client (real_ip_recursive)", async () => {
      expect(await seen("xff", { "X-Forwarded-For": "198.51.100.1, 203.0.113.7" })).toMatchObject({
        "x-real-ip": "203.0.113.7",
        "x-forwarded-for": "198.51.100.1, 203.0.113.7, 127.0.0.1",
      });
      // a second trusted proxy in the chain is skipped too
      expect(await seen("xff", { "X-Forwarded-For": "203.0.113.7, 127.0.0.1" })).toMatchObject({
        "x-real-ip": "203.0.113.7",
        "x-forwarded-for": "203.0.113.7, 127.0.0.1, 127.0.0.1",
      });
    });
    it("an IPv6 client", async () => {
      expect(await seen("xff", { "X-Forwarded-For": "2001:db8::7" })).toMatchObject({
        "x-real-ip": "2001:db8::7",
        "x-forwarded-for": "2001:db8::7, 127.0.0.1",
      });
    });
    it("no X-Forwarded-For: the peer is the client, and the chain is the peer alone", async () => {
      expect(await seen("xff")).toMatchObject({ "x-real-ip": "127.0.0.1", "x-forwarded-for": "127.0.0.1" });
    });
    it("a WebSocket handshake carries the same headers", async () => {
      const socket = await wsOpen(`ws://127.0.0.1:${stack.ports.xff}/socket`, { headers: { "X-Forwarded-For": "203.0.113.7" } });
      try {
        expect(await whoami(socket)).toMatchObject({ "x-real-ip": "203.0.113.7", "x-forwarded-for": "203.0.113.7, 127.0.0.1" });
      } finally {
        socket.close();
      }
    });
  });

  it("nginx's own redirects behind the proxy name no scheme, host or port (absolute_redirect off)", async () => {
    // the proxy ended TLS on 443: an absolute http://localhost:<port>/tracker/ would downgrade and leak the port
    const r = await httpGet(stack.ports.xff!, "/tracker?q=1", {
      host: "localhost",
      headers: { "X-Forwarded-For": "203.0.113.7", "X-Forwarded-Proto": "https" },
    });
    expect(r.status).toBe(301);
    expect(r.headers.location).toBe("/tracker/?q=1");
  });

  it("X-Forwarded-For from a peer outside realIp.from is not trusted: the peer is the client", async () => {
    expect(await seen("untrusted", { "X-Forwarded-For": "203.0.113.7" })).toMatchObject({
      "x-real-ip": "127.0.0.1",
      "x-forwarded-for": "203.0.113.7, 127.0.0.1",
    });
  });

  it("X-Forwarded-Proto: a trusted peer's https is kept on a plain site; an untrusted peer's is replaced by the scheme", async () => {
    expect((await seen("xff", { "X-Forwarded-Proto": "https" }))["x-forwarded-proto"]).toBe("https");
    expect((await seen("xff", { "X-Forwarded-Proto": "gopher" }))["x-forwarded-proto"]).toBe("http");
    expect((await seen("xff"))["x-forwarded-proto"]).toBe("http");
    expect((await seen("untrusted", { "X-Forwarded-Proto": "https" }))["x-forwarded-proto"]).toBe("http");
  });

  it("CF-Connecting-IP from a trusted peer names the client; X-Forwarded-For alone does not", async () => {
    // Cloudflare sends both headers
    expect(await seen("cf", { "CF-Connecting-IP": "198.51.100.77", "X-Forwarded-For": "198.51.100.77" })).toMatchObject({
      "x-real-ip": "198.51.100.77",
      "x-forwarded-for": "198.51.100.77, 127.0.0.1",
    });
    expect((await seen("cf", { "X-Forwarded-For": "203.0.113.7" }))["x-real-ip"]).toBe("127.0.0.1");
  });

  describe("maxConnectionsPerIp", () => {
    const open = (site: string, client: string) =>
      wsOpen(`ws://127.0.0.1:${stack.ports[site]}/limited`, { headers: { "X-Forwarded-For": client } });
    const closeAll = (sockets: WebSocket[]) => sockets.forEach((s) => s.close());

    it("with realIp it counts per real client: two sockets each for A and B open, a third for A gets 429", async () => {
      const sockets: WebSocket[] = [];
      try {
        for (const client of ["203.0.113.1", "203.0.113.1", "203.0.113.2", "203.0.113.2"])
          sockets.push(await open("xff", client));
        await expect(open("xff", "203.0.113.1")).rejects.toThrow("HTTP 429");
        for (const socket of sockets) expect((await wsAsk(socket, "still here")).toString()).toBe("app: still here");
      } finally {
        closeAll(sockets);
      }
    });
    it("without realIp every client behind the proxy shares its address: the third socket overall gets 429", async () => {
      const sockets: WebSocket[] = [];
      try {
        sockets.push(await open("direct", "203.0.113.1"), await open("direct", "203.0.113.2"));
        await expect(open("direct", "203.0.113.2")).rejects.toThrow("HTTP 429");
        expect((await whoami(sockets[1]!))["x-real-ip"]).toBe("127.0.0.1");
      } finally {
        closeAll(sockets);
      }
    });
  });

  describe("ip-hash", () => {
    /** The backend a socket through `site` reached, for each client, asked twice. */
    const backends = async (site: string, clients: string[]) => {
      const seen: string[] = [];
      for (const client of clients)
        for (let i = 0; i < 2; i++) {
          const socket = await wsOpen(`ws://127.0.0.1:${stack.ports[site]}/sticky`, { headers: { "X-Forwarded-For": client } });
          try {
            seen.push(`${client} ${(JSON.parse((await wsAsk(socket, "whoami")).toString()) as { backend: string }).backend}`);
          } finally {
            socket.close();
          }
        }
      return seen;
    };
    // ip_hash reads the first three bytes of an IPv4 address: clients in different /24 networks
    const clients = Array.from({ length: 8 }, (_, i) => `198.51.${100 + i}.7`);

    it("with realIp it hashes the real client: clients spread over both servers, each stays on one", async () => {
      const seen = await backends("xff", clients);
      for (let i = 0; i < seen.length; i += 2) expect(seen[i + 1]).toBe(seen[i]);
      expect(new Set(seen.map((line) => line.split(" ")[1])).size).toBe(2);
    });
    it("without realIp every client has the proxy's address: all on one server", async () => {
      const seen = await backends("direct", clients);
      expect(new Set(seen.map((line) => line.split(" ")[1])).size).toBe(1);
    });
  });

  describe("PROXY protocol", () => {
    it("an HTTP request after a PROXY v1 line: the backend sees the address the line names", async () => {
      const answer = await httpGet(stack.ports.pp!, "/headers", {
        createConnection: withProxyLine(stack.ports.pp!, "203.0.113.9"),
      });
      expect(answer.status).toBe(200);
      const { headers } = JSON.parse(answer.body) as { headers: Headers };
      expect(headers["x-real-ip"]).toBe("203.0.113.9");
      // the header is the client's own word here: the chain ends with the address from the PROXY line
      expect(headers["x-forwarded-for"]).toBe("203.0.113.9");
    });
    it("PROXY protocol v2, as an AWS Network Load Balancer sends it, and an IPv6 client in a v1 line", async () => {
      const v2 = await httpGet(stack.ports.pp!, "/headers", {
        createConnection: withProxyLine(stack.ports.pp!, "203.0.113.10", proxyV2("203.0.113.10")),
      });
      expect((JSON.parse(v2.body) as { headers: Headers }).headers["x-real-ip"]).toBe("203.0.113.10");
      const v6 = await httpGet(stack.ports.pp!, "/headers", { createConnection: withProxyLine(stack.ports.pp!, "2001:db8::9") });
      expect((JSON.parse(v6.body) as { headers: Headers }).headers["x-real-ip"]).toBe("2001:db8::9");
    });
    it("a v2 LOCAL header (an NLB health check) is accepted, and the peer stays the client", async () => {
      const local = await httpGet(stack.ports.pp!, "/headers", {
        createConnection: withProxyLine(stack.ports.pp!, "", proxyV2("LOCAL")),
      });
      expect((JSON.parse(local.body) as { headers: Headers }).headers["x-real-ip"]).toBe("127.0.0.1");
    });
    it("a WebSocket handshake after a PROXY v1 line upgrades, and the backend sees that client", async () => {
      const socket = await wsOpen(`ws://127.0.0.1:${stack.ports.pp}/socket`, {
        createConnection: withProxyLine(stack.ports.pp!, "203.0.113.9"),
      });
      try {
        expect((await whoami(socket))["x-real-ip"]).toBe("203.0.113.9");
      } finally {
        socket.close();
      }
    });
    it("a connection without the PROXY line is closed unanswered", async () => {
      const { received } = await rawExchange(
        () => netConnect(stack.ports.pp!, "127.0.0.1"),
        "GET /headers HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n",
      );
      expect(received.toString()).toBe("");
      expect(readFileSync(stack.nginx.errorLog, "utf8")).toMatch(/broken header: "GET \/headers HTTP\/1\.1/);
    });
  });
});

describe.each(nginxBuilds().map((b) => [b.label, b] as const))(
  "why sites on one address must agree on proxy_protocol, on %s",
  (_label, build) => {
    let backend: Backend;
    let port: number;
    let stop: () => void = () => undefined;
    beforeAll(async () => {
      backend = await startBackend("b");
      port = await freePort();
      // hand-written: wssgen refuses this config (checked below), nginx takes it
      const nginx = startNginx(build, {
        basePort: await freePort(),
        confFiles: {
          "shared.conf": [
            `server { listen 127.0.0.1:${port} proxy_protocol; server_name pp.example; return 200 "pp\\n"; }`,
            `server { listen 127.0.0.1:${port}; server_name plain.example; location / { proxy_pass http://127.0.0.1:${backend.port}; } }`,
            "",
          ].join("\n"),
        },
      });
      stop = () => nginx.stop();
    });
    afterAll(async () => {
      stop();
      await backend?.close();
    });

    it("nginx ORs the flag: the site without proxy_protocol refuses a plain request too", async () => {
      const { received } = await rawExchange(
        () => netConnect(port, "127.0.0.1"),
        "GET / HTTP/1.1\r\nHost: plain.example\r\nConnection: close\r\n\r\n",
      );
      expect(received.toString()).toBe("");
      const answer = await httpGet(port, "/", { host: "plain.example", createConnection: withProxyLine(port, "203.0.113.9") });
      expect(answer.body).toBe("b /\n");
    });
    it("so wssgen refuses sites that disagree on one address", () => {
      const parse = () =>
        parseConfig(
          "wssgen.yaml",
          `
upstreams: { app: { servers: ["127.0.0.1:${backend.port}"] } }
sites:
  - domains: [pp.example]
    listen: "127.0.0.1:${port}"
    realIp: { from: [10.0.0.0/8], header: proxy_protocol }
    routes: [{ path: /, upstream: app }]
  - domains: [plain.example]
    listen: "127.0.0.1:${port}"
    routes: [{ path: /, upstream: app }]
`,
          {},
        );
      expect(parse).toThrow(ConfigError);
      expect(parse).toThrow(
        /sites\[1\]\.listen: .* does not take the PROXY protocol here but does in sites\[0\]\.listen; nginx sets it per address:port/,
      );
    });
  },
);

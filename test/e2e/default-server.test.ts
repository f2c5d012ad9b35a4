/**
 * defaultServer: reject through a real nginx (1.22, 1.26, 1.30) with real clients: on a plain port
 * a request for a host no site serves is closed without an answer (444) while the site's own host
 * gets its answer and upgrades; on a TLS port a handshake for an unknown name, or with no name at
 * all, is refused (ssl_reject_handshake), so no certificate names a site to a scanner, while the
 * site's name completes it and the socket upgrades; the site's name with an unknown Host is 444 too.
 */
import { readFileSync } from "node:fs";
import { connect as netConnect } from "node:net";
import { connect as tlsConnect } from "node:tls";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type WebSocket from "ws";
import { httpGet, rawExchange, wsEcho } from "../helpers/backend.js";
import { nginxBuilds } from "../helpers/nginx.js";
import { startStack, type Stack } from "../helpers/stack.js";

const request = (host: string, path = "/") => `GET ${path} HTTP/1.1\r\nHost: ${host}\r\nConnection: close\r\n\r\n`;
/** A WebSocket handshake as a browser sends it, for a raw connection. */
const handshake = (host: string) =>
  `GET /ws HTTP/1.1\r\nHost: ${host}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Version: 13\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n\r\n`;

describe.each(nginxBuilds().map((b) => [b.label, b] as const))("defaultServer: reject through %s", (_label, build) => {
  let stack: Stack;
  beforeAll(async () => {
    stack = await startStack(build, {
      backends: ["app"],
      ports: ["plain", "tls", "modern"],
      yaml: (ctx) => `
defaultServer: reject
upstreams:
  app: { servers: ["${ctx.backend("app")}"] }
sites:
  - domains: [localhost]
    listen: "127.0.0.1:${ctx.port("plain")}"
    routes:
      - { path: /ws, upstream: app }
      - { path: /, upstream: app, websocket: false }
  - domains: [localhost]
    listen: "127.0.0.1:${ctx.port("tls")}"
    tls: { certificate: ${ctx.certs.certificate}, key: ${ctx.certs.key} }
    redirectHttp: false
    routes:
      - { path: /ws, upstream: app }
      - { path: /, upstream: app, websocket: false }
  - domains: [localhost]
    listen: "127.0.0.1:${ctx.port("modern")}"
    tls: { certificate: ${ctx.certs.certificate}, key: ${ctx.certs.key}, profile: modern }
    redirectHttp: false
    routes:
      - { path: /, upstream: app, websocket: false }
`,
    });
  });
  afterAll(() => stack?.stop());

  const plain = () => netConnect(stack.ports.plain!, "127.0.0.1");
  /** A TLS connection to the TLS site's port; `servername` undefined sends no SNI (an IP address never does). */
  const secure = (servername: string | undefined) => () =>
    tlsConnect({
      host: "127.0.0.1",
      port: stack.ports.tls!,
      ca: readFileSync(stack.certs.ca),
      ...(servername ? { servername } : {}),
    });

  it("renders one catch-all per kind of port", () => {
    expect(stack.output).toContain(`listen 127.0.0.1:${stack.ports.plain} default_server;`);
    expect(stack.output).toContain(`listen 127.0.0.1:${stack.ports.tls} ssl default_server;`);
    expect(stack.output).toContain("ssl_reject_handshake on;");
  });

  describe("plain port", () => {
    it("a request for an unknown host is closed without a byte of answer (444)", async () => {
      const { received } = await rawExchange(plain, request("unknown.example"));
      expect(received.toString()).toBe("");
      // and a WebSocket handshake for it
      expect((await rawExchange(plain, handshake("unknown.example"))).received.toString()).toBe("");
      // and a request that names no host at all (HTTP/1.0)
      expect((await rawExchange(plain, "GET / HTTP/1.0\r\n\r\n")).received.toString()).toBe("");
    });
    it("the site's own host gets its answer (200) and its socket upgrades (101)", async () => {
      expect(await httpGet(stack.ports.plain!, "/x", { host: "localhost" })).toMatchObject({ status: 200, body: "app /x\n" });
      expect(await wsEcho(`ws://127.0.0.1:${stack.ports.plain}/ws`, "hi", { headers: { host: "localhost" } })).toBe("app: hi");
    });
  });

  describe("TLS port", () => {
    it("a handshake for an unknown name is refused, and one without a name", async () => {
      for (const name of ["unknown.example", undefined]) {
        const { received, error } = await rawExchange(secure(name), request("localhost"));
        expect(received.length, `SNI ${name ?? "(none)"}`).toBe(0);
        expect(error?.message, `SNI ${name ?? "(none)"}`).toMatch(/unrecognized name/);
      }
    });
    it("the site's name completes the handshake, with its certificate, and the socket upgrades", async () => {
      const socket = secure("localhost")();
      const peer = await new Promise<string>((resolve, reject) => {
        socket.once("secureConnect", () => resolve(socket.getPeerCertificate().subject.CN as string));
        socket.once("error", reject);
      });
      socket.destroy();
      expect(peer).toBe("localhost");
      expect(
        // ws passes servername on to tls.connect (its types leave it out)
        await wsEcho(`wss://127.0.0.1:${stack.ports.tls}/ws`, "over tls", {
          servername: "localhost",
          ca: readFileSync(stack.certs.ca),
          headers: { host: "localhost" },
        } as WebSocket.ClientOptions),
      ).toBe("app: over tls");
    });
    // the catch-all is the address's default server, whose settings nginx negotiates the TLS version
    // with before it switches to the server the name selects: without the site's ssl_protocols there,
    // nginx 1.22's defaults (no TLSv1.3) applied to the intermediate site and TLSv1.2 to the modern one
    it("each site keeps its own profile's protocol versions behind the catch-all", async () => {
      const version = (port: number, options: { minVersion?: "TLSv1.2"; maxVersion?: "TLSv1.2" } = {}) =>
        new Promise<string>((resolve) => {
          const socket = tlsConnect({
            host: "127.0.0.1",
            port,
            servername: "localhost",
            ca: readFileSync(stack.certs.ca),
            ...options,
          });
          socket.once("secureConnect", () => {
            resolve(socket.getProtocol() ?? "");
            socket.destroy();
          });
          socket.once("error", (error: Error) => resolve(`refused: ${error.message}`));
        });
      expect(await version(stack.ports.tls!)).toBe("TLSv1.3");
      expect(await version(stack.ports.tls!, { maxVersion: "TLSv1.2" })).toBe("TLSv1.2");
      expect(await version(stack.ports.modern!)).toBe("TLSv1.3");
      expect(await version(stack.ports.modern!, { maxVersion: "TLSv1.2" })).toMatch(/^refused: .*protocol version/);
    });
    it("the site's name but an unknown Host: the connection is closed without an answer (444)", async () => {
      const { received, error } = await rawExchange(secure("localhost"), request("unknown.example"));
      expect(error).toBeUndefined(); // the handshake went through
      expect(received.toString()).toBe("");
      const known = await rawExchange(secure("localhost"), request("localhost", "/y"));
      expect(known.received.toString()).toMatch(/^HTTP\/1\.1 200 OK\r\n/);
      expect(known.received.toString()).toContain("app /y\n");
    });
  });
});

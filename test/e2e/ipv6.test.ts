/**
 * sites[].ipv6 through a real nginx (1.22, 1.26, 1.30): a site whose listen is a bare port answers
 * on [::1] too (ipv6 defaults to true), and so does the http server beside a TLS site; with
 * ipv6: false nothing listens on [::1].
 *
 * A machine without an IPv6 loopback cannot run this: the test then fails and says why (never a skip).
 */
import { readFileSync } from "node:fs";
import { request } from "node:http";
import { connect } from "node:net";
import { networkInterfaces } from "node:os";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type WebSocket from "ws";
import { wsEcho } from "../helpers/backend.js";
import { nginxBuilds } from "../helpers/nginx.js";
import { startStack, type Stack } from "../helpers/stack.js";

/** Whether this machine has ::1 (Node lists it under the loopback interface). */
const HAS_IPV6_LOOPBACK = Object.values(networkInterfaces())
  .flatMap((list) => list ?? [])
  .some((i) => i.family === "IPv6" && i.internal && i.address === "::1");
const MISSING =
  "this machine has no IPv6 loopback (::1 is not among os.networkInterfaces()): the IPv6 e2e tests cannot run; " +
  "give the machine or container IPv6 (docker: --sysctl net.ipv6.conf.all.disable_ipv6=0)";

/** Resolves with the error code of a TCP connection to [::1]:port, or "connected". */
const connectV6 = (port: number) =>
  new Promise<string>((resolve) => {
    const socket = connect({ host: "::1", port });
    socket.once("connect", () => {
      socket.destroy();
      resolve("connected");
    });
    socket.once("error", (error: NodeJS.ErrnoException) => resolve(error.code ?? error.message));
  });

/** A plain GET to [::1]:port: status and Location. */
const getV6 = (port: number, path: string) =>
  new Promise<{ status: number; location: string | undefined }>((resolve, reject) => {
    const req = request({ host: "::1", port, path, agent: false, headers: { host: "localhost" }, timeout: 5000 }, (res) => {
      res.resume();
      res.on("end", () => resolve({ status: res.statusCode ?? 0, location: res.headers.location }));
    });
    req.on("timeout", () => req.destroy(new Error("timeout")));
    req.on("error", reject);
    req.end();
  });

if (!HAS_IPV6_LOOPBACK)
  describe("ipv6", () => {
    it("needs an IPv6 loopback", () => {
      throw new Error(MISSING);
    });
  });
else
  describe.each(nginxBuilds().map((b) => [b.label, b] as const))("ipv6 through %s", (_label, build) => {
    let stack: Stack;
    beforeAll(async () => {
      stack = await startStack(build, {
        backends: ["app"],
        ports: ["dual", "v4only", "tls", "http"],
        // bare ports: nginx binds *:port, and [::]:port unless ipv6 is false
        yaml: (ctx) => `
upstreams:
  app: { servers: ["${ctx.backend("app")}"] }
sites:
  - domains: [localhost]
    listen: ${ctx.port("dual")}
    routes: [{ path: /ws, upstream: app }]
  - domains: [localhost]
    listen: ${ctx.port("v4only")}
    ipv6: false
    routes: [{ path: /ws, upstream: app }]
  - domains: [localhost]
    listen: ${ctx.port("tls")}
    tls: { certificate: ${ctx.certs.certificate}, key: ${ctx.certs.key} }
    redirectHttp: { listen: ${ctx.port("http")} }
    routes: [{ path: /ws, upstream: app }]
`,
      });
    });
    afterAll(() => stack?.stop());

    it("renders [::]:port beside each bare port, but not for ipv6: false", () => {
      const { dual, v4only, tls, http } = stack.ports;
      for (const line of [`listen ${dual};`, `listen [::]:${dual};`, `listen [::]:${tls} ssl;`, `listen [::]:${http};`])
        expect(stack.output).toContain(line);
      expect(stack.output).toContain(`listen ${v4only};`);
      expect(stack.output).not.toContain(`[::]:${v4only}`);
    });
    it("a bare port answers on [::1]: the WebSocket upgrades, as it does on 127.0.0.1", async () => {
      expect(await wsEcho(`ws://[::1]:${stack.ports.dual}/ws`, "over v6")).toBe("app: over v6");
      expect(await wsEcho(`ws://127.0.0.1:${stack.ports.dual}/ws`, "over v4")).toBe("app: over v4");
    });
    it("wss:// upgrades on [::1], and the http server beside it redirects there too", async () => {
      const ca = readFileSync(stack.certs.ca);
      // the certificate names localhost (ws passes servername on to tls.connect; its types leave it out)
      const options = { ca, servername: "localhost" } as WebSocket.ClientOptions;
      expect(await wsEcho(`wss://[::1]:${stack.ports.tls}/ws`, "tls v6", options)).toBe("app: tls v6");
      expect(await getV6(stack.ports.http!, "/ws?x=1")).toEqual({
        status: 301,
        location: `https://localhost:${stack.ports.tls}/ws?x=1`,
      });
    });
    it("ipv6: false: nothing listens on [::1], while 127.0.0.1 answers", async () => {
      expect(await connectV6(stack.ports.v4only!)).toBe("ECONNREFUSED");
      expect(await wsEcho(`ws://127.0.0.1:${stack.ports.v4only}/ws`, "v4")).toBe("app: v4");
    });
  });

/**
 * check's stand-ins for listen addresses (src/check/stubs.ts foreignListenHosts): `sites[].ipv6`
 * adds `[::]:port` beside every bare port, and a CI machine without IPv6 cannot bind it. Such a
 * machine is simulated by passing its interface list (IPv4 only); the stand-in output then passes the
 * real `nginx -t` of every build.
 */
import { rmSync } from "node:fs";
import { afterAll, describe, expect, it } from "vitest";
import { parseConfig } from "../../src/config/load.js";
import { withSandbox } from "../../src/check/sandbox.js";
import { foreignListenHosts, freePort, type InterfaceAddress, privilegedPorts, withStandIns } from "../../src/check/stubs.js";
import { render } from "../../src/render/render.js";
import { makeCertDir } from "../helpers/certs.js";
import { nginxBuilds } from "../helpers/nginx.js";

const certs = makeCertDir();
afterAll(() => rmSync(certs.dir, { recursive: true, force: true }));

const IPV4_ONLY: Record<string, InterfaceAddress[]> = {
  lo: [{ address: "127.0.0.1", family: "IPv4" }],
  eth0: [{ address: "192.0.2.2", family: "IPv4" }],
};
const WITH_IPV6: Record<string, InterfaceAddress[]> = { ...IPV4_ONLY, lo6: [{ address: "::1", family: "IPv6" }] };

/** A TLS site with its redirect, a plain site with ipv6 written, and the catch-all: every kind of [::] listen. */
const yaml = (tls: number, http: number, plain: number) => `defaultServer: reject
upstreams: { a: { servers: [127.0.0.1:9] } }
sites:
  - domains: [chat.example.com]
    listen: ${tls}
    tls: { certificate: ${certs.certificate}, key: ${certs.key} }
    redirectHttp: { listen: ${http} }
    routes: [{ path: /ws, upstream: a }]
  - domains: [feed.example.com]
    listen: ${plain}
    ipv6: true
    routes: [{ path: /ws, upstream: a }]
`;

describe("check on a machine without IPv6", () => {
  it("tests the [::] listens ipv6 adds on one loopback address, reported at ipv6 (or the site, which writes none)", () => {
    const { config } = parseConfig("wssgen.yaml", yaml(8443, 8080, 8081), {});
    expect(foreignListenHosts(config, IPV4_ONLY)).toEqual([{ host: "[::]", replacement: "127.0.0.2", path: ["sites", 0] }]);
    const second = parseConfig("wssgen.yaml", yaml(8443, 8080, 8081).replace("listen: 8443", "listen: 8443\n    ipv6: true"), {});
    expect(foreignListenHosts(second.config, IPV4_ONLY)[0]?.path).toEqual(["sites", 0, "ipv6"]);
    // a machine with any IPv6 address binds [::] itself
    expect(foreignListenHosts(config, WITH_IPV6)).toEqual([]);
  });

  it.each(nginxBuilds().map((b) => [b.label, b] as const))("the stand-in output passes nginx -t on %s", async (_label, build) => {
    const { config } = parseConfig("wssgen.yaml", yaml(await freePort(), await freePort(), await freePort()), {});
    const hosts = new Map(foreignListenHosts(config, IPV4_ONLY).map((f) => [f.host, f.replacement]));
    const output = render(withStandIns(config, new Map(), [], new Map(), hosts), build);
    expect(output).not.toContain("[::]");
    expect(output).toMatch(/listen 127\.0\.0\.2:\d+ ssl default_server;/);
    const result = await withSandbox({ "wssgen.conf": output }, (s) => build.nginx.test({ config: s.mainConfig, prefix: s.dir }));
    expect(result.errors).toEqual([]);
    expect(result.warnings).toEqual([]);
    expect(result.ok).toBe(true);
  });
});

describe("the key a stand-in port is reported at", () => {
  const site = (extra: string) => `upstreams: { a: { servers: [127.0.0.1:9] } }
sites:
  - domains: [chat.example.com]
    tls: { certificate: /etc/ssl/a.pem, key: /etc/ssl/a.key }
${extra}    routes: [{ path: /ws, upstream: a }]
`;
  const ports = (extra: string) =>
    privilegedPorts(parseConfig("wssgen.yaml", site(extra), {}).config, 1024).map((p) => [p.port, p.path.join(".")]);
  it("port 80 of a TLS site: redirectHttp when it redirects, acme when it only answers challenges", () => {
    expect(ports("    redirectHttp: true\n")).toEqual([
      [443, "sites.0.listen"],
      [80, "sites.0.redirectHttp"],
    ]);
    expect(ports("    acme: { webroot: /var/www/acme }\n")).toEqual([
      [443, "sites.0.listen"],
      [80, "sites.0.acme"],
    ]);
    expect(ports("    acme: { webroot: /var/www/acme }\n    redirectHttp: true\n")[1]).toEqual([80, "sites.0.redirectHttp"]);
  });
});

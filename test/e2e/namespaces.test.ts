/**
 * Two wssgen files in one http block (issue 8 §6): both use the upstream name `init` scaffolds
 * (`app`) and the same site and route names, each for its own backend; nginx loads them together,
 * and each routes to its own backend, keeps its own origin allowlist and counts its own connections.
 */
import { readFileSync, rmSync } from "node:fs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parseConfig } from "../../src/config/load.js";
import { render } from "../../src/render/render.js";
import { startBackend, wsEcho, wsOpen, type Backend } from "../helpers/backend.js";
import { makeCertDir, type CertDir } from "../helpers/certs.js";
import { startNginx, type NginxServer } from "../helpers/nginx-server.js";
import { freePort } from "../helpers/ports.js";
import { e2eBuilds } from "./matrix.js";

type Name = "a" | "b";

describe.each(e2eBuilds())("two wssgen files through %s", (_label, build) => {
  let nginx: NginxServer;
  let certs: CertDir;
  const backends: Partial<Record<Name, Backend>> = {};
  const ports: Partial<Record<Name, number>> = {};
  const url = (name: Name) => `wss://localhost:${ports[name]}/ws`;
  const client = (origin: string) => ({ origin, ca: readFileSync(certs.ca) });

  beforeAll(async () => {
    certs = makeCertDir(["localhost"]);
    for (const name of ["a", "b"] as const) {
      backends[name] = await startBackend(name);
      ports[name] = await freePort();
    }
    // the same config but for the backend, the port and the allowed origin; b's upstream keeps
    // connections alive, so both upgrade maps are defined, in both namespaces
    const file = (name: Name) =>
      render(
        parseConfig(
          `${name}.yaml`,
          `
nginx: { target: /etc/nginx/conf.d/${name}.conf }
upstreams:
  app: { servers: ["127.0.0.1:${backends[name]!.port}"]${name === "b" ? ", keepalive: 4" : ""} }
sites:
  - name: chat
    domains: [localhost]
    listen: "127.0.0.1:${ports[name]}"
    tls: { certificate: ${certs.certificate}, key: ${certs.key} }
    routes:
      - { path: /ws, upstream: app, origins: [https://${name}.example.com], allowMissingOrigin: false, maxConnectionsPerIp: 2 }
`,
          {},
        ).config,
        { version: build.version, openssl: build.openssl },
      );
    nginx = startNginx(build, { basePort: await freePort(), confFiles: { "a.conf": file("a"), "b.conf": file("b") } });
  });
  afterAll(async () => {
    nginx?.stop();
    await Promise.all(Object.values(backends).map((b) => b.close()));
    if (certs) rmSync(certs.dir, { recursive: true, force: true });
  });

  it("each file's upstream `app` is its own backend", async () => {
    expect(await wsEcho(url("a"), "x", client("https://a.example.com"))).toBe("a: x");
    expect(await wsEcho(url("b"), "y", client("https://b.example.com"))).toBe("b: y");
  });
  it("each site lets in its own origin only", async () => {
    await expect(wsOpen(url("a"), client("https://b.example.com"))).rejects.toThrow("HTTP 403");
    await expect(wsOpen(url("b"), client("https://a.example.com"))).rejects.toThrow("HTTP 403");
  });
  it("each file counts its own connections", async () => {
    const held = await Promise.all([1, 2].map(() => wsOpen(url("a"), client("https://a.example.com"))));
    try {
      await expect(wsOpen(url("a"), client("https://a.example.com"))).rejects.toThrow("HTTP 429");
      expect(await wsEcho(url("b"), "free", client("https://b.example.com"))).toBe("b: free");
    } finally {
      for (const socket of held) socket.close();
    }
  });
});

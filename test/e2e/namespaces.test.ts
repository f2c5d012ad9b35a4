/** Two wssgen files in one http block keep their own origin allowlists and connection limits. */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parseConfig } from "../../src/config/load.js";
import { render } from "../../src/render/render.js";
import { startBackend, wsEcho, wsOpen, type Backend } from "../helpers/backend.js";
import { startNginx, type NginxServer } from "../helpers/nginx-server.js";
import { freePort } from "../helpers/ports.js";
import { e2eBuilds } from "./matrix.js";

describe.each(e2eBuilds())("two wssgen files through %s", (_label, build) => {
  let nginx: NginxServer;
  let backend: Backend;
  const ports: Record<string, number> = {};
  beforeAll(async () => {
    backend = await startBackend("app");
    ports.a = await freePort();
    ports.b = await freePort();
    const file = (name: "a" | "b") =>
      render(
        parseConfig(
          `${name}.yaml`,
          `nginx: { target: /etc/nginx/conf.d/${name}.conf }\nupstreams: { app${name}: { servers: ["127.0.0.1:${backend.port}"] } }\nsites:\n  - domains: [localhost]\n    listen: "127.0.0.1:${ports[name]}"\n    routes: [{ path: /ws, upstream: app${name}, origins: [https://${name}.example.com], allowMissingOrigin: false, maxConnectionsPerIp: 2 }]\n`,
          {},
        ).config,
        { version: build.version, openssl: build.openssl },
      );
    nginx = startNginx(build, { basePort: await freePort(), confFiles: { "a.conf": file("a"), "b.conf": file("b") } });
  });
  afterAll(async () => {
    nginx.stop();
    await backend.close();
  });

  it("each site lets in its own origin only", async () => {
    expect(await wsEcho(`ws://127.0.0.1:${ports.a}/ws`, "x", { origin: "https://a.example.com" })).toBe("app: x");
    await expect(wsOpen(`ws://127.0.0.1:${ports.a}/ws`, { origin: "https://b.example.com" })).rejects.toThrow("HTTP 403");
    expect(await wsEcho(`ws://127.0.0.1:${ports.b}/ws`, "y", { origin: "https://b.example.com" })).toBe("app: y");
    await expect(wsOpen(`ws://127.0.0.1:${ports.b}/ws`, { origin: "https://a.example.com" })).rejects.toThrow("HTTP 403");
  });
  it("each file counts its own connections", async () => {
    const held = await Promise.all([1, 2].map(() => wsOpen(`ws://127.0.0.1:${ports.a}/ws`, { origin: "https://a.example.com" })));
    try {
      await expect(wsOpen(`ws://127.0.0.1:${ports.a}/ws`, { origin: "https://a.example.com" })).rejects.toThrow("HTTP 429");
      expect(await wsEcho(`ws://127.0.0.1:${ports.b}/ws`, "free", { origin: "https://b.example.com" })).toBe("app: free");
    } finally {
      for (const socket of held) socket.close();
    }
  });
});

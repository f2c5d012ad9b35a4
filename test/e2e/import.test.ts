/**
 * `wssgen import` end to end: a hand-written config (two sites by name, an upstream group, a proxy_pass
 * to an address with a URI of "/", the blog post's mistakes) served by a real nginx with real
 * backends, then its import rendered by wssgen and served on the same ports: every path reaches the
 * same backend with the same request path, WebSockets echo the same way, and the 60s read timeout
 * the original had on its socket is wssgen's hour in the import.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parseConfig } from "../../src/config/load.js";
import { importNginx } from "../../src/import/import.js";
import { render } from "../../src/render/render.js";
import { startBackend, wsEcho, type Backend } from "../helpers/backend.js";
import { nginxBuilds } from "../helpers/nginx.js";
import { startNginx } from "../helpers/nginx-server.js";
import { freePort } from "../helpers/ports.js";

const original = (port: number, b: Record<string, Backend>) => `
map $http_upgrade $connection_upgrade {
    default upgrade;
    '' close;
}
upstream chat {
    server 127.0.0.1:${b.chat!.port};
    server 127.0.0.1:${b.chat2!.port} backup;
}
server {
    listen 127.0.0.1:${port};
    server_name chat.example.com;
    location /ws {
        proxy_pass http://chat;
        proxy_http_version 1.1;
        proxy_set_header Upgrade $http_upgrade;
        proxy_set_header Connection "upgrade";
    }
    location /app/ {
        proxy_pass http://127.0.0.1:${b.app!.port}/;
        proxy_http_version 1.1;
        proxy_set_header Upgrade $http_upgrade;
        proxy_set_header Connection $connection_upgrade;
        proxy_read_timeout 300s;
    }
}
server {
    listen 127.0.0.1:${port};
    server_name admin.example.com;
    location / {
        proxy_pass http://127.0.0.1:${b.admin!.port};
        proxy_http_version 1.1;
        proxy_set_header Upgrade $http_upgrade;
        proxy_set_header Connection "upgrade";
    }
}
`;

const cases = [
  { host: "chat.example.com", path: "/ws", backend: "chat", seen: "/ws" },
  { host: "chat.example.com", path: "/ws/room/1", backend: "chat", seen: "/ws/room/1" },
  { host: "chat.example.com", path: "/app/live?x=1", backend: "app", seen: "/live?x=1" },
  { host: "admin.example.com", path: "/socket", backend: "admin", seen: "/socket" },
];

describe.each(nginxBuilds().map((b) => [b.label, b] as const))(
  "an imported config serves what the original did, on %s",
  (_label, build) => {
    const backends: Record<string, Backend> = {};
    let port = 0;
    let text = "";
    beforeAll(async () => {
      for (const name of ["chat", "chat2", "app", "admin"]) backends[name] = await startBackend(name);
      port = await freePort();
      text = original(port, backends);
    });
    afterAll(async () => {
      for (const backend of Object.values(backends)) await backend.close();
    });

    /** Each case through an nginx serving `conf`: the echo and the path the backend saw. */
    async function serve(conf: string): Promise<{ echo: string; seen: string | undefined }[]> {
      const nginx = startNginx(build, { basePort: await freePort(), confFiles: { "site.conf": conf } });
      try {
        const results = [];
        for (const c of cases) {
          const echo = await wsEcho(`ws://127.0.0.1:${port}${c.path}`, "hi", { headers: { host: c.host } });
          results.push({ echo, seen: backends[c.backend]!.received().at(-1)?.url });
        }
        return results;
      } finally {
        nginx.stop();
      }
    }

    it("same backends, same paths, and the import's fixes in its config", async () => {
      // the original as written: nginx 1.22 to 1.30 all read it
      const before = await serve(text);
      expect(before).toEqual(cases.map((c) => ({ echo: `${c.backend}: hi`, seen: c.seen })));

      const imported = importNginx(text, { file: "site.conf" });
      expect(imported.report.filter((n) => n.kind === "fixed").length).toBeGreaterThanOrEqual(3);
      const { config } = parseConfig("wssgen.yaml", imported.yaml, {});
      const output = render(config, build);
      expect(output).toContain("proxy_read_timeout 1h;"); // was nginx's 60s on /ws
      expect(output).toContain("proxy_read_timeout 300s;");
      expect(output).not.toContain('Connection "upgrade"');
      expect(await serve(output)).toEqual(before);
    });
  },
);

/**
 * `wssgen import`'s rewrite for a proxy_pass URI other than "/" (uriRewrite), through a real nginx:
 * the original (`location /api/ { proxy_pass http://B/v1/; }`) and its import serve on one port in
 * turn, and the backend sees the same request line for every path, a decoded newline (`%0A`)
 * included: the rewrite's `(?s)` lets `.` match it. Beside it, the reason a URI with a %-escape is a
 * REVIEW and no rewrite: proxy_pass sends `/a%20b/` as written, but a rewrite's result is escaped
 * again on the way out (nginx docs, rewrite and proxy_pass), so `/a%20b/x` would reach the backend
 * as `/a%2520b/x`.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parseConfig } from "../../src/config/load.js";
import { importNginx } from "../../src/import/import.js";
import { render } from "../../src/render/render.js";
import { httpGet, startBackend, type Backend } from "../helpers/backend.js";
import { nginxBuilds } from "../helpers/nginx.js";
import { startNginx } from "../helpers/nginx-server.js";
import { freePort } from "../helpers/ports.js";

const paths = [
  "/api/x",
  "/api/a%0Ab",
  "/api/a%0A",
  "/api/a%20b?q=%2F&r=1",
  "/api/a%2Fb",
  "/api/%41",
  "/api/caf%C3%A9",
  "/api/x/../y",
  "/api/",
  "/one",
];

describe.each(nginxBuilds().map((b) => [b.label, b] as const))(
  "a proxy_pass URI imported as a rewrite, on %s",
  (_label, build) => {
    let backend: Backend;
    let port = 0;
    beforeAll(async () => {
      backend = await startBackend("app");
      port = await freePort();
    });
    afterAll(async () => {
      await backend?.close();
    });

    /** The request line's target the backend saw for each path, through an nginx serving `conf`. */
    async function seen(conf: string, list: string[]): Promise<(string | undefined)[]> {
      const nginx = startNginx(build, { basePort: await freePort(), confFiles: { "site.conf": conf } });
      try {
        const urls = [];
        for (const path of list) {
          const before = backend.received().length;
          const answer = await httpGet(port, path, { host: "a.test" });
          expect(answer.status, path).toBe(200);
          urls.push(backend.received()[before]?.url);
        }
        return urls;
      } finally {
        nginx.stop();
      }
    }

    it("the backend sees the same URI from the original and from the import", async () => {
      const original = `server {
    listen 127.0.0.1:${port};
    server_name a.test;
    location /api/ { proxy_pass http://127.0.0.1:${backend.port}/v1/; proxy_set_header Host $host; }
    location = /one { proxy_pass http://127.0.0.1:${backend.port}/two; proxy_set_header Host $host; }
}
`;
      const before = await seen(original, paths);
      expect(before.slice(0, 2)).toEqual(["/v1/x", "/v1/a%0Ab"]);
      const imported = importNginx(original, { file: "site.conf" });
      expect(imported.report.filter((n) => n.review)).toEqual([]);
      const { config } = parseConfig("wssgen.yaml", imported.yaml, {});
      const output = render(config, build);
      expect(output).toContain('rewrite "(?s)^/api/(.*)$" /v1/$1 break;');
      expect(await seen(output, paths)).toEqual(before);
    });

    it("why a %-escape in the URI is a REVIEW: a rewrite's URI is escaped again, and without (?s) a newline keeps its prefix", async () => {
      const conf = `server {
    listen 127.0.0.1:${port};
    server_name a.test;
    location /a/ { proxy_pass http://127.0.0.1:${backend.port}/a%20b/; }
    location /b/ { rewrite "^/b/(.*)$" "/a%20b/$1" break; proxy_pass http://127.0.0.1:${backend.port}; }
    location /c/ { rewrite "^/c/(.*)$" "/v1/$1" break; proxy_pass http://127.0.0.1:${backend.port}; }
}
`;
      expect(await seen(conf, ["/a/x", "/b/x", "/c/a%0Ab"])).toEqual(["/a%20b/x", "/a%2520b/x", "/c/a%0Ab"]);
      const imported = importNginx(conf.replace(/ {4}location \/[bc]\/.*\n/g, ""), { file: "site.conf" });
      expect(imported.report.find((n) => n.directive === "proxy_pass")).toMatchObject({ kind: "dropped", review: true });
    });
  },
);

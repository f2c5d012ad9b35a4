/**
 * Wildcard origins (issue 11, SPEC §7 `routes[].origins: ["https://*.example.com"]`) through a real
 * nginx with a config rendered by wssgen: a wildcard admits exactly one more label, and nothing a
 * hostile page could make of it (the bare domain, two labels, the domain as a prefix of another,
 * another scheme or port, another route's key).
 *
 * nginx facts this relies on (ngx_http_map_module docs, nginx.org/en/docs/http/ngx_http_map_module.html):
 * string keys are matched first and ignoring case; regexes (`~*` case-insensitive) after them, in
 * the order written. wssgen makes a wildcard case-insensitive like the string keys: a browser sends
 * the Origin lower case, and `https://A.example.com` is admitted as `https://APP.test` is for the
 * exact `https://app.test`.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { wsEcho, wsOpen } from "../helpers/backend.js";
import { nginxBuilds } from "../helpers/nginx.js";
import { startStack, type Stack } from "../helpers/stack.js";

describe.each(nginxBuilds().map((b) => [b.label, b] as const))("wildcard origins through %s", (_label, build) => {
  let stack: Stack;
  beforeAll(async () => {
    stack = await startStack(build, {
      backends: ["app"],
      ports: ["site"],
      yaml: (ctx) => `
upstreams:
  app: { servers: ["${ctx.backend("app")}"] }
sites:
  - domains: [localhost]
    listen: "127.0.0.1:${ctx.port("site")}"
    routes:
      - { path: /ws, upstream: app, origins: ["https://*.example.com", https://app.test] }
      - { path: /ws2, upstream: app, origins: [https://app.test] }
      - { path: /port, upstream: app, origins: ["https://*.example.com:8443"] }
      - { path: "= /live+(v1)", upstream: app, origins: ["https://*.example.com"], allowMissingOrigin: false }
`,
    });
  });
  afterAll(() => stack?.stop());
  const url = (path: string) => `ws://127.0.0.1:${stack.ports.site}${path}`;
  const admitted = async (path: string, origin: string | undefined) =>
    expect(await wsEcho(url(path), "hi", origin === undefined ? {} : { origin }), `${path} with Origin ${origin}`).toMatch(
      /: hi$/,
    );
  const refused = (path: string, origin: string | undefined) =>
    expect(wsOpen(url(path), origin === undefined ? {} : { origin }), `${path} with Origin ${origin}`).rejects.toThrow(
      "HTTP 403",
    );

  it("https://*.example.com admits one more label and the exact origin beside it", async () => {
    await admitted("/ws", "https://a.example.com");
    await admitted("/ws", "https://chat-1.example.com");
    await admitted("/ws", "https://app.test");
    await admitted("/ws", undefined); // allowMissingOrigin defaults to true
  });

  it("refuses the bare domain, two labels, a longer domain, another scheme, another port", async () => {
    for (const origin of [
      "https://example.com",
      "https://.example.com",
      "https://a.b.example.com",
      "https://a.example.com.evil.test",
      "https://aexample.com",
      "https://a-example.com",
      "https://a.example.comx",
      "http://a.example.com",
      "https://a.example.com:8443",
      "https://a.example.com/",
      "https://a.example.com https://app.test",
      "https://-a.example.com",
      "https://*.example.com",
      "null",
    ])
      await refused("/ws", origin);
  });

  it("letter case: like the exact keys, a wildcard ignores it (browsers send lower case)", async () => {
    await admitted("/ws", "https://A.example.com");
    await admitted("/ws", "https://APP.test");
    await admitted("/ws", "https://a.EXAMPLE.com");
  });

  it("a wildcard with a port admits only that port", async () => {
    await admitted("/port", "https://a.example.com:8443");
    await refused("/port", "https://a.example.com");
    await refused("/port", "https://a.example.com:8444");
    await refused("/port", "https://a.example.com:84430");
  });

  it("a wildcard belongs to its own route: /ws2 (a key that starts like /ws) refuses it", async () => {
    await refused("/ws2", "https://a.example.com");
    await admitted("/ws2", "https://app.test");
  });

  it("a route key with PCRE metacharacters (= /live+(v1)) matches only itself", async () => {
    await admitted("/live+(v1)", "https://a.example.com");
    await refused("/live+(v1)", "https://example.com");
    await refused("/live+(v1)", undefined);
  });
});

/**
 * A static route at `/docs/` gets `location = /docs { return 301 /docs/$is_args$args; }` (view.ts
 * slashRedirect): nginx redirects a prefix location's path without its slash by itself only when the
 * location proxies. test/e2e/static.test.ts shows the redirect through real nginx; these are the
 * cases where there must be none.
 */
import { describe, expect, it } from "vitest";
import { parseConfig } from "../../src/config/load.js";
import { render } from "../../src/render/render.js";
import { parseVersion } from "../../src/nginx-version/version.js";

const renderRoutes = (...routes: string[]) =>
  render(
    parseConfig(
      "wssgen.yaml",
      [
        "upstreams:",
        "  app: { servers: [10.0.0.5:8080] }",
        "sites:",
        "  - domains: [app.example.com]",
        "    listen: 8080",
        "    routes:",
        ...routes.map((r) => `      - ${r}`),
        "",
      ].join("\n"),
      {},
    ).config,
    { version: parseVersion("1.22")! },
  );
const exactLocations = (output: string) =>
  [...output.matchAll(/^ {4}location = (\S+) \{\n(.*)\n/gm)].map((m) => [m[1], m[2]!.trim()]);

describe("the slash redirect of a static route", () => {
  it("is written for a sub-path, with the query string", () => {
    expect(exactLocations(renderRoutes("{ path: /docs/, static: { root: /srv/docs } }"))).toEqual([
      ["/docs", "return 301 /docs/$is_args$args;"],
    ]);
  });
  it("is not written for /, for a proxied route (nginx redirects those), or where the site routes that path itself", () => {
    expect(exactLocations(renderRoutes("{ path: /, static: { root: /srv/app, spa: true } }"))).toEqual([]);
    expect(exactLocations(renderRoutes("{ path: /api/, upstream: app, websocket: false }"))).toEqual([]);
    expect(
      exactLocations(renderRoutes("{ path: /docs/, static: { root: /srv/docs } }", '{ path: "= /docs", upstream: app }')),
    ).toEqual([["/docs", "proxy_pass http://wssgen_app;"]]);
    expect(
      exactLocations(renderRoutes("{ path: /docs/, static: { root: /srv/docs } }", "{ path: /docs, upstream: app }")),
    ).toEqual([]);
  });
});

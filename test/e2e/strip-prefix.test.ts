/**
 * Apps under a sub-path (issue 10, SPEC §7 `routes[].stripPrefix`), through a real nginx with a
 * config rendered by wssgen: what path and headers the backend really receives.
 *
 * nginx facts this shows (proxy_pass docs, nginx.org/en/docs/http/ngx_http_proxy_module.html#proxy_pass):
 * "If the proxy_pass directive is specified with a URI, then when a request is passed to the server,
 * the part of a normalized request URI matching the location is replaced by a URI specified in the
 * directive"; without a URI "the request URI is passed to the server in the same form as sent by a
 * client". Normalized means decoded (%XX), with `.`/`..` resolved and slashes merged; nginx escapes
 * the result again for the request line, so `%20` survives but `%2F` arrives as `/` and `%41` as `A`.
 * And "If a location is defined by a prefix string that ends with the slash character, and requests
 * are processed by ... proxy_pass ..., then ... in response to a request with URI equal to this
 * string, but without the trailing slash, a permanent redirect with the code 301".
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { httpGet, wsEcho, type Backend } from "../helpers/backend.js";
import { nginxBuilds } from "../helpers/nginx.js";
import { startStack, type Stack } from "../helpers/stack.js";

describe.each(nginxBuilds().map((b) => [b.label, b] as const))("stripPrefix through %s", (_label, build) => {
  let stack: Stack;
  beforeAll(async () => {
    stack = await startStack(build, {
      backends: ["tracker", "exact", "plain"],
      ports: ["site"],
      yaml: (ctx) => `
upstreams:
  tracker: { servers: ["${ctx.backend("tracker")}"] }
  exact: { servers: ["${ctx.backend("exact")}"] }
  plain: { servers: ["${ctx.backend("plain")}"] }
sites:
  - domains: [localhost]
    listen: "127.0.0.1:${ctx.port("site")}"
    routes:
      - { path: /tracker/, upstream: tracker, stripPrefix: true }
      - { path: "= /tracker/ws", upstream: exact, stripPrefix: true }
      - { path: /plain/, upstream: plain }
`,
    });
  });
  afterAll(() => stack?.stop());
  const port = () => stack.ports.site!;
  /** GETs `path` and returns the request the backend received for it (the backend answers 426 to /ws...). */
  const through = async (backend: string, path: string, headers: Record<string, string> = {}) => {
    const b: Backend = stack.backends[backend]!;
    const before = b.received().length;
    const answer = await httpGet(port(), path, { headers });
    expect([200, 426], `${path}: HTTP ${answer.status}`).toContain(answer.status);
    const seen = b.received().slice(before);
    expect(seen, `${backend} received one request for ${path}`).toHaveLength(1);
    return seen[0]!;
  };

  it("GET /tracker/x?q=1 reaches the backend as /x?q=1 with X-Forwarded-Prefix: /tracker", async () => {
    const got = await through("tracker", "/tracker/x?q=1");
    expect(got.url).toBe("/x?q=1");
    expect(got.headers["x-forwarded-prefix"]).toBe("/tracker");
    expect((await through("tracker", "/tracker/")).url).toBe("/");
    expect((await through("tracker", "/tracker/a/b/c")).url).toBe("/a/b/c");
  });

  it("a client's own X-Forwarded-Prefix is replaced, never passed on", async () => {
    const got = await through("tracker", "/tracker/x", { "x-forwarded-prefix": "/evil" });
    expect(got.headers["x-forwarded-prefix"]).toBe("/tracker");
  });

  it("a WebSocket at /tracker/ reaches the backend at / and upgrades (101)", async () => {
    const backend = stack.backends.tracker!;
    const before = backend.received().length;
    expect(await wsEcho(`ws://127.0.0.1:${port()}/tracker/`, "hello")).toBe("tracker: hello");
    expect(await wsEcho(`ws://127.0.0.1:${port()}/tracker/socket?room=1`, "again")).toBe("tracker: again");
    const handshakes = backend.received().slice(before);
    expect(handshakes.map((r) => [r.url, r.websocket, r.headers["x-forwarded-prefix"]])).toEqual([
      ["/", true, "/tracker"],
      ["/socket?room=1", true, "/tracker"],
    ]);
  });

  it("/tracker (no slash) is a 301 to /tracker/, query string kept", async () => {
    for (const [path, to] of [
      ["/tracker", "/tracker/"],
      ["/tracker?next=1", "/tracker/?next=1"],
    ] as const) {
      const answer = await httpGet(port(), path);
      expect({ path, status: answer.status }).toEqual({ path, status: 301 });
      const location = new URL(answer.headers.location!);
      expect(location.pathname + location.search).toBe(to);
    }
  });

  it("an exact path (= /tracker/ws) reaches the backend at /, beside the prefix route", async () => {
    const backend = stack.backends.exact!;
    const before = backend.received().length;
    expect(await wsEcho(`ws://127.0.0.1:${port()}/tracker/ws`, "exact")).toBe("exact: exact");
    expect(await wsEcho(`ws://127.0.0.1:${port()}/tracker/ws?token=t`, "with args")).toBe("exact: with args");
    expect(
      backend
        .received()
        .slice(before)
        .map((r) => [r.url, r.headers["x-forwarded-prefix"]]),
    ).toEqual([
      ["/", "/tracker/ws"],
      ["/?token=t", "/tracker/ws"],
    ]);
    // only the exact path: a longer one is the prefix route's
    expect((await through("tracker", "/tracker/wsx")).url).toBe("/wsx");
  });

  it("encoded paths arrive as nginx forwards its normalized URI: decoded, dot segments resolved, escaped again", async () => {
    const cases: [sent: string, received: string][] = [
      ["/tracker/a%20b", "/a%20b"], // a space is escaped again
      ["/tracker/a%2Fb", "/a/b"], // an encoded slash is a slash to the backend
      ["/tracker/%41%62c", "/Abc"], // unreserved characters arrive plain
      ["/tracker/a+b", "/a+b"],
      ["/tracker/caf%C3%A9", "/caf%C3%A9"], // non-ASCII bytes are escaped again
      ["/tracker//x", "/x"], // merge_slashes
      ["/tracker/x/../y", "/y"],
      ["/tracker/x/%2e%2e/y", "/y"],
      ["/tracker/q?a=%2F&b=c%20d", "/q?a=%2F&b=c%20d"], // the query string is passed as sent
    ];
    for (const [sent, received] of cases)
      expect({ sent, url: (await through("tracker", sent)).url }).toEqual({ sent, url: received });
    // without stripPrefix (no URI in proxy_pass) the path goes as the client sent it
    for (const sent of ["/plain/a%2Fb", "/plain/a%20b", "/plain/%41"])
      expect({ sent, url: (await through("plain", sent)).url }).toEqual({ sent, url: sent });
    expect((await through("plain", "/plain/x")).headers["x-forwarded-prefix"]).toBeUndefined();
  });
});

/**
 * Stable names (src/render/names.ts, routeKeys): the output names sites and routes by what they are,
 * never by their position, so adding a site at the top of `sites` changes only that site's lines;
 * route keys stay unique as nginx's map compares them, and short enough for limit_conn.
 */
import { describe, expect, it } from "vitest";
import { parseConfig } from "../../src/config/load.js";
import { findDirectives, parseNginx } from "../../src/util/nginx-syntax.js";
import { MAX_ROUTE_KEY, routeKeys } from "../../src/render/names.js";
import { render } from "../../src/render/render.js";
import { parseVersion } from "../../src/nginx-version/version.js";
import { diffLines } from "../../src/util/diff.js";

const v122 = { version: parseVersion("1.22")! };
const load = (yaml: string) => parseConfig("wssgen.yaml", yaml, {}).config;

const site = (name: string, tls: boolean) => `
  - domains: [${name}.example.com]
    ${tls ? "tls: { certificate: /etc/ssl/c.pem, key: /etc/ssl/k.pem }\n    redirectHttp: true" : "listen: 8080"}
    routes:
      - { path: /ws, upstream: chat, origins: [https://${name}.example.com], maxConnectionsPerIp: 10 }
      - { path: /feed, upstream: pool, origins: [https://${name}.example.com, https://app.example.com], allowMissingOrigin: false }
      - { path: /, upstream: pool, websocket: false }
`;
const config = (...sites: string[]) => `upstreams:
  chat: { servers: [10.0.0.5:8080] }
  pool: { servers: [10.0.0.6:8080], keepalive: 8 }
sites:${sites.join("")}`;

describe("adding a site at the top of sites changes only that site's lines", () => {
  it("on a multi-site config: no line removed or changed; the added ones are the new site's server blocks and its origin keys", () => {
    const before = render(load(config(site("chat", true), site("feed", false), site("game", true))), v122);
    const after = render(load(config(site("news", true), site("chat", true), site("feed", false), site("game", true))), v122);
    const ops = diffLines(before.split("\n"), after.split("\n"));
    expect(ops.filter((op) => op.kind === "-")).toEqual([]);
    const added = ops.filter((op) => op.kind === "+").map((op) => op.line);
    // the new site's own lines: its map keys, and its two server blocks (TLS and the redirect) from their comments on
    const lines = after.split("\n");
    const keys = lines.filter((line) => line.startsWith('    "news.example.com/'));
    const first = lines.indexOf("# news.example.com: wss on 443, [::]:443");
    const last = lines.indexOf("# chat.example.com: wss on 443, [::]:443") - 1;
    expect(last).toBeGreaterThan(first);
    expect(first).toBeGreaterThan(0);
    const own = [...keys, ...lines.slice(first - 1, last)];
    expect(keys).toHaveLength(4);
    // (as a multiset: the diff may take a "}" or a blank line of a neighbour for the new one)
    expect([...added].sort()).toEqual([...own].sort());
  });

  it("also when the new site serves the same domain on another port: no other site's line changes", () => {
    const plain = (port: number) => `
  - domains: [chat.example.com]
    listen: ${port}
    routes:
      - { path: /ws, upstream: chat, origins: [http://c.example], maxConnectionsPerIp: 3 }
`;
    const before = render(load(config(site("chat", true), plain(8081))), v122);
    const after = render(load(config(plain(8080), site("chat", true), plain(8081))), v122);
    const ops = diffLines(before.split("\n"), after.split("\n"));
    expect(ops.filter((op) => op.kind === "-")).toEqual([]);
    const added = ops.filter((op) => op.kind === "+").map((op) => op.line);
    expect(added.filter((line) => /set \$wssgen_route|" 0;$/.test(line))).toEqual([
      '    "chat.example.com@8080/ws " 0;',
      '    "chat.example.com@8080/ws http://c.example" 0;',
      "        set $wssgen_route chat.example.com@8080/ws;",
    ]);
  });

  it("no line names a site or route by its position", () => {
    const output = render(load(config(site("chat", true), site("feed", false))), v122);
    expect(output).not.toMatch(/sites\[|routes\[|\b(?:set \$wssgen_\w+|limit_conn_zone \S+) \d+;/);
    expect(findDirectives(parseNginx(output), "set").map((d) => d.args[1])).toEqual([
      "chat.example.com/ws",
      "chat.example.com/feed",
      // feed.example.com@8080/ws and /feed with their origins outgrow the default map bucket: hashed
      expect.stringMatching(/^\|[0-9a-f]{12}$/),
      expect.stringMatching(/^\|[0-9a-f]{12}$/),
    ]);
  });
});

describe("route keys", () => {
  const keysOf = (yaml: string) => [...routeKeys(load(yaml).sites).values()];

  it("are the site's name and the route's path; `= /ws` is `name=/ws`; an unnamed site but the wss one on 443 adds @ and its address", () => {
    const yaml = `upstreams: { a: { servers: [10.0.0.5:8080] } }
sites:
  - { name: chat, domains: [chat.example.com], routes: [{ path: /ws, upstream: a }, { path: = /ws, upstream: a }] }
  - { domains: ["*.example.org"], routes: [{ path: /, upstream: a }] }
`;
    expect(keysOf(yaml)).toEqual(["chat/ws", "chat=/ws", "*.example.org@80/"]);
  });

  it("differ ignoring case (nginx's map lowers its keys): paths of one site that differ only in case are numbered in that site", () => {
    const yaml = `upstreams: { a: { servers: [10.0.0.5:8080] } }
sites:
  - { name: chat, domains: [a.example.com], routes: [{ path: /ws, upstream: a }, { path: /WS, upstream: a }] }
  - { domains: [chat.example.com], listen: 8080, routes: [{ path: /ws, upstream: a }] }
  - { domains: [chat.example.com], tls: { certificate: /etc/ssl/c.pem, key: /etc/ssl/k.pem }, routes: [{ path: /ws, upstream: a }] }
  - { domains: [Chat.example.com], listen: "127.0.0.1:8081", routes: [{ path: /ws, upstream: a }] }
`;
    const keys = keysOf(yaml);
    expect(keys).toEqual([
      "chat/ws",
      "chat~2/WS",
      "chat.example.com@8080/ws",
      "chat.example.com/ws",
      "Chat.example.com@127.0.0.1:8081/ws",
    ]);
    expect(new Set(keys.map((k) => k.toLowerCase())).size).toBe(keys.length);
  });

  it("of one site do not depend on any other site: one domain on several addresses, in any order", () => {
    const plain =
      "  - { domains: [chat.example.com], listen: 8080, routes: [{ path: /ws, upstream: a, origins: [https://x.example] }] }";
    const tls =
      "  - { domains: [chat.example.com], tls: { certificate: /etc/ssl/c.pem, key: /etc/ssl/k.pem }, routes: [{ path: /ws, upstream: a, maxConnectionsPerIp: 5 }] }";
    const yaml = (...sites: string[]) => `upstreams: { a: { servers: [10.0.0.5:8080] } }\nsites:\n${sites.join("\n")}\n`;
    expect(keysOf(yaml(plain))).toEqual(["chat.example.com@8080/ws"]);
    expect(keysOf(yaml(tls, plain))).toEqual(["chat.example.com/ws", "chat.example.com@8080/ws"]);
    expect(keysOf(yaml(plain, tls))).toEqual(["chat.example.com@8080/ws", "chat.example.com/ws"]);
  });

  it(`stay within ${MAX_ROUTE_KEY} bytes (limit_conn declines a longer key): a long one keeps its start and adds a hash`, () => {
    const name = "n".repeat(128);
    const yaml = (path: string) => `upstreams: { a: { servers: [10.0.0.5:8080] } }
sites:
  - { name: ${name}, domains: [a.example.com], routes: [{ path: ${path}, upstream: a }, { path: ${path}x, upstream: a }] }
`;
    const [fits] = keysOf(yaml(`/${"p".repeat(MAX_ROUTE_KEY - 129)}`));
    expect(fits).toBe(`${name}/${"p".repeat(MAX_ROUTE_KEY - 129)}`);
    expect(fits).toHaveLength(MAX_ROUTE_KEY);
    const [long, longer] = keysOf(yaml(`/${"p".repeat(MAX_ROUTE_KEY)}`));
    for (const key of [long!, longer!]) {
      expect(key).toMatch(new RegExp(`^${name}/p{71}\\|[0-9a-f]{16}$`));
      expect(Buffer.byteLength(key)).toBeLessThanOrEqual(MAX_ROUTE_KEY);
    }
    expect(long).not.toBe(longer);
  });

  it("of a route with origins stay short enough for nginx's default map bucket: else `|` and 12 hex digits of the key's hash", () => {
    const route = (path: string, origin: string) => `{ path: ${path}, upstream: a, origins: ["${origin}"] }`;
    const yaml = (...sites: string[]) => `upstreams: { a: { servers: [10.0.0.5:8080] } }
sites:
${sites.join("\n")}
`;
    const chat = `  - { name: chat, domains: [chat.example.com], routes: [${route("/ws", "https://chat.example.com")}, ${route("/dashboard/live", "https://live.example.com:8443")}] }`;
    // "chat/ws https://chat.example.com" fits the 46 bytes; "chat/dashboard/live https://live.example.com:8443" does not
    const [short, hashed] = keysOf(yaml(chat));
    expect(short).toBe("chat/ws");
    expect(hashed).toMatch(/^\|[0-9a-f]{12}$/);
    // the hash is of the key, so a site added above changes neither key
    const news = `  - { name: news, domains: [news.example.com], routes: [${route("/dashboard/live", "https://live.example.com:8443")}] }`;
    const [newsKey, ...chatKeys] = keysOf(yaml(news, chat));
    expect(chatKeys).toEqual([short, hashed]);
    expect(newsKey).toMatch(/^\|[0-9a-f]{12}$/);
    expect(newsKey).not.toBe(hashed);
    // and the file needs no map_hash_bucket_size
    expect(render(load(yaml(news, chat)), v122)).not.toContain("map_hash_bucket_size");
  });

  it('of a route with only wildcard origins fit the bucket too (its "<key> " is a hash key; wildcards are regexes, outside the hash)', () => {
    const yaml = (path: string, origins: string) => `upstreams: { a: { servers: [10.0.0.5:8080] } }
sites:
  - { name: chat, domains: [chat.example.com], routes: [{ path: ${path}, upstream: a, origins: [${origins}] }] }
`;
    // "chat/<40 p> " is 46 bytes: it fits; one more byte does not
    expect(keysOf(yaml(`/${"p".repeat(40)}`, '"https://*.example.com"'))).toEqual([`chat/${"p".repeat(40)}`]);
    const [hashed] = keysOf(yaml(`/${"p".repeat(41)}`, '"https://*.a-long-domain-name.example.com"'));
    expect(hashed).toMatch(/^\|[0-9a-f]{12}$/);
    // a wildcard's length does not shorten the key: the exact origin beside it decides
    expect(keysOf(yaml("/ws", '"https://*.a-very-long-domain-name-for-the-wildcard.example.com", "https://a.io"'))).toEqual([
      "chat/ws",
    ]);
    const output = render(load(yaml(`/${"p".repeat(41)}`, '"https://*.example.com"')), v122);
    expect(output).not.toContain("map_hash_bucket_size");
    expect(output).toContain(`"~*^\\\\|${hashed!.slice(1)} https://`);
  });
});

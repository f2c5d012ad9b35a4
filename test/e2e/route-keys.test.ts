/**
 * The origin map and the connection zone are keyed by route keys (src/render/names.ts): through a
 * real nginx, no Origin header a client can send reaches another route's allowlist (a key that is a
 * prefix of another, keys that differ only in case, sites on one address), and a route key too long
 * for limit_conn as written still limits.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { wsEcho, wsOpen } from "../helpers/backend.js";
import { startStack, type Stack } from "../helpers/stack.js";
import { e2eBuilds } from "./matrix.js";

const LONG_NAME = "n".repeat(128);
const LONG_PATH = `/${"p".repeat(300)}`;
/** "chat/dashboard/live <this>" is over the 46 bytes nginx's default map bucket holds: the key is hashed */
const LONG_ORIGIN = "https://live.example.com:8443";

describe.each(e2eBuilds())("route keys through %s", (_label, build) => {
  let stack: Stack;
  beforeAll(async () => {
    stack = await startStack(build, {
      backends: ["a"],
      ports: ["site"],
      yaml: (ctx) => `
upstreams:
  app: { servers: ["${ctx.backend("a")}"] }
sites:
  - name: chat
    domains: [localhost, 127.0.0.1]
    listen: "127.0.0.1:${ctx.port("site")}"
    routes:
      - { path: /ws, upstream: app, origins: [https://chat.example.com] }
      - { path: /ws/admin, upstream: app, origins: [https://admin.example.com], allowMissingOrigin: false }
      - { path: /WS, upstream: app, origins: [https://upper.example.com], allowMissingOrigin: false }
      - { path: /dashboard/live, upstream: app, origins: ["${LONG_ORIGIN}"], allowMissingOrigin: false }
  - domains: [other.example.com]
    listen: "127.0.0.1:${ctx.port("site")}"
    routes:
      - { path: /ws, upstream: app, origins: [https://other.example.com], allowMissingOrigin: false }
  - name: ${LONG_NAME}
    domains: [long.example.com]
    listen: "127.0.0.1:${ctx.port("site")}"
    routes:
      - { path: "${LONG_PATH}", upstream: app, maxConnectionsPerIp: 1 }
`,
    });
  });
  afterAll(() => stack.stop());
  const url = (path: string) => `ws://127.0.0.1:${stack.ports.site}${path}`;
  const refused = (path: string, origin: string | undefined, host?: string) =>
    expect(
      wsOpen(url(path), { ...(origin === undefined ? {} : { origin }), ...(host ? { headers: { Host: host } } : {}) }),
    ).rejects.toThrow("HTTP 403");

  it("an Origin never reaches another route's keys, however it is spelled", async () => {
    // chat/ws is a prefix of chat/ws/admin: the space after a route's key keeps them apart
    await refused("/ws", "https://admin.example.com");
    await refused("/ws", "/admin https://admin.example.com");
    await refused("/ws", " https://admin.example.com");
    expect(await wsEcho(url("/ws"), "own", { origin: "https://chat.example.com" })).toMatch(/: own$/);
    // chat~2/WS: the map ignores case, so /WS is numbered apart from /ws
    await refused("/WS", "https://chat.example.com");
    await refused("/WS", undefined);
    expect(await wsEcho(url("/WS"), "upper", { origin: "https://upper.example.com" })).toMatch(/: upper$/);
    await refused("/ws/admin", undefined);
    await refused("/ws/admin", "https://chat.example.com");
    // another site on the same address (other.example.com@127.0.0.1:port/ws) keeps its own list
    await refused("/ws", "https://chat.example.com", "other.example.com");
    await refused("/ws", undefined, "other.example.com");
    expect(
      await wsEcho(url("/ws"), "other", { origin: "https://other.example.com", headers: { Host: "other.example.com" } }),
    ).toMatch(/: other$/);
  });

  it("a route whose origin keys would outgrow nginx's default map bucket gets a hashed key, and the file sets no hash size", async () => {
    expect(stack.output).not.toContain("map_hash_bucket_size");
    expect(stack.output).toMatch(/set \$wssgen_route \|[0-9a-f]{12};/);
    expect(await wsEcho(url("/dashboard/live"), "live", { origin: LONG_ORIGIN })).toMatch(/: live$/);
    await refused("/dashboard/live", undefined);
    await refused("/dashboard/live", "https://chat.example.com");
    await refused("/ws", LONG_ORIGIN);
  });

  it("a route key longer than limit_conn takes is shortened, so the limit holds", async () => {
    const key = /set \$wssgen_route (\S+);/.exec(
      stack.output.split("\n").find((l) => l.includes(LONG_NAME) && l.includes("set "))!,
    )![1]!;
    expect(Buffer.byteLength(key)).toBeLessThanOrEqual(255 - 16);
    const first = await wsOpen(url(LONG_PATH), { headers: { Host: "long.example.com" } });
    try {
      await expect(wsOpen(url(LONG_PATH), { headers: { Host: "long.example.com" } })).rejects.toThrow("HTTP 429");
    } finally {
      first.close();
    }
  });
});

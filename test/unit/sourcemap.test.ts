import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { formatPath, parsePath } from "../../src/config/path.js";
import { sourceMap } from "../../src/render/sourcemap.js";
import { FIXTURES } from "../helpers/paths.js";

const output = (name: string) => readFileSync(join(FIXTURES, "render", name, "expected.conf"), "utf8");
const lineOf = (text: string, needle: string) => text.split("\n").findIndex((l) => l.includes(needle)) + 1;

describe("output line → config key (for nginx's error lines)", () => {
  it("maps directives to the keys that wrote them", () => {
    const text = output("05-upstream-servers");
    const map = sourceMap(text);
    expect(formatPath(map[lineOf(text, '"unix:/run/chat.sock"')]!)).toBe("upstreams.chat.servers[2]");
    const tls = output("12-redirect-custom-ports");
    const tlsMap = sourceMap(tls);
    expect(formatPath(tlsMap[lineOf(tls, "ssl_certificate ")]!)).toBe("sites[0].tls.certificate");
    expect(formatPath(tlsMap[lineOf(tls, "ssl_certificate_key")]!)).toBe("sites[0].tls.key");
    expect(formatPath(tlsMap[lineOf(tls, 'listen "[::1]:8443"')]!)).toBe("sites[0].listen[1]");
    expect(formatPath(tlsMap[lineOf(tls, 'listen "127.0.0.1:8080"')]!)).toBe("sites[0].redirectHttp");
    const headers = output("16-custom-headers");
    const headerMap = sourceMap(headers);
    expect(formatPath(headerMap[lineOf(headers, '"X-Quoted"')]!)).toBe("sites[0].routes[0].headers.X-Quoted");
    expect(formatPath(headerMap[lineOf(headers, "proxy_read_timeout")]!)).toBe("sites[0].routes[0].timeouts.read");
  });
  it("every line inside a block belongs to a section", () => {
    for (const name of ["03-ws-and-http-routes", "10-keepalive", "14-origins", "19-nginx-1-30"]) {
      const text = output(name);
      const map = sourceMap(text);
      text.split("\n").forEach((line, i) => {
        if (/^\s+(server|listen|location|proxy_\w+|ssl_\w+) /.test(line) && !line.includes("return 403"))
          expect(map[i + 1], `${name}:${i + 1} ${line}`).toBeDefined();
      });
    }
  });
  it("parsePath reads what formatPath writes", () => {
    for (const path of [
      ["sites", 0, "routes", 12, "headers", "X-App"],
      ["upstreams", "chat-1", "servers", 0],
      ["a", "odd key"],
    ])
      expect(parsePath(formatPath(path))).toEqual(path);
  });
});

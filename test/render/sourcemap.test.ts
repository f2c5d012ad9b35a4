/**
 * Output line → the key in wssgen.yaml that wrote it (src/render/sourcemap.ts), recorded while
 * rendering from each directive's provenance: a value inherited from `defaults` points at
 * `defaults`, one nobody wrote at the object it belongs to, and never at a key the file lacks.
 */
import { describe, expect, it } from "vitest";
import { parseConfig } from "../../src/config/load.js";
import { formatPath, type KeyPath } from "../../src/config/path.js";
import { withSandbox } from "../../src/check/sandbox.js";
import { outputLocator } from "../../src/check/errors-map.js";
import { render, renderMapped } from "../../src/render/render.js";
import { parseVersion } from "../../src/nginx-version/version.js";
import { fixtures } from "../helpers/fixtures.js";
import { nginxBuilds } from "../helpers/nginx.js";

const v122 = { version: parseVersion("1.22")! };
const fixture = (name: string) => fixtures("render").find((f) => f.name === name)!;
const mapped = (name: string) => {
  const { config, source } = parseConfig("wssgen.yaml", fixture(name).text, {});
  return { ...renderMapped(config, v122), config, data: source.data };
};
/** The key path of the first line that is `needle` (trimmed), after line `from`. */
const keyOf = (output: { text: string; sourceMap: readonly (KeyPath | undefined)[] }, needle: string, from = 0) => {
  const index = output.text.split("\n").findIndex((line, i) => i >= from && line.trim() === needle);
  expect(index, needle).toBeGreaterThanOrEqual(0);
  const at = output.sourceMap[index + 1];
  return at && formatPath(at);
};
const lineOf = (text: string, needle: string) => text.split("\n").findIndex((line) => line.trim() === needle);

/** Whether the parsed config file has a value at `path`. */
function has(data: unknown, path: KeyPath): boolean {
  let node = data;
  for (const segment of path) {
    if (node === null || typeof node !== "object" || !Object.hasOwn(node, segment)) return false;
    node = (node as Record<string | number, unknown>)[segment];
  }
  return true;
}

describe("output line → config key (for nginx's error lines)", () => {
  it("maps directives to the keys that wrote them", () => {
    const upstream = mapped("05-upstream-servers");
    expect(keyOf(upstream, "server unix:/run/chat.sock;")).toBe("upstreams.chat.servers[2]");
    expect(keyOf(upstream, "upstream wssgen_chat {")).toBe("upstreams.chat");
    const tls = mapped("12-redirect-custom-ports");
    expect(keyOf(tls, "ssl_certificate /etc/ssl/wssgen/fullchain.pem;")).toBe("sites[0].tls.certificate");
    expect(keyOf(tls, "ssl_certificate_key /etc/ssl/wssgen/privkey.pem;")).toBe("sites[0].tls.key");
    expect(keyOf(tls, "listen [::1]:8443 ssl http2;")).toBe("sites[0].listen[1]");
    expect(keyOf(tls, "listen 127.0.0.1:8080;")).toBe("sites[0].redirectHttp");
    expect(keyOf(tls, "location /ws {")).toBe("sites[0].routes[0].path");
    expect(keyOf(tls, "proxy_pass http://wssgen_chat;")).toBe("sites[0].routes[0].upstream");
    const origins = mapped("14-origins");
    expect(keyOf(origins, '"|fc8b9b0ca497 https://chat.example.com" 0;')).toBe("sites[0].routes[0].origins[0]");
    expect(keyOf(origins, "return 403;")).toBe("sites[0].routes[0].origins");
  });

  it("maps a timeout a preset set to the route's preset key, and one the route wrote to its own key", () => {
    const presets = mapped("38-presets");
    const socketIo = lineOf(presets.text, "location /socket.io/ {");
    expect(keyOf(presets, "proxy_read_timeout 90s;", socketIo)).toBe("sites[0].routes[0].preset");
    expect(keyOf(presets, "proxy_send_timeout 90s;", socketIo)).toBe("sites[0].routes[0].preset");
    expect(keyOf(presets, "proxy_read_timeout 5m;")).toBe("sites[0].routes[5].timeouts.read");
    // graphql-ws sets no timeout: defaults.* applies, and is where the line points
    expect(keyOf(presets, "proxy_read_timeout 30m;", lineOf(presets.text, "location /graphql {"))).toBe("defaults.timeouts.read");
  });

  it("maps the lines of the whole-site keys (issue 10) to them", () => {
    const realIp = mapped("27-real-ip");
    expect(keyOf(realIp, "set_real_ip_from 10.0.0.0/8;")).toBe("sites[0].realIp.from[0]");
    expect(keyOf(realIp, "10.0.0.0/8 1;")).toBe("sites[0].realIp.from[0]"); // its geo entry
    expect(keyOf(realIp, "real_ip_header CF-Connecting-IP;")).toBe("sites[1].realIp.header");
    expect(keyOf(realIp, "proxy_set_header X-Forwarded-For $wssgen_forwarded_for;")).toBe("sites[0].realIp");
    expect(keyOf(realIp, "listen 8443 ssl proxy_protocol;")).toBe("sites[3].listen");
    const acme = mapped("24-acme");
    expect(keyOf(acme, "root /var/www/acme;")).toBe("sites[0].acme.webroot");
    expect(keyOf(acme, "return 404;")).toBe("sites[1].acme");
    const catchAll = mapped("28-default-server");
    expect(keyOf(catchAll, "ssl_reject_handshake on;")).toBe("defaultServer");
    expect(keyOf(catchAll, "return 444;")).toBe("defaultServer");
    // a [::] listen that ipv6 adds: the site, which does not write ipv6 (the default)
    const ipv6 = mapped("29-ipv6");
    expect(keyOf(ipv6, "listen [::]:443 ssl;")).toBe("sites[0]");
    expect(keyOf(ipv6, "listen [::]:80;")).toBe("sites[0]");
    expect(keyOf(ipv6, "listen [::]:8081;")).toBe("sites[2].listen");
    const files = mapped("25-static-spa");
    expect(keyOf(files, "try_files $uri /index.html;")).toBe("sites[0].routes[0].static.spa");
    expect(keyOf(files, "alias /srv/app/docs/;")).toBe("sites[0].routes[1].static.root");
    const sizes = mapped("30-body-and-buffering");
    expect(keyOf(sizes, "client_max_body_size 10m;")).toBe("defaults.maxBodySize");
    expect(keyOf(sizes, "client_max_body_size 0;")).toBe("sites[0].routes[2].maxBodySize");
    expect(keyOf(sizes, "proxy_buffering off;")).toBe("sites[0].routes[3].buffering");
    const hatch = mapped("31-directives");
    expect(keyOf(hatch, "large_client_header_buffers 4 32k;")).toBe("sites[0].directives[0]");
    // the top-level add_header repeated in the /api/ route points at the top-level entry
    const api = lineOf(hatch.text, "location /api/ {");
    expect(keyOf(hatch, "add_header X-Content-Type-Options nosniff always;", api)).toBe("directives[0]");
    expect(keyOf(hatch, "add_header Cache-Control no-store always;")).toBe("sites[0].routes[1].directives[0]");
  });

  it("maps rateLimit's lines to it: a zone to the first route with its rate, a route's limit to that route", () => {
    const limits = mapped("37-rate-limit");
    const zone = (rate: string) =>
      `limit_req_zone $binary_remote_addr$wssgen_route zone=wssgen_req_${rate.replace("/", "")}:32m rate=${rate};`;
    expect(keyOf(limits, zone("30r/m"))).toBe("sites[0].routes[0].rateLimit.rate");
    expect(keyOf(limits, zone("10r/s"))).toBe("sites[0].routes[1].rateLimit.rate");
    expect(keyOf(limits, zone("2r/s"))).toBe("sites[0].routes[2].rateLimit.rate");
    expect(keyOf(limits, "limit_req zone=wssgen_req_30rm burst=10 nodelay;")).toBe("sites[0].routes[0].rateLimit");
    expect(keyOf(limits, "limit_req zone=wssgen_req_2rs;")).toBe("sites[0].routes[2].rateLimit");
    expect(keyOf(limits, "limit_req zone=wssgen_req_10rs burst=20 nodelay;")).toBe("sites[1].routes[0].rateLimit");
    const admin = lineOf(limits.text, "location /admin/ws {");
    expect(keyOf(limits, "limit_req_status 429;", admin)).toBe("sites[0].routes[3].rateLimit");
    expect(keyOf(limits, "limit_conn_status 429;", admin)).toBe("sites[0].routes[3].maxConnectionsPerIp");
  });

  it("a timeout inherited from defaults maps to defaults.timeouts.read; one set on the route to the route's key", () => {
    const timeouts = mapped("13-timeouts");
    const events = lineOf(timeouts.text, "location /events {");
    expect(keyOf(timeouts, "proxy_read_timeout 30m;", events)).toBe("defaults.timeouts.read");
    expect(keyOf(timeouts, "proxy_connect_timeout 3s;", events)).toBe("defaults.timeouts.connect");
    expect(keyOf(timeouts, "proxy_read_timeout 2h;")).toBe("sites[0].routes[0].timeouts.read");
  });

  it("a value nobody wrote maps to the object it belongs to, never to a key the file lacks", () => {
    // 16-custom-headers sets no timeouts: wssgen's defaults belong to the route
    const headers = mapped("16-custom-headers");
    expect(keyOf(headers, "proxy_read_timeout 1h;")).toBe("sites[0].routes[0]");
  });

  it("a header maps to where it was written: defaults.headers, or the route's own headers", () => {
    const headers = mapped("16-custom-headers");
    expect(keyOf(headers, "proxy_set_header X-Request-Id $request_id;")).toBe("defaults.headers.X-Request-Id");
    // the route's x-env overrides defaults.headers.X-Env: the line is the route's
    expect(keyOf(headers, "proxy_set_header x-env staging;")).toBe("sites[0].routes[0].headers.x-env");
    expect(keyOf(headers, "proxy_set_header Host backend.internal;")).toBe("sites[0].routes[0].headers.Host");
  });

  it("every line of every fixture maps to a key the file has", () => {
    for (const { name } of fixtures("render")) {
      const { sourceMap, data } = mapped(name);
      for (const [line, at] of sourceMap.entries()) if (at) expect(has(data, at), `${name}:${line} ${formatPath(at)}`).toBe(true);
    }
  });

  // (map entries wssgen writes itself, `default`, "" and regular expressions, have none)
  it("every directive line inside a block has a key; the text is exactly render()'s", () => {
    for (const { name } of fixtures("render")) {
      const output = mapped(name);
      expect(output.text).toBe(render(output.config, v122));
      output.text.split("\n").forEach((line, i) => {
        if (
          /^\s+\S/.test(line) &&
          !line.trim().startsWith("#") &&
          !/^\s+(default|"[^"]*"|~\S+) /.test(line) &&
          line.trim() !== "}"
        )
          expect(output.sourceMap[i + 1], `${name}:${i + 1} ${line}`).toBeDefined();
      });
    }
  });

  it("a message that names no line finds the value it quotes as an argument, bare or quoted in the output", () => {
    const unplaced = (text: string) => ({ level: "emerg", text, file: undefined, line: undefined });
    const tls = mapped("12-redirect-custom-ports");
    const locate = outputLocator(tls, "elsewhere.conf");
    expect(
      formatPath(locate(unplaced('cannot load certificate "/etc/ssl/wssgen/privkey.pem": PEM_read_bio_X509_AUX() failed'))!),
    ).toBe("sites[0].tls.key");
    expect(locate(unplaced('unknown directive "server_tokens"'))).toBeUndefined(); // a directive's name is no value
    const spaced = parseConfig(
      "wssgen.yaml",
      fixture("12-redirect-custom-ports").text.replaceAll("/fullchain.pem", "/full chain.pem"),
      {},
    ).config;
    const quoted = renderMapped(spaced, v122);
    expect(quoted.text).toContain('ssl_certificate "/etc/ssl/wssgen/full chain.pem";');
    const message = unplaced('cannot load certificate "/etc/ssl/wssgen/full chain.pem": BIO_new_file() failed');
    expect(formatPath(outputLocator(quoted, "elsewhere.conf")(message)!)).toBe("sites[0].tls.certificate");
  });

  it("through the real nginx: a complaint about the line of an inherited timeout names defaults.timeouts.read", async () => {
    const build = nginxBuilds()[0]!;
    const output = renderMapped(parseConfig("wssgen.yaml", fixture("13-timeouts").text, {}).config, build);
    // make nginx reject that line, as it would a value it cannot take
    const lines = output.text.split("\n");
    const line = lines.findIndex(
      (l, i) => i > lineOf(output.text, "location /events {") && l.trim().startsWith("proxy_read_timeout"),
    );
    lines[line] = "        proxy_read_timeout forever;";
    const result = await withSandbox({ "wssgen.conf": lines.join("\n") }, async (s) => ({
      file: s.path("wssgen.conf"),
      test: await build.nginx.test({ config: s.mainConfig, prefix: s.dir }),
    }));
    const message = result.test.errors[0]!;
    expect(message.line).toBe(line + 1);
    expect(formatPath(outputLocator(output, result.file)(message)!)).toBe("defaults.timeouts.read");
  });
});

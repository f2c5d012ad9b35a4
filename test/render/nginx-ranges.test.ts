/**
 * The ranges wssgen takes are nginx's own (issue 8 §5): a config at the top of every numeric range
 * passes each real nginx's `nginx -t`, and one step past a limit that is nginx's (ngx_parse_time's
 * per-unit maximum, port 65535, limit_conn's 65535) is refused by nginx itself, so the boundary is
 * not wssgen's invention.
 */
import { rmSync } from "node:fs";
import { afterAll, describe, expect, it } from "vitest";
import { parseConfig } from "../../src/config/load.js";
import { withSandbox } from "../../src/check/sandbox.js";
import { render } from "../../src/render/render.js";
import { makeCertDir } from "../helpers/certs.js";
import { nginxBuilds } from "../helpers/nginx.js";

const certs = makeCertDir();
afterAll(() => rmSync(certs.dir, { recursive: true, force: true }));

const config = `upstreams:
  chat:
    servers:
      - { address: 127.0.0.1:65535, weight: 9007199254740991, maxFails: 9007199254740991, failTimeout: 106751991167300d }
      - { address: 127.0.0.2:1, weight: 1, maxFails: 0, failTimeout: 0 }
    keepalive: 1048576
sites:
  - domains: [chat.example.com]
    listen: 65535
    tls:
      certificate: ${certs.certificate}
      key: ${certs.key}
      sessionTimeout: 9223372036854775807s
      hsts: { maxAge: 9007199254740991 }
    routes:
      - path: /ws
        upstream: chat
        maxConnectionsPerIp: 65535
        timeouts: { connect: 106751991167d, read: 9223372036854775807ms, send: 2562047788015h }
      - path: /min
        upstream: chat
        maxConnectionsPerIp: 1
        timeouts: { connect: 1ms, read: 1, send: 153722867280912m }
`;

/** One step past nginx's limit, written into the rendered file by hand (wssgen itself refuses these). */
const PAST_NGINX = [
  ["proxy_connect_timeout 106751991167d", "proxy_connect_timeout 106751991168d"],
  ["proxy_read_timeout 9223372036854775807ms", "proxy_read_timeout 9223372036854775808ms"],
  ["proxy_send_timeout 2562047788015h", "proxy_send_timeout 2562047788016h"],
  ["fail_timeout=106751991167300d", "fail_timeout=106751991167301d"],
  ["ssl_session_timeout 9223372036854775807s", "ssl_session_timeout 9223372036854775808s"],
  ["listen 65535 ssl", "listen 65536 ssl"],
  ["limit_conn wssgen_conn 65535;", "limit_conn wssgen_conn 65536;"],
] as const;

describe.each(nginxBuilds().map((b) => [b.label, b] as const))("numeric ranges on %s", (_label, build) => {
  const output = render(parseConfig("wssgen.yaml", config, {}).config, build);
  const test = (text: string) =>
    withSandbox({ "wssgen.conf": text }, (s) => build.nginx.test({ config: s.mainConfig, prefix: s.dir }));

  it("the top and bottom of every range pass nginx -t", async () => {
    const result = await test(output);
    expect(result.errors, result.stderr).toEqual([]);
    expect(result.ok, result.stderr).toBe(true);
    expect(output).toContain("add_header Strict-Transport-Security max-age=9007199254740991 always;");
  });

  it.each(PAST_NGINX)("nginx itself refuses one past the limit: %s", async (at, past) => {
    expect(output).toContain(at);
    const result = await test(output.replace(at, past));
    expect(result.ok, past).toBe(false);
  });
});

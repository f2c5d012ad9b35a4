/**
 * docs/import.md's REVIEW contract, on the inputs of the second review of `wssgen import` (issue 12):
 * each once imported with exit 0 (no REVIEW line, a result that validates) while the rendered config
 * served differently from the original in a way that matters. Each case was run in nginx 1.22
 * against loopback echo backends, original and import side by side; the comment says what each
 * answered then. Each test passes when the import carries the behaviour or says REVIEW (exit 1).
 */
import { describe, expect, it } from "vitest";
import { parseConfig } from "../../src/config/load.js";
import { ConfigError } from "../../src/errors.js";
import { importNginx } from "../../src/import/import.js";
import { resolveNginxBuild } from "../../src/nginx/nginx-build.js";
import { render } from "../../src/render/render.js";

/**
 * The import of `text` as the command sees it: `exit1` when a note is REVIEW or the result does not
 * validate (the command's exit 1), else the config it renders for nginx 1.22.
 */
async function imported(text: string) {
  const result = importNginx(text, { file: "site.conf" });
  if (result.report.some((n) => n.review)) return { exit1: true, output: "", result };
  try {
    const { config } = parseConfig("wssgen.yaml", result.yaml, {});
    return { exit1: false, output: render(config, await resolveNginxBuild(config, "1.22", undefined)), result };
  } catch (error) {
    // the result does not validate: the command's exit 1 (anything else is a bug, and fails the test)
    if (!(error instanceof ConfigError)) throw error;
    return { exit1: true, output: "", result };
  }
}

/** The body of the rendered `location PATH {` block (up to its closing brace at 4 spaces). */
const locationBody = (output: string, path: string) => {
  const start = output.indexOf(`location ${path} {`);
  return start < 0 ? "" : output.slice(start, output.indexOf("\n    }", start));
};

const tlsServer = (body: string) => `server {
  listen 443 ssl;
  server_name a.test;
  ssl_certificate /c.pem;
  ssl_certificate_key /k.pem;
${body}
}
`;

describe("access: a location that answers requests itself is dropped, and its paths reach the backend", () => {
  it("`location = /metrics { return 403; }` beside a proxied `/` keeps /metrics closed", async () => {
    // nginx 1.22: GET /metrics → 403 from the original, 200 from the backend after the import
    // (report: "a location that neither proxies nor serves files: no route", dropped, exit 0).
    // The same for `location /admin/ { return 404; }` and `location /old/ { return 301 /new/; }`,
    // and for such a location in a snippet included by an nginx -T dump.
    const { exit1, output } = await imported(`server {
  listen 80;
  server_name a.test;
  location / { proxy_pass http://127.0.0.1:3000; proxy_set_header Host $host; }
  location = /metrics { return 403; }
}
`);
    expect(exit1 || /location = \/metrics \{[^}]*return 403/.test(output)).toBe(true);
  });
});

describe("TLS settings weakened", () => {
  it("http-level `ssl_protocols TLSv1.3` keeps the sites TLSv1.3-only", async () => {
    // nginx 1.22: curl --tls-max 1.2 → handshake refused by the original, 200 after the import
    // (the site gets no profile: intermediate, `ssl_protocols TLSv1.2 TLSv1.3`). The same from an
    // nginx -T dump whose nginx.conf http block says TLSv1.3: wssgen's server overrides it.
    const { exit1, output } = await imported(`ssl_protocols TLSv1.3;
${tlsServer(` add_header Strict-Transport-Security "max-age=63072000" always;
  location / { proxy_pass http://127.0.0.1:3000; proxy_set_header Host $host; }`)}`);
    expect(exit1 || !/ssl_protocols[^;]*TLSv1\.2/.test(output)).toBe(true);
  });

  it("server-level `proxy_ssl_verify on` keeps verifying the https backend", async () => {
    // nginx 1.22, backend with a certificate the trusted CA did not sign: the original answers 502
    // (verify failed), the import 200 from the backend. Report: proxy_ssl_verify and
    // proxy_ssl_trusted_certificate "dropped, ... wssgen's to write here", no REVIEW, exit 0.
    const { exit1, output } = await imported(`server {
  listen 80;
  server_name a.test;
  proxy_ssl_verify on;
  proxy_ssl_trusted_certificate /etc/ssl/internal-ca.pem;
  location / { proxy_pass https://127.0.0.1:3443; proxy_set_header Host $host; }
}
`);
    expect(exit1 || output.includes("proxy_ssl_verify on")).toBe(true);
  });

  it("`proxy_ssl_verify on` in the second of two locations that use one https backend keeps verifying there", async () => {
    // readUpstreamTls: "the first route that proxies to it decides": /b/ answered 502 (verify
    // failed) in the original and 200 after the import.
    const { exit1, output } = await imported(`server {
  listen 80;
  server_name a.test;
  location /a/ { proxy_pass https://127.0.0.1:3443; proxy_set_header Host $host; }
  location /b/ {
    proxy_pass https://127.0.0.1:3443;
    proxy_set_header Host $host;
    proxy_ssl_verify on;
    proxy_ssl_trusted_certificate /etc/ssl/internal-ca.pem;
  }
}
`);
    expect(exit1 || locationBody(output, "/b/").includes("proxy_ssl_verify on")).toBe(true);
  });

  it("an http-level HSTS header is still sent by the TLS sites that inherited it", async () => {
    // nginx 1.22: the original sends Strict-Transport-Security, the import none: the http-level
    // add_header is "dropped, ... comes from sites[].tls.hsts (on by default for TLS sites); set hsts
    // there", and the site, whose server has none, gets `hsts: false`.
    const { exit1, output } = await imported(`add_header Strict-Transport-Security "max-age=63072000" always;
${tlsServer("  location / { proxy_pass http://127.0.0.1:3000; proxy_set_header Host $host; }")}`);
    expect(exit1 || output.includes("Strict-Transport-Security")).toBe(true);
  });

  it("an HSTS header set in a location (and not in the server) is still sent", async () => {
    // nginx 1.22: the original sends Strict-Transport-Security on /, the import none (hsts: false);
    // the report says the location's add_header is "mapped, the site's HSTS header (sites[].tls.hsts),
    // repeated here".
    const { exit1, output } = await imported(
      tlsServer(`  location / {
    proxy_pass http://127.0.0.1:3000;
    proxy_set_header Host $host;
    add_header Strict-Transport-Security "max-age=63072000; includeSubDomains" always;
  }`),
    );
    expect(exit1 || output.includes("Strict-Transport-Security")).toBe(true);
  });
});

describe("requests that reach another place", () => {
  it("`listen [::]:8080 ipv6only=off` keeps serving IPv4 clients", async () => {
    // nginx 1.22: 127.0.0.1:PORT answered by the original, connection refused after the import
    // (ipv6only=off is "dropped, listen parameters ... have no wssgen key", the listener is [::] only).
    const { exit1, output } = await imported(`server {
  listen [::]:8080 ipv6only=off;
  server_name a.test;
  location / { proxy_pass http://127.0.0.1:3000; proxy_set_header Host $host; }
}
`);
    expect(exit1 || /listen (0\.0\.0\.0:|\*:)?8080[ ;]|ipv6only=off/.test(output)).toBe(true);
  });

  it("default_server on another port does not make its server the default of a port it shares", async () => {
    // nginx 1.22: an unknown Host on :8083 reached a.test's backend (3000) in the original, b.test's
    // (3001) after the import: b.test is listed first because of its default_server on :8084.
    const { exit1, result } = await imported(`server {
  listen 8083;
  server_name a.test;
  location / { proxy_pass http://127.0.0.1:3000; proxy_set_header Host $host; }
}
server {
  listen 8083;
  listen 8084 default_server;
  server_name b.test;
  location / { proxy_pass http://127.0.0.1:3001; proxy_set_header Host $host; }
}
`);
    const first8083 = result.data.sites.find((s) => [s.listen].flat().includes(8083));
    expect(exit1 || first8083?.domains[0] === "a.test").toBe(true);
  });

  it("a regular-expression location that serves files from the root is not silently replaced by a proxied prefix", async () => {
    // nginx 1.22: /static/logo.png was a file from /var/www in the original (the regex wins over
    // the prefix /static/), the backend on 3001 after the import; the regex is "dropped" without REVIEW.
    const { exit1 } = await imported(`server {
  listen 80;
  server_name a.test;
  root /var/www;
  location / { proxy_pass http://127.0.0.1:3000; proxy_set_header Host $host; }
  location /static/ { proxy_pass http://127.0.0.1:3001; proxy_set_header Host $host; }
  location ~* \\.(png|css|js)$ { expires 30d; }
}
`);
    expect(exit1).toBe(true);
  });

  it("a proxy_pass URI with an encoded character reaches the backend encoded once", async () => {
    // nginx 1.22: /b/x reached the backend as /a%20b/x from the original, as /a%2520b/x after the
    // import (the kept `rewrite ... "/a%20b/$1" break` is escaped again).
    const { exit1, result } = await imported(`server {
  listen 80;
  server_name a.test;
  location /b/ { proxy_pass http://127.0.0.1:3001/a%20b/; proxy_set_header Host $host; }
}
`);
    const rewrite = (result.data.sites[0]?.routes[0]?.directives ?? []).find((d) => d.startsWith("rewrite"));
    expect(exit1 || !rewrite?.includes("%20")).toBe(true);
  });

  it("a proxy_pass URI replaces the prefix of every path, a decoded newline included", async () => {
    // nginx 1.22: /api/a%0Ab reached the backend as /v1/a%0Ab from the original, as /api/a%0Ab after
    // the import: the kept `rewrite "^/api/(.*)$" ...` does not match across a newline (no (?s)).
    const { exit1, result } = await imported(`server {
  listen 80;
  server_name a.test;
  location /api/ { proxy_pass http://127.0.0.1:3000/v1/; proxy_set_header Host $host; }
}
`);
    const rewrite = (result.data.sites[0]?.routes[0]?.directives ?? []).find((d) => d.startsWith("rewrite"));
    expect(exit1 || rewrite === undefined || rewrite.includes("(?s)") || rewrite.includes("[\\s\\S]")).toBe(true);
  });

  it("an upstream block named like a host (no Host set) is a REVIEW, as a backend by name is", async () => {
    // nginx 1.22: the backend got `Host: api.internal` from the original and the client's Host after
    // the import; only a proxy_pass to a host name without an upstream block is REVIEW.
    const { exit1 } = await imported(`upstream api.internal { server 127.0.0.1:3000; }
server {
  listen 80;
  server_name a.test;
  location / { proxy_pass http://api.internal; }
}
`);
    expect(exit1).toBe(true);
  });

  it("`proxy_set_header Host $proxy_host` does not send wssgen's upstream name", async () => {
    // nginx 1.22: the backend got `Host: 127.0.0.1:3000` from the original, `Host: wssgen_out.backend`
    // (the rendered upstream's name) after the import; reported "mapped".
    const { exit1, output } = await imported(`server {
  listen 80;
  server_name a.test;
  location / { proxy_pass http://127.0.0.1:3000; proxy_set_header Host $proxy_host; }
}
`);
    expect(exit1 || !output.includes("proxy_set_header Host $proxy_host")).toBe(true);
  });

  it("a plain listener of a TLS site with a WebSocket route is not turned into a redirect without REVIEW", async () => {
    // nginx 1.22: a ws:// handshake on the plain port got 101 from the original and 301 to https
    // after the import (reported "fixed"): WebSocket clients do not follow redirects.
    const { exit1, result } = await imported(`map $http_upgrade $connection_upgrade { default upgrade; '' close; }
server {
  listen 80;
  listen 443 ssl;
  server_name a.test;
  ssl_certificate /c.pem;
  ssl_certificate_key /k.pem;
  add_header Strict-Transport-Security "max-age=63072000" always;
  location /ws/ {
    proxy_pass http://127.0.0.1:3002;
    proxy_http_version 1.1;
    proxy_set_header Host $host;
    proxy_set_header Upgrade $http_upgrade;
    proxy_set_header Connection $connection_upgrade;
    proxy_read_timeout 1h;
  }
}
`);
    expect(exit1 || result.data.sites[0]?.redirectHttp === undefined).toBe(true);
  });

  it("a redirect to https on the default port keeps its target port", async () => {
    // nginx 1.22: Location https://a.test/x from the original, https://a.test:8443/x after the import
    // (TLS site on 8443, e.g. behind a 443 → 8443 port mapping).
    const { exit1, output } = await imported(`server {
  listen 80;
  server_name a.test;
  return 301 https://$host$request_uri;
}
server {
  listen 8443 ssl;
  server_name a.test;
  ssl_certificate /c.pem;
  ssl_certificate_key /k.pem;
  add_header Strict-Transport-Security "max-age=63072000" always;
  location / { proxy_pass http://127.0.0.1:3000; proxy_set_header Host $host; }
}
`);
    expect(exit1 || !output.includes("https://$host:8443")).toBe(true);
  });
});

describe("inherited settings lost", () => {
  it("a header a location lost to inheritance is sent with the server's value, as the report says", async () => {
    // TLS ended at a load balancer: server-level `X-Forwarded-Proto https`; /ws/ has its own
    // proxy_set_header, so nginx sent it none. Report: "the route now sends them too"; nginx 1.22:
    // the backend got `X-Forwarded-Proto: http` on /ws/ after the import ($scheme), which an app
    // that insists on https answers with a redirect the WebSocket client does not follow.
    const { exit1, result } = await imported(`server {
  listen 80;
  server_name a.test;
  proxy_set_header Host $host;
  proxy_set_header X-Forwarded-Proto https;
  location / { proxy_pass http://127.0.0.1:3000; }
  location /ws/ {
    proxy_pass http://127.0.0.1:3002;
    proxy_http_version 1.1;
    proxy_set_header Upgrade $http_upgrade;
    proxy_set_header Connection "upgrade";
  }
}
`);
    const ws = result.data.sites[0]?.routes.find((r) => r.path === "/ws/");
    expect(exit1 || ws?.headers?.["X-Forwarded-Proto"] === "https").toBe(true);
  });

  it("server-level `proxy_request_buffering off` is carried to the routes it is reported as inherited by", async () => {
    // report: "mapped, inherited by the site's routes"; the route gets no buffering key and the
    // rendered location buffers uploads again.
    const { exit1, output } = await imported(`server {
  listen 80;
  server_name a.test;
  proxy_request_buffering off;
  location /upload/ { proxy_pass http://127.0.0.1:3000; proxy_set_header Host $host; }
}
`);
    expect(exit1 || output.includes("proxy_request_buffering off")).toBe(true);
  });

  it("a server-level limit_req keeps the zone it uses", async () => {
    // exit 0, then the rendered file fails nginx -t: `zero size shared memory zone "perip"` (the
    // limit_req_zone is reported "mapped, read with the routes that use its zone" and not written).
    const { exit1, output } = await imported(`limit_req_zone $binary_remote_addr zone=perip:1m rate=1r/s;
server {
  listen 80;
  server_name a.test;
  limit_req zone=perip;
  location / { proxy_pass http://127.0.0.1:3000; proxy_set_header Host $host; }
}
`);
    expect(exit1 || /limit_req_zone [^;]*zone=perip:/.test(output)).toBe(true);
  });

  it("an error_page whose target location is dropped is a REVIEW", async () => {
    // nginx 1.22: backend down → the original answered its maintenance page (location = /maint.html,
    // internal, root), the import nginx's own 502 page; the location is dropped without REVIEW.
    const { exit1 } = await imported(`server {
  listen 80;
  server_name a.test;
  error_page 502 /maint.html;
  location = /maint.html { root /var/www/errors; internal; }
  location / { proxy_pass http://127.0.0.1:3000; proxy_set_header Host $host; }
}
`);
    expect(exit1).toBe(true);
  });
});

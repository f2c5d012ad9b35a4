import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { parseConfig } from "../../src/config/load.js";
import { importNginx, type ImportNote } from "../../src/import/import.js";
import { resolveNginxBuild } from "../../src/nginx/nginx-build.js";
import { render } from "../../src/render/render.js";
import { NginxSyntaxError } from "../../src/util/nginx-syntax.js";
import { FIXTURES } from "../helpers/paths.js";

const imp = (text: string) => importNginx(text, { file: "site.conf" });
/** The import's one route, of its one site. */
const route = (text: string) =>
  imp(`upstream app { server 127.0.0.1:3000; }\nserver {\n listen 80;\n server_name a.test;\n${text}\n}`).data.sites[0]!
    .routes[0]!;
const notes = (text: string, kind: ImportNote["kind"]) => imp(text).report.filter((n) => n.kind === kind);
const ws =
  "proxy_pass http://app; proxy_http_version 1.1; proxy_set_header Upgrade $http_upgrade; proxy_set_header Connection $connection_upgrade; proxy_read_timeout 1h;";

describe("upstreams", () => {
  it("maps servers with their parameters, the balancing method and keepalive", () => {
    const { data, report } = imp(`upstream chat {
      least_conn;
      server 10.0.0.5:8080;
      server 10.0.0.6:8080 weight=2 max_fails=3 fail_timeout=10s;
      server 10.0.0.7:8080 backup;
      server 10.0.0.8:8080 down;
      keepalive 32;
    }`);
    expect(data.upstreams.chat).toEqual({
      balance: "least-conn",
      keepalive: 32,
      servers: [
        "10.0.0.5:8080",
        { address: "10.0.0.6:8080", weight: 2, maxFails: 3, failTimeout: "10s" },
        { address: "10.0.0.7:8080", backup: true },
        { address: "10.0.0.8:8080", down: true },
      ],
    });
    expect(report.every((n) => n.kind === "mapped")).toBe(true);
  });

  it.each([
    ["ip_hash;", { balance: "ip-hash" }],
    ["random;", { balance: "random" }],
    ["hash $arg_room;", { balance: "hash", hashKey: "$arg_room" }],
  ])("%s", (line, expected) => {
    expect(imp(`upstream u { ${line} server 10.0.0.1:80; }`).data.upstreams.u).toMatchObject(expected);
  });

  it("keeps a server whose parameter has no key, and says which parameter was dropped", () => {
    const { data, report } = imp("upstream u { server 10.0.0.1:80 max_conns=10; }");
    expect(data.upstreams.u!.servers).toEqual(["10.0.0.1:80"]);
    expect(report.find((n) => n.directive === "server")).toMatchObject({ kind: "dropped", line: 1 });
  });
});

describe("servers and TLS", () => {
  it("recognises the upgrade map and drops it with a note (wssgen writes its own)", () => {
    const [map] = notes("map $http_upgrade $connection_upgrade {\n default upgrade;\n '' close;\n}", "mapped");
    expect(map).toMatchObject({ directive: "map", line: 1 });
    expect(map!.why).toMatch(/wssgen writes its own/);
  });

  it("maps listen, server_name, certificates, a TLSv1.3-only profile, HTTP/2 and HSTS", () => {
    const site = imp(`server {
      listen 443 ssl http2;
      listen [::]:443 ssl http2;
      server_name chat.example.com www.chat.example.com;
      ssl_certificate /etc/ssl/c.pem;
      ssl_certificate_key /etc/ssl/k.pem;
      ssl_protocols TLSv1.3;
      add_header Strict-Transport-Security "max-age=31536000; includeSubDomains" always;
      location /ws { ${ws} }
    }`).data.sites[0]!;
    expect(site).toMatchObject({
      domains: ["chat.example.com", "www.chat.example.com"],
      http2: true,
      tls: {
        certificate: "/etc/ssl/c.pem",
        key: "/etc/ssl/k.pem",
        profile: "modern",
        hsts: { maxAge: "365d", includeSubdomains: true },
      },
    });
    expect(site.listen).toBeUndefined(); // 443 and [::]:443 are a TLS site's default
  });

  it("a port-80 server that only redirects to https becomes redirectHttp on the TLS site", () => {
    const { data } =
      imp(`server { listen 443 ssl; server_name a.test; ssl_certificate c; ssl_certificate_key k; location / { ${ws} } }
      server { listen 80; listen [::]:80; server_name a.test; return 301 https://$host$request_uri; }`);
    expect(data.sites).toHaveLength(1);
    expect(data.sites[0]!.redirectHttp).toBe(true);
  });

  it("one server for http and https: the TLS site, its plain listeners redirected (a fix, reported at each)", () => {
    const { data, report } = imp(`upstream app { server 1.2.3.4:80; }
server {
  listen 80;
  listen 443 ssl;
  server_name a.test;
  ssl_certificate c;
  ssl_certificate_key k;
  location /ws { ${ws} }
}`);
    // 443 and 80 without their [::] twins: the defaults, IPv4 only
    expect(data.sites[0]).toMatchObject({ redirectHttp: true, ipv6: false, tls: { certificate: "c" } });
    expect(data.sites[0]!.listen).toBeUndefined();
    expect(report.find((n) => n.kind === "fixed" && n.directive === "listen")).toMatchObject({ line: 3 });
  });

  it("a certificate without an ssl listener stays plain HTTP (as nginx serves it), with a note", () => {
    const { data, report } = imp(
      `server { listen 80; ssl_certificate c; ssl_certificate_key k; location / { proxy_pass http://127.0.0.1:3000; } }`,
    );
    expect(data.sites[0]!.tls).toBeUndefined();
    expect(report.filter((n) => n.directive === "server").map((n) => n.why)).toContainEqual(expect.stringMatching(/plain HTTP/));
  });

  it("fixes `ssl on;`: the site is a TLS site, and the report says so at the directive's line", () => {
    const { data, report } = imp(
      "server {\n listen 8443;\n ssl on;\n ssl_certificate c;\n ssl_certificate_key k;\n location / { proxy_pass http://127.0.0.1:3000; }\n}",
    );
    expect(data.sites[0]!.tls).toMatchObject({ certificate: "c", key: "k" });
    expect(data.sites[0]!.listen).toBe(8443);
    expect(report.find((n) => n.directive === "ssl")).toMatchObject({ kind: "fixed", line: 3 });
  });
});

describe("routes", () => {
  it("proxy_pass to an upstream, with Upgrade: a WebSocket route (wssgen's default, so no key)", () => {
    expect(route(`location /ws { ${ws} }`)).toEqual({ path: "/ws", upstream: "app" });
  });

  it("proxy_pass to an address creates an implicit upstream", () => {
    const { data } = imp(`server { listen 80; server_name a.test; location /api/ { proxy_pass http://127.0.0.1:8080; } }`);
    const [name] = Object.keys(data.upstreams);
    expect(data.upstreams[name!]).toEqual({ servers: ["127.0.0.1:8080"] });
    expect(data.sites[0]!.routes[0]).toMatchObject({ upstream: name, websocket: false });
  });

  it("proxy_pass to a unix socket creates an implicit upstream for it", () => {
    const { data } = imp(`server { listen 80; location / { proxy_pass http://unix:/run/app.sock:/; } }`);
    expect(Object.values(data.upstreams)).toEqual([{ servers: ["unix:/run/app.sock"] }]);
  });

  it("^~ is a prefix route; regular-expression and named locations are dropped with why", () => {
    const { data, report } = imp(`server { listen 80; root /srv;
      location ^~ /files/ { }
      location ~ \\.php$ { proxy_pass http://127.0.0.1:9000; }
      location @fallback { proxy_pass http://127.0.0.1:9001; } }`);
    expect(data.sites[0]!.routes).toEqual([{ path: "/files/", static: { root: "/srv/files/" } }]);
    expect(report.filter((n) => n.directive === "location" && n.kind === "dropped")).toHaveLength(2);
  });

  it("no Upgrade header: websocket: false", () => {
    expect(route("location /api { proxy_pass http://app; }").websocket).toBe(false);
  });

  it("timeouts, body size, buffering, stripPrefix", () => {
    expect(
      route(`location /app/ { proxy_pass http://app/; proxy_set_header Upgrade $http_upgrade; proxy_read_timeout 2h; proxy_connect_timeout 10s;
        client_max_body_size 50m; proxy_buffering off; }`),
    ).toEqual({
      path: "/app/",
      upstream: "app",
      stripPrefix: true,
      timeouts: { read: "2h", connect: "10s" },
      maxBodySize: "50m",
      buffering: false,
    });
  });

  it("fixes a missing or 60s read timeout on a WebSocket route (wssgen's default is 1h)", () => {
    for (const timeout of ["", "proxy_read_timeout 60s;", "proxy_read_timeout 30;"]) {
      const text = `upstream app { server 1.2.3.4:80; } server { listen 80; location /ws { proxy_pass http://app; proxy_set_header Upgrade $http_upgrade; ${timeout} } }`;
      expect(imp(text).data.sites[0]!.routes[0]!.timeouts).toBeUndefined();
      expect(
        notes(text, "fixed")
          .map((n) => n.why)
          .join(),
      ).toMatch(/1h/);
    }
  });

  it('fixes a hard-coded Connection "upgrade" and $http_host', () => {
    const text = `upstream app { server 1.2.3.4:80; } server { listen 80;
      location /ws { proxy_pass http://app; proxy_set_header Host $http_host; proxy_set_header Upgrade $http_upgrade; proxy_set_header Connection "upgrade"; proxy_read_timeout 1h; } }`;
    expect(imp(text).data.sites[0]!.routes[0]!.headers).toBeUndefined();
    expect(notes(text, "fixed").map((n) => n.why)).toEqual([
      expect.stringMatching(/\$http_host/),
      expect.stringMatching(/Connection "upgrade"/),
    ]);
  });

  it("keeps custom headers and fixes headers lost to inheritance (the server's headers are sent too)", () => {
    const text = `upstream app { server 1.2.3.4:80; } server { listen 80; proxy_set_header X-Tenant blue; proxy_set_header X-Real-IP $remote_addr;
      location /ws { proxy_pass http://app; proxy_set_header Upgrade $http_upgrade; proxy_set_header X-Extra 1; proxy_read_timeout 1h; } }`;
    expect(imp(text).data.sites[0]!.routes[0]!.headers).toEqual({ "X-Extra": "1", "X-Tenant": "blue" });
    expect(notes(text, "fixed").find((n) => n.directive === "location")!.why).toMatch(/drop 2 header/);
  });

  it("inherits the server's headers when the location has none", () => {
    expect(
      imp(`upstream app { server 1.2.3.4:80; } server { listen 80; proxy_set_header Upgrade $http_upgrade; proxy_set_header X-A b;
      location /ws { proxy_pass http://app; proxy_read_timeout 1h; } }`).data.sites[0]!.routes[0],
    ).toEqual({ path: "/ws", upstream: "app", headers: { "X-A": "b" } });
  });

  it("static files: root, alias, and try_files falling back to index.html", () => {
    expect(route("location / { root /srv/app; try_files $uri $uri/ /index.html; }")).toEqual({
      path: "/",
      static: { root: "/srv/app", spa: true },
    });
    expect(route("location /docs/ { alias /srv/docs/; }")).toEqual({ path: "/docs/", static: { root: "/srv/docs/" } });
    expect(route("location /img/ { root /srv; }")).toEqual({ path: "/img/", static: { root: "/srv/img/" } });
  });

  it("allow ... deny all, basic auth, limit_conn by address", () => {
    const text = `limit_conn_zone $binary_remote_addr zone=perip:10m;
      upstream app { server 1.2.3.4:80; }
      server { listen 80; location /ws { proxy_pass http://app; proxy_set_header Upgrade $http_upgrade; proxy_read_timeout 1h;
        allow 10.0.0.0/8; deny all; auth_basic "Team"; auth_basic_user_file /etc/nginx/htpasswd; limit_conn perip 20; } }`;
    expect(imp(text).data.sites[0]!.routes[0]).toEqual({
      path: "/ws",
      upstream: "app",
      maxConnectionsPerIp: 20,
      access: { allow: ["10.0.0.0/8"], basicAuth: { userFile: "/etc/nginx/htpasswd", realm: "Team" } },
    });
  });

  it("other directives: kept in the level's directives when wssgen accepts them there, else dropped with why", () => {
    const text = `upstream app { server 1.2.3.4:80; } server { listen 80; gzip on;
      location /ws { proxy_pass http://app; proxy_set_header Upgrade $http_upgrade; proxy_read_timeout 1h; proxy_cache_bypass $http_upgrade;
        if ($request_method = POST) { return 405; } } }`;
    const { data, report } = imp(text);
    expect(data.sites[0]!.directives).toEqual(["gzip on"]);
    expect(data.sites[0]!.routes[0]!.directives).toEqual(["proxy_cache_bypass $http_upgrade"]);
    expect(report.filter((n) => n.kind === "dropped").map((n) => n.directive)).toEqual(["if", "return"]);
  });
});

describe("the report and the input", () => {
  it("names directives, never their arguments (a header may hold a token)", () => {
    const { report } = imp(`upstream app { server 1.2.3.4:80; } server { listen 80; location / { proxy_pass http://app;
      proxy_set_header Authorization "Bearer s3cr3t"; add_header X-Secret s3cr3t; more_set_headers "X: s3cr3t"; } }`);
    expect(JSON.stringify(report)).not.toContain("s3cr3t");
  });

  it("reads nginx -T output: each note names the file it came from and its line there", () => {
    const text = [
      "nginx: the configuration file /etc/nginx/nginx.conf syntax is ok",
      "# configuration file /etc/nginx/nginx.conf:",
      "user www-data;",
      "http {",
      "    include /etc/nginx/conf.d/*.conf;",
      "}",
      "# configuration file /etc/nginx/conf.d/chat.conf:",
      "upstream app { server 1.2.3.4:80; }",
      "server {",
      "    listen 80;",
      "    ssl on;",
      "    location / { proxy_pass http://app; }",
      "}",
    ].join("\n");
    const { report, data } = importNginx(text, { file: "-" });
    expect(data.sites).toHaveLength(1);
    expect(report.find((n) => n.directive === "user")).toMatchObject({ file: "/etc/nginx/nginx.conf", line: 1, kind: "dropped" });
    expect(report.find((n) => n.directive === "ssl")).toMatchObject({
      file: "/etc/nginx/conf.d/chat.conf",
      line: 4,
      kind: "fixed",
    });
  });

  it("an outer timeout is reported once, where it is written, however many routes inherit it", () => {
    const { report } = imp(`upstream app { server 1.2.3.4:80; } server { listen 80; proxy_read_timeout 2h;
      location /a { ${ws.replace("proxy_read_timeout 1h;", "")} } location /b { ${ws.replace("proxy_read_timeout 1h;", "")} } }`);
    expect(report.filter((n) => n.directive === "proxy_read_timeout")).toHaveLength(1);
  });

  it("text nginx would refuse is an NginxSyntaxError", () => {
    expect(() => imp("server {\n listen 80;")).toThrow(expect.objectContaining({ file: "site.conf", line: 2 }));
    expect(() => imp("server { listen 80;")).toThrow(NginxSyntaxError);
  });
});

describe("the blog post's config (shared/seed, fixtures/import/01-blog-post)", () => {
  const text = readFileSync(join(FIXTURES, "import/01-blog-post/nginx.conf"), "utf8");

  it("imports with every directive in the report, its mistakes fixed, and renders", async () => {
    const result = importNginx(text, { file: "nginx.conf" });
    const directiveLines = text.split("\n").flatMap((line, i) => (/^\s*[a-z_]+\s/.test(line) ? [i + 1] : []));
    for (const line of directiveLines)
      expect(
        result.report.some((n) => n.line === line),
        `line ${line}`,
      ).toBe(true);
    expect(result.report.filter((n) => n.kind === "fixed").map((n) => n.directive)).toEqual([
      "listen",
      "ssl",
      "location",
      "proxy_pass",
      "proxy_set_header",
    ]);
    const { config } = parseConfig("wssgen.yaml", result.yaml, {});
    const output = render(config, await resolveNginxBuild(config, "1.26", undefined));
    expect(output).toContain("listen 8888 ssl;");
    expect(output).toContain("proxy_read_timeout 1h;");
    expect(output).toContain("proxy_set_header Connection $wssgen_connection;");
    expect(output).not.toMatch(/^\s*ssl on;/m);
  });
});

describe("parseNginx({ lines: true })", () => {
  it("gives each directive the line of its name, blocks and quoted newlines counted", async () => {
    const { parseNginx } = await import("../../src/util/nginx-syntax.js");
    const parsed = parseNginx('# a comment\nhttp {\n  map $a $b {\n    default "x\ny";\n  }\n  server { listen\n 80; }\n}\n', {
      lines: true,
    });
    const http = parsed[0]!;
    expect(http.line).toBe(2);
    expect(http.block!.map((d) => [d.name, d.line])).toEqual([
      ["map", 3],
      ["server", 7], // the quoted newline on line 4 counts
    ]);
    expect(http.block![0]!.block![0]!.line).toBe(4);
    expect(http.block![1]!.block![0]!.line).toBe(7);
    expect(parseNginx("a b;")[0]).toEqual({ name: "a", args: ["b"], block: undefined }); // no line unless asked
  });
});

describe("hostile input", () => {
  it("blocks nested deeper than any real config are a syntax error, not a stack overflow", () => {
    expect(() => imp("a {".repeat(100_000) + "}".repeat(100_000))).toThrow(/nested more than 32 deep/);
  });
});

describe("what the corpus's e2e found", () => {
  it("a proxy_pass URI other than / becomes a rewrite ... break in the route's directives", () => {
    expect(route("location /grafana/api/live/ { proxy_pass http://app/api/live/; }").directives).toEqual([
      'rewrite "(?s)^/grafana/api/live/(.*)$" "/api/live/$1" break',
    ]);
    expect(route("location = /a.b { proxy_pass http://app/c; }").directives).toEqual(['rewrite "^/a\\.b$" "/c" break']);
    // a URI with a variable is sent as written: another behaviour, so it is dropped, with why (REVIEW)
    const r = imp(
      "upstream app { server 127.0.0.1:3000; }\nserver { server_name a.test; location /x/ { proxy_pass http://app/$arg_v; } }",
    );
    expect(r.data.sites[0]!.routes[0]!.directives).toBeUndefined();
    expect(r.report.find((n) => n.directive === "proxy_pass")).toMatchObject({ kind: "dropped", review: true });
  });

  it("a server without a name keeps domains empty, with a comment in the YAML and a note that says what to add", () => {
    for (const names of ["server_name _;", 'server_name "";', ""]) {
      const r = imp(`server {\n listen 80;\n ${names}\n location / { ${ws} } }\nupstream app { server 127.0.0.1:3000; }`);
      expect(r.data.sites[0]!.domains).toEqual([]);
      expect(r.yaml).toContain("  - domains: [] # add the names clients use");
      expect(r.report.some((n) => /wssgen sites answer by name/.test(n.why))).toBe(true);
    }
  });

  it("a location that serves files at a path not ending in / is dropped, with what was inside it", () => {
    const r = imp("server { server_name a.test; root /srv; location = /favicon.ico { access_log off; } location /docs/ { } }");
    expect(r.data.sites[0]!.routes.map((x) => x.path)).toEqual(["/docs/"]);
    expect(r.report.filter((n) => n.kind === "dropped").map((n) => n.directive)).toEqual(["access_log", "location"]);
  });

  it("a socket route's send timeout of 60s or less is fixed, reported once as fixed", () => {
    const r = imp(
      `upstream app { server 127.0.0.1:3000; }\nserver { server_name a.test; location /ws { ${ws} proxy_send_timeout 30s; } }`,
    );
    expect(r.data.sites[0]!.routes[0]!.timeouts).toBeUndefined();
    expect(r.report.filter((n) => n.directive === "proxy_send_timeout").map((n) => n.kind)).toEqual(["fixed"]);
  });
});

/** A server around `body`, with a name and a plain listener. */
const server = (body: string) => `server {\n listen 80;\n server_name a.test;\n${body}\n}\n`;
const reviews = (text: string) => imp(text).report.filter((n) => n.review);

describe("what the import review found: access control is carried exactly, or marked REVIEW", () => {
  it("`allow A; ... deny all;` is access.allow; a carve-out (deny A; allow NET; deny all) is a REVIEW, never a route open to all", () => {
    const ok = imp(server(" location /a/ { allow 10.0.0.0/8; allow 192.0.2.7; deny all; proxy_pass http://127.0.0.1:3000; }"));
    expect(ok.data.sites[0]!.routes[0]!.access).toEqual({ allow: ["10.0.0.0/8", "192.0.2.7"] });
    expect(ok.report.some((n) => n.review)).toBe(false);
    const carve = server(" location /a/ { deny 10.0.0.13; allow 10.0.0.0/8; deny all; proxy_pass http://127.0.0.1:3000; }");
    expect(reviews(carve).map((n) => [n.line, n.directive, n.kind])).toEqual([[4, "location", "dropped"]]);
    expect(imp(carve).yaml).toMatch(/^# REVIEW before deploying: 1 place\(s\)/m);
  });

  it("server-level access is inherited per kind, as nginx does: a location's own allow or auth_basic off replaces it", () => {
    const { data } = imp(
      server(` auth_basic "Private";
 auth_basic_user_file /etc/nginx/.htpasswd;
 allow 10.0.0.0/8;
 deny all;
 location / { proxy_pass http://127.0.0.1:3000; }
 location /public/ { auth_basic off; allow all; proxy_pass http://127.0.0.1:3000; }`),
    );
    const [root, pub] = data.sites[0]!.routes;
    expect(root!.access).toEqual({ allow: ["10.0.0.0/8"], basicAuth: { userFile: "/etc/nginx/.htpasswd", realm: "Private" } });
    expect(pub!.access).toBeUndefined();
    expect(data.sites[0]!.directives).toBeUndefined();
  });

  it("auth_request to a location without `internal` (oauth2-proxy's docs) is forward auth, and that location stays a route", () => {
    const { data, report } = imp(
      server(` location = /oauth2/auth { proxy_pass http://127.0.0.1:4180; }
 location / { auth_request /oauth2/auth; proxy_pass http://127.0.0.1:3000; }`),
    );
    const routes = data.sites[0]!.routes;
    expect(routes.map((r) => r.path)).toEqual(["= /oauth2/auth", "/"]);
    expect(routes[1]!.access?.forwardAuth?.url).toBe("http://127.0.0.1:4180");
    expect(report.some((n) => n.review)).toBe(false);
    // to nowhere it can follow: REVIEW
    expect(reviews(server(" location / { auth_request /elsewhere; proxy_pass http://127.0.0.1:3000; }"))).toHaveLength(1);
  });

  it("a limit_req zone keyed by anything but the client address is a REVIEW, not a per-address rateLimit", () => {
    const text = `limit_req_zone $server_name zone=all:10m rate=100r/s;\n${server(" location / { limit_req zone=all; proxy_pass http://127.0.0.1:3000; }")}`;
    expect(imp(text).data.sites[0]!.routes[0]!.rateLimit).toBeUndefined();
    expect(reviews(text).map((n) => n.directive)).toEqual(["limit_req"]);
  });

  it("a dropped block or regex location that serves or guards is a REVIEW; one that only tunes is not", () => {
    expect(
      reviews(server(" location /ws { if ($http_user_agent ~ bot) { return 403; } proxy_pass http://127.0.0.1:3000; }")),
    ).toHaveLength(1);
    expect(reviews(server(" location /api/ { limit_except GET { deny all; } proxy_pass http://127.0.0.1:3000; }"))).toHaveLength(
      1,
    );
    expect(
      reviews(
        server(" location ~ \\.php$ { fastcgi_pass unix:/run/php.sock; }\n location / { proxy_pass http://127.0.0.1:3000; }"),
      ),
    ).toHaveLength(1);
    // without the regex nginx's files (default root) are the backend's: a REVIEW (test/import/locations-review.test.ts)
    expect(
      reviews(server(" location ~* \\.(png|jpg)$ { expires 7d; }\n location / { proxy_pass http://127.0.0.1:3000; }")),
    ).toHaveLength(1);
    expect(reviews(server(" root /var/www;\n location ~* \\.(png|jpg)$ { expires 7d; }\n location / { }"))).toEqual([]);
  });
});

describe("what the import review found: requests reach the same place, or the report says where not", () => {
  it("a try_files that hands requests to PHP (or a named location) is never a static route", () => {
    for (const fallback of ["/index.php$request_uri", "@app", "/index.php?$args"]) {
      const r = imp(server(` root /var/www/app;\n location / { try_files $uri $uri/ ${fallback}; }`));
      expect(r.data.sites).toEqual([]);
      expect(r.report.filter((n) => n.review).map((n) => n.directive)).toEqual(["server", "location"]);
    }
  });

  it("a proxy_pass with a variable under a server root is dropped with a REVIEW, not served as files", () => {
    const r = imp(
      server(
        " root /var/www/html;\n location / { set $app 127.0.0.1:3000; proxy_pass http://$app; }\n location /x/ { proxy_pass http://127.0.0.1:3000; }",
      ),
    );
    expect(r.data.sites[0]!.routes.map((x) => x.path)).toEqual(["/x/"]);
    expect(r.report.filter((n) => n.review).map((n) => n.line)).toEqual([5]);
  });

  it("a hard-coded Upgrade websocket is a WebSocket route, reported fixed", () => {
    const r = imp(
      server(
        ' location /ws { proxy_pass http://127.0.0.1:3000; proxy_set_header Upgrade websocket; proxy_set_header Connection "upgrade"; }',
      ),
    );
    expect(r.data.sites[0]!.routes[0]!.websocket).toBeUndefined();
    expect(r.report.filter((n) => n.directive === "proxy_set_header").map((n) => n.kind)).toEqual(["fixed", "fixed"]);
  });

  it("wssgen's own proxy headers with other values are kept in headers (X-Forwarded-Proto https behind a TLS load balancer)", () => {
    const r = route(
      "location / { proxy_pass http://app; proxy_set_header X-Forwarded-Proto https; proxy_set_header X-Real-IP $remote_addr; }",
    );
    expect(r.headers).toEqual({ "X-Forwarded-Proto": "https" });
  });

  it("no Host set: nginx sent $proxy_host; the change to $host is reported, and is a REVIEW for a backend by name", () => {
    const byAddress = imp(server(" location / { proxy_pass http://127.0.0.1:3000; }"));
    expect(byAddress.report.filter((n) => n.directive === "proxy_pass").map((n) => n.kind)).toEqual(["mapped", "fixed"]);
    expect(byAddress.report.some((n) => n.review)).toBe(false);
    const byName = imp(server(" location /hooks/ { proxy_pass https://hooks.example.com/; }"));
    expect(byName.report.filter((n) => n.review).map((n) => n.directive)).toEqual(["proxy_pass"]);
  });

  it("proxy_request_buffering off alone is buffering: false (the only key that turns it off)", () => {
    expect(route("location /up/ { proxy_pass http://app; proxy_request_buffering off; }").buffering).toBe(false);
  });

  it("a default_server that is not the first server on its port is listed first", () => {
    const r = imp(
      `${server(" location / { proxy_pass http://127.0.0.1:3000; }")}server { listen 80 default_server; server_name b.test; location / { proxy_pass http://127.0.0.1:3001; } }`,
    );
    expect(r.data.sites.map((s) => s.domains[0])).toEqual(["b.test", "a.test"]);
  });

  it("a redirect to https beside other routes is a REVIEW (wssgen redirects whole plain listeners of TLS sites only)", () => {
    const r = imp(
      server(" location / { return 301 https://$host$request_uri; }\n location /api/ { proxy_pass http://127.0.0.1:3000; }"),
    );
    expect(r.data.sites[0]!.redirectHttp).toBeUndefined();
    expect(r.report.filter((n) => n.review).map((n) => [n.line, n.directive])).toEqual([[4, "location"]]);
  });

  it("certbot's managed redirect server becomes the TLS site's redirectHttp", () => {
    const r = imp(`server {
    listen 443 ssl;
    server_name a.test;
    ssl_certificate /etc/letsencrypt/live/a.test/fullchain.pem;
    ssl_certificate_key /etc/letsencrypt/live/a.test/privkey.pem;
    location / { proxy_pass http://127.0.0.1:3000; }
}
server {
    if ($host = a.test) {
        return 301 https://$host$request_uri;
    } # managed by Certbot
    listen 80;
    server_name a.test;
    return 404; # managed by Certbot
}`);
    expect(r.data.sites).toHaveLength(1);
    expect(r.data.sites[0]!.redirectHttp ?? true).toBe(true);
    expect(r.report.some((n) => n.review || n.kind === "dropped")).toBe(false);
  });

  it("a server with nothing to carry (a www → apex redirect) is not a site; a REVIEW says to keep it beside wssgen's", () => {
    const r = imp(
      `server { listen 80; server_name www.a.test; return 301 https://a.test$request_uri; }\n${server(" location / { proxy_pass http://127.0.0.1:3000; }")}`,
    );
    expect(r.data.sites.map((s) => s.domains)).toEqual([["a.test"]]);
    expect(r.report.filter((n) => n.review).map((n) => n.directive)).toEqual(["server"]);
  });

  it("an HTTP/3 (quic) listener is dropped with why, not read as a plain-HTTP one", () => {
    const r = imp(
      `server { listen 443 ssl; listen 443 quic; server_name a.test; ssl_certificate c; ssl_certificate_key k; location / { proxy_pass http://127.0.0.1:3000; } }`,
    );
    expect(r.data.sites[0]!.redirectHttp).toBeUndefined();
    expect(r.data.sites[0]!.listen).toBeUndefined();
  });

  it("input nginx refuses is an error at its line that does not echo it: a quoted directive name, a byte order mark", () => {
    const quoted = () => imp('server {\n location / {\n  "Bearer s3cr3t";\n }\n}');
    expect(quoted).toThrow(expect.objectContaining({ line: 3 }));
    let message = "";
    try {
      quoted();
    } catch (error) {
      message = (error as Error).message;
    }
    expect(message).toMatch(/not a word/);
    expect(message).not.toContain("s3cr3t");
    expect(() => imp("\ufeffserver { }")).toThrow(/byte order mark/);
  });
});

describe("Host for a backend by address: no REVIEW", () => {
  it("an IPv6 address or a unix socket is no name a backend serves by", () => {
    for (const target of ["http://[::1]:3000", "http://unix:/run/app.sock:"])
      expect(reviews(server(` location / { proxy_pass ${target}; }`)), target).toEqual([]);
  });
});

/**
 * The second review's location faults (issue 12): locations the import drops or rewrites while the
 * result would serve differently. Each is a REVIEW (docs/import.md) or carried; the cases were run in
 * nginx 1.22 by the review, original and import side by side (strip-prefix and the URI rewrite are
 * proved on real nginx in test/e2e/import.test.ts).
 */
import { describe, expect, it } from "vitest";
import { importNginx, type ImportNote } from "../../src/import/import.js";

const imp = (text: string) => importNginx(text, { file: "site.conf" });
const server = (body: string) => `server {
  listen 80;
  server_name a.test;
${body}
}
`;
const proxied = "location / { proxy_pass http://127.0.0.1:3000; proxy_set_header Host $host; }";
/** The notes on the location at `line` (1-based, of the file). */
const at = (report: ImportNote[], line: number) => report.filter((n) => n.line === line && n.directive === "location");

describe("a dropped location that answers requests itself is a REVIEW", () => {
  it.each([
    ["location = /metrics { return 403; }", "return"],
    ["location /admin/ { return 404; }", "return"],
    ["location /old/ { return 301 /new/; }", "return"],
    ["location /old/ { rewrite ^/old/(.*)$ /new/$1 permanent; }", "rewrite"],
    ["location = /status { deny all; }", "deny"],
  ])("%s", (location, word) => {
    const { report } = imp(server(`  ${proxied}\n  ${location}`));
    const notes = at(report, 5);
    expect(notes.some((n) => n.review && n.why.includes(`(${word})`))).toBe(true);
    expect(notes.some((n) => n.kind === "mapped")).toBe(false);
  });

  it("in an nginx -T dump's snippet too", () => {
    const dump = `# configuration file /etc/nginx/nginx.conf:
http {
  include /etc/nginx/conf.d/*.conf;
}

# configuration file /etc/nginx/conf.d/site.conf:
${server(`  ${proxied}\n  location = /metrics { return 403; }`)}`;
    const { report } = imp(dump);
    expect(report.some((n) => n.review && n.directive === "location" && n.why.includes("(return)"))).toBe(true);
  });

  it("a location that only logs (no answer of its own) is dropped without REVIEW", () => {
    const { report } = imp(server(`  ${proxied}\n  location /quiet/ { access_log off; }`));
    expect(at(report, 5).some((n) => n.review)).toBe(false);
  });
});

describe("a dropped regular-expression location", () => {
  it("that serves files from the server's root where a proxied prefix would get its requests is a REVIEW", () => {
    const { report } = imp(
      server(`  root /var/www;
  ${proxied}
  location /static/ { proxy_pass http://127.0.0.1:3001; proxy_set_header Host $host; }
  location ~* \\.(png|css|js)$ { expires 30d; }`),
    );
    const [n] = at(report, 7);
    expect(n?.review).toBe(true);
    expect(n?.why).toContain("the location / (site.conf:5) answers otherwise");
  });

  it("with a root of its own is a REVIEW even beside static routes of the server's root", () => {
    const { report } = imp(server(`  root /var/www;\n  location /assets/ { }\n  location ~ \\.png$ { root /srv/img; }`));
    expect(at(report, 6)[0]?.review).toBe(true);
  });

  it("that only sets caching headers for files every other location serves from the same root is not", () => {
    const { report } = imp(
      server(`  root /var/www;
  location / { try_files $uri $uri/ /index.html; }
  location /assets/ { }
  location ~* \\.(png|css|js)$ { expires 30d; }`),
    );
    const [n] = at(report, 7);
    expect(n?.kind).toBe("dropped");
    expect(n?.review).toBeUndefined();
  });
});

describe("a dropped location that serves files at a path not ending in /", () => {
  it("is a REVIEW when a proxied location would answer its path instead", () => {
    const { report } = imp(server(`  root /var/www;\n  ${proxied}\n  location = /favicon.ico { access_log off; }`));
    const [n] = at(report, 6);
    expect(n?.review).toBe(true);
    expect(n?.why).toContain("the location / (site.conf:5) answers otherwise");
  });

  it("is not when every other location serves the same root", () => {
    const { report } = imp(server(`  root /var/www;\n  location / { }\n  location = /favicon.ico { access_log off; }`));
    expect(report.filter((n) => n.review)).toEqual([]);
  });
});

describe("inherited settings", () => {
  it("a header lost to inheritance is sent with the server's value, also one of wssgen's own headers", () => {
    const { data } = imp(
      server(`  proxy_set_header Host $host;
  proxy_set_header X-Forwarded-Proto https;
  proxy_set_header X-Real-IP $remote_addr;
  proxy_set_header X-Team chat;
  location / { proxy_pass http://127.0.0.1:3000; }
  location /ws/ {
    proxy_pass http://127.0.0.1:3002;
    proxy_set_header Upgrade $http_upgrade;
    proxy_set_header Connection "upgrade";
  }`),
    );
    const ws = data.sites[0]?.routes.find((r) => r.path === "/ws/");
    // X-Real-IP $remote_addr and Host $host are what wssgen writes anyway
    expect(ws?.headers).toEqual({ "X-Forwarded-Proto": "https", "X-Team": "chat" });
  });

  it("a lost Host of another value is carried, and the route does not say it sends the client's", () => {
    const { data, report } = imp(
      server(`  proxy_set_header Host api.internal;
  location / { proxy_pass http://127.0.0.1:3000; }
  location /ws/ { proxy_pass http://127.0.0.1:3000; proxy_set_header Upgrade $http_upgrade; }`),
    );
    expect(data.sites[0]?.routes.find((r) => r.path === "/ws/")?.headers).toEqual({ Host: "api.internal" });
    expect(report.filter((n) => n.line === 6 && n.directive === "proxy_pass" && n.kind === "fixed")).toEqual([]);
  });

  it("server-level proxy_request_buffering off reaches the routes that do not set it", () => {
    const { data } = imp(
      server(`  proxy_request_buffering off;
  location /upload/ { proxy_pass http://127.0.0.1:3000; }
  location /other/ { proxy_pass http://127.0.0.1:3000; proxy_request_buffering on; }`),
    );
    const [upload, other] = data.sites[0]!.routes;
    expect(upload?.buffering).toBe(false);
    expect(other?.buffering).toBeUndefined();
  });
});

describe("a proxy_pass URI as a rewrite", () => {
  const rewriteOf = (uri: string) => {
    const { data, report } = imp(
      server(`  location /api/ { proxy_pass http://127.0.0.1:3000${uri}; proxy_set_header Host $host; }`),
    );
    return { directives: data.sites[0]?.routes[0]?.directives, pass: report.find((n) => n.directive === "proxy_pass") };
  };

  it("matches every decoded path, a newline included ((?s))", () => {
    expect(rewriteOf("/v1/").directives).toEqual(['rewrite "(?s)^/api/(.*)$" "/v1/$1" break']);
  });

  it("a URI with a %-escape (which a rewrite would escape again) is a REVIEW, not a rewrite", () => {
    const { directives, pass } = rewriteOf("/a%20b/");
    expect(directives).toBeUndefined();
    expect(pass).toMatchObject({ kind: "dropped", review: true });
    expect(pass?.why).toContain("%-escape");
  });
});

describe("an error_page whose location is not carried", () => {
  it.each([
    ["location = /maint.html { root /var/www/errors; internal; }", "/maint.html"],
    ["location = /50x.html { root /usr/share/nginx/html; }", "/50x.html"],
    ["location @down { return 503; }", "@down"],
    ["location ~ ^/err/ { root /var/www; }", "/err/502.html"],
  ])("%s is a REVIEW", (location, uri) => {
    const { report } = imp(server(`  error_page 502 ${uri};\n  ${proxied}\n  ${location}`));
    expect(at(report, 6).some((n) => n.review && n.why.includes("error_page at site.conf:4"))).toBe(true);
  });

  it("an error_page in another location counts too; one to a carried route does not", () => {
    const inRoute = imp(
      server(
        `  location / { proxy_pass http://127.0.0.1:3000; error_page 502 /50x.html; }\n  location = /50x.html { root /srv; }`,
      ),
    );
    expect(at(inRoute.report, 5).some((n) => n.why.includes("error_page at site.conf:4"))).toBe(true);
    const carried = imp(server(`  root /srv;\n  error_page 502 /errors/502.html;\n  ${proxied}\n  location /errors/ { }`));
    expect(carried.report.filter((n) => n.review)).toEqual([]);
  });
});

describe("a dropped location is listed once", () => {
  it("access rules of a dropped location make its drop a REVIEW, without a second line about the route", () => {
    const { report } = imp(server(`  ${proxied}\n  location /admin/ { deny all; }`));
    const notes = at(report, 5);
    expect(notes).toHaveLength(1);
    expect(notes[0]).toMatchObject({ kind: "dropped", review: true });
    expect(notes[0]?.why).toContain("(deny)");
    expect(report.find((n) => n.directive === "deny")).toMatchObject({ kind: "dropped", why: "inside a dropped location" });
  });
});

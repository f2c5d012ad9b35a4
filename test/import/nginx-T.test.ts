/**
 * `wssgen import` of `nginx -T` output (issue 12's review): includes read where they stand, what stays
 * in files the switch-over keeps, http-level settings sites inherit, when text is a dump at all, and
 * upstream names that stay apart. The last test reads a real `nginx -T` (1.22, 1.26, 1.30) and puts
 * the import's render over the server file, as docs/import.md's switch-over does: nginx -t must pass.
 */
import { spawnSync } from "node:child_process";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { describe, expect, it } from "vitest";
import { parseConfig } from "../../src/config/load.js";
import { render } from "../../src/render/render.js";
import { nginxBuilds } from "../helpers/nginx.js";
import { importNginx, type ImportNote } from "../../src/import/import.js";
import { globMatches, isDump } from "../../src/import/sections.js";

const imp = (text: string) => importNginx(text, { file: "<stdin>" });
/** An nginx -T dump of the given files (path → text), the first the main file. */
const dump = (files: Record<string, string>) =>
  Object.entries(files)
    .map(([path, text]) => `# configuration file ${path}:\n${text}\n`)
    .join("\n");
const MAIN = `user www-data;
events { worker_connections 768; }
http {
    include /etc/nginx/mime.types;
    gzip on;
    include /etc/nginx/conf.d/*.conf;
    include /etc/nginx/sites-enabled/*;
}`;
const at = (report: ImportNote[], file: string, line: number) => report.filter((n) => n.file === file && n.line === line);

describe("nginx -T: an include is read where it stands", () => {
  const snippet = dump({
    "/etc/nginx/nginx.conf": MAIN,
    "/etc/nginx/sites-enabled/chat": `server {
    listen 80;
    server_name chat.test;
    location / { proxy_pass http://127.0.0.1:3000; }
    location /admin/ {
        include snippets/lan-only.conf;
        proxy_pass http://127.0.0.1:3001;
    }
}`,
    "/etc/nginx/snippets/lan-only.conf": "allow 10.0.0.0/8;\ndeny all;",
  });

  it("allow/deny from a snippet included in one location restrict that location only", () => {
    const { data, report } = imp(snippet);
    expect(data.directives ?? []).not.toContain("deny all");
    const [open, admin] = data.sites[0]!.routes;
    expect(open!.access).toBeUndefined();
    expect(admin!.access?.allow).toEqual(["10.0.0.0/8"]);
    // the snippet's lines keep their own file and line; the include says where it went
    expect(at(report, "/etc/nginx/snippets/lan-only.conf", 2).map((n) => n.kind)).toEqual(["mapped"]);
    expect(at(report, "/etc/nginx/sites-enabled/chat", 6)[0]).toMatchObject({ directive: "include", kind: "mapped" });
  });

  it("Debian's `include proxy_params` in a location gives that route its headers, not every server", () => {
    const { data } = imp(
      dump({
        "/etc/nginx/nginx.conf": MAIN,
        "/etc/nginx/proxy_params": "proxy_set_header X-Custom $remote_port;\nproxy_buffering off;",
        "/etc/nginx/sites-enabled/app": `server {
    listen 80;
    server_name app.test;
    location / { include proxy_params; proxy_pass http://127.0.0.1:3000; }
    location /b/ { proxy_pass http://127.0.0.1:3000; }
}`,
      }),
    );
    expect(data.directives ?? []).toEqual([]);
    const [a, b] = data.sites[0]!.routes;
    expect(a!.buffering).toBe(false);
    expect(a!.headers?.["X-Custom"]).toBe("$remote_port");
    expect(b!.buffering).toBeUndefined();
  });

  it("glob matches are read sorted, as glob(3) returns them; loops and missing files are dropped", () => {
    const { data, report } = imp(
      dump({
        "/etc/nginx/nginx.conf": MAIN,
        "/etc/nginx/sites-enabled/b":
          "server { listen 80; server_name b.test; include /etc/nginx/loop.conf; location / { proxy_pass http://127.0.0.1:3000; } }",
        "/etc/nginx/sites-enabled/a":
          "server { listen 80; server_name a.test; include /etc/nginx/missing.conf; location / { proxy_pass http://127.0.0.1:3000; } }",
        "/etc/nginx/loop.conf": "include /etc/nginx/loop.conf;",
      }),
    );
    expect(data.sites.map((s) => s.domains[0])).toEqual(["a.test", "b.test"]);
    expect(at(report, "/etc/nginx/loop.conf", 1).map((n) => [n.kind, /loop/.test(n.why)])).toEqual([["dropped", true]]);
    expect(at(report, "/etc/nginx/sites-enabled/a", 1).find((n) => n.directive === "include")?.kind).toBe("dropped");
  });

  it("a file no include reaches is read at http level, with a note", () => {
    const { data, report } = imp(
      dump({
        "/etc/nginx/nginx.conf": "events {}\nhttp { }",
        "/etc/nginx/conf.d/ws.conf":
          "server { listen 80; server_name ws.test; location / { proxy_pass http://127.0.0.1:3001; } }",
      }),
    );
    expect(data.sites[0]!.domains).toEqual(["ws.test"]);
    expect(at(report, "/etc/nginx/conf.d/ws.conf", 1).some((n) => /no include/.test(n.why))).toBe(true);
  });

  it("a single file keeps dropping its includes (import nginx -T)", () => {
    const { report } = importNginx("server { listen 80; server_name a.test; include snippets/x.conf; }", { file: "a.conf" });
    const include = report.find((n) => n.directive === "include")!;
    expect([include.kind, include.why.includes("nginx -T")]).toEqual(["dropped", true]);
  });

  it("globMatches reads a pattern as glob(3): * and ? stop at / and a leading dot; classes and ranges", () => {
    const conf = (f: string) => globMatches("/etc/nginx/conf.d/*.conf", f);
    expect(
      ["/etc/nginx/conf.d/a.conf", "/etc/nginx/conf.d/.a.conf", "/etc/nginx/conf.d/x/a.conf", "/etc/nginx/conf.d/.conf"].map(
        conf,
      ),
    ).toEqual([true, false, false, false]);
    expect(globMatches("/a/[!b]?.c", "/a/cd.c")).toBe(true);
    expect(globMatches("/a/[!b]?.c", "/a/bd.c")).toBe(false);
    expect(globMatches("/a/[0-9][0-9]-*", "/a/10-x")).toBe(true);
    expect(globMatches("/a/[0-9][0-9]-*", "/a/1x-x")).toBe(false);
    expect(globMatches("/a/*.conf", "/a/.hidden.conf")).toBe(false);
    expect(globMatches("/a/.*", "/a/.hidden")).toBe(true);
  });

  it("a hostile pattern takes time proportional to its length times the path's, not exponential", () => {
    const started = performance.now();
    expect(globMatches(`/e/${"*a".repeat(30)}*c`, `/e/${"a".repeat(20_000)}`)).toBe(false);
    expect(performance.now() - started).toBeLessThan(2000);
  });
});

describe("nginx -T: what stays in files the switch-over keeps", () => {
  const text = dump({
    "/etc/nginx/nginx.conf": MAIN,
    "/etc/nginx/conf.d/gzip.conf": "gzip_vary on;",
    "/etc/nginx/sites-enabled/chat": `proxy_cache_path /var/cache/nginx/chat keys_zone=chat:1m;
server { listen 80; server_name chat.test; location / { proxy_pass http://127.0.0.1:3000; } }`,
  });

  it("an http-level directive of a file without imported servers stays there, and is not copied", () => {
    const { data, report } = imp(text);
    expect(data.directives).toEqual(["proxy_cache_path /var/cache/nginx/chat keys_zone=chat:1m"]);
    const gzip = at(report, "/etc/nginx/conf.d/gzip.conf", 1)[0]!;
    expect([gzip.kind, gzip.why.includes("stays in /etc/nginx/conf.d/gzip.conf")]).toEqual(["kept", true]);
    expect(at(report, "/etc/nginx/nginx.conf", 5)[0]).toMatchObject({ directive: "gzip", kind: "kept" });
  });
});

describe("nginx -T: what goes with the file wssgen's replaces", () => {
  it("an http-level snippet included from a file that held servers is copied, as it goes with that file", () => {
    const { data, report } = imp(
      dump({
        "/etc/nginx/nginx.conf": MAIN,
        "/etc/nginx/sites-enabled/chat": `include /etc/nginx/snippets/cache.conf;
server { listen 80; server_name chat.test; location / { proxy_pass http://127.0.0.1:3000; } }`,
        "/etc/nginx/snippets/cache.conf": "proxy_cache_path /var/cache/nginx/chat keys_zone=chat:1m;",
      }),
    );
    expect(data.directives).toEqual(["proxy_cache_path /var/cache/nginx/chat keys_zone=chat:1m"]);
    expect(at(report, "/etc/nginx/snippets/cache.conf", 1)[0]?.why).toMatch(/copied into the top-level directives/);
  });
});

describe("http-level settings every site inherits", () => {
  it("ssl_certificate and its key at http level are the certificate of TLS sites that set none", () => {
    const { data } = imp(
      dump({
        "/etc/nginx/nginx.conf": MAIN,
        "/etc/nginx/conf.d/tls.conf": "ssl_certificate /etc/ssl/all.pem;\nssl_certificate_key /etc/ssl/all.key;",
        "/etc/nginx/sites-enabled/s": `server { listen 443 ssl; server_name a.test; location / { proxy_pass http://127.0.0.1:3000; } }
server { listen 443 ssl; server_name b.test; ssl_certificate /b.pem; ssl_certificate_key /b.key; location / { proxy_pass http://127.0.0.1:3000; } }`,
      }),
    );
    expect(data.sites.map((s) => [s.tls?.certificate, s.tls?.key])).toEqual([
      ["/etc/ssl/all.pem", "/etc/ssl/all.key"],
      ["/b.pem", "/b.key"],
    ]);
  });

  it("set_real_ip_from and real_ip_header at http level (Cloudflare's snippet) are each site's realIp", () => {
    const { data, report } = imp(
      dump({
        "/etc/nginx/nginx.conf": MAIN,
        "/etc/nginx/conf.d/cloudflare.conf":
          "set_real_ip_from 173.245.48.0/20;\nset_real_ip_from 103.21.244.0/22;\nreal_ip_header CF-Connecting-IP;",
        "/etc/nginx/sites-enabled/s": `server { listen 80; server_name a.test; location / { proxy_pass http://127.0.0.1:3000; } }
server { listen 80; server_name b.test; set_real_ip_from 10.0.0.0/8; location / { proxy_pass http://127.0.0.1:3000; } }`,
      }),
    );
    expect(data.sites.map((s) => s.realIp)).toEqual([
      { from: ["173.245.48.0/20", "103.21.244.0/22"], header: "CF-Connecting-IP" },
      { from: ["10.0.0.0/8"], header: "CF-Connecting-IP" },
    ]);
    expect(data.directives ?? []).toEqual([]);
    expect(at(report, "/etc/nginx/conf.d/cloudflare.conf", 1)[0]?.kind).toBe("mapped");
  });
});

describe("when text is nginx -T output", () => {
  it("a `# configuration file X:` comment in a plain file is a comment: the servers above it stay", () => {
    const text = `server { listen 80; server_name main.test; location / { proxy_pass http://127.0.0.1:3000; } }

# configuration file /etc/nginx/conf.d/ws.conf:
server { listen 80; server_name ws.test; location / { proxy_pass http://127.0.0.1:3001; } }
`;
    expect(isDump(text)).toBe(false);
    expect(importNginx(text, { file: "site.conf" }).data.sites.flatMap((s) => s.domains)).toEqual(["main.test", "ws.test"]);
  });

  it("a dump after nginx's own stderr lines (2>&1) is a dump", () => {
    const text = `nginx: the configuration file /etc/nginx/nginx.conf syntax is ok
nginx: configuration file /etc/nginx/nginx.conf test is successful
${dump({ "/etc/nginx/nginx.conf": "events {}\nhttp { server { listen 80; server_name a.test; } }" })}`;
    expect(isDump(text)).toBe(true);
    expect(imp(text).report[0]?.file).toBe("/etc/nginx/nginx.conf");
  });
});

describe("types", () => {
  it("a types block is one report line with its number of entries", () => {
    const { report } = importNginx("types {\n text/html html;\n text/css css;\n image/png png;\n}\n", { file: "a.conf" });
    expect(report).toHaveLength(1);
    expect([report[0]!.directive, report[0]!.why.includes("3 entries")]).toEqual(["types", true]);
  });
});

describe("upstream names", () => {
  const site = (body: string) => `server {\n listen 80;\n server_name a.test;\n${body}\n}\n`;

  it("two upstreams whose names differ only in '.' vs '_' stay two, and the rename is reported", () => {
    const { data, report } = importNginx(
      `upstream chat.internal { server 127.0.0.1:3000; }
upstream chat_internal { server 127.0.0.1:3001; }
${site(" location /a/ { proxy_pass http://chat.internal; }\n location /b/ { proxy_pass http://chat_internal; }")}`,
      { file: "a.conf" },
    );
    const [a, b] = data.sites[0]!.routes;
    expect(data.upstreams[a!.upstream!]!.servers).toEqual(["127.0.0.1:3000"]);
    expect(data.upstreams[b!.upstream!]!.servers).toEqual(["127.0.0.1:3001"]);
    expect(report.find((n) => n.line === 2 && n.directive === "upstream")?.why).toMatch(/renamed/);
  });

  it("proxy_pass http:// and https:// to one address are two upstreams: the plain route stays plain", () => {
    const { data } = importNginx(
      `upstream app { server 10.0.0.1:8443; }
${site(` location /a/ { proxy_pass http://127.0.0.1:3000; }
 location /b/ { proxy_pass https://127.0.0.1:3000; }
 location /c/ { proxy_pass https://app; }
 location /d/ { proxy_pass http://app; }`)}`,
      { file: "a.conf" },
    );
    const [a, b, c, d] = data.sites[0]!.routes.map((r) => data.upstreams[r.upstream!]!);
    expect([a!.tls, b!.tls !== undefined]).toEqual([undefined, true]);
    expect([c!.tls !== undefined, d!.tls]).toEqual([true, undefined]);
    expect(d!.servers).toEqual(["10.0.0.1:8443"]);
  });
});

describe("the default server", () => {
  it("a server with `listen ... default_server` after another on its port stays the default (listed first)", () => {
    // sites-enabled/* is read sorted: `default` comes after `chat.example.com`
    const { data } = importNginx(
      `server { listen 80; server_name first.test; location / { proxy_pass http://127.0.0.1:3001; } }
server { listen 80 default_server; server_name app.test; location / { proxy_pass http://127.0.0.1:3000; } }
`,
      { file: "a.conf" },
    );
    expect(data.sites.map((s) => s.domains[0])).toEqual(["app.test", "first.test"]);
  });
});

describe("hostile dumps", () => {
  it("includes of includes that would copy a file millions of times stop at a budget, with a note", () => {
    // each level includes the next 10 times: 10^6 copies of the last file
    const files: Record<string, string> = { "/etc/nginx/nginx.conf": "http { include /etc/nginx/l1.conf; }" };
    for (let i = 1; i <= 6; i++) files[`/etc/nginx/l${i}.conf`] = `include /etc/nginx/l${i + 1}.conf;\n`.repeat(10);
    files["/etc/nginx/l7.conf"] = "gzip on;";
    const { report } = imp(dump(files));
    expect(report.length).toBeLessThan(50_000);
    expect(report.some((n) => n.directive === "include" && /more than 10000 files/.test(n.why))).toBe(true);
  });
});

describe.each(nginxBuilds().map((b) => [b.label, b] as const))("a real nginx -T, on %s", (_label, build) => {
  it("imports with the snippet in its location, and wssgen's file over the server file passes nginx -t beside the files that stay", () => {
    const dir = mkdtempSync(join(tmpdir(), "wssgen-nginx-T-"));
    try {
      const write = (path: string, text: string) => {
        mkdirSync(dirname(join(dir, path)), { recursive: true });
        writeFileSync(join(dir, path), text);
      };
      write("nginx.conf", "events {}\nhttp {\n    include conf.d/*.conf;\n    include sites-enabled/*;\n}\n");
      write("conf.d/gzip.conf", "gzip_vary on;\n");
      write("snippets/lan-only.conf", "allow 10.0.0.0/8;\ndeny all;\n");
      write(
        "sites-enabled/chat",
        `server {
    listen 127.0.0.1:8080;
    server_name chat.test;
    location / { proxy_pass http://127.0.0.1:3000; }
    location /admin/ {
        include snippets/lan-only.conf;
        proxy_pass http://127.0.0.1:3001;
    }
}
`,
      );
      const nginx = (...args: string[]) =>
        spawnSync(build.binary, [...args, "-c", join(dir, "nginx.conf"), "-p", `${dir}/`, "-e", "stderr"], { encoding: "utf8" });
      const dumped = nginx("-T");
      expect(dumped.status, dumped.stderr).toBe(0);
      // as `nginx -T 2>&1 | wssgen import -` reads it: nginx's stderr lines first
      const { data, report } = imp(dumped.stderr + dumped.stdout);
      expect(data.sites[0]!.routes.map((r) => [r.path, r.access?.allow])).toEqual([
        ["/", undefined],
        ["/admin/", ["10.0.0.0/8"]],
      ]);
      expect(report.find((n) => n.directive === "gzip_vary")?.kind).toBe("kept");
      // the switch-over: wssgen's file over the file that held the server; conf.d/gzip.conf stays
      const { config } = parseConfig("wssgen.yaml", JSON.stringify(data), {});
      write("sites-enabled/chat", render(config, build));
      const tested = nginx("-t");
      expect(tested.status, tested.stderr).toBe(0);
      expect(tested.stderr).not.toMatch(/\[(warn|emerg)\]/);
      expect(data.directives ?? []).toEqual([]);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

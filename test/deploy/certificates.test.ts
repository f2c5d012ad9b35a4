/**
 * The first deploy of a Let's Encrypt site (src/deploy/certificates.ts), without nginx: which sites
 * wait for their certificate, what is rendered for them, and the certbot command apply prints.
 * The same flow through a real nginx and the real CLI: test/e2e/acme.test.ts.
 */
import { execFileSync } from "node:child_process";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { parseConfig } from "../../src/config/load.js";
import { render } from "../../src/render/render.js";
import { parseVersion } from "../../src/nginx-version/version.js";
import { certbotCommand, describeAwaiting, markAwaitingCertificates, shellQuote } from "../../src/deploy/certificates.js";
import { findDirectives, parseNginx } from "../../src/util/nginx-syntax.js";
import { runCli } from "../helpers/cli.js";

const HOOK = ["wssgen", "apply", "-c", "/srv/app/wssgen.yaml"];
const LIVE = "/etc/letsencrypt/live/app.example.com";

/** The words sh makes of a command line (each printed by printf, NUL-separated). */
function shellWords(line: string): string[] {
  const out = execFileSync("sh", ["-c", `printf '%s\\0' ${line}`], { encoding: "utf8" });
  return out.split("\0").slice(0, -1);
}

const load = (sites: string) =>
  parseConfig("wssgen.yaml", `upstreams: { app: { servers: ["127.0.0.1:9000"] } }\nsites:\n${sites}`, {}).config;

const acmeSite = (extra = "") => `  - domains: [app.example.com, www.app.example.com]
    tls: { certificate: ${LIVE}/fullchain.pem, key: ${LIVE}/privkey.pem }
    acme: { webroot: /var/www/acme }
    redirectHttp: true
    routes: [{ path: /ws, upstream: app, origins: ["https://app.example.com"] }]
${extra}`;

describe("markAwaitingCertificates", () => {
  it("marks a TLS site with acme whose certificate or key is missing, and returns a copy", () => {
    const config = load(acmeSite());
    for (const missing of [`${LIVE}/fullchain.pem`, `${LIVE}/privkey.pem`]) {
      const marked = markAwaitingCertificates(config, (f) => f === missing, HOOK);
      expect(marked.config).not.toBe(config);
      expect(marked.config.sites[0]!.awaitingCertificate).toBe(true);
      expect(config.sites[0]!.awaitingCertificate).toBeUndefined();
      expect(marked.awaiting).toEqual([
        {
          site: "app.example.com",
          at: ["sites", 0],
          domains: ["app.example.com", "www.app.example.com"],
          webroot: "/var/www/acme",
          certificate: `${LIVE}/fullchain.pem`,
          key: `${LIVE}/privkey.pem`,
          missing: [missing],
          http: ["80", "[::]:80"],
          command:
            'certbot certonly --webroot -w /var/www/acme -d app.example.com -d www.app.example.com --deploy-hook "wssgen apply -c /srv/app/wssgen.yaml"',
        },
      ]);
    }
  });
  it("leaves the config as it is when the files exist, for TLS sites without acme, and for plain sites", () => {
    const config = load(
      `${acmeSite()}  - domains: [other.example.com]
    tls: { certificate: /nonexistent/cert.pem, key: /nonexistent/key.pem }
    routes: [{ path: /ws, upstream: app, origins: ["https://other.example.com"] }]
  - domains: [plain.example.com]
    acme: { webroot: /var/www/acme }
    routes: [{ path: /ws, upstream: app, origins: ["http://plain.example.com"] }]
`,
    );
    const none = markAwaitingCertificates(config, () => false, HOOK);
    expect(none.config).toBe(config);
    expect(none.awaiting).toEqual([]);
    // every file missing: only the acme TLS site waits; the other TLS site keeps nginx -t's error
    const all = markAwaitingCertificates(config, () => true, HOOK);
    expect(all.awaiting.map((a) => a.site)).toEqual(["app.example.com"]);
    expect(all.config.sites.map((s) => s.awaitingCertificate)).toEqual([true, undefined, undefined]);
  });
  it("a waiting site renders only its http server: challenges from the webroot, 404 for the rest, no TLS", () => {
    const config = load(acmeSite());
    const text = render(markAwaitingCertificates(config, () => true, HOOK).config, { version: parseVersion("1.22.1")! });
    const tree = parseNginx(text);
    const servers = findDirectives(tree, "server").filter((s) => s.block);
    expect(servers).toHaveLength(1);
    expect(findDirectives(tree, "listen").map((l) => l.args)).toEqual([["80"], ["[::]:80"]]);
    expect(findDirectives(tree, "ssl_certificate")).toEqual([]);
    expect(findDirectives(tree, "location").map((l) => l.args)).toEqual([["^~", "/.well-known/acme-challenge/"], ["/"]]);
    expect(findDirectives(tree, "root").map((r) => r.args)).toEqual([["/var/www/acme"]]);
    expect(findDirectives(tree, "return").map((r) => r.args)).toEqual([["404"]]);
    expect(text).toContain("waiting for its certificate");
    // no route is rendered, so nothing in the head refers to one (nginx -t: unknown "wssgen_route" variable)
    expect(text).not.toMatch(/wssgen_route|wssgen_origin|wssgen_connection/);
    // the full site once the files exist: the TLS server and the redirect
    const full = parseNginx(render(config, { version: parseVersion("1.22.1")! }));
    expect(findDirectives(full, "return").map((r) => r.args)).toContainEqual(["301", "https://$host$request_uri"]);
    expect(findDirectives(full, "ssl_certificate")).toHaveLength(1);
  });
});

describe("certbotCommand", () => {
  it("names every domain with -d, leaves wildcards out, and adds --cert-name when the live directory is named otherwise", () => {
    expect(
      certbotCommand(
        "/var/www/acme",
        ["a.example.com", "*.a.example.com"],
        "/etc/letsencrypt/live/a.example.com/fullchain.pem",
        HOOK,
      ),
    ).toBe('certbot certonly --webroot -w /var/www/acme -d a.example.com --deploy-hook "wssgen apply -c /srv/app/wssgen.yaml"');
    expect(certbotCommand("/var/www/acme", ["www.a.com", "a.com"], "/etc/letsencrypt/live/a.com/fullchain.pem", HOOK)).toContain(
      "-d www.a.com -d a.com --cert-name a.com --deploy-hook",
    );
    expect(certbotCommand("/var/www/acme", ["a.com"], "/etc/ssl/a.pem", HOOK)).not.toContain("--cert-name");
    expect(certbotCommand("/var/www/acme", ["a.com"], "/srv/le/live/a.com/fullchain.pem", HOOK)).toContain(
      "-d a.com --config-dir /srv/le --deploy-hook",
    );
  });
  it("quotes what the shell would split or expand, and the shell reads every argument back as it was", () => {
    const webroot = "/srv/my site/acme";
    const config = "/home/o'brien/$app/wssgen.yaml";
    const command = certbotCommand(webroot, ["a.com"], "/etc/ssl/a.pem", ["wssgen", "apply", "-c", config]);
    expect(command).toBe(
      `certbot certonly --webroot -w "/srv/my site/acme" -d a.com --deploy-hook 'wssgen apply -c '\\''/home/o'\\''\\'\\'''\\''brien/$app/wssgen.yaml'\\'''`,
    );
    // the real shell reads the command's words, and the words of the hook inside its --deploy-hook argument
    const argv = shellWords(command);
    expect(argv).toEqual(["certbot", "certonly", "--webroot", "-w", webroot, "-d", "a.com", "--deploy-hook", expect.any(String)]);
    const hook = shellWords(argv.at(-1)!);
    expect(hook).toEqual(["wssgen", "apply", "-c", config]);
  });
  it("shellQuote leaves safe words bare", () => {
    expect(["a.com", "/var/www/acme", "--deploy-hook", "x=y,z:1@2"].map(shellQuote)).toEqual([
      "a.com",
      "/var/www/acme",
      "--deploy-hook",
      "x=y,z:1@2",
    ]);
    expect(shellQuote("a b")).toBe('"a b"');
    expect(shellQuote("~/x")).toBe('"~/x"');
    expect(shellQuote("it's")).toBe(`"it's"`);
  });
});

describe("describeAwaiting", () => {
  it("says what is served, the command alone on its own line, and what the deploy hook does", () => {
    const [a] = markAwaitingCertificates(load(acmeSite()), (f) => f.endsWith("privkey.pem"), HOOK).awaiting;
    expect(describeAwaiting(a!)).toEqual([
      `app.example.com has no certificate yet (${LIVE}/privkey.pem does not exist): its http server (80, [::]:80) answers only ACME challenges, from /var/www/acme, and its TLS server is left out until the certificate exists; get it with:`,
      `  ${a!.command}`,
      "  certbot runs the deploy hook once the certificate is written (and after each renewal): that `wssgen apply` serves wss://",
    ]);
  });
  it("explains wildcard names", () => {
    const config = load(`  - domains: ["*.example.com"]
    tls: { certificate: /etc/letsencrypt/live/example.com/fullchain.pem, key: /etc/letsencrypt/live/example.com/privkey.pem }
    acme: { webroot: /var/www/acme }
    routes: [{ path: /ws, upstream: app, origins: ["https://a.example.com"] }]
`);
    const [a] = markAwaitingCertificates(config, () => true, HOOK).awaiting;
    expect(describeAwaiting(a!).at(-1)).toBe(
      "  (*.example.com: Let's Encrypt issues wildcard names only over DNS-01; the webroot cannot get this certificate)",
    );
  });
  it("prints no certbot command for files certbot never writes, and says what to do instead", () => {
    const config = load(`  - domains: [app.example.com]
    tls: { certificate: /etc/ssl/mine/cert.pem, key: /etc/ssl/mine/key.pem }
    acme: { webroot: /var/www/acme }
    routes: [{ path: /ws, upstream: app, origins: ["https://app.example.com"] }]
`);
    const [a] = markAwaitingCertificates(config, () => true, HOOK).awaiting;
    const lines = describeAwaiting(a!);
    expect(lines.join("\n")).not.toContain("certbot certonly");
    expect(lines).toEqual([
      "app.example.com has no certificate yet (/etc/ssl/mine/cert.pem does not exist): its http server (80, [::]:80) answers only ACME challenges, from /var/www/acme, and its TLS server is left out until the certificate exists. The certificate and key are not where certbot writes them (/etc/letsencrypt/live/NAME/fullchain.pem and privkey.pem in one directory):",
      "  with certbot, set tls.certificate and tls.key to /etc/letsencrypt/live/app.example.com/fullchain.pem and privkey.pem and apply again for its command;",
      "  with another ACME client, use its webroot mode with /var/www/acme and have it install the certificate at /etc/ssl/mine/cert.pem and the key at /etc/ssl/mine/key.pem, then run wssgen apply",
    ]);
  });
});

describe("diff while a certificate is awaited", () => {
  it("says why what apply would deploy leaves the TLS server out, where render writes the whole site", async () => {
    const dir = mkdtempSync(join(tmpdir(), "wssgen-diff-acme-"));
    const live = join(dir, "letsencrypt", "live", "app.example.com");
    writeFileSync(
      join(dir, "wssgen.yaml"),
      `upstreams: { app: { servers: ["127.0.0.1:9000"] } }
sites:
  - domains: [app.example.com]
    tls: { certificate: ${live}/fullchain.pem, key: ${live}/privkey.pem }
    acme: { webroot: /var/www/acme }
    redirectHttp: true
    routes: [{ path: /ws, upstream: app, origins: ["https://app.example.com"] }]
`,
    );
    const target = join(dir, "site.conf");
    const args = ["-c", join(dir, "wssgen.yaml"), "--nginx-version", "1.22"];
    expect((await runCli(["render", ...args, "-o", target])).exitCode).toBe(0);
    const diff = await runCli(["diff", ...args, "--target", target]);
    expect(diff.exitCode).toBe(1);
    expect(diff.stdout).toContain("-    listen 443 ssl;");
    expect(diff.stderr).toContain(`app.example.com has no certificate yet (${live}/fullchain.pem does not exist)`);
    expect(diff.stderr).toContain("certbot certonly --webroot -w /var/www/acme -d app.example.com --config-dir");
  });
});

/**
 * `wssgen init` and TLS: the questions on a terminal (a real pty via script(1), as users answer them)
 * and the flags that say the same (--letsencrypt, --webroot, --cert/--key). The scaffolds render,
 * and a Let's Encrypt one deploys through `apply` before its certificate exists (test/e2e/acme.test.ts).
 */
import { existsSync, mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { execa } from "execa";
import { describe, expect, it } from "vitest";
import { parseConfig } from "../../src/config/load.js";
import { runCli } from "../helpers/cli.js";
import { BIN } from "../helpers/paths.js";

const tmp = () => mkdtempSync(join(tmpdir(), "wssgen-init-"));

/** `wssgen init ARGS` on a real terminal, with `input` typed ahead. */
async function onTty(args: string, input: string): Promise<{ dir: string; exitCode: number | undefined; output: string }> {
  const dir = tmp();
  const r = await execa("script", ["-qec", `node ${BIN} init ${args}`, "/dev/null"], {
    cwd: dir,
    input,
    reject: false,
    env: { NO_COLOR: "1", CI: undefined },
  });
  return { dir, exitCode: r.exitCode, output: String(r.stdout) };
}

const LE_BLOCK = (domain: string, webroot: string) => [
  `    tls:`,
  `      certificate: "/etc/letsencrypt/live/${domain}/fullchain.pem"`,
  `      key: "/etc/letsencrypt/live/${domain}/privkey.pem"`,
  `      profile: intermediate   # or modern (TLSv1.3 only)`,
  `    acme:`,
  `      webroot: "${webroot}"   # certbot -w: challenges are served from here`,
  `    redirectHttp: true        # port 80: ACME challenges first, a redirect to https for the rest`,
];

const site = (text: string) => parseConfig("wssgen.yaml", text, {}).config.sites[0]!;

describe("wssgen init on a terminal: TLS", () => {
  it("asks whether the site uses TLS, and offers Let's Encrypt with its webroot", async () => {
    const r = await onTty("", "app.example.com\n\n\ny\n\n\n");
    expect(r.exitCode, r.output).toBe(0);
    expect(r.output).toContain("Does the site use TLS (wss://, https)? y/n [n]: ");
    expect(r.output).toContain("Get its certificate from Let's Encrypt (certbot --webroot)? y/n [y]: ");
    expect(r.output).toContain("Webroot for the ACME challenges (certbot's -w) [/var/www/acme]: ");
    expect(r.output).toContain(
      "wrote wssgen.yaml; next: wssgen apply -c wssgen.yaml (it serves the ACME challenge and prints the certbot command to run)",
    );
    const text = readFileSync(join(r.dir, "wssgen.yaml"), "utf8");
    expect(text.split("\n")).toEqual(expect.arrayContaining(LE_BLOCK("app.example.com", "/var/www/acme")));
    expect(text).toContain('origins: ["https://app.example.com"]');
    const s = site(text);
    expect(s.acme).toEqual({ webroot: "/var/www/acme" });
    expect(s.http?.redirect).toBe(true);
    expect(s.listen.map((l) => l.value)).toEqual(["443", "[::]:443"]);
  });
  it("takes another webroot, asking again after one that is not an absolute path", async () => {
    const r = await onTty("--domain app.example.com --path /ws --upstream 127.0.0.1:9000", "yes\ny\nacme\n/srv/acme\n");
    expect(r.exitCode, r.output).toBe(0);
    expect(r.output).toContain('"acme" is relative: use an absolute path');
    expect(site(readFileSync(join(r.dir, "wssgen.yaml"), "utf8")).acme).toEqual({ webroot: "/srv/acme" });
  });
  it("without Let's Encrypt, asks for the certificate and key files", async () => {
    const r = await onTty("--domain app.example.com --path /ws --upstream 127.0.0.1:9000", "y\nn\n/etc/ssl/app.pem\n\n");
    expect(r.exitCode, r.output).toBe(0);
    expect(r.output).toContain("Certificate file (PEM, with its chain) [/etc/letsencrypt/live/app.example.com/fullchain.pem]: ");
    expect(r.output).toContain("Private key file (PEM) [/etc/letsencrypt/live/app.example.com/privkey.pem]: ");
    const s = site(readFileSync(join(r.dir, "wssgen.yaml"), "utf8"));
    expect(s.tls).toMatchObject({ certificate: "/etc/ssl/app.pem", key: "/etc/letsencrypt/live/app.example.com/privkey.pem" });
    expect(s.acme).toBeUndefined();
  });
  it("a wildcard domain is not offered Let's Encrypt (HTTP-01 cannot validate it); an answer that is not y/n is asked again", async () => {
    const r = await onTty(
      "--domain *.example.com --path /ws --upstream 127.0.0.1:9000",
      "maybe\ny\n/etc/ssl/w.pem\n/etc/ssl/w.key\n",
    );
    expect(r.exitCode, r.output).toBe(0);
    expect(r.output).toContain("answer y or n");
    expect(r.output).not.toContain("Let's Encrypt");
    expect(site(readFileSync(join(r.dir, "wssgen.yaml"), "utf8")).tls?.certificate).toBe("/etc/ssl/w.pem");
  });
  it("does not ask about TLS when --letsencrypt or --cert/--key say it (only for the webroot --webroot did not give)", async () => {
    const r = await onTty("--domain a.example.com --path /ws --upstream 127.0.0.1:9000 --letsencrypt", "\n");
    expect(r.exitCode, r.output).toBe(0);
    expect(r.output).not.toContain("TLS");
    expect(r.output).toContain("Webroot for the ACME challenges (certbot's -w) [/var/www/acme]: ");
    const own = await onTty("--domain a.example.com --path /ws --upstream 127.0.0.1:9000 --cert /a.pem --key /a.key", "");
    expect(own.exitCode, own.output).toBe(0);
    expect(own.output).not.toContain("TLS");
  });
});

describe("wssgen init flags: --letsencrypt and --webroot", () => {
  it("--letsencrypt writes the Let's Encrypt site; --webroot sets the webroot (and implies it)", async () => {
    for (const [args, webroot] of [
      [["--letsencrypt"], "/var/www/acme"],
      [["--webroot", "/srv/acme"], "/srv/acme"],
    ] as const) {
      const dir = tmp();
      const r = await runCli(["init", "--domain", "live.example.org", ...args], { cwd: dir });
      expect(r).toEqual({
        exitCode: 0,
        stdout: "",
        stderr:
          "wrote wssgen.yaml; next: wssgen apply -c wssgen.yaml (it serves the ACME challenge and prints the certbot command to run)",
      });
      const text = readFileSync(join(dir, "wssgen.yaml"), "utf8");
      expect(text.split("\n")).toEqual(expect.arrayContaining(LE_BLOCK("live.example.org", webroot)));
      const out = await runCli(["render", "--nginx-version", "1.22"], { cwd: dir });
      expect(out.exitCode).toBe(0);
      expect(out.stdout).toContain("location ^~ /.well-known/acme-challenge/ {");
      expect(out.stdout).toContain(`root ${webroot};`);
      expect(out.stdout).toContain("ssl_certificate /etc/letsencrypt/live/live.example.org/fullchain.pem;");
      // check tests it before the certificate exists with --stub-certs
      const check = await runCli(["check", "--stub-certs", "--nginx", "require"], { cwd: dir });
      expect(check.exitCode, check.stdout).toBe(0);
    }
  });
  it("refuses --letsencrypt with --cert/--key, without --domain, with a wildcard domain, and a relative webroot, writing nothing", async () => {
    const dir = tmp();
    const cases: [string[], string][] = [
      [
        ["--letsencrypt", "--cert", "/a.pem", "--key", "/a.key"],
        "wssgen: --letsencrypt and --cert/--key do not go together: certbot writes the certificate with --letsencrypt",
      ],
      [
        ["--letsencrypt", "--domain", "*.example.com"],
        "wssgen: --letsencrypt: *.example.com is a wildcard, which Let's Encrypt issues only over DNS-01, not the webroot; give --cert and --key",
      ],
      [
        ["--letsencrypt"],
        "wssgen: --letsencrypt needs --domain: the certificate is for your site's name, e.g. --domain app.example.com",
      ],
      [
        ["--webroot", "acme", "--domain", "a.example.com"],
        'wssgen: --webroot: "acme" is relative: use an absolute path (nginx would read it from its own config directory, not from here)',
      ],
    ];
    for (const [args, stderr] of cases)
      expect(await runCli(["init", "--yes", ...args], { cwd: dir })).toEqual({ exitCode: 2, stdout: "", stderr });
    expect(existsSync(join(dir, "wssgen.yaml"))).toBe(false);
  });
  it("init --help shows the Let's Encrypt example", async () => {
    const r = await runCli(["init", "--help"]);
    expect(r.stdout).toContain("--letsencrypt");
    expect(r.stdout).toContain(
      "$ wssgen init --domain chat.example.com --letsencrypt   # then: wssgen apply, and the certbot command it prints",
    );
  });
});

describe("wssgen init --preset", () => {
  it("writes the framework's usual path, the preset key and the settings that must match; the route takes the preset's values", async () => {
    const dir = tmp();
    expect((await runCli(["init", "--yes", "--preset", "socket.io"], { cwd: dir })).exitCode).toBe(0);
    const text = readFileSync(join(dir, "wssgen.yaml"), "utf8");
    expect(text).toContain("      # Socket.IO: settings of the app that must match this route\n");
    expect(text).toContain("      # - pingInterval + pingTimeout (25 s + 20 s) stay below timeouts.read (90s from the preset)\n");
    expect(text).toContain('      - path: "/socket.io/"\n        upstream: app\n        preset: socket.io   #');
    const route = site(text).routes[0]!;
    expect(route).toMatchObject({ preset: "socket.io", websocket: true, timeouts: { read: "90s", send: "90s" } });
  });
  it("says on defaults.timeouts.read what the route gets: the preset's own, or the default and why it must stay above", async () => {
    const dir = tmp();
    expect((await runCli(["init", "--yes", "--preset", "signalr"], { cwd: dir })).exitCode).toBe(0);
    const text = readFileSync(join(dir, "wssgen.yaml"), "utf8");
    expect(text).toContain(
      "    read: 1h    # for routes without a preset: the signalr route below gets 2m from its preset instead (SignalR's long polling holds each poll open up to 90 s (LongPollingOptions.PollTimeout))\n",
    );
    expect(text).not.toContain("keep it above your app's ping interval");
    expect(site(text).routes[0]!.timeouts.read).toBe("2m");
    const other = tmp();
    expect((await runCli(["init", "--yes", "--preset", "graphql-ws"], { cwd: other })).exitCode).toBe(0);
    const graphql = readFileSync(join(other, "wssgen.yaml"), "utf8");
    expect(graphql).toContain(
      "    read: 1h    # the graphql-ws route below gets this 1h (its preset sets none): graphql-ws's useServer pings",
    );
    expect(site(graphql).routes[0]!.timeouts.read).toBe("1h");
  });
  it("phoenix: LiveView's /live as a commented route that loads when uncommented", async () => {
    const dir = tmp();
    expect((await runCli(["init", "--yes", "--preset", "phoenix"], { cwd: dir })).exitCode).toBe(0);
    const text = readFileSync(join(dir, "wssgen.yaml"), "utf8");
    expect(text).toContain(
      "      # Phoenix Channels and LiveView's other default path, /live (LiveView's socket): uncomment to route it too\n",
    );
    const uncommented = text.replace('      # - { path: "/live"', '      - { path: "/live"');
    expect(site(uncommented).routes.map((r) => [r.path, r.preset])).toEqual([
      ["/socket", "phoenix"],
      ["/live", "phoenix"],
    ]);
  });
  it("--path wins over the preset's path; an unknown preset is a usage error that lists the names, writing nothing", async () => {
    const dir = tmp();
    expect((await runCli(["init", "--yes", "--preset", "phoenix", "--path", "/live"], { cwd: dir })).exitCode).toBe(0);
    expect(site(readFileSync(join(dir, "wssgen.yaml"), "utf8")).routes[0]).toMatchObject({ path: "/live", preset: "phoenix" });
    const other = tmp();
    expect(await runCli(["init", "--yes", "--preset", "socketio"], { cwd: other })).toEqual({
      exitCode: 2,
      stdout: "",
      stderr:
        'wssgen: --preset: expected one of socket.io, signalr, graphql-ws, phoenix, actioncable, home-assistant, got "socketio" (did you mean "socket.io"?)',
    });
    expect(existsSync(join(other, "wssgen.yaml"))).toBe(false);
  });
});

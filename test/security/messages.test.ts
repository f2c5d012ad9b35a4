/**
 * Issue 8 §2: messages never carry raw input. Through the real CLI (render, check in every format,
 * diff, apply --dry-run, apply against a real nginx): a key or value holding a newline and a GitHub
 * workflow command, bidirectional, zero-width and U+2028 characters, or 5,000 characters is shown
 * escaped and cut; and a value that came from the environment (`${VAR}`) is never printed — the
 * message names the variable instead.
 */
import { copyFileSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { runCli, type CliResult } from "../helpers/cli.js";
import { nginxBuilds } from "../helpers/nginx.js";
import { startNginx, type NginxServer } from "../helpers/nginx-server.js";
import { FIXTURES } from "../helpers/paths.js";
import { freePort } from "../helpers/ports.js";

const tmp = () => mkdtempSync(join(tmpdir(), "wssgen-messages-"));
const nginx = nginxBuilds()[0]!;

/** Every way a command prints a config problem: [label, argv]. `dir` is where a target may be written. */
const commands = (dir: string): [string, string[]][] => [
  ["render", ["render", "--nginx-version", "1.22"]],
  ["check --format text", ["check", "--nginx", "skip", "--format", "text"]],
  ["check --format json", ["check", "--nginx", "skip", "--format", "json"]],
  ["check --format github", ["check", "--nginx", "skip", "--format", "github"]],
  ["diff", ["diff", "--nginx-version", "1.22", "--target", join(dir, "deployed.conf")]],
  ["apply --dry-run", ["apply", "--dry-run", "--nginx-version", "1.22", "--target", join(dir, "deployed.conf")]],
];

const UNSAFE = /[\u0000-\u0009\u000b-\u001f\u007f-\u009f\u200b-\u200f\u2028-\u202e\u2060-\u2064\u2066-\u206f\ufeff]/;
/** The annotations wssgen itself writes in --format github; any other line starting with "::" is injected. */
const OWN_ANNOTATION = /^::(?:error|warning|notice) file=wssgen\.yaml,line=\d+,col=\d+,title=wssgen [a-z-]+::/;

function expectNoRawInput(r: CliResult): void {
  const output = `${r.stdout}\n${r.stderr}`;
  expect(output).not.toMatch(UNSAFE);
  for (const line of output.split("\n")) if (line.startsWith("::")) expect(line).toMatch(OWN_ANNOTATION);
  expect(output).not.toContain("a".repeat(100));
  expect(output).not.toContain("k".repeat(100));
}

describe("hostile keys and values are shown escaped and cut (fixtures/invalid/hostile-keys)", () => {
  const dir = tmp();
  copyFileSync(join(FIXTURES, "invalid", "hostile-keys", "wssgen.yaml"), join(dir, "wssgen.yaml"));

  it.each(commands(dir))("%s", async (_label, argv) => {
    const r = await runCli(argv, { cwd: dir });
    expect(r.exitCode).toBe(1);
    expectNoRawInput(r);
    const output = `${r.stdout}${r.stderr}`;
    // still says what and where: the key is there, escaped; the long value is cut and measured.
    // (JSON escapes the escapes' backslashes once more)
    const text = argv.includes("json")
      ? (JSON.parse(r.stdout) as { findings: { message: string }[] }).findings.map((f) => f.message).join("\n")
      : output;
    expect(text).toContain('unknown key "keepalive\\n::error file=x,line=1::pwned"');
    expect(text).toContain('unknown key "\\u202eevil"');
    expect(text).toContain('"zero\\u200bwidth.example.com" is not a valid domain');
    expect(text).toContain("(912 characters) is not a valid domain");
    expect(text).toContain(`unknown key "${"k".repeat(60)}…" (5000 characters)`);
  });

  it("a key path is escaped and cut in every format's path field too", async () => {
    const r = await runCli(["check", "--nginx", "skip", "--format", "json"], { cwd: dir });
    const paths = (JSON.parse(r.stdout) as { findings: { path: string }[] }).findings.map((f) => f.path);
    expect(paths).toContain('upstreams.chat["keepalive\\n::error file=x,line=1::pwned"]');
    expect(paths).toContain(`sites[0]["${"k".repeat(60)}…" (5000 characters)]`);
  });
});

describe("JSON output escapes bidi, zero-width and line-separator characters as \\u escapes (issue 8 §2)", () => {
  const name = "x\n::error::pwned\u202e\u2028.yaml";
  const expectEscaped = (stdout: string) => {
    expect(stdout).not.toMatch(UNSAFE);
    expect(stdout).toContain("\\u202e");
    // the same string, once parsed
    expect((JSON.parse(stdout) as { file: string }).file).toBe(name);
  };

  it("check --format json: a result, and a failure document (a config that does not load)", async () => {
    const dir = tmp();
    writeFileSync(
      join(dir, name),
      'upstreams: { chat: { servers: ["127.0.0.1:9"] } }\nsites:\n  - { domains: [a.example.com], routes: [{ path: /ws, upstream: chat }] }\n',
    );
    const result = await runCli(["check", "-c", name, "--nginx", "skip", "--format", "json"], { cwd: dir });
    expect(result.exitCode).toBe(0);
    expectEscaped(result.stdout);
    writeFileSync(join(dir, name), "sites: [\n");
    const failure = await runCli(["check", "-c", name, "--nginx", "skip", "--format", "json"], { cwd: dir });
    expect(failure.exitCode).toBe(1);
    expectEscaped(failure.stdout);
  });
});

describe("nginx -t echoes the offending token: shown cut and escaped, mapped to its key", () => {
  it.each(["text", "json", "github"])("check --format %s", async (format) => {
    const dir = tmp();
    const variable = "v".repeat(900);
    writeFileSync(
      join(dir, "wssgen.yaml"),
      [
        `nginx: { binary: ${JSON.stringify(nginx.binary)} }`,
        'upstreams: { chat: { servers: ["127.0.0.1:9"] } }',
        "sites:",
        "  - domains: [a.lan]",
        `    routes: [{ path: /ws, upstream: chat, headers: { X-Long: "$${variable}" } }]`,
        "",
      ].join("\n"),
    );
    const r = await runCli(["check", "--format", format], { cwd: dir });
    expect(r.exitCode).toBe(1);
    expectNoRawInput(r);
    expect(r.stdout).not.toContain("v".repeat(100));
    const finding = `nginx -t: unknown "${"v".repeat(60)}…" (900 characters) variable`;
    expect(format === "json" ? r.stdout.replace(/\\"/g, '"') : r.stdout).toContain(finding);
    expect(r.stdout).toContain("sites[0].routes[0].headers.X-Long");
  });
});

describe("a value from ${VAR} is never printed: the message names the variable", () => {
  const expectNoSecret = (r: CliResult, secret: string) => {
    expect(r.stdout).not.toContain(secret);
    expect(r.stderr).not.toContain(secret);
  };

  it.each(commands(tmp()))("an invalid domain from ${SECRET_DOMAIN}: %s", async (_label, argv) => {
    const dir = tmp();
    writeFileSync(
      join(dir, "wssgen.yaml"),
      'upstreams: { chat: { servers: ["10.0.0.5:8080"] } }\nsites:\n  - domains: ["${SECRET_DOMAIN}"]\n    routes: [{ path: /ws, upstream: chat }]\n',
    );
    const r = await runCli(argv, { cwd: dir, env: { SECRET_DOMAIN: "s3cr3t!!" } });
    expect(r.exitCode).toBe(1);
    expectNoSecret(r, "s3cr3t");
    expect(`${r.stdout}${r.stderr}`).toContain("the value of ${SECRET_DOMAIN} is not a valid domain");
    if (argv[0] === "render")
      expect(r.stderr).toBe(
        "wssgen.yaml:3:15 sites[0].domains[0]: the value of ${SECRET_DOMAIN} is not a valid domain: use a host name such as chat.example.com, or a wildcard *.example.com",
      );
  });

  it.each(commands(tmp()))("a secret in a longer value, a control character, an unknown upstream: %s", async (_label, argv) => {
    const dir = tmp();
    writeFileSync(
      join(dir, "wssgen.yaml"),
      [
        'upstreams: { chat: { servers: ["${BACKEND}"] } }',
        "sites:",
        '  - domains: ["ws.${ZONE}.example.com"]',
        '    routes: [{ path: /ws, upstream: "${UPSTREAM}", headers: { X-Token: "${TOKEN}" } }]',
        "",
      ].join("\n"),
    );
    const env = { BACKEND: "s3cr3t-backend:99999", ZONE: "s3cr3t_zone!", UPSTREAM: "chta", TOKEN: "s3cr3t\ntoken" };
    const r = await runCli(argv, { cwd: dir, env });
    expect(r.exitCode).toBe(1);
    expectNoSecret(r, "s3cr3t");
    expectNoSecret(r, "99999");
    const output = `${r.stdout}${r.stderr}`.replace(/\\"/g, '"'); // (JSON escapes quotes)
    // the value as written in the file stands for it; the variable is named where the message shows no value
    expect(output).toContain('"ws.${ZONE}.example.com" is not a valid domain');
    // a message that shows no value names the variable: beside the key path, or after the message
    if (argv.includes("json"))
      expect(JSON.parse(r.stdout)).toMatchObject({
        findings: expect.arrayContaining([
          expect.objectContaining({
            path: "sites[0].routes[0].headers.X-Token",
            message: "control character line feed is not allowed (from ${TOKEN})",
          }),
        ]) as unknown,
      });
    else
      expect(output).toMatch(
        /sites\[0\]\.routes\[0\]\.headers\.X-Token(?: \(from \$\{TOKEN\}\))?: (?:error: )?control character line feed is not allowed/,
      );
    expect(output).toContain("${TOKEN}");
    expect(output).toContain("port … is outside 1-65535"); // the port is a piece of the secret too
    expect(output).toContain("${BACKEND}");
  });

  it("no did-you-mean for a name from the environment (it would tell what the secret is close to)", async () => {
    const dir = tmp();
    writeFileSync(
      join(dir, "wssgen.yaml"),
      'upstreams: { chat: { servers: ["10.0.0.5:8080"] } }\nsites:\n  - domains: [a.example.com]\n    routes: [{ path: /ws, upstream: "${UPSTREAM}" }]\n',
    );
    const secret = await runCli(["render"], { cwd: dir, env: { UPSTREAM: "chta" } });
    expect(secret.exitCode).toBe(1);
    expect(secret.stderr).toBe(
      'wssgen.yaml:4:37 sites[0].routes[0].upstream: unknown upstream the value of ${UPSTREAM} (the upstreams are "chat")',
    );
    // written in the file, the same name gets its suggestion
    writeFileSync(join(dir, "wssgen.yaml"), readFileSync(join(dir, "wssgen.yaml"), "utf8").replace('"${UPSTREAM}"', "chta"));
    const plain = await runCli(["render"], { cwd: dir });
    expect(plain.stderr).toContain('unknown upstream "chta" (did you mean "chat"?)');
  });

  describe("lint findings and nginx -t errors, with the real nginx", () => {
    const secretConfig = (binary: string, extra = "") =>
      [
        `nginx: { binary: ${JSON.stringify(binary)} }`,
        'upstreams: { chat: { servers: ["${BACKEND}"] } }',
        "sites:",
        '  - domains: ["${SECRET_DOMAIN}"]',
        extra,
        "    tls:",
        '      certificate: "${CERT}"',
        '      key: "/nonexistent/wssgen/${KEY_NAME}.key"',
        "    routes:",
        '      - { path: /ws, upstream: chat, origins: ["${ORIGIN}"], headers: { X-Token: "${TOKEN}" } }',
        "",
      ].join("\n");
    const env = {
      BACKEND: "s3cr3t-backend.invalid:8080",
      SECRET_DOMAIN: "s3cr3t-domain.example.com",
      CERT: "/nonexistent/wssgen/s3cr3t-cert.pem",
      KEY_NAME: "s3cr3t-key",
      ORIGIN: "http://s3cr3t-origin.example.com",
      TOKEN: "s3cr3t-token-value",
    };

    it.each(["text", "json", "github"])("check --format %s", async (format) => {
      const dir = tmp();
      writeFileSync(join(dir, "wssgen.yaml"), secretConfig(nginx.binary));
      const r = await runCli(["check", "--format", format], { cwd: dir, env });
      expect(r.exitCode).toBe(1);
      expectNoSecret(r, "s3cr3t");
      // each finding that would have shown a value names its variable
      for (const expected of [
        "the value of ${CERT}: does not exist [cert-unreadable]",
        '"/nonexistent/wssgen/${KEY_NAME}.key": does not exist [cert-unreadable]',
        "the value of ${ORIGIN} is plain http on a TLS site",
        "the value of ${SECRET_DOMAIN} serves https only",
        "nginx -t: host not found in upstream the value of ${BACKEND}",
      ])
        expect(r.stdout.replace(/\\"/g, '"')).toContain(format === "text" ? expected : expected.replace(/ \[[a-z-]+\]$/, ""));
    });

    it("render prints the config (it must) but no finding shows a secret", async () => {
      const dir = tmp();
      writeFileSync(join(dir, "wssgen.yaml"), secretConfig(nginx.binary));
      const r = await runCli(["render"], { cwd: dir, env });
      expect(r.exitCode).toBe(0);
      expect(r.stdout).toContain("s3cr3t-domain.example.com"); // the output is the config: documented
      expect(r.stderr).toContain("the value of ${SECRET_DOMAIN} serves https only");
      expect(r.stderr).not.toContain("s3cr3t");
    });

    describe("apply against a real nginx", () => {
      let server: NginxServer;
      beforeEach(async () => {
        server = startNginx(nginx, { basePort: await freePort() });
      });
      afterEach(() => server.stop());

      it("nginx -t's complaint about a secret certificate path is mapped to tls.certificate and names ${CERT}", async () => {
        const dir = tmp();
        const port = await freePort();
        writeFileSync(
          join(dir, "wssgen.yaml"),
          secretConfig(nginx.binary, `    listen: "127.0.0.1:${port}"\n    redirectHttp: false`).replace(
            "nginx: {",
            `nginx: { mainConfig: ${JSON.stringify(server.mainConfig)}, target: ${JSON.stringify(join(server.confDir, "wssgen.conf"))}, reload: ${JSON.stringify(server.reload)},`,
          ),
        );
        const r = await runCli(["apply"], { cwd: dir, env: { ...env, BACKEND: "127.0.0.1:9" } });
        expect(r.exitCode).toBe(1);
        expectNoSecret(r, "s3cr3t");
        expect(r.stderr).toMatch(/sites\[0\]\.tls\.certificate: nginx -t: cannot load certificate the value of \$\{CERT\}/);
      });

      it("apply's progress lines and its rollback message never show a reload command from ${RELOAD}", async () => {
        const dir = tmp();
        const port = await freePort();
        writeFileSync(
          join(dir, "wssgen.yaml"),
          [
            `nginx: { binary: ${JSON.stringify(nginx.binary)}, mainConfig: ${JSON.stringify(server.mainConfig)}, target: ${JSON.stringify(join(server.confDir, "wssgen.conf"))}, reload: ["\${RELOAD}", "-s", "reload"] }`,
            'upstreams: { chat: { servers: ["127.0.0.1:9"] } }',
            "sites:",
            `  - { domains: [chat.example.com], listen: "127.0.0.1:${port}", routes: [{ path: /ws, upstream: chat }] }`,
            "",
          ].join("\n"),
        );
        const r = await runCli(["apply"], { cwd: dir, env: { RELOAD: "/nonexistent/s3cr3t-reload" } });
        expect(r.exitCode, r.stderr).toBe(1);
        expectNoSecret(r, "s3cr3t");
        expect(r.stderr).toContain("reload command not found: ${RELOAD}");
      });
    });
  });
});

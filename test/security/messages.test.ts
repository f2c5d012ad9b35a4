/**
 * Issue 8 §2: messages never carry raw input. Through the real CLI (render, check in every format,
 * diff, apply --dry-run, apply against a real nginx): a key or value holding a newline and a GitHub
 * workflow command, bidirectional, zero-width and U+2028 characters, or 5,000 characters is shown
 * escaped and cut; and a value that came from the environment (`${VAR}`) is never printed — the
 * message names the variable instead.
 */
import { chmodSync, copyFileSync, mkdirSync, mkdtempSync, readFileSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { execa, type ResultPromise } from "execa";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { runCli, type CliResult } from "../helpers/cli.js";
import { nginxBuilds } from "../helpers/nginx.js";
import { startNginx, type NginxServer } from "../helpers/nginx-server.js";
import { BIN, FIXTURES } from "../helpers/paths.js";
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
    // at the header's own key
    expect(r.stdout).toMatch(
      format === "json" ? /"path": "sites\[0\]\.routes\[0\]\.headers\.X-Long"/ : /sites\[0\]\.routes\[0\]\.headers\.X-Long: /,
    );
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

  describe("every line about a config passes its redaction: results, nginx's path, derived paths (issue 8 §2)", () => {
    const nbConfig = [
      'nginx: { binary: "${NB}" }',
      'upstreams: { chat: { servers: ["127.0.0.1:9"] } }',
      "sites:",
      "  - { domains: [a.example.com], listen: 8080, routes: [{ path: /ws, upstream: chat }] }",
      "",
    ].join("\n");

    it.each(["text", "json", "github"])(
      "check --nginx require --format %s: nginx.binary from ${NB} is not found, or does not run",
      async (format) => {
        const dir = tmp();
        writeFileSync(join(dir, "nb.yaml"), nbConfig);
        const missing = await runCli(["check", "-c", "nb.yaml", "--nginx", "require", "--format", format], {
          cwd: dir,
          env: { NB: "/opt/hunter2/nginx" },
        });
        expect(missing.exitCode).toBe(2);
        expectNoSecret(missing, "hunter2");
        expect(`${missing.stdout}${missing.stderr}`).toContain("nginx not found: the value of ${NB} is not an executable file");
        mkdirSync(join(dir, "hunter2bin"));
        writeFileSync(join(dir, "hunter2bin", "nginx"), "#!/bin/sh\nexit 3\n");
        chmodSync(join(dir, "hunter2bin", "nginx"), 0o755);
        const broken = await runCli(["check", "-c", "nb.yaml", "--nginx", "require", "--format", format], {
          cwd: dir,
          env: { NB: join(dir, "hunter2bin", "nginx") },
        });
        expect(broken.exitCode).toBe(2);
        expectNoSecret(broken, "hunter2");
        expect(`${broken.stdout}${broken.stderr}`).toContain("nginx at the value of ${NB} does not run");
      },
    );

    it("check --format json: the nginx binary it ran, from ${NB}, is named, not shown", async () => {
      const dir = tmp();
      writeFileSync(join(dir, "nb.yaml"), nbConfig);
      mkdirSync(join(dir, "hunter2bin"));
      symlinkSync(nginx.binary.startsWith("/") ? nginx.binary : "/usr/sbin/nginx", join(dir, "hunter2bin", "nginx"));
      const r = await runCli(["check", "-c", "nb.yaml", "--format", "json"], {
        cwd: dir,
        env: { NB: join(dir, "hunter2bin", "nginx") },
      });
      expectNoSecret(r, "hunter2");
      expect((JSON.parse(r.stdout) as { nginx: { binary: string } }).nginx.binary).toBe("${NB}");
    });

    const targetConfig = (port: number) =>
      [
        `nginx: { binary: ${JSON.stringify(nginx.binary)}, target: "\${TG}", mainConfig: "\${MC}", reload: [${JSON.stringify(nginx.binary)}, -c, "\${RL}", -s, reload] }`,
        'upstreams: { chat: { servers: ["127.0.0.1:9"] } }',
        "sites:",
        `  - { domains: [chat.example.com], listen: "127.0.0.1:${port}", routes: [{ path: /ws, upstream: chat }] }`,
        "",
      ].join("\n");

    describe("apply and diff with target, main config and reload command from ${VAR}, against a real nginx", () => {
      let server: NginxServer;
      let dir: string;
      let env: Record<string, string>;
      beforeEach(async () => {
        dir = tmp();
        // the main config and the target live under directories named after the secret
        mkdirSync(join(dir, "hunter2etc"));
        server = startNginx(nginx, { basePort: await freePort() });
        const mainConfig = join(dir, "hunter2etc", "nginx.conf");
        symlinkSync(server.mainConfig, mainConfig);
        env = { TG: join(server.confDir, "hunter2.conf"), MC: mainConfig, RL: mainConfig };
        writeFileSync(join(dir, "tg2.yaml"), targetConfig(await freePort()));
      });
      afterEach(() => server.stop());

      it("--dry-run's lines, apply's result line, and the up-to-date lines of apply and diff", async () => {
        const dry = await runCli(["apply", "-c", "tg2.yaml", "--dry-run"], { cwd: dir, env });
        expect(dry.exitCode, dry.stderr).toBe(0);
        expect(dry.stderr).not.toContain("hunter2");
        expect(dry.stderr).toContain("would write ${TG} (a first deploy)");
        expect(dry.stderr).toMatch(/would run: \S+ -T -c \$\{MC\}/);
        expect(dry.stderr).toMatch(/would run: \S+ -c \$\{(?:MC|RL)\} -s reload/);

        const applied = await runCli(["apply", "-c", "tg2.yaml"], { cwd: dir, env });
        expect(applied.exitCode, applied.stderr).toBe(0);
        expectNoSecret(applied, "hunter2");
        expect(applied.stderr).toMatch(/applied \$\{TG\}$/m);

        for (const argv of [["apply"], ["diff"]]) {
          const again = await runCli([...argv, "-c", "tg2.yaml"], { cwd: dir, env });
          expect(again.exitCode, again.stderr).toBe(0);
          expectNoSecret(again, "hunter2");
          expect(again.stderr).toContain("${TG} is up to date");
        }
      });

      it("--recover after a kill -9 at `written` names the backup as derived, and leaves no piece of the secret", async () => {
        expect((await runCli(["apply", "-c", "tg2.yaml"], { cwd: dir, env })).exitCode).toBe(0);
        writeFileSync(join(dir, "tg2.yaml"), readFileSync(join(dir, "tg2.yaml"), "utf8").replace("path: /ws", "path: /v2"));
        const child: ResultPromise = execa("node", [BIN, "apply", "-c", "tg2.yaml"], {
          cwd: dir,
          reject: false,
          env: { NO_COLOR: "1", ...env, WSSGEN_APPLY_PAUSE_AT: "written" },
        });
        let stderr = "";
        child.stderr?.on("data", (chunk: Buffer) => (stderr += chunk.toString()));
        for (let i = 0; i < 600 && !stderr.includes("paused at written"); i++) await new Promise((r) => setTimeout(r, 25));
        child.kill("SIGKILL");
        await child;
        expect(stderr).toContain("paused at written");
        expect(stderr).not.toContain("hunter2");
        const r = await runCli(["apply", "-c", "tg2.yaml", "--recover"], { cwd: dir, env });
        expect(r.exitCode, r.stderr).toBe(0);
        expectNoSecret(r, "hunter2");
        expect(r.stderr).toContain("restored the last good config to ${TG} byte for byte from the backup beside ${TG}");
        expect(r.stderr).toMatch(/^recovered \$\{TG\}$/m);
      });
    });
  });

  describe("redaction leaves what is not secret alone, and never makes advice wrong", () => {
    it("a literal domain that equals a secret in another letter case keeps its own advice", async () => {
      const dir = tmp();
      writeFileSync(
        join(dir, "wssgen.yaml"),
        [
          'upstreams: { chat: { servers: ["127.0.0.1:9"] } }',
          "sites:",
          '  - { domains: ["${NAME}.example.com"], listen: 8080, routes: [{ path: /ws, upstream: chat }] }',
          "  - { domains: [hunter2dir.example.com], listen: 8081, routes: [{ path: /ws, upstream: chat }] }",
          "",
        ].join("\n"),
      );
      const r = await runCli(["check", "--nginx", "skip"], { cwd: dir, env: { NAME: "Hunter2Dir" } });
      expect(r.stdout).toMatch(/sites\[1\]\.routes\[0\]: .*e\.g\. origins: \[http:\/\/hunter2dir\.example\.com\]/);
      // the secret's own site: a lower-cased secret reads as one, not as the reference the user wrote
      expect(r.stdout).toMatch(
        /sites\[0\]\.routes\[0\]: .*e\.g\. origins: \[http:\/\/\[\$\{NAME\} in lower case\]\.example\.com\]/,
      );
      expect(r.stdout).not.toContain("Hunter2Dir");
    });

    it("the lower-case fix of an origin from ${NAME} is not what the user already wrote", async () => {
      const dir = tmp();
      writeFileSync(
        join(dir, "wssgen.yaml"),
        [
          'upstreams: { chat: { servers: ["127.0.0.1:9"] } }',
          "sites:",
          '  - { domains: [a.example.com], listen: 8080, routes: [{ path: /ws, upstream: chat, origins: ["https://${NAME}.example.com"] }] }',
          "",
        ].join("\n"),
      );
      const r = await runCli(["check", "--nginx", "skip"], { cwd: dir, env: { NAME: "Hunter2Dir" } });
      expect(r.exitCode).toBe(1);
      expectNoSecret(r, "unter2");
      expect(r.stdout).toContain(
        '"https://${NAME}.example.com" must be lower case, as browsers send it: "https://[${NAME} in lower case].example.com"',
      );
    });

    it("render --check: a deployed line that resembles the secret is redacted whole, not shown as ${VAR} plus the rest", async () => {
      const dir = tmp();
      writeFileSync(
        join(dir, "wssgen.yaml"),
        'upstreams: { chat: { servers: ["127.0.0.1:9"] } }\nsites:\n  - { domains: ["${SECRETD}"], listen: 8080, routes: [{ path: /ws, upstream: chat }] }\n',
      );
      const env = { SECRETD: "hunter2.example.com" };
      expect((await runCli(["render", "-o", "site.conf"], { cwd: dir, env })).exitCode).toBe(0);
      const deployed = readFileSync(join(dir, "site.conf"), "utf8");
      writeFileSync(join(dir, "site.conf"), deployed.replaceAll("hunter2.example.com", "hunter2.example.org"));
      const r = await runCli(["render", "--check", "site.conf"], { cwd: dir, env });
      expect(r.exitCode).toBe(1);
      expectNoSecret(r, "hunter2");
      expect(r.stderr).not.toMatch(/\$\{SECRETD\}org/);
      expect(r.stderr).toContain("[redacted, from ${SECRETD}]");
    });
  });
});

/**
 * `wssgen check` and the files of upstreams.<name>.tls, with the real CLI and the real nginx of each
 * build: nginx loads the CA file and the client certificate at start, so check reads them like a
 * site's certificate (the certificates rule), stands in for missing ones with --stub-certs (CI
 * without secrets), and never for the system's CA bundle, whose absence is an error that names the
 * package. The bundle's absence is made real in a mount namespace of the test's own
 * (`unshare -m` with an empty tmpfs over /etc/ssl/certs), so the machine's bundle is never touched.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { execa } from "execa";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { issueCertificate, makeCa, type IssuedCertificate, type TestCa } from "../helpers/certs.js";
import { runCli } from "../helpers/cli.js";
import { nginxBuilds } from "../helpers/nginx.js";
import { BIN } from "../helpers/paths.js";

let dir: string;
let ca: TestCa;
let client: IssuedCertificate;
let expired: IssuedCertificate;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), "wssgen-check-upstream-tls-"));
  ca = makeCa(dir, "ca");
  // 90 days: a certificate that ends within 14 days gets a cert-expiring warning
  client = issueCertificate(ca, dir, "client", { subject: "wssgen nginx", client: true, days: 90 });
  expired = issueCertificate(ca, dir, "expired", { subject: "wssgen nginx", client: true, expired: true });
  writeFileSync(join(dir, "not-a-ca.pem"), "just text\n");
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** A config dir for `binary`: one upstream `api` with `tls`, and a site that routes to it. */
function project(binary: string, tls: string): string {
  const at = mkdtempSync(join(tmpdir(), "wssgen-check-"));
  writeFileSync(
    join(at, "wssgen.yaml"),
    `nginx: { binary: ${JSON.stringify(binary)} }
upstreams:
  api:
    servers: [127.0.0.1:8443]
    tls: ${tls}
sites:
  - domains: [chat.example.com]
    listen: 127.0.0.1:18443
    routes: [{ path: /ws, upstream: api, origins: [http://chat.example.com] }]
`,
  );
  return at;
}

/** The column of `value` on line 5 of the project's wssgen.yaml (the tls line). */
const column = (project: string, value: string) =>
  readFileSync(join(project, "wssgen.yaml"), "utf8").split("\n")[4]!.indexOf(value) + 1;

/** tls with a CA file and a client certificate and key that do not exist. */
const MISSING =
  "{ ca: /nonexistent/ca.pem, serverName: api.internal, certificate: /nonexistent/client.pem, key: /nonexistent/client.key }";

/** The lines of a text report that are about upstreams.api.tls. */
const tlsLines = (stdout: string) => stdout.split("\n").filter((line) => line.includes(" upstreams.api.tls"));

describe.each(nginxBuilds().map((b) => [b.label, b] as const))("check of an upstream's TLS files with %s", (_label, build) => {
  it("a CA of its own and a client certificate that exist: no finding, and nginx -t passes", async () => {
    const at = project(
      build.binary,
      `{ ca: ${ca.cert}, serverName: api.internal, certificate: ${client.leaf}, key: ${client.key} }`,
    );
    const r = await runCli(["check", "--nginx", "require"], { cwd: at });
    expect(tlsLines(r.stdout)).toEqual([]);
    expect(r.stdout).toContain("-t passed");
    expect(r.exitCode).toBe(0);
  });

  it("a CA file and a client certificate that do not exist: errors at their keys, and nginx -t fails", async () => {
    const at = project(build.binary, MISSING);
    const r = await runCli(["check", "--nginx", "require"], { cwd: at });
    expect(tlsLines(r.stdout)).toEqual(
      expect.arrayContaining([
        'wssgen.yaml:5:16 upstreams.api.tls.ca: error: "/nonexistent/ca.pem": does not exist [cert-unreadable]',
        'wssgen.yaml:5:76 upstreams.api.tls.certificate: error: "/nonexistent/client.pem": does not exist [cert-unreadable]',
        'wssgen.yaml:5:106 upstreams.api.tls.key: error: "/nonexistent/client.key": does not exist [cert-unreadable]',
      ]),
    );
    expect(r.stdout).toMatch(/ upstreams\.api\.tls\.\w+: error: nginx -t: .*\/nonexistent\//);
    expect(r.stdout).toContain("-t failed");
    expect(r.exitCode).toBe(1);
  });

  it("--stub-certs stands in for them, reports each at its key, and the real nginx -t passes", async () => {
    const at = project(build.binary, MISSING);
    const r = await runCli(["check", "--stub-certs", "--nginx", "require"], { cwd: at });
    expect(tlsLines(r.stdout)).toEqual([
      'wssgen.yaml:5:16 upstreams.api.tls.ca: info: "/nonexistent/ca.pem" does not exist here; nginx -t used a throwaway CA certificate in its place [stub-certs]',
      'wssgen.yaml:5:76 upstreams.api.tls.certificate: info: "/nonexistent/client.pem" or its key does not exist here; nginx -t used a throwaway self-signed certificate in its place [stub-certs]',
    ]);
    expect(r.stdout).toContain(`nginx ${build.version.join(".")} -t passed`);
    expect(r.exitCode).toBe(0);
  });

  it("a client certificate whose key exists stands in as a pair (nginx checks that they belong together)", async () => {
    const at = project(
      build.binary,
      `{ ca: ${ca.cert}, serverName: api.internal, certificate: /nonexistent/client.pem, key: ${client.key} }`,
    );
    const r = await runCli(["check", "--stub-certs", "--nginx", "require"], { cwd: at });
    expect(tlsLines(r.stdout)).toEqual([expect.stringContaining("upstreams.api.tls.certificate: info: ")]);
    expect(r.stdout).toContain("-t passed");
  });

  it("a CA file that holds no certificate, a key of another certificate, an expired client certificate: errors that say so", async () => {
    const notPem = project(build.binary, `{ ca: ${join(dir, "not-a-ca.pem")}, serverName: api.internal }`);
    expect(tlsLines((await runCli(["check", "--nginx", "skip"], { cwd: notPem })).stdout)).toEqual([
      `wssgen.yaml:5:16 upstreams.api.tls.ca: error: "${join(dir, "not-a-ca.pem")}" holds no PEM certificate: tls.ca is the CA certificate (-----BEGIN CERTIFICATE-----) that signed the backend's certificate [cert-unreadable]`,
    ]);
    const mismatch = project(
      build.binary,
      `{ ca: ${ca.cert}, serverName: api.internal, certificate: ${client.leaf}, key: ${expired.key} }`,
    );
    const r = await runCli(["check", "--nginx", "require"], { cwd: mismatch });
    expect(tlsLines(r.stdout)[0]).toBe(
      `wssgen.yaml:5:${column(mismatch, expired.key)} upstreams.api.tls.key: error: "${expired.key}" is not the key of "${client.leaf}"; nginx refuses to start with it [cert-key-mismatch]`,
    );
    expect(r.exitCode).toBe(1);
    const old = project(
      build.binary,
      `{ ca: ${ca.cert}, serverName: api.internal, certificate: ${expired.leaf}, key: ${expired.key} }`,
    );
    expect(tlsLines((await runCli(["check", "--nginx", "skip"], { cwd: old })).stdout)).toEqual([
      expect.stringMatching(
        /upstreams\.api\.tls\.certificate: error: ".*expired\.pem" expired on 2020-01-02; a backend that checks client certificates refuses it \[cert-expired\]$/,
      ),
    ]);
  });

  it("the system's CA bundle (tls.ca's default) missing: an error that names the package, with --stub-certs too", async () => {
    const at = project(build.binary, "{ serverName: api.internal }");
    // a mount namespace of its own: an empty /etc/ssl/certs for this check alone
    const r = await execa(
      "unshare",
      [
        "-m",
        "sh",
        "-c",
        'mount -t tmpfs none /etc/ssl/certs && exec "$0" "$@"',
        process.execPath,
        BIN,
        "check",
        "--stub-certs",
        "--nginx",
        "require",
      ],
      { cwd: at, reject: false, env: { NO_COLOR: "1", NODE_EXTRA_CA_CERTS: undefined } },
    );
    expect(r.stderr, "unshare -m needs root (CAP_SYS_ADMIN), as the rest of the suite does").not.toMatch(/^unshare:|^mount:/m);
    expect(tlsLines(r.stdout)).toEqual([
      `wssgen.yaml:5:10 upstreams.api.tls: error: "/etc/ssl/certs/ca-certificates.crt", the system's CA bundle that nginx verifies the backend's certificate against (tls.ca's default): does not exist; install it (apt-get install ca-certificates; on Alpine, apk add ca-certificates), or set tls.ca to the file of the CA that signed the backend's certificate [cert-unreadable]`,
      expect.stringMatching(
        /^wssgen\.yaml:5:10 upstreams\.api\.tls: error: nginx -t: .*"\/etc\/ssl\/certs\/ca-certificates\.crt"/,
      ),
    ]);
    expect(r.exitCode).toBe(1);
    // outside that namespace the bundle is there: no finding
    const here = await runCli(["check", "--nginx", "require"], { cwd: at });
    expect(tlsLines(here.stdout)).toEqual([]);
    expect(here.exitCode).toBe(0);
  });

  it("verify: false reads no CA file, and a ca beside it is an error at the key", async () => {
    const plain = await runCli(["check", "--nginx", "require"], { cwd: project(build.binary, "{ verify: false }") });
    expect(tlsLines(plain.stdout)).toEqual([]);
    expect(plain.stdout).toContain("-t passed");
    const r = await runCli(["check", "--nginx", "require"], {
      cwd: project(build.binary, "{ verify: false, ca: /nonexistent/ca.pem }"),
    });
    expect(r.exitCode).toBe(1);
    expect(r.stdout + r.stderr).toContain("tls.ca only applies with verify: true");
  });
});

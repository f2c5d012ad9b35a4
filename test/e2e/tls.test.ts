/**
 * TLS quality of the served sites, as a scanner sees it (Debian's sslscan): no protocol below
 * TLSv1.2, no cipher and no key exchange group outside the Mozilla profile, for both profiles; and
 * as a client sees it (openssl s_client): a handshake that offers only a group outside the profile
 * fails, whatever OpenSSL version the output was rendered for.
 */
import { execFileSync, spawnSync } from "node:child_process";
import { rmSync } from "node:fs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parseConfig } from "../../src/config/load.js";
import { render } from "../../src/render/render.js";
import { INTERMEDIATE_CIPHERS } from "../../src/render/view.js";
import { startBackend, type Backend } from "../helpers/backend.js";
import { makeCertDir, type CertDir } from "../helpers/certs.js";
import { startNginx, type NginxServer } from "../helpers/nginx-server.js";
import { freePort } from "../helpers/ports.js";
import { startStack, type Stack } from "../helpers/stack.js";
import { e2eBuilds } from "./matrix.js";

/** OpenSSL names of the intermediate profile's TLSv1.2 ciphers; TLSv1.3 suites are all AEAD and allowed. */
const TLS12_ALLOWED = new Set(INTERMEDIATE_CIPHERS.split(":"));
const TLS13_ALLOWED = new Set(["TLS_AES_128_GCM_SHA256", "TLS_AES_256_GCM_SHA384", "TLS_CHACHA20_POLY1305_SHA256"]);

/**
 * Mozilla server-side TLS 6.0's groups as sslscan names them (X25519MLKEM768 aside: the client's
 * OpenSSL 3.0 cannot offer it, so sslscan never lists it).
 */
const GROUPS_ALLOWED = new Set(["x25519", "secp256r1", "secp384r1"]);

interface Scan {
  protocols: Record<string, boolean>;
  ciphers: { protocol: string; name: string }[];
  groups: { protocol: string; name: string }[];
}

function sslscan(port: number): Scan {
  let text: string;
  try {
    text = execFileSync(
      "sslscan",
      ["--no-colour", "--no-check-certificate", "--no-heartbleed", "--no-renegotiation", `127.0.0.1:${port}`],
      { encoding: "utf8" },
    );
  } catch (error) {
    const e = error as { code?: string };
    throw new Error(
      e.code === "ENOENT" ? "sslscan not found: apt-get install sslscan (scripts/test-deps.sh does)" : "sslscan failed",
      { cause: error },
    );
  }
  const protocols: Record<string, boolean> = {};
  for (const m of text.matchAll(/^(SSLv2|SSLv3|TLSv1\.[0-3])\s+(enabled|disabled)/gm)) protocols[m[1]!] = m[2] === "enabled";
  const ciphers = [...text.matchAll(/^(?:Preferred|Accepted)\s+(TLSv1\.[0-3]|SSLv[23])\s+\d+ bits\s+(\S+)/gm)].map((m) => ({
    protocol: m[1]!,
    name: m[2]!,
  }));
  const groups = [...text.matchAll(/^(TLSv1\.[0-3])\s+\d+ bits\s+(\S+)/gm)].map((m) => ({ protocol: m[1]!, name: m[2]! }));
  return { protocols, ciphers, groups };
}

describe.each(e2eBuilds())("TLS as sslscan sees it, through %s", (_label, build) => {
  let stack: Stack;
  beforeAll(async () => {
    stack = await startStack(build, {
      backends: ["a"],
      ports: ["intermediate", "modern"],
      yaml: (ctx) => `
upstreams: { a: { servers: ["${ctx.backend("a")}"] } }
sites:
  - domains: [localhost]
    listen: "127.0.0.1:${ctx.port("intermediate")}"
    tls: { certificate: ${ctx.certs.certificate}, key: ${ctx.certs.key}, profile: intermediate }
    routes: [{ path: /ws, upstream: a }]
  - domains: [localhost]
    listen: "127.0.0.1:${ctx.port("modern")}"
    tls: { certificate: ${ctx.certs.certificate}, key: ${ctx.certs.key}, profile: modern }
    routes: [{ path: /ws, upstream: a }]
`,
    });
  });
  afterAll(() => stack.stop());

  it("intermediate: TLSv1.2 and TLSv1.3 only, ciphers within the profile", () => {
    const scan = sslscan(stack.ports.intermediate!);
    expect(scan.protocols).toMatchObject({
      SSLv2: false,
      SSLv3: false,
      "TLSv1.0": false,
      "TLSv1.1": false,
      "TLSv1.2": true,
      "TLSv1.3": true,
    });
    expect(scan.ciphers.length).toBeGreaterThan(0);
    for (const c of scan.ciphers)
      expect(c.protocol === "TLSv1.3" ? TLS13_ALLOWED.has(c.name) : TLS12_ALLOWED.has(c.name), `${c.protocol} ${c.name}`).toBe(
        true,
      );
    // the leaf key is ECDSA: the ECDSA suites of the profile are what is offered on TLSv1.2
    expect(scan.ciphers.some((c) => c.protocol === "TLSv1.2")).toBe(true);
    expect(scan.groups.filter((g) => g.protocol === "TLSv1.3").map((g) => g.name)).toEqual(
      expect.arrayContaining([...GROUPS_ALLOWED]),
    );
    for (const g of scan.groups) expect(GROUPS_ALLOWED.has(g.name), `${g.protocol} ${g.name}`).toBe(true);
  });
  it("modern: TLSv1.3 only", () => {
    const scan = sslscan(stack.ports.modern!);
    expect(scan.protocols).toMatchObject({ "TLSv1.0": false, "TLSv1.1": false, "TLSv1.2": false, "TLSv1.3": true });
    for (const c of scan.ciphers) expect(c.protocol).toBe("TLSv1.3");
    for (const c of scan.ciphers) expect(TLS13_ALLOWED.has(c.name), c.name).toBe(true);
    for (const g of scan.groups) expect(GROUPS_ALLOWED.has(g.name), `${g.protocol} ${g.name}`).toBe(true);
  });
});

/** Whether a TLSv1.3 handshake that offers only `group` completes (openssl s_client, the real client). */
function handshake(port: number, group: string): { ok: boolean; output: string } {
  const run = spawnSync(
    "openssl",
    ["s_client", "-connect", `127.0.0.1:${port}`, "-servername", "localhost", "-tls1_3", "-groups", group],
    { input: "", encoding: "utf8", timeout: 10_000 },
  );
  if (run.error) throw new Error(`openssl s_client failed to run: ${run.error.message}`, { cause: run.error });
  return {
    ok: run.status === 0 && /^Verify return code|^Server Temp Key|Negotiated TLS1\.3 group/m.test(run.stdout),
    output: run.stdout + run.stderr,
  };
}

describe.each(e2eBuilds())("key exchange groups offered by %s", (_label, build) => {
  let nginx: NginxServer;
  let backend: Backend;
  let certs: CertDir;
  const ports: { detected?: number; unknown?: number } = {};
  const outputs: { detected?: string; unknown?: string } = {};

  beforeAll(async () => {
    certs = makeCertDir(["localhost"]);
    backend = await startBackend("a");
    ports.detected = await freePort();
    ports.unknown = await freePort();
    const file = (port: number, target: string, openssl: typeof build.openssl) =>
      render(
        parseConfig(
          "wssgen.yaml",
          `
nginx: { target: /etc/nginx/conf.d/${target}.conf }
upstreams: { ${target}: { servers: ["127.0.0.1:${backend.port}"] } }
sites:
  - domains: [localhost]
    listen: "127.0.0.1:${port}"
    tls: { certificate: ${certs.certificate}, key: ${certs.key} }
    routes: [{ path: /ws, upstream: ${target} }]
`,
          {},
        ).config,
        { version: build.version, openssl },
      );
    // the OpenSSL version nginx -V reports, and none (nginx.openssl unset, no nginx to ask)
    outputs.detected = file(ports.detected, "detected", build.openssl);
    outputs.unknown = file(ports.unknown, "unknown", undefined);
    nginx = startNginx(build, {
      basePort: await freePort(),
      confFiles: { "detected.conf": outputs.detected, "unknown.conf": outputs.unknown },
    });
  });
  afterAll(async () => {
    nginx?.stop();
    await backend?.close();
    if (certs) rmSync(certs.dir, { recursive: true, force: true });
  });

  it("writes Mozilla's groups when the OpenSSL version is unknown or older than 3.5", () => {
    expect(outputs.unknown).toContain("ssl_ecdh_curve X25519:prime256v1:secp384r1;");
    const openssl = build.openssl!;
    expect(outputs.detected).toContain(
      openssl[0] > 3 || (openssl[0] === 3 && openssl[1] >= 5)
        ? "ssl_ecdh_curve X25519MLKEM768:X25519:prime256v1:secp384r1;"
        : "ssl_ecdh_curve X25519:prime256v1:secp384r1;",
    );
  });

  it.each(["detected", "unknown"] as const)("OpenSSL %s: ffdhe and x448 handshakes fail", (which) => {
    for (const group of ["ffdhe2048", "ffdhe3072", "x448", "secp521r1"]) {
      const result = handshake(ports[which]!, group);
      expect(result.ok, `${group}: ${result.output}`).toBe(false);
      expect(result.output).toMatch(/handshake failure/);
    }
  });

  it.each(["detected", "unknown"] as const)("OpenSSL %s: X25519, P-256 and P-384 handshakes succeed", (which) => {
    for (const group of ["X25519", "prime256v1", "secp384r1"]) {
      const result = handshake(ports[which]!, group);
      expect(result.ok, `${group}: ${result.output}`).toBe(true);
    }
  });
});

/**
 * TLS quality of the served sites, as a scanner sees it (Debian's sslscan): no protocol below
 * TLSv1.2, no cipher outside the Mozilla profile, for both profiles.
 */
import { execFileSync } from "node:child_process";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { INTERMEDIATE_CIPHERS } from "../../src/render/view.js";
import { startStack, type Stack } from "../helpers/stack.js";
import { e2eBuilds } from "./matrix.js";

/** OpenSSL names of the intermediate profile's TLSv1.2 ciphers; TLSv1.3 suites are all AEAD and allowed. */
const TLS12_ALLOWED = new Set(INTERMEDIATE_CIPHERS.split(":"));
const TLS13_ALLOWED = new Set(["TLS_AES_128_GCM_SHA256", "TLS_AES_256_GCM_SHA384", "TLS_CHACHA20_POLY1305_SHA256"]);

interface Scan {
  protocols: Record<string, boolean>;
  ciphers: { protocol: string; name: string }[];
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
  return { protocols, ciphers };
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
  });
  it("modern: TLSv1.3 only", () => {
    const scan = sslscan(stack.ports.modern!);
    expect(scan.protocols).toMatchObject({ "TLSv1.0": false, "TLSv1.1": false, "TLSv1.2": false, "TLSv1.3": true });
    for (const c of scan.ciphers) expect(c.protocol).toBe("TLSv1.3");
    for (const c of scan.ciphers) expect(TLS13_ALLOWED.has(c.name), c.name).toBe(true);
  });
});

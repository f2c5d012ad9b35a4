/**
 * upstreams.<name>.tls through a real nginx (1.22, 1.26, 1.30) to real TLS backends (node's https
 * server with `ws` on it), with certificates from throwaway CAs made for the run.
 *
 * Each refusal is the twin of a success against the same backend, so no case passes for a reason
 * other than the one it names: the right CA upgrades and the wrong CA gets 502 (nginx logs "upstream
 * SSL certificate verify error"); the name nginx checks by default is the servers' host (localhost),
 * and a serverName the certificate does not hold gets 502 ("does not match"); `tls: true` verifies
 * against the system bundle, which does not hold the test CA; a backend that demands a client
 * certificate refuses nginx without tls.certificate and sees its subject with it; `verify: false`
 * reaches a self-signed backend that the same settings with verify on refuse. nginx's own
 * proxy_ssl_verify_depth (1) accepts leaf → intermediate → root and refuses a second intermediate.
 */
import { mkdtempSync, readFileSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { connect as tlsConnect } from "node:tls";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { httpGet, wsAsk, wsEcho, wsOpen } from "../helpers/backend.js";
import { issueCertificate, makeCa } from "../helpers/certs.js";
import { nginxBuilds } from "../helpers/nginx.js";
import { startStack, type Stack } from "../helpers/stack.js";
import { startTlsBackend, type TlsBackend, type TlsPeerInfo } from "../helpers/tls-backend.js";

interface Pki {
  dir: string;
  root: string;
  wrongCa: string;
  client: { certificate: string; key: string };
}

let pki: Pki;
const backends: Record<"main" | "chained" | "deep" | "mtls" | "selfSigned", TlsBackend> = {} as never;

beforeAll(async () => {
  const dir = mkdtempSync(join(tmpdir(), "wssgen-upstream-tls-"));
  const root = makeCa(dir, "root");
  const wrong = makeCa(dir, "wrong", { name: "wssgen test CA nobody trusts" });
  const mid = makeCa(dir, "mid", { issuer: root });
  const mid2 = makeCa(dir, "mid2", { issuer: mid });
  const clients = makeCa(dir, "clients");
  const main = issueCertificate(root, dir, "main", { names: ["localhost"] });
  const chained = issueCertificate(mid, dir, "chained", { names: ["localhost"], chain: [mid] });
  const deep = issueCertificate(mid2, dir, "deep", { names: ["localhost"], chain: [mid2, mid] });
  const client = issueCertificate(clients, dir, "client", { subject: "wssgen nginx", client: true });
  const selfSigned = makeCa(dir, "self-signed", { name: "localhost" });
  pki = { dir, root: root.cert, wrongCa: wrong.cert, client: { certificate: client.leaf, key: client.key } };
  backends.main = await startTlsBackend("main", { certificate: main.fullchain, key: main.key });
  backends.chained = await startTlsBackend("chained", { certificate: chained.fullchain, key: chained.key });
  backends.deep = await startTlsBackend("deep", { certificate: deep.fullchain, key: deep.key });
  backends.mtls = await startTlsBackend("mtls", { certificate: main.fullchain, key: main.key, clientCa: clients.cert });
  backends.selfSigned = await startTlsBackend("self-signed", { certificate: selfSigned.cert, key: selfSigned.key });
});
afterAll(async () => {
  await Promise.all(Object.values(backends).map((b) => b.close()));
  if (pki) rmSync(pki.dir, { recursive: true, force: true });
});

/** One upstream per case: nginx keeps TLS sessions per upstream server, so no case resumes another's. */
const upstreams = () => `
upstreams:
  right: { servers: ["localhost:${backends.main.port}"], tls: { ca: ${pki.root} } }
  wrongCa: { servers: ["localhost:${backends.main.port}"], tls: { ca: ${pki.wrongCa} } }
  wrongName: { servers: ["localhost:${backends.main.port}"], tls: { ca: ${pki.root}, serverName: api.internal } }
  byAddress: { servers: ["127.0.0.1:${backends.main.port}"], tls: { ca: ${pki.root}, serverName: localhost } }
  systemBundle: { servers: ["localhost:${backends.main.port}"], tls: true }
  chained: { servers: ["localhost:${backends.chained.port}"], tls: { ca: ${pki.root} } }
  deep: { servers: ["localhost:${backends.deep.port}"], tls: { ca: ${pki.root} } }
  noClientCert: { servers: ["localhost:${backends.mtls.port}"], tls: { ca: ${pki.root} } }
  clientCert:
    servers: ["localhost:${backends.mtls.port}"]
    tls: { ca: ${pki.root}, certificate: ${pki.client.certificate}, key: ${pki.client.key} }
  unverified: { servers: ["localhost:${backends.selfSigned.port}"], tls: { verify: false } }
  selfSignedVerified: { servers: ["localhost:${backends.selfSigned.port}"], tls: { ca: ${pki.root} } }
`;

const ROUTES = [
  "right",
  "wrongCa",
  "wrongName",
  "byAddress",
  "systemBundle",
  "chained",
  "deep",
  "noClientCert",
  "clientCert",
  "unverified",
  "selfSignedVerified",
];

/** Whether node's TLS client (verify depth 100) verifies the backend's chain against `ca` for localhost. */
function verifiesWithNode(port: number, ca: string): Promise<boolean> {
  return new Promise((resolve, reject) => {
    const socket = tlsConnect({ host: "127.0.0.1", port, servername: "localhost", ca: readFileSync(ca) });
    socket.once("secureConnect", () => {
      resolve(socket.authorized);
      socket.destroy();
    });
    socket.once("error", (error: NodeJS.ErrnoException) =>
      error.code === "UNABLE_TO_VERIFY_LEAF_SIGNATURE" || error.code === "UNABLE_TO_GET_ISSUER_CERT_LOCALLY"
        ? resolve(false)
        : reject(error),
    );
  });
}

describe.each(nginxBuilds().map((b) => [b.label, b] as const))("backends over TLS through %s", (_label, build) => {
  let stack: Stack;
  beforeAll(async () => {
    stack = await startStack(build, {
      backends: [],
      ports: ["site"],
      yaml: (ctx) => `${upstreams()}
sites:
  - domains: [localhost]
    listen: "127.0.0.1:${ctx.port("site")}"
    routes:
${ROUTES.map((name) => `      - { path: /${name}/, upstream: ${name} }`).join("\n")}
`,
    });
  });
  afterAll(() => stack?.stop());

  const url = (route: string) => `ws://127.0.0.1:${stack.ports.site}/${route}/`;
  const get = (route: string) => httpGet(stack.ports.site!, `/${route}/`);
  /** What the backend saw of the connection nginx made (SNI, client certificate), over HTTP and over a WebSocket. */
  const peerOverHttp = async (route: string): Promise<TlsPeerInfo> => {
    const answer = await get(route);
    expect(answer.status, answer.body).toBe(200);
    return JSON.parse(answer.body) as TlsPeerInfo;
  };
  const peerOverWebSocket = async (route: string): Promise<TlsPeerInfo> => {
    const socket = await wsOpen(url(route));
    try {
      return JSON.parse((await wsAsk(socket, "whoami")).toString()) as TlsPeerInfo;
    } finally {
      socket.close();
    }
  };
  /** nginx's error log from `offset` on (what it wrote about the requests since). */
  const logSince = (offset: number) => readFileSync(stack.nginx.errorLog, "utf8").slice(offset);
  const logSize = () => statSync(stack.nginx.errorLog).size;
  /** A route nginx refuses with 502, over HTTP and as a WebSocket handshake; the error log lines nginx wrote meanwhile. */
  const refused = async (route: string): Promise<string> => {
    const offset = logSize();
    const answer = await get(route);
    expect(answer.status).toBe(502);
    await expect(wsOpen(url(route))).rejects.toThrow("HTTP 502");
    return logSince(offset);
  };

  it("renders https, SNI, the name checked, verification against tls.ca", () => {
    expect(stack.output).toContain("proxy_pass https://wssgen_right;");
    expect(stack.output).toMatch(
      new RegExp(
        `proxy_ssl_server_name on;\\s+proxy_ssl_name localhost;\\s+proxy_ssl_verify on;\\s+proxy_ssl_trusted_certificate ${pki.root};`,
      ),
    );
  });

  describe("the backend's certificate is verified", () => {
    it("signed by tls.ca, for the servers' host name (the default serverName): the WebSocket upgrades and echoes, HTTP gets 200", async () => {
      expect(await wsEcho(url("right"), "hello over TLS")).toBe("main: hello over TLS");
      expect(await peerOverHttp("right")).toEqual({ backend: "main", sni: "localhost" });
      expect(await peerOverWebSocket("right")).toEqual({ backend: "main", sni: "localhost" });
    });
    it("signed by another CA: 502, and nginx says the verification failed", async () => {
      expect(await refused("wrongCa")).toMatch(
        /upstream SSL certificate verify error: \(2[01]:unable to (?:verify the first certificate|get local issuer certificate)\)/,
      );
    });
    it("right CA, but a serverName the certificate does not hold: 502, and nginx says the name does not match", async () => {
      expect(await refused("wrongName")).toContain('upstream SSL certificate does not match "api.internal"');
    });
    it("servers given by address: serverName is the name checked and sent", async () => {
      expect(await wsEcho(url("byAddress"), "by address")).toBe("main: by address");
      expect(await peerOverHttp("byAddress")).toEqual({ backend: "main", sni: "localhost" });
    });
    it("tls: true verifies against the system's bundle, which does not trust the test CA: 502", async () => {
      expect(stack.output).toContain("proxy_ssl_trusted_certificate /etc/ssl/certs/ca-certificates.crt;");
      expect(await refused("systemBundle")).toContain("upstream SSL certificate verify error");
    });
  });

  describe("chains (nginx's proxy_ssl_verify_depth 1, which wssgen keeps)", () => {
    it("leaf → intermediate → tls.ca: upgrades", async () => {
      expect(await wsEcho(url("chained"), "one intermediate")).toBe("chained: one intermediate");
    });
    it("leaf → two intermediates → tls.ca: 502, though the chain is sound (node, which verifies 100 deep, accepts it)", async () => {
      // OpenSSL stops building the chain at the depth limit, and so finds no issuer in tls.ca
      expect(await refused("deep")).toMatch(/upstream SSL certificate verify error: \((?:20|22):/);
      expect(await verifiesWithNode(backends.deep.port, pki.root)).toBe(true);
      expect(await verifiesWithNode(backends.deep.port, pki.wrongCa)).toBe(false);
    });
  });

  describe("a backend that requires a client certificate (mTLS)", () => {
    it("without tls.certificate: its handshake fails, nginx answers 502", async () => {
      const before = backends.mtls.handshakeErrors();
      await refused("noClientCert");
      expect(backends.mtls.handshakeErrors()).toBeGreaterThan(before);
    });
    it("with tls.certificate and tls.key: it upgrades, and the backend sees the certificate's subject", async () => {
      expect(await wsEcho(url("clientCert"), "with a client certificate")).toBe("mtls: with a client certificate");
      expect(await peerOverHttp("clientCert")).toEqual({ backend: "mtls", sni: "localhost", client: "wssgen nginx" });
      expect(await peerOverWebSocket("clientCert")).toEqual({ backend: "mtls", sni: "localhost", client: "wssgen nginx" });
    });
  });

  describe("verify: false", () => {
    it("reaches a self-signed backend, still with SNI", async () => {
      expect(stack.output).not.toMatch(/location \/unverified\/ \{[^}]*proxy_ssl_verify/);
      expect(await wsEcho(url("unverified"), "unchecked")).toBe("self-signed: unchecked");
      expect(await peerOverHttp("unverified")).toEqual({ backend: "self-signed", sni: "localhost" });
    });
    it("the same backend with verification on: 502", async () => {
      expect(await refused("selfSignedVerified")).toContain("upstream SSL certificate verify error");
    });
  });
});

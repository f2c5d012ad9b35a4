/**
 * `wssgen probe -c wssgen.yaml` explains a 502 that nginx answers because TLS to the backend failed:
 * a real nginx of each build, real TLS backends with certificates from throwaway CAs, the real CLI.
 * For each way verification or the handshake fails, nginx answers 502 (its error log agrees), and the
 * probe's "why" names the key to change and what is wrong, in one line; without -c it only guesses.
 * A backend whose TLS is fine but which closes the connection gets 502 too: then the probe says TLS
 * is not the cause.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { createServer as createTlsServer, type Server as TlsServer } from "node:tls";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startBackend, type Backend } from "../helpers/backend.js";
import { issueCertificate, makeCa } from "../helpers/certs.js";
import { runCli } from "../helpers/cli.js";
import { nginxBuilds } from "../helpers/nginx.js";
import { freePort } from "../helpers/ports.js";
import { startStack, type Stack } from "../helpers/stack.js";
import { startTlsBackend, type TlsBackend } from "../helpers/tls-backend.js";

let dir: string;
let root: string;
let wrongCa: string;
let alienClient: { certificate: string; key: string };
const tlsBackends: Record<"main" | "expired" | "deep" | "mtls", TlsBackend> = {} as never;
let plain: Backend;
/** TLS backends with a good certificate: one closes every connection once the request arrives, one answers with a header line nginx refuses. */
let hangUp: { port: number; server: TlsServer };
let garbage: { port: number; server: TlsServer };

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), "wssgen-probe-tls-"));
  const ca = makeCa(dir, "root");
  root = ca.cert;
  wrongCa = makeCa(dir, "wrong").cert;
  const mid = makeCa(dir, "mid", { issuer: ca });
  const mid2 = makeCa(dir, "mid2", { issuer: mid });
  const clients = makeCa(dir, "clients");
  const strangers = makeCa(dir, "strangers");
  const main = issueCertificate(ca, dir, "main", { names: ["localhost"] });
  const old = issueCertificate(ca, dir, "old", { names: ["localhost"], expired: true });
  const deep = issueCertificate(mid2, dir, "deep", { names: ["localhost"], chain: [mid2, mid] });
  const alien = issueCertificate(strangers, dir, "alien", { subject: "nobody the backend knows", client: true });
  alienClient = { certificate: alien.leaf, key: alien.key };
  tlsBackends.main = await startTlsBackend("main", { certificate: main.fullchain, key: main.key });
  tlsBackends.expired = await startTlsBackend("expired", { certificate: old.fullchain, key: old.key });
  tlsBackends.deep = await startTlsBackend("deep", { certificate: deep.fullchain, key: deep.key });
  tlsBackends.mtls = await startTlsBackend("mtls", { certificate: main.fullchain, key: main.key, clientCa: clients.cert });
  plain = await startBackend("plain");
  const tlsServer = async (answer: string) => {
    const server = createTlsServer({ cert: readFileSync(main.fullchain), key: readFileSync(main.key) }, (socket) =>
      socket.once("data", () => socket.end(answer)),
    );
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    return { port: (server.address() as AddressInfo).port, server };
  };
  hangUp = await tlsServer("");
  garbage = await tlsServer("HTTP/1.1 200 OK\r\nno colon in this header line\r\n\r\n");
});
afterAll(async () => {
  await Promise.all([...Object.values(tlsBackends).map((b) => b.close()), plain?.close()]);
  hangUp?.server.close();
  garbage?.server.close();
  rmSync(dir, { recursive: true, force: true });
});

describe.each(nginxBuilds().map((b) => [b.label, b] as const))(
  "probe explains a 502 from a TLS upstream, through %s",
  (_label, build) => {
    let stack: Stack;
    let project: string;
    let yaml: string;
    beforeAll(async () => {
      const site = await freePort();
      const at = (backend: { port: number }) => `"localhost:${backend.port}"`;
      yaml = `upstreams:
  right: { servers: [${at(tlsBackends.main)}], tls: { ca: ${root} } }
  wrongCa: { servers: [${at(tlsBackends.main)}], tls: { ca: ${wrongCa} } }
  wrongName:
    servers: [${at(tlsBackends.main)}]
    tls: { ca: ${root}, serverName: api.internal }
  expired: { servers: [${at(tlsBackends.expired)}], tls: { ca: ${root} } }
  deep: { servers: [${at(tlsBackends.deep)}], tls: { ca: ${root} } }
  noClientCert: { servers: [${at(tlsBackends.mtls)}], tls: { ca: ${root} } }
  alienClientCert:
    servers: [${at(tlsBackends.mtls)}]
    tls: { ca: ${root}, certificate: ${alienClient.certificate}, key: ${alienClient.key} }
  plainBackend: { servers: [${at(plain)}], tls: { ca: ${root} } }
  hangUp: { servers: [${at(hangUp)}], tls: { ca: ${root} } }
  garbage: { servers: [${at(garbage)}], tls: { ca: ${root} } }
sites:
  - domains: [localhost]
    listen: "127.0.0.1:${site}"
    routes:
      - { path: /right, upstream: right }
      - { path: /wrong-ca, upstream: wrongCa }
      - { path: /wrong-name, upstream: wrongName }
      - { path: /expired, upstream: expired }
      - { path: /deep, upstream: deep }
      - { path: /no-client-cert, upstream: noClientCert }
      - { path: /alien-client-cert, upstream: alienClientCert }
      - { path: /plain, upstream: plainBackend }
      - { path: /hang-up, upstream: hangUp }
      - { path: /garbage, upstream: garbage }
`;
      project = mkdtempSync(join(tmpdir(), "wssgen-probe-project-"));
      writeFileSync(join(project, "wssgen.yaml"), yaml);
      stack = await startStack(build, { backends: [], ports: [], yaml: () => yaml });
    });
    afterAll(async () => {
      await stack?.stop();
      if (project) rmSync(project, { recursive: true, force: true });
    });

    const url = (path: string) => `ws://localhost:${/listen: "127\.0\.0\.1:(\d+)"/.exec(yaml)![1]}${path}`;
    /** `file:line:column` of `text` in wssgen.yaml (on the first line that has `lineWith`), as the probe's "why" names it. */
    const at = (text: string, offset = 0, lineWith = text) => {
      const lines = yaml.split("\n");
      const line = lines.findIndex((l) => l.includes(lineWith));
      return `wssgen.yaml:${line + 1}:${lines[line]!.indexOf(text, lines[line]!.indexOf(lineWith)) + 1 + offset}`;
    };
    /** probe -c wssgen.yaml: its exit code and "why" line. */
    const why = async (path: string) => {
      const r = await runCli(["probe", url(path), "-c", "wssgen.yaml"], { cwd: project });
      expect(r.stdout, r.stderr).toMatch(/: failed: HTTP 502 Bad Gateway in \d+ ms\n/);
      expect(r.exitCode).toBe(1);
      return /^ {2}why: (.*)$/m.exec(r.stdout)![1];
    };

    it("a route whose backend verifies upgrades (no 502 to explain)", async () => {
      const r = await runCli(["probe", url("/right"), "-c", "wssgen.yaml"], { cwd: project });
      expect(r.stdout).toMatch(/: 101 Switching Protocols in \d+ ms/);
      expect(r.exitCode).toBe(0);
    });

    it("a certificate not signed by tls.ca: points at tls.ca", async () => {
      expect(await why("/wrong-ca")).toBe(
        `${at(wrongCa)} upstreams.wrongCa.tls.ca: the certificate of "localhost:${tlsBackends.main.port}" is not signed by tls.ca ("${wrongCa}"): unable to verify the first certificate; set tls.ca to the CA that signed it`,
      );
    });
    it("without -c, only the usual guesses", async () => {
      const r = await runCli(["probe", url("/wrong-ca")], { cwd: project });
      expect(r.stdout).toContain("  why: nginx could not reach the upstream or got no valid answer from it");
      expect(r.stdout).not.toContain("tls.ca");
    });
    it("--format json carries the finding as data", async () => {
      const r = await runCli(["probe", url("/wrong-ca"), "-c", "wssgen.yaml", "--format", "json"], { cwd: project });
      const result = JSON.parse(r.stdout) as { problem: { code: string }; upstreamTls: Record<string, unknown> };
      expect(result.problem.code).toBe("upstream-tls");
      expect(result.upstreamTls).toMatchObject({
        upstream: "wrongCa",
        ok: false,
        code: "untrusted",
        server: `localhost:${tlsBackends.main.port}`,
        path: "upstreams.wrongCa.tls.ca",
        location: { file: "wssgen.yaml", line: Number(at(wrongCa).split(":")[1]) },
      });
    });
    it("a serverName the certificate does not hold: points at tls.serverName, and says what it holds", async () => {
      expect(await why("/wrong-name")).toBe(
        `${at("api.internal")} upstreams.wrongName.tls.serverName: the certificate of "localhost:${tlsBackends.main.port}" does not name "api.internal" (tls.serverName); it names "DNS:localhost"`,
      );
    });
    it("an expired certificate: points at the server", async () => {
      expect(await why("/expired")).toBe(
        `${at(`localhost:${tlsBackends.expired.port}`, -1)} upstreams.expired.servers[0]: the certificate of "localhost:${tlsBackends.expired.port}" expired on 2020-01-02: renew it on the backend`,
      );
    });
    it("a chain longer than nginx follows (proxy_ssl_verify_depth 1), though node alone would accept it", async () => {
      expect(await why("/deep")).toMatch(
        /^wssgen\.yaml:\d+:\d+ upstreams\.deep\.tls: the certificate of "localhost:\d+" reaches tls\.ca through 2 intermediate certificates, and nginx follows 1 \(proxy_ssl_verify_depth\)/,
      );
    });
    it("a backend that asks for a client certificate nginx does not have", async () => {
      expect(await why("/no-client-cert")).toBe(
        `${at("{ ca", 0, "noClientCert:")} upstreams.noClientCert.tls: "localhost:${tlsBackends.mtls.port}" asked for a client certificate, and nginx presents none (alert certificate required): set tls.certificate and tls.key`,
      );
    });
    it("a client certificate the backend does not take (node's servers close without an alert): points at tls.certificate", async () => {
      expect(await why("/alien-client-cert")).toBe(
        `${at(alienClient.certificate)} upstreams.alienClientCert.tls.certificate: "localhost:${tlsBackends.mtls.port}" accepted the TLS handshake, then closed the connection without answering, as a backend that refuses the client certificate "${alienClient.certificate}" can do; otherwise its own log says why`,
      );
    });
    it("a backend that does not speak TLS", async () => {
      expect(await why("/plain")).toMatch(
        new RegExp(
          `^wssgen\\.yaml:\\d+:\\d+ upstreams\\.plainBackend\\.tls: "localhost:${plain.port}" does not speak TLS \\(it answered in plain text\\): remove tls from upstreams\\.plainBackend, or point its servers at the backend's TLS port$`,
        ),
      );
    });
    it("a backend that hangs up after the handshake: points at the server", async () => {
      expect(await why("/hang-up")).toBe(
        `${at(`localhost:${hangUp.port}`, -1)} upstreams.hangUp.servers[0]: "localhost:${hangUp.port}" accepted the TLS handshake, then closed the connection without answering: its own log says why`,
      );
    });
    it("TLS is fine but the backend answers with a broken header: the usual causes, and that TLS is not one of them", async () => {
      const line = await why("/garbage");
      expect(line).toContain("nginx could not reach the upstream or got no valid answer from it");
      expect(line).toMatch(
        /; wssgen\.yaml:\d+:\d+ upstreams\.garbage\.tls: the probe connected to every server of upstreams\.garbage over TLS, verified it as nginx does, and got an answer: TLS is not why nginx answered 502 \(its error log says why\)$/,
      );
    });
  },
);

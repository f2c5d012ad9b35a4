/** upstream-tls-unverified (src/lint/rules/upstream-tls.ts): tls.verify: false to a backend across a network. */
import { describe, expect, it } from "vitest";
import { ruleFindings } from "../helpers/lint.js";

const config = (upstream: string) =>
  `upstreams:\n  api:\n${upstream}sites:\n  - domains: [chat.example.com]\n    routes: [{ path: /ws, upstream: api }]\n`;
const findings = (upstream: string) => ruleFindings("upstream-tls-unverified", config(upstream));

describe("upstream-tls-unverified", () => {
  it("fires at tls.verify, saying what is given up and how to verify instead", () => {
    expect(findings("    servers: [api.internal:8443]\n    tls: { verify: false }\n")).toEqual([
      {
        path: "upstreams.api.tls.verify",
        severity: "warning",
        message:
          'nginx accepts any certificate from "api.internal:8443": anyone between nginx and the backend can pose as it and read and change the traffic (cookies, tokens, messages); set tls.ca to the CA that signed the backend\'s certificate, and remove verify: false',
      },
    ]);
  });
  it("asks for serverName too when the servers are addresses and it is not set (a certificate is checked for a name)", () => {
    const [found] = findings("    servers: [10.0.0.5:8443]\n    tls: { verify: false }\n");
    expect(found?.message).toContain(
      "set tls.ca to the CA that signed the backend's certificate and tls.serverName to the name it holds, and remove verify: false",
    );
    const [named] = findings("    servers: [10.0.0.5:8443]\n    tls: { verify: false, serverName: api.internal }\n");
    expect(named?.message).not.toContain("tls.serverName");
  });
  it("names two servers and counts the rest", () => {
    const [found] = findings(
      "    servers: [10.0.0.5:8443, 10.0.0.6:8443, 10.0.0.7:8443]\n    tls: { verify: false, serverName: api.internal }\n",
    );
    expect(found?.message).toMatch(/^nginx accepts any certificate from "10\.0\.0\.5:8443", "10\.0\.0\.6:8443" and 1 more:/);
  });
  it("fires when one server of several is across a network", () => {
    expect(
      findings("    servers: [127.0.0.1:8443, 10.0.0.5:8443]\n    tls: { verify: false, serverName: api.internal }\n"),
    ).toHaveLength(1);
  });
  it("is silent when the certificate is verified, without TLS, and when every server is on this machine", () => {
    expect(findings("    servers: [api.internal:8443]\n    tls: true\n")).toEqual([]);
    expect(findings("    servers: [api.internal:8443]\n    tls: { verify: true, ca: /etc/wssgen/ca.pem }\n")).toEqual([]);
    expect(findings("    servers: [api.internal:8443]\n    tls: false\n")).toEqual([]);
    expect(findings("    servers: [api.internal:8080]\n")).toEqual([]);
    expect(
      findings(
        '    servers: [127.0.0.1:8443, "[::1]:8443", localhost:8444, "unix:/run/api.sock"]\n    tls: { verify: false, serverName: api.internal }\n',
      ),
    ).toEqual([]);
  });
  it("follows lint.rules", () => {
    const found = ruleFindings(
      "upstream-tls-unverified",
      `lint: { rules: { upstream-tls-unverified: error } }\n${config("    servers: [api.internal:8443]\n    tls: { verify: false }\n")}`,
    );
    expect(found.map((f) => f.severity)).toEqual(["error"]);
  });
});

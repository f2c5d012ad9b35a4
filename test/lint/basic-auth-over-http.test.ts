/** basic-auth-over-http (src/lint/rules/access.ts): basic auth on a site without tls. */
import { describe, expect, it } from "vitest";
import { ruleFindings, UPSTREAMS } from "../helpers/lint.js";

const BASIC = "access: { basicAuth: { userFile: /etc/nginx/htpasswd } }";
const site = (extra: string, routes = `[{ path: /admin/, upstream: chat, ${BASIC} }, { path: /ws, upstream: chat }]`) =>
  `  - domains: [chat.example.com]\n${extra}    routes: ${routes}\n`;
const findings = (...sites: string[]) => ruleFindings("basic-auth-over-http", `${UPSTREAMS}sites:\n${sites.join("")}`);

describe("basic-auth-over-http", () => {
  it("fires at each route with basicAuth on a plain-http site", () => {
    expect(
      findings(
        site(
          "",
          `[{ path: /admin/, upstream: chat, ${BASIC} }, { path: /ws, upstream: chat, access: { allow: [10.0.0.0/8], basicAuth: { userFile: /etc/nginx/htpasswd, realm: Chat } } }]`,
        ),
      ),
    ).toEqual([
      {
        path: "sites[0].routes[0].access.basicAuth",
        severity: "warning",
        message:
          '"/admin/" asks for a password over plain http: the browser sends it, only base64-encoded, with every request and WebSocket handshake to "chat.example.com", readable by anyone on the way; add tls to the site, or name the TLS-terminating proxy in front in realIp',
      },
      expect.objectContaining({ path: "sites[0].routes[1].access.basicAuth" }),
    ]);
  });
  it("fires on a private address too: anyone on that network reads the password", () => {
    expect(findings(site('    listen: "10.0.0.2:8080"\n')).map((f) => f.path)).toEqual(["sites[0].routes[0].access.basicAuth"]);
  });
  it("is silent with tls, behind a proxy named in realIp, on loopback only, and without basicAuth", () => {
    expect(findings(site("    tls: { certificate: /certs/c.pem, key: /certs/c.key }\n    redirectHttp: true\n"))).toEqual([]);
    expect(findings(site("    realIp: { from: [10.0.0.0/8] }\n"))).toEqual([]);
    expect(findings(site('    listen: "127.0.0.1:8080"\n'), site('    listen: "[::1]:8080"\n'))).toEqual([]);
    expect(
      findings(site("", "[{ path: /ws, upstream: chat, access: { forwardAuth: { url: http://127.0.0.1:9091/verify } } }]")),
    ).toEqual([]);
  });
});

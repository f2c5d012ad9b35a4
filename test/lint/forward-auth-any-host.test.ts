/** forward-auth-any-host (src/lint/rules/access.ts): forward auth on an address's default server without defaultServer: reject. */
import { describe, expect, it } from "vitest";
import { ruleFindings, UPSTREAMS } from "../helpers/lint.js";

const FORWARD = 'access: { forwardAuth: { url: "http://127.0.0.1:9091/verify" } }';
const site = (
  domain: string,
  listen: string,
  routes = `[{ path: /admin/, upstream: chat, ${FORWARD} }, { path: /ws, upstream: chat }]`,
) => `  - domains: [${domain}]\n    listen: "${listen}"\n    routes: ${routes}\n`;
const findings = (top: string, ...sites: string[]) =>
  ruleFindings("forward-auth-any-host", `${top}${UPSTREAMS}sites:\n${sites.join("")}`);

describe("forward-auth-any-host", () => {
  it("fires once per site that is the first on one of its addresses, at its first forward-auth route", () => {
    expect(
      findings(
        "",
        site(
          "a.example.com",
          "8080",
          `[{ path: /ws, upstream: chat }, { path: /admin/, upstream: chat, ${FORWARD} }, { path: /x/, upstream: chat, ${FORWARD} }]`,
        ),
      ),
    ).toEqual([
      {
        path: "sites[0].routes[1].access.forwardAuth",
        severity: "warning",
        message:
          '"a.example.com" is the first site on "8080", so nginx also hands it requests whose Host names no site, and the auth service judges the host the client wrote (X-Forwarded-Host, X-Original-URL): a rule that lets another domain in would let this request in; set defaultServer: reject (unknown hosts get no answer)',
      },
    ]);
  });
  it("fires for a second site that is first on another address", () => {
    expect(
      findings("", site("a.example.com", "8080"), site("b.example.com", "8080"), site("c.example.com", "8081")).map(
        (f) => f.path,
      ),
    ).toEqual(["sites[0].routes[0].access.forwardAuth", "sites[2].routes[0].access.forwardAuth"]);
  });
  it("is silent with defaultServer: reject, for a site behind another on its address, and without forwardAuth", () => {
    expect(findings("defaultServer: reject\n", site("a.example.com", "8080"))).toEqual([]);
    expect(findings("", site("a.example.com", "8080", "[{ path: /ws, upstream: chat }]"), site("b.example.com", "8080"))).toEqual(
      [],
    );
    expect(findings("", site("a.example.com", "8080", "[{ path: /ws, upstream: chat }]"))).toEqual([]);
  });
});

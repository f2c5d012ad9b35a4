/** origin-missing (src/lint/rules/origins.ts): a WebSocket route on a public name that any web page may open. */
import { describe, expect, it } from "vitest";
import { ruleFindings, UPSTREAMS } from "../helpers/lint.js";

const TLS = "    tls: { certificate: /etc/ssl/wssgen/fullchain.pem, key: /etc/ssl/wssgen/privkey.pem }\n    redirectHttp: true\n";
const site = (domains: string, route: string, extra = "") =>
  `  - domains: [${domains}]\n${extra}    routes: [{ path: /ws, upstream: chat${route} }]\n`;
const findings = (...sites: string[]) => ruleFindings("origin-missing", `${UPSTREAMS}sites:\n${sites.join("")}`);

describe("origin-missing", () => {
  it("fires at the route, suggesting the site's own origin (https on a TLS site, a public name first)", () => {
    expect(findings(site("chat.example.com", ""))).toEqual([
      {
        path: "sites[0].routes[0]",
        severity: "warning",
        message:
          "any web page can open this WebSocket in a visitor's browser, with their cookies (cross-site WebSocket hijacking); list the pages' origins, e.g. origins: [http://chat.example.com]",
      },
    ]);
    expect(findings(site('localhost, "*.chat.example.com"', "", TLS))[0]?.message).toMatch(
      /e\.g\. origins: \[https:\/\/chat\.example\.com\]$/,
    );
  });
  it("is silent with an allowlist, on routes that are not WebSockets, and on internal names only", () => {
    expect(
      findings(
        site("a.example.com", ", origins: [https://a.example.com]"),
        site("b.example.com", ", websocket: false"),
        site("chat.internal, localhost", ""),
        site("10.1.2.3", ""),
        site("dash.lan", ""),
      ),
    ).toEqual([]);
  });
});

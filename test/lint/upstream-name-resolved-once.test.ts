/** upstream-name-resolved-once (src/lint/rules/resolve.ts): container-style names that nginx resolves once, at start. */
import { describe, expect, it } from "vitest";
import { isServiceName } from "../../src/lint/rules/resolve.js";
import { ruleFindings } from "../helpers/lint.js";

const config = (upstreams: string, top = "") =>
  `${top}upstreams:\n${upstreams}sites:\n  - domains: [app.example.com]\n    routes: [{ path: /ws, upstream: api }]\n`;
const findings = (yaml: string, nginx?: string) => ruleFindings("upstream-name-resolved-once", yaml, nginx ? { nginx } : {});

const WHY =
  "once, at start: when the container or service behind a name is recreated, its address changes and nginx keeps sending to the old one (502 until a reload)";

describe("upstream-name-resolved-once", () => {
  it("fires once per upstream, at its servers, for Compose service names (one label)", () => {
    const yaml = config('  api: { servers: ["api:8080", "api:8081"] }\n  web: { servers: ["web:3000", "10.0.0.5:3000"] }\n');
    expect(findings(yaml, "1.30")).toEqual([
      {
        path: "upstreams.api.servers",
        severity: "info",
        message: `nginx resolves "api" ${WHY}; set resolve: true on this upstream and add the top-level resolver (under Docker: resolver: { addresses: [127.0.0.11] }): nginx then asks again whenever an answer expires`,
      },
      {
        path: "upstreams.web.servers",
        severity: "info",
        message: `nginx resolves "web" ${WHY}; set resolve: true on this upstream and add the top-level resolver (under Docker: resolver: { addresses: [127.0.0.11] }): nginx then asks again whenever an answer expires`,
      },
    ]);
  });

  it("before nginx 1.27.3 the advice is a reload after each deploy", () => {
    expect(findings(config('  api: { servers: ["api:8080"] }\n'), "1.26")).toEqual([
      {
        path: "upstreams.api.servers",
        severity: "info",
        message: `nginx resolves "api" ${WHY}; nginx 1.26 cannot ask again (resolve needs nginx 1.27.3 or later): reload nginx (nginx -t && nginx -s reload; wssgen apply reloads only when the config changed) after each deploy that recreates a container, or upgrade nginx and set resolve: true`,
      },
    ]);
  });

  it("with Docker's resolver (127.0.0.11, any port) every host name counts, and the advice says the resolver is there", () => {
    const yaml = config('  api: { servers: ["api.example.com:8080"] }\n', "resolver: { addresses: [127.0.0.11:53] }\n");
    expect(findings(yaml, "1.30")).toEqual([
      {
        path: "upstreams.api.servers",
        severity: "info",
        message: `nginx resolves "api.example.com" ${WHY}; set resolve: true on this upstream (the top-level resolver is already set): nginx then asks again whenever an answer expires`,
      },
    ]);
    // another resolver is no sign of containers: public names stay silent
    expect(findings(config('  api: { servers: ["api.example.com:8080"] }\n', "resolver: { addresses: [10.0.0.2] }\n"))).toEqual(
      [],
    );
  });

  it("Kubernetes and Consul service names count; one finding names up to three", () => {
    for (const host of [
      "api.default.svc",
      "api.default.svc.cluster.local",
      "API.Default.SVC.cluster.local",
      "api.service.consul",
    ])
      expect(findings(config(`  api: { servers: ["${host}:8080"] }\n`)), host).toHaveLength(1);
    const many = findings(config('  api: { servers: ["a:1", "b:1", "c:1", "d:1", "e:1"] }\n'), "1.30");
    expect(many[0]?.message).toMatch(/^nginx resolves "a", "b", "c" and 2 more once, at start/);
    expect(findings(config('  api: { servers: ["a:1", "b:1"] }\n'))[0]?.message).toMatch(/^nginx resolves "a" and "b" once/);
  });

  it("is silent for upstreams with resolve, addresses, unix sockets, localhost, and configs that do not look containerised", () => {
    const resolver = "resolver: { addresses: [127.0.0.11] }\n";
    expect(findings(config('  api: { servers: ["api:8080"], resolve: true }\n', resolver), "1.30")).toEqual([]);
    expect(
      findings(config('  api: { servers: ["10.0.0.5:8080", "[2001:db8::5]:8080", "unix:/run/api.sock"] }\n', resolver)),
    ).toEqual([]);
    expect(findings(config('  api: { servers: ["localhost:8080"] }\n'))).toEqual([]);
    expect(findings(config('  api: { servers: ["api.example.com:8080", "backend.internal:8080"] }\n'))).toEqual([]);
  });

  it("a container-style name left without resolve makes the config containerised: other upstreams' host names count too", () => {
    const yaml = config(
      '  api: { servers: ["api:8080"], resolve: true }\n  auth: { servers: ["auth.example.com:443"] }\n',
      "resolver: { addresses: [10.0.0.2] }\n",
    );
    expect(findings(yaml, "1.30").map((f) => f.path)).toEqual([]);
    const mixed = config('  api: { servers: ["api:8080"] }\n  auth: { servers: ["auth.example.com:443"] }\n');
    expect(findings(mixed, "1.30").map((f) => f.path)).toEqual(["upstreams.api.servers", "upstreams.auth.servers"]);
  });

  it("isServiceName: one label or a platform's ending, never localhost", () => {
    expect(["api", "web-2", "api.ns.svc", "x.svc.cluster.local", "db.service.consul"].every(isServiceName)).toBe(true);
    expect(["localhost", "api.example.com", "host.docker.internal", "svc.example.com"].some(isServiceName)).toBe(false);
  });
});

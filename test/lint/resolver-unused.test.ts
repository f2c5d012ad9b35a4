/** resolver-unused (src/lint/rules/resolve.ts): a top-level resolver that no upstream with resolve uses. */
import { describe, expect, it } from "vitest";
import { ruleFindings } from "../helpers/lint.js";

const config = (upstream: string, resolver = "resolver: { addresses: [127.0.0.11], valid: 10s }\n") =>
  `${resolver}upstreams:\n  api: ${upstream}\nsites:\n  - domains: [app.example.com]\n    routes: [{ path: /ws, upstream: api }]\n`;
const findings = (yaml: string, nginx?: string) => ruleFindings("resolver-unused", yaml, nginx ? { nginx } : {});

describe("resolver-unused", () => {
  it("fires at resolver when no upstream has resolve: true", () => {
    expect(findings(config('{ servers: ["api:8080"] }'), "1.30")).toEqual([
      {
        path: "resolver",
        severity: "warning",
        message:
          "no upstream has resolve: true, and wssgen writes the resolver only into those upstreams, so it does nothing; set resolve: true on the upstreams whose servers are names that move (containers, Kubernetes services), or remove resolver",
      },
    ]);
  });
  it("before nginx 1.27.3 the advice is to remove it", () => {
    expect(findings(config('{ servers: ["api:8080"] }'), "1.22")[0]?.message).toBe(
      "no upstream has resolve: true, and wssgen writes the resolver only into those upstreams, so it does nothing; nginx 1.22 cannot re-resolve upstream names (resolve needs nginx 1.27.3 or later): remove resolver",
    );
  });
  it("is silent when an upstream has resolve: true, or without a resolver", () => {
    expect(findings(config('{ servers: ["api:8080"], resolve: true }'), "1.30")).toEqual([]);
    expect(findings(config('{ servers: ["api:8080"] }', ""), "1.30")).toEqual([]);
  });
});

import { describe, expect, it } from "vitest";
import { parseConfig } from "../../src/config/load.js";
import { ConfigError } from "../../src/errors.js";

const base = (domain: string) => `upstreams: { app: { servers: ["10.0.0.5:8080"] } }
sites:
  - domains: ["${domain}"]
    routes: [{ path: /ws, upstream: app }]
`;

describe("${VAR} interpolation", () => {
  it("uses the environment, then the default", () => {
    expect(parseConfig("w.yaml", base("${D}"), { D: "a.example.com" }).config.sites[0]!.domains).toEqual(["a.example.com"]);
    expect(parseConfig("w.yaml", base("${D:-b.example.com}"), {}).config.sites[0]!.domains).toEqual(["b.example.com"]);
    expect(parseConfig("w.yaml", base("${D:-b.example.com}"), { D: "" }).config.sites[0]!.domains).toEqual(["b.example.com"]);
    expect(parseConfig("w.yaml", base("x.${D}.example.com"), { D: "mid" }).config.sites[0]!.domains).toEqual([
      "x.mid.example.com",
    ]);
  });
  it("names the unset variable and where it was used", () => {
    try {
      parseConfig("w.yaml", base("${MISSING}"), {});
      expect.unreachable();
    } catch (error) {
      expect(error).toBeInstanceOf(ConfigError);
      expect((error as ConfigError).lines()).toEqual([
        "w.yaml:3:15 sites[0].domains[0]: environment variable MISSING is not set (set it, or write ${MISSING:-default})",
      ]);
    }
  });
  it("validates interpolated values like any other (an env var cannot inject)", () => {
    expect(() => parseConfig("w.yaml", base("${D}"), { D: "a.com;\nserver_name evil" })).toThrow(/control character line feed/);
  });
  it("$${ writes a literal ${ for nginx's own ${var} form", () => {
    const text = base("a.example.com").replace("upstream: app }", () => `upstream: app, headers: { X-A: "$${"$"}{host}" } }`);
    expect(parseConfig("w.yaml", text, {}).config.sites[0]!.routes[0]!.headers).toEqual([["X-A", "${host}"]]);
  });
});

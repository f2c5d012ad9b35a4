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
    expect(parseConfig("w.yaml", text, {}).config.sites[0]!.routes[0]!.headers).toEqual([
      { name: "X-A", value: "${host}", at: ["sites", 0, "routes", 0, "headers", "X-A"] },
    ]);
  });
});

describe("typed ${VAR}: a whole reference in a number or boolean key is read as YAML would read it unquoted", () => {
  const config = `nginx:
  version: "\${V:-1.22}"
  workerShutdownTimeout: "\${DRAIN:-300}"
upstreams:
  app:
    servers:
      - "10.0.0.5:8080"
      - { address: "10.0.0.6:8080", weight: "\${WEIGHT:-3}", maxFails: "\${FAILS:-0}", backup: "\${BACKUP:-false}" }
    keepalive: \${KA:-16}
lint:
  rules: { origin-missing: "\${ORIGIN_RULE:-off}" }
sites:
  - domains: [chat.example.com]
    listen: "\${PORT:-8443}"
    http2: \${H2:-false}
    tls:
      certificate: /etc/ssl/chat.pem
      key: /etc/ssl/chat.key
      stapling: "\${STAPLING:-false}"
      hsts: { maxAge: "\${HSTS_AGE:-86400}", includeSubdomains: "\${HSTS_SUB:-true}" }
    routes:
      - path: /ws
        upstream: app
        maxConnectionsPerIp: "\${MAX_CONN:-100}"
        timeouts: { read: "\${READ:-7200}" }
        headers: { X-Count: "\${COUNT:-16}", X-Flag: "\${FLAG:-true}" }
`;

  it("types defaults and environment values in every number and boolean key, nested ones included", () => {
    const { config: c } = parseConfig("w.yaml", config, {});
    const upstream = c.upstreams[0]!;
    expect(upstream.keepalive).toBe(16);
    expect(upstream.servers[1]).toMatchObject({ weight: 3, maxFails: 0, backup: false });
    const site = c.sites[0]!;
    expect(site.http2).toBe(false);
    expect(site.tls).toMatchObject({ stapling: false, hsts: { maxAgeSeconds: 86400, includeSubdomains: true } });
    expect(site.routes[0]).toMatchObject({ maxConnectionsPerIp: 100, timeouts: { read: 7200 } });
    expect(c.nginx.workerShutdownTimeout).toBe(300);

    const env = { KA: "32", WEIGHT: "5", BACKUP: "true", H2: "true", HSTS_SUB: "FALSE", MAX_CONN: "7", READ: "2h" };
    const { config: e } = parseConfig("w.yaml", config, env);
    expect(e.upstreams[0]!.keepalive).toBe(32);
    expect(e.upstreams[0]!.servers[1]).toMatchObject({ weight: 5, backup: true });
    expect(e.sites[0]!.http2).toBe(true);
    expect(e.sites[0]!.tls!.hsts!.includeSubdomains).toBe(false);
    expect(e.sites[0]!.routes[0]).toMatchObject({ maxConnectionsPerIp: 7, timeouts: { read: "2h" } });
  });

  it("strings stay strings: versions, listen addresses, enums, header values", () => {
    const { config: c } = parseConfig("w.yaml", config, { V: "1.26", PORT: "127.0.0.1:8443" });
    expect(c.nginx.version).toBe("1.26"); // not the number 1.26 (1.20 would become 1.2)
    expect(parseConfig("w.yaml", config, { V: "1.20" }).config.nginx.version).toBe("1.20");
    expect(c.sites[0]!.listen[0]!.value).toBe("127.0.0.1:8443");
    expect(c.lint["origin-missing"]).toBe("off");
    expect(c.sites[0]!.routes[0]!.headers.map((h) => [h.name, h.value])).toEqual([
      ["X-Count", "16"],
      ["X-Flag", "true"],
    ]);
  });

  it("a value that is not the type names the variable and the expected type, never the value", () => {
    const lines = (env: Record<string, string>) => {
      try {
        parseConfig("w.yaml", config, env);
      } catch (error) {
        return (error as ConfigError).lines();
      }
      return expect.unreachable();
    };
    expect(lines({ KA: "s3cr3t", H2: "yes-s3cr3t", BACKUP: "s3cr3t" })).toEqual([
      "w.yaml:8:94 upstreams.app.servers[1].backup: expected true or false, but the value of ${BACKUP} is neither",
      "w.yaml:9:16 upstreams.app.keepalive: expected a number, but the value of ${KA} is not one",
      "w.yaml:15:12 sites[0].http2: expected true or false, but the value of ${H2} is neither",
    ]);
    // the right type, out of range: the schema's range, and where the value came from
    expect(lines({ KA: "9999999" })).toEqual([
      "w.yaml:9:16 upstreams.app.keepalive: expected a whole number from 0 to 1048576, got number ${KA}",
    ]);
  });

  it("only a whole reference is typed: text around it stays a string (and fails as one)", () => {
    const text = config.replace("keepalive: ${KA:-16}", 'keepalive: "1${KA:-6}"');
    expect(() => parseConfig("w.yaml", text, {})).toThrow(
      /keepalive: expected a whole number from 0 to 1048576, got string "16"$/, // the default is in the file: no secret
    );
    expect(() => parseConfig("w.yaml", text, { KA: "5" })).toThrow(
      /keepalive \(from \$\{KA\}\): expected a whole number from 0 to 1048576, got string "1\$\{KA:-6\}"$/,
    );
  });
});

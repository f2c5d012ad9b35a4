/**
 * src/config/defaults.ts is the one home of every default: the JSON Schema (docs/wssgen.schema.json,
 * pinned to `wssgen schema` by schema-parity.test.ts), docs/config.md's key table and normalize all
 * say what it says, key by key, and no other default is stated in the schema or the table.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import {
  DEFAULTS,
  type Default,
  type DefaultField,
  type DefaultGroup,
  describeDefault,
  GROUP_KEYS,
} from "../../src/config/defaults.js";
import type { WssgenConfig } from "../../src/config/model.js";
import { normalize } from "../../src/config/normalize.js";
import type { KeyPath } from "../../src/config/path.js";
import { configSchema } from "../../src/config/schema.js";
import { DEFAULT_NGINX_VERSION } from "../../src/nginx-version/version.js";
import { ROOT } from "../helpers/paths.js";

interface SchemaNode {
  description?: string;
  default?: unknown;
  properties?: Record<string, SchemaNode>;
  additionalProperties?: SchemaNode | boolean;
  items?: SchemaNode;
  anyOf?: SchemaNode[];
}
const schema = JSON.parse(readFileSync(join(ROOT, "docs/wssgen.schema.json"), "utf8")) as SchemaNode;
const docs = readFileSync(join(ROOT, "docs/config.md"), "utf8");

/** Every node of the JSON Schema by the key docs/config.md names it with (`sites[].routes[].timeouts.read`). */
function schemaKeys(node: SchemaNode, key = "", out = new Map<string, SchemaNode>()): Map<string, SchemaNode> {
  if (key && !out.has(key)) out.set(key, node);
  for (const alternative of node.anyOf ?? [node]) {
    for (const [name, child] of Object.entries(alternative.properties ?? {}))
      schemaKeys(child, key ? `${key}.${name}` : name, out);
    if (typeof alternative.additionalProperties === "object") schemaKeys(alternative.additionalProperties, `${key}.<name>`, out);
    if (alternative.items) schemaKeys(alternative.items, `${key}[]`, out);
  }
  return out;
}
const nodes = schemaKeys(schema);

/** Each default with every key it applies to. */
const entries = (Object.keys(DEFAULTS) as DefaultGroup[]).flatMap((group) =>
  Object.entries(DEFAULTS[group] as Record<string, Default>).map(([field, entry]) => ({
    group,
    field,
    entry,
    keys: [
      [GROUP_KEYS[group], field].filter(Boolean).join("."),
      ...(entry.inheritedFrom === undefined ? [] : [entry.inheritedFrom]),
    ],
  })),
);
const allKeys = entries.flatMap((e) => e.keys.map((key) => [key, e.entry] as const));

describe("the JSON Schema states each default", () => {
  it.each(allKeys)("%s", (key, entry) => {
    const node = nodes.get(key);
    expect(node, `no ${key} in the schema`).toBeDefined();
    expect(node!.description).toMatch(new RegExp(`Default: ${escape(describeDefault(entry))}\\.$`));
    expect(node!.default).toEqual(entry.value);
  });
  it("and no other: every key whose schema states a default is in defaults.ts", () => {
    const stated = [...nodes]
      .filter(([, n]) => n.default !== undefined || /\bDefault:/.test(n.description ?? ""))
      .map(([k]) => k);
    expect(stated.sort()).toEqual(allKeys.map(([key]) => key).sort());
  });
});

describe("docs/config.md's key table states each default", () => {
  const rows = new Map(
    docs
      .split("\n")
      .filter((line) => line.startsWith("| `"))
      .map((line) => [line.slice(3, line.indexOf("`", 3)), line] as const),
  );
  it.each(allKeys)("%s", (key, entry) => {
    expect(rows.get(key)).toContain(`Default: ${describeDefault(entry)}. |`);
  });
  it("and no other", () => {
    const stated = [...rows].filter(([, row]) => row.includes("Default:")).map(([key]) => key);
    expect(stated.sort()).toEqual(allKeys.map(([key]) => key).sort());
  });
});

/** A config with one of each object: nginx, an upstream with a server mapping, a TLS site with a route. */
function base(): Record<string, unknown> {
  return {
    upstreams: { chat: { servers: [{ address: "10.0.0.5:8080" }] } },
    sites: [
      {
        domains: ["chat.example.com"],
        tls: { certificate: "/etc/ssl/a.pem", key: "/etc/ssl/a.key" },
        routes: [{ path: "/ws", upstream: "chat" }],
      },
    ],
  };
}
const load = (data: unknown) => normalize(configSchema.parse(data), "wssgen.yaml");

/** The object of each group in `base()`. */
const OBJECT: { [G in DefaultGroup]: (c: WssgenConfig) => { set: Partial<Record<DefaultField<G>, KeyPath>> } } = {
  file: (c) => c,
  nginx: (c) => c.nginx,
  upstream: (c) => c.upstreams[0]!,
  server: (c) => c.upstreams[0]!.servers[0]!,
  site: (c) => c.sites[0]!,
  route: (c) => c.sites[0]!.routes[0]!,
};

/** What normalize made of each field, in the form wssgen.yaml writes it (for the defaults that are one value). */
const VALUE: { [G in DefaultGroup]: { [F in DefaultField<G>]: (c: WssgenConfig) => unknown } } = {
  file: { defaultServer: (c) => c.defaultServer, "resolver.valid": (c) => c.resolver?.valid },
  nginx: {
    version: (c) => c.nginx.version,
    openssl: (c) => c.nginx.openssl,
    binary: (c) => c.nginx.binary,
    mainConfig: (c) => c.nginx.mainConfig,
    target: (c) => c.nginx.target,
    namespace: (c) => c.nginx.namespace,
    reload: (c) => c.nginx.reload,
    workerShutdownTimeout: (c) => c.nginx.workerShutdownTimeout,
  },
  upstream: {
    balance: (c) => c.upstreams[0]!.balance,
    keepalive: (c) => c.upstreams[0]!.keepalive,
    "tls.verify": (c) => c.upstreams[0]!.tls?.verify,
    "tls.ca": (c) => c.upstreams[0]!.tls?.ca,
    "tls.serverName": (c) => c.upstreams[0]!.tls?.serverName,
    resolve: (c) => c.upstreams[0]!.resolve,
  },
  server: {
    weight: (c) => c.upstreams[0]!.servers[0]!.weight,
    maxFails: (c) => c.upstreams[0]!.servers[0]!.maxFails,
    failTimeout: (c) => c.upstreams[0]!.servers[0]!.failTimeout,
    backup: (c) => c.upstreams[0]!.servers[0]!.backup,
    down: (c) => c.upstreams[0]!.servers[0]!.down,
  },
  site: {
    name: (c) => c.sites[0]!.name,
    listen: (c) => c.sites[0]!.listen.map((l) => l.value),
    http2: (c) => c.sites[0]!.http2,
    redirectHttp: (c) => c.sites[0]!.http?.redirect ?? false,
    ipv6: (c) => c.sites[0]!.ipv6,
    "realIp.header": (c) => c.sites[0]!.realIp?.header,
    "tls.profile": (c) => c.sites[0]!.tls?.profile,
    "tls.hsts": (c) => c.sites[0]!.tls?.hsts !== undefined,
    "tls.hsts.maxAge": (c) => c.sites[0]!.tls?.hsts?.maxAgeSeconds,
    "tls.hsts.includeSubdomains": (c) => c.sites[0]!.tls?.hsts?.includeSubdomains,
    "tls.hsts.preload": (c) => c.sites[0]!.tls?.hsts?.preload,
    "tls.sessionTimeout": (c) => c.sites[0]!.tls?.sessionTimeout,
    "tls.stapling": (c) => c.sites[0]!.tls?.stapling,
  },
  route: {
    websocket: (c) => c.sites[0]!.routes[0]!.websocket,
    "timeouts.connect": (c) => c.sites[0]!.routes[0]!.timeouts.connect,
    "timeouts.read": (c) => c.sites[0]!.routes[0]!.timeouts.read,
    "timeouts.send": (c) => c.sites[0]!.routes[0]!.timeouts.send,
    allowMissingOrigin: (c) => c.sites[0]!.routes[0]!.allowMissingOrigin,
    maxBodySize: (c) => c.sites[0]!.routes[0]!.maxBodySize,
    buffering: (c) => c.sites[0]!.routes[0]!.buffering,
    stripPrefix: (c) => c.sites[0]!.routes[0]!.stripPrefix,
    "static.spa": (c) => c.sites[0]!.routes[0]!.static?.spa,
    "access.basicAuth.realm": (c) => c.sites[0]!.routes[0]!.access?.basicAuth?.realm,
    "rateLimit.burst": (c) => c.sites[0]!.routes[0]!.rateLimit?.burst,
  },
};

/** A value to write for the defaults that are not one value (normalize.test.ts has their derived values). */
const SAMPLE: Record<string, unknown> = {
  "nginx.version": "1.26",
  "nginx.openssl": "3.5",
  "nginx.namespace": "chat",
  "upstreams.<name>.keepalive": 16,
  "sites[].name": "chat",
  "sites[].listen": 8443,
  "upstreams.<name>.tls.serverName": "chat.internal",
  "resolver.valid": "10s",
};

/**
 * Optional objects whose defaults apply only when the object is written: what each needs beside
 * the key, given the object that holds it (as `base()` writes it).
 */
const PARENT: Record<string, (holder: Record<string, unknown>) => Record<string, unknown>> = {
  "sites[].realIp": () => ({ from: ["10.0.0.0/8"] }),
  resolver: () => ({ addresses: ["127.0.0.11"] }),
  "sites[].routes[].access.basicAuth": () => ({ userFile: "/etc/nginx/htpasswd" }),
  "sites[].routes[].rateLimit": () => ({ rate: "10r/s" }),
  // a route has either upstream or static: the static one drops base()'s upstream
  "sites[].routes[].static": (route) => {
    delete route.upstream;
    return { root: "/srv/app/dist" };
  },
};

/** The key as a path into `base()`, and into the model's key paths. */
const pathOf = (key: string): (string | number)[] =>
  key.split(".").flatMap((part) => (part === "<name>" ? ["chat"] : part.endsWith("[]") ? [part.slice(0, -2), 0] : [part]));

/** `base()` with `value` at `key`; undefined: only the objects around `key` (PARENT's, where base() has none). */
function withValue(key: string, value: unknown): unknown {
  const data = base();
  const parts = key.split(".");
  let node = data as Record<string | number, unknown>;
  parts.slice(0, -1).forEach((part, i) => {
    const path = pathOf(part);
    for (const step of path.slice(0, -1)) node = node[step] as Record<string | number, unknown>;
    const parent = PARENT[parts.slice(0, i + 1).join(".")];
    node = (node[path[path.length - 1]!] ??= parent ? parent(node) : {}) as Record<string | number, unknown>;
  });
  if (value !== undefined) node[parts[parts.length - 1]!] = value;
  return data;
}

describe("normalize applies each default, and records each written value in `set`", () => {
  const cases = entries.map((e) => [[GROUP_KEYS[e.group], e.field].filter(Boolean).join("."), e] as const);
  it.each(cases)("%s omitted", (key, { group, field, entry }) => {
    const config = load(withValue(key, undefined));
    const value = (VALUE[group] as Record<string, (c: WssgenConfig) => unknown>)[field]!(config);
    // nginx's own defaults are nginx's to apply: wssgen leaves them out
    if (entry.by === "nginx") expect(value).toBeUndefined();
    else if (entry.value !== undefined) expect(value).toEqual(entry.value);
    expect((OBJECT[group](config).set as Record<string, unknown>)[field]).toBeUndefined();
  });
  it.each(cases)("%s written", (key, { group, field, entry }) => {
    const value = entry.value ?? SAMPLE[key];
    expect(value, `a sample value for ${key}`).toBeDefined();
    const config = load(withValue(key, value));
    expect((OBJECT[group](config).set as Record<string, unknown>)[field]).toEqual(pathOf(key));
    if (entry.inheritedFrom !== undefined) {
      const inherited = load(withValue(entry.inheritedFrom, value));
      expect((OBJECT[group](inherited).set as Record<string, unknown>)[field]).toEqual(entry.inheritedFrom.split("."));
    }
  });
});

it("nginx.version's default names the version resolveNginxBuild falls back to", () => {
  expect(DEFAULTS.nginx.version.text).toMatch(new RegExp(`else ${escape(DEFAULT_NGINX_VERSION)}$`));
});

function escape(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
}

/**
 * The hash-size simulation agrees with the real nginx: for key sets around nginx's limits, nginx -t
 * fails, warns or passes exactly when the simulation says so; and with the sizes wssgen computes it
 * always passes cleanly.
 */
import { describe, expect, it } from "vitest";
import { withSandbox } from "../../src/check/sandbox.js";
import { buildsCleanly, hashSizesFor } from "../../src/render/hash.js";
import { nginxBuilds } from "../helpers/nginx.js";

const build = nginxBuilds()[0]!;

function originKeys(n: number, length: number): string[] {
  return Array.from({ length: n }, (_, i) => `https://${`t${i}-`.padEnd(length - 12, "x")}.example`);
}

async function nginxVerdict(
  keys: string[],
  sizes?: { bucketSize: number; maxSize: number },
): Promise<"clean" | "warn" | "error"> {
  const conf = [
    ...(sizes ? [`map_hash_bucket_size ${sizes.bucketSize};`, `map_hash_max_size ${sizes.maxSize};`] : []),
    "map $http_origin $wssgen_test {",
    "    default 1;",
    ...keys.map((k) => `    "${k}" 0;`),
    "}",
    // a location that uses the variable, so that the map is built
    "server { listen 127.0.0.1:1; location / { if ($wssgen_test) { return 403; } } }",
    "",
  ].join("\n");
  const result = await withSandbox({ "test.conf": conf }, (s) => build.nginx.test({ config: s.mainConfig, prefix: s.dir }));
  if (!result.ok) return "error";
  return result.warnings.length ? "warn" : "clean";
}

describe("nginx's hash tables, simulated", () => {
  const cases: [number, number][] = [
    [10, 40],
    [10, 47],
    [10, 60],
    [300, 30],
    [2000, 30],
    [3000, 40],
    [6000, 24],
  ];
  it.each(cases)("%i origins of %i bytes: the default sizes' verdict matches nginx", async (n, length) => {
    const keys = originKeys(n, length);
    const simulated = buildsCleanly(keys, { bucketSize: 64, maxSize: 2048 });
    const real = await nginxVerdict(keys);
    expect(real === "clean").toBe(simulated);
  });
  it.each(cases)("%i origins of %i bytes: with the computed sizes nginx builds cleanly", async (n, length) => {
    const keys = originKeys(n, length);
    const sizes = hashSizesFor([keys], { bucketSize: 64, maxSize: 2048 }) ?? { bucketSize: 64, maxSize: 2048 };
    expect(await nginxVerdict(keys, sizes)).toBe("clean");
  });
  it("some cases need nothing, some fail and some warn with the defaults (the cases are not all alike)", async () => {
    const verdicts = await Promise.all(cases.map(([n, l]) => nginxVerdict(originKeys(n, l))));
    expect(new Set(verdicts)).toEqual(new Set(["clean", "warn", "error"]));
  });
});

describe("wildcard server names at scale", () => {
  it("3,000 sites named *.sN.example.com render to a config nginx builds without a warning", async () => {
    const { parseConfig } = await import("../../src/config/load.js");
    const { render } = await import("../../src/render/render.js");
    const sites = Array.from(
      { length: 3000 },
      (_, i) =>
        `  - { domains: ["*.s${i}.example.com", "www.tenant-${i}.*"], listen: "127.0.0.1:1", routes: [{ path: /ws, upstream: a }] }`,
    );
    const text = `upstreams: { a: { servers: [10.0.0.1:80] } }\nsites:\n${sites.join("\n")}\n`;
    const output = render(parseConfig("w.yaml", text, {}).config, { version: build.version });
    expect(output).toMatch(/^server_names_hash_bucket_size \d+;$/m);
    const result = await withSandbox({ "wssgen.conf": output }, (s) => build.nginx.test({ config: s.mainConfig, prefix: s.dir }));
    expect(result.errors, result.stderr).toEqual([]);
    expect(result.warnings, result.stderr).toEqual([]);
  });
});

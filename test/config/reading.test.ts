/**
 * Reading any config file in bounded memory and time (issue 8 §3), and the file formats as the docs
 * state them (§9): the real CLI on hostile files, with a 512 MB heap so that a regression crashes
 * (SIGABRT) instead of passing; one line per refusal, with the limit and how to raise it.
 */
import { execa } from "execa";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { BIN } from "../helpers/paths.js";

let dir: string;
const HEAD =
  "upstreams: { chat: { servers: [10.0.0.5:8080] } }\nsites: [{ domains: [a.example.com], routes: [{ path: /ws, upstream: chat, origins: [https://a.example.com] }] }]\n";
const JSON_CONFIG = {
  upstreams: { chat: { servers: ["10.0.0.5:8080"] } },
  sites: [{ domains: ["a.example.com"], routes: [{ path: "/ws", upstream: "chat", origins: ["https://a.example.com"] }] }],
};

/** The note at a JSON key that a later one in the same mapping replaced. */
const AGAIN = (line: number) =>
  `this key appears again at line ${line} of the same mapping; as in JSON.parse, the later one replaces this one and everything under it`;

function file(name: string, text: string): string {
  const path = join(dir, name);
  writeFileSync(path, text);
  return path;
}

/** `wssgen render -c FILE` with a 512 MB heap; stdin from `input`. */
async function render(config: string, env: Record<string, string> = {}, input = "") {
  const result = await execa(
    process.execPath,
    ["--max-old-space-size=512", BIN, "render", "--nginx-version", "1.22", "-c", config],
    {
      reject: false,
      input,
      env: { NO_COLOR: "1", CI: "true", ...env },
      timeout: 120_000,
    },
  );
  const lines = String(result.stderr).split("\n").filter(Boolean);
  return {
    exitCode: result.exitCode,
    signal: result.signal,
    stdout: String(result.stdout),
    stderr: String(result.stderr),
    lines,
  };
}

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), "wssgen-reading-"));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe("a config full of mistakes: bounded memory and time, the first problems listed", () => {
  const app = 'upstreams:\n  app: { servers: ["127.0.0.1:1"] }\n';
  it("14 kB of aliases that expand to 3.8 million duplicate domains (under the values limit)", async () => {
    const domains = Array.from({ length: 1900 }, () => "a_b").join(",");
    const sites = Array.from({ length: 1990 }, () => "*s").join(",");
    const config = file(
      "alias-domains.yaml",
      `x-d: &d [${domains}]\nx-s: &s {domains: *d, routes: [{path: /ws, upstream: app}]}\n${app}sites: [${sites}]\n`,
    );
    const result = await render(config);
    expect(result.signal).toBeUndefined();
    expect(result.exitCode).toBe(1);
    expect(result.lines).toHaveLength(101);
    expect(result.lines[0]).toMatch(
      /^.*alias-domains\.yaml:\d+:\d+ sites\[0\]\.domains\[1\]: "a_b" on "80" is already served by/,
    );
    expect(result.lines[100]).toMatch(
      /alias-domains\.yaml:1:1 wssgen stopped after 100 problems; fix these and run it again to see the rest$/,
    );
  });
  it("300,000 invalid values in one list: one line for the site, not a stack overflow in the validator", async () => {
    const config = file(
      "bad-domains.yaml",
      `${app}sites:\n  - domains: [${"a!b,".repeat(300_000)}a]\n    routes: [{path: /ws, upstream: app}]\n`,
    );
    const result = await render(config);
    expect(result.signal).toBeUndefined();
    expect(result.exitCode).toBe(1);
    expect(result.lines).toEqual([
      `${config}:4:5 sites[0]: holds more than 50,000 values (an alias counts as every value it repeats); a site or an upstream needs far fewer, so check for runaway lists or aliases, or raise the limit with WSSGEN_MAX_ENTRY_VALUES=100000`,
    ]);
  });
  it("raised, the same site is validated and the first 100 problems are listed", async () => {
    const config = file(
      "bad-domains-raised.yaml",
      `${app}sites:\n  - domains: [${"a!b,".repeat(300_000)}a]\n    routes: [{path: /ws, upstream: app}]\n`,
    );
    const result = await render(config, { WSSGEN_MAX_ENTRY_VALUES: "400000" });
    expect(result.signal).toBeUndefined();
    expect(result.exitCode).toBe(1);
    expect(result.lines).toHaveLength(101);
    expect(result.lines[0]).toMatch(/sites\[0\]\.domains\[0\]: "a!b" is not a valid domain/);
    expect(result.lines[100]).toMatch(/wssgen stopped after 100 problems/);
  });
  it("360,000 unset ${VAR} references through aliases: the first 100, and a note", async () => {
    const config = file(
      "alias-unset.yaml",
      `x-h: &h { X-A: "\${UNSET_A}" }\nx-r: &r [${Array.from({ length: 600 }, () => "{path: /ws, upstream: app, headers: *h}").join(",")}]\n${app}sites: [${Array.from({ length: 600 }, () => "{domains: [a.example.com], routes: *r}").join(",")}]\n`,
    );
    const result = await render(config);
    expect(result.signal).toBeUndefined();
    expect(result.exitCode).toBe(1);
    expect(result.lines).toHaveLength(101);
    expect(result.lines[0]).toMatch(/routes\[0\]\.headers\.X-A: environment variable UNSET_A is not set/);
    expect(result.lines[100]).toMatch(/wssgen stopped after 100 problems/);
  });
  it("the entry limit is per site and per upstream: many small ones are never counted together", async () => {
    const sites = Array.from({ length: 60 }, (_, i) => `{domains: [s${i}.example.com], routes: [{path: /ws, upstream: app}]}`);
    const upstreams = Array.from({ length: 60 }, (_, i) => `  u${i}: { servers: ["127.0.0.1:${i + 1}"] }`).join("\n");
    const config = file("many-small.yaml", `${app}${upstreams}\nsites: [${sites.join(",")}]\n`);
    const result = await render(config, { WSSGEN_MAX_ENTRY_VALUES: "20" });
    expect(result.stderr).not.toContain("holds more than");
    expect(result.exitCode).toBe(0);
    const over = await render(config, { WSSGEN_MAX_ENTRY_VALUES: "5" });
    expect(over.exitCode).toBe(1);
    expect(over.lines[0]).toMatch(
      /many-small\.yaml:\d+:\d+ upstreams: holds more than 5 values|sites\[0\]: holds more than 5 values/,
    );
  });
  it("a few problems are all listed, with no note", async () => {
    const config = file("three.yaml", `${app}sites:\n  - domains: [a!b, c!d, e!f]\n    routes: [{path: /ws, upstream: app}]\n`);
    const result = await render(config);
    expect(result.lines).toHaveLength(3);
    expect(result.stderr).not.toContain("stopped after");
  });
});

describe("hostile files: refused early, in bounded memory, with one line that says the limit", () => {
  it("a 10 MB flow list of 5 million items", async () => {
    const config = file("flow-list.yaml", `${HEAD}x: [${"1,".repeat(5_000_000)}1]\n`);
    const result = await render(config);
    expect(result.signal).toBeUndefined();
    expect(result.exitCode).toBe(1);
    expect(result.lines).toHaveLength(1);
    expect(result.lines[0]).toMatch(
      /^.*flow-list\.yaml:3:\d+ the config holds more than 4,000,000 values .*WSSGEN_MAX_CONFIG_VALUES=8000000$/,
    );
    expect(result.stdout).toBe("");
  }, 180_000);

  it("3 million aliases of a scalar, with a finding: every problem found, memory bounded", async () => {
    const config = file("aliases.yaml", `a: &a 1\n${HEAD}x: [${"*a,".repeat(3_000_000)}*a]\n`);
    const result = await render(config);
    expect(result.signal).toBeUndefined();
    expect(result.exitCode).toBe(1);
    expect(result.lines).toEqual([
      expect.stringMatching(new RegExp(`^${config}:1:1 a: unknown key "a"`)),
      expect.stringMatching(new RegExp(`^${config}:4:1 x: unknown key "x"`)),
    ]);
  }, 180_000);

  it("aliases of a mapping, a million times over: each alias counts as what it repeats", async () => {
    const config = file("alias-mappings.yaml", `${HEAD}m: &m { a: 1, b: 2, c: 3, d: 4 }\nx: [${"*m,".repeat(1_000_000)}*m]\n`);
    const result = await render(config);
    expect(result.exitCode).toBe(1);
    expect(result.lines).toHaveLength(1);
    expect(result.lines[0]).toMatch(/alias-mappings\.yaml:4:\d+ the config holds more than 4,000,000 values \(an alias counts/);
  }, 180_000);

  it("a billion laughs", async () => {
    let text = "l0: &l0 [x, x, x, x, x, x, x, x, x, x]\n";
    for (let i = 1; i < 10; i++)
      text += `l${i}: &l${i} [${Array(10)
        .fill(`*l${i - 1}`)
        .join(", ")}]\n`;
    const result = await render(file("laughs.yaml", text + HEAD));
    expect(result.exitCode).toBe(1);
    expect(result.lines).toHaveLength(1);
    expect(result.lines[0]).toMatch(/laughs\.yaml:7:\d+ the config holds more than 4,000,000 values/);
  });

  it("an alias inside the value it names (a cycle)", async () => {
    const result = await render(file("cycle.yaml", `${HEAD}x: &x [1, *x]\n`));
    expect(result.exitCode).toBe(1);
    expect(result.lines).toEqual([expect.stringMatching(/cycle\.yaml:3:11 an alias \(\*name\) inside the very value it names/)]);
  });

  it.each([
    ["deep-flow.yaml", `${HEAD}x: ${"[".repeat(100_000)}${"]".repeat(100_000)}\n`, "3:67"], // the [ at level 65
    ["deep-block.yaml", `${HEAD}x:\n${"- ".repeat(100_000)}1\n`, "4:127"],
    ["deep-mapping.yaml", `${HEAD}x: ${"{a: ".repeat(100_000)}1${"}".repeat(100_000)}\n`, "3:253"], // the key at level 65
    ["deep.json", `{"upstreams":{},"x":${"[".repeat(100_000)}${"]".repeat(100_000)}}`, "1:84"],
  ])("100,000 levels of nesting: %s", async (name, text, where) => {
    const result = await render(file(name, text));
    expect(result.exitCode).toBe(1);
    expect(result.lines).toEqual([
      `${join(dir, name)}:${where} mappings and lists are nested more than 64 levels deep here; a wssgen config needs at most 10, so check the brackets and indentation, or raise the limit with WSSGEN_MAX_CONFIG_DEPTH=128`,
    ]);
    expect(result.stderr).not.toMatch(/call stack/);
  });

  it("each limit can be raised with the variable its message names", async () => {
    const config = file("deep-100.yaml", `${HEAD}x: ${"[".repeat(100)}${"]".repeat(100)}\n`);
    expect((await render(config)).lines[0]).toMatch(/nested more than 64 levels/);
    expect((await render(config, { WSSGEN_MAX_CONFIG_DEPTH: "128" })).lines).toEqual([`${config}:3:1 x: unknown key "x"`]);
    const small = file("small.yaml", `${HEAD}x: [1, 2, 3]\n`);
    expect((await render(small, { WSSGEN_MAX_CONFIG_VALUES: "10" })).lines[0]).toMatch(
      /more than 10 values .* WSSGEN_MAX_CONFIG_VALUES=20$/,
    );
  });

  it("a file over the size limit is refused before it is read, from disk and from stdin", async () => {
    const text = `${HEAD}${"# padding\n".repeat(200)}`;
    const config = file("big.yaml", text);
    const result = await render(config, { WSSGEN_MAX_CONFIG_BYTES: "1024" });
    expect(result.exitCode).toBe(1);
    expect(result.lines).toEqual([
      `${config}:1:1 the config file is ${text.length.toLocaleString("en-US")} bytes, over the 1,024 bytes limit; split it, or raise the limit with WSSGEN_MAX_CONFIG_BYTES=2048`,
    ]);
    const piped = await render("-", { WSSGEN_MAX_CONFIG_BYTES: "1024" }, `${HEAD}${"# padding\n".repeat(200)}`);
    expect(piped.exitCode).toBe(1);
    expect(piped.lines).toEqual([
      "<stdin>:1:1 the config file is larger than the 1,024 bytes limit; split it, or raise the limit with WSSGEN_MAX_CONFIG_BYTES=2048",
    ]);
  });

  it("a limit that is not a number is a usage error (exit 2)", async () => {
    const result = await render(file("ok.yaml", HEAD), { WSSGEN_MAX_CONFIG_DEPTH: "lots" });
    expect(result.exitCode).toBe(2);
    expect(result.lines).toEqual([
      expect.stringMatching(/WSSGEN_MAX_CONFIG_DEPTH must be a whole number of at least 1 \(unset it for the default, 64\)$/),
    ]);
  });

  it("100,000 sites are well inside every default limit", async () => {
    const { generateConfig } = await import("../../scripts/bench/generate.mjs");
    const text = generateConfig(100_000, "yaml");
    const { parseSource } = await import("../../src/config/source.js");
    const { LIMITS } = await import("../../src/config/limits.js");
    expect(Buffer.byteLength(text)).toBeLessThan(LIMITS.bytes.default / 1.5);
    // values: under half the limit
    const source = parseSource("wssgen.yaml", text, {
      bytes: LIMITS.bytes.default,
      depth: LIMITS.depth.default,
      values: LIMITS.values.default / 2,
      entry: LIMITS.entry.default,
    });
    expect((source.data as { sites: unknown[] }).sites).toHaveLength(100_000);
  }, 120_000);
});

describe("file formats: .json is strict JSON, everything else YAML 1.2", () => {
  it.each([
    [
      "a trailing comma",
      '{\n  "upstreams": {},\n  "sites": [],\n}\n',
      "4:1",
      "a comma before }: JSON allows no trailing comma; remove it",
    ],
    ["a trailing comma in a list", '{"sites": [1, 2, ]}', "1:18", "a comma before ]: JSON allows no trailing comma; remove it"],
    [
      "a comment",
      '{\n  // the sites\n  "sites": []\n}',
      "2:3",
      "a comment: JSON has none; remove it, or write the config as YAML (wssgen.yaml), which has comments",
    ],
    ["a single-quoted string", "{'sites': []}", "1:2", "a single-quoted string: JSON strings use double quotes"],
    [
      "an unquoted key",
      "{sites: []}",
      "1:2",
      "a key in double quotes should be here (strings and keys in JSON are double-quoted)",
    ],
    ["a missing comma", '{"a": 1\n "b": 2}', "2:2", "a comma or } should be here (strings and keys in JSON are double-quoted)"],
    [
      "a cut-off file",
      '{"a": [1, 2',
      "1:12",
      "the file ends where a comma or ] should be; it was cut off, or a } or ] is missing",
    ],
    [
      "a line break in a string",
      '{"a": "x\ny"}',
      "1:9",
      "a control character (a line break or tab) inside a string: write it as \\n or \\t",
    ],
    [
      "two values",
      "{} {}",
      "1:4",
      "the end of the file (one value, then nothing) should be here (strings and keys in JSON are double-quoted)",
    ],
  ])("%s in a .json file is an error at its place", async (_name, text, where, message) => {
    const config = file("c.json", text);
    const result = await render(config);
    expect(result.exitCode).toBe(1);
    expect(result.lines).toEqual([`${config}:${where} ${message}`]);
  });

  it("a repeated key in JSON keeps its last value, with and without findings", async () => {
    const duplicated = (extra: string) =>
      `{"upstreams": {"chat": {"servers": ["10.0.0.5:8080"]}}, "sites": [{"domains": ["a.example.com"], "routes": [{"path": "/ws", "upstream": "nope", "upstream": "chat"${extra}}]}]}`;
    const clean = await render(file("dup.json", duplicated(', "origins": ["https://a.example.com"]')));
    expect(clean.exitCode).toBe(0);
    expect(clean.stdout).toMatch(/upstream/);
    // no origins: a lint warning, whose position needs the file's layout; the reading stays the same
    const config = file("dup-finding.json", duplicated(""));
    const withFinding = await render(config);
    expect(withFinding.exitCode).toBe(0);
    expect(withFinding.stdout).toMatch(/proxy_pass/);
    expect(withFinding.lines).toEqual([
      expect.stringMatching(
        new RegExp(`^${config}:1:${duplicated("").indexOf('{"path"') + 1} sites\\[0\\]\\.routes\\[0\\]: warning: `),
      ),
    ]);
    // an error at the repeated key points at the occurrence that counts, the last one
    const wrongText = duplicated("").replace('"upstream": "chat"', '"upstream": "chta"');
    const wrong = file("dup-error.json", wrongText);
    expect((await render(wrong)).lines).toEqual([
      `${wrong}:1:${wrongText.indexOf('"upstream": "nope"') + 1} sites[0].routes[0].upstream: ${AGAIN(1)}`,
      `${wrong}:1:${wrongText.indexOf('"chta"') + 1} sites[0].routes[0].upstream: unknown upstream "chta" (did you mean "chat"?)`,
    ]);
  });

  it("a repeated key in JSON that makes something look missing: the error says which earlier key was replaced", async () => {
    const text = [
      "{",
      '  "upstreams": { "app": { "servers": ["127.0.0.1:8080"] } },',
      '  "sites": [{ "domains": ["a.example"], "routes": [{ "path": "/ws", "upstream": "app", "origins": ["https://a.example"] }] }],',
      '  "upstreams": { "other": { "servers": ["127.0.0.1:8081"] } }',
      "}",
    ].join("\n");
    const config = file("dup-upstreams.json", text);
    const result = await render(config);
    expect(result.exitCode).toBe(1);
    expect(result.lines).toEqual([
      `${config}:2:3 upstreams: ${AGAIN(4)}`,
      expect.stringMatching(new RegExp(`^${config}:3:\\d+ sites\\[0\\]\\.routes\\[0\\]\\.upstream: unknown upstream "app"`)),
    ]);
    // nested too, and a valid config with a repeated key still loads (the documented last-one-wins)
    const nested = file(
      "dup-nested.json",
      text.replace('"other"', '"app"').replace('"servers": ["127.0.0.1:8081"]', '"servers": [], "servers": ["127.0.0.1:8081"]'),
    );
    const ok = await render(nested);
    expect(ok.exitCode, ok.stderr).toBe(0);
    expect(ok.stderr).toBe("");
    const broken = file(
      "dup-nested-bad.json",
      text.replace('"other": { "servers": ["127.0.0.1:8081"] }', '"app": { "servers": ["x"], "servers": [] }'),
    );
    const bad = await render(broken);
    expect(bad.exitCode).toBe(1);
    expect(bad.lines[0]).toBe(`${broken}:2:3 upstreams: ${AGAIN(4)}`);
    expect(bad.stderr).toContain(`upstreams.app.servers: ${AGAIN(4)}`);
  });

  it("a .yaml file written in JSON syntax is YAML: a repeated key is an error, with and without findings", async () => {
    const text = JSON.stringify(JSON_CONFIG).replace('"upstream":"chat"', '"upstream":"nope","upstream":"chat"');
    const result = await render(file("json-syntax.yaml", text));
    expect(result.exitCode).toBe(1);
    expect(result.lines).toEqual([expect.stringMatching(/json-syntax\.yaml:1:\d+ this key appears twice in the same mapping/)]);
  });

  it("a UTF-8 byte order mark is accepted and moves no column, in YAML and in JSON", async () => {
    const yaml = `nope: 1\n${HEAD}`;
    const plain = await render(file("plain.yaml", yaml));
    const marked = await render(file("marked.yaml", `\uFEFF${yaml}`));
    expect(marked.lines).toEqual(plain.lines.map((line) => line.replace("plain.yaml", "marked.yaml")));
    expect(marked.lines[0]).toMatch(/marked\.yaml:1:1 nope: unknown key "nope"/);
    const json = await render(file("marked.json", `\uFEFF${JSON.stringify({ ...JSON_CONFIG, nope: 1 })}`));
    expect(json.lines).toEqual([expect.stringMatching(/marked\.json:1:\d+ nope: unknown key "nope"/)]);
    const valid = await render(file("valid-marked.json", `\uFEFF${JSON.stringify(JSON_CONFIG)}`));
    expect(valid.exitCode).toBe(0);
  });
});

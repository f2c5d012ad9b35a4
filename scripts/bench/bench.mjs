#!/usr/bin/env node
// `npm run bench`: wssgen's speed as ratios against baselines measured in the same run, on this
// machine. Medians of several runs; peak RSS from GNU time when it is installed. Writes a Markdown
// report to stdout (docs/benchmarks.md keeps the latest), ending with issue 13's targets, each as a
// number from this run. `--quick` leaves out the 100,000-site configs (and so the targets that need them).
import { execFileSync, spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { cpus, tmpdir, totalmem } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { generateConfig } from "./generate.mjs";

const root = join(dirname(fileURLToPath(import.meta.url)), "../..");
const bin = join(root, "bin/wssgen.js");
const quick = process.argv.includes("--quick");
/** `--against REF`: also render with REF's build (a detached worktree, built here), runs interleaved */
const againstAt = process.argv.indexOf("--against");
const against = againstAt > 0 ? process.argv[againstAt + 1] : undefined;
const work = mkdtempSync(join(tmpdir(), "wssgen-bench-"));
const gnuTime = existsSync("/usr/bin/time") ? "/usr/bin/time" : undefined;

/** Runs argv `runs` times; median wall time in ms, and the largest peak RSS in MB (GNU time). */
function measure(argv, { runs = 7, cwd = work, okCodes = [0], env = process.env } = {}) {
  const times = [];
  let rss;
  for (let i = 0; i < runs; i++) {
    const full = gnuTime ? [gnuTime, "-f", "%M", ...argv] : argv;
    const start = process.hrtime.bigint();
    const r = spawnSync(full[0], full.slice(1), {
      cwd,
      env,
      encoding: "utf8",
      maxBuffer: 1 << 30,
      stdio: ["ignore", "ignore", "pipe"],
    });
    times.push(Number(process.hrtime.bigint() - start) / 1e6);
    if (!okCodes.includes(r.status)) throw new Error(`${argv.join(" ")} exited ${r.status}: ${r.stderr.slice(-500)}`);
    const kb = gnuTime ? Number(r.stderr.trim().split("\n").pop()) : NaN;
    if (Number.isFinite(kb)) rss = Math.max(rss ?? 0, kb / 1024);
  }
  times.sort((a, b) => a - b);
  return { ms: times[Math.floor(times.length / 2)], rss };
}

const fmt = (ms) => (ms >= 1000 ? `${(ms / 1000).toFixed(2)} s` : `${ms.toFixed(1)} ms`);
const ratio = (a, b) => `${(a / b).toFixed(2)}×`;
const mb = (v) => (v === undefined ? "n/a" : `${Math.round(v)} MB`);
const lines = [];
const say = (line = "") => {
  lines.push(line);
  process.stderr.write(`${line}\n`);
};

// certificates for nginx -t (openssl), and the nginx binary that is installed
const certs = join(work, "certs");
execFileSync("mkdir", ["-p", certs]);
execFileSync(
  "openssl",
  [
    "req",
    "-x509",
    "-newkey",
    "ec",
    "-pkeyopt",
    "ec_paramgen_curve:prime256v1",
    "-nodes",
    "-keyout",
    join(certs, "key.pem"),
    "-out",
    join(certs, "cert.pem"),
    "-days",
    "30",
    "-subj",
    "/CN=bench",
    "-addext",
    "subjectAltName=DNS:*.realtime-collaboration.example-hosting-provider.com",
  ],
  { stdio: "ignore" },
);
const nginxVersion = spawnSync("nginx", ["-v"], { encoding: "utf8" }).stderr.trim();

say("# wssgen benchmarks");
say();
say(
  `Run on ${new Date().toISOString().slice(0, 10)}: ${cpus().length} × ${cpus()[0]?.model ?? "?"}, ${Math.round(totalmem() / 2 ** 30)} GiB, Node ${process.version}, ${nginxVersion}. Median of several runs${gnuTime ? "; peak RSS from GNU time" : ""}. Command: \`npm run bench\`.`,
);
say();

/** `[node, bin, ...]`: wssgen launched by `node bin/wssgen.js`, without the bin's shebang flags */
const viaNode = (argv) => [process.execPath, ...argv];
/** The worse (larger) of two measurements, and which launcher it came from. */
const worse = (a, b, labelA, labelB) => (a.value >= b.value ? { ...a, by: labelA } : { ...b, by: labelB });
/** Issue 13's target rows, filled in as the sections below measure them: what, measured, target, met. */
const targets = [];
const target = (what, measured, goal, met) => targets.push([what, measured, goal, met === undefined ? "—" : met ? "yes" : "no"]);
const skipped = "not measured (`--quick`)";

// 1. start-up
execFileSync(process.execPath, [bin, "init", "--yes", "-o", "wssgen.yaml"], { cwd: work, stdio: "ignore" });
execFileSync(process.execPath, [bin, "render"], { cwd: work, stdio: "ignore" }); // fills the nginx -V cache, as any earlier run would
const node0 = measure([process.execPath, "-e", "0"], { runs: 15 });
const version = measure([bin, "--version"], { runs: 15 });
const renderInit = measure([bin, "render"], { runs: 15 });
const renderInitNode = measure(viaNode([bin, "render"]), { runs: 15 });
// the first run after an install or upgrade: no code cache yet (src/launch/compile-cache.ts)
const renderInitCold = measure([bin, "render"], { runs: 15, env: { ...process.env, WSSGEN_NO_COMPILE_CACHE: "1" } });
say("## Start-up");
say();
say("| command | time | × `node -e 0` | target |");
say("| --- | --- | --- | --- |");
say(`| \`node -e 0\` | ${fmt(node0.ms)} | 1.00× | baseline |`);
say(`| \`wssgen --version\` | ${fmt(version.ms)} | ${ratio(version.ms, node0.ms)} | ≤ 1.3× |`);
say(`| \`wssgen render\` (the \`init\` example, 1 site) | ${fmt(renderInit.ms)} | ${ratio(renderInit.ms, node0.ms)} | ≤ 1.6× |`);
say(`| \`node bin/wssgen.js render\` (the same) | ${fmt(renderInitNode.ms)} | ${ratio(renderInitNode.ms, node0.ms)} | ≤ 1.6× |`);
say(
  `| \`wssgen render\` without the code cache (\`WSSGEN_NO_COMPILE_CACHE=1\`: the first run after an install) | ${fmt(renderInitCold.ms)} | ${ratio(renderInitCold.ms, node0.ms)} | — |`,
);
say();
{
  const w = worse({ value: renderInit.ms }, { value: renderInitNode.ms }, "`wssgen`", "`node bin/wssgen.js`");
  target(
    "`render` start-up (1 site) ÷ `node -e 0`",
    `${ratio(w.value, node0.ms)} (${w.by}, the slower launcher)`,
    "≤ 1.6×",
    w.value / node0.ms <= 1.6,
  );
}

// 2. render at scale, with and without lint findings, and nginx -t on the same output
const sizes = quick ? [1000, 10000] : [1000, 10000, 100000];
const listen = { tls: "127.0.0.1:18443", plain: "127.0.0.1:18080" };
const generated = { certificate: join(certs, "cert.pem"), key: join(certs, "key.pem"), listen };
/** The configs each size is rendered from: the same sites as YAML and as JSON, and YAML with findings. */
const variants = [
  { key: "yaml", format: "yaml", findings: false, from: "YAML", suffix: "" },
  { key: "json", format: "json", findings: false, from: "JSON", suffix: "" },
  { key: "yamlFindings", format: "yaml", findings: true, from: "YAML, with findings", suffix: "-findings" },
];
/** nginx -t of an output file, included from a minimal main config (as `check`'s sandbox does). */
function nginxTest(out, name, runs) {
  const main = join(work, `main-${name}.conf`);
  writeFileSync(
    main,
    `pid ${work}/nginx-${name}.pid;\nerror_log stderr;\nevents {}\nhttp {\n    access_log off;\n    include ${out};\n}\n`,
  );
  return measure(["nginx", "-t", "-q", "-c", main, "-p", work], { runs });
}
const results = {};
say("## Rendering many sites");
say();
say(
  "The configs with findings have, every 10th site, a WebSocket route without `origins` and `maxConnectionsPerIp` (`origin-missing`, `max-connections-unset`), and every other upstream with one server and no keepalive (`upstream-single-server`); the others have none. `nginx -t` of the output with findings is measured up to 10,000 sites.",
);
say();
say("| sites | from | render | peak RSS | `nginx -t` of the output | render ÷ `nginx -t` |");
say("| --- | --- | --- | --- | --- | --- |");
for (const n of sizes) {
  for (const v of variants) {
    const file = join(work, `sites-${n}${v.suffix}.${v.format}`);
    writeFileSync(file, generateConfig(n, v.format, { ...generated, findings: v.findings }));
    const out = join(work, `out-${n}${v.suffix}.conf`);
    const runs = n >= 100000 ? 3 : 5;
    const render = measure([bin, "render", "-c", file, "-o", out, "--nginx-version", "1.22"], { runs });
    const testKey = v.findings ? "testFindings" : "test";
    let test = results[n]?.[testKey];
    if (!test && (!v.findings || n <= 10000)) test = nginxTest(out, `${n}${v.suffix}`, n >= 100000 ? 1 : 3);
    results[n] = { ...results[n], [v.key]: render, [testKey]: test };
    say(
      `| ${n.toLocaleString("en")} | ${v.from} | ${fmt(render.ms)} | ${mb(render.rss)} | ${test ? fmt(test.ms) : "—"} | ${test ? ratio(render.ms, test.ms) : "—"} |`,
    );
  }
}
say();
if (results[100000]) {
  say(
    `Linearity: render of 100,000 ÷ 10,000 sites = ${ratio(results[100000].yaml.ms, results[10000].yaml.ms)} from YAML, ${ratio(results[100000].json.ms, results[10000].json.ms)} from JSON, ${ratio(results[100000].yamlFindings.ms, results[10000].yamlFindings.ms)} from YAML with findings (10× is linear).`,
  );
  say();
}
{
  const r = results[10000];
  target(
    "10k sites with findings ÷ without (YAML)",
    ratio(r.yamlFindings.ms, r.yaml.ms),
    "≤ 1.15×",
    r.yamlFindings.ms / r.yaml.ms <= 1.15,
  );
  target(
    "10k sites from YAML with findings ÷ `nginx -t` of its output",
    ratio(r.yamlFindings.ms, r.testFindings.ms),
    "≤ 0.35×",
    r.yamlFindings.ms / r.testFindings.ms <= 0.35,
  );
}
for (const [key, label] of [
  ["yamlFindings", "with findings"],
  ["yaml", "without findings"],
]) {
  const big = results[100000]?.[key];
  target(
    `100k ÷ 10k time, ${label} (YAML)`,
    big ? ratio(big.ms, results[10000][key].ms) : skipped,
    "≤ 11×",
    big ? big.ms / results[10000][key].ms <= 11 : undefined,
  );
}

// 3. peak memory at 100,000 sites, by launcher: the bin (its shebang's flags) and `node bin/wssgen.js`
if (results[100000]) {
  say("## Peak memory at 100,000 sites, by launcher");
  say();
  say("| launcher | from | render | peak RSS |");
  say("| --- | --- | --- | --- |");
  const peaks = [];
  for (const v of variants) {
    const r = results[100000][v.key];
    peaks.push({ value: r.rss ?? NaN, by: `\`wssgen\`, ${v.from}` });
    say(`| \`wssgen\` (the bin) | ${v.from} | ${fmt(r.ms)} | ${mb(r.rss)} |`);
  }
  for (const v of variants.filter((x) => x.format === "yaml")) {
    const file = join(work, `sites-100000${v.suffix}.yaml`);
    const r = measure(viaNode([bin, "render", "-c", file, "-o", join(work, "out-node.conf"), "--nginx-version", "1.22"]), {
      runs: 1,
    });
    peaks.push({ value: r.rss ?? NaN, by: `\`node bin/wssgen.js\`, ${v.from}` });
    say(`| \`node bin/wssgen.js\` | ${v.from} | ${fmt(r.ms)} | ${mb(r.rss)} |`);
  }
  say();
  // A config over 8 MB is rendered in a child with memory flags (src/launch/): GNU time reports the
  // larger of the two processes, so the parent waiting for the child (node with the launcher loaded,
  // as for `--version`) is measured on its own and added.
  const parent = measure([bin, "--version"], { runs: 5 });
  say(
    `Both launchers render a config this large in a child \`node\` with memory flags; the parent waiting for it holds ${mb(parent.rss)} (the RSS of \`wssgen --version\`), added to the peak below.`,
  );
  say();
  const top = peaks.reduce((a, b) => (b.value > a.value ? b : a));
  const total = top.value + (parent.rss ?? NaN);
  target(
    "peak RSS at 100k, however launched (child + waiting parent)",
    gnuTime ? `${mb(total)} (${top.by}: ${mb(top.value)} + ${mb(parent.rss)})` : "n/a (no GNU time)",
    "≤ 700 MB",
    gnuTime ? total <= 700 : undefined,
  );
} else target("peak RSS at 100k, however launched", skipped, "≤ 700 MB", undefined);

// 4. what check adds to a bare nginx -t, at 1 and at 10,000 sites
say("## `wssgen check` against a bare `nginx -t`");
say();
say(
  "`wssgen check --nginx require` (schema, lint, render, sandbox, `nginx -t`) in a directory with the config, against `nginx -t` of the rendered output (no findings).",
);
say();
say("| sites | bare `nginx -t` | `wssgen check` | check − `nginx -t` | check ÷ `nginx -t` |");
say("| --- | --- | --- | --- | --- |");
const checks = {};
for (const n of [1, 10000]) {
  const checkDir = join(work, `check-${n}`);
  execFileSync("mkdir", ["-p", checkDir]);
  writeFileSync(join(checkDir, "wssgen.yaml"), generateConfig(n, "yaml", generated));
  execFileSync(process.execPath, [bin, "render", "-o", "out.conf"], { cwd: checkDir, stdio: "ignore" });
  writeFileSync(
    join(checkDir, "main.conf"),
    `pid ${checkDir}/nginx.pid;\nerror_log stderr;\nevents {}\nhttp {\n    access_log off;\n    include ${checkDir}/out.conf;\n}\n`,
  );
  const runs = n === 1 ? 11 : quick ? 3 : 5;
  const bare = measure(["nginx", "-t", "-q", "-c", join(checkDir, "main.conf"), "-p", checkDir], { runs, cwd: checkDir });
  const check = measure([bin, "check", "--nginx", "require"], { runs, cwd: checkDir });
  checks[n] = { bare, check };
  say(
    `| ${n.toLocaleString("en")} | ${fmt(bare.ms)} | ${fmt(check.ms)} | +${fmt(check.ms - bare.ms)} | ${ratio(check.ms, bare.ms)} |`,
  );
}
say();
target(
  "`check` at 1 site − a bare `nginx -t` of its output",
  `+${fmt(checks[1].check.ms - checks[1].bare.ms)}`,
  "≤ +100 ms",
  checks[1].check.ms - checks[1].bare.ms <= 100,
);
target(
  "`check` at 10k ÷ a bare `nginx -t` of its output",
  ratio(checks[10000].check.ms, checks[10000].bare.ms),
  "≤ 1.3×",
  checks[10000].check.ms / checks[10000].bare.ms <= 1.3,
);

say("## Targets (issue 13)");
say();
say(
  `Every number from this run${quick ? " (`--quick`: no 100,000-site configs)" : ""}; times are medians, ratios are against baselines measured in it.`,
);
say();
say("| what | measured | target | met? |");
say("| --- | --- | --- | --- |");
for (const row of targets) say(`| ${row.join(" | ")} |`);
say();

// 5. this tree against another commit, measured in turns so that load on the machine hits both alike
if (against) {
  const commit = execFileSync("git", ["rev-parse", "--short", `${against}^{commit}`], { cwd: root, encoding: "utf8" }).trim();
  const tree = join(work, "against");
  execFileSync("git", ["worktree", "add", "--detach", "-q", tree, commit], { cwd: root, stdio: "ignore" });
  try {
    execFileSync("ln", ["-s", join(root, "node_modules"), join(tree, "node_modules")]);
    execFileSync("npm", ["run", "--silent", "build"], { cwd: tree, stdio: "ignore" });
    const otherBin = join(tree, "bin/wssgen.js");
    say(`## This tree against ${commit}`);
    say();
    say(`| what | this tree | ${commit} | this ÷ ${commit} |`);
    say("| --- | --- | --- | --- |");
    const cases = [
      [
        "`wssgen render` (the `init` example)",
        (b) => [b, "render", "-c", join(work, "wssgen.yaml"), "-o", join(work, "cmp.conf")],
        15,
      ],
      ...[1000, 10000].map((n) => [
        `render ${n.toLocaleString("en")} sites from YAML`,
        (b) => [b, "render", "-c", join(work, `sites-${n}.yaml`), "-o", join(work, "cmp.conf"), "--nginx-version", "1.22"],
        7,
      ]),
    ];
    for (const [label, argv, runs] of cases) {
      const mine = [];
      const theirs = [];
      for (let i = 0; i < runs; i++) {
        mine.push(measure(argv(bin), { runs: 1 }).ms);
        theirs.push(measure(argv(otherBin), { runs: 1 }).ms);
      }
      const median = (list) => list.sort((a, b) => a - b)[Math.floor(list.length / 2)];
      const [a, b] = [median(mine), median(theirs)];
      say(`| ${label} | ${fmt(a)} | ${fmt(b)} | ${ratio(a, b)} |`);
    }
    say();
  } finally {
    execFileSync("git", ["worktree", "remove", "--force", tree], { cwd: root, stdio: "ignore" });
  }
}

rmSync(work, { recursive: true, force: true });
process.stdout.write(`${lines.join("\n")}\n`);

#!/usr/bin/env node
// `npm run bench`: wssgen's speed as ratios against baselines measured in the same run, on this
// machine. Medians of several runs; peak RSS from GNU time when it is installed. Writes a Markdown
// report to stdout (docs/benchmarks.md keeps the latest).
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
function measure(argv, { runs = 7, cwd = work, okCodes = [0] } = {}) {
  const times = [];
  let rss;
  for (let i = 0; i < runs; i++) {
    const full = gnuTime ? [gnuTime, "-f", "%M", ...argv] : argv;
    const start = process.hrtime.bigint();
    const r = spawnSync(full[0], full.slice(1), {
      cwd,
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

// 1. start-up
execFileSync(process.execPath, [bin, "init", "--yes", "-o", "wssgen.yaml"], { cwd: work, stdio: "ignore" });
execFileSync(process.execPath, [bin, "render"], { cwd: work, stdio: "ignore" }); // fills the nginx -V cache, as any earlier run would
const node0 = measure([process.execPath, "-e", "0"], { runs: 15 });
const version = measure([bin, "--version"], { runs: 15 });
const renderInit = measure([bin, "render"], { runs: 15 });
say("## Start-up");
say();
say("| command | time | × `node -e 0` | target |");
say("| --- | --- | --- | --- |");
say(`| \`node -e 0\` | ${fmt(node0.ms)} | 1.00× | baseline |`);
say(`| \`wssgen --version\` | ${fmt(version.ms)} | ${ratio(version.ms, node0.ms)} | ≤ 1.3× |`);
say(`| \`wssgen render\` (the \`init\` example) | ${fmt(renderInit.ms)} | ${ratio(renderInit.ms, node0.ms)} | ≤ 1.3× |`);
say();

// 2. render at scale, and nginx -t on the same output
const sizes = quick ? [1000, 10000] : [1000, 10000, 100000];
const listen = { tls: "127.0.0.1:18443", plain: "127.0.0.1:18080" };
const results = {};
say("## Rendering many sites");
say();
say("| sites | from | render | peak RSS | `nginx -t` of the output | render ÷ `nginx -t` |");
say("| --- | --- | --- | --- | --- | --- |");
for (const n of sizes) {
  for (const format of ["yaml", "json"]) {
    const file = join(work, `sites-${n}.${format}`);
    writeFileSync(file, generateConfig(n, format, { certificate: join(certs, "cert.pem"), key: join(certs, "key.pem"), listen }));
    const out = join(work, `out-${n}.conf`);
    const runs = n >= 100000 ? 3 : 5;
    const render = measure([bin, "render", "-c", file, "-o", out, "--nginx-version", "1.22"], { runs });
    let test = results[n]?.test;
    if (!test) {
      const main = join(work, `main-${n}.conf`);
      writeFileSync(
        main,
        `pid ${work}/nginx-${n}.pid;\nerror_log stderr;\nevents {}\nhttp {\n    access_log off;\n    include ${out};\n}\n`,
      );
      test = measure(["nginx", "-t", "-q", "-c", main, "-p", work], { runs: n >= 100000 ? 1 : 3 });
    }
    results[n] = { ...results[n], [format]: render, test };
    say(
      `| ${n.toLocaleString("en")} | ${format.toUpperCase()} | ${fmt(render.ms)} | ${mb(render.rss)} | ${fmt(test.ms)} | ${ratio(render.ms, test.ms)} |`,
    );
  }
}
say();
if (results[100000]) {
  say(
    `Linearity: render of 100,000 ÷ 10,000 sites = ${ratio(results[100000].yaml.ms, results[10000].yaml.ms)} from YAML, ${ratio(results[100000].json.ms, results[10000].json.ms)} from JSON (target ≤ 11×; 10× is linear). Targets: render of 10,000 sites from YAML ≤ 0.1× \`nginx -t\`; peak RSS for 100,000 ≤ 1 GB.`,
  );
  say();
}

// 3. what check adds to a bare nginx -t
const checkDir = join(work, "check");
execFileSync("mkdir", ["-p", checkDir]);
writeFileSync(
  join(checkDir, "wssgen.yaml"),
  generateConfig(10, "yaml", { certificate: join(certs, "cert.pem"), key: join(certs, "key.pem"), listen }),
);
execFileSync(process.execPath, [bin, "render", "-o", "out.conf"], { cwd: checkDir, stdio: "ignore" });
writeFileSync(
  join(checkDir, "main.conf"),
  `pid ${checkDir}/nginx.pid;\nerror_log stderr;\nevents {}\nhttp {\n    access_log off;\n    include ${checkDir}/out.conf;\n}\n`,
);
const bare = measure(["nginx", "-t", "-q", "-c", join(checkDir, "main.conf"), "-p", checkDir], { runs: 11, cwd: checkDir });
const check = measure([bin, "check", "--nginx", "require"], { runs: 11, cwd: checkDir });
say("## `wssgen check` against a bare `nginx -t`");
say();
say("| command | time |");
say("| --- | --- |");
say(`| \`nginx -t\` of the rendered output (10 sites) | ${fmt(bare.ms)} |`);
say(`| \`wssgen check\` (schema, lint, render, sandbox, \`nginx -t\`) | ${fmt(check.ms)} |`);
say();
say(`\`check\` adds ${fmt(check.ms - bare.ms)} to a bare \`nginx -t\` (target ≤ 100 ms).`);

// 4. this tree against another commit, measured in turns so that load on the machine hits both alike
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

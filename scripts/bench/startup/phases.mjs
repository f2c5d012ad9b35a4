// Where `wssgen render` spends its start-up, by phase, from V8 CPU profiles (issue 13). Usage:
//   for i in 1 2 3 4 5; do node --cpu-prof --cpu-prof-interval 250 --cpu-prof-dir=/tmp/prof bin/wssgen.js render >/dev/null; done
//   node scripts/bench/startup/phases.mjs /tmp/prof
// Each sample counts for the nearest enclosing phase. dist/cli.cjs is one CommonJS file: esbuild names each
// bundled module's initialiser after its path ("src/config/schema.ts", "node_modules/zod/..."), which the
// phases below match. (The flags of --cpu-prof give the run its own code cache: run it once unprofiled first.)
import { readFileSync, readdirSync } from "node:fs";
const dir = process.argv[2];
const files = readdirSync(dir).filter((x) => x.endsWith(".cpuprofile"));
const phases = [
  ["code cache: deserialize, or compile (vm.Script)", (f) => f.functionName === "Script" && f.url === "node:vm"],
  ["node built-ins load", (f) => f.functionName === "compileForInternalLoader" || f.functionName === "loadBuiltinModule"],
  [
    "zod + schema construction",
    (f) => f.functionName === "src/config/schema.ts" || f.functionName.startsWith("node_modules/zod/"),
  ],
  ["other modules' initialisation", (f) => /^(?:src|node_modules)\//.test(f.functionName) && f.url.endsWith("cli.cjs")],
  ["validation (zod safeParse)", (f) => f.functionName === "validateConfig"],
  ["YAML read (js-yaml)", (f) => f.functionName === "parseSource"],
  ["rest of loadConfig (normalize, semantics)", (f) => f.functionName === "loadConfig"],
  ["render command's other work", (f) => f.functionName === "renderCommand"],
  ["lint", (f) => f.functionName === "lint"],
  ["render + write (handlebars)", (f) => f.functionName === "writeChunks"],
  ["commander (build + parse)", (f) => f.functionName === "buildProgram" || f.functionName === "parseAsync"],
  ["stdout/stderr streams", (f) => f.functionName === "getStderr" || f.functionName === "getStdout"],
  ["garbage collector", (f) => f.functionName === "(garbage collector)"],
  ["idle (waiting on I/O)", (f) => f.functionName === "(idle)"],
];
const tot = new Map();
let total = 0;
for (const file of files) {
  const p = JSON.parse(readFileSync(`${dir}/${file}`, "utf8"));
  const byId = new Map(p.nodes.map((n) => [n.id, n]));
  const self = new Map();
  for (let i = 0; i < p.samples.length; i++) self.set(p.samples[i], (self.get(p.samples[i]) ?? 0) + p.timeDeltas[i]);
  total += p.endTime - p.startTime;
  const visit = (n, phase) => {
    for (const [name, test] of phases)
      if (test(n.callFrame)) {
        phase = name;
        break;
      }
    if (phase) tot.set(phase, (tot.get(phase) ?? 0) + (self.get(n.id) ?? 0));
    for (const c of n.children ?? []) visit(byId.get(c), phase);
  };
  visit(p.nodes[0], undefined);
}
const n = files.length;
let sum = 0;
for (const [name] of phases) {
  const v = (tot.get(name) ?? 0) / n / 1000;
  sum += v;
  console.log(v.toFixed(1).padStart(6), name);
}
console.log((total / n / 1000 - sum).toFixed(1).padStart(6), "rest (node bootstrap, main-module resolution, stdio, ...)");
console.log((total / n / 1000).toFixed(1).padStart(6), `profiled wall (mean of ${n}; profiler overhead included)`);

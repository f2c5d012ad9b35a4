// Where `wssgen render` spends its start-up, by phase, from V8 CPU profiles (issue 13). Usage:
//   for i in 1 2 3 4 5; do node --cpu-prof --cpu-prof-interval 250 --cpu-prof-dir=/tmp/prof bin/wssgen.js render >/dev/null; done
//   node scripts/bench/startup/phases.mjs /tmp/prof
// Each sample counts for the nearest enclosing phase; chunk names are esbuild hashes (adjust the zod one).
import { readFileSync, readdirSync } from "node:fs";
const dir = process.argv[2];
const files = readdirSync(dir).filter((x) => x.endsWith(".cpuprofile"));
const phases = [
  ["module compile (V8 parse of dist chunks)", (f) => f.functionName === "compileSourceTextModule"],
  [
    "module resolve/load/link (ESM loader)",
    (f) =>
      ["_link", "getModuleJobForImport", "loadAndTranslate", "import"].includes(f.functionName) &&
      f.url.startsWith("node:internal/modules/esm"),
  ],
  ["node built-ins load", (f) => f.functionName === "builtinStrategy" || f.functionName === "loadBuiltinModule"],
  [
    "zod + schema construction (chunk eval)",
    (f) => f.functionName === "" && /chunk-CRA7RV6R|chunk-MLF5SCZU/.test(f.url) && f.lineNumber === 0,
  ],
  ["other chunk evaluation", (f) => f.functionName === "" && f.lineNumber === 0 && /dist\//.test(f.url)],
  ["validation (zod safeParse)", (f) => f.functionName === "validateConfig"],
  ["YAML read (js-yaml)", (f) => f.functionName === "parseSource"],
  ["rest of loadConfig (normalize, semantics)", (f) => f.functionName === "loadConfig"],
  ["render command's other work", (f) => f.functionName === "renderCommand"],
  ["lint", (f) => f.functionName === "lint"],
  ["render + write (handlebars)", (f) => f.functionName === "writeChunks"],
  ["commander (build + parse)", (f) => f.functionName === "buildProgram" || f.functionName === "parseAsync"],
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

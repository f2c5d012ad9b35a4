// `node --import ./scripts/bench/startup/first-regex.mjs bin/wssgen.js render`: what each regular expression
// costs on its first use (V8 compiles a pattern lazily, and a large one takes milliseconds), on stderr at exit.
const seen = new WeakSet();
const cost = [];
for (const m of ["test", "exec"]) {
  const orig = RegExp.prototype[m];
  RegExp.prototype[m] = function (...a) {
    if (seen.has(this)) return orig.apply(this, a);
    seen.add(this);
    const s = performance.now();
    const r = orig.apply(this, a);
    cost.push([performance.now() - s, this.source.length, this.flags, this.source.slice(0, 70)]);
    return r;
  };
}
process.on("exit", () => {
  cost.sort((a, b) => b[0] - a[0]);
  let t = 0;
  for (const c of cost) t += c[0];
  process.stderr.write(
    `first-use regex total ${t.toFixed(1)} ms over ${cost.length}\n` +
      cost
        .slice(0, 12)
        .map((c) => c[0].toFixed(2) + " " + c[1] + " " + c[2] + " " + c[3])
        .join("\n") +
      "\n",
  );
});

#!/usr/bin/env -S node --max-semi-space-size=32 --heap-growing-percent=20
// (a larger young generation: 100,000 sites make many short-lived objects, and with the default
// size the garbage collector keeps too many of them; and an old generation that grows by 20% rather
// than V8's default factor before it is collected: together 100,000 sites peak at ~660 MB, not 1.4 GB)
//
// Run as `node bin/wssgen.js` the shebang's flags are missing: a command that reads a large config then
// runs again with them, in a child that gets the same arguments, standard streams and signals.
import { statSync } from "node:fs";

const FLAGS = ["--max-semi-space-size=32", "--heap-growing-percent=20"];
const args = process.argv.slice(2);
const flagged = FLAGS.every((flag) => process.execArgv.some((a) => a.startsWith(flag.split("=")[0])));
if (!flagged && readsLargeConfig(args)) {
  const { spawn } = await import("node:child_process");
  const child = spawn(process.execPath, [...FLAGS, ...process.execArgv, process.argv[1], ...args], { stdio: "inherit" });
  const forward = (signal) => child.kill(signal);
  for (const signal of ["SIGINT", "SIGTERM", "SIGHUP", "SIGQUIT"]) process.on(signal, forward);
  child.on("exit", (code, signal) => {
    if (signal) {
      process.removeAllListeners(signal);
      process.kill(process.pid, signal);
    } else process.exit(code ?? 1);
  });
} else {
  const { run } = await import("../dist/cli.js");
  await run();
}

/** Whether the command reads a config file over 8 MB (about 20,000 sites). */
function readsLargeConfig(argv) {
  if (!["render", "check", "apply", "diff"].includes(argv[0] ?? "")) return false;
  const at = argv.findIndex((a) => a === "-c" || a === "--config");
  const file = at >= 0 ? argv[at + 1] : ["wssgen.yaml", "wssgen.yml", "wssgen.json"].find((f) => exists(f));
  try {
    return file !== undefined && file !== "-" && statSync(file).size > 8 * 2 ** 20;
  } catch {
    return false;
  }
}

function exists(file) {
  try {
    statSync(file);
    return true;
  } catch {
    return false;
  }
}

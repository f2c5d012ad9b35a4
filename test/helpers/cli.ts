/** Runs the real CLI (`node bin/wssgen.js`) as users do, with colour off. */
import { execa } from "execa";
import { cpSync, chmodSync, existsSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { BIN, ROOT } from "./paths.js";

let portable: string | undefined;

/** by its path: a test may give the user a PATH without /usr/sbin, and execa looks the program up in that PATH */
const RUNUSER = ["/usr/sbin/runuser", "/sbin/runuser"].find((file) => existsSync(file)) ?? "runuser";

/** bin/ + dist/ + package.json in a world-readable temp dir: the bundle needs nothing else. */
function portableBin(): string {
  if (portable) return portable;
  const dir = mkdtempSync(join(tmpdir(), "wssgen-portable-"));
  chmodSync(dir, 0o755);
  process.once("exit", () => rmSync(dir, { recursive: true, force: true }));
  for (const part of ["bin", "dist", "package.json"]) cpSync(join(ROOT, part), join(dir, part), { recursive: true });
  portable = join(dir, "bin", "wssgen.js");
  return portable;
}

export interface CliResult {
  exitCode: number;
  stdout: string;
  stderr: string;
}

export async function runCli(
  args: string[],
  options: { cwd?: string; input?: string; env?: Record<string, string | undefined>; user?: string } = {},
): Promise<CliResult> {
  // as another user (root runs the suite): runuser, with the same node
  const argv = options.user
    ? [RUNUSER, "-u", options.user, "--", process.execPath, portableBin(), ...args]
    : [process.execPath, BIN, ...args];
  const result = await execa(argv[0]!, argv.slice(1), {
    reject: false,
    cwd: options.cwd,
    input: options.input ?? "",
    env: { NO_COLOR: "1", FORCE_COLOR: undefined, CI: "true", ...options.env },
    extendEnv: true,
  });
  return { exitCode: result.exitCode ?? -1, stdout: String(result.stdout), stderr: String(result.stderr) };
}

/** Runs the real CLI (`node bin/wssgen.js`) as users do, with colour off. */
import { execa } from "execa";
import { BIN } from "./paths.js";

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
    ? ["runuser", "-u", options.user, "--", process.execPath, BIN, ...args]
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

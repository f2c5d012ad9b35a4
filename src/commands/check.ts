/**
 * `wssgen check`: lint the config and test the rendered output with `nginx -t` in a throwaway
 * sandbox (the engine: src/check/). Returns the result as data; the CLI redacts and formats it
 * (src/report/check.ts) and exits with its `exitCode`.
 */
import { check, type CheckOptions, type CheckResult, type NginxMode } from "../check/check.js";

export interface CheckCommandOptions extends Omit<CheckOptions, "nginxMode"> {
  /** --nginx: run `nginx -t` when nginx is found (auto, the default), demand it (require), or never (skip) */
  nginx?: NginxMode | undefined;
}

export function checkCommand(options: CheckCommandOptions): Promise<CheckResult> {
  return check({ ...options, nginxMode: options.nginx });
}

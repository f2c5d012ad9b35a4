/**
 * `wssgen apply`: render, write the target atomically, `nginx -T`, reload, verify, and roll back on
 * any failure (the engine: src/deploy/). Takes the flags as typed (durations as text, the probe CA
 * as a file name) and returns apply's result; the CLI prints it.
 */
import { apply, type ApplyResult } from "../deploy/apply.js";
import type { ApplyOptions } from "../deploy/options.js";
import { durationFlag, flagFile } from "./flags.js";

export interface ApplyCommandOptions extends Omit<ApplyOptions, "lockTimeoutMs" | "reloadTimeoutMs" | "probe"> {
  /** --lock-timeout: how long to wait for another apply of the same target (a duration; default 60s) */
  lockTimeout?: string | undefined;
  /** --reload-timeout: how long nginx may take to start workers with the new config (default 10s) */
  reloadTimeout?: string | undefined;
  /** --probe: a ws:// or wss:// URL that must accept a WebSocket after the reload, else the apply rolls back */
  probe?: string | undefined;
  probeOrigin?: string | undefined;
  /** --probe-ca: a CA file (PEM) the probe trusts, relative to `cwd` */
  probeCa?: string | undefined;
  probeInsecure?: boolean | undefined;
}

/** Throws UsageError for a flag that is not a duration or a CA file that cannot be read; else what apply throws. */
export async function applyCommand(options: ApplyCommandOptions): Promise<ApplyResult> {
  const { lockTimeout, reloadTimeout, probe, probeOrigin, probeCa, probeInsecure, ...rest } = options;
  const lockTimeoutMs = lockTimeout === undefined ? undefined : durationFlag("--lock-timeout", lockTimeout);
  const reloadTimeoutMs = reloadTimeout === undefined ? undefined : durationFlag("--reload-timeout", reloadTimeout);
  const ca = probeCa === undefined ? undefined : await flagFile("--probe-ca", probeCa, options.cwd);
  return apply({
    ...rest,
    ...(lockTimeoutMs === undefined ? {} : { lockTimeoutMs }),
    ...(reloadTimeoutMs === undefined ? {} : { reloadTimeoutMs }),
    probe: probe === undefined ? undefined : { url: probe, options: { origin: probeOrigin, ca, insecure: probeInsecure } },
  });
}

/**
 * `wssgen probe URL`: a real WebSocket opening handshake, with TLS details, timing and an optional
 * idle hold (the engine: src/probe/). Takes the flags as typed and returns the probe's result; the
 * CLI formats it (src/report/probe.ts) and exits 1 unless it is `ok`.
 */
import { loadConfig, type LoadOptions } from "../config/load.js";
import { UsageError } from "../errors.js";
import { probe, type ProbeResult } from "../probe/probe.js";
import { showValue } from "../util/show.js";
import { durationFlag, flagFile } from "./flags.js";

export interface ProbeCommandOptions {
  origin?: string | undefined;
  /** --header, each `Name: value` */
  header?: readonly string[] | undefined;
  /** --idle: hold the socket silent this long (a duration) and report whether the server closes it */
  idle?: string | undefined;
  insecure?: boolean | undefined;
  /** --ca: a CA file (PEM) to trust instead of the system's, relative to `cwd` */
  ca?: string | undefined;
  /** --timeout: how long to wait for the handshake (a duration; default 10s) */
  timeout?: string | undefined;
  /**
   * --config: the wssgen.yaml behind the URL (relative to `cwd`; `-` for stdin): a 502 from nginx on
   * a route to a TLS upstream is then explained by connecting to that upstream as nginx does
   */
  config?: string | undefined;
  /** as LoadOptions: the CLI learns which values came from the environment, to redact them */
  onProvenance?: LoadOptions["onProvenance"];
  cwd?: string | undefined;
}

/** Throws UsageError for flags that do not go together or do not parse; the probe's own failures are in its result. */
export async function probeCommand(url: string, options: ProbeCommandOptions = {}): Promise<ProbeResult> {
  if (options.insecure && options.ca) throw new UsageError("--insecure and --ca cannot be used together");
  const headers: Record<string, string> = {};
  for (const header of options.header ?? []) {
    const m = /^([A-Za-z0-9_-]+):\s*(.*)$/.exec(header);
    if (!m || /[\r\n]/.test(header)) throw new UsageError(`--header: ${showValue(header)} is not "Name: value"`);
    headers[m[1]!] = m[2]!;
  }
  const ca = options.ca === undefined ? undefined : await flagFile("--ca", options.ca, options.cwd);
  const loaded =
    options.config === undefined
      ? undefined
      : await loadConfig({
          config: options.config,
          ...(options.cwd ? { cwd: options.cwd } : {}),
          onProvenance: options.onProvenance,
        });
  return probe(url, {
    config: loaded && { config: loaded.config, source: loaded.source },
    origin: options.origin,
    headers,
    idleMs: options.idle === undefined ? undefined : durationFlag("--idle", options.idle),
    insecure: options.insecure,
    ca,
    timeoutMs: options.timeout === undefined ? undefined : durationFlag("--timeout", options.timeout),
  });
}

/**
 * Which nginx the output is for: --nginx-version, then nginx.version, then `nginx -V` of the
 * configured binary, then DEFAULT_TARGET (docs/config.md, "The target nginx version").
 */
import type { WssgenConfig } from "../config/model.js";
import { UsageError } from "../errors.js";
import type { Nginx } from "./nginx.js";
import { checkNginxVersion } from "../config/values.js";
import { DEFAULT_TARGET, parseVersion, type Version } from "../nginx-version/version.js";

/** The nginx (and OpenSSL) to render for, as `render()` takes it, and where the version came from. */
export interface ResolvedTarget {
  version: Version;
  /** the OpenSSL nginx is built with; undefined when neither the config nor `nginx -V` says */
  openssl: Version | undefined;
  /** where the version came from, for messages */
  from: "--nginx-version" | "nginx.version" | "nginx -V" | "default";
}

/** `text` as a Version; a UsageError naming `what` (the flag or key) when wssgen cannot render for it. */
export function parseTargetVersion(text: string, what: string): Version {
  // the same rule as nginx.version in wssgen.yaml (config/values.ts)
  const problem = checkNginxVersion(text);
  if (problem) throw new UsageError(`${what}: ${problem}`);
  return parseVersion(text)!;
}

/**
 * The target for `config`: `flag` (--nginx-version) when given, else nginx.version, else what
 * `nginx -V` of `nginx` reports (version and OpenSSL), else DEFAULT_TARGET. nginx.openssl always
 * wins over a detected OpenSSL. Throws UsageError for a flag or key wssgen cannot render for.
 */
export async function resolveTarget(
  config: WssgenConfig,
  flag: string | undefined,
  nginx: Nginx | undefined,
): Promise<ResolvedTarget> {
  // an explicit OpenSSL version always counts; a detected one only describes the nginx that was detected
  const openssl = config.nginx.openssl === undefined ? undefined : parseVersion(config.nginx.openssl);
  if (flag !== undefined) return { version: parseTargetVersion(flag, "--nginx-version"), openssl, from: "--nginx-version" };
  if (config.nginx.version !== undefined)
    return { version: parseTargetVersion(config.nginx.version, "nginx.version"), openssl, from: "nginx.version" };
  const detected = nginx ? await nginx.version() : undefined;
  if (detected) {
    return {
      version: parseVersion(detected.version)!,
      openssl: openssl ?? (detected.openssl === undefined ? undefined : parseVersion(detected.openssl)),
      from: "nginx -V",
    };
  }
  return { version: parseVersion(DEFAULT_TARGET)!, openssl, from: "default" };
}

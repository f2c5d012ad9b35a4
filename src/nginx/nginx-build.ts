/**
 * Which nginx the output is for: --nginx-version, then nginx.version, then `nginx -V` of the
 * configured binary, then DEFAULT_NGINX_VERSION (docs/config.md, "The nginx version rendered for").
 */
import type { WssgenConfig } from "../config/model.js";
import { UsageError } from "../errors.js";
import type { Nginx } from "./nginx.js";
import { checkNginxVersion } from "../config/values.js";
import { DEFAULT_NGINX_VERSION, parseVersion, type NginxBuild, type Version } from "../nginx-version/version.js";

/** The nginx build to render for, as `render()` takes it, and where its version came from. */
export interface ResolvedNginxBuild extends NginxBuild {
  /** the OpenSSL nginx is built with; undefined when neither the config nor `nginx -V` says */
  openssl: Version | undefined;
  /** where the version came from, for messages */
  from: "--nginx-version" | "nginx.version" | "nginx -V" | "default";
}

/** `text` as a Version; a UsageError naming `what` (the flag or key) when wssgen cannot render for it. */
export function parseNginxVersion(text: string, what: string): Version {
  // the same rule as nginx.version in wssgen.yaml (config/values.ts)
  const problem = checkNginxVersion(text);
  if (problem) throw new UsageError(`${what}: ${problem}`);
  return parseVersion(text)!;
}

/**
 * The nginx build for `config`: `flag` (--nginx-version) when given, else nginx.version, else what
 * `nginx -V` of `nginx` reports (version and OpenSSL), else DEFAULT_NGINX_VERSION. nginx.openssl
 * always wins over a detected OpenSSL. Throws UsageError for a flag or key wssgen cannot render for.
 */
export async function resolveNginxBuild(
  config: WssgenConfig,
  flag: string | undefined,
  nginx: Nginx | undefined,
): Promise<ResolvedNginxBuild> {
  // an explicit OpenSSL version always counts; a detected one only describes the nginx that was detected
  const openssl = config.nginx.openssl === undefined ? undefined : parseVersion(config.nginx.openssl);
  if (flag !== undefined) return { version: parseNginxVersion(flag, "--nginx-version"), openssl, from: "--nginx-version" };
  if (config.nginx.version !== undefined)
    return { version: parseNginxVersion(config.nginx.version, "nginx.version"), openssl, from: "nginx.version" };
  const detected = nginx ? await nginx.version() : undefined;
  if (detected) {
    return {
      version: parseVersion(detected.version)!,
      openssl: openssl ?? (detected.openssl === undefined ? undefined : parseVersion(detected.openssl)),
      from: "nginx -V",
    };
  }
  return { version: parseVersion(DEFAULT_NGINX_VERSION)!, openssl, from: "default" };
}

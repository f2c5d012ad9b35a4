/** Which nginx the output is for: --nginx-version, then nginx.version, then `nginx -V`, then 1.22. */
import type { WssgenConfig } from "../config/model.js";
import { UsageError } from "../errors.js";
import type { Nginx } from "../nginx/nginx.js";
import { checkNginxVersion } from "../config/values.js";
import { DEFAULT_TARGET, parseVersion, type Version } from "../render/version.js";
import type { RenderTarget } from "../render/view.js";

export interface ResolvedTarget extends RenderTarget {
  /** where the version came from, for messages */
  from: "--nginx-version" | "nginx.version" | "nginx -V" | "default";
}

export function parseTargetVersion(text: string, what: string): Version {
  // the same rule as nginx.version in wssgen.yaml (config/values.ts)
  const problem = checkNginxVersion(text);
  if (problem) throw new UsageError(`${what}: ${problem}`);
  return parseVersion(text)!;
}

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

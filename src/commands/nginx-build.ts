/** Which nginx the output is for: --nginx-version, then nginx.version, then `nginx -V`, then 1.22. */
import type { WssgenConfig } from "../config/model.js";
import { UsageError } from "../errors.js";
import type { Nginx } from "../nginx/nginx.js";
import { checkNginxVersion } from "../config/values.js";
import { DEFAULT_NGINX_VERSION, parseVersion, type NginxBuild, type Version } from "../render/version.js";

export interface ResolvedNginxBuild extends NginxBuild {
  /** where the version came from, for messages */
  from: "--nginx-version" | "nginx.version" | "nginx -V" | "default";
}

/** A version given to render for (`what` names where: "--nginx-version", "nginx.version"); UsageError when it is not one wssgen supports. */
export function parseNginxVersion(text: string, what: string): Version {
  // the same rule as nginx.version in wssgen.yaml (config/values.ts)
  const problem = checkNginxVersion(text);
  if (problem) throw new UsageError(`${what}: ${problem}`);
  return parseVersion(text)!;
}

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

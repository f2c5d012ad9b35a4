/**
 * One lint rule run directly: a config written as YAML, through `lint` (the rules' severities and
 * `lint.rules` applied), and only that rule's findings. Without `files` or `mainConfig` the rules run
 * as `render` runs them, without I/O.
 */
import { parseConfig } from "../../src/config/load.js";
import { formatPath } from "../../src/config/path.js";
import type { RuleId } from "../../src/config/rule-ids.js";
import { lint, type RuleContext, type Severity } from "../../src/lint/index.js";
import { DEFAULT_NGINX_VERSION, featuresFor, parseVersion } from "../../src/nginx-version/version.js";
import { selfSignedCertificate } from "../../src/tls/self-signed.js";

export interface RuleFinding {
  /** the key path, printed (`sites[0].tls`) */
  path: string;
  severity: Severity;
  message: string;
}

/** Two upstream servers, so that upstream rules stay out of the way of the rule under test. */
export const UPSTREAMS = "upstreams: { chat: { servers: [10.0.0.5:8080, 10.0.0.6:8080] } }\n";

export function ruleFindings(
  id: RuleId,
  yaml: string,
  context: Omit<RuleContext, "config" | "features" | "nginxVersion"> & { nginx?: string; openssl?: string } = {},
): RuleFinding[] {
  const { nginx = DEFAULT_NGINX_VERSION, openssl, ...rest } = context;
  const { config } = parseConfig("wssgen.yaml", yaml, {});
  const nginxVersion = parseVersion(nginx)!;
  return lint({
    config,
    nginxVersion,
    features: featuresFor(nginxVersion, openssl === undefined ? undefined : parseVersion(openssl)),
    ...rest,
  })
    .filter((finding) => finding.rule === id)
    .map((finding) => ({ path: formatPath(finding.path), severity: finding.severity, message: finding.message }));
}

export const DAY = 86_400_000;
/** A fixed "now", so that expiry dates in messages are the same on every run. */
export const NOW = new Date("2030-01-01T00:00:00Z");

/** A certificate and key as `check` reads them, under /certs/<name>.pem and .key. */
export function certificateFiles(
  pairs: Record<string, { names: string[]; days?: number; issued?: Date }>,
): Map<string, { data: Uint8Array }> {
  const files = new Map<string, { data: Uint8Array }>();
  for (const [name, { names, days = 90, issued = NOW }] of Object.entries(pairs)) {
    const pair = selfSignedCertificate(names, { now: issued, days });
    files.set(`/certs/${name}.pem`, { data: Buffer.from(pair.certificate) });
    files.set(`/certs/${name}.key`, { data: Buffer.from(pair.key) });
  }
  return files;
}

/** A TLS site on `domains` with the certificate and key of `cert` (and `key`, when it differs). */
export function tlsSite(domains: string[], cert: string, key = cert): string {
  return `${UPSTREAMS}sites:\n  - domains: [${domains.map((d) => JSON.stringify(d)).join(", ")}]\n    tls: { certificate: /certs/${cert}.pem, key: /certs/${key}.key }\n    redirectHttp: true\n    routes: [{ path: /ws, upstream: chat, origins: [https://chat.example.com] }]\n`;
}

/** Every lint rule id, for the config schema (`lint.rules`) and the docs; each has docs/rules/<id>.md. */
export const RULE_IDS = [
  "ws-read-timeout",
  "tls-no-redirect",
  "origin-insecure",
  "origin-missing",
  "max-connections-unset",
  "cert-unreadable",
  "cert-key-mismatch",
  "cert-expired",
  "cert-expiring",
  "cert-name-mismatch",
  "upstream-single-server",
  "ip-hash-behind-proxy",
  "http2-shared-listen",
  "worker-shutdown-timeout",
] as const;

export type RuleId = (typeof RULE_IDS)[number];

/**
 * Every lint rule id: the keys of `lint.rules` in the config schema, the ids src/lint/'s rules report
 * under, and docs/rules/<id>.md. Kept in config, the lowest layer that names them, so that the
 * schema need not import lint.
 */
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
  "real-ip-wide-trust",
  "http2-shared-listen",
  "worker-shutdown-timeout",
  "upstream-name-resolved-once",
  "resolver-unused",
  "polling-without-stickiness",
  "basic-auth-over-http",
  "access-user-file",
  "forward-auth-any-host",
  "upstream-tls-unverified",
  "preset-timeout",
  "preset-path",
  "preset-subprotocol",
] as const;

export type RuleId = (typeof RULE_IDS)[number];

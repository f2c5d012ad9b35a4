/** Lint rules: each a pure function from the model (and files `check` read) to findings. */
import { certificates, CERT_SEVERITIES } from "./rules/certificates.js";
import { maxConnectionsUnset, originInsecure, originMissing } from "./rules/origins.js";
import { tlsNoRedirect } from "./rules/tls-no-redirect.js";
import { ipHashBehindProxy, upstreamSingleServer } from "./rules/upstreams.js";
import { upstreamTlsUnverified } from "./rules/upstream-tls.js";
import { realIpWideTrust } from "./rules/real-ip.js";
import { resolverUnused, upstreamNameResolvedOnce } from "./rules/resolve.js";
import { http2SharedListen, workerShutdownTimeout } from "./rules/nginx-settings.js";
import { wsReadTimeout } from "./rules/ws-read-timeout.js";
import { pollingWithoutStickiness } from "./rules/polling-without-stickiness.js";
import { presetPath, presetSubprotocol, presetTimeout } from "./rules/presets.js";
import { accessUserFile, basicAuthOverHttp, forwardAuthAnyHost } from "./rules/access.js";
import type { Finding, Rule, RuleContext, Severity } from "./types.js";
import type { RuleId } from "../config/rule-ids.js";

export type { Finding, Rule, RuleContext, Severity, FileRead, MainConfigRead } from "./types.js";

export const rules: readonly Rule[] = [
  wsReadTimeout,
  tlsNoRedirect,
  originInsecure,
  originMissing,
  maxConnectionsUnset,
  certificates,
  upstreamSingleServer,
  ipHashBehindProxy,
  realIpWideTrust,
  http2SharedListen,
  workerShutdownTimeout,
  upstreamNameResolvedOnce,
  resolverUnused,
  pollingWithoutStickiness,
  basicAuthOverHttp,
  accessUserFile,
  forwardAuthAnyHost,
  upstreamTlsUnverified,
  presetTimeout,
  presetPath,
  presetSubprotocol,
];

/** The severity each rule id reports with unless the config's `lint.rules` says otherwise. */
export const DEFAULT_SEVERITIES: Record<RuleId, Severity> = Object.fromEntries(
  rules.flatMap((rule) =>
    (rule.ids ?? [rule.id]).map((id) => [id, (CERT_SEVERITIES as Record<string, Severity>)[id] ?? rule.severity]),
  ),
) as Record<RuleId, Severity>;

/**
 * Every rule's findings, at the severity `lint.rules` gives them. A message never prints a value
 * that came from the environment (`${VAR}`): it names the variable instead.
 */
export function lint(context: RuleContext): Finding[] {
  return [...lintByRule(context)].flat();
}

/**
 * `lint(context)` one rule at a time: each rule's findings, in order (joined, they are exactly
 * `lint(context)`), so that a caller can reach the event loop between rules.
 */
export function* lintByRule(context: RuleContext): Generator<Finding[]> {
  const overrides = context.config.lint;
  const provenance = context.config.provenance;
  for (const rule of rules)
    yield rule.run(context).flatMap(({ rule: reported, severity, ...finding }) => {
      const id = reported ?? rule.id;
      const setting = overrides[id] ?? severity ?? DEFAULT_SEVERITIES[id];
      if (setting === "off") return [];
      const message = provenance ? provenance.finding(finding.path, finding.message) : finding.message;
      return [{ rule: id, severity: setting, ...finding, message }];
    });
}

/** Lint rules: each a pure function from the model to findings. */
import { wsReadTimeout } from "./rules/ws-read-timeout.js";
import type { Finding, Rule, RuleContext } from "./types.js";

export type { Finding, Rule, RuleContext, Severity } from "./types.js";

export const rules: readonly Rule[] = [wsReadTimeout];

export function lint(context: RuleContext): Finding[] {
  return rules.flatMap((rule) => rule.run(context).map((f) => ({ rule: rule.id, severity: rule.severity, ...f })));
}

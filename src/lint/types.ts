import type { WssgenConfig } from "../config/model.js";
import type { KeyPath } from "../config/path.js";
import type { Features } from "../render/version.js";

export type Severity = "error" | "warning" | "info";

/** A lint result as plain data; formatting is the reporter's job. */
export interface Finding {
  rule: string;
  severity: Severity;
  message: string;
  path: KeyPath;
}

export interface RuleContext {
  config: WssgenConfig;
  features: Features;
}

export interface Rule {
  id: string;
  severity: Severity;
  description: string;
  run(context: RuleContext): Omit<Finding, "rule" | "severity">[];
}

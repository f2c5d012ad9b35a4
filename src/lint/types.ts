import type { WssgenConfig } from "../config/model.js";
import type { KeyPath } from "../config/path.js";
import type { Features, Version } from "../render/version.js";
import type { RuleId } from "./ids.js";

export type Severity = "error" | "warning" | "info";

/** A lint result as plain data; formatting is the reporter's job. */
export interface Finding {
  /** a lint rule id, or what else produced it: "schema", "nginx", "stub-certs", "stub-hosts" */
  rule: string;
  severity: Severity;
  message: string;
  path: KeyPath;
}

/** A file a rule may inspect, as read by `check` (rules themselves never touch the file system). */
export type FileRead = { data: Buffer } | { error: string };

export interface RuleContext {
  config: WssgenConfig;
  features: Features;
  /** the nginx version the output is rendered for */
  target?: Version;
  /** certificate and key files by path; absent when rules run without I/O (as in `render`) */
  files?: ReadonlyMap<string, FileRead>;
  /** paths that `check --stub-certs` replaced; their rules stay silent */
  stubbed?: ReadonlySet<string>;
  now?: Date;
}

export type RuleResult = Omit<Finding, "rule" | "severity"> & { rule?: RuleId };

export interface Rule {
  /** the rule's id; a rule that reports under several ids lists them in `ids` */
  id: RuleId;
  ids?: readonly RuleId[];
  severity: Severity;
  description: string;
  run(context: RuleContext): RuleResult[];
}

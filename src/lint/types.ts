import type { WssgenConfig } from "../config/model.js";
import type { KeyPath } from "../config/path.js";
import type { Features, Version } from "../nginx-version/version.js";
import type { RuleId } from "../config/rule-ids.js";

export type Severity = "error" | "warning" | "info";

/** A lint result as plain data; formatting is the reporter's job. */
export interface Finding {
  /** a lint rule id, or what else produced it: "schema", "nginx-version", "nginx", "stub-certs", "stub-hosts" */
  rule: string;
  severity: Severity;
  message: string;
  path: KeyPath;
}

/**
 * A file a rule may inspect, as read by `check` (rules themselves never touch the file system).
 * A Uint8Array (a Buffer is one), so that the library's types need no @types/node.
 */
export type FileRead = { data: Uint8Array } | { error: string };

/**
 * nginx's real main config as `check` read it (with the files its main context includes): where it
 * sets `worker_shutdown_timeout`, if it does, or why it could not be read.
 */
export type MainConfigRead =
  | {
      /** the main config, absolute */
      file: string;
      /** every file read, the main config first */
      read: string[];
      /** the directive's arguments and the file that has it; undefined when the main context lacks it */
      workerShutdownTimeout: { value: string; file: string } | undefined;
    }
  | { file: string; error: string };

export interface RuleContext {
  config: WssgenConfig;
  features: Features;
  /** the nginx version the output is rendered for */
  nginxVersion?: Version;
  /** certificate and key files and basic auth's user files by path; absent when rules run without I/O (as in `render`) */
  files?: ReadonlyMap<string, FileRead>;
  /** `nginx.mainConfig` as read by `check`; absent when rules run without I/O (as in `render`) */
  mainConfig?: MainConfigRead;
  /** paths that `check --stub-certs` replaced; their rules stay silent */
  stubbed?: ReadonlySet<string>;
  now?: Date;
}

/**
 * What a rule reports. `severity`, when set, is this finding's default in place of the rule's (a
 * rule whose findings differ in certainty: preset-path's 301 is a warning, its unusual path info);
 * `lint.rules` still sets the id's severity for all of them.
 */
export type RuleResult = Omit<Finding, "rule" | "severity"> & { rule?: RuleId; severity?: Severity };

export interface Rule {
  /** the rule's id; a rule that reports under several ids lists them in `ids` */
  id: RuleId;
  ids?: readonly RuleId[];
  severity: Severity;
  description: string;
  run(context: RuleContext): RuleResult[];
}

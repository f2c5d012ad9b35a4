/**
 * The few error classes wssgen throws on purpose. Each carries its exit code (docs/cli.md, "Exit
 * codes"), so the CLI maps errors to exit codes in one place and prints one line per problem, never
 * a stack trace.
 */
import { escapeText } from "./util/show.js";

export const ExitCode = {
  ok: 0,
  /** the input or the result is wrong */
  invalid: 1,
  /** usage or environment error */
  usage: 2,
  /** apply failed and could not restore the previous state */
  unrecoverable: 3,
} as const;
export type ExitCode = (typeof ExitCode)[keyof typeof ExitCode];

/**
 * Exit status when the reader of standard output went away (EPIPE, as in `wssgen render | head`):
 * 141, 128 + SIGPIPE, what `cat`, `seq` or `yes` report in the same place, so `set -o pipefail`
 * still sees that the output was cut short. Nothing is printed: there is nobody to read it.
 */
export const BROKEN_PIPE_EXIT_CODE = 141;

export abstract class WssgenError extends Error {
  abstract readonly exitCode: ExitCode;
  private redactor: ((text: string) => string) | undefined;
  /** the lines to show the user, one per problem (redacted, see `redactWith`) */
  lines(): string[] {
    const lines = this.messageLines();
    return this.redactor ? lines.map(this.redactor) : lines;
  }
  /**
   * Pass every line through `redact` before it is shown: an error about a config whose values came
   * from `${VAR}` must not print them (config/provenance.ts). Returns the error itself, to rethrow.
   */
  redactWith(redact: (text: string) => string): this {
    this.redactor = redact;
    return this;
  }
  protected messageLines(): string[] {
    return [this.message];
  }
}

/** A place in a config file: 1-based line and column, and the key path (`sites[0].routes[1].path`). */
export interface SourceLocation {
  file: string;
  line: number;
  column: number;
  path: string;
}

export interface ConfigProblem extends SourceLocation {
  /** what is wrong and how to fix it; any value it shows went through `showValue` */
  message: string;
  /** the key path as data, when the problem is about a key (`path` is its printed form) */
  keyPath?: readonly (string | number)[];
  /** the environment variables the value at the key came from (`${VAR}`): the message names them, never the value */
  from?: readonly string[];
}

/**
 * `file:line:column key.path: message`; `key.path (from ${VAR}): message` when the value came from
 * the environment and the message does not name the variable itself. The file name is the user's
 * own argument: escaped (a newline in it would start a new line), not cut.
 */
export function formatProblem(p: ConfigProblem): string {
  const where = `${escapeText(p.file)}:${p.line}:${p.column}`;
  const from =
    p.from?.length && !p.from.every((name) => p.message.includes(`\${${name}}`))
      ? ` (from ${p.from.map((name) => `\${${name}}`).join(", ")})`
      : "";
  const path = `${p.path}${from}`;
  return path ? `${where} ${path}: ${p.message}` : `${where} ${p.message}`;
}

/** The config file is wrong: one or more problems, each with file:line:column and key path. */
export class ConfigError extends WssgenError {
  readonly exitCode = ExitCode.invalid;
  constructor(readonly problems: ConfigProblem[]) {
    super(problems.map(formatProblem).join("\n"));
    this.name = "ConfigError";
  }
  protected override messageLines(): string[] {
    return this.problems.map(formatProblem);
  }
}

/** Bad flags, a file that does not exist, a refused overwrite: the call must change. */
export class UsageError extends WssgenError {
  readonly exitCode = ExitCode.usage;
  constructor(message: string) {
    super(message);
    this.name = "UsageError";
  }
}

/** Something the environment lacks (nginx required but missing, a directory not writable). */
export class EnvironmentError extends WssgenError {
  readonly exitCode = ExitCode.usage;
  constructor(message: string) {
    super(message);
    this.name = "EnvironmentError";
  }
}

/** The result differs from what is expected (for example `render --check` found drift). */
export class DriftError extends WssgenError {
  readonly exitCode = ExitCode.invalid;
  constructor(message: string) {
    super(message);
    this.name = "DriftError";
  }
}

/**
 * `apply` failed. Exit 1: it stopped and the previous state is back. Exit 3: it could not restore the
 * previous state; `details` says what the operator must do.
 */
export class DeployError extends WssgenError {
  constructor(
    readonly exitCode: typeof ExitCode.invalid | typeof ExitCode.unrecoverable,
    message: string,
    readonly details: string[] = [],
  ) {
    super(message);
    this.name = "DeployError";
  }
  protected override messageLines(): string[] {
    return [this.message, ...this.details];
  }
}

export function isKnownError(error: unknown): error is WssgenError {
  return error instanceof WssgenError;
}

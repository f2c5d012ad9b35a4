/**
 * `check` results for people (text, colour on a TTY only), for tools (JSON, a stable documented
 * shape: docs/recipes/ci.md#json-output) and for GitHub workflow annotations. Each returns a string.
 */
import type { ChalkInstance } from "chalk";
import { formatPath } from "../config/path.js";
import type { CheckResult, LocatedFinding } from "../check/check.js";
import type { Severity } from "../lint/index.js";
import { escapeText, toJson } from "../util/show.js";
import { findingLines } from "./text.js";

export type CheckFormat = "text" | "json" | "github";

export function formatCheck(result: CheckResult, format: CheckFormat, color: ChalkInstance): string {
  if (format === "json") return toJson(checkJson(result));
  const lines =
    format === "github" ? result.findings.map(githubLine) : findingLines(result.findings, color, "wssgen check --format json");
  lines.push(summaryLine(result, format === "text" ? color : undefined));
  return `${lines.join("\n")}\n`;
}

export function checkJson(result: CheckResult) {
  return {
    version: 1,
    file: result.file,
    nginxVersion: result.nginxVersion ?? null,
    /** the same, under the name format version 1 gave it first (kept for readers of that version) */
    target: result.nginxVersion ?? null,
    nginx: { status: result.nginx.status, binary: result.nginx.binary, version: result.nginx.version ?? null },
    summary: result.summary,
    exitCode: result.exitCode,
    findings: result.findings.map((f) => ({
      rule: f.rule,
      severity: f.severity,
      message: f.message,
      file: f.file,
      line: f.line,
      column: f.column,
      path: formatPath(f.path),
    })),
  };
}

/**
 * GitHub's escaping for workflow commands (actions/toolkit, command.ts): `%`, CR and LF in the
 * message; also `:` and `,` in properties. Then any other control, bidi or zero-width character is
 * shown escaped (src/util/show.ts), so no value can end the line or hide what it says.
 */
const escapeData = (s: string) => escapeText(s.replace(/%/g, "%25").replace(/\r/g, "%0D").replace(/\n/g, "%0A"));
const escapeProperty = (s: string) => escapeData(s).replace(/:/g, "%3A").replace(/,/g, "%2C");

/** One `::error` / `::warning` / `::notice` workflow command; file, line and col only when known. */
export function githubAnnotation(
  severity: Severity,
  rule: string,
  message: string,
  at: { file?: string | undefined; line?: number | undefined; column?: number | undefined },
): string {
  const command = severity === "info" ? "notice" : severity;
  const properties = [
    at.file === undefined ? undefined : `file=${escapeProperty(at.file)}`,
    at.line === undefined ? undefined : `line=${at.line}`,
    at.column === undefined ? undefined : `col=${at.column}`,
    `title=${escapeProperty(`wssgen ${rule}`)}`,
  ].filter((p) => p !== undefined);
  return `::${command} ${properties.join(",")}::${escapeData(message)}`;
}

function githubLine(f: LocatedFinding): string {
  const path = formatPath(f.path);
  return githubAnnotation(f.severity, f.rule, `${path ? `${path}: ` : ""}${f.message}`, f);
}

/**
 * A problem that stopped `check` before it had a result: a usage error (bad flag, no config file),
 * an environment error (nginx required but missing), a config error found outside the schema step,
 * or a bug. `rule` is `usage`, `environment`, `schema`, `nginx` or `internal`.
 */
export interface CheckFailure {
  rule: string;
  message: string;
  file?: string | undefined;
  line?: number | undefined;
  column?: number | undefined;
  path?: string | undefined;
}

/**
 * The failure in a machine format, so that `--format json` always prints one JSON document (the
 * same shape as a result: docs/recipes/ci.md#json-output) and `--format github` always annotations.
 */
export function formatCheckFailure(
  failures: CheckFailure[],
  format: "json" | "github",
  exitCode: number,
  file: string | undefined,
): string {
  if (format === "github")
    return `${failures.map((f) => githubAnnotation("error", f.rule, `${f.path ? `${f.path}: ` : ""}${f.message}`, f)).join("\n")}\n`;
  const document = {
    version: 1,
    file: file ?? failures.find((f) => f.file !== undefined)?.file ?? null,
    nginxVersion: null,
    target: null,
    nginx: { status: "skipped", binary: "nginx", version: null },
    summary: { errors: failures.length, warnings: 0, infos: 0 },
    exitCode,
    findings: failures.map((f) => ({
      rule: f.rule,
      severity: "error",
      message: f.message,
      file: f.file ?? null,
      line: f.line ?? null,
      column: f.column ?? null,
      path: f.path ?? "",
    })),
  };
  return toJson(document);
}

function plural(n: number, word: string): string {
  return `${n} ${word}${n === 1 ? "" : "s"}`;
}

export function summaryLine(result: CheckResult, color?: ChalkInstance): string {
  const { errors, warnings, infos } = result.summary;
  const nginx = {
    passed: `nginx ${result.nginx.version ?? ""} -t passed`,
    failed: `nginx ${result.nginx.version ?? ""} -t failed`,
    skipped: "nginx -t skipped",
    unavailable: "nginx -t not run (nginx not found)",
  }[result.nginx.status];
  const counts = `${plural(errors, "error")}, ${plural(warnings, "warning")}, ${plural(infos, "info")}`;
  const forVersion = result.nginxVersion ? ` for nginx ${result.nginxVersion}` : "";
  const text = escapeText(`${result.file}: ${counts}; ${nginx}${forVersion}`);
  if (!color) return text;
  return result.exitCode === 0 ? color.green(text) : color.red(text);
}

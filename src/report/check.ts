/**
 * `check` results for people (text, colour on a TTY only), for tools (JSON, a stable documented
 * shape: docs/recipes/ci.md#json-output) and for GitHub workflow annotations. Each returns a string.
 */
import type { ChalkInstance } from "chalk";
import { formatPath } from "../config/path.js";
import type { CheckResult, LocatedFinding } from "../check/check.js";

export type CheckFormat = "text" | "json" | "github";

export function formatCheck(result: CheckResult, format: CheckFormat, color: ChalkInstance): string {
  if (format === "json") return `${JSON.stringify(checkJson(result), null, 2)}\n`;
  const lines = result.findings.map((f) => (format === "github" ? githubLine(f) : textLine(f, color)));
  lines.push(summaryLine(result, format === "text" ? color : undefined));
  return `${lines.join("\n")}\n`;
}

export function checkJson(result: CheckResult) {
  return {
    version: 1,
    file: result.file,
    target: result.target ?? null,
    nginx: { status: result.nginx.status, binary: result.nginx.binary, version: result.nginx.version ?? null },
    summary: result.summary,
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

function textLine(f: LocatedFinding, color: ChalkInstance): string {
  const severity =
    f.severity === "error" ? color.red("error") : f.severity === "warning" ? color.yellow("warning") : color.blue("info");
  const path = formatPath(f.path);
  return `${f.file}:${f.line}:${f.column} ${path ? `${path}: ` : ""}${severity}: ${f.message} ${color.dim(`[${f.rule}]`)}`;
}

const escapeData = (s: string) => s.replace(/%/g, "%25").replace(/\r/g, "%0D").replace(/\n/g, "%0A");
const escapeProperty = (s: string) => escapeData(s).replace(/:/g, "%3A").replace(/,/g, "%2C");

function githubLine(f: LocatedFinding): string {
  const command = f.severity === "info" ? "notice" : f.severity;
  const path = formatPath(f.path);
  const properties = `file=${escapeProperty(f.file)},line=${f.line},col=${f.column},title=${escapeProperty(`wssgen ${f.rule}`)}`;
  return `::${command} ${properties}::${escapeData(`${path ? `${path}: ` : ""}${f.message}`)}`;
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
  const target = result.target ? ` for nginx ${result.target}` : "";
  const text = `${result.file}: ${counts}; ${nginx}${target}`;
  if (!color) return text;
  return result.exitCode === 0 ? color.green(text) : color.red(text);
}

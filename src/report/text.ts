/** Formatting results for people. Returns strings; the CLI decides where they go. */
import type { ChalkInstance } from "chalk";
import { formatPath } from "../config/path.js";
import type { ConfigSource } from "../config/source.js";
import type { Finding } from "../lint/index.js";

export function formatFinding(finding: Finding, source: ConfigSource, color: ChalkInstance): string {
  const { line, column } = source.locate(finding.path);
  const severity =
    finding.severity === "error"
      ? color.red("error")
      : finding.severity === "warning"
        ? color.yellow("warning")
        : color.blue("info");
  return `${source.file}:${line}:${column} ${formatPath(finding.path)}: ${severity}: ${finding.message} ${color.dim(`[${finding.rule}]`)}`;
}

/** Findings in file order, one line each. */
export function formatFindings(findings: Finding[], source: ConfigSource, color: ChalkInstance): string[] {
  return findings
    .map((finding) => ({ finding, at: source.locate(finding.path) }))
    .sort((a, b) => a.at.line - b.at.line || a.at.column - b.at.column)
    .map(({ finding }) => formatFinding(finding, source, color));
}

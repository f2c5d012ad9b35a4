/** Formatting results for people. Returns strings; the CLI decides where they go. */
import type { ChalkInstance } from "chalk";
import { formatPath } from "../config/path.js";
import type { ConfigSource } from "../config/source.js";
import type { Finding, Severity } from "../lint/index.js";
import { RULE_IDS } from "../config/rule-ids.js";
import { escapeText } from "../util/show.js";

/** A finding placed in its file (1-based line and column). */
export interface PlacedFinding extends Finding {
  file: string;
  line: number;
  column: number;
}

/** More findings than this of one rule become one line in text output (JSON and GitHub keep every one). */
export const GROUP_OVER = 3;
/** How many further locations a grouped line names. */
export const GROUP_SHOWN = 3;

/**
 * Rules whose findings are grouped: the lint rules and check's stand-in notes. Schema errors and
 * nginx's messages are never grouped: each says something different and each needs fixing.
 */
const GROUPED = new Set<string>([...RULE_IDS, "stub-certs", "stub-hosts", "stub-ports", "stub-listen"]);
const LINT_RULES = new Set<string>(RULE_IDS);

function severityWord(severity: Severity, color: ChalkInstance): string {
  return severity === "error" ? color.red("error") : severity === "warning" ? color.yellow("warning") : color.blue("info");
}

/** `file:line:column path: severity: message [rule]`, every piece escaped (src/util/show.ts) before colouring. */
export function findingLine(f: PlacedFinding, color: ChalkInstance): string {
  const path = escapeText(formatPath(f.path));
  return `${escapeText(f.file)}:${f.line}:${f.column} ${path ? `${path}: ` : ""}${severityWord(f.severity, color)}: ${escapeText(f.message)} ${color.dim(`[${escapeText(f.rule)}]`)}`;
}

/**
 * Text lines for findings already in file order: one line each, except that more than GROUP_OVER
 * findings of one rule and severity become one line at the first of them, with the count, the next
 * GROUP_SHOWN locations, and how to see them all or turn the rule off (`lint.rules`, docs/config.md).
 * 2,000 sites without `origins` are one line, not 2,000 (525 KB).
 */
export function findingLines(findings: readonly PlacedFinding[], color: ChalkInstance, seeAll: string): string[] {
  const groups = new Map<string, PlacedFinding[]>();
  for (const f of findings) {
    if (!GROUPED.has(f.rule)) continue;
    const key = `${f.rule}\0${f.severity}`;
    const group = groups.get(key);
    if (group) group.push(f);
    else groups.set(key, [f]);
  }
  const lines: string[] = [];
  for (const f of findings) {
    const group = GROUPED.has(f.rule) ? groups.get(`${f.rule}\0${f.severity}`)! : [f];
    if (group.length <= GROUP_OVER) lines.push(findingLine(f, color));
    else if (group[0] === f) lines.push(`${findingLine(f, color)} ${color.dim(groupNote(group, seeAll))}`);
  }
  return lines;
}

function groupNote(group: readonly PlacedFinding[], seeAll: string): string {
  const rest = group.slice(1);
  const shown = rest.slice(0, GROUP_SHOWN).map((f) => {
    const path = escapeText(formatPath(f.path));
    return `${f.line}:${f.column}${path ? ` ${path}` : ""}`;
  });
  const more = rest.length > GROUP_SHOWN ? ", …" : "";
  const rule = escapeText(group[0]!.rule);
  const silence = LINT_RULES.has(rule) ? `; to silence it: lint: { rules: { ${rule}: off } }` : "";
  return `(and ${rest.length} more like it, at ${shown.join(", ")}${more}; all ${group.length}: ${seeAll}${silence})`;
}

/** Findings in file order, one line each, repeats of one rule grouped (see findingLines). */
export function formatFindings(findings: Finding[], source: ConfigSource, color: ChalkInstance): string[] {
  const placed = findings
    .map((finding) => ({ ...finding, file: source.file, ...source.locate(finding.path) }))
    .sort((a, b) => a.line - b.line || a.column - b.column);
  return findingLines(placed, color, "wssgen check --format json");
}

/**
 * Turning zod's issues into wssgen's one-line problems: the right branch of a union, the unknown key
 * with a "did you mean", a located message for each.
 */
import type { z } from "zod";
import type { ConfigProblem } from "../errors.js";
import { showValue } from "../util/show.js";
import type { KeyPath, PathSegment } from "./path.js";
import { knownKeys } from "./schema-at.js";
import { didYouMean } from "./suggest.js";
import { typeName } from "./schema.js";

/** Makes a located problem; `key: true` points at the key rather than its value. */
export type Report = (path: KeyPath, message: string, options?: { key?: boolean }) => ConfigProblem;

type Issue = z.core.$ZodIssue;

const EXPECTED: Record<string, string> = {
  array: "a list",
  object: "a mapping",
  record: "a mapping",
  string: "a string",
  number: "a number",
  boolean: "true or false",
};

/**
 * One problem per key for zod's issues about `data`. Messages show values and keys with `showValue`
 * (quoted, escaped, cut), never raw: a key can hold a newline and a GitHub workflow command.
 */
export function issuesToProblems(data: unknown, schema: z.ZodType, issues: readonly Issue[], report: Report): ConfigProblem[] {
  const problems: ConfigProblem[] = [];
  const visit = (issue: Issue, base: KeyPath) => {
    const path: KeyPath = [...base, ...(issue.path as PathSegment[])];
    switch (issue.code) {
      case "invalid_union": {
        const branch = pickBranch(issue.errors);
        if (branch) for (const inner of branch) visit(inner, path);
        else problems.push(report(path, issue.message));
        return;
      }
      case "unrecognized_keys":
        for (const key of issue.keys) {
          const known = knownKeys(schema, path);
          problems.push(report([...path, key], `unknown key ${showValue(key)}${didYouMean(key, known)}`, { key: true }));
        }
        return;
      case "invalid_key": {
        const key = path[path.length - 1];
        for (const inner of issue.issues)
          problems.push(report(path, `invalid name ${showValue(key)}: ${inner.message}`, { key: true }));
        return;
      }
      case "invalid_type":
        if (valueAt(data, path) === undefined) {
          problems.push(report(path, "is required"));
          return;
        }
        problems.push(
          report(
            path,
            issue.message.startsWith("Invalid input")
              ? `expected ${EXPECTED[issue.expected] ?? issue.expected}, got ${typeName(valueAt(data, path))}`
              : issue.message,
          ),
        );
        return;
      default:
        problems.push(report(path, issue.message));
    }
  };
  for (const issue of issues) visit(issue, []);
  // one problem per key: a number that is both too large and not whole is one mistake
  const seen = new Set<string>();
  return problems.filter((p) => !seen.has(p.path) && Boolean(seen.add(p.path)));
}

/** The union branch the value was evidently meant for: the one whose failure is not a type mismatch at its root. */
function pickBranch(branches: readonly (readonly Issue[])[]): readonly Issue[] | undefined {
  const plausible = branches.filter(
    (branch) => !branch.some((issue) => issue.code === "invalid_type" && issue.path.length === 0),
  );
  return plausible.length === 1 ? plausible[0] : undefined;
}

function valueAt(data: unknown, path: KeyPath): unknown {
  let value = data;
  for (const segment of path) {
    if (value === null || typeof value !== "object") return undefined;
    value = (value as Record<PathSegment, unknown>)[segment];
  }
  return value;
}

/**
 * Turning zod's issues into wssgen's one-line problems: the right branch of a union, the unknown key
 * with a "did you mean", a located message for each.
 */
import type { z } from "zod";
import type { ConfigProblem } from "../errors.js";
import type { KeyPath, PathSegment } from "./path.js";
import type { ConfigSource } from "./source.js";
import { problemAt } from "./source.js";
import { didYouMean } from "./suggest.js";
import { typeName } from "./schema.js";

type Issue = z.core.$ZodIssue;

const EXPECTED: Record<string, string> = {
  array: "a list",
  object: "a mapping",
  record: "a mapping",
  string: "a string",
  number: "a number",
  boolean: "true or false",
};

export function issuesToProblems(source: ConfigSource, schema: z.ZodType, issues: readonly Issue[]): ConfigProblem[] {
  const problems: ConfigProblem[] = [];
  const visit = (issue: Issue, base: KeyPath) => {
    const path: KeyPath = [...base, ...(issue.path as PathSegment[])];
    switch (issue.code) {
      case "invalid_union": {
        const branch = pickBranch(issue.errors);
        if (branch) for (const inner of branch) visit(inner, path);
        else problems.push(problemAt(source, path, issue.message));
        return;
      }
      case "unrecognized_keys":
        for (const key of issue.keys) {
          const known = knownKeys(schema, path);
          problems.push(problemAt(source, [...path, key], `unknown key "${key}"${didYouMean(key, known)}`, { key: true }));
        }
        return;
      case "invalid_key": {
        const key = path[path.length - 1];
        for (const inner of issue.issues)
          problems.push(problemAt(source, path, `invalid name ${JSON.stringify(key)}: ${inner.message}`, { key: true }));
        return;
      }
      case "invalid_type":
        if (valueAt(source.data, path) === undefined) {
          problems.push(problemAt(source, path, "is required"));
          return;
        }
        problems.push(
          problemAt(
            source,
            path,
            issue.message.startsWith("Invalid input")
              ? `expected ${EXPECTED[issue.expected] ?? issue.expected}, got ${typeName(valueAt(source.data, path))}`
              : issue.message,
          ),
        );
        return;
      default:
        problems.push(problemAt(source, path, issue.message));
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

interface Def {
  type: string;
  keyType?: { _zod: { def: Def } };
  entries?: Record<string, unknown>;
  shape?: Record<string, { _zod: { def: Def } }>;
  innerType?: { _zod: { def: Def } };
  element?: { _zod: { def: Def } };
  valueType?: { _zod: { def: Def } };
  options?: { _zod: { def: Def } }[];
  in?: { _zod: { def: Def } };
}

/** The keys the schema allows for the object at `path` (following optionals, arrays, records, unions). */
export function knownKeys(schema: z.ZodType, path: KeyPath): string[] {
  let defs: Def[] = [(schema as unknown as { _zod: { def: Def } })._zod.def];
  const unwrap = (list: Def[]): Def[] =>
    list.flatMap((def) => {
      if (def.innerType) return unwrap([def.innerType._zod.def]);
      if (def.type === "pipe" && def.in) return unwrap([def.in._zod.def]);
      if (def.type === "union" && def.options) return unwrap(def.options.map((o) => o._zod.def));
      return [def];
    });
  for (const segment of path) {
    defs = unwrap(defs).flatMap((def) => {
      if (def.type === "object" && def.shape && typeof segment === "string") {
        const child = def.shape[segment];
        return child ? [child._zod.def] : [];
      }
      if (def.type === "array" && def.element) return [def.element._zod.def];
      if (def.type === "record" && def.valueType) return [def.valueType._zod.def];
      return [];
    });
  }
  return unwrap(defs).flatMap((def) => {
    if (def.type === "object" && def.shape) return Object.keys(def.shape);
    // a record keyed by an enum (lint.rules): its keys are the enum's values
    const keys = def.type === "record" ? def.keyType?._zod.def : undefined;
    return keys?.type === "enum" && keys.entries ? Object.keys(keys.entries) : [];
  });
}

/**
 * Typed `${VAR}` (docs/config.md, "Environment variables"): a number or boolean field whose whole value is one reference,
 * `keepalive: ${KA:-16}` or `http2: ${H2:-false}`, gets the number or boolean the text spells, as
 * YAML would have read it unquoted. Driven by the schema, not a list of keys: the value becomes
 * typed exactly when the schema at its key rejects the text and accepts the typed value, so strings
 * stay strings (`nginx.version: ${V}` keeps "1.20"), and durations take `30` as seconds and `30s`
 * as text.
 */
import type { z } from "zod";
import type { ConfigProblem } from "../errors.js";
import type { KeyPath, PathSegment } from "./path.js";
import type { Provenance } from "./provenance.js";
import { describeReference } from "./provenance.js";
import { alternatives, defOf, schemasAt } from "./schema-at.js";

/** YAML 1.2 core schema numbers (decimal; no hex, octal, .inf or .nan, which no wssgen key takes). */
const NUMBER = /^[-+]?(?:\.[0-9]+|[0-9]+(?:\.[0-9]*)?)(?:[eE][-+]?[0-9]+)?$/;
/** YAML 1.2 core schema booleans. */
const BOOLEAN = /^(?:true|True|TRUE|false|False|FALSE)$/;

function typedValue(text: string): number | boolean | undefined {
  if (NUMBER.test(text)) return Number(text);
  if (BOOLEAN.test(text)) return text.toLowerCase() === "true";
  return undefined;
}

const STRING_TYPES = new Set(["string", "enum", "literal", "template_literal"]);

/**
 * Types the whole-reference values in `data` (changed in place) where `schema` asks for a number or
 * a boolean. Returns a problem, naming the variable and the expected type, for each value that
 * cannot be one; `report` locates it.
 */
export function typeReferences(
  data: unknown,
  schema: z.ZodType,
  provenance: Provenance,
  report: (path: KeyPath, message: string) => ConfigProblem,
): ConfigProblem[] {
  const problems: ConfigProblem[] = [];
  for (const reference of provenance.all()) {
    if (!reference.whole) continue;
    const candidates = schemasAt(schema, reference.path);
    if (!candidates.length || candidates.some((c) => c.safeParse(reference.value).success)) continue;
    const typed = typedValue(reference.value);
    if (typed !== undefined && candidates.some((c) => c.safeParse(typed).success)) {
      setAt(data, reference.path, typed);
      continue;
    }
    const types = new Set(candidates.flatMap(alternatives).map((c) => defOf(c).type));
    if ([...types].some((type) => STRING_TYPES.has(type) || type === "union")) continue; // a string field: zod says what is wrong
    const wanted = [types.has("number") ? "number" : undefined, types.has("boolean") ? "boolean" : undefined].filter(
      (t) => t !== undefined,
    );
    if (!wanted.length) continue;
    if (typed !== undefined && wanted.includes(typeof typed)) {
      // the right type, out of range: the schema's own message says the range
      setAt(data, reference.path, typed);
      continue;
    }
    const expected = wanted.length === 2 ? "a number, true or false" : wanted[0] === "number" ? "a number" : "true or false";
    problems.push(
      report(
        reference.path,
        `expected ${expected}, but ${describeReference(reference)} is ${wanted.length === 1 && wanted[0] === "boolean" ? "neither" : "not one"}`,
      ),
    );
  }
  return problems;
}

function setAt(data: unknown, path: KeyPath, value: unknown): void {
  let node = data as Record<PathSegment, unknown>;
  for (const segment of path.slice(0, -1)) node = node[segment] as Record<PathSegment, unknown>;
  node[path[path.length - 1]!] = value;
}

/**
 * Reading the zod schema by key path: which schemas may describe the value at `sites[0].listen`.
 * Unions give several (a server is a string or a mapping), wrappers (optional, pipe) are looked
 * through. The did-you-mean for unknown keys and the typing of `${VAR}` values both ask it.
 */
import type { z } from "zod";
import type { KeyPath } from "./path.js";

interface Def {
  type: string;
  keyType?: z.ZodType;
  entries?: Record<string, unknown>;
  shape?: Record<string, z.ZodType>;
  innerType?: z.ZodType;
  element?: z.ZodType;
  valueType?: z.ZodType;
  options?: z.ZodType[];
  in?: z.ZodType;
}

export function defOf(schema: z.ZodType): Def {
  return (schema as unknown as { _zod: { def: Def } })._zod.def;
}

/** The schemas a value is checked against, with optional/default/pipe wrappers and unions opened. */
export function alternatives(schema: z.ZodType): z.ZodType[] {
  const def = defOf(schema);
  if (def.innerType) return alternatives(def.innerType);
  if (def.type === "pipe" && def.in) return alternatives(def.in);
  if (def.type === "union" && def.options) {
    // a union with checks of its own (a refined duration) validates as a whole: keep it whole
    if ((def as { checks?: unknown[] }).checks?.length) return [schema];
    return def.options.flatMap(alternatives);
  }
  return [schema];
}

/** The schemas (after `alternatives`) that may describe the value at `path`; empty when none does. */
export function schemasAt(schema: z.ZodType, path: KeyPath): z.ZodType[] {
  let schemas = alternatives(schema);
  for (const segment of path) {
    schemas = schemas.flatMap((candidate) => {
      const def = defOf(candidate);
      if (def.type === "object" && def.shape && typeof segment === "string") {
        const child = Object.hasOwn(def.shape, segment) ? def.shape[segment] : undefined;
        return child ? alternatives(child) : [];
      }
      if (def.type === "array" && def.element && typeof segment === "number") return alternatives(def.element);
      if (def.type === "record" && def.valueType) return alternatives(def.valueType);
      if (def.type === "union" && def.options) return def.options.flatMap(alternatives).flatMap((o) => schemasAt(o, [segment]));
      return [];
    });
  }
  return schemas;
}

/** The keys the schema allows for the mapping at `path` (following optionals, arrays, records, unions). */
export function knownKeys(schema: z.ZodType, path: KeyPath): string[] {
  return schemasAt(schema, path).flatMap((candidate) => {
    const def = defOf(candidate);
    if (def.type === "object" && def.shape) return Object.keys(def.shape);
    // a record keyed by an enum (lint.rules): its keys are the enum's values
    const keys = def.type === "record" && def.keyType ? defOf(def.keyType) : undefined;
    return keys?.type === "enum" && keys.entries ? Object.keys(keys.entries) : [];
  });
}

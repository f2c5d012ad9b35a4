/**
 * Schema validation in pieces, with a bound on what a config full of mistakes can cost. zod keeps
 * every issue of one parse in memory and merges them with `push(...issues)`, which overflows the
 * stack at about 100,000 issues; a 14 kB YAML file of aliases expands to millions of bad values. So
 * the config is checked without its upstreams and sites first, then each upstream and each site on
 * its own (each at most `limits.entry` values, counted before zod sees it), and the checking stops
 * once `maxIssues` issues are found.
 */
import type { z } from "zod";
import type { KeyPath } from "./path.js";
import { configShellSchema, siteSchema, upstreamsSchema, type RawConfig } from "./schema.js";

type Issue = z.core.$ZodIssue;

export type Validation =
  | { ok: true; data: RawConfig }
  | {
      ok: false;
      issues: Issue[];
      /** entries over `limits.entry` values, not validated */
      oversized: KeyPath[];
      /** whether checking stopped at `maxIssues` before the end */
      stopped: boolean;
    };

/** How many pieces (the shell, each upstream, each site) are validated before zod's compiled parsers are used. */
const JIT_AFTER = 16;
/**
 * The most values a piece may hold and still be parsed without compiling: zod's other path merges an
 * object's issues with `push(...issues)` per key, which overflows the stack at about 100,000 issues under
 * one key (a site with 300,000 bad domains and a raised WSSGEN_MAX_ENTRY_VALUES); its compiled parsers do not.
 */
const JITLESS_MAX_VALUES = 5_000;

/** Validates `data` (a mapping) like `configSchema.safeParse`, in pieces; see the module comment. */
export function validateConfig(data: Record<string, unknown>, limits: { entry: number; maxIssues: number }): Validation {
  const issues: Issue[] = [];
  const oversized: KeyPath[] = [];
  const full = () => issues.length >= limits.maxIssues;
  // zod compiles a parser (new Function) for each object shape on its first parse: worth it for many
  // sites, not for a few (~10 ms of a one-site render's start-up). The first pieces are parsed
  // without it, the same answers by zod's other path; from the JIT_AFTER-th piece on, compiled.
  let pieces = 0;
  /** `value` checked by `schema`, its issues' paths under `at`; too large, it is `entry` that is reported */
  const check = <T>(schema: z.ZodType<T>, value: unknown, at: KeyPath, counted = value, entry = at): T | undefined => {
    const values = countValues(counted, limits.entry);
    if (values > limits.entry) {
      oversized.push(entry);
      return undefined;
    }
    const parsed = schema.safeParse(value, { jitless: pieces++ < JIT_AFTER && values <= JITLESS_MAX_VALUES });
    if (parsed.success) return parsed.data;
    for (const issue of parsed.error.issues) issues.push({ ...issue, path: [...at, ...issue.path] });
    return undefined;
  };

  // an unknown top-level key is an error whatever it holds: its contents are neither counted nor checked;
  // the shell's own values are counted, not its stand-ins for the upstreams and sites (checked below)
  const others = Object.fromEntries(
    Object.entries(data)
      .filter(([key]) => key !== "upstreams" && key !== "sites")
      .map(([key, value]) => [key, key in configShellSchema.shape ? value : null]),
  );
  const shell = check(
    configShellSchema,
    { ...others, upstreams: objectOr(data.upstreams), sites: listOr(data.sites) },
    [],
    others,
  );
  const upstreams: Record<string, unknown> = {};
  if (isObject(data.upstreams))
    for (const [name, value] of Object.entries(data.upstreams)) {
      if (full()) break;
      const parsed = check(upstreamsSchema, { [name]: value }, ["upstreams"], value, ["upstreams", name]);
      if (parsed) Object.assign(upstreams, parsed);
    }
  const sites: unknown[] = [];
  if (Array.isArray(data.sites))
    for (let i = 0; i < data.sites.length && !full(); i++) sites.push(check(siteSchema, data.sites[i], ["sites", i]));
  if (shell === undefined || issues.length || oversized.length)
    return { ok: false, issues: issues.slice(0, limits.maxIssues), oversized, stopped: full() };
  return { ok: true, data: { ...shell, upstreams, sites } as RawConfig };
}

/** The shell sees the real upstreams and sites when they have the right type, so its type errors stay as they were. */
function objectOr(value: unknown): unknown {
  return isObject(value) ? {} : value;
}
function listOr(value: unknown): unknown {
  return Array.isArray(value) ? value.map(() => null) : value;
}
function isObject(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === "object" && !Array.isArray(value);
}

/** How many values `value` holds (itself included), counting at most to `stop + 1`. */
function countValues(value: unknown, stop: number): number {
  let count = 0;
  const stack: unknown[] = [value];
  while (stack.length && count <= stop) {
    const next = stack.pop();
    count++;
    if (Array.isArray(next)) for (const item of next) stack.push(item);
    else if (next !== null && typeof next === "object") for (const item of Object.values(next)) stack.push(item);
  }
  return count;
}

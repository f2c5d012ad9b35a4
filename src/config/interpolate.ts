/**
 * `${VAR}` and `${VAR:-default}` from the environment in string values (SPEC §2). `$${` writes a
 * literal `${`, which nginx expressions need for their own `${name}` form.
 */
import type { ConfigProblem } from "../errors.js";
import type { KeyPath } from "./path.js";

export type Env = Readonly<Record<string, string | undefined>>;

const REFERENCE = /\$\$\{|\$\{([A-Za-z_][A-Za-z0-9_]*)(?::-([^}]*))?\}|\$\{/g;

export function interpolate(
  data: unknown,
  env: Env,
  report: (path: KeyPath, message: string) => ConfigProblem,
): { data: unknown; problems: ConfigProblem[] } {
  const problems: ConfigProblem[] = [];
  const visit = (value: unknown, path: KeyPath): unknown => {
    if (typeof value === "string") return value.includes("${") ? expand(value, path) : value;
    if (Array.isArray(value)) return value.map((item, i) => visit(item, [...path, i]));
    if (value !== null && typeof value === "object") {
      const out: Record<string, unknown> = {};
      for (const [key, item] of Object.entries(value)) {
        // assigning "__proto__" would replace the object's prototype instead of adding a key
        if (key === "__proto__") problems.push(report([...path, key], 'the key "__proto__" is not allowed'));
        else out[key] = visit(item, [...path, key]);
      }
      return out;
    }
    return value;
  };
  const expand = (value: string, path: KeyPath): string =>
    value.replace(REFERENCE, (match, name: string | undefined, fallback: string | undefined) => {
      if (match === "$${") return "${";
      if (name === undefined) {
        problems.push(report(path, 'malformed "${": write ${NAME} or ${NAME:-default}, or $${ for a literal "${"'));
        return match;
      }
      const resolved = env[name];
      if (resolved !== undefined && resolved !== "") return resolved;
      if (fallback !== undefined) return fallback;
      if (resolved === "") return resolved;
      problems.push(report(path, `environment variable ${name} is not set (set it, or write \${${name}:-default})`));
      return match;
    });
  return { data: visit(data, []), problems };
}

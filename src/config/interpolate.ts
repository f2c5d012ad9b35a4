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
  // the data was just parsed and is ours: strings are replaced in place, and the key path is a
  // stack copied only when a problem is reported (100,000 sites make a million nodes)
  const path: (string | number)[] = [];
  const expand = (value: string): string =>
    value.replace(REFERENCE, (match, name: string | undefined, fallback: string | undefined) => {
      if (match === "$${") return "${";
      if (name === undefined) {
        problems.push(report([...path], 'malformed "${": write ${NAME} or ${NAME:-default}, or $${ for a literal "${"'));
        return match;
      }
      const resolved = env[name];
      if (resolved !== undefined && resolved !== "") return resolved;
      if (fallback !== undefined) return fallback;
      if (resolved === "") return resolved;
      problems.push(report([...path], `environment variable ${name} is not set (set it, or write \${${name}:-default})`));
      return match;
    });
  const visit = (value: unknown): unknown => {
    if (typeof value === "string") return value.includes("${") ? expand(value) : value;
    if (Array.isArray(value)) {
      for (let i = 0; i < value.length; i++) {
        path.push(i);
        const item: unknown = value[i];
        const next = visit(item);
        if (next !== item) value[i] = next;
        path.pop();
      }
    } else if (value !== null && typeof value === "object") {
      const object = value as Record<string, unknown>;
      for (const key of Object.keys(object)) {
        path.push(key);
        // a "__proto__" key would replace the object's prototype when the schema copies it
        if (key === "__proto__") problems.push(report([...path], 'the key "__proto__" is not allowed'));
        else {
          const item = object[key];
          const next = visit(item);
          if (next !== item) object[key] = next;
        }
        path.pop();
      }
    }
    return value;
  };
  return { data: visit(data), problems };
}

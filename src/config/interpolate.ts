/**
 * `${VAR}` and `${VAR:-default}` from the environment in string values (docs/config.md, "Environment
 * variables"). `$${` writes a literal `${`, which nginx expressions need for their own `${name}` form
 * (docs/decisions.md). Interpolation records which keys got their value (or part of it) from the
 * environment, so that no message prints it (see provenance.ts), and which were exactly one
 * reference, so that `typeReferences` can read `keepalive: ${KA:-16}` as a number.
 */
import type { ConfigProblem } from "../errors.js";
import type { KeyPath } from "./path.js";
import { pathKey, Provenance, type Reference, type Secret } from "./provenance.js";

export type Env = Readonly<Record<string, string | undefined>>;

const REFERENCE = /\$\$\{|\$\{([A-Za-z_][A-Za-z0-9_]*)(?::-([^}]*))?\}|\$\{/g;
/** A value that is one reference and nothing else. */
const WHOLE = /^\$\{[A-Za-z_][A-Za-z0-9_]*(?::-[^}]*)?\}$/;

export interface Interpolated {
  data: unknown;
  problems: ConfigProblem[];
  /** the keys whose value used `${...}`, and the values the environment supplied */
  provenance: Provenance;
}

/**
 * Replaces references in every string value of `data` (in place: the data was just parsed and is
 * ours). Keys are never interpolated. `report` turns a key path and a message into a located problem.
 */
export function interpolate(
  data: unknown,
  env: Env,
  report: (path: KeyPath, message: string) => ConfigProblem,
  /** the config file as written (see Provenance) */
  fileText = "",
): Interpolated {
  const problems: ConfigProblem[] = [];
  const references = new Map<string, Reference>();
  const secrets = new Map<string, Secret>();
  // the key path is a stack copied only when a value uses "${" (100,000 sites make a million nodes)
  const path: (string | number)[] = [];
  const expand = (template: string): string => {
    const variables: string[] = [];
    let fromEnvironment = false;
    const value = template.replace(REFERENCE, (match, name: string | undefined, fallback: string | undefined) => {
      if (match === "$${") return "${";
      if (name === undefined) {
        problems.push(report([...path], 'malformed "${": write ${NAME} or ${NAME:-default}, or $${ for a literal "${"'));
        return match;
      }
      if (!variables.includes(name)) variables.push(name);
      const resolved = env[name];
      if (resolved !== undefined && resolved !== "") {
        secrets.set(`${name}\0${resolved}`, { name, value: resolved });
        fromEnvironment = true;
        return resolved;
      }
      if (fallback !== undefined) return fallback;
      if (resolved === "") return resolved;
      problems.push(report([...path], `environment variable ${name} is not set (set it, or write \${${name}:-default})`));
      return match;
    });
    if (variables.length)
      references.set(pathKey(path), {
        path: [...path],
        template,
        value,
        variables,
        whole: WHOLE.test(template),
        fromEnvironment,
      });
    return value;
  };
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
  const expanded = visit(data);
  return { data: expanded, problems, provenance: new Provenance(references, [...secrets.values()], fileText) };
}

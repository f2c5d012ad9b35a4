/**
 * Which config values came from the environment (`${VAR}`), so that no message ever prints one: a
 * CI log is public to everyone who can read the workflow, and `${VAR}` is how secrets reach a
 * config. Messages name the variable instead (`the value of ${SECRET_DOMAIN} is not a valid domain`).
 *
 * Two layers. A message about a key whose value was interpolated has that value (as `showValue`
 * prints it) replaced by a phrase that names the variables; and every message, whatever key it is
 * about, has each value the environment supplied (and any long piece of one) replaced by `${NAME}`,
 * which covers lint findings and nginx errors that quote a value from another key.
 */
import { showValue } from "../util/show.js";
import type { KeyPath } from "./path.js";

/** A string value that used `${...}`: as written in the file, and what it became. */
export interface Reference {
  /** where the value is */
  path: KeyPath;
  /** the value as written in the file, e.g. `x.${DOMAIN}.example.com` (never secret: it is in the file) */
  template: string;
  /** the value after interpolation */
  value: string;
  /** every variable the template names, in order, without repeats */
  variables: string[];
  /** the template is exactly one reference, `${NAME}` or `${NAME:-default}` (then it may be typed) */
  whole: boolean;
  /** some variable was set in the environment; when none was, every part of the value is in the file */
  fromEnvironment: boolean;
}

/** A value taken from the environment (not a default written in the file). */
export interface Secret {
  name: string;
  value: string;
}

/** Fragments of a secret at least this long, and at least half of it, are redacted wherever they appear. */
const MIN_FRAGMENT = 6;
/** Shorter secrets (a port, a count) are redacted only as whole words, so "1.16" survives a secret "16". */
const MIN_ANYWHERE = 4;

export function pathKey(path: KeyPath): string {
  return JSON.stringify(path);
}

export class Provenance {
  private readonly secrets: readonly Secret[];

  constructor(
    private readonly references: ReadonlyMap<string, Reference> = new Map(),
    secrets: readonly Secret[] = [],
  ) {
    // longest first, so that a secret containing another is replaced whole
    this.secrets = [...secrets].filter((s) => s.value !== "").sort((a, b) => b.value.length - a.value.length);
  }

  /** Nothing came from the environment. */
  static readonly none = new Provenance();

  /** Whether no value used `${...}`. */
  isEmpty(): boolean {
    return this.references.size === 0;
  }

  /** Every value that used `${...}`. */
  all(): Iterable<Reference> {
    return this.references.values();
  }

  /** The reference at `path`, when that value used `${...}`. */
  at(path: KeyPath): Reference | undefined {
    return this.references.size ? this.references.get(pathKey(path)) : undefined;
  }

  /** The reference at `path` when the environment supplied (part of) its value: a value messages must not print. */
  secretAt(path: KeyPath): Reference | undefined {
    const reference = this.at(path);
    return reference?.fromEnvironment ? reference : undefined;
  }

  /** The variables the value at `path` came from, when the environment supplied one of them. */
  variablesAt(path: KeyPath): readonly string[] | undefined {
    return this.secretAt(path)?.variables;
  }

  /**
   * `message`, about the key at `path`, made safe to print: the key's own interpolated value (as
   * `showValue` prints it, cut or not) becomes a phrase naming its variables, and every secret is
   * redacted (see `redact`).
   */
  message(path: KeyPath, message: string): string {
    const reference = this.secretAt(path);
    let text = message;
    if (reference) text = text.split(showValue(reference.value)).join(describeReference(reference));
    return this.redact(text);
  }

  /** A finding's message: as `message`, and naming the variables when it does not already. */
  finding(path: KeyPath, message: string): string {
    const text = this.message(path, message);
    const variables = this.variablesAt(path);
    return variables && !namesAll(text, variables) ? `${text} ${fromVariables(variables)}` : text;
  }

  /**
   * `text` with every value the environment supplied replaced by `${NAME}`: as written, as
   * `showValue` escapes it, in any letter case, and any piece of at least half of it (at least 6
   * characters), which catches a value a message changed (lower-cased, its scheme swapped).
   */
  redact(text: string): string {
    let out = text;
    for (const { name, value } of this.secrets) {
      const reference = `\${${name}}`;
      for (const form of new Set([value, escaped(value)])) out = replaceAll(out, form, reference);
      out = replaceFragments(out, value, reference);
    }
    return out;
  }
}

/**
 * What stands for an interpolated value in a message: `the value of ${NAME}` for a value that is one
 * reference, the value as written (`"${CERT_DIR}/chat.pem"`) for one with text around its references.
 */
export function describeReference(reference: Reference): string {
  return reference.whole ? `the value of \${${reference.variables[0]!}}` : showValue(reference.template);
}

/** `(from ${A}, ${B})` */
export function fromVariables(variables: readonly string[]): string {
  return `(from ${variables.map((name) => `\${${name}}`).join(", ")})`;
}

/** Whether `text` already names every one of `variables` as `${NAME}`. */
export function namesAll(text: string, variables: readonly string[]): boolean {
  return variables.every((name) => text.includes(`\${${name}}`) || text.includes(`\${${name}:-`));
}

/** What `showValue` prints between its quotes for a short value. */
function escaped(value: string): string {
  const shown = showValue(value, Infinity);
  return shown.slice(1, -1);
}

function replaceAll(text: string, needle: string, replacement: string): string {
  if (needle === "") return text;
  const pattern = needle.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
  const bounded = needle.length < MIN_ANYWHERE ? `(?<![A-Za-z0-9])${pattern}(?![A-Za-z0-9])` : pattern;
  return text.replace(new RegExp(bounded, "gi"), () => replacement);
}

/** Replaces every run of `text` that is a piece of `secret` (case-insensitive) of the minimum length. */
function replaceFragments(text: string, secret: string, replacement: string): string {
  const min = Math.max(MIN_FRAGMENT, Math.ceil(secret.length / 2));
  if (secret.length < min || text.length < min) return text;
  const lowerSecret = secret.toLowerCase();
  const lowerText = text.toLowerCase();
  const grams = new Set<string>();
  for (let i = 0; i + min <= lowerSecret.length; i++) grams.add(lowerSecret.slice(i, i + min));
  let out = "";
  let i = 0;
  while (i < lowerText.length) {
    if (i + min <= lowerText.length && grams.has(lowerText.slice(i, i + min))) {
      // extend the piece as far as it stays a piece of the secret
      let end = i + min;
      while (end < lowerText.length && lowerSecret.includes(lowerText.slice(i, end + 1))) end++;
      out += replacement;
      i = end;
    } else out += text[i++];
  }
  return out;
}

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

  /**
   * @param references the values that used `${...}`, by `pathKey`
   * @param secrets the values the environment supplied
   * @param fileText the config file as written: a piece of a secret that it spells out is no secret
   */
  constructor(
    private readonly references: ReadonlyMap<string, Reference> = new Map(),
    secrets: readonly Secret[] = [],
    private readonly fileText = "",
  ) {
    // longest first, so that a secret containing another is replaced whole
    this.secrets = [...secrets].filter((s) => s.value !== "").sort((a, b) => b.value.length - a.value.length);
  }

  private fileLower: string | undefined;

  /** Whether the config file spells out `piece` (lower case) anywhere. */
  private inFile(piece: string): boolean {
    this.fileLower ??= this.fileText.toLowerCase();
    return this.fileLower.includes(piece);
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
   * `showValue` prints it, cut or not) becomes a phrase naming its variables, and every secret in
   * the rest is redacted (see `redact`).
   */
  message(path: KeyPath, message: string): string {
    const reference = this.secretAt(path);
    if (!reference) return this.redact(message);
    // a number the message took from the value (a port: "port 99999 is outside 1-65535") is a piece
    // of it too, unless the file spells it out
    const digits = (part: string) =>
      part.replace(/\d{2,}/g, (run) => (reference.value.includes(run) && !reference.template.includes(run) ? "…" : run));
    return message
      .split(showValue(reference.value))
      .map((part) => digits(this.redact(part)))
      .join(describeReference(reference));
  }

  /** A finding's message: as `message`, and naming the variables when it does not already. */
  finding(path: KeyPath, message: string): string {
    const text = this.message(path, message);
    const variables = this.variablesAt(path);
    return variables && !namesAll(text, variables) ? `${text} ${fromVariables(variables)}` : text;
  }

  /**
   * `text` with every value the environment supplied replaced: shown whole (`"..."`, as `showValue`
   * prints it) by `the value of ${NAME}`; as written, escaped, or in any letter case by `${NAME}`;
   * and any piece of at least half of it (at least 6 characters) that the config file does not spell
   * out itself by `${NAME}`, which catches a value a message changed (a wildcard's `*.` dropped).
   */
  redact(text: string): string {
    if (!this.secrets.length) return text;
    // pieces already replaced are kept apart, so that no later secret matches inside a replacement
    let pieces: { text: string; done: boolean }[] = [{ text, done: false }];
    const replace = (find: (text: string) => { start: number; end: number } | undefined, replacement: string) => {
      pieces = pieces.flatMap((piece) => {
        if (piece.done) return [piece];
        const out: { text: string; done: boolean }[] = [];
        let rest = piece.text;
        for (let match = find(rest); match; match = find(rest)) {
          if (match.start > 0) out.push({ text: rest.slice(0, match.start), done: false });
          out.push({ text: replacement, done: true });
          rest = rest.slice(match.end);
        }
        if (rest) out.push({ text: rest, done: false });
        return out;
      });
    };
    for (const { name, value } of this.secrets) {
      replace(finder(showValue(value), false), `the value of \${${name}}`);
      for (const form of new Set([value, escaped(value)])) replace(finder(form, form.length < MIN_ANYWHERE), `\${${name}}`);
      replace(
        fragmentFinder(value, (piece) => this.inFile(piece)),
        `\${${name}}`,
      );
    }
    return pieces.map((piece) => piece.text).join("");
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

/** Finds `needle` in any letter case; a short one only as a whole word ("1.16" keeps its "16"). */
function finder(needle: string, wholeWord: boolean) {
  const pattern = needle.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
  const re = new RegExp(wholeWord ? `(?<![A-Za-z0-9.])${pattern}(?![A-Za-z0-9])` : pattern, "i");
  return (text: string) => {
    if (needle === "") return undefined;
    const match = re.exec(text);
    return match ? { start: match.index, end: match.index + match[0].length } : undefined;
  };
}

/** Finds the first run of text that is a piece of `secret` (any letter case), long enough, and not in the file. */
function fragmentFinder(secret: string, inFile: (piece: string) => boolean) {
  const min = Math.max(MIN_FRAGMENT, Math.ceil(secret.length / 2));
  const lowerSecret = secret.toLowerCase();
  const grams = new Set<string>();
  for (let i = 0; i + min <= lowerSecret.length; i++) grams.add(lowerSecret.slice(i, i + min));
  return (text: string) => {
    if (secret.length < min) return undefined;
    const lower = text.toLowerCase();
    for (let start = 0; start + min <= lower.length; start++) {
      if (!grams.has(lower.slice(start, start + min))) continue;
      let end = start + min;
      while (end < lower.length && lowerSecret.includes(lower.slice(start, end + 1))) end++;
      // what the file spells out is no secret (a certificate directory shared with a key's path)
      if (!inFile(lower.slice(start, end))) return { start, end };
    }
    return undefined;
  };
}

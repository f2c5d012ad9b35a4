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
    const strict = this.variablesNear(path);
    if (!reference) return this.redact(message, strict);
    // a number the message took from the value (a port: "port 99999 is outside 1-65535") is a piece
    // of it too, unless the file spells it out
    const digits = (part: string) =>
      part.replace(/\d{2,}/g, (run) => (reference.value.includes(run) && !reference.template.includes(run) ? "…" : run));
    return (
      message
        .split(showValue(reference.value))
        // the key's own variables in any form, even where the file spells the same text elsewhere
        .map((part) => digits(this.redact(part, new Set(reference.variables))))
        .join(describeReference(reference))
    );
  }

  /**
   * The variables of the site or upstream a message about `path` is about (sites[0] for
   * sites[0].routes[1]): redacted in any form, even where the file spells the same text elsewhere.
   */
  private variablesNear(path: KeyPath): Set<string> {
    const names = new Set(this.variablesAt(path) ?? []);
    if (path.length >= 2) {
      const item = pathKey(path.slice(0, 2)).slice(0, -1);
      for (const reference of this.references.values())
        if (reference.fromEnvironment && [",", "]"].some((next) => pathKey(reference.path).startsWith(item + next)))
          for (const name of reference.variables) names.add(name);
    }
    return names;
  }

  /** A finding's message: as `message`, and naming the variables when it does not already. */
  finding(path: KeyPath, message: string): string {
    const text = this.message(path, message);
    const variables = this.variablesAt(path);
    return variables && !namesAll(text, variables) ? `${text} ${fromVariables(variables)}` : text;
  }

  /**
   * Values made from secrets (a backup path beside a secret target, the target's directory), each
   * with the phrase that stands for it (`the backup beside ${TG}`): redacted whole, before the
   * secrets themselves, so that no piece of a secret is left beside a `${NAME}`.
   */
  derive(value: string, phrase: string): void {
    if (value !== "" && !this.derived.some((d) => d.value === value)) this.derived.push({ value, phrase });
  }
  private readonly derived: { value: string; phrase: string }[] = [];

  /**
   * `text` with every value the environment supplied replaced, never leaving a piece of it:
   * - shown whole (`"..."`, as `showValue` prints it) by `the value of ${NAME}`; as written or
   *   escaped by `${NAME}`; in another letter case by `[${NAME} in lower case]` (so that advice to
   *   lower-case it does not read as what the user wrote);
   * - a value registered with `derive` by its phrase;
   * - a piece of at least half of it (at least 6 characters) that the config file does not spell out
   *   itself: the whole word around the piece, by `[redacted, from ${NAME}]` (the word is no longer
   *   the secret, a `${NAME}` in it would read as a value that does not exist).
   * What the config file spells out itself (the word around a match, letter for letter) is no
   * secret and stays: a literal `hunter2dir.example.com` in one site is not `${NAME}` of another;
   * except for the variables in `strict` (those of the key a message is about).
   */
  redact(text: string, strict: ReadonlySet<string> = new Set()): string {
    if (!this.secrets.length) return text;
    // pieces already replaced are kept apart, so that no later secret matches inside a replacement
    let pieces: { text: string; done: boolean }[] = [{ text, done: false }];
    const replace = (find: Finder, name?: string) => {
      const exempt = name === undefined || !strict.has(name);
      pieces = pieces.flatMap((piece) => {
        if (piece.done) return [piece];
        const out: { text: string; done: boolean }[] = [];
        let rest = piece.text;
        for (
          let match = find(rest, (start, end) => exempt && this.spelled(rest, start, end));
          match;
          match = find(rest, (start, end) => exempt && this.spelled(rest, start, end))
        ) {
          if (match.start > 0) out.push({ text: rest.slice(0, match.start), done: false });
          out.push({ text: match.replacement, done: true });
          rest = rest.slice(match.end);
        }
        if (rest) out.push({ text: rest, done: false });
        return out;
      });
    };
    // whole values first, longest first (a secret containing another, a path containing its directory)
    const wholes: { value: string; run: () => void }[] = [];
    for (const { value, phrase } of this.derived)
      wholes.push({ value, run: () => replace(exactFinder(value, phrase, { token: true })) });
    for (const { name, value } of this.secrets)
      wholes.push({
        value,
        run: () => {
          replace(exactFinder(showValue(value), `the value of \${${name}}`, { quoted: true }), name);
          for (const form of new Set([value, escaped(value)]))
            replace(secretFinder(form, name, form.length < MIN_ANYWHERE), name);
        },
      });
    for (const whole of wholes.sort((a, b) => b.value.length - a.value.length)) whole.run();
    for (const { name, value } of this.secrets) replace(fragmentFinder(value, name), name);
    return pieces.map((piece) => piece.text).join("");
  }

  /** Whether the config file spells out, letter for letter, the word of `text` around `start`..`end`. */
  private spelled(text: string, start: number, end: number): boolean {
    let from = start;
    let to = end;
    while (from > 0 && WORD.test(text[from - 1]!)) from--;
    while (to < text.length && WORD.test(text[to]!)) to++;
    return this.fileText.includes(text.slice(from, to));
  }
}

/** Characters of a word around a match: a host name, a file name, a number. */
const WORD = /[A-Za-z0-9._-]/;
/** Characters of the token a piece of a secret is redacted with: all but white space, quotes and brackets. */
const TOKEN = /[^\s"'`\\;,()[\]{}<>]/;

/** Finds a match in `text` that the file does not spell out; `spelled` says whether it does. */
type Finder = (
  text: string,
  spelled: (start: number, end: number) => boolean,
) => { start: number; end: number; replacement: string } | undefined;

/**
 * `needle` letter for letter, replaced by `replacement`; with `quoted`, not where the file spells out
 * what is between the quotes; with `token`, only as a whole token (a derived path's directory inside
 * a longer path would leave the rest of that path beside its phrase).
 */
function exactFinder(needle: string, replacement: string, options: { quoted?: boolean; token?: boolean } = {}): Finder {
  return (text, spelled) => {
    if (needle === "") return undefined;
    for (let start = text.indexOf(needle); start >= 0; start = text.indexOf(needle, start + 1)) {
      const end = start + needle.length;
      if (options.quoted && spelled(start + 1, end - 1)) continue;
      // (a `:` that ends a clause, "the backup X: ...", ends a token too)
      const after = /^:(?:\s|$)/.test(text.slice(end, end + 2)) ? " " : (text[end] ?? " ");
      if (options.token && (TOKEN.test(text[start - 1] ?? " ") || TOKEN.test(after))) continue;
      return { start, end, replacement };
    }
    return undefined;
  };
}

/**
 * A secret in any letter case: `${NAME}` as written, `[${NAME} in lower case]` (or upper, or
 * another) when a message changed its case; a short one only as a whole word ("1.16" keeps its "16").
 */
function secretFinder(needle: string, name: string, wholeWord: boolean): Finder {
  const pattern = needle.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
  const re = new RegExp(wholeWord ? `(?<![A-Za-z0-9.])${pattern}(?![A-Za-z0-9])` : pattern, "gi");
  return (text, spelled) => {
    if (needle === "") return undefined;
    re.lastIndex = 0;
    for (let match = re.exec(text); match; match = re.exec(text)) {
      const found = match[0];
      const start = match.index;
      const end = start + found.length;
      if (spelled(start, end)) continue;
      const replacement =
        found === needle
          ? `\${${name}}`
          : found === needle.toLowerCase()
            ? `[\${${name}} in lower case]`
            : found === needle.toUpperCase()
              ? `[\${${name}} in upper case]`
              : `[\${${name}} in another letter case]`;
      return { start, end, replacement };
    }
    return undefined;
  };
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

/**
 * The first piece of `secret` in `text` (any letter case, at least half of it and at least
 * MIN_FRAGMENT characters) that the file does not spell out, widened to the whole token around it.
 */
function fragmentFinder(secret: string, name: string): Finder {
  const min = Math.max(MIN_FRAGMENT, Math.ceil(secret.length / 2));
  const lowerSecret = secret.toLowerCase();
  const grams = new Set<string>();
  for (let i = 0; i + min <= lowerSecret.length; i++) grams.add(lowerSecret.slice(i, i + min));
  return (text, spelled) => {
    if (secret.length < min) return undefined;
    const lower = text.toLowerCase();
    for (let start = 0; start + min <= lower.length; start++) {
      if (!grams.has(lower.slice(start, start + min))) continue;
      let end = start + min;
      while (end < lower.length && lowerSecret.includes(lower.slice(start, end + 1))) end++;
      // what the file spells out is no secret (a certificate directory shared with a key's path)
      if (spelled(start, end)) continue;
      let from = start;
      let to = end;
      while (from > 0 && TOKEN.test(text[from - 1]!)) from--;
      while (to < text.length && TOKEN.test(text[to]!)) to++;
      return { start: from, end: to, replacement: `[redacted, from \${${name}}]` };
    }
    return undefined;
  };
}

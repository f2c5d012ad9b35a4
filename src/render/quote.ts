/**
 * The only ways a value reaches nginx output (docs/config.md, "Values"): one token at a time, bare
 * where nginx reads it as written, double-quoted where it would not. Each function refuses what it
 * was not made for, so a mistake fails loudly instead of writing a config whose structure a value
 * could change.
 */
import { DURATION_SHAPE } from "../config/duration.js";
import { CONTROL, CONTROL_CLASS, withoutControls } from "../util/control.js";

/** nginx refuses tokens this long; the config checks keep values far below it */
const NGINX_TOKEN_LIMIT = 4096;
/** Shorter than this, a value is below the token limit whatever its characters (at most 3 bytes each). */
const SHORT = Math.floor((NGINX_TOKEN_LIMIT - 2) / 3);
/** A token that is printed as it is: no character that needs quotes, no control character, no `$` at all. */
const PLAIN = new RegExp(`^[^\\s"';{}#\\\\$${CONTROL_CLASS}]+$`);

export class RenderError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "RenderError";
  }
}

/**
 * Whether nginx needs `value` quoted to read it back as one token that means what it says
 * (crossplane's `_needs_quotes`, made stricter where that is simpler): empty; whitespace; a quote,
 * `;`, `{`, `}`, `#` or `\` anywhere (nginx's lexer ends, opens or escapes there; a `{` or `}` is
 * also part of `${name}`, which is quoted whole); a `$` that does not start a variable name (a
 * trailing `$`).
 */
export function needsQuotes(value: string): boolean {
  return value === "" || /[\s"';{}#\\]|\$(?![A-Za-z0-9_])/.test(value);
}

/**
 * One token of a directive: an integer (non-negative, safe) printed bare, or a string printed bare
 * unless `needsQuotes`, then double-quoted with `\` and `"` escaped. Refuses control characters
 * (nginx has no escape that keeps a line feed out of the file) and tokens near nginx's 4096-byte
 * limit.
 */
export function quote(value: unknown): string {
  if (typeof value === "string" && value.length < SHORT && PLAIN.test(value)) return value; // most tokens: one test
  if (typeof value === "number") return integer(value);
  if (typeof value !== "string") throw new RenderError(`quote: expected a string, got ${typeof value}`);
  if (CONTROL.test(value)) throw new RenderError(`quote: control character in ${JSON.stringify(value)}`);
  // (a UTF-16 code unit is at most 3 bytes of UTF-8: a short value needs no count)
  if (value.length >= SHORT && Buffer.byteLength(value) + 2 >= NGINX_TOKEN_LIMIT)
    throw new RenderError("quote: value reaches nginx's token limit");
  return needsQuotes(value) ? `"${value.replace(/[\\"]/g, (c) => `\\${c}`)}"` : value;
}

/** A directive's `name arg arg` (without `;`): the name and every argument through quote(). */
export function directiveText(name: string, args: readonly unknown[]): string {
  let text = quote(name);
  for (const arg of args) text += ` ${quote(arg)}`;
  return text;
}

/** A non-negative integer as text. */
export function integer(value: unknown): string {
  if (typeof value !== "number" || !Number.isSafeInteger(value) || value < 0)
    throw new RenderError(`integer: expected a non-negative integer, got ${String(value)}`);
  return String(value);
}

/** An nginx time value (`30s`, `1h`) as text: a number is seconds. */
export function duration(value: unknown): string {
  const text = typeof value === "number" ? `${integer(value)}s` : value;
  if (typeof text !== "string" || !DURATION_SHAPE.test(text)) throw new RenderError(`duration: not a duration: ${String(value)}`);
  return text;
}

/**
 * A comment's text (after `# `): any text, user text included (a file name nobody validated), made
 * one printable line: each control character becomes `?`.
 */
export function comment(value: unknown): string {
  if (typeof value !== "string") throw new RenderError(`comment: expected a string, got ${typeof value}`);
  return withoutControls(value);
}

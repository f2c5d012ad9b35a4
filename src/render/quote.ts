/**
 * The only ways a value reaches nginx output (SPEC §5). Each refuses what it was not made for, so a
 * template mistake fails loudly instead of writing a config whose structure a value could change.
 */
import type { KeyPath } from "../config/path.js";
import { formatPath } from "../config/path.js";
import { DURATION_SHAPE } from "../config/duration.js";

const CONTROL = /[\u0000-\u001f\u007f-\u009f\u2028\u2029]/;
/** nginx refuses tokens this long; the config checks keep values far below it */
const NGINX_TOKEN_LIMIT = 4096;

export class RenderError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "RenderError";
  }
}

/** A double-quoted nginx string: `\` and `"` escaped; control characters are never emitted. */
export function quote(value: unknown): string {
  if (typeof value !== "string") throw new RenderError(`quote: expected a string, got ${typeof value}`);
  if (CONTROL.test(value)) throw new RenderError(`quote: control character in ${JSON.stringify(value)}`);
  if (Buffer.byteLength(value) + 2 >= NGINX_TOKEN_LIMIT) throw new RenderError("quote: value reaches nginx's token limit");
  return `"${value.replace(/[\\"]/g, (c) => `\\${c}`)}"`;
}

/** A non-negative integer, printed bare. */
export function integer(value: unknown): string {
  if (typeof value !== "number" || !Number.isSafeInteger(value) || value < 0)
    throw new RenderError(`integer: expected a non-negative integer, got ${String(value)}`);
  return String(value);
}

/** An nginx time value (`30s`, `1h`), printed bare. */
export function duration(value: unknown): string {
  const text = typeof value === "number" ? `${integer(value)}s` : value;
  if (typeof text !== "string" || !DURATION_SHAPE.test(text)) throw new RenderError(`duration: not a duration: ${String(value)}`);
  return text;
}

/** A comment's text (after `# `): one line, no control characters. */
export function comment(value: unknown): string {
  const text = Array.isArray(value) ? formatPath(value as KeyPath) : value;
  if (typeof text !== "string" || CONTROL.test(text)) throw new RenderError(`comment: not a single line: ${String(value)}`);
  return text;
}

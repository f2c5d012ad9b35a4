/**
 * Showing untrusted text in a message. A config file, an nginx error, a server's response: any of
 * them can hold a newline followed by `::error ...` (a live GitHub workflow command in a CI log), a
 * terminal escape sequence, or bidirectional and zero-width characters that make a message read
 * differently from what it says. Every value a message echoes goes through `showValue` (quoted,
 * escaped, truncated); every line the CLI prints goes through `escapeText` as a last line of defence.
 */
import { CONTROL_CLASS } from "./control.js";

/**
 * The control characters of util/control.ts (C0 and C1, DEL, U+2028/9); bidirectional controls
 * (U+061C, U+200E/F, U+202A–E, U+2066–9); zero-width and invisible characters (U+200B–D, U+2060–4,
 * U+FEFF, U+00AD soft hyphen); lone surrogates.
 */
const UNSAFE = new RegExp(
  `[${CONTROL_CLASS}\\u00ad\\u061c\\u200b-\\u200f\\u202a-\\u202e\\u2060-\\u2064\\u2066-\\u206f\\ufeff]|[\\ud800-\\udbff](?![\\udc00-\\udfff])|(?<![\\ud800-\\udbff])[\\udc00-\\udfff]`,
  "g",
);

const NAMED: Record<string, string> = { "\n": "\\n", "\r": "\\r", "\t": "\\t", "\0": "\\0" };

function escapeChar(char: string): string {
  return NAMED[char] ?? `\\u${char.charCodeAt(0).toString(16).padStart(4, "0")}`;
}

/** `text` with every unsafe character (see UNSAFE) written as an escape (`\n`, `\u202e`); nothing else changes. */
export function escapeText(text: string): string {
  return text.replace(UNSAFE, escapeChar);
}

/**
 * Characters that JSON.stringify leaves as they are but that make a log read differently from what
 * it says (bidirectional and zero-width controls, U+2028/9, C1 controls, DEL): written as \u escapes,
 * which decode to the same string. (JSON.stringify escapes C0 controls and lone surrogates itself.)
 */
const JSON_UNSAFE = /[\u007f-\u009f\u00ad\u061c\u200b-\u200f\u2028-\u202e\u2060-\u2064\u2066-\u206f\ufeff]/g;

/**
 * A JSON document for a machine format (check, probe, schema), indented, with a final newline: every
 * character that could make a log or a terminal show something else is a \u escape. The one place
 * wssgen writes JSON for people's tools.
 */
export function toJson(value: unknown): string {
  return `${JSON.stringify(value, null, 2).replace(JSON_UNSAFE, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, "0")}`)}\n`;
}

/** The longest value a message shows whole, in characters (UTF-16 code units). */
export const SHOW_MAX = 60;

/**
 * A value for a message: in double quotes, with `"` and `\` escaped and unsafe characters written
 * as escapes, cut to `max` characters with the full length said (`"aaaa…" (5000 characters)`).
 * Numbers, booleans and null are shown as they are; anything else as its type.
 */
export function showValue(value: unknown, max = SHOW_MAX): string {
  if (typeof value === "number" || typeof value === "boolean" || value === null) return String(value);
  if (typeof value !== "string") return Array.isArray(value) ? "a list" : typeof value === "object" ? "a mapping" : typeof value;
  const cut = value.length > max;
  // never split a surrogate pair when cutting
  let end = cut ? max : value.length;
  if (cut && /[\ud800-\udbff]/.test(value[end - 1] ?? "")) end--;
  const shown = escapeText(value.slice(0, end).replace(/[\\"]/g, (c) => `\\${c}`));
  return cut ? `"${shown}…" (${value.length} characters)` : `"${shown}"`;
}

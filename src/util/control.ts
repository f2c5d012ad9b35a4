/**
 * The characters no value may hold and no line of output may carry: C0 and C1 control characters,
 * DEL, and U+2028/U+2029 (line and paragraph separators, which editors and JavaScript treat as line
 * breaks). The config refuses them in every value; rendering refuses them in every token and
 * replaces them in comments; messages escape them (util/show.ts adds the invisible and
 * bidirectional characters that only mislead a reader).
 */

/** The set as the body of a regular-expression character class (to build larger patterns from). */
export const CONTROL_CLASS = "\\u0000-\\u001f\\u007f-\\u009f\\u2028\\u2029";

/** Matches the first control character of a string (not global: safe to reuse with `test` and `exec`). */
export const CONTROL = new RegExp(`[${CONTROL_CLASS}]`);

const CONTROLS = new RegExp(`[${CONTROL_CLASS}]`, "g");

/** `text` with each control character replaced by `?`: one printable line. */
export function withoutControls(text: string): string {
  return CONTROL.test(text) ? text.replace(CONTROLS, "?") : text;
}

/**
 * Version syntax as regular expressions' sources, for the patterns other modules build: the config's
 * value rules (and so the JSON Schema's `pattern`) and the reading of `nginx -V`. Part of the leaf:
 * it imports only version.ts.
 */
import { OLDEST_SUPPORTED, parseVersion } from "./version.js";

/** Any dotted version, digits only: `1.22`, `1.25.1`, `3.0.13` (no groups). */
export const VERSION_IN_TEXT = "\\d+\\.\\d+(?:\\.\\d+)?";

/** One part of a version as wssgen.yaml and --nginx-version take it: 0, or 1 to 3 digits without a leading zero. */
const PART = "(?:0|[1-9]\\d{0,2})";

/** A version as wssgen.yaml and --nginx-version take it: "1.22" or "1.25.1" (no anchors, as JSON Schema's `pattern`). */
export const VERSION_PATTERN = `${PART}\\.${PART}(?:\\.${PART})?`;

/** The whole numbers from `min` (0 to 999) to 999, written without leading zeros. */
function atLeastNumber(min: number): string {
  const digits = String(min);
  const alternatives: string[] = [];
  // every number with more digits
  for (let length = digits.length + 1; length <= 3; length++) alternatives.push(`[1-9]${"\\d".repeat(length - 1)}`);
  // as many digits: the same beginning, then a larger digit, then anything
  for (let i = 0; i < digits.length; i++) {
    const d = Number(digits[i]);
    if (d < 9) alternatives.push(`${digits.slice(0, i)}${d === 8 ? "9" : `[${d + 1}-9]`}${"\\d".repeat(digits.length - 1 - i)}`);
  }
  alternatives.push(digits);
  return `(?:${alternatives.join("|")})`;
}

/**
 * The versions of VERSION_PATTERN that are OLDEST_SUPPORTED (a `major.minor`) or later: a later
 * major, or the same major and a minor at least OLDEST_SUPPORTED's, with any patch.
 */
export const SUPPORTED_PATTERN = (() => {
  const [major, minor] = parseVersion(OLDEST_SUPPORTED)!;
  return `${atLeastNumber(major + 1)}\\.${PART}(?:\\.${PART})?|${major}\\.${atLeastNumber(minor)}(?:\\.${PART})?`;
})();

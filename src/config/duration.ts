/**
 * Durations as docs/config.md ("Values") writes them: `500ms`, `30s`, `5m`, `1h`, `1d`, or a number
 * of seconds, and their ranges, which are nginx's own (docs/config.md, "Values").
 *
 * nginx reads a time with `ngx_parse_time(line, is_sec)` (src/core/ngx_parse.c): each unit has a
 * maximum of NGX_MAX_INT_T_VALUE (2^63-1 on 64-bit builds) divided by the unit's length, in
 * milliseconds for directives stored as ngx_msec_t (proxy_*_timeout, worker_shutdown_timeout: no
 * `y`/`M`), in seconds for those stored as time_t (fail_timeout, ssl_session_timeout: no `ms`). A
 * bare number in YAML is seconds; JavaScript holds whole numbers exactly only up to 2^53-1
 * (Number.MAX_SAFE_INTEGER), which is therefore the largest number of seconds wssgen takes.
 */
import { showValue } from "../util/show.js";
import { wholeNumberPattern } from "./values.js";

const UNIT_MS = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 } as const;
type Unit = keyof typeof UNIT_MS;
/** The syntax the CLI's own duration flags take (`probe --idle`). */
export const DURATION_PATTERN = /^(\d{1,7})(ms|s|m|h|d)$/;
/** Any duration's shape; the value's range is the field's (see DURATION_LIMITS). */
export const DURATION_SHAPE = /^(\d+)(ms|s|m|h|d)$/;

export type Duration = string | number;

/** NGX_MAX_INT_T_VALUE on the 64-bit builds nginx ships for (src/core/ngx_config.h). */
const NGX_MAX_INT_T = 9_223_372_036_854_775_807n;
const MAX_SAFE = BigInt(Number.MAX_SAFE_INTEGER);

/**
 * What a duration field is read as: `msec` by nginx's ngx_conf_set_msec_slot (ms allowed), `sec`
 * by ngx_parse_time(…, 1) (whole seconds), `hsts` is the Strict-Transport-Security max-age, any
 * non-negative whole number of seconds (RFC 6797 §6.1.1 delta-seconds), capped at 2^53-1 to stay exact.
 */
export type DurationKind = "msec" | "sec" | "hsts";

/** The largest count of each unit a field takes (ngx_parse_time's `max` for that unit). */
export const DURATION_LIMITS: Record<DurationKind, Partial<Record<Unit, bigint>>> = {
  msec: {
    ms: NGX_MAX_INT_T,
    s: NGX_MAX_INT_T / 1000n,
    m: NGX_MAX_INT_T / 60n / 1000n,
    h: NGX_MAX_INT_T / 3600n / 1000n,
    d: NGX_MAX_INT_T / 86400n / 1000n,
  },
  sec: { s: NGX_MAX_INT_T, m: NGX_MAX_INT_T / 60n, h: NGX_MAX_INT_T / 3600n, d: NGX_MAX_INT_T / 86400n },
  hsts: { s: MAX_SAFE, m: MAX_SAFE / 60n, h: MAX_SAFE / 3600n, d: MAX_SAFE / 86400n },
};

/** The largest bare number (seconds) a field takes. */
export const MAX_DURATION_NUMBER = Number.MAX_SAFE_INTEGER;

/**
 * The regex source (for `^(?:…)$`, `u` flag) of a duration string of `kind` from `min` (0, or 1 for
 * timeouts that may not be 0) to the kind's limits; leading zeros as nginx reads them.
 */
export function durationPattern(kind: DurationKind, min: 0 | 1): string {
  return Object.entries(DURATION_LIMITS[kind])
    .map(([unit, max]) => `${wholeNumberPattern(min, max, true)}${unit}`)
    .join("|");
}

/** The largest value of a duration field in words: "106751991167d (9223372036854775807ms)". */
export function describeDurationMaximum(kind: DurationKind): string {
  const limits = DURATION_LIMITS[kind];
  return kind === "hsts"
    ? `${limits.s}s (${limits.d}d)`
    : `${limits.d}d (${kind === "msec" ? `${limits.ms}ms` : `${limits.s}s`})`;
}

/** Why a duration string the field's pattern refused is wrong; the pattern decides, this explains. */
export function explainDuration(
  kind: DurationKind,
  min: 0 | 1,
  value: string,
  hint: string,
  zero = "must be more than 0 (nginx would time out every request at once)",
): string {
  const m = DURATION_SHAPE.exec(value);
  if (/^\d+$/.test(value)) return `"${value}" has no unit: write ${value}s (or the number ${value} without quotes)`;
  const got = `${hint}, got string ${showValue(value)}`;
  if (!m) return got;
  const unit = m[2] as Unit;
  const limit = DURATION_LIMITS[kind][unit];
  if (limit === undefined) return got;
  if (min === 1 && BigInt(m[1]!) === 0n) return zero;
  const base = kind === "msec" ? "ms" : "s";
  const inBase = unit === base ? "" : ` (${DURATION_LIMITS[kind][base]}${base})`;
  return `${value} is out of range: ${kind === "hsts" ? "wssgen takes" : "nginx takes"} at most ${limit}${unit} here${inBase}`;
}

export function durationToMs(value: Duration): number {
  if (typeof value === "number") return value * 1000;
  const m = DURATION_SHAPE.exec(value);
  if (!m) throw new Error(`not a duration: ${value}`);
  return Number(m[1]) * UNIT_MS[m[2] as Unit];
}

/** The nginx spelling of a duration: as written when it has a unit, `Ns` for a bare number. */
export function nginxDuration(value: Duration): string {
  return typeof value === "number" ? `${value}s` : value;
}

/** Whole seconds, for directives (fail_timeout, max-age) that take seconds; exact up to 2^53-1. */
export function durationToSeconds(value: Duration): number {
  if (typeof value === "number") return value;
  const m = DURATION_SHAPE.exec(value);
  if (!m) throw new Error(`not a duration: ${value}`);
  const ms = BigInt(m[1]!) * BigInt(UNIT_MS[m[2] as Unit]);
  return Number(ms / 1000n);
}

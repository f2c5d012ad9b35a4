/** Durations as SPEC §2 writes them: `500ms`, `30s`, `5m`, `1h`, `1d`, or a number of seconds. */

const UNIT_MS = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 } as const;
export const DURATION_PATTERN = /^(\d{1,7})(ms|s|m|h|d)$/;

export type Duration = string | number;

export function durationToMs(value: Duration): number {
  if (typeof value === "number") return value * 1000;
  const m = DURATION_PATTERN.exec(value);
  if (!m) throw new Error(`not a duration: ${value}`);
  return Number(m[1]) * UNIT_MS[m[2] as keyof typeof UNIT_MS];
}

/** The nginx spelling of a duration: as written when it has a unit, `Ns` for a bare number. */
export function nginxDuration(value: Duration): string {
  return typeof value === "number" ? `${value}s` : value;
}

/** Whole seconds, for directives (fail_timeout, max-age) that take seconds. */
export function durationToSeconds(value: Duration): number {
  return Math.floor(durationToMs(value) / 1000);
}

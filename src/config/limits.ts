/**
 * How much config wssgen reads before it refuses: bounded memory and time on any input. Each limit
 * is far above any real config (100,000 generated sites are 36 MB and about 1.6 million values; the
 * deepest key wssgen knows is 9 levels down) and each can be raised with an environment variable that the refusal names.
 */
import { UsageError } from "../errors.js";
import type { Env } from "./interpolate.js";

export interface ReadLimits {
  /** the largest config file, in bytes (UTF-8, as read from disk or stdin) */
  bytes: number;
  /** the deepest value: the document is level 1, a value in it level 2, and so on */
  depth: number;
  /** the most values (mappings, lists and scalars; keys not counted), every alias counted as what it repeats */
  values: number;
  /** the most values in one site, one upstream, or one other top-level key (validated one at a time) */
  entry: number;
}

/** Each limit: its default and the environment variable that changes it. */
export const LIMITS = {
  bytes: { default: 64 * 1024 * 1024, env: "WSSGEN_MAX_CONFIG_BYTES" },
  depth: { default: 64, env: "WSSGEN_MAX_CONFIG_DEPTH" },
  values: { default: 4_000_000, env: "WSSGEN_MAX_CONFIG_VALUES" },
  entry: { default: 50_000, env: "WSSGEN_MAX_ENTRY_VALUES" },
} as const satisfies Record<keyof ReadLimits, { default: number; env: string }>;

/** The limits in force: the defaults, each overridden by its environment variable (a whole number >= 1). */
export function readLimits(env: Env = process.env): ReadLimits {
  const one = (name: keyof ReadLimits): number => {
    const { default: fallback, env: variable } = LIMITS[name];
    const raw = env[variable];
    if (raw === undefined || raw === "") return fallback;
    if (!/^[1-9][0-9]{0,14}$/.test(raw.trim()))
      throw new UsageError(`${variable} must be a whole number of at least 1 (unset it for the default, ${fallback})`);
    return Number(raw.trim());
  };
  return { bytes: one("bytes"), depth: one("depth"), values: one("values"), entry: one("entry") };
}

/** `64 MiB`, `1.5 MiB`, `900 bytes`: a byte count as people read it. */
function bytesText(bytes: number): string {
  if (bytes < 1024 * 1024) return `${bytes.toLocaleString("en-US")} bytes`;
  const mib = bytes / (1024 * 1024);
  return `${Number.isInteger(mib) ? mib : mib.toFixed(1)} MiB`;
}

/** The one-line refusals; each says the limit and how to raise it. */
export const limitMessage = {
  bytes: (limit: number, actual?: number): string =>
    `the config file is ${actual === undefined ? "larger than" : `${bytesText(actual)}, over`} the ${bytesText(limit)} limit; ` +
    `split it, or raise the limit with ${LIMITS.bytes.env}=${limit * 2}`,
  depth: (limit: number): string =>
    `mappings and lists are nested more than ${limit} levels deep here; a wssgen config needs at most 10, so check the ` +
    `brackets and indentation, or raise the limit with ${LIMITS.depth.env}=${limit * 2}`,
  values: (limit: number): string =>
    `the config holds more than ${limit.toLocaleString("en-US")} values (an alias counts as every value it repeats); ` +
    `check for runaway lists or aliases, or raise the limit with ${LIMITS.values.env}=${limit * 2}`,
  entry: (limit: number): string =>
    `holds more than ${limit.toLocaleString("en-US")} values (an alias counts as every value it repeats); a site or ` +
    `an upstream needs far fewer, so check for runaway lists or aliases, or raise the limit with ${LIMITS.entry.env}=${limit * 2}`,
};

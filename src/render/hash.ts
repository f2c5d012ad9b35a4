/**
 * nginx's hash tables (ngx_hash_init), simulated: which `*_hash_bucket_size` / `*_hash_max_size`
 * let nginx build the table for a set of keys without an error ("could not build ...") or a warning
 * ("could not build optimal ..."). Used for server names (per address) and for the origin map, so
 * that 100,000 sites pass `nginx -t` as rendered.
 *
 * From nginx's source: each key takes sizeof(void *) + align(len + 2, sizeof(void *)) bytes in a
 * bucket, a bucket ends with a pointer, bucket sizes are rounded up to the cache line, and the table
 * size is searched upwards from nelts / (bucket / (2 * sizeof(void *))) to max_size for one where
 * no bucket overflows. Keys are hashed as key = key * 31 + c over the lower-cased bytes, in 64 bits.
 */

const POINTER = 8;
export const CACHE_LINE = 64;

export interface HashSizes {
  bucketSize: number;
  maxSize: number;
}

/** Hashed keys, in three columns (no object per key): the 64-bit hash's halves and the element size. */
interface Keys {
  length: number;
  hi: Uint32Array;
  lo: Uint32Array;
  size: Uint32Array;
  /** the largest element size */
  longest: number;
}

const align = (n: number, to: number) => Math.ceil(n / to) * to;
const TWO32 = 2 ** 32;

/** Text whose characters are its UTF-8 bytes. */
const ASCII = /^[\x00-\x7f]*$/;

/**
 * ngx_hash_key over each lower-cased key's UTF-8 bytes, kept as two 32-bit halves of the 64-bit
 * value (each step is exact: the low half times 31 stays below 2^37, the high half is taken mod 2^32).
 */
function hashKeys(keys: readonly string[]): Keys {
  const out: Keys = {
    length: keys.length,
    hi: new Uint32Array(keys.length),
    lo: new Uint32Array(keys.length),
    size: new Uint32Array(keys.length),
    longest: 0,
  };
  for (let k = 0; k < keys.length; k++) {
    const key = keys[k]!;
    let hi = 0;
    let lo = 0;
    let length: number;
    if (ASCII.test(key)) {
      // names and origin keys are ASCII: lower-case their characters as nginx does its bytes, no copy
      length = key.length;
      for (let i = 0; i < length; i++) {
        const c = key.charCodeAt(i);
        const low = lo * 31 + (c >= 65 && c <= 90 ? c + 32 : c);
        lo = low >>> 0;
        hi = (Math.imul(hi, 31) + (low - lo) / TWO32) >>> 0;
      }
    } else {
      const bytes = Buffer.from(key.toLowerCase());
      length = bytes.length;
      for (let i = 0; i < length; i++) {
        const low = lo * 31 + bytes[i]!;
        lo = low >>> 0;
        hi = (Math.imul(hi, 31) + (low - lo) / TWO32) >>> 0;
      }
    }
    out.hi[k] = hi;
    out.lo[k] = lo;
    out.size[k] = POINTER + align(length + 2, POINTER);
    if (out.size[k]! > out.longest) out.longest = out.size[k]!;
  }
  return out;
}

/**
 * `a % m` for whole numbers `a` below 2^53 and `m` below 2^31, by division: `%` of numbers
 * outside the 32-bit range is a call to C's fmod, several times slower. The quotient is exact or
 * one off (rounding), which the two comparisons put right.
 */
function mod(a: number, m: number): number {
  const r = a - Math.floor(a / m) * m;
  return r < 0 ? r + m : r >= m ? r - m : r;
}

function fits(keys: Keys, bucketSize: number, tableSize: number, test: Uint32Array): boolean {
  test.fill(0, 0, tableSize);
  const limit = bucketSize - POINTER;
  const high = TWO32 % tableSize;
  const { hi, lo, size } = keys;
  for (let k = 0; k < keys.length; k++) {
    // (hi * 2^32 + lo) mod tableSize, each step below 2^53
    const slot = mod(mod(hi[k]!, tableSize) * high + mod(lo[k]!, tableSize), tableSize);
    const len = test[slot]! + size[k]!;
    if (len > limit) return false;
    test[slot] = len;
  }
  return true;
}

/** Where nginx starts its search; `natural` leaves out its jump to max_size - 1000 for large maxima. */
function start(nelts: number, bucketSize: number, maxSize: number, natural = false): number {
  let first = Math.floor(nelts / Math.floor((bucketSize - POINTER) / (2 * POINTER))) || 1;
  if (!natural && maxSize > 10000 && nelts && maxSize / nelts < 100) first = maxSize - 1000;
  return first;
}

/** Whether nginx builds the table with these sizes, without an error or a warning. */
export function buildsCleanly(keys: readonly string[], sizes: HashSizes): boolean {
  return searchSize(hashKeys(keys), align(sizes.bucketSize, CACHE_LINE), sizes.maxSize) !== undefined;
}

/** nginx's own search: the first table size from its start up to max_size where no bucket overflows. */
function searchSize(keys: Keys, bucketSize: number, maxSize: number): number | undefined {
  if (bucketSize < keys.longest + POINTER) return undefined;
  const test = new Uint32Array(maxSize + 1);
  for (let size = start(keys.length, bucketSize, maxSize); size <= maxSize; size++)
    if (fits(keys, bucketSize, size, test)) return size;
  return undefined;
}

/** A table size that works, tried in steps of about 5% from nginx's natural start (a failing size fails fast). */
function workingSize(keys: Keys, bucketSize: number, cap: number): number | undefined {
  if (bucketSize < keys.longest + POINTER) return undefined;
  const test = new Uint32Array(cap + 1);
  for (let size = start(keys.length, bucketSize, cap, true); size <= cap; size = Math.max(size + 1, Math.floor(size * 1.05)))
    if (fits(keys, bucketSize, size, test)) return size;
  return undefined;
}

/**
 * The sizes to emit so that every one of these tables (nginx sets them once for all maps, or all
 * addresses' server names) builds cleanly, or undefined when nginx's defaults already do. The bucket
 * grows in cache lines until each table has a working size below 64 slots per key; max_size is that
 * size (nginx searches up to it and stops at the first that works), or, above 10,000, that size plus
 * 999, because nginx then starts its search at max_size - 1000.
 */
export function hashSizesFor(tables: readonly (readonly string[])[], defaults: HashSizes): HashSizes | undefined {
  const hashed = tables.filter((keys) => keys.length > 0).map(hashKeys);
  const cleanWith = (sizes: HashSizes) => hashed.every((keys) => searchSize(keys, sizes.bucketSize, sizes.maxSize) !== undefined);
  const bucketDefault = align(defaults.bucketSize, CACHE_LINE);
  if (cleanWith({ bucketSize: bucketDefault, maxSize: defaults.maxSize })) return undefined;
  const longest = hashed.reduce((m, keys) => Math.max(m, keys.longest), 0);
  for (
    let bucketSize = align(Math.max(bucketDefault, longest + POINTER), CACHE_LINE);
    bucketSize <= 65536 - CACHE_LINE;
    bucketSize *= 2
  ) {
    let maxSize = defaults.maxSize;
    let ok = true;
    for (const keys of hashed) {
      const found = workingSize(keys, bucketSize, Math.max(defaults.maxSize, keys.length * 64));
      if (found === undefined) {
        ok = false;
        break;
      }
      maxSize = Math.max(maxSize, found > 10000 ? found + 999 : found);
    }
    // nginx must reach the same verdict for every table with the numbers we emit. For one table it
    // does by construction (its working size lies in nginx's search range: from the natural start
    // up to max_size, or from max_size - 1000 when that is found + 999), so only several tables,
    // which share one max_size and so one start, are searched again as nginx searches them (a linear
    // search that, for one table of 2,000 origins, cost more than the rest of the render)
    if (ok && (hashed.length === 1 || cleanWith({ bucketSize, maxSize }))) return { bucketSize, maxSize };
  }
  throw new Error(`no hash sizes found for ${hashed.length} tables`);
}

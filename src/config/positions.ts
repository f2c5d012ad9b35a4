/**
 * Positions in a config's text: where the entries of each mapping and list start (recorded by the
 * one parse that reads the file), and offsets turned into 1-based line and column.
 */

/**
 * Where the entries of one mapping or list start, as offsets (UTF-16 code units) into the text.
 * For a list, `starts[i]` is item i and `keys` is null. For a mapping, a key's start is followed by
 * its value's start: `keys[i]` is the key whose start is `starts[i]`, and `keys[i + 1]` is undefined
 * where `starts[i + 1]` is that key's value (a key without a value node has none).
 */
export interface Layout {
  start: number;
  starts: number[];
  keys: (string | undefined)[] | null;
  /** the layouts of the entries that are mappings or lists, at the index of their start (YAML only) */
  children?: (Layout | undefined)[] | null;
}

/** An entry of a layout: where its key (mappings only) and its value start. */
export interface Entry {
  key: number | undefined;
  value: number | undefined;
  /** the value's own layout, where the reader recorded it */
  layout: Layout | undefined;
}

/** The entry for a key or index in a layout; for a repeated key, the last one (the one that counts). */
export function entryOf(layout: Layout, segment: string | number, length?: number): Entry | undefined {
  const { starts, keys } = layout;
  if (keys === null) {
    // a list: only when every item was recorded (an empty `- ` item has no node to record)
    if (typeof segment !== "number" || (length !== undefined && starts.length !== length)) return undefined;
    const value = starts[segment];
    return value === undefined ? undefined : { key: undefined, value, layout: layout.children?.[segment] };
  }
  const name = String(segment);
  const i = keys.lastIndexOf(name);
  if (i < 0) return undefined;
  const hasValue = i + 1 < keys.length && keys[i + 1] === undefined;
  return { key: starts[i], value: hasValue ? starts[i + 1] : undefined, layout: hasValue ? layout.children?.[i + 1] : undefined };
}

/** Offsets into 1-based line and column (the column counts UTF-16 code units, as editors do). */
export class LineIndex {
  private lineStarts: Int32Array | undefined;
  constructor(private readonly text: string) {}

  position(offset: number): { line: number; column: number } {
    const starts = (this.lineStarts ??= lineStartsOf(this.text));
    let low = 0;
    let high = starts.length - 1;
    while (low < high) {
      const mid = (low + high + 1) >> 1;
      if (starts[mid]! <= offset) low = mid;
      else high = mid - 1;
    }
    return { line: low + 1, column: offset - starts[low]! + 1 };
  }
}

/** Where each line starts: after \n, after \r\n, and after a lone \r (YAML's line breaks). */
function lineStartsOf(text: string): Int32Array {
  const starts: number[] = [0];
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === 10) starts.push(i + 1);
    else if (c === 13 && text.charCodeAt(i + 1) !== 10) starts.push(i + 1);
  }
  return Int32Array.from(starts);
}

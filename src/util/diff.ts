/**
 * A unified diff of two texts by lines (Myers' O(ND) algorithm), for `apply --dry-run` and `diff`.
 */

type Op = { kind: " " | "-" | "+"; line: string };

function splitLines(text: string): string[] {
  if (text === "") return [];
  const lines = text.split("\n");
  if (lines[lines.length - 1] === "") lines.pop();
  return lines;
}

/** Beyond this many changed lines the diff is one hunk that replaces the middle: still a valid diff. */
const MAX_EDITS = 2000;

/**
 * An edit script from a to b: the common head and tail, and between them the shortest script
 * (Myers) when it is short, else "remove the old middle, add the new one". Time and memory stay
 * linear in the file size whatever the change.
 */
export function diffLines(a: readonly string[], b: readonly string[]): Op[] {
  let head = 0;
  while (head < a.length && head < b.length && a[head] === b[head]) head++;
  let tail = 0;
  while (tail < a.length - head && tail < b.length - head && a[a.length - 1 - tail] === b[b.length - 1 - tail]) tail++;
  const middle = myers(a.slice(head, a.length - tail), b.slice(head, b.length - tail)) ?? [
    ...a.slice(head, a.length - tail).map((line): Op => ({ kind: "-", line })),
    ...b.slice(head, b.length - tail).map((line): Op => ({ kind: "+", line })),
  ];
  return [
    ...a.slice(0, head).map((line): Op => ({ kind: " ", line })),
    ...middle,
    ...a.slice(a.length - tail).map((line): Op => ({ kind: " ", line })),
  ];
}

/** Myers' O(ND) shortest edit script, keeping only the live diagonals of each step; undefined past MAX_EDITS. */
function myers(a: readonly string[], b: readonly string[]): Op[] | undefined {
  const n = a.length;
  const m = b.length;
  const max = Math.min(n + m, MAX_EDITS);
  const offset = max + 1;
  const v = new Int32Array(2 * max + 3);
  const trace: Int32Array[] = [];
  let found = n + m === 0;
  for (let d = 0; d <= max && !found; d++) {
    trace.push(v.slice(offset - d - 1, offset + d + 2));
    for (let k = -d; k <= d; k += 2) {
      let x = k === -d || (k !== d && v[offset + k - 1]! < v[offset + k + 1]!) ? v[offset + k + 1]! : v[offset + k - 1]! + 1;
      let y = x - k;
      while (x < n && y < m && a[x] === b[y]) {
        x++;
        y++;
      }
      v[offset + k] = x;
      if (x >= n && y >= m) {
        found = true;
        break;
      }
    }
  }
  if (!found) return undefined;
  // walk the trace back from the end to recover the edits (trace[d] holds diagonals -d-1 .. d+1)
  const ops: Op[] = [];
  let x = n;
  let y = m;
  for (let d = trace.length - 1; d >= 0; d--) {
    const vd = trace[d]!;
    const at = (k: number) => vd[k + d + 1]!;
    const k = x - y;
    const prevK = k === -d || (k !== d && at(k - 1) < at(k + 1)) ? k + 1 : k - 1;
    const prevX = at(prevK);
    const prevY = prevX - prevK;
    while (x > prevX && y > prevY) {
      ops.push({ kind: " ", line: a[--x]! });
      y--;
    }
    if (d > 0) {
      if (x === prevX) ops.push({ kind: "+", line: b[--y]! });
      else ops.push({ kind: "-", line: a[--x]! });
    }
  }
  return ops.reverse();
}

export interface UnifiedDiffOptions {
  fromLabel: string;
  toLabel: string;
  context?: number;
}

/** `diff -u` style output; an empty string when the texts are equal. */
export function unifiedDiff(from: string, to: string, options: UnifiedDiffOptions): string {
  if (from === to) return "";
  const ops = diffLines(splitLines(from), splitLines(to));
  const context = options.context ?? 3;
  const out = [`--- ${options.fromLabel}`, `+++ ${options.toLabel}`];
  let i = 0;
  let aLine = 1;
  let bLine = 1;
  const positions = ops.map((op) => {
    const at = { a: aLine, b: bLine };
    if (op.kind !== "+") aLine++;
    if (op.kind !== "-") bLine++;
    return at;
  });
  while (i < ops.length) {
    while (i < ops.length && ops[i]!.kind === " ") i++;
    if (i >= ops.length) break;
    const start = Math.max(0, i - context);
    let end = i;
    // extend the hunk while changes are closer than 2 * context lines apart
    for (let j = i; j < ops.length; j++) {
      if (ops[j]!.kind !== " ") end = j;
      else if (j - end > 2 * context) break;
    }
    const stop = Math.min(ops.length, end + context + 1);
    const hunk = ops.slice(start, stop);
    const aCount = hunk.filter((op) => op.kind !== "+").length;
    const bCount = hunk.filter((op) => op.kind !== "-").length;
    const aStart = aCount === 0 ? positions[start]!.a - 1 : positions[start]!.a;
    const bStart = bCount === 0 ? positions[start]!.b - 1 : positions[start]!.b;
    out.push(`@@ -${aStart},${aCount} +${bStart},${bCount} @@`);
    for (const op of hunk) out.push(`${op.kind}${op.line}`);
    i = stop;
  }
  const noNewline = (text: string) => text !== "" && !text.endsWith("\n");
  if (noNewline(from) || noNewline(to)) out.push("\\ (a file does not end with a newline)");
  return `${out.join("\n")}\n`;
}

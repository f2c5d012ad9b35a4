/**
 * Which config key produced each line of the output, recorded while rendering, so that nginx's
 * `... in wssgen.conf:42` is reported at the key in wssgen.yaml that wrote line 42. The template
 * helpers mark each line they print (a directive, a block's first and last line) and note the
 * line's key path (tree.ts: `at`); `finish` turns the marks into line numbers and removes them. A
 * line no helper printed (a comment, a blank line) belongs to the block around it.
 *
 * The marks are control characters, which no value, name or comment in the output can hold
 * (quote.ts refuses them, comments replace them), so a mark is only ever a mark.
 */
import type { KeyPath } from "../config/path.js";
import { RenderError } from "./quote.js";

/** For each 1-based line of the output, the key path that produced it (index 0 is unused). */
export type SourceMap = readonly (KeyPath | undefined)[];

const OPEN = "\u0001";
const LINE = "\u0002";
const CLOSE = "\u0003";
const MARKS = /[\u0001-\u0003]/g;

export class SourceMapRecorder {
  /** the key paths of the marked lines, in the order they were printed (which is output order) */
  private readonly ats: (KeyPath | undefined)[] = [];

  /** A directive's line. */
  line(at: KeyPath | undefined, text: string): string {
    this.ats.push(at);
    return LINE + text;
  }

  /** A block's first line (`name args {`): it and the lines up to its last belong to `at`. */
  open(at: KeyPath | undefined, text: string): string {
    this.ats.push(at);
    return OPEN + text;
  }

  /** A block's last line (`}`). */
  close(text: string): string {
    return text + CLOSE;
  }

  /** The output without its marks, and its source map. */
  finish(marked: string): { text: string; sourceMap: SourceMap } {
    const lines = marked.split("\n");
    if (lines.at(-1) === "") lines.pop();
    const map: (KeyPath | undefined)[] = [undefined];
    const blocks: (KeyPath | undefined)[] = [];
    let next = 0;
    const text = lines.map((line) => {
      let at = blocks.at(-1);
      if (line.includes(OPEN)) blocks.push((at = this.ats[next++]));
      else if (line.includes(LINE)) at = this.ats[next++];
      map.push(at);
      if (line.includes(CLOSE)) blocks.pop();
      return line.replace(MARKS, "");
    });
    if (next !== this.ats.length || blocks.length) throw new RenderError("source map: the marks do not match the lines printed");
    return { text: `${text.join("\n")}\n`, sourceMap: map };
  }
}

/**
 * A tokenizer for nginx config that follows nginx's own lexer (ngx_conf_read_token): words, quoted
 * strings with their escapes, `;`, `{`, `}` and comments. `apply` reads the main config with it;
 * tests compare directive structure and read back the exact argument values nginx will see.
 */

export interface Directive {
  name: string;
  args: string[];
  block: Directive[] | undefined;
  /** the 1-based line of the directive's name, only when parseNginx was asked for `lines` */
  line?: number;
}

export class NginxSyntaxError extends Error {
  /** the 1-based line where the lexer stopped, when parseNginx was asked for `lines` */
  line?: number;
}

/** The message of the NginxSyntaxError for a block that the text never closes. */
export const UNCLOSED_BLOCK = "unexpected end of file, expecting }";

/** A `#` comment where `parseNginx` was told to allow none (`comments: false`). */
export class NginxCommentError extends NginxSyntaxError {}

/** nginx's whitespace between tokens: space, tab, CR and LF only (a no-break space is part of a word). */
const isSpace = (c: string): boolean => c === " " || c === "\t" || c === "\r" || c === "\n";

/**
 * A token's text as nginx stores it (the copy loop of ngx_conf_read_token, quoted or not): `\"`,
 * `\'` and `\\` lose their backslash, `\t`, `\r` and `\n` become a tab, CR and LF, and any other
 * backslash stays as written.
 */
function unescape(raw: string): string {
  if (!raw.includes("\\")) return raw;
  let out = "";
  for (let j = 0; j < raw.length; j++) {
    const ch = raw[j]!;
    const next = raw[j + 1];
    if (ch === "\\" && next !== undefined) {
      const special = ESCAPES[next];
      if (special !== undefined) {
        out += special;
        j++;
        continue;
      }
    }
    out += ch;
  }
  return out;
}
const ESCAPES: Partial<Record<string, string>> = { '"': '"', "'": "'", "\\": "\\", t: "\t", r: "\r", n: "\n" };

/**
 * Directives as nginx's lexer reads `text`. `comments: false` makes a `#` comment an error (a
 * NginxCommentError) instead of skipping it to the end of its line; `lastSemicolon: false` lets the
 * last directive end with the text instead of a `;`; `lines: true` gives each directive the line its
 * name is on; `maxDepth` bounds how deep blocks nest (a NginxSyntaxError beyond it), so that text
 * from anyone cannot exhaust the stack.
 */
export function parseNginx(
  text: string,
  options: { comments?: boolean; lastSemicolon?: boolean; lines?: boolean; maxDepth?: number } = {},
): Directive[] {
  let i = 0;
  const n = text.length;
  // the line of an offset, counted forward only (directives come in order)
  let counted = 0;
  let line = 1;
  const lineAt = (offset: number): number => {
    for (; counted < offset; counted++) if (text[counted] === "\n") line++;
    return line;
  };
  let wordStart = 0;
  const make = (words: string[], block: Directive[] | undefined, startLine: number): Directive => {
    const directive: Directive = { name: words[0]!, args: words.slice(1), block };
    if (options.lines) directive.line = startLine;
    return directive;
  };

  const readWord = (): { value: string; quoted: boolean } | undefined => {
    while (i < n && isSpace(text[i]!)) i++;
    if (i >= n) return undefined;
    wordStart = i;
    const c = text[i]!;
    // a comment starts only where a token would: inside a word or a string, "#" is a character
    if (c === "#") {
      if (options.comments === false) throw new NginxCommentError("a comment (#)");
      while (i < n && text[i] !== "\n") i++;
      return readWord();
    }
    if (c === ";" || c === "{" || c === "}") {
      i++;
      return { value: c, quoted: false };
    }
    if (c === '"' || c === "'") {
      const q = c;
      const start = ++i;
      for (;;) {
        if (i >= n) throw new NginxSyntaxError("unterminated string");
        const ch = text[i]!;
        if (ch === "\\") {
          i += 2; // the next character never ends the string
          continue;
        }
        if (ch === q) break;
        i++;
      }
      const value = unescape(text.slice(start, i++));
      const after = text[i];
      if (after !== undefined && !isSpace(after) && after !== ";" && after !== "{" && after !== ")")
        throw new NginxSyntaxError(`unexpected "${after}" after a quoted string`);
      return { value, quoted: true };
    }
    // a word ends at whitespace, ";" or "{" (not "}": nginx reads "a}" as one word); "${" is a
    // variable, and a backslash keeps the next character in the word
    const start = i;
    let variable = false;
    while (i < n) {
      const ch = text[i]!;
      if (ch === "{" && variable) {
        i++;
        continue;
      }
      variable = ch === "$";
      if (ch === "\\") {
        i += 2;
        continue;
      }
      if (isSpace(ch) || ch === ";" || ch === "{") break;
      i++;
    }
    return { value: unescape(text.slice(start, Math.min(i, n))), quoted: false };
  };

  const parseBlock = (top: boolean, depth = 0): Directive[] => {
    if (options.maxDepth !== undefined && depth > options.maxDepth)
      throw new NginxSyntaxError(`blocks nested more than ${options.maxDepth} deep`);
    const directives: Directive[] = [];
    let words: string[] = [];
    let start = 0;
    for (;;) {
      const word = readWord();
      if (!word) {
        if (!top) throw new NginxSyntaxError(UNCLOSED_BLOCK);
        if (words.length && options.lastSemicolon !== false) throw new NginxSyntaxError("unexpected end of file, expecting ;");
        if (words.length) directives.push(make(words, undefined, start));
        return directives;
      }
      if (!word.quoted && word.value === ";") {
        if (!words.length) throw new NginxSyntaxError('unexpected ";"');
        directives.push(make(words, undefined, start));
        words = [];
      } else if (!word.quoted && word.value === "{") {
        if (!words.length) throw new NginxSyntaxError('unexpected "{"');
        directives.push(make(words, parseBlock(false, depth + 1), start));
        words = [];
      } else if (!word.quoted && word.value === "}") {
        if (top || words.length) throw new NginxSyntaxError('unexpected "}"');
        return directives;
      } else {
        // the line is counted now: the block's own directives count further
        if (!words.length && options.lines) start = lineAt(wordStart);
        words.push(word.value);
      }
    }
  };
  try {
    return parseBlock(true);
  } catch (error) {
    if (error instanceof NginxSyntaxError && options.lines) error.line = lineAt(Math.min(i, n));
    throw error;
  }
}

/** Directive names, argument counts and nesting: what a value must never change. */
export function skeleton(directives: Directive[]): string {
  return directives.map((d) => `${d.name}/${d.args.length}${d.block ? `{${skeleton(d.block)}}` : ";"}`).join(" ");
}

export function allArgs(directives: Directive[]): string[] {
  return directives.flatMap((d) => [...d.args, ...(d.block ? allArgs(d.block) : [])]);
}

export function findDirectives(directives: Directive[], name: string): Directive[] {
  return directives.flatMap((d) => [...(d.name === name ? [d] : []), ...(d.block ? findDirectives(d.block, name) : [])]);
}

/**
 * A tokenizer for nginx config that follows nginx's own lexer (ngx_conf_read_token): words, quoted
 * strings with their escapes, `;`, `{`, `}` and comments. `apply` reads the main config with it;
 * tests compare directive structure and read back the exact argument values nginx will see.
 */

export interface Directive {
  name: string;
  args: string[];
  block: Directive[] | undefined;
}

export class NginxSyntaxError extends Error {}

export function parseNginx(text: string): Directive[] {
  let i = 0;
  const n = text.length;

  const readWord = (): { value: string; quoted: boolean } | undefined => {
    while (i < n && /\s/.test(text[i]!)) i++;
    if (i >= n) return undefined;
    const c = text[i]!;
    if (c === "#") {
      while (i < n && text[i] !== "\n") i++;
      return readWord();
    }
    if (c === ";" || c === "{" || c === "}") {
      i++;
      return { value: c, quoted: false };
    }
    if (c === '"' || c === "'") {
      const q = c;
      i++;
      let value = "";
      for (;;) {
        if (i >= n) throw new NginxSyntaxError("unterminated string");
        const ch = text[i]!;
        if (ch === "\\" && i + 1 < n) {
          const next = text[i + 1]!;
          const map: Record<string, string> = { '"': '"', "'": "'", "\\": "\\", t: "\t", r: "\r", n: "\n" };
          value += map[next] ?? `\\${next}`;
          i += 2;
          continue;
        }
        if (ch === q) {
          i++;
          break;
        }
        value += ch;
        i++;
      }
      const after = text[i];
      if (after !== undefined && !/[\s;{)]/.test(after))
        throw new NginxSyntaxError(`unexpected "${after}" after a quoted string`);
      return { value, quoted: true };
    }
    let value = "";
    while (i < n) {
      const ch = text[i]!;
      if (/\s/.test(ch) || ch === ";" || ch === "}") break;
      if (ch === "{") {
        // "${" inside a word is a variable, not a block
        if (value.endsWith("$")) {
          value += ch;
          i++;
          continue;
        }
        break;
      }
      if (ch === "\\" && i + 1 < n) {
        value += text[i + 1];
        i += 2;
        continue;
      }
      value += ch;
      i++;
    }
    return { value, quoted: false };
  };

  const parseBlock = (top: boolean): Directive[] => {
    const directives: Directive[] = [];
    let words: string[] = [];
    for (;;) {
      const word = readWord();
      if (!word) {
        if (!top) throw new NginxSyntaxError("unexpected end of file, expecting }");
        if (words.length) throw new NginxSyntaxError("unexpected end of file, expecting ;");
        return directives;
      }
      if (!word.quoted && word.value === ";") {
        if (!words.length) throw new NginxSyntaxError('unexpected ";"');
        directives.push({ name: words[0]!, args: words.slice(1), block: undefined });
        words = [];
      } else if (!word.quoted && word.value === "{") {
        if (!words.length) throw new NginxSyntaxError('unexpected "{"');
        directives.push({ name: words[0]!, args: words.slice(1), block: parseBlock(false) });
        words = [];
      } else if (!word.quoted && word.value === "}") {
        if (top || words.length) throw new NginxSyntaxError('unexpected "}"');
        return directives;
      } else {
        words.push(word.value);
      }
    }
  };
  return parseBlock(true);
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

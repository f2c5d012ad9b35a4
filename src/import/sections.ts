/**
 * The files of an nginx config as `import` reads it: one file, or the output of `nginx -T`, which
 * prints each file it read after a line `# configuration file /path:` (ngx_conf_parse's dump, nginx
 * 1.9.2+), the main file first and each included file after it, in the order nginx read them.
 */
import { NginxSyntaxError, parseNginx, type Directive } from "../util/nginx-syntax.js";

/** Text nginx would not read: where (the file of an `nginx -T` section, the line in it) and what. */
export class ImportSyntaxError extends NginxSyntaxError {
  constructor(
    message: string,
    readonly file: string,
    override readonly line: number,
  ) {
    super(message);
  }
}

/** One file of the config: its name, its text and where its first line sits in the whole text. */
export interface Section {
  file: string;
  text: string;
  /** the line of the whole text that is this section's line 1, minus one */
  offset: number;
}

const HEADER = /^# configuration file (.+):$/;

/**
 * The files of `text`: each `# configuration file PATH:` section of `nginx -T` output, or the whole
 * text as `file` when it has none. Lines before the first header (nginx -T's "syntax is ok" lines
 * when stderr was merged) belong to no file and are skipped.
 */
export function splitSections(text: string, file: string): Section[] {
  const lines = text.split("\n");
  const headers = lines.flatMap((line, i) => {
    const match = HEADER.exec(line.trimEnd());
    return match ? [{ file: match[1]!, at: i }] : [];
  });
  if (!headers.length) return [{ file, text, offset: 0 }];
  return headers.map((header, k) => {
    const end = headers[k + 1]?.at ?? lines.length;
    return { file: header.file, text: lines.slice(header.at + 1, end).join("\n"), offset: header.at + 1 };
  });
}

/** Deeper than any real config (http, server, location, if, limit_except: 5), shallow enough for any stack. */
const MAX_DEPTH = 32;

/** A directive with the file it is in; `line` is the line in that file. */
export interface Located {
  name: string;
  args: string[];
  block: Located[] | undefined;
  file: string;
  line: number;
}

/** The directives of one section, each with its file and line (the lexer's errors propagate). */
export function parseSection(section: Section): Located[] {
  const locate = (directives: Directive[]): Located[] =>
    directives.map((d) => ({
      name: d.name,
      args: d.args,
      file: section.file,
      line: d.line ?? 0,
      block: d.block ? locate(d.block) : undefined,
    }));
  try {
    return locate(parseNginx(section.text, { lines: true, maxDepth: MAX_DEPTH }));
  } catch (error) {
    if (error instanceof NginxSyntaxError) throw new ImportSyntaxError(error.message, section.file, error.line ?? 1);
    throw error;
  }
}

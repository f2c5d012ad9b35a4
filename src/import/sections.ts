/**
 * The files of an nginx config as `import` reads it: one file, or the output of `nginx -T`, which
 * prints each file it read after a line `# configuration file /path:` (ngx_conf_parse's dump, nginx
 * 1.9.2+), the main file first and each included file after it, in the order nginx read them.
 */
import { posix } from "node:path";
import { NginxSyntaxError, parseNginx, type Directive } from "../util/nginx-syntax.js";
import { escapeText } from "../util/show.js";

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

/** What nginx -t writes to stderr (before the dump, when `2>&1` merged it): not part of any file. */
const NGINX_STDERR =
  /^nginx: (?:the configuration file .* syntax is ok|configuration file .* test is successful|\[(?:warn|notice|info)\] .*)$/;

/**
 * Whether `text` is `nginx -T` output: its first non-empty line, after nginx's own stderr lines
 * ("syntax is ok", "test is successful", warnings), is a `# configuration file PATH:` header. Anywhere
 * else such a line is an ordinary comment of a plain file.
 */
export function isDump(text: string): boolean {
  for (const raw of text.split("\n")) {
    const line = raw.trim();
    if (line === "" || NGINX_STDERR.test(line)) continue;
    return HEADER.test(line);
  }
  return false;
}

/**
 * The files of `text`: each `# configuration file PATH:` section of `nginx -T` output (isDump), or
 * the whole text as `file` when it is not a dump. Lines before the first header (nginx -T's "syntax
 * is ok" lines when stderr was merged) belong to no file and are skipped.
 */
export function splitSections(text: string, file: string): Section[] {
  if (!isDump(text)) return [{ file, text, offset: 0 }];
  const lines = text.split("\n");
  const headers = lines.flatMap((line, i) => {
    const match = HEADER.exec(line.trimEnd());
    return match ? [{ file: match[1]!, at: i }] : [];
  });
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
  /** in a dump (expandIncludes): the files whose includes brought it in, outermost first, the main file left out */
  via?: string[];
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

/** A note about an `include` of a dump: where, what became of it and why (importNginx reports it). */
export interface IncludeNote {
  d: Located;
  kind: "mapped" | "dropped";
  why: string;
}

/** The directives of a dump read as nginx reads them (expandIncludes). */
export interface Expanded {
  /** the main file's directives, each `include` replaced by what it includes */
  main: Located[];
  /** the files no include reaches, in the dump's order */
  unreached: Section[];
  notes: IncludeNote[];
}

/** Deeper than any real chain of includes (nginx.conf → conf.d → snippets: 3); a deeper one is a loop. */
const MAX_INCLUDE_DEPTH = 16;

/**
 * Files read in all (a file included at N places counts N times): far above a real host's hundreds,
 * low enough that includes of includes (N^depth copies) cannot exhaust memory (SPEC §5).
 */
const MAX_INCLUDED = 10_000;

/**
 * Whether `path` matches the `include` pattern `pattern` as glob(3) reads it (nginx's
 * ngx_conf_include calls ngx_open_glob, which is glob(3) for a pattern with `*`, `?` or `[`): `*`
 * and `?` match within one name (no `/`), a name starting with `.` only where the pattern's name
 * does, `[...]`/`[!...]` is a class (with ranges), `\\` escapes. Matched name by name without a
 * regular expression: time is at most the product of the lengths (a hostile pattern cannot backtrack
 * exponentially, SPEC §5).
 */
export function globMatches(pattern: string, path: string): boolean {
  const names = pattern.split("/");
  const parts = path.split("/");
  return names.length === parts.length && names.every((name, i) => nameMatches(name, parts[i]!));
}

/** One name of globMatches: the classic single-backtrack wildcard match. */
function nameMatches(pattern: string, name: string): boolean {
  if (name.startsWith(".") && !pattern.startsWith(".") && !pattern.startsWith("\\.")) return false;
  let p = 0;
  let n = 0;
  let star = -1;
  let resume = 0;
  while (n < name.length) {
    if (pattern[p] === "*") {
      star = ++p;
      resume = n;
      continue;
    }
    const next = p < pattern.length ? matchOne(pattern, p, name[n]!) : undefined;
    if (next !== undefined) {
      p = next;
      n++;
    } else if (star >= 0) {
      p = star;
      n = ++resume;
    } else return false;
  }
  while (pattern[p] === "*") p++;
  return p === pattern.length;
}

/** The index after the pattern token at `p` when it matches the character `c`, else undefined. */
function matchOne(pattern: string, p: number, c: string): number | undefined {
  const token = pattern[p];
  if (token === "?") return p + 1;
  if (token === "\\" && p + 1 < pattern.length) return pattern[p + 1] === c ? p + 2 : undefined;
  if (token === "[") {
    const end = pattern.indexOf("]", p + 2);
    if (end >= 0) {
      let body = pattern.slice(p + 1, end);
      const negate = body.startsWith("!") || body.startsWith("^");
      if (negate) body = body.slice(1);
      let found = false;
      for (let i = 0; i < body.length; i++) {
        if (body[i + 1] === "-" && i + 2 < body.length) {
          found ||= body[i]! <= c && c <= body[i + 2]!;
          i += 2;
        } else found ||= body[i] === c;
      }
      return found !== negate ? end + 1 : undefined;
    }
  }
  return token === c ? p + 1 : undefined;
}

/**
 * A dump read as nginx reads it: the main file (the first section) with each `include PATTERN`
 * replaced, where it stands, by the directives of the dump's files that PATTERN matches (relative
 * to the main file's directory, nginx's conf prefix; a glob's matches sorted, as glob(3) returns
 * them), recursively. An include that reaches a file already being included, or that is deeper than
 * MAX_INCLUDE_DEPTH, or that matches no file of the dump, is dropped with a note. Each directive keeps
 * its own file and line. Files no include reaches are returned in `unreached`.
 */
export function expandIncludes(sections: Section[]): Expanded {
  const [main, ...rest] = sections;
  if (!main) return { main: [], unreached: [], notes: [] };
  const prefix = posix.dirname(main.file);
  const reached = new Set([main.file]);
  const notes: IncludeNote[] = [];
  let included = 0;
  const expand = (list: Located[], stack: string[]): Located[] =>
    list.flatMap((d): Located[] => {
      if (d.name !== "include" || d.block)
        return [{ ...d, via: stack.slice(1, -1), block: d.block ? expand(d.block, stack) : undefined }];
      const pattern = d.args[0] ?? "";
      const full = posix.resolve(prefix, pattern);
      const glob = /[*?[]/.test(pattern);
      const files = sections
        .map((s) => s.file)
        .filter((f) => (glob ? globMatches(full, f) : f === full))
        .sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
      if (!files.length) {
        notes.push({
          d,
          kind: "dropped",
          why: glob ? "its pattern matches no file of the nginx -T output" : "its file is not in the nginx -T output",
        });
        return [];
      }
      const loop = files.filter((f) => stack.includes(f));
      included += files.length;
      if (loop.length || stack.length >= MAX_INCLUDE_DEPTH || included > MAX_INCLUDED) {
        notes.push({
          d,
          kind: "dropped",
          why: loop.length
            ? `an include loop (${loop.map(escapeText).join(", ")} includes itself)`
            : stack.length >= MAX_INCLUDE_DEPTH
              ? `includes nested deeper than ${MAX_INCLUDE_DEPTH}`
              : `more than ${MAX_INCLUDED} files included in all (includes of includes)`,
        });
        return [];
      }
      notes.push({
        d,
        kind: "mapped",
        why: `read where it stands, as nginx does: ${files.map(escapeText).join(", ")} (each directive reported at its own line)`,
      });
      return files.flatMap((f) => {
        reached.add(f);
        return expand(parseSection(sections.find((s) => s.file === f)!), [...stack, f]);
      });
    });
  const expanded = expand(parseSection(main), [main.file]);
  return { main: expanded, unreached: rest.filter((s) => !reached.has(s.file)), notes };
}

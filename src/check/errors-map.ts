/**
 * Where in wssgen.yaml an nginx complaint about rendered output comes from. nginx names the file and
 * line for most errors; some (a certificate it cannot load) name only the value, quoted.
 */
import type { KeyPath } from "../config/path.js";
import type { NginxMessage } from "../nginx/nginx.js";
import { escapeText, showValue } from "../util/show.js";
import { quote } from "../render/quote.js";
import type { MappedOutput } from "../render/render.js";

/**
 * `output`: what was rendered, with its source map (renderMapped). `outputFile`: every name nginx
 * may give the output file (a symlink to it, each link of a chain, its real path): nginx reports the
 * path it opened, which is the link's when an include reaches it through one.
 */
export function outputLocator(
  output: MappedOutput,
  outputFile: string | readonly string[],
): (message: NginxMessage) => KeyPath | undefined {
  const lines = output.text.split("\n");
  const names = new Set(typeof outputFile === "string" ? [outputFile] : outputFile);
  return (message) => {
    if (message.file !== undefined && !names.has(message.file)) return undefined;
    const line = message.file !== undefined ? message.line : lineMentioning(lines, message.text);
    return line === undefined ? undefined : output.sourceMap[line];
  };
}

/** A line's tokens as the serializer prints them: double-quoted strings and bare words. */
const TOKEN = /"(?:[^"\\]|\\.)*"|[^\s";{}]+/g;

/**
 * The 1-based line of the output that holds a value the message quotes, as an argument (never a
 * directive's name, never in a comment): the serializer prints a value as `quote(value)`, bare or
 * quoted, so the line has that token.
 */
function lineMentioning(lines: string[], text: string): number | undefined {
  // unknown "name" variable: the output spells it $name or ${name}
  const variable = /unknown "([A-Za-z0-9_]+)" variable/.exec(text)?.[1];
  if (variable) {
    const index = lines.findIndex((line) => new RegExp(`\\$(?:${variable}\\b|\\{${variable}\\})`).test(line));
    if (index >= 0) return index + 1;
  }
  for (const [, value] of text.matchAll(/"([^"]+)"/g)) {
    let token: string;
    try {
      token = quote(value);
    } catch {
      continue; // nothing the serializer could have printed
    }
    const index = lines.findIndex(
      (line) => !line.trimStart().startsWith("#") && (line.match(TOKEN) ?? []).slice(1).includes(token),
    );
    if (index >= 0) return index + 1;
  }
  return undefined;
}

/**
 * nginx's message text, made fit for wssgen's output: nginx quotes the offending token (`unknown
 * directive "..."`, `invalid value "..."`), which is wssgen.yaml's text, so each quoted token is
 * shown as `showValue` shows any value (escaped, cut when long), and the rest is escaped.
 */
export function showNginxText(text: string): string {
  let out = "";
  let last = 0;
  for (const match of text.matchAll(/"([^"]*)"/g)) {
    out += escapeText(text.slice(last, match.index)) + showValue(match[1]!);
    last = match.index + match[0].length;
  }
  return out + escapeText(text.slice(last));
}

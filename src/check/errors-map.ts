/**
 * Where in wssgen.yaml an nginx complaint about rendered output comes from. nginx names the file and
 * line for most errors; some (a certificate it cannot load) name only the value, quoted.
 */
import type { WssgenConfig } from "../config/model.js";
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

/** nginx's words when two servers claim `default_server` on one address (ngx_http_add_addresses). */
const DUPLICATE_DEFAULT = /^a duplicate default server for (\S+)$/;

/** Another nginx file's `default_server` claims: the addresses, the file and the lines nginx (or check's scan) names. */
export interface DefaultServerClaim {
  /** as nginx spells them: `0.0.0.0:80`, `[::]:80`, `127.0.0.1:8080` */
  addresses: string[];
  file: string;
  /** the lines of its listens, when known */
  lines: number[];
}

/**
 * Why nginx refuses `defaultServer: reject` beside another `default_server` on the same address, in
 * words, and how to fix it. `claim.file` is the other file when it is known (nginx names whichever
 * of the two it read second). Debian's and Ubuntu's packages enable a stock site,
 * /etc/nginx/sites-enabled/default, whose `listen 80 default_server` is the usual other claim.
 */
export function explainDefaultServerClaim(claim: DefaultServerClaim): string {
  const { file, lines, addresses } = claim;
  const where =
    lines.length === 0
      ? escapeText(file)
      : lines.length === 1
        ? `${escapeText(file)}:${lines[0]!}`
        : `${escapeText(file)} (lines ${lines.join(", ")})`;
  return (
    `${where} already claims the default server for ${addresses.join(" and ")} (listen ... default_server), and ` +
    `defaultServer: reject claims it for wssgen's catch-all; nginx allows one per address: remove that file or its ` +
    `default_server (Debian and Ubuntu enable a stock site there: \`rm /etc/nginx/sites-enabled/default\`), or set ` +
    `defaultServer: off`
  );
}

/**
 * nginx -t's message in words, at the config key to change, when wssgen knows what it means; else
 * undefined. `ownFiles`: every name nginx may give wssgen's output file. Today: the duplicate
 * default server that `defaultServer: reject` meets beside another site's `default_server`.
 */
export function explainNginxMessage(
  message: NginxMessage,
  config: Pick<WssgenConfig, "defaultServer">,
  ownFiles: readonly string[],
): { path: KeyPath; text: string } | undefined {
  const duplicate = DUPLICATE_DEFAULT.exec(message.text);
  if (!duplicate || config.defaultServer !== "reject") return undefined;
  const address = duplicate[1]!;
  // nginx names the second claim it read: the other file's, or (read after it) wssgen's own listen
  const other =
    message.file !== undefined && !ownFiles.includes(message.file)
      ? { addresses: [address], file: message.file, lines: message.line === undefined ? [] : [message.line] }
      : {
          addresses: [address],
          file: "another file nginx reads before wssgen's (`grep -rn default_server /etc/nginx` finds it)",
          lines: [],
        };
  return { path: ["defaultServer"], text: explainDefaultServerClaim(other) };
}

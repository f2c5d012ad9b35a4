/**
 * `defaultServer: reject` beside another site's `default_server`: nginx allows one default server
 * per address, so `nginx -t` of the real config fails ("a duplicate default server for 0.0.0.0:80"),
 * typically on Debian and Ubuntu, whose packages enable /etc/nginx/sites-enabled/default with
 * `listen 80 default_server`. `check` tests its output in a sandbox that holds only wssgen's file,
 * where that never shows; so it reads `nginx.mainConfig` and the files it includes (in any context,
 * as nginx does) for such a claim on an address wssgen listens on, and reports it as apply would
 * meet it. Anything that cannot be read is left out: nginx -t during apply still tells.
 */
import { readFile, realpath, stat } from "node:fs/promises";
import { dirname, isAbsolute, join, resolve } from "node:path";
import type { ListenAddress, WssgenConfig } from "../config/model.js";
import { listenKey, parseListen } from "../config/normalize.js";
import { parseNginx, type Directive } from "../util/nginx-syntax.js";
import type { DefaultServerClaim } from "./errors-map.js";
import { expandInclude } from "./main-config.js";

/** A config tree larger than this is not a real nginx config: stop reading. */
const MAX_FILES = 512;
const MAX_DEPTH = 32;
const MAX_BYTES = 16 * 1024 * 1024;

/**
 * The `listen ... default_server` directives of other files in nginx's config tree (from
 * `mainConfig`, absolute or relative to `cwd`) on an address where `config` puts its catch-all
 * (every address a site listens on, its http server's too), in the order nginx reads them. Files
 * that are wssgen's own target are skipped. Empty unless `defaultServer: reject`.
 */
export async function conflictingDefaultServers(config: WssgenConfig, cwd = process.cwd()): Promise<DefaultServerClaim[]> {
  if (config.defaultServer !== "reject") return [];
  const ours = new Set(config.sites.flatMap((s) => [...s.listen, ...(s.http?.listen ?? [])]).map(listenKey));
  const main = resolve(cwd, config.nginx.mainConfig);
  const target = resolve(cwd, config.nginx.target);
  const skip = new Set([target, await realpath(target).catch(() => target)]);
  // one claim per file, as its addresses and lines
  const byFile = new Map<string, DefaultServerClaim>();
  for (const { listen, address, file, line } of await defaultServerClaims(main, skip)) {
    if (!ours.has(listenKey(listen))) continue;
    let claim = byFile.get(file);
    if (!claim) byFile.set(file, (claim = { addresses: [], file, lines: [] }));
    if (!claim.addresses.includes(address)) claim.addresses.push(address);
    if (line !== undefined) claim.lines.push(line);
  }
  return [...byFile.values()];
}

interface Claim {
  listen: ListenAddress;
  /** as nginx spells it */
  address: string;
  file: string;
  line: number | undefined;
}

/** Every `listen ... default_server` (or its old spelling `default`) read from `main` and what it includes. */
async function defaultServerClaims(main: string, skip: ReadonlySet<string>): Promise<Claim[]> {
  const prefix = dirname(main);
  const claims: Claim[] = [];
  let files = 0;
  let bytes = 0;
  const readTree = async (file: string, depth: number): Promise<void> => {
    if (depth > MAX_DEPTH || ++files > MAX_FILES) return;
    if (skip.has(file) || skip.has(await realpath(file).catch(() => file))) return;
    let text: string;
    let tree: Directive[];
    try {
      bytes += (await stat(file)).size;
      if (bytes > MAX_BYTES) return;
      text = await readFile(file, "utf8");
      tree = parseNginx(text);
    } catch {
      return;
    }
    // every default listen in the file, in order; undefined for one that is no address (unix:)
    const own: (Claim | undefined)[] = [];
    const visit = async (directives: Directive[]): Promise<void> => {
      for (const d of directives) {
        if (d.name === "include" && d.args.length === 1) {
          const pattern = d.args[0]!;
          for (const included of await expandInclude(isAbsolute(pattern) ? pattern : join(prefix, pattern)))
            await readTree(included, depth + 1);
        } else if (d.name === "listen" && d.args.slice(1).some((a) => a === "default_server" || a === "default")) {
          const listen = nginxListen(d.args[0]!);
          own.push(listen && { address: nginxAddress(listen), file, line: undefined, listen });
        }
        if (d.block) await visit(d.block);
      }
    };
    await visit(tree);
    // lines only when the text shows as many such listens as the parse found: never a wrong line
    const lines = defaultListenLines(text);
    own.forEach((claim, i) => {
      if (claim) claims.push({ ...claim, line: lines.length === own.length ? lines[i] : undefined });
    });
  };
  await readTree(main, 0);
  return claims;
}

/**
 * The 1-based line of each `listen ... default_server` directive, in order (the parse keeps no
 * lines): each line without its comment, cut at `;`, `{` and `}`, and a piece that is such a
 * listen counted. A directive written across lines, or a `#` inside quotes, can make the count
 * differ from the parse's; the caller then names no line.
 */
function defaultListenLines(text: string): number[] {
  const lines: number[] = [];
  text.split("\n").forEach((line, i) => {
    for (const piece of line.replace(/#.*/, "").split(/[;{}]/))
      if (/^\s*listen\s.*\bdefault(?:_server)?\b/.test(piece)) lines.push(i + 1);
  });
  return lines;
}

/** nginx's listen address (port, addr:port, addr alone meaning port 80, [v6]:port) → its parts; unix: sockets and bad values → undefined. */
function nginxListen(value: string): ListenAddress | undefined {
  if (value.startsWith("unix:")) return undefined;
  const withPort = /^(?:\d{1,3}(?:\.\d{1,3}){3}|\[[^\]]+\]|\*|[A-Za-z][A-Za-z0-9.-]*)$/.test(value) ? `${value}:80` : value;
  try {
    const listen = parseListen(withPort);
    return Number.isInteger(listen.port) ? listen : undefined;
  } catch {
    return undefined;
  }
}

/** An address as nginx's messages spell it: `0.0.0.0:80` for every IPv4 address. */
function nginxAddress(l: ListenAddress): string {
  return `${l.host === "*" ? "0.0.0.0" : l.host}:${l.port}`;
}

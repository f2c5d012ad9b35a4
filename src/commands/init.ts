/**
 * `wssgen init`: a commented wssgen.yaml that renders and passes `nginx -t` as written. Without
 * --cert/--key it is a plain ws:// site (nginx -t would fail on certificate files that do not exist),
 * with the tls section ready to uncomment.
 */
import { existsSync } from "node:fs";
import { dirname, join, relative, resolve, sep } from "node:path";
import { DEFAULTS } from "../config/defaults.js";
import { parseConfig } from "../config/load.js";
import { balanceMethods } from "../config/model.js";
import { checkDomain, checkFilePath, checkLocationPath, checkServerAddress, type Check } from "../config/values.js";
import { UsageError } from "../errors.js";
import { writeUserFile } from "../util/write-file.js";

/** Where `wssgen schema -o` is suggested to write, next to the config. */
export const SCHEMA_FILE = "wssgen.schema.json";
/** The schema inside an installed wssgen package (package.json "files" ships it). */
const PACKAGED_SCHEMA = join("node_modules", "wssgen", "docs", "wssgen.schema.json");

/**
 * The `$schema` reference for a config written at `target`, relative to its directory, or undefined:
 * the packaged schema of a wssgen installed there or above (as Node resolves packages), else a
 * wssgen.schema.json next to it (written by `wssgen schema -o`). Never a URL: a host we do not
 * control could serve anything under that name.
 */
export function findSchemaLink(target: string): string | undefined {
  const from = dirname(target);
  const link = (file: string) => {
    const rel = relative(from, file).split(sep).join("/");
    return rel.startsWith(".") ? rel : `./${rel}`;
  };
  for (let dir = from; ; dir = dirname(dir)) {
    const packaged = join(dir, PACKAGED_SCHEMA);
    if (existsSync(packaged)) return link(packaged);
    if (dirname(dir) === dir) break;
  }
  const local = join(from, SCHEMA_FILE);
  return existsSync(local) ? link(local) : undefined;
}

export interface InitAnswers {
  domain: string;
  upstream: string;
  path: string;
  cert?: string | undefined;
  key?: string | undefined;
}

export interface InitOptions extends Partial<InitAnswers> {
  output?: string | undefined;
  force?: boolean | undefined;
  cwd?: string | undefined;
  /** asks for what the flags left open; absent when not interactive */
  ask?: ((question: string, fallback: string, check: Check) => Promise<string>) | undefined;
}

export const INIT_DEFAULTS = { domain: "chat.example.com", upstream: "127.0.0.1:8080", path: "/ws" } as const;

export async function initCommand(options: InitOptions): Promise<{ file: string; text: string }> {
  const file = options.output ?? "wssgen.yaml";
  const cwd = options.cwd ?? process.cwd();
  const target = resolve(cwd, file);
  if (existsSync(target) && !options.force) throw new UsageError(`${file} already exists; pass --force to overwrite it`);
  if ((options.cert === undefined) !== (options.key === undefined)) throw new UsageError("--cert and --key go together");

  const value = async (flag: string, given: string | undefined, fallback: string, check: Check, question: string) => {
    const answer = given ?? (options.ask ? await options.ask(question, fallback, check) : fallback);
    const problem = check(answer);
    if (problem) throw new UsageError(`--${flag}: ${problem}`);
    return answer;
  };
  const answers: InitAnswers = {
    domain: await value("domain", options.domain, INIT_DEFAULTS.domain, checkDomain, "Domain"),
    upstream: await value(
      "upstream",
      options.upstream,
      INIT_DEFAULTS.upstream,
      checkServerAddress,
      "WebSocket backend (host:port)",
    ),
    path: await value("path", options.path, INIT_DEFAULTS.path, checkLocationPath, "WebSocket path"),
    cert: options.cert === undefined ? undefined : await value("cert", resolve(cwd, options.cert), "", checkFilePath, ""),
    key: options.key === undefined ? undefined : await value("key", resolve(cwd, options.key), "", checkFilePath, ""),
  };
  const text = initText(answers, findSchemaLink(target));
  parseConfig(file, text, {}); // a scaffold that does not load would be a bug; fail before writing
  await writeUserFile(target, text, { mode: 0o644 });
  return { file, text };
}

/** An origin host for the domain (a wildcard domain gets its base name). */
const origin = (domain: string) => domain.replace(/^\*\./, "").replace(/\.\*$/, ".com");

/** YAML double-quoted scalars are JSON strings. */
const y = (value: string) => JSON.stringify(value);

export function initText(a: InitAnswers, schemaLink?: string): string {
  const tls = a.cert !== undefined && a.key !== undefined;
  const route = DEFAULTS.route;
  const balance = DEFAULTS.upstream.balance.value;
  const tlsBlock = tls
    ? `    tls:
      certificate: ${y(a.cert!)}
      key: ${y(a.key!)}
      profile: ${DEFAULTS.site["tls.profile"].value}   # or modern (TLSv1.3 only)
    redirectHttp: true        # also serve port 80 and redirect to https`
    : `    # For wss:// (needed by any page served over https), add your certificate and remove
    # "listen: 80"; the site then listens on 443 and port 80 redirects to it:
    # tls:
    #   certificate: /etc/letsencrypt/live/${a.domain}/fullchain.pem
    #   key: /etc/letsencrypt/live/${a.domain}/privkey.pem
    # redirectHttp: true
    listen: 80`;
  // a link that does not resolve would be worse than none: say how to get one instead
  const schemaLine =
    schemaLink === undefined
      ? `# Editor completion: run \`wssgen schema -o ${SCHEMA_FILE}\` and make the next line the first one:
# # yaml-language-server: $schema=./${SCHEMA_FILE}
`
      : `# yaml-language-server: $schema=${schemaLink}
`;
  return `${schemaLine}# wssgen config: \`wssgen check\` lints it, \`wssgen apply\` deploys it (nginx -t, reload, roll back on
# failure), \`wssgen render -o wssgen.conf\` writes the nginx config to a file. Reference: docs/config.md

defaults:
  timeouts:
    connect: ${route["timeouts.connect"].value}
    read: ${route["timeouts.read"].value}    # nginx's default 60s closes idle WebSockets; keep it above your app's ping interval
    send: ${route["timeouts.send"].value}

upstreams:
  app:
    servers:
      - ${y(a.upstream)}
    # balance: least-conn     # ${balanceMethods.map((m) => (m === balance ? `${m} (default)` : m)).join(", ")}
    # keepalive: 16           # idle upstream connections per worker

sites:
  - domains: [${y(a.domain)}]
${tlsBlock}
    routes:
      - path: ${y(a.path)}
        upstream: app
        websocket: true
        origins: [${y(`${tls ? "https" : "http"}://${origin(a.domain)}`)}]   # pages allowed to open the socket; others get 403
        maxConnectionsPerIp: 100   # open sockets per client address
`;
}

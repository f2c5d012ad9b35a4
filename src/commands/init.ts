/**
 * `wssgen init`: a commented wssgen.yaml that renders and passes `nginx -t` as written. Without
 * --cert/--key it is a plain ws:// site (nginx -t would fail on certificate files that do not exist),
 * with the tls section ready to uncomment. With --letsencrypt it is a wss:// site whose certificate
 * certbot writes under /etc/letsencrypt/live/<domain>/ (webroot mode): until it exists, `apply`
 * serves only the ACME challenge and prints the certbot command (deploy/certificates.ts).
 */
import { existsSync } from "node:fs";
import { dirname, join, relative, resolve, sep } from "node:path";
import { DEFAULTS } from "../config/defaults.js";
import { parseConfig } from "../config/load.js";
import { balanceMethods } from "../config/model.js";
import { type PresetName, presetNames, PRESETS } from "../config/presets.js";
import { didYouMean } from "../config/suggest.js";
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
  /** Let's Encrypt over HTTP-01 (certbot --webroot): certificate paths under certbot's live/ directory */
  acme?: { webroot: string } | undefined;
  /** --preset: the route gets `preset:` and the framework's settings to match as comments */
  preset?: PresetName | undefined;
}

export interface InitOptions extends Partial<Omit<InitAnswers, "acme" | "preset">> {
  /** --preset NAME (checked against config/presets.ts); its usual path is --path's default */
  preset?: string | undefined;
  /** --letsencrypt: TLS with a certificate from certbot's webroot mode */
  letsencrypt?: boolean | undefined;
  /** --webroot: certbot's webroot (implies --letsencrypt; default /var/www/acme) */
  webroot?: string | undefined;
  output?: string | undefined;
  force?: boolean | undefined;
  cwd?: string | undefined;
  /** asks for what the flags left open; absent when not interactive */
  ask?: ((question: string, fallback: string, check: Check) => Promise<string>) | undefined;
}

export const INIT_DEFAULTS = {
  domain: "chat.example.com",
  upstream: "127.0.0.1:8080",
  path: "/ws",
  webroot: "/var/www/acme",
} as const;

/** Where certbot writes a certificate named after `domain` (its default --cert-name: the first -d). */
export const letsEncryptFiles = (domain: string) => ({
  cert: `/etc/letsencrypt/live/${domain}/fullchain.pem`,
  key: `/etc/letsencrypt/live/${domain}/privkey.pem`,
});

const WEBROOT_QUESTION = "Webroot for the ACME challenges (certbot's -w)";
const yesNo: Check = (answer) => (/^(?:y|yes|n|no)$/i.test(answer) ? undefined : "answer y or n");
const isYes = (answer: string) => /^y/i.test(answer);

/**
 * Writes the scaffold; returns the file as given, its text, and the command to run next. Throws
 * UsageError for a file that exists (without force), a bad value, or flags that do not go together.
 */
export async function initCommand(options: InitOptions): Promise<{ file: string; text: string; next: string }> {
  const file = options.output ?? "wssgen.yaml";
  const cwd = options.cwd ?? process.cwd();
  const target = resolve(cwd, file);
  if (existsSync(target) && !options.force) throw new UsageError(`${file} already exists; pass --force to overwrite it`);
  if ((options.cert === undefined) !== (options.key === undefined)) throw new UsageError("--cert and --key go together");
  const letsencrypt = options.letsencrypt === true || options.webroot !== undefined;
  if (letsencrypt && options.cert !== undefined)
    throw new UsageError("--letsencrypt and --cert/--key do not go together: certbot writes the certificate with --letsencrypt");
  // a certificate is for a real name: the placeholder would give a certbot command for chat.example.com
  if (letsencrypt && options.domain === undefined && !options.ask)
    throw new UsageError("--letsencrypt needs --domain: the certificate is for your site's name, e.g. --domain app.example.com");

  if (options.preset !== undefined && !(presetNames as readonly string[]).includes(options.preset))
    throw new UsageError(
      `--preset: expected one of ${presetNames.join(", ")}, got ${JSON.stringify(options.preset)}${didYouMean(options.preset, presetNames)}`,
    );
  const preset = options.preset as PresetName | undefined;

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
    path: await value(
      "path",
      options.path,
      preset ? PRESETS[preset].usualPaths[0]! : INIT_DEFAULTS.path,
      checkLocationPath,
      "WebSocket path",
    ),
    ...(preset ? { preset } : {}),
  };
  const wildcard = answers.domain.includes("*");
  if (letsencrypt && wildcard)
    throw new UsageError(
      `--letsencrypt: ${answers.domain} is a wildcard, which Let's Encrypt issues only over DNS-01, not the webroot; give --cert and --key`,
    );
  if (options.cert !== undefined && options.key !== undefined) {
    answers.cert = await value("cert", resolve(cwd, options.cert), "", checkFilePath, "");
    answers.key = await value("key", resolve(cwd, options.key), "", checkFilePath, "");
  } else if (letsencrypt) {
    answers.acme = { webroot: await value("webroot", options.webroot, INIT_DEFAULTS.webroot, checkFilePath, WEBROOT_QUESTION) };
  } else if (options.ask && (await options.ask("Does the site use TLS (wss://, https)? y/n", "n", yesNo).then(isYes))) {
    // asked only on a terminal: --yes and CI keep the plain site, which passes nginx -t as written
    const ask = options.ask;
    if (!wildcard && isYes(await ask("Get its certificate from Let's Encrypt (certbot --webroot)? y/n", "y", yesNo)))
      answers.acme = { webroot: await ask(WEBROOT_QUESTION, INIT_DEFAULTS.webroot, checkFilePath) };
    else {
      const own = letsEncryptFiles(answers.domain.replace(/^\*\./, ""));
      answers.cert = await ask("Certificate file (PEM, with its chain)", own.cert, checkFilePath);
      answers.key = await ask("Private key file (PEM)", own.key, checkFilePath);
    }
  }
  const text = initText(answers, findSchemaLink(target));
  parseConfig(file, text, {}); // a scaffold that does not load would be a bug; fail before writing
  await writeUserFile(target, text, { mode: 0o644 });
  const next = answers.acme
    ? `wssgen apply -c ${file} (it serves the ACME challenge and prints the certbot command to run)`
    : `wssgen render -c ${file}`;
  return { file, text, next };
}

/** An origin host for the domain (a wildcard domain gets its base name). */
const origin = (domain: string) => domain.replace(/^\*\./, "").replace(/\.\*$/, ".com");

/**
 * The framework's own settings that must match the proxy's (config/presets.ts `mustMatch`), as YAML
 * comments above the route; "" without a preset.
 */
function presetComment(preset: PresetName | undefined): string {
  if (preset === undefined) return "";
  const facts = PRESETS[preset];
  const lines = [`${facts.title}: settings of the app that must match this route`, ...facts.mustMatch.map((line) => `- ${line}`)];
  return lines.map((line) => `      # ${line}\n`).join("");
}

/**
 * The comment on defaults.timeouts.read: what the scaffold's one route gets, and why. A preset that
 * sets its own read timeout overrides the default on its route (normalize.ts: route > preset >
 * defaults.*), so the default then only serves routes added later; a preset that sets none leaves
 * the route with the default, which must stay above the framework's silence (PresetFacts.readReason).
 */
function readComment(preset: PresetName | undefined, fallback: string): string {
  if (preset === undefined) return "nginx's default 60s closes idle WebSockets; keep it above your app's ping interval";
  const facts = PRESETS[preset];
  const own = facts.sets["timeouts.read"];
  if (own !== undefined)
    return `for routes without a preset: the ${preset} route below gets ${own} from its preset instead (${facts.readReason})`;
  return `the ${preset} route below gets this ${fallback} (its preset sets none): ${facts.readReason ?? "keep it above the backend's longest silence"}`;
}

/**
 * The framework's other usual paths (config/presets.ts `usualPaths`: Phoenix LiveView's `/live`
 * beside `/socket`), as a commented route each, for a scaffold whose route is at one of them; "" otherwise.
 */
function otherPaths(preset: PresetName | undefined, path: string, originList: string): string {
  if (preset === undefined) return "";
  const facts = PRESETS[preset];
  const others = facts.usualPaths.filter((p) => p !== path);
  if (others.length === 0 || !facts.usualPaths.includes(path)) return "";
  return others
    .map(
      (other) =>
        `      # ${facts.title}'s other default path, ${other}${preset === "phoenix" && other === "/live" ? " (LiveView's socket)" : ""}: uncomment to route it too\n      # - { path: ${y(other)}, upstream: app, preset: ${preset}, origins: [${originList}] }\n`,
    )
    .join("");
}

/** YAML double-quoted scalars are JSON strings. */
const y = (value: string) => JSON.stringify(value);

export function initText(a: InitAnswers, schemaLink?: string): string {
  const tls = (a.cert !== undefined && a.key !== undefined) || a.acme !== undefined;
  const originList = y(`${tls ? "https" : "http"}://${origin(a.domain)}`);
  const route = DEFAULTS.route;
  const balance = DEFAULTS.upstream.balance.value;
  const live = letsEncryptFiles(a.domain);
  const tlsBlock = a.acme
    ? `    # Let's Encrypt (certbot's webroot mode): until these two files exist, \`wssgen apply\` serves only
    # the ACME challenge on port 80 and prints the certbot command to run; certbot's --deploy-hook runs
    # \`wssgen apply\` again, which then serves wss:// (and reloads nginx after each renewal).
    # \`wssgen check --stub-certs\` tests the config before they exist. docs/recipes/lets-encrypt.md
    tls:
      certificate: ${y(live.cert)}
      key: ${y(live.key)}
      profile: ${DEFAULTS.site["tls.profile"].value}   # or modern (TLSv1.3 only)
    acme:
      webroot: ${y(a.acme.webroot)}   # certbot -w: challenges are served from here
    redirectHttp: true        # port 80: ACME challenges first, a redirect to https for the rest`
    : tls
      ? `    tls:
      certificate: ${y(a.cert!)}
      key: ${y(a.key!)}
      profile: ${DEFAULTS.site["tls.profile"].value}   # or modern (TLSv1.3 only)
    redirectHttp: true        # also serve port 80 and redirect to https`
      : `    # For wss:// (needed by any page served over https), add your certificate and remove
    # "listen: 80"; the site then listens on 443 and port 80 redirects to it:
    # tls:
    #   certificate: ${live.cert}
    #   key: ${live.key}
    # redirectHttp: true
    # (or run \`wssgen init --letsencrypt\` for a certificate from Let's Encrypt)
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
    read: ${route["timeouts.read"].value}    # ${readComment(a.preset, route["timeouts.read"].value)}
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
${presetComment(a.preset)}      - path: ${y(a.path)}
        upstream: app
${a.preset ? `        preset: ${a.preset}   # sets websocket: true${PRESETS[a.preset].sets["timeouts.read"] ? ` and timeouts.read/send: ${PRESETS[a.preset].sets["timeouts.read"]}` : ""} (docs/presets/${a.preset}.md)` : "        websocket: true"}
        origins: [${originList}]   # pages allowed to open the socket; others get 403
        maxConnectionsPerIp: 100   # open sockets per client address
${otherPaths(a.preset, a.path, originList)}`;
}

/**
 * Certificates and `apply`: the first deploy of a Let's Encrypt site, before its certificate
 * exists, and the reload a renewal needs although the rendered config is unchanged.
 *
 * First deploy: a TLS site with `acme` whose certificate or key file is not on this machine cannot
 * pass `nginx -t` (nginx loads both when it reads the config), yet certbot needs nginx to answer the
 * HTTP-01 challenge before it can write them. apply marks such a site `awaitingCertificate`, so only
 * its port-80 server is rendered (challenges from the webroot, 404 for the rest), and prints the
 * certbot command that gets the certificate; certbot's `--deploy-hook` runs apply again, which then
 * renders the whole site. The pending state is apply's (and `diff`'s) alone: `render` and `check`
 * always render the whole site.
 */
import { lstat, stat } from "node:fs/promises";
import type { Site, WssgenConfig } from "../config/model.js";
import type { KeyPath } from "../config/path.js";

/** A TLS site with acme whose certificate (or key) is missing: what apply reports about it. */
export interface AwaitingCertificate {
  /** the site's name (its first domain unless named) */
  site: string;
  /** `sites[i]` */
  at: KeyPath;
  domains: string[];
  /** acme.webroot */
  webroot: string;
  certificate: string;
  key: string;
  /** which of certificate and key do not exist */
  missing: string[];
  /** the addresses of the http server that answers the challenges (`80`, `[::]:80`, ...) */
  http: string[];
  /** the certbot command that gets the certificate (shell-quoted, one line) */
  command: string;
}

/**
 * A copy of `config` in which each TLS site with `acme` whose certificate or key `isMissing` is
 * marked `awaitingCertificate` (rendering then gives it only its http server), and what to tell the
 * user about each. Pure: `isMissing` is the only view of the file system. A TLS site without acme
 * is never marked: its missing certificate stays nginx -t's error, as before.
 * `hook`: the command certbot's --deploy-hook should run (argv, quoted here).
 */
export function markAwaitingCertificates(
  config: WssgenConfig,
  isMissing: (file: string) => boolean,
  hook: readonly string[],
): { config: WssgenConfig; awaiting: AwaitingCertificate[] } {
  const awaiting: AwaitingCertificate[] = [];
  const sites = config.sites.map((site): Site => {
    if (!site.tls || !site.acme || !site.http) return site;
    const missing = [site.tls.certificate, site.tls.key].filter((file) => isMissing(file));
    if (!missing.length) return site;
    awaiting.push({
      site: site.name,
      at: site.at,
      domains: site.domains,
      webroot: site.acme.webroot,
      certificate: site.tls.certificate,
      key: site.tls.key,
      missing,
      http: site.http.listen.map((l) => l.value),
      command: certbotCommand(site.acme.webroot, site.domains, site.tls.certificate, hook),
    });
    return { ...site, awaitingCertificate: true };
  });
  return awaiting.length ? { config: { ...config, sites }, awaiting } : { config, awaiting };
}

/**
 * certbot's layout: CONFIG/live/NAME/fullchain.pem, CONFIG being /etc/letsencrypt unless certbot's
 * --config-dir says otherwise, and NAME its --cert-name (by default the first -d).
 */
const LIVE = /^(\/.*)\/live\/([^/]+)\/(?:fullchain|cert)\.pem$/;
/** certbot's default --config-dir */
const CERTBOT_CONFIG = "/etc/letsencrypt";

/** Whether the certificate and key are where certbot writes them: the same live/NAME/, the key privkey.pem. */
export function certbotLayout(certificate: string, key: string): boolean {
  const live = LIVE.exec(certificate);
  return live !== null && key === `${live[1]}/live/${live[2]}/privkey.pem`;
}

/**
 * `certbot certonly --webroot -w WEBROOT -d NAME... [--cert-name NAME] --deploy-hook "HOOK"`.
 * Wildcard names cannot be validated over HTTP-01 (Let's Encrypt requires DNS-01 for them), so
 * they are left out. `--cert-name` is added when the configured certificate lies under certbot's
 * live directory with a name other than the first domain, and `--config-dir` when that live
 * directory is not under /etc/letsencrypt, so that certbot writes it where the config reads it.
 */
export function certbotCommand(
  webroot: string,
  domains: readonly string[],
  certificate: string,
  hook: readonly string[],
): string {
  const names = domains.filter((d) => !d.includes("*"));
  const argv = ["certbot", "certonly", "--webroot", "-w", webroot, ...names.flatMap((d) => ["-d", d])];
  const live = LIVE.exec(certificate);
  if (live && live[1] !== CERTBOT_CONFIG) argv.push("--config-dir", live[1]!);
  const certName = live?.[2];
  if (certName !== undefined && certName !== names[0]) argv.push("--cert-name", certName);
  argv.push("--deploy-hook", hook.map(shellQuote).join(" "));
  return argv.map(shellQuote).join(" ");
}

/**
 * What apply says about a site awaiting its certificate: a line saying so and what is served, the
 * certbot command alone on the next line (to copy), and what happens after it.
 */
export function describeAwaiting(a: AwaitingCertificate): string[] {
  const wildcards = a.domains.filter((d) => d.includes("*"));
  const names = a.domains.length - wildcards.length;
  const waiting =
    `${a.site} has no certificate yet (${a.missing[0]!} does not exist): its http server (${a.http.join(", ")}) answers only ` +
    `ACME challenges, from ${a.webroot}, and its TLS server is left out until the certificate exists`;
  // certbot writes only under /etc/letsencrypt/live/: its command would never fill other paths
  if (!certbotLayout(a.certificate, a.key))
    return [
      `${waiting}. The certificate and key are not where certbot writes them (/etc/letsencrypt/live/NAME/fullchain.pem and privkey.pem in one directory):`,
      `  with certbot, set tls.certificate and tls.key to /etc/letsencrypt/live/${a.domains.find((d) => !d.includes("*")) ?? a.site}/fullchain.pem and privkey.pem and apply again for its command;`,
      `  with another ACME client, use its webroot mode with ${a.webroot} and have it install the certificate at ${a.certificate} and the key at ${a.key}, then run wssgen apply`,
    ];
  const lines = [
    `${waiting}; get it with:`,
    `  ${a.command}`,
    `  certbot runs the deploy hook once the certificate is written (and after each renewal): that \`wssgen apply\` serves wss://`,
  ];
  if (wildcards.length)
    lines.push(
      names
        ? `  (${wildcards.join(", ")} left out: Let's Encrypt issues wildcard names only over DNS-01, not the webroot)`
        : `  (${wildcards.join(", ")}: Let's Encrypt issues wildcard names only over DNS-01; the webroot cannot get this certificate)`,
    );
  return lines;
}

/** Whether a certificate file is absent here (missing, or a path through a non-directory); unreadable counts as present. */
export async function fileMissing(file: string): Promise<boolean> {
  try {
    await stat(file);
    return false;
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    // EACCES: the file may well be there (/etc/letsencrypt/live is root's): nginx -t will tell
    return code === "ENOENT" || code === "ENOTDIR";
  }
}

/**
 * The newest change (ms since the epoch) among the certificate and key files of the sites nginx
 * would serve with TLS: each file's own mtime and, for a symlink (certbot's live/ links into
 * archive/), the link's; undefined when there are none. A renewal shows here while the rendered
 * config stays the same.
 */
export async function certificatesChangedAt(config: WssgenConfig): Promise<number | undefined> {
  const files = new Set(config.sites.flatMap((s) => (s.tls && !s.awaitingCertificate ? [s.tls.certificate, s.tls.key] : [])));
  let newest: number | undefined;
  for (const file of files) {
    const times = await Promise.all([stat(file), lstat(file)].map((p) => p.then((s) => s.mtimeMs).catch(() => undefined)));
    for (const t of times) if (t !== undefined && (newest === undefined || t > newest)) newest = t;
  }
  return newest;
}

/** A word as a POSIX shell reads it back: bare when safe, else in double quotes, else in single quotes. */
export function shellQuote(word: string): string {
  if (/^[A-Za-z0-9_@%+=:,./-]+$/.test(word)) return word;
  if (!/[$`\\"!]/.test(word)) return `"${word}"`;
  return `'${word.replace(/'/g, `'\\''`)}'`;
}

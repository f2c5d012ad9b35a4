/**
 * The `wssgen import` corpus (fixtures/import/NN-name/): hand-written nginx configs as people copy
 * them from blog posts, each with README.md (where it comes from, its mistakes, what import should
 * make of it) and expect.json (which requests reach which backend, and which nginx refuses the file).
 *
 * The configs keep realistic paths; to run them, `sandboxFiles` substitutes the test certificates
 * for every `ssl_certificate`/`ssl_certificate_key` argument and moves the system paths nginx -t
 * opens or creates (/etc/nginx, /var/log/nginx, /var/cache/nginx, /run/nginx.pid) into the sandbox.
 * An `nginx -T` dump is split at its `# configuration file PATH:` markers into those files.
 */
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { TEMP_PATHS } from "../../src/check/sandbox.js";
import { splitSections } from "../../src/import/sections.js";
import type { RawConfig } from "../../src/config/raw-config.gen.js";
import { atLeast, type Version } from "../../src/nginx-version/version.js";
import type { CertDir } from "./certs.js";
import { FIXTURES } from "./paths.js";

/** One request of expect.json: sent to the original and to the imported config alike. */
export interface CorpusRequest {
  /** the port the original config listens on (the harness maps it to a free loopback port) */
  port: number;
  tls?: boolean;
  /** Host header (and SNI with tls) */
  host: string;
  /** path and query as sent */
  path: string;
  websocket?: boolean;
  /** a WebSocket subprotocol to offer */
  protocol?: string;
  /** the backend (its address in the config) that must answer; a list: any one of them; null: none (nginx answers itself) */
  backend: string | string[] | null;
  /** the request target the backend must receive */
  url?: string;
  /**
   * A mistake import must fix, seen at the backend: header (lower case) → the value the backend must
   * receive from the imported config, or "!value": anything but that (case-insensitive), absent
   * included. The original must break at least one of them, or it would be no mistake.
   */
  fixes?: Record<string, string>;
  /** more request headers (lower case), e.g. authorization */
  headers?: Record<string, string>;
  /** requests with the same tag must reach the same backend (stickiness), in the original and the import */
  sticky?: string;
}

/** A line the importer's report must have: at `line` of the file (a dump: of `file`), `directive`, one of `kind`. */
export interface ExpectedReportLine {
  file?: string;
  line: number;
  directive: string;
  kind: ("mapped" | "fixed" | "kept" | "dropped")[];
}

export interface CorpusExpect {
  /** nginx from this version on refuses the file with an error containing `because` (e.g. `ssl on;` is gone in 1.25.1) */
  nginx?: { refusedFrom: string; because: string };
  /** false: not run by the e2e harness (the README says why) */
  e2e?: boolean;
  requests: CorpusRequest[];
  /** files the config reads at request time (an htpasswd file), by the path the config names; written before nginx starts */
  files?: Record<string, string>;
  /**
   * What the user adds after reading the report, as `wssgen import` asks: `domains` for each site
   * imported without any (a catch-all server: wssgen sites answer by name).
   */
  review?: { domains: string[] };
  /** lines the importer's report must have (the mistakes it fixes, what it cannot map) */
  report?: ExpectedReportLine[];
}

export interface CorpusEntry {
  name: string;
  dir: string;
  /** nginx.conf as committed */
  text: string;
  readme: string;
  expect: CorpusExpect;
  /** it is an `nginx -T` dump (starts with a `# configuration file` marker) */
  dump: boolean;
}

export function importCorpus(): CorpusEntry[] {
  const base = join(FIXTURES, "import");
  return readdirSync(base, { withFileTypes: true })
    .filter((entry) => entry.isDirectory())
    .map((entry) => entry.name)
    .sort()
    .map((name) => {
      const dir = join(base, name);
      const text = readFileSync(join(dir, "nginx.conf"), "utf8");
      return {
        name,
        dir,
        text,
        readme: readFileSync(join(dir, "README.md"), "utf8"),
        expect: JSON.parse(readFileSync(join(dir, "expect.json"), "utf8")) as CorpusExpect,
        dump: text.startsWith("# configuration file "),
      };
    });
}

/** The headers of `fixes` that `received` (a backend's request headers) does not satisfy. */
export function unfixed(fixes: Record<string, string>, received: Record<string, string | string[] | undefined>): string[] {
  return Object.entries(fixes)
    .filter(([name, want]) => {
      const got = [received[name]].flat().join(", ");
      return want.startsWith("!") ? got.toLowerCase() === want.slice(1).toLowerCase() : got !== want;
    })
    .map(([name, want]) => `${name}: wanted ${want}, got ${JSON.stringify(received[name] ?? null)}`);
}

/** The sticky tags whose requests `backends` (in request order) does not send to one backend. */
export function unsticky(requests: CorpusRequest[], backends: (string | null)[]): string[] {
  const seen = new Map<string, Set<string | null>>();
  requests.forEach(
    (r, i) => r.sticky !== undefined && seen.set(r.sticky, (seen.get(r.sticky) ?? new Set()).add(backends[i] ?? null)),
  );
  return [...seen].filter(([, set]) => set.size > 1).map(([tag, set]) => `sticky ${tag}: ${[...set].join(", ")}`);
}

/** Whether `version` of nginx accepts the entry (per its expect.json). */
export function acceptedBy(entry: CorpusEntry, version: Version): boolean {
  return !entry.expect.nginx || !atLeast(version, entry.expect.nginx.refusedFrom);
}

/** The files of an `nginx -T` dump, by absolute path, in order. */
export function splitDump(text: string): { path: string; text: string }[] {
  return splitSections(text, "nginx.conf").map((section) => ({ path: section.file, text: section.text }));
}

/** `text` with the test certificate and key in place of the config's, and system paths under `dir`. */
export function substitute(text: string, certs: CertDir, dir: string): string {
  return text
    .replace(/^(\s*ssl_certificate_key\s+)[^;]+;/gm, `$1${certs.key};`)
    .replace(/^(\s*ssl_certificate\s+)[^;]+;/gm, `$1${certs.certificate};`)
    .replaceAll("/etc/nginx/", `${dir}/etc/`)
    .replaceAll("/var/log/nginx/", `${dir}/log/`)
    .replaceAll("/var/cache/nginx/", `${dir}/cache/`)
    .replaceAll("/run/nginx.pid", `${dir}/nginx.pid`);
}

/**
 * What to write into a sandbox at `dir` (relative path → text) to run `nginx -t` on the entry, and
 * the main config to test: for a plain entry, `corpus.conf` (withSandbox includes it in http{});
 * for a dump, its files under etc/ plus etc/conf.d/sandbox-temp.conf (temp paths inside the sandbox,
 * included by the dump's own `include /etc/nginx/conf.d/*.conf`), main config etc/nginx.conf.
 */
export function sandboxFiles(entry: CorpusEntry, certs: CertDir, dir: string): { files: Record<string, string>; main?: string } {
  if (!entry.dump) return { files: { "corpus.conf": substitute(entry.text, certs, dir) } };
  const files: Record<string, string> = {};
  for (const file of splitDump(entry.text)) {
    if (!file.path.startsWith("/etc/nginx/")) throw new Error(`${entry.name}: a dumped file outside /etc/nginx: ${file.path}`);
    files[`etc/${file.path.slice("/etc/nginx/".length)}`] = substitute(file.text, certs, dir);
  }
  files["etc/conf.d/sandbox-temp.conf"] = TEMP_PATHS.map((name) => `${name}_temp_path ${dir}/temp/${name};`).join("\n") + "\n";
  return { files, main: join(dir, "etc/nginx.conf") };
}

/**
 * The import of `entry` after the user's review (expect.json `review`): each site without domains
 * gets `review.domains`. Throws when the review and the import disagree (a review with nothing to
 * fill in, or a site without domains and no review), so `review` cannot hide a change.
 */
export function reviewed(entry: CorpusEntry, data: RawConfig): { data: RawConfig; yaml: string } {
  const copy = structuredClone(data);
  const bare = copy.sites.filter((site) => !site.domains.length);
  if (bare.length && !entry.expect.review)
    throw new Error(`${entry.name}: the import has a site without domains and expect.json no review`);
  if (!bare.length && entry.expect.review)
    throw new Error(`${entry.name}: expect.json has a review, but every imported site has domains`);
  for (const site of bare) site.domains = [...entry.expect.review!.domains];
  return { data: copy, yaml: JSON.stringify(copy) };
}

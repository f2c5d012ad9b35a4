/**
 * `wssgen import`: an existing nginx config (one http-context file, a whole nginx.conf, or the
 * output of `nginx -T`) read with wssgen's own lexer (util/nginx-syntax.ts) and mapped to a
 * wssgen.yaml. Pure: text in, data, YAML text and a report out.
 *
 * Every directive read ends up in the report, as `mapped` (a wssgen key now says it),
 * `fixed` (a classic mistake wssgen corrects: `ssl on;`, a hard-coded `Connection "upgrade"`, 60s
 * read timeouts on WebSocket routes, `$http_host` as Host, headers lost to nginx's inheritance),
 * `kept` (copied into a `directives` list at its level) or `dropped` (with why); one that is mapped
 * and corrected (a listener that gets `ssl`, a location whose read timeout is raised) has a line of
 * each. The report names directives and never their arguments: a header's value can hold a token.
 * A note with `review` marks a place where the result would serve differently from the original in
 * a way that matters before a deploy (access it cannot carry exactly, a location that answered
 * itself, a redirect it cannot keep): the command exits 1 and the YAML's header lists them.
 *
 * nginx facts used here: proxy_set_header, add_header, allow/deny, auth_basic (and its user file),
 * auth_request, proxy_ssl_* and the timeouts inherit from the outer level only when a level sets
 * none of its own, each kind on its own (ngx_http_proxy_merge_loc_conf and friends);
 * proxy_pass with a URI part replaces the matched location prefix with it; proxy_read_timeout
 * defaults to 60s; an `upstream` name is what `proxy_pass http://NAME` matches before DNS.
 */
import { Document, isSeq } from "yaml";
import { readDirective, type DirectiveLevel } from "../config/directives.js";
import type { RawConfig } from "../config/raw-config.gen.js";
import { durationToMs } from "../config/duration.js";
import { presetFacts, presetNames, type PresetName } from "../config/presets.js";
import { escapeText } from "../util/show.js";
import { expandIncludes, ImportSyntaxError, isDump, parseSection, splitSections, type Located } from "./sections.js";

/** How the report's entry was handled. */
export type ImportKind = "mapped" | "fixed" | "kept" | "dropped";

/** One line of the report: a directive (by name only), where it was, what became of it and why. */
export interface ImportNote {
  file: string;
  line: number;
  directive: string;
  kind: ImportKind;
  why: string;
  /**
   * The import serves differently here in a way that matters before a deploy: access control it
   * could not carry (the result would be more open), or a request that would reach another place.
   * `wssgen import` exits 1 when any note has it, and wssgen.yaml's header lists them.
   */
  review?: true;
}

export interface ImportResult {
  /** the wssgen.yaml as data (schema-shaped, not yet validated: the command validates it) */
  data: RawConfig;
  /** the same as YAML text, with a header comment */
  yaml: string;
  report: ImportNote[];
}

type Upstream = RawConfig["upstreams"][string];
type Site = RawConfig["sites"][number];
type Route = Site["routes"][number];
type Server = Exclude<Upstream["servers"][number], string>;

/** Directives of nginx's main context (ngx_core_module, events, modules): not an http-level file's. */
const MAIN_ONLY = new Set([
  "user",
  "worker_processes",
  "worker_rlimit_nofile",
  "worker_cpu_affinity",
  "worker_priority",
  "worker_shutdown_timeout",
  "pid",
  "load_module",
  "daemon",
  "master_process",
  "env",
  "pcre_jit",
  "thread_pool",
  "timer_resolution",
  "lock_file",
  "working_directory",
  "events",
  "stream",
  "mail",
]);

/** Headers wssgen writes on every proxied route (render/view.ts): never a route's `headers`. */
const WSSGEN_HEADERS = new Set(["host", "x-real-ip", "x-forwarded-for", "x-forwarded-proto", "upgrade", "connection"]);

/** The values wssgen writes for the proxy headers a route may set (render/view.ts, without realIp). */
const WSSGEN_VALUES: Record<string, string> = {
  "x-real-ip": "$remote_addr",
  "x-forwarded-for": "$proxy_add_x_forwarded_for",
  "x-forwarded-proto": "$scheme",
};

/** `$wssgen_route`, or `$wssgen_NAMESPACE_route`: the key wssgen's origin map and limits read. */
const ROUTE_VARIABLE = /^\$wssgen_(?:\w+_)?route$/;

/** What a `*` of a wildcard origin becomes in wssgen's origin map: one DNS label. */
const WILDCARD_LABEL = "[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?";

const DEFAULT_HSTS_SECONDS = 63_072_000;
const NGINX_READ_TIMEOUT_MS = 60_000;

/** An nginx time (`60`, `60s`, `1m30s`, `500ms`) in milliseconds, or undefined when it is not one. */
export function nginxTimeMs(value: string): number | undefined {
  const units: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000, w: 604_800_000 };
  if (/^\d+$/.test(value)) return Number(value) * 1000;
  const parts = [...value.matchAll(/(\d+)(ms|s|m|h|d|w)/g)];
  if (!parts.length || parts.map((p) => p[0]).join("") !== value) return undefined;
  return parts.reduce((sum, p) => sum + Number(p[1]) * units[p[2]!]!, 0);
}

/** A wssgen duration for an nginx time: kept as written when wssgen reads it the same way. */
function duration(value: string): string | undefined {
  if (/^\d+(ms|s|m|h|d)$/.test(value)) return value;
  const ms = nginxTimeMs(value);
  if (ms === undefined) return undefined;
  return ms % 1000 === 0 ? `${ms / 1000}s` : `${ms}ms`;
}

interface Context {
  notes: ImportNote[];
  upstreams: Record<string, Upstream>;
  /** nginx upstream name → wssgen name */
  upstreamNames: Map<string, string>;
  /**
   * `SCHEME://HOST` of a proxy_pass → the wssgen upstream it uses: an implicit one (no upstream
   * block), or a copy of an upstream block used with the other scheme too (tls is per upstream).
   */
  proxyTargets: Map<string, string>;
  /** the names of the input's upstream blocks (a proxy_pass to one sends Host: that name) */
  upstreamBlocks: Set<string>;
  /** sites whose server had a default_server listener (listed first: nginx's default is the first server) */
  defaultSites: Set<Site>;
  /** the listen that made each of defaultSites a default server */
  defaultAt: Map<Site, Located>;
  /** limit_conn_zone name → its key */
  connZones: Map<string, string>;
  /** limit_req_zone name → its rate */
  reqZones: Map<string, { rate: string; key: string }>;
  /** origins map entries ($wssgen_route key → origins), from a rendered wssgen config */
  origins: Map<string, { origins: string[]; missing: boolean }>;
  httpDirectives: string[];
  defaultServer: boolean;
  resolver: RawConfig["resolver"];
  /** the current server's internal locations that auth_request asks: path → the auth service's URL */
  authLocations: Map<string, string>;
  /** the auth_request targets that are `internal` (wssgen writes its own in their place) */
  authInternal: Set<string>;
  /** http-level ssl_certificate and its key: a TLS server that sets none inherits them */
  httpTls: { certificate?: string; key?: string; modern?: boolean; hsts?: NonNullable<NonNullable<Site["tls"]>["hsts"]> };
  /** proxy_ssl_* at http level, and in force for the locations of the server being read (then server level) */
  httpProxySsl: Map<string, string>;
  proxySsl: Map<string, string>;
  /** each https upstream's tls as the first route read it (JSON), and copies made for routes that differ */
  tlsRead: Map<string, string>;
  tlsCopies: Map<string, string>;
  /** the site being read sends HSTS (its own add_header, or the http level's when it has none) */
  siteHsts: boolean;
  /** http-level set_real_ip_from (a server with none of its own inherits them) and real_ip_header */
  httpRealIp: { from: string[]; header?: string };
  /** the text's lines per file (wssgen's comments carry what directives do not) */
  lines: Map<string, string[]>;
  generated: boolean;
}

const note = (ctx: Context, d: Located, kind: ImportKind, why: string) =>
  ctx.notes.push({ file: d.file, line: d.line, directive: d.name, kind, why });

/** A note the user must act on before deploying (ImportNote.review). */
const review = (ctx: Context, d: Located, kind: ImportKind, why: string) =>
  ctx.notes.push({ file: d.file, line: d.line, directive: d.name, kind, why, review: true });

/** Notes every directive inside a block as its block's (so none goes unreported). */
function noteAll(ctx: Context, block: Located[] | undefined, kind: ImportKind, why: string, parent?: string) {
  // a types block (mime.types: ~100 entries) is one line, which counts them (entries())
  if (parent === "types") return;
  for (const d of block ?? []) {
    // a map's (or geo's) entries are keys and values, not directives: their "name" is data
    if (parent !== undefined && TABLES.has(parent))
      ctx.notes.push({ file: d.file, line: d.line, directive: `(${parent} entry)`, kind, why });
    else note(ctx, d, kind, `${why}${entries(d)}`);
    noteAll(ctx, d.block, kind, why, d.name);
  }
}

/** ` (N entries)` for a types block, whose entries the report does not list one by one; "" for any other directive. */
const entries = (d: Located) => (d.name === "types" && d.block ? ` (${d.block.length} entries)` : "");

/** Blocks whose lines are table entries, not directives. */
const TABLES = new Set(["map", "geo", "types", "split_clients", "match", "charset_map"]);

const dropAll = (ctx: Context, block: Located[] | undefined, why: string, parent?: string) =>
  noteAll(ctx, block, "dropped", why, parent);

/** The text of a directive as a `directives` entry, quoting arguments that need it. */
function entryText(d: Located): string {
  const arg = (a: string) => (a === "" || /[\s;{}"'\\#]/.test(a) ? `"${a.replace(/["\\]/g, "\\$&")}"` : a);
  return [d.name, ...d.args.map(arg)].join(" ");
}

/** Into `list` when wssgen accepts it as an entry at `level`, else dropped with readDirective's reason. */
function keepOrDrop(ctx: Context, d: Located, level: DirectiveLevel, list: string[]) {
  if (d.block) {
    const why = `a block (${d.name} { ... }) that wssgen has no key for; write its effect with wssgen's keys${entries(d)}`;
    const guard = d.name === "limit_except" ? "answers some methods itself (limit_except)" : servesOrGuards(d.block);
    if (guard) review(ctx, d, "dropped", `${why}. It ${guard}: without it those requests are let through`);
    else note(ctx, d, "dropped", why);
    dropAll(ctx, d.block, `inside a dropped ${d.name} block`, d.name);
    return;
  }
  if (d.name === "include") {
    note(ctx, d, "dropped", "include is not followed: import the output of `nginx -T`, which holds every included file");
    return;
  }
  const text = entryText(d);
  const read = readDirective(text, level);
  if ("problem" in read) {
    note(ctx, d, "dropped", `not kept as a ${level}-level entry: the directive ${read.problem}`);
    return;
  }
  list.push(text);
  note(
    ctx,
    d,
    "kept",
    `copied into the ${level === "http" ? "top-level" : level === "server" ? "site's" : "route's"} directives`,
  );
}

/** Import an nginx config; see the module comment. Throws NginxSyntaxError (with `file:line`) on text nginx would refuse. */
export function importNginx(text: string, options: { file: string }): ImportResult {
  // nginx reads a byte order mark as part of the first directive's name, and refuses the file
  if (text.startsWith("\ufeff"))
    throw new ImportSyntaxError(
      "the file starts with a UTF-8 byte order mark, which nginx reads as part of the first directive's name: save it without one",
      options.file,
      1,
    );
  const ctx: Context = {
    notes: [],
    upstreams: {},
    upstreamNames: new Map(),
    proxyTargets: new Map(),
    upstreamBlocks: new Set(),
    defaultSites: new Set(),
    defaultAt: new Map(),
    connZones: new Map(),
    reqZones: new Map(),
    origins: new Map(),
    httpDirectives: [],
    defaultServer: false,
    resolver: undefined,
    authLocations: new Map(),
    authInternal: new Set(),
    lines: new Map(),
    generated: false,
    httpTls: {},
    httpProxySsl: new Map(),
    proxySsl: new Map(),
    tlsRead: new Map(),
    tlsCopies: new Map(),
    siteHsts: false,
    httpRealIp: { from: [] },
  };
  const http: Located[] = [];
  /** directives of an `http {}` block (nginx.conf's), rather than of an http-context file */
  const inHttpBlock = new Set<Located>();
  // wssgen's own output: its comments say what the directives alone do not (a site's name)
  const generated = text.startsWith("# Generated by wssgen");
  ctx.generated = generated;
  const sectionLines = ctx.lines;
  const sections = splitSections(text, options.file);
  for (const section of sections) sectionLines.set(section.file, section.text.split("\n"));
  const dump = isDump(text);
  const top = (d: Located) => {
    if (d.name === "http" && d.block) {
      note(ctx, d, "mapped", "its servers, upstreams and maps are read");
      http.push(...d.block);
      for (const x of d.block) inHttpBlock.add(x);
    } else if (MAIN_ONLY.has(d.name) || (d.name === "error_log" && !d.file.includes("conf.d"))) {
      note(ctx, d, "dropped", "main context (nginx.conf): wssgen writes an http-context file and leaves the main context alone");
      dropAll(ctx, d.block, `inside ${d.name}`, d.name);
    } else http.push(d); // an http-context file (conf.d/, sites-enabled/), as wssgen writes
  };
  if (dump) {
    // nginx -T: each include read where it stands (a snippet in a location stays in that location)
    const expanded = expandIncludes(sections);
    for (const n of expanded.notes) note(ctx, n.d, n.kind, n.why);
    checkNames(expanded.main).forEach(top);
    for (const section of expanded.unreached) {
      ctx.notes.push({
        file: section.file,
        line: 1,
        directive: "(file)",
        kind: "mapped",
        why: "no include of the nginx -T output reaches this file: read as an http-context file (conf.d/, sites-enabled/)",
      });
      checkNames(parseSection(section)).forEach(top);
    }
  } else for (const section of sections) checkNames(parseSection(section)).forEach(top);

  // nginx -T: the switch-over (docs/import.md) writes wssgen's file over one file that held servers
  // and removes the others; every other file stays, and nginx.conf (the main file) always does. An
  // http-level directive of a file that stays is left there: a copy beside it would be a duplicate
  // nginx refuses (`"gzip_vary" directive is duplicate`).
  const mainFile = sections[0]?.file;
  const serverFiles = new Set(http.filter((d) => d.name === "server" && d.block && d.file !== mainFile).map((d) => d.file));
  // a file included from one that is replaced goes with it
  const stays = (d: Located) => dump && ![d.file, ...(d.via ?? [])].some((f) => serverFiles.has(f));
  const keptInPlace = (d: Located) => {
    note(
      ctx,
      d,
      "kept",
      d.file === mainFile
        ? `stays in ${escapeText(d.file)}'s http block, which wssgen's file is included inside (a copy would be a duplicate)${entries(d)}`
        : `stays in ${escapeText(d.file)}, which wssgen's file is included beside (a copy would be a duplicate)${entries(d)}`,
    );
    noteAll(ctx, d.block, "kept", `part of ${d.name}, which stays`, d.name);
  };

  // first the blocks other levels refer to: upstreams, zones, maps
  for (const d of http) {
    if (d.name === "upstream" && d.block) readUpstream(ctx, d);
    else if (d.name === "limit_conn_zone") {
      const zone = d.args
        .find((a) => a.startsWith("zone="))
        ?.slice(5)
        .split(":")[0];
      if (zone) ctx.connZones.set(zone, d.args[0] ?? "");
    } else if (d.name === "limit_req_zone") {
      const zone = d.args
        .find((a) => a.startsWith("zone="))
        ?.slice(5)
        .split(":")[0];
      const rate = d.args.find((a) => a.startsWith("rate="))?.slice(5);
      if (zone && rate) ctx.reqZones.set(zone, { rate, key: d.args[0] ?? "" });
    } else if (d.name === "map" && /^\$wssgen_(?:\w+_)?origin_denied$/.test(d.args[1] ?? "")) readOriginMap(ctx, d);
  }
  // what servers inherit from http level with no key of wssgen's own there (nginx's merge: the
  // certificate and key each when a server sets none; set_real_ip_from likewise, real_ip_header apart)
  const lastArg = (name: string) => http.filter((d) => d.name === name).at(-1)?.args[0];
  const httpHsts = http.find((d) => d.name === "add_header" && d.args[0]?.toLowerCase() === "strict-transport-security");
  const protocols = http.filter((d) => d.name === "ssl_protocols").at(-1);
  ctx.httpTls = {
    certificate: lastArg("ssl_certificate"),
    key: lastArg("ssl_certificate_key"),
    ...(protocols?.args.join(" ") === "TLSv1.3" ? { modern: true } : {}),
    // add_header inherits only into a level that has none of its own (nginx's merge)
    ...(httpHsts ? { hsts: readHsts(httpHsts.args[1] ?? "") } : {}),
  };
  ctx.httpProxySsl = new Map(http.filter((d) => /^proxy_ssl_/.test(d.name)).map((d) => [d.name, d.args[0] ?? ""]));
  ctx.httpRealIp = {
    from: http.filter((d) => d.name === "set_real_ip_from").flatMap((d) => d.args),
    header: lastArg("real_ip_header"),
  };
  const defaultHeaders: Located[] = http.filter((d) => d.name === "proxy_set_header");
  const outer: Outer = {
    headers: defaultHeaders,
    timeouts: http.filter((d) => /^proxy_(read|send|connect)_timeout$/.test(d.name)),
    body: http.find((d) => d.name === "client_max_body_size"),
    root: undefined,
    buffering: http.filter((d) => d.name === "proxy_buffering").at(-1),
    requestBuffering: http.filter((d) => d.name === "proxy_request_buffering").at(-1),
    access: mergeAccess([], http),
  };
  const servers: { site: Site; d: Located; redirect?: Redirect }[] = [];
  for (const d of http) {
    if (d.name === "upstream" && d.block) continue;
    if (d.name === "server" && d.block) {
      const read = readServer(ctx, d, outer);
      if (read) servers.push({ ...read, d });
      continue;
    }
    if (INHERITED_BY_ROUTES.has(d.name)) {
      note(ctx, d, "mapped", "inherited by every route below it, so each route's keys say it");
      continue;
    }
    if (/^proxy_ssl_/.test(d.name)) {
      note(ctx, d, "mapped", "inherited by the https upstreams of the routes below it (upstreams.<name>.tls)");
      continue;
    }
    if (d.name === "add_header" && d === httpHsts) {
      note(ctx, d, "mapped", "inherited by each TLS site with no add_header of its own: sites[].tls.hsts");
      continue;
    }
    switch (d.name) {
      case "limit_conn_zone":
      case "limit_req_zone":
        note(ctx, d, "mapped", "read with the routes that use its zone (maxConnectionsPerIp, rateLimit)");
        break;
      case "map":
        if (d.args[0] === "$http_upgrade") {
          note(
            ctx,
            d,
            "mapped",
            "the upgrade map: wssgen writes its own (another name) for every WebSocket route; if sites wssgen does not manage use this one, keep it for them in a file of its own",
          );
          noteAll(ctx, d.block, "mapped", "part of the upgrade map", "map");
        } else if (d.args[1]?.startsWith("$wssgen_")) {
          note(ctx, d, "mapped", "one of wssgen's own maps: wssgen writes it again from the config");
          noteAll(ctx, d.block, "mapped", "part of it", "map");
        } else if (stays(d)) keptInPlace(d);
        else {
          note(
            ctx,
            d,
            "dropped",
            "a map wssgen has no key for: a kept directive that uses its variable needs it defined elsewhere",
          );
          noteAll(ctx, d.block, "dropped", "part of the dropped map", "map");
        }
        break;
      case "geo":
        if (!d.args[1]?.startsWith("$wssgen_") && stays(d)) {
          keptInPlace(d);
          break;
        }
        note(
          ctx,
          d,
          d.args[1]?.startsWith("$wssgen_") ? "mapped" : "dropped",
          d.args[1]?.startsWith("$wssgen_") ? "one of wssgen's own blocks (realIp)" : "a geo block wssgen has no key for",
        );
        noteAll(ctx, d.block, d.args[1]?.startsWith("$wssgen_") ? "mapped" : "dropped", "part of it", "geo");
        break;
      case "ssl_certificate":
      case "ssl_certificate_key":
        note(
          ctx,
          d,
          "mapped",
          `inherited by every TLS site that sets none: sites[].tls.${d.name === "ssl_certificate" ? "certificate" : "key"}`,
        );
        break;
      case "set_real_ip_from":
      case "real_ip_header":
        note(
          ctx,
          d,
          "mapped",
          `inherited by every site that sets none: sites[].realIp.${d.name === "set_real_ip_from" ? "from" : "header"}`,
        );
        break;
      case "real_ip_recursive":
        note(ctx, d, "mapped", "wssgen writes it with each site's realIp");
        break;
      case "ssl_protocols":
        // wssgen writes its profile's protocols in each TLS server, over any http-level line
        note(
          ctx,
          d,
          d.args.some((p) => /^(SSLv|TLSv1$|TLSv1\.1$)/.test(p)) ? "fixed" : "mapped",
          `${d.args.join(" ") === "TLSv1.3" ? "inherited by each TLS site that sets none: sites[].tls.profile: modern (TLSv1.3 only)" : "wssgen's TLS sites use sites[].tls.profile (TLSv1.2 and TLSv1.3; older protocols are insecure and off)"}${stays(d) ? `; the line stays in ${escapeText(d.file)} for servers that are not wssgen's` : ""}`,
        );
        break;
      case "resolver":
        ctx.resolver = {
          addresses: d.args.filter((a) => !a.includes("=")),
          ...(d.args.find((a) => a.startsWith("valid="))
            ? { valid: duration(d.args.find((a) => a.startsWith("valid="))!.slice(6)) ?? "30s" }
            : {}),
        };
        note(ctx, d, "mapped", "resolver");
        break;
      default:
        if (stays(d)) keptInPlace(d);
        // wssgen's file is included inside that block: repeating them there would be duplicates
        else if (!dump && inHttpBlock.has(d) && !d.block)
          note(ctx, d, "dropped", "part of nginx.conf's http block, which stays as it is (wssgen's file is included inside it)");
        else keepOrDrop(ctx, d, "http", ctx.httpDirectives);
    }
  }

  if (generated) for (const s of servers) siteNameFromComment(s.site, s.d, sectionLines.get(s.d.file) ?? []);
  const sites = pairRedirects(ctx, servers).map(siteInOrder);
  const namespace = [...ctx.upstreamNames.keys()].map((raw) => /^wssgen_([^.]+)\./.exec(raw)?.[1]).find((n) => n !== undefined);
  const data: RawConfig = escapeReferences({
    ...(namespace !== undefined ? { nginx: { namespace } } : {}),
    ...(ctx.defaultServer ? { defaultServer: "reject" as const } : {}),
    ...(ctx.resolver ? { resolver: ctx.resolver } : {}),
    upstreams: ctx.upstreams,
    sites,
    ...(ctx.httpDirectives.length ? { directives: ctx.httpDirectives } : {}),
  });
  // in the order of the text: files as nginx -T printed them, then lines (sort is stable)
  const files = [...sectionLines.keys()];
  const report = ctx.notes.sort((a, b) => files.indexOf(a.file) - files.indexOf(b.file) || a.line - b.line);
  return { data, yaml: toYaml(data, report, options.file), report };
}

function readResolver(args: string[]): NonNullable<RawConfig["resolver"]> {
  const valid = args.find((a) => a.startsWith("valid="))?.slice(6);
  const time = valid === undefined ? undefined : duration(valid);
  return { addresses: args.filter((a) => !a.includes("=")), ...(time ? { valid: time } : {}) };
}

/**
 * `${` is where wssgen.yaml reads an environment variable (config/interpolate.ts); nginx's own
 * `${name}` form is written `$${name}` there.
 */
function escapeReferences<T>(value: T): T {
  // a function: in a replacement string "$$" would mean one "$"
  if (typeof value === "string") return value.replaceAll("${", () => "$${") as T;
  if (Array.isArray(value)) return value.map(escapeReferences) as T;
  if (value !== null && typeof value === "object")
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, escapeReferences(v)])) as T;
  return value;
}

/** wssgen writes `# NAME: wss on 443, ...` above each site's server: NAME is the site's name when it is not its first domain. */
function siteNameFromComment(site: Site, d: Located, lines: string[]) {
  const match = /^# (\S+): (?:wss?|ws and wss|redirect) /.exec(lines[d.line - 2] ?? "");
  if (site.name === undefined && match && match[1] !== site.domains[0]) site.name = match[1]!;
}

function upstreamName(raw: string): string {
  // wssgen's own names: wssgen_NAME, or wssgen_NAMESPACE.NAME
  const own = /^wssgen_(?:[^.]*\.)?(.+)$/.exec(raw);
  return (own ? own[1]! : raw).replace(/[^A-Za-z0-9_-]/g, "_");
}

/** `base`, or `base_2`, `base_3`, ... : the first that no upstream has yet. */
function freeName(ctx: Context, base: string): string {
  let name = base;
  for (let n = 2; name in ctx.upstreams; n++) name = `${base}_${n}`;
  return name;
}

function readUpstream(ctx: Context, d: Located) {
  const raw = d.args[0] ?? "";
  const base = upstreamName(raw);
  // `chat.internal` and `chat_internal` are one key once sanitized: the second gets a suffix
  const name = freeName(ctx, base);
  const up: Upstream = { servers: [] };
  const taken = [...ctx.upstreamNames].find(([, n]) => n === base)?.[0];
  note(
    ctx,
    d,
    "mapped",
    name === base ? `upstreams.${name}` : `upstreams.${name} (renamed: upstream ${taken ?? base} is upstreams.${base})`,
  );
  for (const s of d.block ?? []) {
    switch (s.name) {
      case "server": {
        const server: Server = { address: s.args[0] ?? "" };
        const lost: string[] = [];
        for (const p of s.args.slice(1)) {
          const [k, v] = p.split("=", 2) as [string, string | undefined];
          if (k === "weight" && v) server.weight = Number(v);
          else if (k === "max_fails" && v) server.maxFails = Number(v);
          else if (k === "fail_timeout" && v) server.failTimeout = duration(v) ?? v;
          else if (k === "backup" && v === undefined) server.backup = true;
          else if (k === "down" && v === undefined) server.down = true;
          else if (k === "resolve" && v === undefined) up.resolve = true;
          else lost.push(k);
        }
        up.servers.push(Object.keys(server).length === 1 ? server.address : server);
        note(
          ctx,
          s,
          lost.length ? "dropped" : "mapped",
          lost.length
            ? `server parameters ${lost.join(", ")} have no wssgen key (the server itself is kept)`
            : `upstreams.${name}.servers`,
        );
        break;
      }
      case "least_conn":
        up.balance = "least-conn";
        note(ctx, s, "mapped", `upstreams.${name}.balance`);
        break;
      case "ip_hash":
        up.balance = "ip-hash";
        note(ctx, s, "mapped", `upstreams.${name}.balance`);
        break;
      case "random":
        up.balance = "random";
        note(ctx, s, "mapped", `upstreams.${name}.balance${s.args.length ? " (its parameters are not kept)" : ""}`);
        break;
      case "hash":
        up.balance = "hash";
        up.hashKey = s.args[0] ?? "";
        note(ctx, s, "mapped", `upstreams.${name}.hashKey${s.args.length > 1 ? " (consistent is not kept)" : ""}`);
        break;
      case "sticky":
        if (s.args[0] === "cookie" && s.args[1]) {
          up.sticky = { cookie: s.args[1] };
          note(ctx, s, "mapped", `upstreams.${name}.sticky (wssgen writes the cookie's path and flags)`);
        } else note(ctx, s, "dropped", "a sticky method other than cookie has no wssgen key");
        break;
      case "zone":
        note(ctx, s, "mapped", `wssgen writes the zone with upstreams.${name}.resolve`);
        break;
      case "resolver":
        ctx.resolver ??= readResolver(s.args);
        note(ctx, s, "mapped", "the top-level resolver");
        break;
      case "keepalive":
        up.keepalive = Number(s.args[0]);
        note(ctx, s, "mapped", `upstreams.${name}.keepalive`);
        break;
      default:
        note(ctx, s, "dropped", "an upstream directive wssgen has no key for");
        dropAll(ctx, s.block, `inside ${s.name}`);
    }
  }
  ctx.upstreams[name] = up;
  ctx.upstreamNames.set(raw, name);
  ctx.upstreamBlocks.add(raw);
}

/** `map "$wssgen_route $http_origin" $wssgen_origin_denied`: wssgen's origin check, read back per route key. */
function readOriginMap(ctx: Context, d: Located) {
  for (const e of d.block ?? []) {
    if (e.name === "default" || e.args[0] !== "0") continue;
    const space = e.name.indexOf(" ");
    let key = e.name.slice(0, space);
    let origin = e.name.slice(space + 1);
    if (key.startsWith("~*^")) {
      // a wildcard origin: wssgen writes `*.` as one DNS label and escapes the rest
      if (!origin.endsWith("$")) continue;
      const unescape = (t: string) => t.replace(/\\(.)/g, "$1");
      key = unescape(key.slice(3));
      origin = unescape(origin.slice(0, -1).replaceAll(WILDCARD_LABEL, "*"));
    }
    const entry = ctx.origins.get(key) ?? { origins: [], missing: false };
    if (origin === "") entry.missing = true;
    else entry.origins.push(origin);
    ctx.origins.set(key, entry);
  }
}

interface Outer {
  headers: Located[];
  timeouts: Located[];
  body: Located | undefined;
  root: string | undefined;
  /** the last proxy_buffering of an outer level */
  buffering: Located | undefined;
  /** the last proxy_request_buffering of an outer level */
  requestBuffering: Located | undefined;
  /** the access directives in force (ACCESS), each kind from the innermost level that has it */
  access: Located[];
}

/**
 * What an outer level (http, server) sets for the locations below it, which wssgen writes per route
 * (Outer and mergeAccess carry it down): reported where it stands as inherited.
 */
const INHERITED_BY_ROUTES = new Set([
  "proxy_set_header",
  "proxy_read_timeout",
  "proxy_send_timeout",
  "proxy_connect_timeout",
  "client_max_body_size",
  "proxy_buffering",
  "proxy_request_buffering",
  "allow",
  "deny",
  "auth_basic",
  "auth_basic_user_file",
  "auth_request",
]);

/** Access control: each kind inherits from the outer level only when a level sets none of it (nginx's merge). */
const ACCESS = {
  rules: ["allow", "deny"],
  basic: ["auth_basic"],
  userFile: ["auth_basic_user_file"],
  request: ["auth_request"],
} as const;

/** `inner`'s access directives over `outer`'s: per kind, the inner level's when it has any. */
function mergeAccess(outer: Located[], inner: Located[]): Located[] {
  return Object.values(ACCESS).flatMap((names: readonly string[]) => {
    const own = inner.filter((x) => names.includes(x.name));
    return own.length ? own : outer.filter((x) => names.includes(x.name));
  });
}

interface Redirect {
  listen: string[];
  status: string;
  target: string;
}

/** One `server` block: a site, a redirect-only server (paired with its TLS site later), or wssgen's default server. */
function readServer(ctx: Context, d: Located, http: Outer): { site: Site; redirect?: Redirect } | undefined {
  const block = d.block ?? [];
  const listens = block.filter((x) => x.name === "listen" && !x.args.includes("quic"));
  // wssgen's (or a hand-written) catch-all: default_server and return 444
  if (listens.some((l) => l.args.includes("default_server")) && block.some((x) => x.name === "return" && x.args[0] === "444")) {
    ctx.defaultServer = true;
    note(
      ctx,
      d,
      "mapped",
      "a default server that closes the connection (return 444): defaultServer: reject, which also refuses TLS handshakes for names no site has on wssgen's TLS addresses",
    );
    dropAll(ctx, block, "part of the default server wssgen writes for defaultServer: reject");
    return undefined;
  }
  const site: Site = { domains: [], routes: [] };
  const siteDirectives: string[] = [];
  const listen: string[] = [];
  let ssl = false;
  let http2 = false;
  let sslOn: Located | undefined;
  const tls: Partial<NonNullable<Site["tls"]>> = {};
  let hsts: NonNullable<NonNullable<Site["tls"]>["hsts"]> = false;
  // each proxy_ssl_* inherits into a level that does not set it (nginx's merge)
  ctx.proxySsl = new Map([
    ...ctx.httpProxySsl,
    ...block.filter((x) => /^proxy_ssl_/.test(x.name)).map((x) => [x.name, x.args[0] ?? ""] as const),
  ]);
  const ownHeaders = block.filter((x) => x.name === "add_header");
  ctx.siteHsts = ownHeaders.length
    ? ownHeaders.some((x) => x.args[0]?.toLowerCase() === "strict-transport-security")
    : ctx.httpTls.hsts !== undefined;
  if (!ownHeaders.length && ctx.httpTls.hsts !== undefined) hsts = ctx.httpTls.hsts;
  const serverOuter: Outer = {
    headers: block.some((x) => x.name === "proxy_set_header") ? block.filter((x) => x.name === "proxy_set_header") : http.headers,
    timeouts: [...http.timeouts, ...block.filter((x) => /^proxy_(read|send|connect)_timeout$/.test(x.name))],
    body: block.find((x) => x.name === "client_max_body_size") ?? http.body,
    root: block.find((x) => x.name === "root")?.args[0],
    buffering: block.filter((x) => x.name === "proxy_buffering").at(-1) ?? http.buffering,
    requestBuffering: block.filter((x) => x.name === "proxy_request_buffering").at(-1) ?? http.requestBuffering,
    access: mergeAccess(http.access, block),
  };
  let redirect: Redirect | undefined;
  let redirectNote: ImportNote | undefined;
  let acme: string | undefined;
  const realIpFrom: string[] = [];
  let realIpHeader: string | undefined;
  let proxyProtocol = false;
  note(ctx, d, "mapped", block.some((x) => x.name === "server_name") ? "a site" : `a site with ${CATCH_ALL}`);
  // auth_request's targets: `location = PATH { internal; proxy_pass URL; ... }`
  ctx.authLocations = new Map();
  ctx.authInternal = new Set();
  const asked = new Set(
    [...http.access, ...block, ...block.flatMap((x) => x.block ?? [])]
      .filter((x) => x.name === "auth_request")
      .map((x) => x.args[0]),
  );
  // an internal one is wssgen's own (or written the same way) and becomes none of the routes; a
  // public one (oauth2-proxy's docs leave out `internal`) stays a route too, as it was
  for (const x of block) {
    const path = x.args[0] === "=" ? x.args[1] : x.args[0];
    const url = x.block?.find((y) => y.name === "proxy_pass")?.args[0];
    if (x.name === "location" && path && asked.has(path) && url) {
      ctx.authLocations.set(path, url);
      if (x.block?.some((y) => y.name === "internal")) ctx.authInternal.add(path);
    }
  }
  for (const x of block) {
    if (INHERITED_BY_ROUTES.has(x.name)) {
      note(ctx, x, "mapped", "inherited by the site's routes, so each route's keys say it");
      continue;
    }
    if (/^proxy_ssl_/.test(x.name)) {
      note(ctx, x, "mapped", "inherited by the https upstreams of the site's routes (upstreams.<name>.tls)");
      continue;
    }
    if (x.name === "limit_req" || x.name === "limit_conn") {
      review(
        ctx,
        x,
        "dropped",
        `a server-level ${x.name}: wssgen's limits are per route (${x.name === "limit_req" ? "rateLimit" : "maxConnectionsPerIp"}); set it on each route that had it`,
      );
      continue;
    }
    switch (x.name) {
      case "listen": {
        const [addr = "", ...flags] = x.args;
        if (flags.includes("quic")) {
          note(ctx, x, "dropped", "an HTTP/3 (quic) listener has no wssgen key: the site's TCP listeners serve the same");
          break;
        }
        if (flags.includes("default_server")) {
          ctx.defaultSites.add(site);
          ctx.defaultAt.set(site, x);
        }
        // `[::]:P ipv6only=off` is one dual-stack socket: the port on IPv4 and IPv6, as wssgen writes a bare port
        const dual = /^\[::\]:(\d+)$/.exec(addr);
        if (dual && flags.includes("ipv6only=off")) listen.push(dual[1]!, addr);
        else listen.push(addr);
        const lost: string[] = [];
        for (const f of flags) {
          if (f === "ssl") ssl = true;
          else if (f === "http2") http2 = true;
          else if (f === "proxy_protocol") proxyProtocol = true;
          else if (f !== "default_server" && !(f === "ipv6only=off" && /^\[::\]:\d+$/.test(addr))) lost.push(f);
        }
        note(
          ctx,
          x,
          lost.length ? "dropped" : "mapped",
          lost.length
            ? `listen parameters ${lost.join(", ")} have no wssgen key (the address is kept in listen)`
            : flags.includes("default_server")
              ? "sites[].listen; default_server: the site is listed first, and nginx's default for an address is its first server"
              : "sites[].listen",
        );
        break;
      }
      case "server_name": {
        const names = x.args.filter((n) => n !== "_" && n !== '""' && n !== "");
        site.domains.push(...names);
        if (names.length) note(ctx, x, "mapped", "sites[].domains");
        else note(ctx, x, "dropped", CATCH_ALL);
        break;
      }
      case "http2":
        http2 = x.args[0] === "on";
        note(ctx, x, "mapped", "sites[].http2");
        break;
      case "ssl":
        if (x.args[0] === "on") {
          ssl = true;
          sslOn = x;
        }
        note(
          ctx,
          x,
          "fixed",
          "`ssl on;` is deprecated since nginx 1.15.0 and removed in 1.25.1 (it also breaks plain-HTTP listeners): wssgen puts `ssl` on the TLS listeners",
        );
        break;
      case "ssl_certificate":
      case "ssl_certificate_key": {
        const field = x.name === "ssl_certificate" ? "certificate" : "key";
        if (tls[field] !== undefined)
          note(ctx, x, "dropped", `a second ${field} (an RSA and an ECDSA pair, say): wssgen's tls has one pair, the first`);
        else {
          tls[field] = x.args[0] ?? "";
          note(ctx, x, "mapped", `sites[].tls.${field}`);
        }
        break;
      }
      case "ssl_protocols":
        if (x.args.length === 1 && x.args[0] === "TLSv1.3") {
          tls.profile = "modern";
          note(ctx, x, "mapped", "sites[].tls.profile: modern (TLSv1.3 only)");
        } else
          note(
            ctx,
            x,
            x.args.some((p) => /^(SSLv|TLSv1$|TLSv1\.1$)/.test(p)) ? "fixed" : "mapped",
            "sites[].tls.profile: intermediate (TLSv1.2 and TLSv1.3; older protocols are insecure and off)",
          );
        break;
      case "ssl_session_timeout": {
        const t = duration(x.args[0] ?? "");
        if (t && nginxTimeMs(t) !== 86_400_000) tls.sessionTimeout = t;
        note(ctx, x, "mapped", "sites[].tls.sessionTimeout");
        break;
      }
      case "ssl_stapling":
        if (x.args[0] === "on") tls.stapling = true;
        note(ctx, x, "mapped", "sites[].tls.stapling");
        break;
      case "ssl_ciphers":
      case "ssl_ecdh_curve":
      case "ssl_prefer_server_ciphers":
      case "ssl_session_cache":
      case "ssl_session_tickets":
      case "ssl_stapling_verify":
      case "ssl_dhparam":
        note(ctx, x, "mapped", "wssgen writes it from sites[].tls.profile (Mozilla's settings)");
        break;
      case "server_tokens":
        note(ctx, x, "mapped", "wssgen writes server_tokens off in every server");
        break;
      case "add_header":
        if ((x.args[0] ?? "").toLowerCase() === "strict-transport-security") {
          hsts = readHsts(x.args[1] ?? "");
          note(ctx, x, "mapped", "sites[].tls.hsts");
        } else keepOrDrop(ctx, x, "server", siteDirectives);
        break;
      case "return": {
        const target = x.args[1] ?? "";
        if (
          /^30[1278]$/.test(x.args[0] ?? "") &&
          /^https:\/\/(\$host|\$server_name|\$http_host)(:\d+)?\$request_uri$/.test(target)
        ) {
          redirect = { listen: [], status: x.args[0]!, target };
          note(ctx, x, "mapped", "an http → https redirect: sites[].redirectHttp");
          redirectNote = ctx.notes.at(-1);
        } else if (x.args[0] === "404" && x.args.length === 1 && redirect)
          note(ctx, x, "mapped", "certbot's answer to the names it does not redirect: part of the redirect");
        else keepOrDrop(ctx, x, "server", siteDirectives);
        break;
      }
      case "if": {
        // certbot's managed redirect: `if ($host = NAME) { return 301 https://$host$request_uri; }`
        const ret = x.block?.length === 1 && x.block[0]?.name === "return" ? x.block[0] : undefined;
        if (
          /^\(\$host = \S+\)$/.test(x.args.join(" ")) &&
          ret &&
          /^30[1278]$/.test(ret.args[0] ?? "") &&
          /^https:\/\/\$host\$request_uri$/.test(ret.args[1] ?? "")
        ) {
          redirect = { listen: [], status: ret.args[0]!, target: ret.args[1]! };
          note(ctx, x, "mapped", "certbot's http → https redirect (one per name): sites[].redirectHttp");
          redirectNote = ctx.notes.at(-1);
          noteAll(ctx, x.block, "mapped", "part of the redirect");
        } else keepOrDrop(ctx, x, "server", siteDirectives);
        break;
      }
      case "set_real_ip_from":
        realIpFrom.push(...x.args);
        note(ctx, x, "mapped", "sites[].realIp.from");
        break;
      case "real_ip_header":
        realIpHeader = x.args[0];
        note(ctx, x, "mapped", "sites[].realIp.header");
        break;
      case "real_ip_recursive":
        note(ctx, x, "mapped", "wssgen writes it with realIp");
        break;
      case "absolute_redirect":
        if (x.args[0] === "off" && (block.some((y) => y.name === "set_real_ip_from") || ctx.httpRealIp.from.length))
          note(ctx, x, "mapped", "wssgen writes it with realIp (redirects keep the scheme the client used)");
        else keepOrDrop(ctx, x, "server", siteDirectives);
        break;
      case "root":
        note(ctx, x, "mapped", "inherited by the site's static routes (static.root)");
        break;
      case "location":
        if (ctx.authInternal.has(x.args[0] === "=" ? (x.args[1] ?? "") : (x.args[0] ?? ""))) {
          note(ctx, x, "mapped", "the auth service's location: sites[].routes[].access.forwardAuth.url");
          dropAll(ctx, x.block, "part of the forward-auth location wssgen writes");
        } else if (x.args.join(" ") === "^~ /.well-known/acme-challenge/" && x.block?.[0]?.name === "root") {
          acme = x.block[0].args[0];
          note(ctx, x, "mapped", "sites[].acme.webroot");
          dropAll(ctx, x.block, "part of the acme location");
        } else if (
          x.args.join(" ") === "/" &&
          x.block?.length === 1 &&
          x.block[0]?.name === "return" &&
          /^https:\/\//.test(x.block[0].args[1] ?? "")
        ) {
          redirect = { listen: [], status: x.block[0].args[0] ?? "301", target: x.block[0].args[1] ?? "" };
          note(ctx, x, "mapped", "an http → https redirect: sites[].redirectHttp");
          redirectNote = ctx.notes.at(-1);
          dropAll(ctx, x.block, "part of the redirect");
        } else if (
          x.args.join(" ") === "/" &&
          x.block?.length === 1 &&
          x.block[0]?.name === "return" &&
          x.block[0].args[0] === "404" &&
          acme !== undefined
        ) {
          redirect = { listen: [], status: "404", target: "" };
          note(ctx, x, "mapped", "an acme-only port-80 server (redirectHttp: false)");
          dropAll(ctx, x.block, "part of it");
        } else {
          const route = readLocation(ctx, x, serverOuter, block);
          if (route) site.routes.push(route);
        }
        break;
      default:
        keepOrDrop(ctx, x, "server", siteDirectives);
    }
  }
  if (sslOn)
    for (const l of listens)
      if (!l.args.includes("ssl")) note(ctx, l, "fixed", "gets `ssl` (the removed `ssl on;` put it on every listener)");
  if (ssl) {
    site.tls = {
      certificate: ctx.httpTls.certificate ?? "",
      key: ctx.httpTls.key ?? "",
      ...(ctx.httpTls.modern && !block.some((x) => x.name === "ssl_protocols") ? { profile: "modern" as const } : {}),
      ...tls,
    };
    if (!(typeof hsts === "object" && Object.keys(hsts).length === 0)) site.tls.hsts = hsts;
  } else if (tls.certificate !== undefined)
    note(ctx, d, "dropped", "has a certificate but no listener with ssl: nginx serves it as plain HTTP, and so does the import");
  // one server for both http and https: wssgen's TLS site redirects its plain listeners to https
  let tlsListen = listen;
  if (ssl && !sslOn) {
    const plain = listens.filter((l) => !l.args.includes("ssl"));
    if (plain.length && plain.length < listens.length) {
      tlsListen = listens.filter((l) => l.args.includes("ssl")).map((l) => l.args[0] ?? "");
      const http = readListen(
        plain.map((l) => l.args[0] ?? ""),
        80,
      );
      site.redirectHttp = http.listen === undefined ? true : { listen: http.listen };
      // a WebSocket client does not follow a redirect: ws:// there stops working
      const sockets = site.routes.some((r) => r.websocket !== false && r.static === undefined);
      for (const l of plain)
        (sockets ? review : note)(
          ctx,
          l,
          "fixed",
          sockets
            ? "a plain-HTTP listener of a TLS site: wssgen redirects it to https (sites[].redirectHttp), and WebSocket clients do not follow redirects: ws:// to this port stops working; clients must use wss://"
            : "a plain-HTTP listener of a TLS site: wssgen redirects it to https (sites[].redirectHttp)",
        );
    }
  }
  if (http2) site.http2 = true;
  const read = readListen(tlsListen, site.tls ? 443 : 80);
  if (read.listen !== undefined) site.listen = read.listen;
  if (read.ipv6 === false) site.ipv6 = false;
  if (acme !== undefined) site.acme = { webroot: acme };
  if (!realIpFrom.length) realIpFrom.push(...ctx.httpRealIp.from);
  realIpHeader ??= ctx.httpRealIp.header;
  if (realIpFrom.length || proxyProtocol) {
    site.realIp = { from: realIpFrom };
    const header = proxyProtocol ? "proxy_protocol" : realIpHeader;
    if (header && header !== "X-Forwarded-For") site.realIp.header = header as NonNullable<NonNullable<Site["realIp"]>["header"]>;
  }
  if (siteDirectives.length) site.directives = siteDirectives;
  // wssgen's route keys carry the site's name (`name/path`): read it back
  const named = block.flatMap((x) => x.block ?? []).find((x) => x.name === "set" && ROUTE_VARIABLE.test(x.args[0] ?? ""));
  const key = named?.args[1] ?? "";
  if (key && !key.startsWith("|") && !/^[^/]*@/.test(key) && key.includes("/")) site.name = key.slice(0, key.indexOf("/"));
  if (redirect && site.routes.length) {
    // redirectHttp is a TLS site's plain listeners redirecting every path (but ACME's)
    Object.assign(redirectNote ?? {}, {
      kind: "dropped",
      review: true,
      why: "a redirect to https in a server that also has routes: wssgen redirects only a TLS site's plain listeners, every path at once, so the routes are kept and this redirect is not; put it in a server of its own, or drop it",
    });
    redirect = undefined;
  }
  if (redirect) redirect.listen = listen;
  if (!redirect && !site.routes.length) {
    // a server that only answers with a return (www → apex, a maintenance page): no site to write
    const last = ctx.notes.filter((n) => n.file === d.file && n.line === d.line && n.directive === "server").at(-1);
    Object.assign(last ?? {}, {
      kind: "dropped",
      review: true,
      why: "a server with no route wssgen can carry (it only redirects to another name, say): not imported; keep it in a file of its own beside wssgen's",
    });
    return undefined;
  }
  return redirect && !site.routes.length ? { site, redirect } : { site };
}

/** `max-age=N; includeSubDomains; preload` → sites[].tls.hsts; `{}` when it is wssgen's default. */
function readHsts(value: string): NonNullable<NonNullable<Site["tls"]>["hsts"]> {
  const parts = value.split(";").map((p) => p.trim().toLowerCase());
  const age = Number(/^max-age=(\d+)$/.exec(parts[0] ?? "")?.[1] ?? DEFAULT_HSTS_SECONDS);
  const hsts: { maxAge?: string; includeSubdomains?: boolean; preload?: boolean } = {};
  if (age !== DEFAULT_HSTS_SECONDS) hsts.maxAge = age % 86400 === 0 ? `${age / 86400}d` : `${age}s`;
  if (parts.includes("includesubdomains")) hsts.includeSubdomains = true;
  if (parts.includes("preload")) hsts.preload = true;
  return hsts;
}

/** A site's listen key from its listen addresses: a bare port with its `[::]:port` twin is wssgen's default pair. */
function readListen(addresses: string[], defaultPort: number): { listen?: Site["listen"]; ipv6?: false } {
  if (!addresses.length) return {};
  const bare = addresses.filter((a) => /^\d+$/.test(a));
  const twins = bare.every((p) => addresses.includes(`[::]:${p}`));
  const rest = twins ? addresses.filter((a) => !bare.some((p) => a === `[::]:${p}`)) : addresses;
  const ipv6 = bare.length > 0 && !twins ? (false as const) : undefined;
  const values = rest.map((a) => (/^\d+$/.test(a) ? Number(a) : a));
  const listen = values.length === 1 && values[0] === defaultPort ? undefined : values.length === 1 ? values[0] : values;
  return { ...(listen !== undefined ? { listen } : {}), ...(ipv6 === false ? { ipv6 } : {}) };
}

const SITE_KEYS = ["name", "domains", "listen", "ipv6", "http2", "tls", "redirectHttp", "acme", "realIp", "directives", "routes"];

const ROUTE_KEYS = [
  "path",
  "preset",
  "upstream",
  "static",
  "websocket",
  "stripPrefix",
  "timeouts",
  "origins",
  "allowMissingOrigin",
  "maxConnectionsPerIp",
  "rateLimit",
  "maxBodySize",
  "buffering",
  "headers",
  "access",
  "directives",
];

const inOrder = <T extends object>(value: T, keys: string[]): T =>
  Object.fromEntries(Object.entries(value).sort(([a], [b]) => keys.indexOf(a) - keys.indexOf(b))) as T;

/** A site's keys in the order docs/config.md lists them, routes last, each route's keys in order too. */
function siteInOrder(site: Site): Site {
  return inOrder({ ...site, routes: site.routes.map((route) => inOrder(route, ROUTE_KEYS)) }, SITE_KEYS);
}

/** Redirect-only port-80 servers become redirectHttp on the TLS site with the same names. */
function pairRedirects(ctx: Context, servers: { site: Site; d: Located; redirect?: Redirect }[]): Site[] {
  const sites: Site[] = [];
  const redirects = servers.filter((s) => s.redirect);
  // a default_server first: wssgen writes no default_server flag, and nginx's default for an address is its first server
  for (const s of servers) if (!s.redirect && ctx.defaultSites.has(s.site)) sites.push(s.site);
  for (const s of servers) if (!s.redirect && !ctx.defaultSites.has(s.site)) sites.push(s.site);
  // listed first, a site is the default of every address it listens on: a REVIEW where that takes an
  // address another server was the default of (it came first there, and the site had no default_server)
  const listens = (d: Located) => (d.block ?? []).filter((x) => x.name === "listen" && !x.args.includes("quic"));
  servers.forEach((s, i) => {
    if (s.redirect || !ctx.defaultSites.has(s.site)) return;
    const taken = listens(s.d)
      .filter((l) => !l.args.includes("default_server"))
      .map((l) => l.args[0] ?? "")
      .filter((addr) => servers.slice(0, i).some((o) => listens(o.d).some((l) => l.args[0] === addr)));
    if (taken.length)
      review(
        ctx,
        ctx.defaultAt.get(s.site)!,
        "mapped",
        `default_server here, but wssgen lists the site first, which also makes it the default of ${taken.join(", ")}, where another server was: requests for unknown names there reach this site now; give each its own address, or set defaultServer: reject`,
      );
  });
  for (const r of redirects) {
    const same = (a: Site) => a.tls && a.domains.join(" ") === r.site.domains.join(" ");
    const target = sites.find(same);
    if (!target) {
      review(
        ctx,
        r.d,
        "dropped",
        "a redirect-only server with no TLS site of the same names to attach it to: not imported; keep it in a file of its own beside wssgen's",
      );
      continue;
    }
    if (r.site.acme) target.acme = r.site.acme;
    if (r.redirect!.status === "404") {
      target.redirectHttp = false;
      continue;
    }
    const listen = readListen(r.redirect!.listen, 80);
    target.redirectHttp = listen.listen === undefined ? true : { listen: listen.listen };
    // wssgen redirects to the TLS site's own port (render/view.ts); the original named its own
    const to = Number(/:(\d+)\$request_uri$/.exec(r.redirect!.target)?.[1] ?? 443);
    const first = [target.listen ?? 443].flat()[0]!;
    const port = typeof first === "number" ? first : Number(/(\d+)$/.exec(first)?.[1] ?? 443);
    if (to !== port)
      review(
        ctx,
        r.d,
        "mapped",
        `the redirect sent clients to port ${to}, wssgen's to the TLS site's own port (${port}): behind a port mapping (${to} → ${port}) that breaks; keep this redirect server in a file of its own, or listen on ${to}`,
      );
    if (r.redirect!.status !== "301")
      note(
        ctx,
        r.d,
        "fixed",
        `a ${r.redirect!.status} redirect to https: wssgen's is 301 (permanent), as the redirect always is`,
      );
  }
  return sites;
}

type Timeouts = NonNullable<Route["timeouts"]>;

/** One `location` block as a route, or undefined when it is wssgen's helper or cannot be a route. */
function readLocation(ctx: Context, d: Located, outer: Outer, siblings: Located[]): Route | undefined {
  const block = d.block ?? [];
  // `^~` only keeps regular-expression locations from matching, and wssgen writes none: a prefix
  const path =
    d.args.length === 2 && d.args[0] === "="
      ? `= ${d.args[1]}`
      : d.args.length === 2 && d.args[0] === "^~"
        ? d.args[1]!
        : d.args.length === 1
          ? d.args[0]!
          : undefined;
  // wssgen's own redirect from /docs to /docs/ beside a static route
  const ret = block.length === 1 && block[0]?.name === "return" ? block[0] : undefined;
  if (path?.startsWith("= ") && ret && ret.args[1] === `${path.slice(2)}/$is_args$args`) {
    if (siblings.some((s) => s.name === "location" && s.args[0] === `${path.slice(2)}/`)) {
      note(ctx, d, "mapped", "wssgen's redirect to the static route's directory: wssgen writes it again");
      dropAll(ctx, block, "part of it");
      return undefined;
    }
  }
  if (path?.startsWith("@")) {
    note(ctx, d, "dropped", "a named location (@…), reached only by error_page or try_files: wssgen has no key for it");
    dropAll(ctx, block, "inside a dropped location");
    errorPageReview(ctx, d, siblings);
    return undefined;
  }
  if (path === undefined) {
    const why = "a regular-expression (~, ~*) location: wssgen routes are prefix or exact (=) paths; write it as one";
    const guard = servesOrGuards(block);
    const elsewhere = guard ? undefined : servedElsewhere(block, outer, siblings);
    if (guard)
      review(
        ctx,
        d,
        "dropped",
        `${why}. It ${guard}: without it those requests reach another route (a static one would serve a script's source)`,
      );
    else if (elsewhere)
      review(
        ctx,
        d,
        "dropped",
        `${why}. It serves the files it matches (${elsewhere}): without it those requests reach another route, which answers them from another place`,
      );
    else
      note(
        ctx,
        d,
        "dropped",
        `${why}; it serves what it matches as the other locations would (from the server's root), so only its own settings are lost`,
      );
    dropAll(ctx, block, "inside a dropped location");
    errorPageReview(ctx, d, siblings);
    return undefined;
  }
  const route: Route = { path };
  const notesBefore = ctx.notes.length;
  const directives: string[] = [];
  const own = block.filter((x) => x.name === "proxy_set_header");
  const headersFrom = own.length ? own : outer.headers;
  const timeouts = [...outer.timeouts, ...block.filter((x) => /^proxy_(read|send|connect)_timeout$/.test(x.name))];
  const body = block.find((x) => x.name === "client_max_body_size") ?? outer.body;
  let proxied = false;
  let upgrade = false;
  let root: string | undefined;
  let alias: string | undefined;
  let spa = false;
  /** a proxy_pass wssgen cannot read, or a try_files that hands requests to an application */
  let unreadable: Located | undefined;
  let handsOff: Located | undefined;
  let proxyPass: Located | undefined;
  const ssl = new Map<string, string>();
  const authVariables = new Set<string>();
  const responseHeaders: string[] = [];
  for (const x of block) {
    switch (x.name) {
      case "proxy_pass": {
        const target = readProxyPass(ctx, x.args[0] ?? "", x);
        if (!target) {
          unreadable = x;
          break;
        }
        proxied = true;
        proxyPass = x;
        route.upstream = target.upstream;
        // a URI equal to the prefix replaces it with itself: the path as sent
        if (target.uri === path) target.uri = "";
        if (target.uri === "/" && path !== "/") route.stripPrefix = true;
        if (!target.uri || target.uri === "/") {
          note(ctx, x, "mapped", `sites[].routes[].upstream${target.uri === "/" ? " with stripPrefix" : ""}`);
          break;
        }
        const rewrite = uriRewrite(path, target.uri);
        if (rewrite !== undefined && !("problem" in readDirective(rewrite, "location"))) {
          directives.push(rewrite);
          note(
            ctx,
            x,
            "kept",
            "sites[].routes[].upstream; its URI part (other than /) has no key, so the route's directives replace the prefix with it (rewrite ... break, which nginx's proxy_pass then sends as is)",
          );
        } else
          review(
            ctx,
            x,
            "dropped",
            `its URI part (${target.uri}) has no wssgen key and no rewrite does the same (it has a variable, a %-escape or a character a quoted rewrite cannot hold): the route proxies the path as the client sent it; write a rewrite ... break in the route's directives`,
          );
        break;
      }
      case "proxy_set_header":
        break; // below, with the inherited ones
      case "proxy_http_version":
        note(ctx, x, "mapped", "wssgen writes proxy_http_version 1.1");
        break;
      case "proxy_read_timeout":
      case "proxy_send_timeout":
      case "proxy_connect_timeout":
        break; // below
      case "client_max_body_size":
        note(ctx, x, "mapped", "sites[].routes[].maxBodySize");
        break;
      case "proxy_buffering":
        if (x.args[0] === "off") route.buffering = false;
        note(ctx, x, "mapped", "sites[].routes[].buffering");
        break;
      case "proxy_request_buffering":
        if (x.args[0] === "off") route.buffering = false;
        note(
          ctx,
          x,
          "mapped",
          x.args[0] === "off"
            ? "sites[].routes[].buffering: false (which turns response buffering off too)"
            : "sites[].routes[].buffering",
        );
        break;
      case "root":
        root = x.args[0];
        note(ctx, x, "mapped", "sites[].routes[].static.root");
        break;
      case "alias":
        alias = x.args[0];
        note(ctx, x, "mapped", "sites[].routes[].static.root");
        break;
      case "try_files": {
        const fallback = x.args.at(-1) ?? "";
        spa = /(^|\/)index\.html?$/.test(fallback);
        if (spa)
          note(
            ctx,
            x,
            "mapped",
            x.args.includes("$uri/")
              ? "sites[].routes[].static.spa (which tries the file, then index.html: a directory's own index.html is not looked for)"
              : "sites[].routes[].static.spa",
          );
        else if (fallback.startsWith("@") || /\.(php|py|cgi|pl)\b|\$request_uri|\?/.test(fallback)) handsOff = x;
        else
          note(
            ctx,
            x,
            fallback === "=404" ? "mapped" : "dropped",
            fallback === "=404"
              ? "a static route answers 404 for a file that does not exist"
              : "a try_files that does not fall back to index.html: static routes serve the files that exist",
          );
        break;
      }
      case "add_header":
      case "add_trailer":
      case "proxy_hide_header":
      case "proxy_pass_header":
      case "error_page":
        if ((x.args[0] ?? "").toLowerCase() === "strict-transport-security" && x.name === "add_header")
          (ctx.siteHsts ? note : review)(
            ctx,
            x,
            ctx.siteHsts ? "mapped" : "dropped",
            ctx.siteHsts
              ? "the site's HSTS header (sites[].tls.hsts), repeated here because nginx drops outer add_header where a location has its own"
              : "an HSTS header on this location only: wssgen's HSTS is the whole site's (sites[].tls.hsts), which the server did not send; set hsts on the site if every path may send it",
          );
        else if (siblings.some((y) => y.name === x.name && y.args.join("\0") === x.args.join("\0")))
          note(ctx, x, "mapped", "the site's own entry, repeated here: wssgen repeats it where a route has its own");
        else keepOrDrop(ctx, x, "location", directives);
        break;
      case "proxy_ssl_server_name":
      case "proxy_ssl_name":
      case "proxy_ssl_verify":
      case "proxy_ssl_trusted_certificate":
      case "proxy_ssl_certificate":
      case "proxy_ssl_certificate_key":
      case "proxy_ssl_protocols":
        ssl.set(x.name, x.args[0] ?? "");
        note(ctx, x, "mapped", "upstreams.<name>.tls");
        break;
      case "expires":
        if (x.args[0] === "$wssgen_static_expires") note(ctx, x, "mapped", "wssgen's own caching of static files");
        else keepOrDrop(ctx, x, "location", directives);
        break;
      case "allow":
      case "deny":
      case "auth_basic":
      case "auth_basic_user_file":
      case "auth_request":
        break; // below, with the inherited ones
      case "auth_request_set":
        if (/^\$upstream_http_/.test(x.args[1] ?? "")) authVariables.add(x.args[0] ?? "");
        note(ctx, x, "mapped", "sites[].routes[].access.forwardAuth.responseHeaders");
        break;
      case "limit_conn": {
        const key = ctx.connZones.get(x.args[0] ?? "");
        if (key !== undefined && CLIENT_KEY.test(key)) {
          route.maxConnectionsPerIp = Number(x.args[1]);
          note(ctx, x, "mapped", "sites[].routes[].maxConnectionsPerIp");
        } else note(ctx, x, "dropped", "a limit_conn whose zone is not keyed by the client address");
        break;
      }
      case "limit_conn_status":
      case "limit_req_status":
        note(ctx, x, "mapped", "wssgen answers 429 to a client over its limit");
        break;
      case "limit_req": {
        const zone = x.args.find((a) => a.startsWith("zone="))?.slice(5);
        const found = zone ? ctx.reqZones.get(zone) : undefined;
        const burst = x.args.find((a) => a.startsWith("burst="))?.slice(6);
        if (found && CLIENT_KEY.test(found.key)) {
          route.rateLimit = { rate: found.rate, ...(burst ? { burst: Number(burst) } : {}) };
          note(ctx, x, "mapped", "sites[].routes[].rateLimit");
        } else if (found)
          review(
            ctx,
            x,
            "dropped",
            "a limit_req whose zone is not keyed by the client address: wssgen's rateLimit is per address (and route), so this limit is not carried; write it with directives, or use rateLimit per address",
          );
        else note(ctx, x, "dropped", "a limit_req whose zone was not found");
        break;
      }
      case "set":
        if (ROUTE_VARIABLE.test(x.args[0] ?? "")) {
          const origins = ctx.origins.get(x.args[1] ?? "");
          if (origins) {
            route.origins = origins.origins;
            if (!origins.missing) route.allowMissingOrigin = false;
          }
          note(ctx, x, "mapped", "wssgen's route key: origins and limits are read with it");
        } else keepOrDrop(ctx, x, "location", directives);
        break;
      case "if":
        if (/^\(\s*\$wssgen_(\w+_)?origin_denied\s*\)$/.test(x.args.join(" "))) {
          note(ctx, x, "mapped", "wssgen's origin check (sites[].routes[].origins)");
          dropAll(ctx, x.block, "part of it");
        } else keepOrDrop(ctx, x, "location", directives);
        break;
      default:
        keepOrDrop(ctx, x, "location", directives);
    }
  }
  readAccess(ctx, d, route, mergeAccess(outer.access, block));
  // headers: own, or inherited when the location has none
  const custom: Record<string, string> = {};
  for (const h of headersFrom) {
    const [name = "", value = ""] = h.args;
    const lower = name.toLowerCase();
    const inherited = !own.includes(h);
    if (lower === "upgrade") {
      if (value === "$http_upgrade") upgrade = true;
      else if (/^websocket$/i.test(value)) {
        upgrade = true;
        if (!inherited)
          note(
            ctx,
            h,
            "fixed",
            "a hard-coded Upgrade asks the backend to upgrade every request; wssgen passes the client's (a WebSocket route)",
          );
      }
      if (!inherited && value === "$http_upgrade") note(ctx, h, "mapped", "sites[].routes[].websocket");
      else if (!inherited && !upgrade)
        note(ctx, h, "dropped", "an Upgrade header of another value: wssgen passes the client's on WebSocket routes");
    } else if (lower === "connection") {
      if (!inherited) {
        if (/^upgrade$/i.test(value))
          note(
            ctx,
            h,
            "fixed",
            'a hard-coded Connection "upgrade" asks the backend to upgrade every request; wssgen sends it only on a WebSocket handshake (its $http_upgrade map)',
          );
        else note(ctx, h, "mapped", "wssgen writes the Connection header (sites[].routes[].websocket)");
      }
    } else if (lower === "host") {
      if (value === "$host") {
        if (!inherited) note(ctx, h, "mapped", "wssgen sends Host $host");
      } else if (value === "$proxy_host") {
        if (!inherited) note(ctx, h, "mapped", "nginx's default Host: what becomes of it is on the proxy_pass line");
      } else if (value === "$http_host") {
        if (!inherited) note(ctx, h, "fixed", "$http_host is empty for HTTP/1.0 clients and may hold a port; wssgen sends $host");
      } else {
        custom[name] = value;
        if (!inherited) note(ctx, h, "mapped", "sites[].routes[].headers");
      }
    } else if (WSSGEN_HEADERS.has(lower) && value !== WSSGEN_VALUES[lower] && !value.startsWith("$wssgen_")) {
      // another value than wssgen's own (X-Forwarded-Proto https behind a TLS load balancer): kept
      custom[name] = value;
      if (!inherited)
        note(ctx, h, "mapped", `sites[].routes[].headers (wssgen's own value would be ${WSSGEN_VALUES[lower] ?? "its own"})`);
    } else if (WSSGEN_HEADERS.has(lower)) {
      if (!inherited) note(ctx, h, "mapped", "wssgen writes this header on every route");
    } else if (authVariables.has(value)) {
      responseHeaders.push(name);
      if (!inherited) note(ctx, h, "mapped", "sites[].routes[].access.forwardAuth.responseHeaders");
    } else if (lower === "x-forwarded-prefix" && route.stripPrefix) {
      if (!inherited) note(ctx, h, "mapped", "wssgen writes X-Forwarded-Prefix with stripPrefix");
    } else {
      custom[name] = value;
      if (!inherited) note(ctx, h, "mapped", "sites[].routes[].headers");
    }
  }
  if (own.length && outer.headers.length && proxied) {
    const lost = outer.headers.filter((h) => !own.some((o) => o.args[0]?.toLowerCase() === h.args[0]?.toLowerCase()));
    for (const h of lost) {
      const [name = "", value = ""] = h.args;
      const lower = name.toLowerCase();
      // what wssgen writes anyway (its own value, Upgrade/Connection, Host $host) needs no entry; any
      // other value is the server's, which the route sends (as wssgen's own headers of another value above)
      const wssgens =
        lower === "upgrade" ||
        lower === "connection" ||
        (lower === "host" && (value === "$host" || value === "$http_host" || value === "$proxy_host")) ||
        (WSSGEN_HEADERS.has(lower) && (value === WSSGEN_VALUES[lower] || value.startsWith("$wssgen_")));
      if (!wssgens && !(name in custom)) custom[name] = value;
    }
    if (lost.length)
      note(
        ctx,
        d,
        "fixed",
        `its own proxy_set_header made nginx drop ${lost.length} header(s) set at an outer level; the route now sends them too`,
      );
  }
  // a server-level Host of another value that the location lost is carried above (custom): the route sends it
  const hostCarried = Object.keys(custom).some((k) => k.toLowerCase() === "host");
  if (proxyPass && !hostCarried && !headersFrom.some((h) => h.args[0]?.toLowerCase() === "host" && h.args[1] !== "$proxy_host")) {
    // nginx's default Host is $proxy_host: the upstream's name (or address) as proxy_pass wrote it
    const host = /^https?:\/\/(unix:|\[[^\]]*\]|[^/:]+)/.exec(proxyPass.args[0] ?? "")?.[1] ?? "";
    // a name the backend may serve by: a host name, or an upstream block named like one
    const named = host !== "unix:" && !isAddressHost(host) && (host.includes(".") || !ctx.upstreamBlocks.has(host));
    (named ? review : note)(
      ctx,
      proxyPass,
      "fixed",
      named
        ? `no Host was set, so nginx sent the backend's own name (${host}); wssgen sends the client's ($host): a backend that serves several names needs headers: { Host: ${host} }`
        : "no Host was set, so nginx sent the upstream's name or address ($proxy_host); wssgen sends the client's ($host)",
    );
  }
  if (Object.keys(custom).length) route.headers = custom;
  if (route.access?.forwardAuth && responseHeaders.length) route.access.forwardAuth.responseHeaders = responseHeaders;
  if (!proxied && (unreadable || handsOff))
    return dropLocation(
      ctx,
      d,
      notesBefore,
      unreadable
        ? "its proxy_pass has a variable (or is not http/https): wssgen's upstreams are fixed addresses, so this location is not carried and its requests reach another route; write the upstream as upstreams.<name>"
        : "its try_files hands requests to an application (a named location or a script): a static route would serve the files themselves (a script's source) and never the application; proxy the application as a route",
      true,
      siblings,
    );
  if (proxied) {
    route.websocket = upgrade;
    if (upgrade)
      delete route.websocket; // wssgen's default
    else route.websocket = false;
    if (outer.buffering?.args[0] === "off" && !block.some((x) => x.name === "proxy_buffering")) route.buffering = false;
    // wssgen's buffering: false turns both off (nginx: each inherits on its own)
    if (outer.requestBuffering?.args[0] === "off" && !block.some((x) => x.name === "proxy_request_buffering"))
      route.buffering = false;
    // wssgen's own comment names the route's preset
    const preset = ctx.generated ? presetOfComment(ctx.lines.get(d.file)?.[d.line - 2]) : undefined;
    if (preset !== undefined) route.preset = preset;
    const t = readTimeouts(ctx, d, timeouts, upgrade, preset);
    if (Object.keys(t).length) route.timeouts = t;
    if (body) {
      const size = body.args[0] ?? "";
      if (size !== "1m" && size !== "1M") route.maxBodySize = /^\d+$/.test(size) ? Number(size) : size.toLowerCase();
    }
  } else if ((root !== undefined || alias !== undefined || outer.root !== undefined) && !path.endsWith("/")) {
    // wssgen's static route maps a prefix path ending in "/" onto a directory
    const why =
      'a location that serves files at a path not ending in "/" (an exact match, or a prefix of any name): wssgen\'s static routes serve a directory under a prefix path such as /assets/';
    const elsewhere = servedElsewhere(block, outer, siblings, d);
    return dropLocation(
      ctx,
      d,
      notesBefore,
      elsewhere
        ? `${why}. It serves the files it matches (${elsewhere}): without it those requests reach another route, which answers them from another place`
        : why,
      elsewhere !== undefined,
      siblings,
    );
  } else if (root !== undefined || alias !== undefined || outer.root !== undefined) {
    const dir = alias ?? `${(root ?? outer.root ?? "").replace(/\/$/, "")}${path.replace(/^= /, "")}`;
    // wssgen's comment above the location holds the root as written (render adds alias's trailing "/")
    const comment = ctx.generated
      ? /-> files in (.+?)(?: \(single-page app\))?$/.exec(ctx.lines.get(d.file)?.[d.line - 2] ?? "")
      : null;
    const written =
      comment?.[1] !== undefined && comment[1].replace(/\/$/, "") === dir.replace(/\/$/, "") ? comment[1] : undefined;
    route.static = { root: written ?? (path === "/" ? (root ?? outer.root ?? dir) : dir), ...(spa ? { spa: true } : {}) };
  } else {
    return dropLocation(ctx, d, notesBefore, "a location that neither proxies nor serves files: no route", false, siblings);
  }
  if (route.upstream !== undefined && ctx.upstreams[route.upstream]?.tls)
    readRouteTls(ctx, d, route, new Map([...ctx.proxySsl, ...ssl]));
  if (directives.length) route.directives = directives;
  note(ctx, d, "mapped", "sites[].routes[]");
  return route;
}

/**
 * The `rewrite` that does what a proxy_pass URI does for a location (nginx docs, proxy_pass: the part
 * of the normalized URI matching the location is replaced by the URI): `location /a/ { proxy_pass
 * http://up/b/; }` is `rewrite "^/a/(.*)$" "/b/$1" break;` with a proxy_pass without URI, which then
 * sends the changed URI (and the arguments: rewrite keeps them), escaped as needed. `path` is the
 * route's path (`= /x` for an exact location). The regex has `(?s)`: it matches the decoded URI,
 * in which `.` would not match a newline (`%0A`). Undefined when the URI holds a variable (then
 * nginx sends it as written, another behaviour), a `%`-escape (proxy_pass sends it as written, but
 * a rewrite's URI is escaped again on the way out: `%20` would reach the backend as `%2520`), or a
 * character a quoted argument cannot hold.
 */
function uriRewrite(path: string, uri: string): string | undefined {
  const exact = path.startsWith("= ");
  const bare = exact ? path.slice(2) : path;
  if (/[$"%?\\\s{};]/.test(uri) || /["\\\s{};]/.test(bare)) return undefined;
  const prefix = bare.replace(/[.*+?^$()[\]{}|\\]/g, "\\$&");
  return exact ? `rewrite "^${prefix}$" "${uri}" break` : `rewrite "(?s)^${prefix}(.*)$" "${uri}$1" break`;
}

/**
 * `route.access` from the access directives in force in location `d` (its own, or inherited per kind:
 * mergeAccess). Its own directives are noted here (inherited ones were, at their level). What has no
 * exact key is a REVIEW note: without it the route would be open to everyone.
 * - allow/deny: `allow A; ...; deny all;` is access.allow; `allow all` alone is nginx's default;
 *   any other order or a deny of some addresses has no key.
 * - auth_basic (not `off`) with auth_basic_user_file is access.basicAuth.
 * - auth_request (not `off`) to a location of this server that proxies is access.forwardAuth.
 */
function readAccess(ctx: Context, d: Located, route: Route, access: Located[]) {
  const own = (x: Located) => d.block?.includes(x) ?? false;
  const where = (xs: Located[]) => xs.map((x) => `${x.file}:${x.line}`).join(", ");
  const rules = access.filter((x) => x.name === "allow" || x.name === "deny");
  const allows = rules.slice(0, -1);
  const last = rules.at(-1);
  if (rules.length === 1 && last?.name === "allow" && last.args[0] === "all") {
    if (own(last)) note(ctx, last, "mapped", "allow all is nginx's default: no key");
  } else if (
    rules.length > 1 &&
    last?.name === "deny" &&
    last.args[0] === "all" &&
    allows.every((x) => x.name === "allow" && x.args[0] !== "all")
  ) {
    route.access = { ...route.access, allow: allows.flatMap((x) => x.args) };
    for (const x of rules.filter(own)) note(ctx, x, "mapped", "sites[].routes[].access.allow (then deny all)");
  } else if (rules.length) {
    for (const x of rules.filter(own))
      note(ctx, x, "dropped", "part of allow/deny rules that have no exact key (see the REVIEW line)");
    review(
      ctx,
      d,
      "dropped",
      `the allow/deny rules in force here (${where(rules)}) are not \`allow ADDRESS; ... deny all;\`, the form access.allow writes: without them this route is open to everyone; write the addresses to let in as access.allow`,
    );
  }
  const basic = access.filter((x) => x.name === "auth_basic").at(-1);
  const userFile = access.filter((x) => x.name === "auth_basic_user_file").at(-1);
  for (const x of [basic, userFile]) if (x && own(x)) note(ctx, x, "mapped", "sites[].routes[].access.basicAuth");
  if (basic && basic.args[0] !== "off") {
    if (userFile)
      route.access = {
        ...route.access,
        basicAuth: {
          userFile: userFile.args[0] ?? "",
          ...(basic.args[0] !== "Restricted" ? { realm: basic.args[0] ?? "" } : {}),
        },
      };
    else
      review(ctx, d, "dropped", `auth_basic (${where([basic])}) without an auth_basic_user_file: add access.basicAuth.userFile`);
  }
  const request = access.filter((x) => x.name === "auth_request").at(-1);
  if (request && request.args[0] !== "off") {
    const url = ctx.authLocations.get(request.args[0] ?? "");
    if (url !== undefined) {
      route.access = { ...route.access, forwardAuth: { url, ...route.access?.forwardAuth } };
      if (own(request)) note(ctx, request, "mapped", "sites[].routes[].access.forwardAuth");
    } else {
      if (own(request))
        note(ctx, request, "dropped", "its location is not one of this server's that proxies (see the REVIEW line)");
      review(
        ctx,
        d,
        "dropped",
        `the auth_request in force here (${where([request])}) asks a location that does not proxy to the auth service in this server: without it this route is open to everyone; set access.forwardAuth.url`,
      );
    }
  } else if (request && own(request)) note(ctx, request, "mapped", "auth_request off: no forward auth here");
}

/**
 * Drops location `d` with `why`; what was read inside it (the notes from `notesBefore` on) goes with it.
 * REVIEW when `mustReview`, or when the location answers requests itself (servesOrGuards: a return,
 * a deny, auth, a rewrite): its path then reaches another route (a proxied `/`), which answers instead.
 */
function dropLocation(
  ctx: Context,
  d: Located,
  notesBefore: number,
  why: string,
  mustReview = false,
  siblings: Located[] = [],
): undefined {
  // readAccess's REVIEW lines on the location itself are about a route that is not there: the drop's
  // own line says what the location did (servesOrGuards), so the location is listed once
  const mine = (n: ImportNote) =>
    n.file === d.file && n.line === d.line && n.directive === d.name && !n.why.startsWith("a block (");
  const read = ctx.notes.splice(notesBefore);
  ctx.notes.push(...read.filter((n) => !mine(n)));
  for (const n of ctx.notes.slice(notesBefore))
    if (n.kind !== "dropped" || n.why.endsWith("(see the REVIEW line)"))
      Object.assign(n, { kind: "dropped", why: "inside a dropped location" });
  const guard = mustReview ? undefined : servesOrGuards(d.block ?? []);
  if (guard)
    review(ctx, d, "dropped", `${why}. It ${guard}: without it its requests reach another route, which answers them instead`);
  else (mustReview ? review : note)(ctx, d, "dropped", why);
  errorPageReview(ctx, d, siblings);
  return undefined;
}

/**
 * A REVIEW on dropped location `d` when an error_page of its server (`siblings`, or one of the other
 * locations in it) names a URI `d` matches: nginx answers that error with `d` (a maintenance page, an
 * internal-only error location), the import with nginx's own error page, or another route. The URI is
 * error_page's last argument (nginx docs, error_page: `error_page code ... [=[response]] uri`); a
 * named location matches `@name`, an exact one its path, a prefix one a URI that starts with it, a
 * regular expression one what it matches (read as a JavaScript regular expression). error_pages at
 * the http level are not looked at.
 */
function errorPageReview(ctx: Context, d: Located, siblings: Located[]) {
  const [first = "", second] = d.args;
  const matches = (uri: string): boolean => {
    if (second === undefined) return first.startsWith("@") ? uri === first : uri.startsWith(first);
    if (first === "=") return uri === second;
    if (first === "^~") return uri.startsWith(second);
    try {
      return new RegExp(second, first === "~*" ? "i" : "").test(uri);
    } catch {
      return false;
    }
  };
  const pages = siblings.flatMap((x) =>
    x === d
      ? []
      : x.name === "error_page"
        ? [x]
        : x.name === "location"
          ? (x.block ?? []).filter((y) => y.name === "error_page")
          : [],
  );
  const found = pages.find((x) => {
    const uri = (x.args.at(-1) ?? "").split("?")[0] ?? "";
    return /^[/@]/.test(uri) && matches(uri);
  });
  if (found)
    review(
      ctx,
      d,
      "dropped",
      `the error_page at ${found.file}:${found.line} (${found.args.join(" ")}) is answered by this location, which is not carried: the import answers those errors with nginx's own page or another route; serve the page from a static route (a path ending in "/") and point error_page at it`,
    );
}

/**
 * Where a dropped location `block` (one with no proxy_pass or guard: a regular-expression one, or
 * `self`, one whose files wssgen cannot map) serves files from, in words, when the prefix locations
 * beside it (`siblings`, but `self`), which get its requests once it is dropped, would answer them
 * otherwise; undefined when it only tunes what they serve the same way (no alias, try_files or other
 * root of its own, and every sibling prefix location serves files from the same root: no *_pass, alias, return or rewrite, a try_files only when it tries `$uri` first (an
 * existing file is served the same way), no root of its own other than `outer`'s).
 * nginx docs (location): a matching regular expression wins over the longest prefix (unless `^~`).
 */
function servedElsewhere(block: Located[], outer: Outer, siblings: Located[], self?: Located): string | undefined {
  const own = block.find((x) => ["alias", "try_files"].includes(x.name) || (x.name === "root" && x.args[0] !== outer.root));
  if (own) return `its own ${own.name} ${own.args.join(" ")}`;
  const from = outer.root === undefined ? "nginx's default root" : `the root ${outer.root}`;
  const prefix = siblings.filter(
    (s) =>
      s !== self && s.name === "location" && s.block && s.args[0] !== "~" && s.args[0] !== "~*" && !s.args[0]?.startsWith("@"),
  );
  const other = prefix.find((s) =>
    (s.block ?? []).some(
      (x) =>
        /_pass$/.test(x.name) ||
        ["alias", "return", "rewrite"].includes(x.name) ||
        (x.name === "try_files" && x.args[0] !== "$uri") ||
        (x.name === "root" && x.args[0] !== outer.root),
    ),
  );
  return other
    ? `${from}, where the location ${other.args.join(" ")} (${other.file}:${other.line}) answers otherwise`
    : undefined;
}

/**
 * What in a dropped location's block serves requests or turns them away (an application, a deny,
 * a return, auth), in words; undefined when it only tunes (caching headers, logging).
 */
function servesOrGuards(block: Located[]): string | undefined {
  const names = new Set(
    block.flatMap(function all(x): string[] {
      return [x.name, ...(x.block ?? []).flatMap(all)];
    }),
  );
  const app = [...names].find((n) => /^(proxy|fastcgi|uwsgi|scgi|grpc)_pass$/.test(n));
  if (app) return `hands requests to an application (${app})`;
  const guard = ["deny", "return", "auth_basic", "auth_request", "limit_except", "limit_req", "limit_conn", "internal"].find(
    (n) => names.has(n),
  );
  if (guard) return `answers requests itself (${guard})`;
  return names.has("rewrite") ? "rewrites or redirects requests (rewrite)" : undefined;
}

/** A limit zone's key that counts per client address (wssgen's own keys add the route). */
const CLIENT_KEY = /^\$(binary_)?remote_addr(\$wssgen_(\w+_)?route)?$/;

const SYSTEM_CA = new Set(["/etc/ssl/certs/ca-certificates.crt", "/etc/pki/tls/certs/ca-bundle.crt", "/etc/ssl/cert.pem"]);

/**
 * An https upstream's tls key from the proxy_ssl_* directives in force in a location. nginx does not verify a backend's certificate unless proxy_ssl_verify is on, so
 * without it the import says verify: false (lint: upstream-tls-unverified).
 */
function upstreamTls(up: Upstream, ssl: Map<string, string>): NonNullable<Upstream["tls"]> {
  const tls: Exclude<NonNullable<Upstream["tls"]>, boolean> = {};
  const verify = ssl.get("proxy_ssl_verify") === "on";
  if (!verify) tls.verify = false;
  const name = ssl.get("proxy_ssl_name");
  const first = up.servers[0];
  const host = (typeof first === "string" ? first : (first?.address ?? "")).replace(/:\d+$/, "");
  if (name !== undefined && name !== host) tls.serverName = name;
  const ca = ssl.get("proxy_ssl_trusted_certificate");
  if (ca !== undefined && !SYSTEM_CA.has(ca)) tls.ca = ca;
  const certificate = ssl.get("proxy_ssl_certificate");
  const key = ssl.get("proxy_ssl_certificate_key");
  if (certificate !== undefined) tls.certificate = certificate;
  if (key !== undefined) tls.key = key;
  return Object.keys(tls).length ? tls : true;
}

/**
 * The route's https upstream gets the tls its location's proxy_ssl_* say (its own, or inherited
 * per directive). wssgen's TLS settings are per upstream: a route whose settings differ from the
 * first route's to the same upstream gets a copy of it (`NAME_2`, ...) with its own.
 */
function readRouteTls(ctx: Context, d: Located, route: Route, ssl: Map<string, string>) {
  const name = route.upstream!;
  const up = ctx.upstreams[name]!;
  const tls = upstreamTls(up, ssl);
  const key = JSON.stringify(tls);
  const first = ctx.tlsRead.get(name);
  if (first === undefined) {
    ctx.tlsRead.set(name, key);
    up.tls = tls;
    return;
  }
  if (first === key) return;
  let copy = ctx.tlsCopies.get(`${name}\0${key}`);
  if (copy === undefined) {
    copy = freeName(ctx, name);
    ctx.upstreams[copy] = { ...structuredClone(up), tls };
    ctx.tlsRead.set(copy, key);
    ctx.tlsCopies.set(`${name}\0${key}`, copy);
  }
  route.upstream = copy;
  note(
    ctx,
    d,
    "mapped",
    `upstreams.${copy}: a copy of ${name} with this location's proxy_ssl_* settings (wssgen's TLS settings are per upstream)`,
  );
}

/** Timeouts, with a 60s (nginx's default) or shorter read timeout on a WebSocket route fixed to wssgen's 1h. */
function readTimeouts(ctx: Context, d: Located, found: Located[], websocket: boolean, preset?: PresetName): Timeouts {
  const out: Timeouts = {};
  const last = (name: string) => found.filter((x) => x.name === name).at(-1);
  const read = last("proxy_read_timeout");
  const send = last("proxy_send_timeout");
  const connect = last("proxy_connect_timeout");
  const readMs = read ? nginxTimeMs(read.args[0] ?? "") : undefined;
  const sendMs = send ? nginxTimeMs(send.args[0] ?? "") : undefined;
  const readFixed = websocket && (readMs === undefined || readMs <= NGINX_READ_TIMEOUT_MS);
  const sendFixed = websocket && sendMs !== undefined && sendMs <= NGINX_READ_TIMEOUT_MS;
  for (const x of found)
    if (d.block?.includes(x) && !(readFixed && x === read) && !(sendFixed && x === send))
      note(ctx, x, "mapped", "sites[].routes[].timeouts");
  if (sendFixed && d.block?.includes(send!))
    note(
      ctx,
      send!,
      "fixed",
      "a send timeout of 60s or less closes a WebSocket whose client reads nothing for that long while the backend sends; wssgen's is 1h",
    );
  if (readFixed) {
    note(
      ctx,
      read ?? d,
      "fixed",
      `a ${read ? "read timeout of 60s or less" : "default read timeout (60s)"} closes every WebSocket that is quiet for that long; wssgen's is 1h`,
    );
  } else if (read && readMs !== 3_600_000) out.read = duration(read.args[0] ?? "") ?? "1h";
  if (send && sendMs !== 3_600_000 && !sendFixed) out.send = duration(send.args[0] ?? "") ?? "1h";
  if (connect && nginxTimeMs(connect.args[0] ?? "") !== 5000) out.connect = duration(connect.args[0] ?? "") ?? "5s";
  // a preset's own timeout needs no key, and wssgen's default (omitted above) does when the preset sets another
  if (preset !== undefined)
    for (const [key, found] of [
      ["read", read],
      ["send", send],
    ] as const) {
      const sets = presetFacts(preset).sets[`timeouts.${key}`];
      const ms = found ? nginxTimeMs(found.args[0] ?? "") : undefined;
      if (sets === undefined || ms === undefined) continue;
      if (ms === durationToMs(sets)) delete out[key];
      else out[key] ??= duration(found?.args[0] ?? "") ?? "1h";
    }
  return out;
}

/** An IPv4 address, `[IPv6]` or localhost, with or without `:PORT`: no name a backend serves by. */
const isAddressHost = (host: string): boolean => /^(\d+\.\d+\.\d+\.\d+|localhost|\[[0-9a-f:.]+\])(:\d+)?$/i.test(host);

/**
 * A name for the upstream of a proxy_pass to an address: `backend` (then `backend_PORT`, then the
 * whole address) for an IP address or localhost, the host name otherwise.
 */
function implicitName(ctx: Context, host: string): string {
  const bare = host.replace(/^\[|\]$/g, "");
  const address = isAddressHost(host);
  const port = /:(\d+)$/.exec(host)?.[1];
  const candidates = address
    ? ["backend", ...(port ? [`backend_${port}`] : []), `backend_${bare.replace(/[^A-Za-z0-9]+/g, "_")}`]
    : [bare.replace(/:\d+$/, "").replace(/[^A-Za-z0-9_-]+/g, "_"), bare.replace(/[^A-Za-z0-9_-]+/g, "_")];
  const free = candidates.find((n) => !(n in ctx.upstreams) && /^[A-Za-z]/.test(n));
  return free ?? `backend_${Object.keys(ctx.upstreams).length}`;
}

/**
 * proxy_pass http(s)://NAME[URI]: the upstream's wssgen name and the URI part. An address gets an
 * implicit upstream per scheme (`http://X` and `https://X` are two: tls is an upstream's key), and an
 * upstream block used with both schemes gets a copy for the second one, noted at `d`.
 */
function readProxyPass(ctx: Context, url: string, d?: Located): { upstream: string; uri: string } | undefined {
  // http://unix:/path/to.sock:/uri (the socket's path ends at the ":")
  const match = /^(https?):\/\/(unix:[^:]+|[^/$]+)(?::?)(\/.*)?$/.exec(url);
  if (!match) return undefined;
  const [, scheme, host = "", uri = ""] = match;
  let name = ctx.proxyTargets.get(`${scheme}://${host}`);
  if (name === undefined) {
    const block = ctx.upstreamNames.get(host);
    const other = ctx.proxyTargets.get(`${scheme === "https" ? "http" : "https"}://${host}`);
    if (block !== undefined && other !== block) name = block;
    else if (block !== undefined) {
      name = freeName(ctx, `${block}_${scheme}`);
      const copy = structuredClone(ctx.upstreams[block]!);
      delete copy.tls;
      ctx.upstreams[name] = copy;
      if (d)
        note(
          ctx,
          d,
          "mapped",
          `upstreams.${name}: a copy of upstreams.${block} for ${scheme}, as other routes proxy to it with the other scheme`,
        );
    } else {
      name = implicitName(ctx, host);
      const address = /:\d+$/.test(host) || host.startsWith("unix:") ? host : `${host}:${scheme === "https" ? 443 : 80}`;
      ctx.upstreams[name] = { servers: [address] };
    }
    ctx.proxyTargets.set(`${scheme}://${host}`, name);
  }
  if (scheme === "https") ctx.upstreams[name]!.tls ??= true;
  return { upstream: name, uri };
}

/**
 * Why a server without names (`server_name _;`, `""`, or none: nginx's catch-all idiom) imports
 * with `domains: []`, which does not validate until the user fills it in.
 */
const CATCH_ALL =
  "no host name (`_` is nginx's catch-all idiom): wssgen sites answer by name, so add the names clients use to the site's domains (the first site on a port also answers names no site has, unless defaultServer: reject)";

function toYaml(data: RawConfig, report: ImportNote[], file: string): string {
  const count = (kind: ImportKind) => report.filter((n) => n.kind === kind).length;
  const header = [
    `# Imported by \`wssgen import\` from ${file}.`,
    `# ${count("mapped")} directives mapped to keys, ${count("fixed")} fixed, ${count("kept")} kept in directives, ${count("dropped")} dropped:`,
    "# see the import report for each one. Review, then run `wssgen check`.",
  ];
  const toReview = report.filter((n) => n.review);
  if (toReview.length)
    header.push(
      `# REVIEW before deploying: ${toReview.length} place(s) where this file serves differently from the original:`,
      ...toReview.map((n) => `#   ${n.file.replace(/[\r\n]/g, "?")}:${n.line} ${n.directive}: ${n.why}`),
    );
  const doc = new Document(data, { keepSourceTokens: false });
  data.sites.forEach((site, i) => {
    const node = doc.getIn(["sites", i, "domains"], true);
    if (!site.domains.length && isSeq(node)) {
      node.flow = true;
      node.comment = " add the names clients use: the original server had none (a catch-all)";
    }
  });
  return `${header.join("\n")}\n${doc.toString({ lineWidth: 0 })}`;
}

/**
 * The preset named in wssgen's comment above a proxied location, `# SITE PATH -> upstream U (WebSocket,
 * preset NAME)` (render/view.ts writes it); undefined for any other line.
 */
function presetOfComment(line: string | undefined): PresetName | undefined {
  const name = /, preset ([a-z.-]+)\)$/.exec(line ?? "")?.[1];
  return (presetNames as readonly string[]).includes(name ?? "") ? (name as PresetName) : undefined;
}

/**
 * `directives`, after checking that every directive's name is a word nginx could know: a quoted
 * name with spaces (`"Bearer s3cr3t";`, a header value on a line of its own) is an unknown
 * directive to nginx, which refuses the file. Throws ImportSyntaxError at its line, without the
 * name (it can be a secret).
 */
function checkNames(directives: Located[]): Located[] {
  for (const d of directives) {
    if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(d.name) && !(d.name.includes("*") || d.name.includes(".")))
      throw new ImportSyntaxError(
        "a directive whose name is not a word (quoted, or with spaces), which nginx refuses as an unknown directive",
        d.file,
        d.line,
      );
    if (d.block && !TABLES.has(d.name)) checkNames(d.block);
  }
  return directives;
}

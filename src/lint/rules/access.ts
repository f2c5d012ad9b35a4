/**
 * routes[].access: basic auth on a plain-http site (the password crosses the network in clear on
 * every request), and the user file of basic auth, which nginx reads on each request (so `nginx -t`
 * passes without it) and which `check` reads for this rule.
 */
import { showValue } from "../../util/show.js";
import type { Route, Site } from "../../config/model.js";
import type { FileRead, Rule, RuleResult } from "../types.js";
import { listensOnLoopbackOnly } from "./real-ip.js";

/**
 * basic-auth-over-http (docs/rules/basic-auth-over-http.md): one finding per route with basicAuth on a
 * site without tls. Silent when the site trusts a proxy in front (realIp: the proxy may end TLS, which
 * wssgen cannot see) or listens on loopback only (a local proxy or tunnel is the only client).
 */
export const basicAuthOverHttp: Rule = {
  id: "basic-auth-over-http",
  severity: "warning",
  description: "basicAuth on a site without tls: every request carries the password, readable on the way.",
  run: ({ config }) =>
    config.sites
      .filter((site) => !site.tls && !site.realIp && !listensOnLoopbackOnly(site))
      .flatMap((site) =>
        site.routes
          .filter((route) => route.access?.basicAuth)
          .map((route) => ({
            path: [...route.at, "access", "basicAuth"],
            message: `${showValue(route.path)} asks for a password over plain http: the browser sends it, only base64-encoded, with every request and WebSocket handshake to ${showValue(site.domains[0])}, readable by anyone on the way; add tls to the site, or name the TLS-terminating proxy in front in realIp`,
          })),
      ),
};

/**
 * forward-auth-any-host (docs/rules/forward-auth-any-host.md): forward auth on a site that is the
 * default server of one of its addresses (the first site wssgen writes there) while defaultServer is
 * off. nginx hands a request whose Host names no site to its address's default server, and the auth
 * service learns the host from the client's own Host (X-Forwarded-Host, X-Original-URL): a client can
 * pick the host the service judges, and pass a rule meant for another domain. defaultServer: reject
 * answers unknown hosts with 444 before any site sees them. One finding per site, at its first
 * forward-auth route.
 */
export const forwardAuthAnyHost: Rule = {
  id: "forward-auth-any-host",
  severity: "warning",
  description:
    "forwardAuth on an address's default server without defaultServer: reject: the client picks the host the auth service judges.",
  run: ({ config }) => {
    if (config.defaultServer === "reject") return [];
    const first = new Map<string, Site>();
    for (const site of config.sites)
      for (const l of site.listen) if (!first.has(`${l.host}:${l.port}`)) first.set(`${l.host}:${l.port}`, site);
    return config.sites.flatMap((site) => {
      const route = site.routes.find((r) => r.access?.forwardAuth);
      const address = site.listen.find((l) => first.get(`${l.host}:${l.port}`) === site);
      if (!route || !address) return [];
      return [
        {
          path: [...route.at, "access", "forwardAuth"],
          message: `${showValue(site.domains[0])} is the first site on ${showValue(address.value)}, so nginx also hands it requests whose Host names no site, and the auth service judges the host the client wrote (X-Forwarded-Host, X-Original-URL): a rule that lets another domain in would let this request in; set defaultServer: reject (unknown hosts get no answer)`,
        },
      ];
    });
  },
};

/** crypt(3)'s base64 alphabet (libxcrypt), and hashes of a length. */
const C = "[./0-9A-Za-z]";
/**
 * The password fields nginx can check (src/core/ngx_crypt.c): $apr1$, {PLAIN}, {SHA} and {SSHA}
 * itself, everything else through crypt(3), which on Debian is libxcrypt (yescrypt, scrypt, bcrypt,
 * SHA-crypt, MD5-crypt, sha1crypt, Sun MD5, BSDi, DES, NT). Anything else (a password in plain
 * text) is read as a salt, and no password ever matches it.
 */
const CHECKED = [
  new RegExp(`^\\$apr1\\$[^$]{0,8}\\$${C}{22}$`),
  new RegExp(`^\\$1\\$[^$]{0,8}\\$${C}{22}$`),
  new RegExp(`^\\$5\\$(?:rounds=\\d+\\$)?[^$]{0,16}\\$${C}{43}$`),
  new RegExp(`^\\$6\\$(?:rounds=\\d+\\$)?[^$]{0,16}\\$${C}{86}$`),
  new RegExp(`^\\$2[abxy]\\$\\d\\d\\$${C}{53}$`),
  new RegExp(`^\\$g?y\\$${C}+\\$${C}+\\$${C}{43}$`),
  new RegExp(`^\\$7\\$${C}{11}${C}*\\$${C}{43}$`),
  new RegExp(`^\\$sha1\\$\\d+\\$${C}{1,64}\\$${C}{28}$`),
  new RegExp(`^\\$md5(?:,rounds=\\d+)?\\$${C}{1,8}\\$\\$?${C}{22}$`),
  new RegExp(`^_${C}{19}$`),
  new RegExp(`^${C}{13}$`),
  /^\$3\$\$[0-9a-f]{32}$/,
  /^\{PLAIN\}/,
  /^\{SHA\}[A-Za-z0-9+/]{27}=$/,
];

/** Whether nginx can check a password against this field of a user file. */
function checkable(hash: string): boolean {
  if (hash.startsWith("{SSHA}")) {
    const encoded = hash.slice(6);
    // a SHA-1 digest (20 bytes) and a salt
    return /^[A-Za-z0-9+/]+={0,2}$/.test(encoded) && Buffer.from(encoded, "base64").length > 20;
  }
  return CHECKED.some((pattern) => pattern.test(hash));
}

type Problem = "not user:hash" | "no user name" | "not a hash nginx checks";

/**
 * A user file as nginx reads it (ngx_http_auth_basic_module: `user:password[:comment]` per line, `#`
 * comments, CR LF line ends): how many lines can log someone in, and the numbers of the lines that
 * cannot, by problem. Never the lines themselves: they hold password hashes.
 */
export function readUserFile(data: Uint8Array): { users: number; problems: Map<Problem, number[]> } {
  const problems = new Map<Problem, number[]>();
  let users = 0;
  Buffer.from(data.buffer, data.byteOffset, data.byteLength)
    .toString("latin1")
    .split("\n")
    .forEach((raw, i) => {
      const line = raw.replace(/\r$/, "");
      // nginx skips these (a line starting with CR included); a line of blanks names no user anyone has
      if (line.trim() === "" || line.startsWith("#") || raw.startsWith("\r")) return;
      const colon = line.indexOf(":");
      const problem: Problem | undefined =
        colon < 0
          ? "not user:hash"
          : colon === 0
            ? "no user name"
            : checkable(line.slice(colon + 1).split(":")[0]!)
              ? undefined
              : "not a hash nginx checks";
      if (problem === undefined) users++;
      else problems.set(problem, [...(problems.get(problem) ?? []), i + 1]);
    });
  return { users, problems };
}

/** "line 3", "lines 3, 7", "lines 1, 2, 3, 4, 5 and 6 more" */
function lineNumbers(lines: number[]): string {
  const shown = lines.slice(0, 5).join(", ");
  return `line${lines.length === 1 ? "" : "s"} ${shown}${lines.length > 5 ? ` and ${lines.length - 5} more` : ""}`;
}

const EXPLAIN: Record<Problem, string> = {
  "not user:hash": "not user:hash",
  "no user name": "no user name before the colon",
  "not a hash nginx checks":
    "the password is not a hash nginx checks (in plain text? crypt(3) reads it as a salt and no password matches)",
};

function checkUserFile(route: Route, file: FileRead | undefined): RuleResult[] {
  const path = [...route.at, "access", "basicAuth", "userFile"];
  const name = showValue(route.access!.basicAuth!.userFile);
  if (!file || "error" in file) {
    const why = file && "error" in file ? file.error : "not read";
    return [
      {
        path,
        message: `${name}: ${why}; nginx -t passes without it, and then every login on ${showValue(route.path)} fails with ${why === "does not exist" ? 403 : 500}: create it (htpasswd -B -c FILE USER) where nginx's workers can read it`,
      },
    ];
  }
  const { users, problems } = readUserFile(file.data);
  const details = [...problems].map(([problem, lines]) => `${lineNumbers(lines)}: ${EXPLAIN[problem]}`).join("; ");
  if (users === 0)
    return [
      {
        path,
        message: `${name} has no line nginx can log anyone in with${details ? ` (${details})` : " (it names no user)"}: every login on ${showValue(route.path)} fails with 401; write user:hash lines with htpasswd -B or openssl passwd -6`,
      },
    ];
  if (problems.size)
    return [
      {
        path,
        message: `${name}, ${details}: nginx never lets those users in; make their lines with htpasswd -B or openssl passwd -6`,
      },
    ];
  return [];
}

/**
 * access-user-file (docs/rules/access-user-file.md): the user file of each route with basicAuth, as
 * `check` read it: missing or unreadable, no line that logs anyone in, lines nginx can never match.
 * Silent without files (render does no I/O).
 */
export const accessUserFile: Rule = {
  id: "access-user-file",
  severity: "error",
  description: "basicAuth's user file: readable, with user:hash lines nginx can check.",
  run: ({ config, files }) =>
    files
      ? config.sites.flatMap((site: Site) =>
          site.routes
            .filter((route) => route.access?.basicAuth)
            .flatMap((route) => checkUserFile(route, files.get(route.access!.basicAuth!.userFile))),
        )
      : [],
};

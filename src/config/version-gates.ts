/**
 * Keys the nginx rendered for may be too old to do (SPEC §7: "a key the target nginx cannot do is
 * an error that names the version it needs"). Each gate is one row of VERSION_GATES: the keys, the
 * first nginx version that can do them (from nginx's changelog), and where a config uses them.
 * `render`, `check` and `apply` (and `diff`) call `assertVersionGates` right after they know the
 * version; a new gate is a new row.
 */
import { ConfigError, type ConfigProblem } from "../errors.js";
import { atLeast, formatVersion, type NginxBuild, type Version } from "../nginx-version/version.js";
import { writtenAt, type WssgenConfig } from "./model.js";
import type { KeyPath } from "./path.js";
import { type ConfigSource, problemAt } from "./source.js";

export interface VersionGate {
  /** the keys the gate is about, as docs/config.md names them */
  keys: readonly string[];
  /** the oldest nginx that can do it, `major.minor.patch` as its changelog says */
  minimum: string;
  /** what needs it, as the message begins: "defaultServer: reject" */
  what: string;
  /** the nginx feature it needs, as the message says it after the version: "for TLS ports (ssl_reject_handshake)" */
  needs: string;
  /** how to do without it: "defaultServer: off" */
  otherwise: string;
  /** where `config` uses it: a problem for each key path (none: the config does not need the gate) */
  usedAt(config: WssgenConfig): KeyPath[];
}

/** A key the nginx rendered for cannot do, and why, in words. */
export interface VersionProblem {
  path: KeyPath;
  message: string;
}

export const VERSION_GATES: readonly VersionGate[] = [
  {
    // nginx 1.19.4 changelog: "the ssl_reject_handshake directive"; older nginx has no way to refuse
    // a TLS handshake without presenting some certificate
    keys: ["defaultServer"],
    minimum: "1.19.4",
    what: "defaultServer: reject",
    needs: "for TLS ports (ssl_reject_handshake)",
    otherwise: "defaultServer: off",
    usedAt: (config) => (config.defaultServer === "reject" && config.sites.some((site) => site.tls) ? [["defaultServer"]] : []),
  },
  {
    // nginx 1.27.3 changelog: "the server directive in the upstream block supports the resolve
    // parameter" and "the resolver and resolver_timeout directives in the upstream block"; before
    // it, only NGINX Plus re-resolves upstream names
    keys: ["upstreams.<name>.resolve", "resolver"],
    minimum: "1.27.3",
    what: "resolve: true",
    needs: "(`server ... resolve` in an upstream)",
    otherwise: "remove resolve and reload nginx when the backends' addresses change (nginx resolves the names once, at start)",
    usedAt: (config) => config.upstreams.flatMap((u) => (u.resolve ? [writtenAt(u, "resolve") ?? [...u.at, "resolve"]] : [])),
  },
  {
    // nginx 1.29.6 changelog: "session affinity support; the sticky directive in the upstream
    // block of the http module"
    keys: ["upstreams.<name>.sticky"],
    minimum: "1.29.6",
    what: "sticky",
    needs: "(`sticky cookie` in an upstream)",
    otherwise:
      "use balance: ip-hash (one server per client address), or balance: hash with hashKey: $cookie_<your app's session cookie>",
    usedAt: (config) => config.upstreams.flatMap((u) => (u.sticky ? [[...u.at, "sticky"]] : [])),
  },
];

/**
 * The gates `config` needs that nginx `version` cannot do: one problem per use, at the key, whose
 * message names the version needed and the version rendered for, and what to do. `from` says where
 * the version came from (ResolvedNginxBuild's `from`): when it is the installed nginx (`nginx -V`),
 * the advice is to upgrade it rather than to name another version.
 */
export function versionProblems(config: WssgenConfig, version: Version, from?: string): VersionProblem[] {
  const advice =
    from === "nginx -V" ? "upgrade nginx (or set nginx.version, for another nginx)" : "set nginx.version (or --nginx-version)";
  return VERSION_GATES.flatMap((gate) =>
    atLeast(version, gate.minimum)
      ? []
      : gate.usedAt(config).map((path) => ({
          path,
          message: `${gate.what} needs nginx ${gate.minimum} or later ${gate.needs}; this file is rendered for nginx ${formatVersion(version)}${from === "nginx -V" ? " (what nginx -V reports)" : ""}: ${advice}, or ${gate.otherwise}`,
        })),
  );
}

/**
 * Throws a ConfigError (exit code 1, each problem at its file:line:column) when `build` cannot do
 * what `config` asks (versionProblems). A key whose value came from `${VAR}` is shown with its
 * variables (`defaultServer (from ${VAR})`). The messages hold only the gate's own words and two
 * versions, never a value of the file, so they are not redacted: redaction would also cut the
 * value's text out of those words ("ssl_reject_handshake" for a variable that holds "reject").
 */
export function assertVersionGates(config: WssgenConfig, source: ConfigSource, build: NginxBuild & { from?: string }): void {
  const problems = versionProblems(config, build.version, build.from);
  if (!problems.length) return;
  throw new ConfigError(
    problems.map(({ path, message }): ConfigProblem => {
      const from = config.provenance?.variablesAt(path);
      return {
        ...problemAt(source, path, message),
        keyPath: path,
        ...(from ? { from } : {}),
      };
    }),
  );
}

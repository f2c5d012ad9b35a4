import { showValue } from "../../util/show.js";
import type { WssgenConfig } from "../../config/model.js";
import { resolvable } from "../../config/semantics.js";
import { splitHostPort } from "../../config/values.js";
import { VERSION_GATES } from "../../config/version-gates.js";
import { atLeast, formatVersion, type Version } from "../../nginx-version/version.js";
import type { Rule } from "../types.js";

/** The nginx version that re-resolves upstream names (`server ... resolve`): the gate of `resolve`. */
export const RESOLVE_MINIMUM = VERSION_GATES.find((gate) => gate.keys.includes("upstreams.<name>.resolve"))!.minimum;

/** Docker's embedded DNS server, which every container on a user-defined network (Compose's) asks. */
export const DOCKER_DNS = "127.0.0.11";

/**
 * Endings of names that container platforms give services whose addresses change when the service
 * is recreated or rescheduled: Kubernetes (`api.default.svc`, `api.default.svc.cluster.local`) and
 * Consul (`api.service.consul`). Compared lower case.
 */
export const SERVICE_NAME_ENDINGS = [".svc", ".cluster.local", ".consul"] as const;

/** The host of a server address (`api` of `api:8080`), lower case. */
const hostOf = (address: string): string => (splitHostPort(address)?.host ?? address).toLowerCase();

/**
 * Whether a host name is the kind a container platform hands out: one label (a Compose or Swarm
 * service, `api`; not `localhost`, which /etc/hosts pins), or one of SERVICE_NAME_ENDINGS.
 */
export function isServiceName(host: string): boolean {
  if (host === "localhost") return false;
  return !host.includes(".") || SERVICE_NAME_ENDINGS.some((ending) => host.endsWith(ending));
}

/** Whether the config asks Docker's embedded DNS (a top-level resolver at 127.0.0.11, any port). */
const asksDockerDns = (config: WssgenConfig): boolean =>
  config.resolver?.addresses.some((address) => splitHostPort(address)?.host === DOCKER_DNS) ?? false;

/** Whether nginx `version` can re-resolve upstream names; undefined when the version is not known. */
const canResolve = (version: Version | undefined): boolean | undefined =>
  version === undefined ? undefined : atLeast(version, RESOLVE_MINIMUM);

/** "api", "api" and "web", "api", "web" and 2 more: the names a message is about, quoted. */
function listNames(names: string[]): string {
  const shown = names.slice(0, 3).map((n) => showValue(n));
  if (names.length > 3) return `${shown.join(", ")} and ${names.length - 3} more`;
  return shown.length === 1 ? shown[0]! : `${shown.slice(0, -1).join(", ")} and ${shown[shown.length - 1]!}`;
}

/**
 * upstream-name-resolved-once (docs/rules/upstream-name-resolved-once.md): nginx resolves a
 * `server` name once, when it loads the config (ngx_http_upstream_server → ngx_parse_url, nginx
 * docs: "upstream" module), so a container that is recreated with a new address keeps receiving
 * nothing and nginx answers 502 until a reload. Fires, once per upstream without resolve, when the
 * config looks containerised: a resolver at Docker's 127.0.0.11, or a server named like a
 * container service (isServiceName). The advice follows the nginx version: `resolve: true` from
 * 1.27.3, a reload after each deploy before it.
 */
export const upstreamNameResolvedOnce: Rule = {
  id: "upstream-name-resolved-once",
  severity: "info",
  description:
    "A container-style host name in an upstream without resolve: nginx resolves it once, at start, and keeps the old address when the container is recreated.",
  run: ({ config, nginxVersion }) => {
    const docker = asksDockerDns(config);
    const named = config.upstreams
      .filter((upstream) => !upstream.resolve)
      .map((upstream) => ({
        upstream,
        hosts: [...new Set(upstream.servers.filter((s) => resolvable(s.address)).map((s) => hostOf(s.address)))].filter(
          (host) => host !== "localhost",
        ),
      }))
      .filter(({ hosts }) => hosts.length > 0);
    const containerised = docker || named.some(({ hosts }) => hosts.some(isServiceName));
    if (!containerised) return [];
    const how = config.resolver
      ? "set resolve: true on this upstream (the top-level resolver is already set)"
      : "set resolve: true on this upstream and add the top-level resolver (under Docker: resolver: { addresses: [127.0.0.11] })";
    const supported = canResolve(nginxVersion);
    const advice =
      supported === true
        ? `${how}: nginx then asks again whenever an answer expires`
        : supported === false
          ? `nginx ${formatVersion(nginxVersion!)} cannot ask again (resolve needs nginx ${RESOLVE_MINIMUM} or later): reload nginx (nginx -t && nginx -s reload; wssgen apply reloads only when the config changed) after each deploy that recreates a container, or upgrade nginx and set resolve: true`
          : `${how} (nginx ${RESOLVE_MINIMUM} or later), or, on older nginx, reload nginx after each deploy that recreates a container`;
    return named.map(({ upstream, hosts }) => ({
      path: [...upstream.at, "servers"],
      message: `nginx resolves ${listNames(hosts)} once, at start: when the container or service behind a name is recreated, its address changes and nginx keeps sending to the old one (502 until a reload); ${advice}`,
    }));
  },
};

/**
 * resolver-unused (docs/rules/resolver-unused.md): the top-level resolver is written only into the
 * upstream blocks with resolve: true (view.ts, so that it never meets another file's `resolver`),
 * so without one it does nothing.
 */
export const resolverUnused: Rule = {
  id: "resolver-unused",
  severity: "warning",
  description: "The top-level resolver is set but no upstream has resolve: true, so nothing uses it.",
  run: ({ config, nginxVersion }) => {
    if (!config.resolver || config.upstreams.some((upstream) => upstream.resolve)) return [];
    const advice =
      canResolve(nginxVersion) === false
        ? `nginx ${formatVersion(nginxVersion!)} cannot re-resolve upstream names (resolve needs nginx ${RESOLVE_MINIMUM} or later): remove resolver`
        : "set resolve: true on the upstreams whose servers are names that move (containers, Kubernetes services), or remove resolver";
    return [
      {
        path: ["resolver"],
        message: `no upstream has resolve: true, and wssgen writes the resolver only into those upstreams, so it does nothing; ${advice}`,
      },
    ];
  },
};

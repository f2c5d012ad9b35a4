import { formatPath } from "../../config/path.js";
import { VERSION_GATES } from "../../config/version-gates.js";
import { atLeast, type Version } from "../../nginx-version/version.js";
import { showValue } from "../../util/show.js";
import type { Route, Upstream } from "../../config/model.js";
import { PRESETS } from "../../config/presets.js";
import type { Rule } from "../types.js";

/** The first nginx with `sticky cookie`: the version gate's own minimum (nginx 1.29.6 changelog). */
const STICKY_SINCE = VERSION_GATES.find((gate) => gate.keys.includes("upstreams.<name>.sticky"))!.minimum;

/**
 * The framework a route's path suggests, when it is one whose clients send several HTTP requests
 * for one session: socket.io (and engine.io under it) at its default path `/socket.io/`, and
 * ASP.NET SignalR, whose hubs are conventionally mapped at a path ending in "hub" (`/chathub`,
 * `/hubs/chat`; not `github`) and whose older versions use `/signalr`. Case-insensitive; undefined
 * otherwise.
 */
export function pollingFramework(uri: string): "socket.io" | "SignalR" | undefined {
  const path = uri.toLowerCase();
  if (path.includes("/socket.io") || path.includes("/engine.io")) return "socket.io";
  // "github" ends in "hub" too, and is a common path for its webhooks
  if (path.includes("signalr") || path.split("/").some((segment) => /hubs?$/.test(segment) && segment !== "github"))
    return "SignalR";
  return undefined;
}

/** A framework whose clients send several HTTP requests for one session. */
type Framework = "socket.io" | "SignalR" | "Phoenix";

/** What each framework's extra requests are, and what a server that did not create the session answers (config/presets.ts). */
const REQUESTS: Record<Framework, string> = {
  "socket.io": PRESETS["socket.io"].polling!.requests,
  SignalR: PRESETS.signalr.polling!.requests,
  Phoenix: PRESETS.phoenix.polling!.requests,
};

/** How each framework's own users do without stickiness (config/presets.ts), said for preset routes. */
const OTHERWISE: Record<Framework, string> = {
  "socket.io": PRESETS["socket.io"].polling!.otherwise,
  SignalR: PRESETS.signalr.polling!.otherwise,
  Phoenix: PRESETS.phoenix.polling!.otherwise,
};

/**
 * The framework of a route, and how wssgen knows it: its `preset` when that names a framework with a
 * polling fallback (whatever the path), else its path (pollingFramework). Phoenix only by preset:
 * its `/socket` path is too common to guess from.
 */
function routeFramework(route: Route): { framework: Framework; by: "preset" | "path" } | undefined {
  if (route.preset === "socket.io") return { framework: "socket.io", by: "preset" };
  if (route.preset === "signalr") return { framework: "SignalR", by: "preset" };
  if (route.preset === "phoenix") return { framework: "Phoenix", by: "preset" };
  if (route.preset !== undefined) return undefined;
  const framework = pollingFramework(route.uri);
  return framework && { framework, by: "path" };
}

/**
 * The servers nginx spreads new clients over: neither `backup` (used only when all others fail) nor
 * `down`.
 */
const takingRequests = (upstream: Upstream): number => upstream.servers.filter((s) => !s.backup && !s.down).length;

/**
 * How to keep a client on one server with the nginx the output is rendered for: `sticky` from
 * STICKY_SINCE, else ip-hash or hash (which nginx refuses beside backup servers, SPEC §4.7); both
 * when the version is not known.
 */
function advice(upstream: Upstream, version: Version | undefined): string {
  const sticky = "add sticky: { cookie: srv_id }";
  const hashing = "balance: ip-hash, or balance: hash with hashKey: $cookie_<your app's session cookie>";
  const backup = upstream.servers.some((s) => s.backup)
    ? "; remove the backup servers first: nginx cannot combine them with either"
    : "";
  if (version === undefined) return `${sticky} (nginx ${STICKY_SINCE}+), or on older nginx ${hashing}${backup}`;
  if (atLeast(version, STICKY_SINCE)) return sticky;
  return `set ${hashing} (sticky needs nginx ${STICKY_SINCE})${backup}`;
}

/**
 * polling-without-stickiness (docs/rules/polling-without-stickiness.md): a route that looks like
 * socket.io or SignalR (pollingFramework) whose upstream spreads clients over two or more servers
 * with nothing that keeps a client on one: no `sticky`, and `balance` neither ip-hash nor hash.
 * One finding per upstream, at the upstream, naming the first such route.
 */
export const pollingWithoutStickiness: Rule = {
  id: "polling-without-stickiness",
  severity: "warning",
  description:
    "A socket.io or SignalR route (by path or preset; Phoenix by preset) whose upstream spreads one client's requests over several servers: its polling and negotiate requests fail on a server that did not create the session.",
  run: ({ config, nginxVersion }) => {
    // the first route that looks like a polling framework, and how many do, per upstream name
    const routes = new Map<string, { route: Route; framework: Framework; by: "preset" | "path"; count: number }>();
    for (const site of config.sites)
      for (const route of site.routes) {
        const found = route.upstream === undefined ? undefined : routeFramework(route);
        if (!found) continue;
        const seen = routes.get(route.upstream!);
        if (seen) seen.count++;
        else routes.set(route.upstream!, { route, ...found, count: 1 });
      }
    return config.upstreams.flatMap((upstream) => {
      const used = routes.get(upstream.name);
      const servers = takingRequests(upstream);
      if (!used || servers < 2 || upstream.sticky || upstream.balance === "ip-hash" || upstream.balance === "hash") return [];
      const { route, framework, by, count } = used;
      const others = count > 1 ? ` (and ${count - 1} more such route(s))` : "";
      const is = by === "preset" ? `is ${framework} (preset ${route.preset})` : `looks like ${framework}`;
      return [
        {
          path: upstream.at,
          message: `${formatPath(route.at)} (${showValue(route.path)}) ${is}${others}, and this upstream spreads a client's requests over ${servers} servers: ${REQUESTS[framework]}; ${advice(upstream, nginxVersion)}${by === "preset" ? `; or: ${OTHERWISE[framework]}` : ""}`,
        },
      ];
    });
  },
};

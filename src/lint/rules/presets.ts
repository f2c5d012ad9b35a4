/**
 * Lint rules of `routes[].preset` (config/presets.ts holds the facts they check against):
 * preset-timeout (docs/rules/preset-timeout.md), preset-path (docs/rules/preset-path.md) and
 * preset-subprotocol (docs/rules/preset-subprotocol.md). Stickiness for presets with a polling
 * fallback is polling-without-stickiness's job.
 */
import { durationToMs, nginxDuration } from "../../config/duration.js";
import { fromPreset, pathOf, type Route, type Site } from "../../config/model.js";
import { pathFits, PRESETS, type PresetFacts } from "../../config/presets.js";
import { showValue } from "../../util/show.js";
import type { Rule, RuleResult } from "../types.js";

/**
 * The longest a preset route's backend is silent by design, and why: on a WebSocket route the
 * framework's heartbeat (PresetFacts.readAtLeastSeconds); on a `websocket: false` route the longest
 * poll the server holds open (Polling.heldSeconds), for frameworks with a polling fallback.
 * Undefined when neither applies (semantics.ts refuses `websocket: false` with a WebSocket-only preset).
 */
function silence(route: Route): { seconds: number; reason: string; cut: string } | undefined {
  if (route.preset === undefined) return undefined;
  const facts = PRESETS[route.preset];
  if (!route.websocket)
    return (
      facts.polling && { seconds: facts.polling.heldSeconds, reason: facts.polling.heldReason, cut: "end each held poll in 504" }
    );
  return facts.readAtLeastSeconds === undefined || facts.readReason === undefined
    ? undefined
    : { seconds: facts.readAtLeastSeconds, reason: facts.readReason, cut: "close healthy connections" };
}

/**
 * Whether preset-timeout fires for this route: its read timeout is at or below the framework's
 * silence by design (`silence`). ws-read-timeout stays silent on such routes: one problem, one report.
 */
export function presetTimeoutFires(route: Route): boolean {
  const quiet = silence(route);
  return quiet !== undefined && durationToMs(route.timeouts.read) <= quiet.seconds * 1000;
}

/**
 * preset-timeout: a route whose framework leaves the backend silent for a known time by design (a
 * heartbeat interval plus its timeout, or a long poll held open: `silence`) while `timeouts.read`
 * is at or below it: nginx's proxy_read_timeout then cuts healthy sockets or polls. At the key that
 * set the timeout (the route's, defaults.*, or the preset's own).
 */
export const presetTimeout: Rule = {
  id: "preset-timeout",
  severity: "warning",
  description:
    "A route with a preset whose timeouts.read is at or below the time the framework's backend is silent by design (its heartbeat, or on websocket: false its held long polls).",
  run: ({ config }) =>
    config.sites.flatMap((site) =>
      site.routes.flatMap((route) => {
        const quiet = silence(route);
        if (quiet === undefined || !presetTimeoutFires(route)) return [];
        const facts = PRESETS[route.preset!];
        const from = fromPreset(route, "timeouts.read") ? ` (from preset ${route.preset})` : "";
        return [
          {
            path: pathOf(route, "timeouts.read"),
            message: `read timeout ${nginxDuration(route.timeouts.read)}${from} is not above ${quiet.seconds}s: ${quiet.reason}, so nginx would ${quiet.cut}; raise timeouts.read (the preset's own is ${facts.sets["timeouts.read"] ?? "wssgen's default, 1h"}), or shorten the framework's own (${facts.heartbeat.settings})`,
          },
        ];
      }),
    ),
};

/**
 * A prefix route at the socket's own URL with a trailing slash (`/graphql/`) that the framework's
 * client asks for without it (PresetFacts.askedWithoutSlash): nginx answers `/graphql` with a 301
 * to `/graphql/` (ngx_http_core_module, `location`: "If a location is defined by a prefix string
 * that ends with the slash character, and requests are processed by one of proxy_pass, ... then in
 * response to a request with URI equal to this string, but without the trailing slash, a permanent
 * redirect with the code 301 will be returned"), and a browser's WebSocket does not follow redirects.
 * None when the site routes the URI without the slash itself (then nginx picks that route).
 */
function slashRedirect(site: Site, route: Route, facts: PresetFacts): RuleResult | undefined {
  if (route.exact || route.uri === "/" || !route.uri.endsWith("/") || !facts.askedWithoutSlash(route.uri)) return undefined;
  const bare = route.uri.replace(/\/$/, "");
  if (site.routes.some((r) => r.uri === bare)) return undefined;
  return {
    path: [...route.at, "path"],
    severity: "warning",
    message: `path ${showValue(route.path)} ends in "/", but ${facts.title}'s client opens its socket at ${bare}: nginx answers that with a 301 to ${route.uri} (a prefix location ending in "/" redirects the path without it), and a WebSocket does not follow redirects; drop the slash: path: ${bare}`,
  };
}

/**
 * Where the route misses the framework's socket, or undefined: the path check of preset-path
 * (`pathFits` without stripPrefix). With stripPrefix the backend receives the path minus the
 * route's prefix (render/view.ts: `proxy_pass http://upstream/`), so an exact route arrives as `/`
 * and a prefix route that is the socket's own (`/chat/socket.io/`) arrives at `/`, not at the
 * framework's path; a prefix route that is a mount point (`/app/`) passes the framework's path
 * through (`/app/socket.io/` arrives as `/socket.io/`).
 */
function placement(route: Route, facts: PresetFacts): string | undefined {
  const usual = facts.usualPaths.join(", ");
  if (route.stripPrefix && (route.exact || facts.looksLike(route.uri)))
    return `with stripPrefix, the backend receives ${route.exact ? route.uri : `${route.uri}...`} as /${route.exact ? "" : "..."}, but ${facts.title}'s server listens at ${usual} by default: remove stripPrefix, or set the server's path to /`;
  if (route.stripPrefix) return undefined;
  if (pathFits(facts, route.uri, route.exact)) return undefined;
  if (route.exact && facts.alsoAsks.length > 0 && facts.looksLike(route.uri))
    return `path ${showValue(route.path)} reaches only ${route.uri}, but ${facts.title}'s client asks for ${facts.alsoAsks.map((s) => `${route.uri}${s}`).join(" and ")}: use the prefix path ${route.uri}`;
  return `path ${showValue(route.path)} is not where ${facts.title} listens by default (${usual}): unless the app and its clients are set to this path (${facts.mustMatch[0]}), its requests miss this route`;
}

/**
 * preset-path: a route with a preset whose path misses the framework's socket. A warning where it
 * certainly does (`slashRedirect`: the handshake gets a 301); info where the app may have been told
 * the same path (`placement`: neither covers nor looks like the framework's usual path, an exact
 * path that misses the client's other requests, or stripPrefix moving the socket off the server's
 * path); the message says which setting that is.
 */
export const presetPath: Rule = {
  id: "preset-path",
  severity: "info",
  description:
    "A route with a preset whose path misses the framework's socket: a trailing slash its client does not send (301), or a path unlike the framework's usual one.",
  run: ({ config }) =>
    config.sites.flatMap((site) =>
      site.routes.flatMap((route) => {
        if (route.preset === undefined) return [];
        const facts = PRESETS[route.preset];
        const redirect = slashRedirect(site, route, facts);
        const missed = placement(route, facts);
        return [...(redirect ? [redirect] : []), ...(missed ? [{ path: [...route.at, "path"], message: missed }] : [])];
      }),
    ),
};

/**
 * preset-subprotocol: a preset route whose `headers` (its own or defaults.headers) set
 * Sec-WebSocket-Protocol toward the backend: the framework negotiates its subprotocol
 * (PresetFacts.subprotocols) from what the client offers, and a fixed value replaces the client's
 * offer, so the server picks a protocol the client did not ask for (the browser then fails the
 * handshake) or none.
 */
export const presetSubprotocol: Rule = {
  id: "preset-subprotocol",
  severity: "warning",
  description:
    "A route with a preset that sets Sec-WebSocket-Protocol in headers: it replaces the client's offer, which the framework's subprotocol negotiation needs.",
  run: ({ config }) =>
    config.sites.flatMap((site) =>
      site.routes.flatMap((route) => {
        if (route.preset === undefined || !route.websocket) return [];
        const facts = PRESETS[route.preset];
        const header = route.headers.find((h) => h.name.toLowerCase() === "sec-websocket-protocol");
        if (header === undefined) return [];
        const protocols =
          facts.subprotocols.length > 0
            ? `${facts.title}'s client offers ${facts.subprotocols.map((p) => showValue(p)).join(" or ")} and its server answers with the one it speaks`
            : `${facts.title} negotiates over the client's own Sec-WebSocket-Protocol, if any`;
        return [
          {
            path: header.at,
            message: `headers sets ${header.name} for the backend, replacing what the client offers: ${protocols}; a fixed value breaks that negotiation (the browser fails a handshake whose subprotocol it did not offer); remove it, nginx passes the client's as sent`,
          },
        ];
      }),
    ),
};

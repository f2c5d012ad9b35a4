/**
 * Lint rules of `routes[].preset` (config/presets.ts holds the facts they check against):
 * preset-timeout (docs/rules/preset-timeout.md) and preset-path (docs/rules/preset-path.md).
 * Stickiness for presets with a polling fallback is polling-without-stickiness's job.
 */
import { durationToMs, nginxDuration } from "../../config/duration.js";
import { fromPreset, pathOf } from "../../config/model.js";
import { pathFits, PRESETS } from "../../config/presets.js";
import { showValue } from "../../util/show.js";
import type { Rule } from "../types.js";

/**
 * preset-timeout: a route whose framework leaves the backend silent for a known time by design (a
 * heartbeat interval plus its timeout, or a long poll held open: PresetFacts.readAtLeastSeconds)
 * while `timeouts.read` is at or below it: nginx's proxy_read_timeout then cuts healthy sockets or
 * polls. At the key that set the timeout (the route's, defaults.*, or the preset's own).
 */
export const presetTimeout: Rule = {
  id: "preset-timeout",
  severity: "warning",
  description: "A route with a preset whose timeouts.read is at or below the time the framework's backend is silent by design.",
  run: ({ config }) =>
    config.sites.flatMap((site) =>
      site.routes.flatMap((route) => {
        if (route.preset === undefined || !route.websocket) return [];
        const facts = PRESETS[route.preset];
        if (facts.readAtLeastSeconds === undefined) return [];
        const readMs = durationToMs(route.timeouts.read);
        if (readMs > facts.readAtLeastSeconds * 1000) return [];
        const from = fromPreset(route, "timeouts.read") ? ` (from preset ${route.preset})` : "";
        return [
          {
            path: pathOf(route, "timeouts.read"),
            message: `read timeout ${nginxDuration(route.timeouts.read)}${from} is not above ${facts.readAtLeastSeconds}s: ${facts.readReason}, so nginx would close healthy connections; raise timeouts.read (the preset's own is ${facts.sets["timeouts.read"] ?? "wssgen's default, 1h"}), or shorten the framework's own (${facts.heartbeat.settings})`,
          },
        ];
      }),
    ),
};

/**
 * preset-path: a route with a preset whose path neither covers the framework's usual path (a prefix
 * route `/` covers `/socket.io/`) nor looks like the framework's own (`/app/socket.io/`, `/chathub`).
 * Info only: a custom path is fine when the app is told the same path; the message says which
 * setting that is.
 */
export const presetPath: Rule = {
  id: "preset-path",
  severity: "info",
  description:
    "A route with a preset whose path is unlike the framework's usual one: the app and its clients must be told the same path.",
  run: ({ config }) =>
    config.sites.flatMap((site) =>
      site.routes.flatMap((route) => {
        if (route.preset === undefined) return [];
        const facts = PRESETS[route.preset];
        if (pathFits(facts, route.uri, route.exact)) return [];
        return [
          {
            path: [...route.at, "path"],
            message: `path ${showValue(route.path)} is not where ${facts.title} listens by default (${facts.usualPaths.join(", ")}): unless the app and its clients are set to this path (${facts.mustMatch[0]}), its requests miss this route`,
          },
        ];
      }),
    ),
};

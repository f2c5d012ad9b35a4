import { durationToMs, nginxDuration } from "../../config/duration.js";
import { DEFAULTS, describeDefault } from "../../config/defaults.js";
import { pathOf, type Route } from "../../config/model.js";
import { PRESETS } from "../../config/presets.js";
import type { Rule } from "../types.js";
import { presetTimeoutFires } from "./presets.js";

/**
 * Whether this rule leaves the route to the preset's facts: preset-timeout fires for it (one
 * problem, one report), or the preset sets its own read timeout (PresetFacts.sets: socket.io,
 * signalr, phoenix, actioncable), whose framework's server sends something at a known interval, so
 * preset-timeout's threshold is the one that fits. Otherwise (graphql-ws, home-assistant above
 * their threshold: servers that may not ping) this rule applies as on any route.
 */
const leftToPreset = (route: Route) =>
  route.preset !== undefined && (presetTimeoutFires(route) || PRESETS[route.preset].sets["timeouts.read"] !== undefined);

/**
 * The seed's pitfall (docs/rules/ws-read-timeout.md): nginx closes a WebSocket that is silent for
 * proxy_read_timeout. Silent on routes left to the preset (leftToPreset).
 */
export const wsReadTimeout: Rule = {
  id: "ws-read-timeout",
  severity: "warning",
  description: "A WebSocket route whose read timeout is 60 s or less cuts idle sockets unless the app pings.",
  run: ({ config }) =>
    config.sites.flatMap((site) =>
      site.routes
        .filter((route) => route.websocket && !leftToPreset(route) && durationToMs(route.timeouts.read) <= 60_000)
        .map((route) => ({
          path: pathOf(route, "timeouts.read"),
          message: `read timeout ${nginxDuration(route.timeouts.read)}: nginx closes a WebSocket that is silent this long; ping more often than that from the app, or raise timeouts.read (default ${describeDefault(DEFAULTS.route["timeouts.read"])})`,
        })),
    ),
};

import { durationToMs, nginxDuration } from "../../config/duration.js";
import { DEFAULTS, describeDefault } from "../../config/defaults.js";
import { pathOf, type Route } from "../../config/model.js";
import { PRESETS } from "../../config/presets.js";
import type { Rule } from "../types.js";

/**
 * Whether preset-timeout (rules/presets.ts) judges this route's read timeout: it has a preset whose
 * framework has a known silence (PresetFacts.readAtLeastSeconds). Then that rule's threshold, not
 * this rule's 60 s, is the one that fits, and one problem gets one report.
 */
const presetTimeoutApplies = (route: Route) =>
  route.preset !== undefined && PRESETS[route.preset].readAtLeastSeconds !== undefined;

/**
 * The seed's pitfall (docs/rules/ws-read-timeout.md): nginx closes a WebSocket that is silent for
 * proxy_read_timeout. Silent on routes where preset-timeout applies (presetTimeoutApplies).
 */
export const wsReadTimeout: Rule = {
  id: "ws-read-timeout",
  severity: "warning",
  description: "A WebSocket route whose read timeout is 60 s or less cuts idle sockets unless the app pings.",
  run: ({ config }) =>
    config.sites.flatMap((site) =>
      site.routes
        .filter((route) => route.websocket && !presetTimeoutApplies(route) && durationToMs(route.timeouts.read) <= 60_000)
        .map((route) => ({
          path: pathOf(route, "timeouts.read"),
          message: `read timeout ${nginxDuration(route.timeouts.read)}: nginx closes a WebSocket that is silent this long; ping more often than that from the app, or raise timeouts.read (default ${describeDefault(DEFAULTS.route["timeouts.read"])})`,
        })),
    ),
};

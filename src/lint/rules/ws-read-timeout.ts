import { durationToMs, nginxDuration } from "../../config/duration.js";
import { DEFAULTS, describeDefault } from "../../config/defaults.js";
import { pathOf } from "../../config/model.js";
import type { Rule } from "../types.js";

/** The seed's pitfall (docs/rules/ws-read-timeout.md): nginx closes a WebSocket that is silent for proxy_read_timeout. */
export const wsReadTimeout: Rule = {
  id: "ws-read-timeout",
  severity: "warning",
  description: "A WebSocket route whose read timeout is 60 s or less cuts idle sockets unless the app pings.",
  run: ({ config }) =>
    config.sites.flatMap((site) =>
      site.routes
        .filter((route) => route.websocket && durationToMs(route.timeouts.read) <= 60_000)
        .map((route) => ({
          path: pathOf(route, "timeouts.read"),
          message: `read timeout ${nginxDuration(route.timeouts.read)}: nginx closes a WebSocket that is silent this long; ping more often than that from the app, or raise timeouts.read (default ${describeDefault(DEFAULTS.route["timeouts.read"])})`,
        })),
    ),
};

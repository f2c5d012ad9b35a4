import { atLeast } from "../../render/version.js";
import type { Rule } from "../types.js";

/** SPEC §4.10: old workers live on after a reload while their WebSockets stay open. */
export const workerShutdownTimeout: Rule = {
  id: "worker-shutdown-timeout",
  severity: "info",
  description:
    "WebSocket routes and a reload: old workers stay until their sockets close unless worker_shutdown_timeout bounds it.",
  run: ({ config }) =>
    !config.nginx.workerShutdownTimeoutSet && config.sites.some((site) => site.routes.some((route) => route.websocket))
      ? [
          {
            path: ["nginx", "workerShutdownTimeout"],
            message: `after a reload, old nginx workers keep running (and holding memory and the old config) for as long as their WebSockets stay open; bound that with \`worker_shutdown_timeout ${String(config.nginx.workerShutdownTimeout)};\` in the main context of nginx.conf (\`render --full\` writes it)`,
          },
        ]
      : [],
};

/** Before 1.25.1 `listen ... http2` switches HTTP/2 on for the whole address, every site on it included. */
export const http2SharedListen: Rule = {
  id: "http2-shared-listen",
  severity: "warning",
  description: "Before nginx 1.25.1, http2 on one site turns it on for every site sharing its address:port.",
  run: ({ config, target }) => {
    if (target === undefined || atLeast(target, "1.25.1")) return [];
    const byAddress = new Map<string, { http2: boolean; index: number }[]>();
    config.sites.forEach((site, index) => {
      if (!site.tls) return;
      for (const l of site.listen) {
        const key = `${l.host}:${l.port}`;
        const list = byAddress.get(key);
        if (list) list.push({ http2: site.http2, index });
        else byAddress.set(key, [{ http2: site.http2, index }]);
      }
    });
    const findings = [];
    for (const [address, sites] of byAddress) {
      const on = sites.find((s) => s.http2);
      for (const s of sites.filter((s) => !s.http2 && on))
        findings.push({
          path: [...config.sites[s.index]!.at, "http2"],
          message: `sites[${on!.index}] turns on http2 for ${address}, and before nginx 1.25.1 that applies to this site too; set http2 the same on every site of ${address}`,
        });
    }
    return findings;
  },
};

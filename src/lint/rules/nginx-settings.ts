import { writtenAt } from "../../config/model.js";
import type { Rule } from "../types.js";

/**
 * docs/rules/worker-shutdown-timeout.md: old workers live on after a reload while their WebSockets stay open, unless the main
 * context of nginx.conf has `worker_shutdown_timeout` (nginx docs: ngx_core_module, since 1.11.11).
 * With the main config as `check` read it, the rule says what that file does; without one (no I/O,
 * as in `render`) it reminds. Reported at `nginx.mainConfig`, the key that names the file.
 */
export const workerShutdownTimeout: Rule = {
  id: "worker-shutdown-timeout",
  severity: "info",
  description:
    "WebSocket routes and a reload: old workers stay until their sockets close unless worker_shutdown_timeout bounds it.",
  run: ({ config, mainConfig }) => {
    if (!config.sites.some((site) => site.routes.some((route) => route.websocket))) return [];
    const path = ["nginx", "mainConfig"];
    const directive = `\`worker_shutdown_timeout ${String(config.nginx.workerShutdownTimeout)};\``;
    const why =
      "after a reload, old nginx workers keep running (and holding memory and the old config) for as long as their WebSockets stay open";
    if (mainConfig === undefined)
      return writtenAt(config.nginx, "workerShutdownTimeout")
        ? []
        : [
            {
              path,
              message: `${why}; bound that with ${directive} in the main context of nginx.conf (\`render --full\` writes it)`,
            },
          ];
    // the user said they know (nginx.workerShutdownTimeout), and the file cannot show otherwise
    if ("error" in mainConfig)
      return writtenAt(config.nginx, "workerShutdownTimeout")
        ? []
        : [
            {
              path,
              message: `cannot read ${mainConfig.file} (${mainConfig.error}), so wssgen cannot tell whether it sets worker_shutdown_timeout; ${why}: make sure its main context has ${directive}, or set nginx.mainConfig to the main config nginx uses`,
            },
          ];
    if (mainConfig.workerShutdownTimeout) return [];
    const others = mainConfig.read.length - 1;
    const included =
      others === 0
        ? ""
        : others === 1
          ? " (nor does the file it includes there)"
          : ` (nor do the ${others} files it includes there)`;
    return [
      {
        path,
        message: `${mainConfig.file} sets no worker_shutdown_timeout in its main context${included}: ${why}; add ${directive} to it, outside http {} (\`render --full\` writes a whole nginx.conf with it)`,
      },
    ];
  },
};

/** Before 1.25.1 `listen ... http2` switches HTTP/2 on for the whole address, every site on it included. */
export const http2SharedListen: Rule = {
  id: "http2-shared-listen",
  severity: "warning",
  description: "Before nginx 1.25.1, http2 on one site turns it on for every site sharing its address:port.",
  run: ({ config, nginxVersion, features }) => {
    // from 1.25.1 (features.http2Directive) `http2 on;` is per server
    if (nginxVersion === undefined || features.http2Directive) return [];
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
    // one finding a site: with ipv6, the site's [::] twin of an address would only repeat it
    const reported = new Set<number>();
    for (const [address, sites] of byAddress) {
      const on = sites.find((s) => s.http2);
      for (const s of sites.filter((s) => !s.http2 && on && !reported.has(s.index))) {
        reported.add(s.index);
        findings.push({
          path: [...config.sites[s.index]!.at, "http2"],
          message: `sites[${on!.index}] turns on http2 for ${address}, and before nginx 1.25.1 that applies to this site too; set http2 the same on every site of ${address}`,
        });
      }
    }
    return findings;
  },
};

import { showValue } from "../../util/show.js";
import type { Rule } from "../types.js";
import { hasPublicName, isInternalName, isPublic } from "../scope.js";

export const originInsecure: Rule = {
  id: "origin-insecure",
  severity: "warning",
  description: "An http:// origin allowed on a TLS site: any page on that origin can be changed in transit.",
  run: ({ config }) =>
    config.sites
      .filter((site) => site.tls)
      .flatMap((site) =>
        site.routes.flatMap((route) =>
          (route.origins ?? []).flatMap((origin, i) =>
            origin.startsWith("http://")
              ? [
                  {
                    path: [...route.at, "origins", i],
                    message: `${showValue(origin)} is plain http on a TLS site: a page served over http can be altered by anyone on the network and then open this WebSocket; allow its https:// form instead`,
                  },
                ]
              : [],
          ),
        ),
      ),
};

export const originMissing: Rule = {
  id: "origin-missing",
  severity: "warning",
  description: "A public WebSocket route with no origins allowlist: any web page can open it with the visitor's cookies.",
  run: ({ config }) =>
    config.sites.filter(hasPublicName).flatMap((site) =>
      site.routes
        .filter((route) => route.websocket && route.origins === undefined)
        .map((route) => ({
          path: route.at,
          message: `any web page can open this WebSocket in a visitor's browser, with their cookies (cross-site WebSocket hijacking); list the pages' origins, e.g. origins: [${site.tls ? "https" : "http"}://${(site.domains.find((d) => !isInternalName(d)) ?? site.domains[0]!).replace(/^\*\./, "").toLowerCase()}]`,
        })),
    ),
};

export const maxConnectionsUnset: Rule = {
  id: "max-connections-unset",
  severity: "info",
  description:
    "A public WebSocket route that clients reach directly, without maxConnectionsPerIp: one client can hold any number of sockets.",
  run: ({ config }) =>
    config.sites.filter(isPublic).flatMap((site) =>
      site.routes
        .filter((route) => route.websocket && route.maxConnectionsPerIp === undefined)
        .map((route) => ({
          path: route.at,
          message:
            "one client address can hold any number of open sockets (each costs a worker connection and an upstream one); set maxConnectionsPerIp, e.g. 100",
        })),
    ),
};

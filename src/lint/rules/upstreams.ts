import { showValue } from "../../util/show.js";
import type { Route, Site, WssgenConfig } from "../../config/model.js";
import type { Rule } from "../types.js";

/** Routes and sites per upstream name, in one pass (rules must stay linear at 100,000 sites). */
function usage(config: WssgenConfig): Map<string, { routes: Route[]; sites: Set<Site> }> {
  const byUpstream = new Map<string, { routes: Route[]; sites: Set<Site> }>();
  for (const site of config.sites)
    for (const route of site.routes) {
      if (route.upstream === undefined) continue;
      let entry = byUpstream.get(route.upstream);
      if (!entry) byUpstream.set(route.upstream, (entry = { routes: [], sites: new Set() }));
      entry.routes.push(route);
      entry.sites.add(site);
    }
  return byUpstream;
}
import { listensPrivately } from "../scope.js";

export const upstreamSingleServer: Rule = {
  id: "upstream-single-server",
  severity: "warning",
  description:
    "An upstream that serves plain HTTP with one server and no keepalive: a new connection per request and no failover.",
  run: ({ config, features }) => {
    const used = usage(config);
    return config.upstreams.flatMap((upstream) => {
      const live = upstream.servers.filter((s) => !s.down);
      const keepalive = upstream.keepalive ?? features.defaultKeepalive;
      const routes = used.get(upstream.name)?.routes ?? [];
      // keepalive matters for plain HTTP requests; an upgraded WebSocket keeps its connection anyway
      const http = routes.filter((route) => !route.websocket);
      if (live.length !== 1 || keepalive > 0 || http.length === 0) return [];
      return [
        {
          path: [...upstream.at, "servers"],
          message: `one server and no keepalive for ${http.length} plain HTTP route(s): every request opens a new connection to ${showValue(live[0]!.address)}, and nothing takes over when it is down; set keepalive (e.g. 16) and add a second server or a backup`,
        },
      ];
    });
  },
};

export const ipHashBehindProxy: Rule = {
  id: "ip-hash-behind-proxy",
  severity: "warning",
  description:
    "ip-hash on a site that listens only on private addresses without realIp: behind a proxy every client has the proxy's address.",
  run: ({ config }) => {
    const used = usage(config);
    return config.upstreams
      .filter((upstream) => upstream.balance === "ip-hash")
      .flatMap((upstream) => {
        const sites = [...(used.get(upstream.name)?.sites ?? [])];
        // with realIp, $remote_addr (which ip_hash reads) is the client's own address again
        if (!sites.length || !sites.every((site) => listensPrivately(site) && !site.realIp)) return [];
        return [
          {
            path: [...upstream.at, "balance"],
            message: `the sites using it listen only on private addresses, so clients arrive through a proxy and all share its address: ip-hash sends every socket to one server; set realIp on those sites (realIp: { from: [the proxy's network] }) so nginx sees each client's own address`,
          },
        ];
      });
  },
};

import { showValue } from "../../util/show.js";
import type { RealIpHeader, Site } from "../../config/model.js";
import type { Rule } from "../types.js";
import { isLoopbackHost } from "../../config/values.js";

/**
 * A `realIp.from` entry that covers every address of its family: a prefix length of 0 (0.0.0.0/0,
 * ::/0). nginx masks the address with the prefix (ngx_ptocidr), so any /0 is "everyone".
 */
const coversEveryone = (from: string): boolean => from.endsWith("/0");

/** Only this machine's own processes can connect: every listen address is a loopback one. */
export const listensOnLoopbackOnly = (site: Site): boolean => site.listen.every((l) => isLoopbackHost(l.host));

/** How a client names an address of its choosing, when every peer is trusted. */
const spoof = (header: RealIpHeader): string =>
  header === "proxy_protocol" ? "a PROXY protocol line naming any address" : `${header}: <any address>`;

/**
 * real-ip-wide-trust (docs/rules/real-ip-wide-trust.md): one finding per `realIp.from` entry with a
 * /0 prefix, at that entry, on sites that listen anywhere but loopback. set_real_ip_from believes
 * every peer it covers (ngx_http_realip_module), so /0 lets any client choose its address.
 */
export const realIpWideTrust: Rule = {
  id: "real-ip-wide-trust",
  severity: "warning",
  description:
    "realIp.from trusts every address (0.0.0.0/0, ::/0): any client can name its own address, past maxConnectionsPerIp, ip-hash and the logs.",
  run: ({ config }) =>
    config.sites.flatMap((site) => {
      const realIp = site.realIp;
      if (!realIp || listensOnLoopbackOnly(site)) return [];
      return realIp.from.flatMap((from, i) =>
        coversEveryone(from)
          ? [
              {
                path: [...site.at, "realIp", "from", i],
                message: `${showValue(from)} trusts every client to say who it is: anyone can send ${spoof(realIp.header)} and pass as another client, past maxConnectionsPerIp, ip-hash and the logs; list only your proxies' addresses (for Cloudflare, the ranges at https://www.cloudflare.com/ips/)`,
              },
            ]
          : [],
      );
    }),
};

import { writtenAt, type Upstream } from "../../config/model.js";
import { isLoopbackHost, splitHostPort } from "../../config/values.js";
import { showValue } from "../../util/show.js";
import type { Rule } from "../types.js";

/**
 * Whether a connection to the server never leaves this machine: a unix socket, or a loopback host
 * (127.0.0.0/8, ::1, localhost).
 */
function onThisMachine(address: string): boolean {
  if (address.startsWith("unix:")) return true;
  const host = splitHostPort(address)?.host;
  return host !== undefined && isLoopbackHost(host);
}

/** The servers as a message names them: the first two, and how many more. */
function serversOf(upstream: Upstream): string {
  const shown = upstream.servers.slice(0, 2).map((s) => showValue(s.address));
  const more = upstream.servers.length - shown.length;
  return more > 0 ? `${shown.join(", ")} and ${more} more` : shown.join(" and ");
}

/**
 * upstream-tls-unverified (docs/rules/upstream-tls-unverified.md): `tls.verify: false` on an
 * upstream whose servers are reached over a network. Without proxy_ssl_verify nginx completes the
 * handshake with any certificate (ngx_http_proxy_module: "proxy_ssl_verify off" is nginx's own
 * default), so TLS then hides the traffic from onlookers but not from whoever answers in the
 * backend's place.
 */
export const upstreamTlsUnverified: Rule = {
  id: "upstream-tls-unverified",
  severity: "warning",
  description:
    "tls.verify: false on an upstream reached over a network: anyone between nginx and the backend can pose as it and read the traffic.",
  run: ({ config }) =>
    config.upstreams.flatMap((upstream) => {
      if (!upstream.tls || upstream.tls.verify) return [];
      if (upstream.servers.every((s) => onThisMachine(s.address))) return [];
      // verified, a certificate is checked for a host name: servers given by address need one
      const name =
        writtenAt(upstream, "tls.serverName") === undefined && /^(?:\[|[\d.]+$)/.test(upstream.tls.serverName ?? "")
          ? " and tls.serverName to the name it holds"
          : "";
      return [
        {
          path: writtenAt(upstream, "tls.verify") ?? [...upstream.at, "tls", "verify"],
          message: `nginx accepts any certificate from ${serversOf(upstream)}: anyone between nginx and the backend can pose as it and read and change the traffic (cookies, tokens, messages); set tls.ca to the CA that signed the backend's certificate${name}, and remove verify: false`,
        },
      ];
    }),
};

/**
 * What `check` swaps in so that CI without secrets or DNS can still run a real `nginx -t`: throwaway
 * certificates for files that do not exist, 127.0.0.1 for upstream hosts that do not resolve. Each
 * swap is reported; the user's config is never changed.
 */
import { lookup } from "node:dns/promises";
import { isIPv4, isIPv6 } from "node:net";
import type { WssgenConfig } from "../config/model.js";
import type { KeyPath } from "../config/path.js";
import { splitHostPort } from "../config/values.js";
import type { FileRead } from "../lint/index.js";

export type Resolver = (host: string) => Promise<boolean>;

export const systemResolver: Resolver = async (host) => {
  try {
    await lookup(host);
    return true;
  } catch {
    return false;
  }
};

export interface HostStub {
  path: KeyPath;
  address: string;
  replacement: string;
}

/** Upstream server addresses whose host name does not resolve here. */
export async function unresolvedHosts(config: WssgenConfig, resolve: Resolver): Promise<HostStub[]> {
  const candidates = config.upstreams.flatMap((upstream) =>
    upstream.servers.flatMap((server, i) => {
      if (server.address.startsWith("unix:")) return [];
      const hp = splitHostPort(server.address);
      if (!hp || hp.ipv6 || isIPv4(hp.host) || isIPv6(hp.host)) return [];
      const replacement = `127.0.0.1${hp.port === undefined ? "" : `:${hp.port}`}`;
      return [{ path: [...upstream.at, "servers", i], address: server.address, host: hp.host, replacement }];
    }),
  );
  const results = await Promise.all(candidates.map((c) => resolve(c.host)));
  return candidates.filter((_, i) => !results[i]).map(({ path, address, replacement }) => ({ path, address, replacement }));
}

/** TLS sites whose certificate or key file does not exist (and so need a stand-in). */
export function missingCertificates(config: WssgenConfig, files: ReadonlyMap<string, FileRead>): number[] {
  const missing = (path: string) => {
    const file = files.get(path);
    return file !== undefined && "error" in file && file.error === "does not exist";
  };
  return config.sites.flatMap((site, i) => (site.tls && (missing(site.tls.certificate) || missing(site.tls.key)) ? [i] : []));
}

/** A copy of the config with the stand-ins in place. */
export function withStandIns(
  config: WssgenConfig,
  certs: ReadonlyMap<number, { certificate: string; key: string }>,
  hosts: readonly HostStub[],
): WssgenConfig {
  const replaced = new Map(hosts.map((h) => [JSON.stringify(h.path), h.replacement]));
  return {
    ...config,
    upstreams: config.upstreams.map((upstream) => ({
      ...upstream,
      servers: upstream.servers.map((server, i) => ({ ...server, address: replaced.get(JSON.stringify([...upstream.at, "servers", i])) ?? server.address })),
    })),
    sites: config.sites.map((site, i) => {
      const stub = certs.get(i);
      return stub && site.tls ? { ...site, tls: { ...site.tls, ...stub } } : site;
    }),
  };
}

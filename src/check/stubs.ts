/**
 * What `check` swaps in so that CI without secrets or DNS can still run a real `nginx -t`: throwaway
 * certificates for files that do not exist, 127.0.0.1 for upstream and forward-auth hosts that do
 * not resolve. Each
 * swap is reported; the user's config is never changed.
 */
import { lookup } from "node:dns/promises";
import { readFile } from "node:fs/promises";
import { createServer, isIPv4, isIPv6 } from "node:net";
import { networkInterfaces } from "node:os";
import { DEFAULTS } from "../config/defaults.js";
import { type ListenAddress, type Route, type Site, type UpstreamTls, writtenAt, type WssgenConfig } from "../config/model.js";
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

/**
 * Host names nginx resolves when it starts, and that do not resolve here: upstream servers (except
 * in upstreams with resolve, which nginx resolves while it runs: `server ... resolve`), and the
 * host of each forward-auth URL (proxy_pass to a URL without variables is resolved at start too).
 * Each with its stand-in: the same address or URL with 127.0.0.1 for the host.
 */
export async function unresolvedHosts(config: WssgenConfig, resolve: Resolver): Promise<HostStub[]> {
  const servers = config.upstreams.flatMap((upstream) =>
    upstream.resolve
      ? []
      : upstream.servers.flatMap((server, i) => {
          if (server.address.startsWith("unix:")) return [];
          const hp = splitHostPort(server.address);
          if (!hp || hp.ipv6 || isIPv4(hp.host) || isIPv6(hp.host)) return [];
          const replacement = `127.0.0.1${hp.port === undefined ? "" : `:${hp.port}`}`;
          return [{ path: [...upstream.at, "servers", i], address: server.address, host: hp.host, replacement }];
        }),
  );
  const authUrls = config.sites.flatMap((site) =>
    site.routes.flatMap((route) => {
      const forward = route.access?.forwardAuth;
      if (!forward) return [];
      const url = new URL(forward.url);
      if (isIPv4(url.hostname) || url.hostname.startsWith("[")) return [];
      const host = url.hostname;
      url.hostname = "127.0.0.1";
      return [{ path: forwardAuthUrlPath(route), address: forward.url, host, replacement: url.href }];
    }),
  );
  const candidates = [...servers, ...authUrls];
  const results = await Promise.all(candidates.map((c) => resolve(c.host)));
  return candidates.filter((_, i) => !results[i]).map(({ path, address, replacement }) => ({ path, address, replacement }));
}

/** Where a route's forward-auth URL is written (a host stub's path). */
const forwardAuthUrlPath = (route: Route): KeyPath => [...route.at, "access", "forwardAuth", "url"];

/**
 * What an upstream's TLS needs a stand-in for: the CA file it verifies against (a tls.ca of its own
 * that does not exist), and the client certificate and key (when either does not exist: nginx
 * checks that they belong together). The system's bundle, tls.ca's default, gets none: it is no
 * secret, and the certificates rule reports it missing as an error that says which package has it.
 */
export interface UpstreamTlsStub {
  /** the index in config.upstreams */
  upstream: number;
  ca: boolean;
  clientCertificate: boolean;
}

/** Upstreams with TLS files that do not exist (and so need a stand-in), as UpstreamTlsStub. */
export function missingUpstreamTlsFiles(config: WssgenConfig, files: ReadonlyMap<string, FileRead>): UpstreamTlsStub[] {
  const missing = (path: string) => {
    const file = files.get(path);
    return file !== undefined && "error" in file && file.error === "does not exist";
  };
  return config.upstreams.flatMap(({ tls }, upstream) => {
    if (!tls) return [];
    const ca = tls.verify && tls.ca !== DEFAULTS.upstream["tls.ca"].value && missing(tls.ca);
    const clientCertificate =
      tls.certificate !== undefined && tls.key !== undefined && (missing(tls.certificate) || missing(tls.key));
    return ca || clientCertificate ? [{ upstream, ca, clientCertificate }] : [];
  });
}

/** TLS sites whose certificate or key file does not exist (and so need a stand-in). */
export function missingCertificates(config: WssgenConfig, files: ReadonlyMap<string, FileRead>): number[] {
  const missing = (path: string) => {
    const file = files.get(path);
    return file !== undefined && "error" in file && file.error === "does not exist";
  };
  return config.sites.flatMap((site, i) => (site.tls && (missing(site.tls.certificate) || missing(site.tls.key)) ? [i] : []));
}

/**
 * `nginx -t` binds every listen address, and only root may bind ports below 1024: run as another
 * user, check tests those listeners on free high ports instead.
 */
export function privilegedPorts(config: WssgenConfig, unprivilegedStart: number): { port: number; path: KeyPath }[] {
  const found = new Map<number, KeyPath>();
  for (const site of config.sites) {
    for (const l of site.listen) if (l.port < unprivilegedStart && !found.has(l.port)) found.set(l.port, [...site.at, "listen"]);
    for (const l of site.http?.listen ?? [])
      if (l.port < unprivilegedStart && !found.has(l.port)) found.set(l.port, httpServerKey(site));
  }
  return [...found].map(([port, path]) => ({ port, path }));
}

/**
 * The lowest port this process (and the nginx it starts) may bind: 0 with the capability to bind
 * any (root, normally), else Linux's net.ipv4.ip_unprivileged_port_start (1024 by default).
 */
export async function unprivilegedPortStart(): Promise<number> {
  const status = await readFile("/proc/self/status", "utf8").catch(() => "");
  const effective = /^CapEff:\s*([0-9a-f]+)$/m.exec(status)?.[1];
  const CAP_NET_BIND_SERVICE = 10n;
  if (effective !== undefined ? (BigInt(`0x${effective}`) >> CAP_NET_BIND_SERVICE) & 1n : process.getuid?.() === 0) return 0;
  const sysctl = await readFile("/proc/sys/net/ipv4/ip_unprivileged_port_start", "utf8").catch(() => "1024");
  return Number.parseInt(sysctl, 10) || 1024;
}

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const address = server.address();
      server.close(() => (typeof address === "object" && address ? resolve(address.port) : reject(new Error("no free port"))));
    });
  });
}

/** An address of a network interface, as os.networkInterfaces() lists it (the fields read here). */
export interface InterfaceAddress {
  address: string;
  family: string;
}

/**
 * Listen addresses this machine does not have (a production IP, IPv6 where there is none): `nginx -t`
 * binds them and fails. Each gets its own loopback address, 127.0.0.2 and up, so sites stay apart.
 * `[::]` (which `sites[].ipv6` adds beside every bare port) is local wherever the machine has any
 * IPv6 address; a CI container without IPv6 tests it on a loopback address instead. `interfaces` is
 * the machine's (os.networkInterfaces()); tests pass others.
 */
export function foreignListenHosts(
  config: WssgenConfig,
  interfaces: Record<string, readonly InterfaceAddress[] | undefined> = networkInterfaces(),
): { host: string; replacement: string; path: KeyPath }[] {
  const addresses = Object.values(interfaces).flatMap((list) => list ?? []);
  const local = new Set(addresses.map((i) => (i.family === "IPv6" ? `[${i.address}]` : i.address)));
  const ipv6 = addresses.some((i) => i.family === "IPv6");
  const isLocal = (host: string) =>
    host === "*" ||
    host === "localhost" ||
    (host === "[::]" && ipv6) ||
    local.has(host) ||
    /^127\./.test(host) ||
    !(isIPv4(host) || host.startsWith("["));
  const found = new Map<string, { host: string; replacement: string; path: KeyPath }>();
  for (const site of config.sites) {
    // a [::] twin of a bare port comes from ipv6 (written or not), not from the list it sits in
    const keyOf = (l: ListenAddress, key: KeyPath): KeyPath =>
      l.impliedBy === undefined ? key : (writtenAt(site, "ipv6") ?? site.at);
    for (const [l, at] of [
      ...site.listen.map((l) => [l, keyOf(l, [...site.at, "listen"])] as const),
      ...(site.http?.listen ?? []).map((l) => [l, keyOf(l, httpServerKey(site))] as const),
    ])
      if (!isLocal(l.host) && !found.has(l.host))
        found.set(l.host, { host: l.host, replacement: `127.0.0.${found.size + 2}`, path: at });
  }
  return [...found.values()];
}

/** The key behind a TLS site's plain-http server: redirectHttp when it redirects, else acme (it answers challenges only). */
function httpServerKey(site: Site): KeyPath {
  return site.http?.redirect ? (writtenAt(site, "redirectHttp") ?? [...site.at, "redirectHttp"]) : [...site.at, "acme"];
}

function moveListen(l: ListenAddress, ports: ReadonlyMap<number, number>, hosts: ReadonlyMap<string, string>): ListenAddress {
  const port = ports.get(l.port) ?? l.port;
  const host = hosts.get(l.host);
  if (port === l.port && host === undefined) return l;
  const value = host === undefined ? l.value.replace(/\d+$/, String(port)) : `${host}:${port}`;
  return { ...l, port, host: host ?? l.host, value };
}

/**
 * A copy of the config with the stand-ins in place. `upstreamTls`: by index in config.upstreams, the
 * files that replace its tls.ca, tls.certificate and tls.key.
 */
export function withStandIns(
  config: WssgenConfig,
  certs: ReadonlyMap<number, { certificate: string; key: string }>,
  hosts: readonly HostStub[],
  ports: ReadonlyMap<number, number> = new Map(),
  listenHosts: ReadonlyMap<string, string> = new Map(),
  upstreamTls: ReadonlyMap<number, Partial<Pick<UpstreamTls, "ca" | "certificate" | "key">>> = new Map(),
): WssgenConfig {
  const replaced = new Map(hosts.map((h) => [JSON.stringify(h.path), h.replacement]));
  return {
    ...config,
    upstreams: config.upstreams.map((upstream, u) => ({
      ...upstream,
      ...(upstream.tls && upstreamTls.has(u) ? { tls: { ...upstream.tls, ...upstreamTls.get(u) } } : {}),
      servers: upstream.servers.map((server, i) => ({
        ...server,
        address: replaced.get(JSON.stringify([...upstream.at, "servers", i])) ?? server.address,
      })),
    })),
    sites: config.sites.map((site, i) => {
      const stub = certs.get(i);
      const moved = {
        ...site,
        routes: site.routes.map((route) => {
          const url = route.access?.forwardAuth && replaced.get(JSON.stringify(forwardAuthUrlPath(route)));
          return url === undefined
            ? route
            : { ...route, access: { ...route.access, forwardAuth: { ...route.access!.forwardAuth!, url } } };
        }),
        listen: site.listen.map((l) => moveListen(l, ports, listenHosts)),
        http: site.http && { ...site.http, listen: site.http.listen.map((l) => moveListen(l, ports, listenHosts)) },
      };
      // a stand-in has no issuer to staple for: stapling on it would only make nginx warn
      return stub && site.tls ? { ...moved, tls: { ...site.tls, ...stub, stapling: false } } : moved;
    }),
  };
}

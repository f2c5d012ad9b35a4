/** Is a site reachable from the internet, or only inside a network? Rules about abuse skip the latter. */
import type { Site } from "../config/model.js";
import { isIPv4Address, isIPv6Address } from "../config/values.js";

const INTERNAL_SUFFIXES = [".localhost", ".local", ".internal", ".lan", ".home.arpa", ".test"];

export function isPrivateAddress(host: string): boolean {
  const bare = host.replace(/^\[|\]$/g, "");
  if (bare === "localhost") return true;
  if (isIPv4Address(bare)) {
    const [a = 0, b = 0] = bare.split(".").map(Number);
    return (
      a === 127 ||
      a === 10 ||
      (a === 172 && b >= 16 && b <= 31) ||
      (a === 192 && b === 168) ||
      (a === 169 && b === 254) ||
      (a === 100 && b >= 64 && b <= 127)
    );
  }
  // every IPv6 address has a colon; the test skips node's IPv6 pattern (~3 ms to compile on first use)
  if (isIPv6Address(bare)) return bare === "::1" || /^f[cd]/i.test(bare) || /^fe80:/i.test(bare);
  return false;
}

export function isInternalName(domain: string): boolean {
  const d = domain.toLowerCase();
  return d === "localhost" || INTERNAL_SUFFIXES.some((s) => d.endsWith(s)) || isPrivateAddress(d);
}

/** Only bound to loopback or private addresses: something else (a proxy, a load balancer) is in front. */
export function listensPrivately(site: Site): boolean {
  return site.listen.every((l) => l.host !== "*" && !l.host.startsWith("[::]") && isPrivateAddress(l.host));
}

/** Browsers on the internet can reach it: some domain is a public name (a proxy in front changes nothing). */
export function hasPublicName(site: Site): boolean {
  return !site.domains.every(isInternalName);
}

/** Public, and clients reach nginx directly, so their address is theirs (not a proxy's). */
export function isPublic(site: Site): boolean {
  return hasPublicName(site) && !listensPrivately(site);
}

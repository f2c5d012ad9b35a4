/**
 * Certificate checks with node:crypto (no shelling out): readable, key matches, not expired or
 * expiring within 14 days, a SAN for every domain. They run only where `check` read the files.
 */
import { escapeText, showValue } from "../../util/show.js";
import type { KeyObject, X509Certificate } from "node:crypto";
import { type Site, type Upstream, writtenAt } from "../../config/model.js";
import type { KeyPath } from "../../config/path.js";
import type { FileRead, Rule, RuleResult } from "../types.js";
import { nodeCrypto } from "../../util/hash.js";
import { isIPv4Address, isIPv6Address } from "../../config/values.js";

const DAY = 86_400_000;
export const EXPIRY_WARNING_DAYS = 14;

function firstCertificate(pem: Uint8Array): X509Certificate {
  // a chain file holds the leaf first; X509Certificate reads the first PEM block
  return new (nodeCrypto().X509Certificate)(pem);
}

/**
 * What one run of the rule parsed, by file path: thousands of sites usually share one certificate
 * and key, and parsing a key costs about half a millisecond, so each file is parsed once (null:
 * it is not PEM) and each pair checked once. A path names the same bytes throughout a run (`files`).
 */
interface Parsed {
  certs: Map<string, X509Certificate | null>;
  keys: Map<string, KeyObject | null>;
  /** `${certificate}\0${key}` → whether the key belongs to the certificate */
  matches: Map<string, boolean>;
}

const newParsed = (): Parsed => ({ certs: new Map(), keys: new Map(), matches: new Map() });

/** `compute()` for `path`, remembered in `cache`; null when it throws. */
function parsedOnce<T>(cache: Map<string, T | null>, path: string, compute: () => T): T | null {
  let value = cache.get(path);
  if (value === undefined) {
    try {
      value = compute();
    } catch {
      value = null;
    }
    cache.set(path, value);
  }
  return value;
}

function hostFor(domain: string): string {
  // a wildcard server_name is covered by a wildcard SAN of the same level
  return domain.startsWith("*.") ? `wssgen-wildcard-check.${domain.slice(2)}` : domain;
}

/** A certificate and its key as read for the rules: what loaded, and the findings of what did not. */
interface LoadedPair {
  cert: X509Certificate | undefined;
  key: KeyObject | undefined;
  results: RuleResult[];
}

/**
 * Reads `certificate` (its first PEM block: a chain file holds the leaf first) and `key` from the
 * files `check` read; cert-unreadable for each that is missing, unreadable or not PEM, and
 * cert-key-mismatch when both load and do not belong together (`consequence` says what nginx does then).
 */
function loadPair(
  files: ReadonlyMap<string, FileRead>,
  parsed: Parsed,
  certificate: { file: string; path: KeyPath },
  key: { file: string; path: KeyPath },
  consequence: string,
): LoadedPair {
  const results: RuleResult[] = [];
  const unreadable = (path: KeyPath, file: string, why: string) =>
    results.push({ rule: "cert-unreadable", path, message: `${showValue(file)}: ${why}` });
  const certFile = files.get(certificate.file);
  const keyFile = files.get(key.file);
  let cert: X509Certificate | undefined;
  if (!certFile || "error" in certFile)
    unreadable(certificate.path, certificate.file, certFile && "error" in certFile ? certFile.error : "not read");
  else {
    cert = parsedOnce(parsed.certs, certificate.file, () => firstCertificate(certFile.data)) ?? undefined;
    if (!cert) unreadable(certificate.path, certificate.file, "is not a PEM certificate");
  }
  let privateKey: KeyObject | undefined;
  if (!keyFile || "error" in keyFile) unreadable(key.path, key.file, keyFile && "error" in keyFile ? keyFile.error : "not read");
  else {
    const { data } = keyFile;
    privateKey =
      parsedOnce(parsed.keys, key.file, () =>
        nodeCrypto().createPrivateKey(Buffer.from(data.buffer, data.byteOffset, data.byteLength)),
      ) ?? undefined;
    if (!privateKey)
      unreadable(key.path, key.file, "is not a PEM private key (or it is encrypted: nginx would need ssl_password_file)");
  }
  const pair = `${certificate.file}\0${key.file}`;
  let matches = cert && privateKey ? parsed.matches.get(pair) : undefined;
  if (cert && privateKey && matches === undefined) parsed.matches.set(pair, (matches = cert.checkPrivateKey(privateKey)));
  if (matches === false)
    results.push({
      rule: "cert-key-mismatch",
      path: key.path,
      message: `${showValue(key.file)} is not the key of ${showValue(certificate.file)}; ${consequence}`,
    });
  return { cert, key: privateKey, results };
}

/** cert-expired or cert-expiring for a certificate that ends before `now` or within 14 days; `refused`: who refuses it once expired. */
function expiry(cert: X509Certificate, file: string, path: KeyPath, now: Date, refused: string): RuleResult[] {
  const notAfter = new Date(cert.validTo);
  const days = Math.floor((notAfter.getTime() - now.getTime()) / DAY);
  if (notAfter.getTime() <= now.getTime())
    return [
      {
        rule: "cert-expired",
        path,
        message: `${showValue(file)} expired on ${notAfter.toISOString().slice(0, 10)}; ${refused}`,
      },
    ];
  if (days < EXPIRY_WARNING_DAYS)
    return [
      {
        rule: "cert-expiring",
        path,
        message: `${showValue(file)} expires on ${notAfter.toISOString().slice(0, 10)} (in ${days} day${days === 1 ? "" : "s"}); renew it`,
      },
    ];
  return [];
}

function checkSite(
  site: Site,
  files: ReadonlyMap<string, FileRead>,
  parsed: Parsed,
  stubbed: ReadonlySet<string>,
  now: Date,
): RuleResult[] {
  const tls = site.tls!;
  const certPath = [...site.at, "tls", "certificate"];
  if (stubbed.has(tls.certificate) || stubbed.has(tls.key)) return [];
  const { cert, results } = loadPair(
    files,
    parsed,
    { file: tls.certificate, path: certPath },
    { file: tls.key, path: [...site.at, "tls", "key"] },
    "nginx refuses to start with it",
  );
  if (!cert) return results;
  results.push(...expiry(cert, tls.certificate, certPath, now, "browsers refuse wss:// to it"));

  site.domains.forEach((domain, i) => {
    // "example.*" matches names no certificate can list in advance: nothing to check
    if (domain.endsWith(".*")) return;
    const covered =
      isIPv4Address(domain) || isIPv6Address(domain)
        ? cert.checkIP(domain) !== undefined
        : cert.checkHost(hostFor(domain), { wildcards: true, subject: "never" }) !== undefined;
    if (!covered)
      results.push({
        rule: "cert-name-mismatch",
        path: [...site.at, "domains", i],
        message: `${showValue(tls.certificate)} has no subjectAltName for ${showValue(domain)} (it covers ${coveredNames(cert.subjectAltName)}); browsers refuse ${showValue(`wss://${domain.replace(/^\*\./, "x.")}`)}`,
      });
  });
  return results;
}

/** The PEM blocks of certificates in a file (a CA bundle holds many; nginx needs at least one). */
const PEM_CERTIFICATE = /-----BEGIN (?:TRUSTED )?CERTIFICATE-----/;

/**
 * upstreams.<name>.tls's files: the CA file nginx verifies the backends against (with verify), and
 * the client certificate and key it presents (mTLS). nginx loads all of them at start
 * (proxy_ssl_trusted_certificate, proxy_ssl_certificate), so a missing one stops it like a site's.
 * The default CA is the system's bundle: when it is missing, the message says which package has it.
 */
function checkUpstream(
  upstream: Upstream,
  files: ReadonlyMap<string, FileRead>,
  parsed: Parsed,
  stubbed: ReadonlySet<string>,
  now: Date,
): RuleResult[] {
  const tls = upstream.tls!;
  const at = [...upstream.at, "tls"];
  const results: RuleResult[] = [];
  if (tls.verify && !stubbed.has(tls.ca)) {
    const written = writtenAt(upstream, "tls.ca");
    const file = files.get(tls.ca);
    const text = file && !("error" in file) ? Buffer.from(file.data).toString("latin1") : undefined;
    if (!written && file && "error" in file)
      results.push({
        rule: "cert-unreadable",
        path: at,
        message: `${showValue(tls.ca)}, the system's CA bundle that nginx verifies the backend's certificate against (tls.ca's default): ${file.error}${file.error === "does not exist" ? "; install it (apt-get install ca-certificates; on Alpine, apk add ca-certificates), or set tls.ca to the file of the CA that signed the backend's certificate" : ""}`,
      });
    else if (!file || "error" in file)
      results.push({
        rule: "cert-unreadable",
        path: written ?? at,
        message: `${showValue(tls.ca)}: ${file && "error" in file ? file.error : "not read"}`,
      });
    else if (text !== undefined && !PEM_CERTIFICATE.test(text))
      results.push({
        rule: "cert-unreadable",
        path: written ?? at,
        message: `${showValue(tls.ca)} holds no PEM certificate: tls.ca is the CA certificate (-----BEGIN CERTIFICATE-----) that signed the backend's certificate`,
      });
  }
  if (tls.certificate === undefined || tls.key === undefined) return results;
  if (stubbed.has(tls.certificate) || stubbed.has(tls.key)) return results;
  const certPath = [...at, "certificate"];
  const { cert, results: pair } = loadPair(
    files,
    parsed,
    { file: tls.certificate, path: certPath },
    { file: tls.key, path: [...at, "key"] },
    "nginx refuses to start with it",
  );
  results.push(...pair);
  if (cert) results.push(...expiry(cert, tls.certificate, certPath, now, "a backend that checks client certificates refuses it"));
  return results;
}

/** The certificate's names, as a message shows text from a file: escaped, and at most 10 of them. */
function coveredNames(subjectAltName: string | undefined): string {
  if (subjectAltName === undefined) return "no names";
  const names = subjectAltName.split(", ");
  const shown = names.slice(0, 10).map((name) => escapeText(name.length > 100 ? `${name.slice(0, 100)}…` : name));
  return names.length > 10 ? `${shown.join(", ")} and ${names.length - 10} more` : shown.join(", ");
}

export const certificates: Rule = {
  id: "cert-unreadable",
  ids: ["cert-unreadable", "cert-key-mismatch", "cert-expired", "cert-expiring", "cert-name-mismatch"],
  severity: "error",
  description:
    "Certificate and key files (sites' and upstreams' tls): readable, matching, valid for 14 more days, naming every domain.",
  run: ({ config, files, stubbed = new Set(), now = new Date() }) => {
    if (!files) return [];
    const parsed = newParsed();
    return [
      ...config.sites.filter((site) => site.tls).flatMap((site) => checkSite(site, files, parsed, stubbed, now)),
      ...config.upstreams.filter((u) => u.tls).flatMap((upstream) => checkUpstream(upstream, files, parsed, stubbed, now)),
    ];
  },
};

/** Default severities of the rules this file reports under. */
export const CERT_SEVERITIES = {
  "cert-unreadable": "error",
  "cert-key-mismatch": "error",
  "cert-expired": "error",
  "cert-expiring": "warning",
  "cert-name-mismatch": "error",
} as const;

/**
 * Certificate checks with node:crypto (no shelling out): readable, key matches, not expired or
 * expiring within 14 days, a SAN for every domain. They run only where `check` read the files.
 */
import { escapeText, showValue } from "../../util/show.js";
import { createPrivateKey, X509Certificate } from "node:crypto";
import { isIP } from "node:net";
import type { Site } from "../../config/model.js";
import type { FileRead, Rule, RuleResult } from "../types.js";

const DAY = 86_400_000;
export const EXPIRY_WARNING_DAYS = 14;

function firstCertificate(pem: Uint8Array): X509Certificate {
  // a chain file holds the leaf first; X509Certificate reads the first PEM block
  return new X509Certificate(pem);
}

function hostFor(domain: string): string {
  // a wildcard server_name is covered by a wildcard SAN of the same level
  return domain.startsWith("*.") ? `wssgen-wildcard-check.${domain.slice(2)}` : domain;
}

function checkSite(site: Site, files: ReadonlyMap<string, FileRead>, stubbed: ReadonlySet<string>, now: Date): RuleResult[] {
  const tls = site.tls!;
  const certPath = [...site.at, "tls", "certificate"];
  const keyPath = [...site.at, "tls", "key"];
  if (stubbed.has(tls.certificate) || stubbed.has(tls.key)) return [];
  const results: RuleResult[] = [];
  const unreadable = (path: (string | number)[], file: string, why: string) =>
    results.push({ rule: "cert-unreadable", path, message: `${showValue(file)}: ${why}` });

  const certFile = files.get(tls.certificate);
  const keyFile = files.get(tls.key);
  let cert: X509Certificate | undefined;
  if (!certFile || "error" in certFile)
    unreadable(certPath, tls.certificate, certFile && "error" in certFile ? certFile.error : "not read");
  else {
    try {
      cert = firstCertificate(certFile.data);
    } catch {
      unreadable(certPath, tls.certificate, "is not a PEM certificate");
    }
  }
  let key: ReturnType<typeof createPrivateKey> | undefined;
  if (!keyFile || "error" in keyFile) unreadable(keyPath, tls.key, keyFile && "error" in keyFile ? keyFile.error : "not read");
  else {
    try {
      key = createPrivateKey(Buffer.from(keyFile.data.buffer, keyFile.data.byteOffset, keyFile.data.byteLength));
    } catch {
      unreadable(keyPath, tls.key, "is not a PEM private key (or it is encrypted: nginx would need ssl_password_file)");
    }
  }
  if (!cert) return results;
  if (key && !cert.checkPrivateKey(key))
    results.push({
      rule: "cert-key-mismatch",
      path: keyPath,
      message: `${showValue(tls.key)} is not the key of ${showValue(tls.certificate)}; nginx refuses to start with it`,
    });

  const notAfter = new Date(cert.validTo);
  const days = Math.floor((notAfter.getTime() - now.getTime()) / DAY);
  if (notAfter.getTime() <= now.getTime())
    results.push({
      rule: "cert-expired",
      path: certPath,
      message: `${showValue(tls.certificate)} expired on ${notAfter.toISOString().slice(0, 10)}; browsers refuse wss:// to it`,
    });
  else if (days < EXPIRY_WARNING_DAYS)
    results.push({
      rule: "cert-expiring",
      path: certPath,
      message: `${showValue(tls.certificate)} expires on ${notAfter.toISOString().slice(0, 10)} (in ${days} day${days === 1 ? "" : "s"}); renew it`,
    });

  site.domains.forEach((domain, i) => {
    // "example.*" matches names no certificate can list in advance: nothing to check
    if (domain.endsWith(".*")) return;
    const covered = isIP(domain)
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
  description: "Certificate and key files: readable, matching, valid for 14 more days, naming every domain.",
  run: ({ config, files, stubbed, now }) =>
    files
      ? config.sites.filter((site) => site.tls).flatMap((site) => checkSite(site, files, stubbed ?? new Set(), now ?? new Date()))
      : [],
};

/** Default severities of the rules this file reports under. */
export const CERT_SEVERITIES = {
  "cert-unreadable": "error",
  "cert-key-mismatch": "error",
  "cert-expired": "error",
  "cert-expiring": "warning",
  "cert-name-mismatch": "error",
} as const;

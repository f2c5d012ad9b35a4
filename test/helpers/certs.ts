/** Certificates generated at test time with the real openssl, never committed. */
import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

export interface CertDir {
  dir: string;
  /** the test CA that signed the certificate (trust it in clients) */
  ca: string;
  /** leaf + CA, as nginx's ssl_certificate wants it */
  certificate: string;
  key: string;
}

const openssl = (args: string[]) => execFileSync("openssl", args, { stdio: ["ignore", "ignore", "pipe"] });
const EC = ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes"];

/**
 * A throwaway CA and an ECDSA certificate it signed for the given names, with an OCSP responder URL
 * (so `ssl_stapling on` is testable without warnings): fullchain.pem, privkey.pem and ca.pem.
 */
export function makeCertDir(names: string[] = ["localhost", "chat.example.com", "*.example.com"]): CertDir {
  const dir = mkdtempSync(join(tmpdir(), "wssgen-certs-"));
  const at = (name: string) => join(dir, name);
  openssl(["req", "-x509", ...EC, "-keyout", at("ca.key"), "-out", at("ca.pem"), "-days", "2", "-subj", "/CN=wssgen test CA"]);
  openssl(["req", ...EC, "-keyout", at("privkey.pem"), "-out", at("leaf.csr"), "-subj", `/CN=${names[0]}`]);
  writeFileSync(
    at("leaf.ext"),
    [
      `subjectAltName=${names.map((n) => (/^[\d.]+$/.test(n) ? `IP:${n}` : `DNS:${n}`)).join(",")}`,
      "authorityInfoAccess=OCSP;URI:http://127.0.0.1:9/",
      "extendedKeyUsage=serverAuth",
      "",
    ].join("\n"),
  );
  openssl([
    "x509",
    "-req",
    "-in",
    at("leaf.csr"),
    "-CA",
    at("ca.pem"),
    "-CAkey",
    at("ca.key"),
    "-CAcreateserial",
    "-out",
    at("leaf.pem"),
    "-days",
    "2",
    "-extfile",
    at("leaf.ext"),
  ]);
  writeFileSync(at("fullchain.pem"), readFileSync(at("leaf.pem"), "utf8") + readFileSync(at("ca.pem"), "utf8"));
  return { dir, ca: at("ca.pem"), certificate: at("fullchain.pem"), key: at("privkey.pem") };
}

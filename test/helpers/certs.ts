/** Certificates generated at test time with the real openssl, never committed. */
import { execFileSync } from "node:child_process";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

export interface CertDir {
  dir: string;
  certificate: string;
  key: string;
}

/** A self-signed ECDSA certificate (fullchain.pem) and key (privkey.pem) for the given names. */
export function makeCertDir(names: string[] = ["localhost", "chat.example.com", "*.example.com"]): CertDir {
  const dir = mkdtempSync(join(tmpdir(), "wssgen-certs-"));
  const certificate = join(dir, "fullchain.pem");
  const key = join(dir, "privkey.pem");
  execFileSync(
    "openssl",
    [
      "req",
      "-x509",
      "-newkey",
      "ec",
      "-pkeyopt",
      "ec_paramgen_curve:prime256v1",
      "-nodes",
      "-keyout",
      key,
      "-out",
      certificate,
      "-days",
      "2",
      "-subj",
      `/CN=${names[0]}`,
      "-addext",
      `subjectAltName=${names.map((n) => `DNS:${n}`).join(",")}`,
    ],
    { stdio: ["ignore", "ignore", "pipe"] },
  );
  return { dir, certificate, key };
}

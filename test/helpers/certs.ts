/** Certificates generated at test time with the real openssl, never committed. */
import { execFileSync } from "node:child_process";
import { randomBytes } from "node:crypto";
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
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

/** A throwaway certificate authority made by `makeCa`: its certificate and key (PEM files). */
export interface TestCa {
  /** the CA's certificate: what a peer trusts (tls.ca, node's `ca`) */
  cert: string;
  key: string;
  /** its subject's common name */
  name: string;
}

/** A certificate made by `issueCertificate`: the PEM files of the leaf, the key, and leaf + intermediates. */
export interface IssuedCertificate {
  /** the leaf alone */
  leaf: string;
  key: string;
  /** the leaf followed by the intermediates named in `chain` (what a server sends) */
  fullchain: string;
}

/**
 * A CA in `dir` (files `<file>.pem` and `<file>.key`, ECDSA P-256): a root, self-signed, or with
 * `issuer` an intermediate signed by it (basicConstraints CA:TRUE, so OpenSSL accepts it in a chain).
 */
export function makeCa(dir: string, file: string, options: { name?: string; issuer?: TestCa } = {}): TestCa {
  const at = (suffix: string) => join(dir, `${file}${suffix}`);
  const name = options.name ?? `wssgen test ${file}`;
  const extensions = ["basicConstraints=critical,CA:TRUE", "keyUsage=critical,keyCertSign,cRLSign", ""].join("\n");
  if (!options.issuer) {
    openssl(["req", "-x509", ...EC, "-keyout", at(".key"), "-out", at(".pem"), "-days", "2", "-subj", `/CN=${name}`]);
    return { cert: at(".pem"), key: at(".key"), name };
  }
  openssl(["req", ...EC, "-keyout", at(".key"), "-out", at(".csr"), "-subj", `/CN=${name}`]);
  writeFileSync(at(".ext"), extensions);
  signRequest(options.issuer, at(".csr"), at(".pem"), at(".ext"));
  return { cert: at(".pem"), key: at(".key"), name };
}

/**
 * A leaf certificate signed by `issuer`, in `dir` as `<file>.pem`, `<file>.key` and
 * `<file>.fullchain.pem`: for a server (`names` in its subjectAltName, extendedKeyUsage serverAuth)
 * or, with `client`, for a client (CN `subject`, clientAuth). `chain`: the intermediates between
 * the leaf and the root, nearest first, appended to the fullchain file. `expired`: valid only on
 * 1 and 2 January 2020 (made with `openssl ca`, the one openssl 3.0 command that takes dates);
 * otherwise valid from now for `days` (2 by default; lint warns from 14 days before the end).
 */
export function issueCertificate(
  issuer: TestCa,
  dir: string,
  file: string,
  options: { names?: string[]; subject?: string; client?: boolean; chain?: TestCa[]; expired?: boolean; days?: number } = {},
): IssuedCertificate {
  const at = (suffix: string) => join(dir, `${file}${suffix}`);
  const names = options.names ?? [];
  const subject = options.subject ?? names[0] ?? file;
  openssl(["req", ...EC, "-keyout", at(".key"), "-out", at(".csr"), "-subj", `/CN=${subject}`]);
  writeFileSync(
    at(".ext"),
    [
      ...(names.length ? [`subjectAltName=${names.map((n) => (/^[\d.]+$/.test(n) ? `IP:${n}` : `DNS:${n}`)).join(",")}`] : []),
      `extendedKeyUsage=${options.client ? "clientAuth" : "serverAuth"}`,
      "",
    ].join("\n"),
  );
  if (options.expired) signExpired(issuer, dir, file);
  else signRequest(issuer, at(".csr"), at(".pem"), at(".ext"), options.days);
  const chain = (options.chain ?? []).map((ca) => readFileSync(ca.cert, "utf8"));
  writeFileSync(at(".fullchain.pem"), [readFileSync(at(".pem"), "utf8"), ...chain].join(""));
  return { leaf: at(".pem"), key: at(".key"), fullchain: at(".fullchain.pem") };
}

function signRequest(issuer: TestCa, csr: string, out: string, extfile: string, days = 2): void {
  const serial = `0x${randomBytes(8).toString("hex")}`;
  openssl([
    "x509",
    "-req",
    "-in",
    csr,
    "-CA",
    issuer.cert,
    "-CAkey",
    issuer.key,
    "-set_serial",
    serial,
    "-out",
    out,
    "-days",
    String(days),
    "-extfile",
    extfile,
  ]);
}

/** `openssl ca` with a database of its own in `dir`: the certificate's validity ended in 2020. */
function signExpired(issuer: TestCa, dir: string, file: string): void {
  const db = join(dir, `${file}.ca-db`);
  mkdirSync(db);
  writeFileSync(join(db, "index.txt"), "");
  writeFileSync(join(db, "serial"), `${randomBytes(8).toString("hex")}\n`);
  writeFileSync(
    join(db, "openssl.cnf"),
    [
      "[ca]",
      "default_ca = test",
      "[test]",
      `database = ${join(db, "index.txt")}`,
      `new_certs_dir = ${db}`,
      `serial = ${join(db, "serial")}`,
      "default_md = sha256",
      "policy = any",
      "unique_subject = no",
      "[any]",
      "commonName = supplied",
      "",
    ].join("\n"),
  );
  openssl([
    "ca",
    "-batch",
    "-notext",
    "-config",
    join(db, "openssl.cnf"),
    "-cert",
    issuer.cert,
    "-keyfile",
    issuer.key,
    "-in",
    join(dir, `${file}.csr`),
    "-out",
    join(dir, `${file}.pem`),
    "-extfile",
    join(dir, `${file}.ext`),
    "-startdate",
    "20200101000000Z",
    "-enddate",
    "20200102000000Z",
  ]);
}

/**
 * access-user-file (src/lint/rules/access.ts): basicAuth's user file, as `check` read it. nginx
 * reads it on each request, so `nginx -t` passes without it (test/e2e/access.test.ts shows the 403,
 * the 500 and the 401s). The hashes below are of "secret", made with openssl passwd and libcrypt.
 */
import { createHash } from "node:crypto";
import { describe, expect, it } from "vitest";
import type { FileRead } from "../../src/lint/index.js";
import { readUserFile } from "../../src/lint/rules/access.js";
import { ruleFindings, UPSTREAMS } from "../helpers/lint.js";

const sha1 = (data: Buffer) => createHash("sha1").update(data).digest();
const SALT = Buffer.from("saltsalt");
/** One user per format nginx checks, each a password hash of "secret". */
const HASHES = {
  apr1: "$apr1$wssgen00$FytqfY6pTLyn3UiGv2RWm.",
  md5crypt: "$1$wssgen00$08U5IeDVDY5PNk/gHcX4E.",
  sha256crypt: "$5$wssgensalt$wGFrbgrpx.Ke9Fa4s2w8RLQpQXZB9YHY0aCifY2hV.6",
  sha256rounds: "$5$rounds=10000$saltsalt$RUsnTSO2Cw.gkRW/RZSmG6BCeuh1a6eDbZfnX4oz1c5",
  sha512crypt: "$6$wssgensalt$U4BvYBkndesL9M6ASr0jbyGjS1iBoxUWskkWq9ZGj7hBQCxamCNnjhpocIJF1yPFRwBSyavhUAyHbGli3ErAE0",
  bcrypt: "$2y$05$abcdefghijklmnopqrstuuOQiyCxlgf/oeuTqixKmWdcYUh4Hjl0a",
  yescrypt: "$y$j9T$abcdefghijklmnop$3dL1LkYnZM.OVXuVdnnaKVDlLYT92dRwOzDZ5XiVCe.",
  gost: "$gy$j9T$abcdefghijklmnop$mixfBgwqRYkgJa0E4eWmDF3HC/BbYXm8ztA717oxvqD",
  scrypt: "$7$CU..../....abcdefghijklmnop$XFPPWJganQ6Nq0QhVHxk/yHxMXizE0OJDowAsO4.RIA",
  sha1crypt: "$sha1$1000$saltsalt$Afd9xS7u8w4h.ywETK2u0ha2i2TG",
  sunmd5: "$md5,rounds=5000$saltsalt$$U.fW6CLVuc5sJU8Y6JPO6/",
  bsdi: "_J9..saltLXKE4peqNCg",
  des: "abNANd1rDfiNc",
  nt: "$3$$878d8014606cda29677a44efa1353fc7",
  sha: `{SHA}${sha1(Buffer.from("secret")).toString("base64")}`,
  ssha: `{SSHA}${Buffer.concat([sha1(Buffer.concat([Buffer.from("secret"), SALT])), SALT]).toString("base64")}`,
  plain: "{PLAIN}secret",
};

const route = (path: string, file: string) =>
  `      - { path: ${path}, upstream: chat, access: { basicAuth: { userFile: ${file} } } }\n`;
const config = (...routes: string[]) =>
  `${UPSTREAMS}sites:\n  - domains: [chat.example.com]\n    tls: { certificate: /certs/c.pem, key: /certs/c.key }\n    redirectHttp: true\n    routes:\n${routes.join("")}`;
const read = (entries: Record<string, string | { error: string }>) =>
  new Map<string, FileRead>(
    Object.entries(entries).map(([path, text]) => [path, typeof text === "string" ? { data: Buffer.from(text) } : text]),
  );
const findings = (yaml: string, files: Map<string, FileRead> | undefined) =>
  ruleFindings("access-user-file", yaml, files ? { files } : {});

describe("access-user-file", () => {
  it("fires at userFile when check could not read it: 403 for a missing file, 500 for an unreadable one", () => {
    const files = read({
      "/etc/nginx/missing": { error: "does not exist" },
      "/etc/nginx/locked": { error: "permission denied" },
    });
    expect(findings(config(route("/a/", "/etc/nginx/missing"), route("/b/", "/etc/nginx/locked")), files)).toEqual([
      {
        path: "sites[0].routes[0].access.basicAuth.userFile",
        severity: "error",
        message:
          '"/etc/nginx/missing": does not exist; nginx -t passes without it, and then every login on "/a/" fails with 403: create it (htpasswd -B -c FILE USER) where nginx\'s workers can read it',
      },
      {
        path: "sites[0].routes[1].access.basicAuth.userFile",
        severity: "error",
        message:
          '"/etc/nginx/locked": permission denied; nginx -t passes without it, and then every login on "/b/" fails with 500: create it (htpasswd -B -c FILE USER) where nginx\'s workers can read it',
      },
    ]);
  });
  it("fires when no line logs anyone in: empty, comments only, plain-text passwords", () => {
    const files = read({
      "/u/empty": "",
      "/u/comments": "# users\n\n   \n",
      "/u/plain": "# users\nalice:secret\nbob:hunter2\r\njustaname\n:$apr1$wssgen00$FytqfY6pTLyn3UiGv2RWm.\n",
    });
    const found = findings(config(route("/a/", "/u/empty"), route("/b/", "/u/comments"), route("/c/", "/u/plain")), files);
    expect(found.map((f) => f.message)).toEqual([
      '"/u/empty" has no line nginx can log anyone in with (it names no user): every login on "/a/" fails with 401; write user:hash lines with htpasswd -B or openssl passwd -6',
      '"/u/comments" has no line nginx can log anyone in with (it names no user): every login on "/b/" fails with 401; write user:hash lines with htpasswd -B or openssl passwd -6',
      '"/u/plain" has no line nginx can log anyone in with (lines 2, 3: the password is not a hash nginx checks (in plain text? crypt(3) reads it as a salt and no password matches); line 4: not user:hash; line 5: no user name before the colon): every login on "/c/" fails with 401; write user:hash lines with htpasswd -B or openssl passwd -6',
    ]);
  });
  it("fires at a file where some lines can never match, naming the lines, never their text", () => {
    const lines = ["alice:secret", `bob:${HASHES.bcrypt}`, ...Array.from({ length: 6 }, (_, i) => `u${i}:pw${i}`)];
    const found = findings(config(route("/a/", "/u/mixed")), read({ "/u/mixed": `${lines.join("\n")}\n` }));
    expect(found).toEqual([
      {
        path: "sites[0].routes[0].access.basicAuth.userFile",
        severity: "error",
        message:
          '"/u/mixed", lines 1, 3, 4, 5, 6 and 2 more: the password is not a hash nginx checks (in plain text? crypt(3) reads it as a salt and no password matches): nginx never lets those users in; make their lines with htpasswd -B or openssl passwd -6',
      },
    ]);
    for (const secret of ["secret", "pw0", "alice", HASHES.bcrypt]) expect(found[0]!.message).not.toContain(secret);
  });
  it("is silent for a file of every hash format nginx checks, with comments, CR LF and trailing comments", () => {
    const text = [
      "# team",
      ...Object.entries(HASHES).map(([user, hash]) => `${user}:${hash}`),
      `crlf:${HASHES.apr1}\r`,
      `commented:${HASHES.sha512crypt}:Alice Example`,
      "",
    ].join("\n");
    expect(findings(config(route("/a/", "/u/all")), read({ "/u/all": text }))).toEqual([]);
    expect(readUserFile(Buffer.from(text))).toEqual({ users: Object.keys(HASHES).length + 2, problems: new Map() });
  });
  it("is silent without files (render does no I/O), and for routes without basicAuth", () => {
    expect(findings(config(route("/a/", "/u/none")), undefined)).toEqual([]);
    expect(findings(config("      - { path: /a/, upstream: chat, access: { allow: [10.0.0.0/8] } }\n"), read({}))).toEqual([]);
  });
  it("a hash with a stray space or a cut-off end is not one nginx checks", () => {
    for (const hash of [`${HASHES.apr1} `, HASHES.sha512crypt.slice(0, -1), "{SHA}abc", "{SSHA}c2FsdA==", "$2y$05$short"])
      expect(readUserFile(Buffer.from(`alice:${hash}\n`)).users).toBe(0);
  });
});

/** Provenance: which values came from ${VAR}, and messages that name the variable instead of the value. */
import { describe, expect, it } from "vitest";
import { interpolate } from "../../src/config/interpolate.js";
import { showValue } from "../../src/util/show.js";

const report = (path: readonly (string | number)[], message: string) => ({
  file: "w",
  line: 1,
  column: 1,
  path: String(path),
  message,
});

function provenanceOf(data: unknown, env: Record<string, string>, fileText = "") {
  const result = interpolate(data, env, report, fileText);
  expect(result.problems).toEqual([]);
  return result.provenance;
}

describe("Provenance", () => {
  it("records each interpolated key, its template, its variables, and whether the environment supplied one", () => {
    const p = provenanceOf({ a: "${A}", b: ["x.${B:-dflt}.${A}"], c: "plain", d: "${D:-16}" }, { A: "s3cr3t-a" });
    expect(p.at(["a"])).toMatchObject({
      template: "${A}",
      value: "s3cr3t-a",
      variables: ["A"],
      whole: true,
      fromEnvironment: true,
    });
    expect(p.at(["b", 0])).toMatchObject({ variables: ["B", "A"], whole: false, fromEnvironment: true });
    expect(p.at(["c"])).toBeUndefined();
    // a default is written in the file: typed, but no secret to hide
    expect(p.at(["d"])).toMatchObject({ whole: true, fromEnvironment: false });
    expect(p.variablesAt(["d"])).toBeUndefined();
    expect(p.message(["d"], '"16" is wrong')).toBe('"16" is wrong');
  });

  it("a message about the key names the variable, even when the value is cut", () => {
    const long = `s3cr3t${"x".repeat(5000)}`;
    const p = provenanceOf({ a: "${A}", b: "pre-${A}" }, { A: long });
    expect(p.message(["a"], `${showValue(long)} is not a valid domain`)).toBe("the value of ${A} is not a valid domain");
    expect(p.message(["b"], `${showValue(`pre-${long}`)} is not a valid domain`)).toBe('"pre-${A}" is not a valid domain');
    expect(p.finding(["a"], "control character line feed is not allowed")).toBe(
      "control character line feed is not allowed (from ${A})",
    );
  });

  it("redacts a secret in any message: quoted, raw, escaped, in any case, and pieces of it", () => {
    const p = provenanceOf(
      { d: "${DOMAIN}", o: "${ORIGIN}", t: "${TOKEN}" },
      {
        DOMAIN: "*.s3cr3t.example.com",
        ORIGIN: "http://S3cr3t-Origin.example.com",
        TOKEN: 'tok"en\u202e-s3cr3t',
      },
    );
    expect(p.redact(`${showValue("*.s3cr3t.example.com")} serves https only`)).toBe("the value of ${DOMAIN} serves https only");
    expect(p.redact("host not found: *.s3cr3t.example.com, sorry")).toBe("host not found: ${DOMAIN}, sorry");
    // a piece of a secret: the whole token goes, never a ${NAME} with the rest of the secret beside it
    expect(p.redact("browsers refuse wss://x.s3cr3t.example.com, sorry")).toBe(
      "browsers refuse [redacted, from ${DOMAIN}], sorry",
    );
    // another letter case says so: advice to lower-case it must not read as what the user wrote
    expect(p.redact("must be lower case: http://s3cr3t-origin.example.com")).toBe(
      "must be lower case: [${ORIGIN} in lower case]",
    );
    expect(p.redact(`header ${showValue('tok"en\u202e-s3cr3t')} and raw tok"en\u202e-s3cr3t`)).toBe(
      "header the value of ${TOKEN} and raw ${TOKEN}",
    );
  });

  it("keeps what the file spells out, short numbers inside other words, and never redacts a replacement", () => {
    const text = 'tls: { certificate: "${CERT}", key: /etc/ssl/private/chat.key }';
    const p = provenanceOf({ c: "${CERT}", k: "${PORT}" }, { CERT: "/etc/ssl/private/s3cr3t.pem", PORT: "16" }, text);
    expect(p.redact('"/etc/ssl/private/chat.key": does not exist')).toBe('"/etc/ssl/private/chat.key": does not exist');
    expect(p.redact("nginx 1.16 listens on 16")).toBe("nginx 1.16 listens on ${PORT}");
  });

  it("keeps a word the file spells out letter for letter, unless the message is about the secret's own site", () => {
    const text = 'sites: [{ domains: ["${NAME}.example.com"] }, { domains: [hunter2dir.example.com] }]';
    const p = provenanceOf({ sites: [{ domains: ["${NAME}.example.com"] }] }, { NAME: "Hunter2Dir" }, text);
    expect(p.redact("origins: [http://hunter2dir.example.com]")).toBe("origins: [http://hunter2dir.example.com]");
    expect(p.message(["sites", 1, "routes", 0], "e.g. http://hunter2dir.example.com")).toBe("e.g. http://hunter2dir.example.com");
    expect(p.message(["sites", 0, "routes", 0], "e.g. http://hunter2dir.example.com")).toBe(
      "e.g. http://[${NAME} in lower case].example.com",
    );
    expect(p.redact("host Hunter2Dir.example.com")).toBe("host ${NAME}.example.com");
  });

  it("names a value derived from a secret (a path beside it) as derived, longest first", () => {
    const p = provenanceOf({ t: "${TG}" }, { TG: "/tmp/x/conf.d/hunter2.conf" });
    p.derive("/tmp/x/conf.d/.hunter2.conf.wssgen-backup", "the backup beside ${TG}");
    p.derive("/tmp/x/conf.d", "the directory of ${TG}");
    expect(p.redact("restored /tmp/x/conf.d/hunter2.conf from /tmp/x/conf.d/.hunter2.conf.wssgen-backup")).toBe(
      "restored ${TG} from the backup beside ${TG}",
    );
    expect(p.redact("removed 2 files in /tmp/x/conf.d")).toBe("removed 2 files in the directory of ${TG}");
    // not registered: redacted whole
    expect(p.redact("wrote /tmp/x/conf.d/.hunter2.conf.wssgen-tmp-1")).toBe("wrote [redacted, from ${TG}]");
  });

  it("cuts the digits a message took from the key's own secret (a port), not those of the file", () => {
    const p = provenanceOf({ s: "${HOST}:8080", t: "${ADDR}" }, { HOST: "s3cr3t", ADDR: "s3cr3t:99999" });
    expect(p.message(["t"], "port 99999 is outside 1-65535")).toBe("port … is outside 1-65535");
    expect(p.message(["s"], "port 8080 is taken")).toBe("port 8080 is taken");
  });
});

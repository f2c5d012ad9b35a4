/**
 * Every lint rule has a fixture that fires it (with the exact lines it prints) and one that stays
 * silent, run through `check` (nginx -t skipped: these are about the rules); and a test file of its
 * own, test/lint/<rule>.test.ts, that runs it directly, case by case.
 */
import { existsSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Chalk } from "chalk";
import { afterAll, describe, expect, it } from "vitest";
import { check } from "../../src/check/check.js";
import { RULE_IDS } from "../../src/config/rule-ids.js";
import { formatCheck } from "../../src/report/check.js";
import { selfSignedCertificate } from "../../src/tls/self-signed.js";
import { expectGolden } from "../helpers/fixtures.js";
import { FIXTURES, ROOT } from "../helpers/paths.js";

/** a fixed "now", so that expiry dates in messages are the same on every run */
const NOW = new Date("2030-01-01T00:00:00Z");
const DAY = 86_400_000;

const certDir = mkdtempSync(join(tmpdir(), "wssgen-lint-certs-"));
afterAll(() => rmSync(certDir, { recursive: true, force: true }));
const write = (name: string, pair: { certificate: string; key: string }) => {
  writeFileSync(join(certDir, `${name}.pem`), pair.certificate);
  writeFileSync(join(certDir, `${name}.key`), pair.key);
};
write("valid", selfSignedCertificate(["chat.example.com", "*.chat.example.com"], { now: NOW, days: 90 }));
write("expired", selfSignedCertificate(["chat.example.com"], { now: new Date(NOW.getTime() - 60 * DAY), days: 30 }));
write("expiring", selfSignedCertificate(["chat.example.com"], { now: NOW, days: 5 }));
write("other", selfSignedCertificate(["chat.example.com"], { now: NOW, days: 90 }));
writeFileSync(join(certDir, "garbage.pem"), "not a key\n");
// basic auth's user files: one made with htpasswd -B and openssl passwd -apr1, one with passwords in plain text
writeFileSync(
  join(certDir, "users.htpasswd"),
  "# the team\nalice:$2y$05$abcdefghijklmnopqrstuuOQiyCxlgf/oeuTqixKmWdcYUh4Hjl0a\nbob:$apr1$wssgen00$FytqfY6pTLyn3UiGv2RWm.\n",
);
writeFileSync(join(certDir, "plain.htpasswd"), "alice:secret\nbob:hunter2\n");
// an nginx main config as Debian ships it (no worker_shutdown_timeout), for the fixtures that name it
writeFileSync(
  join(certDir, "nginx-main.conf"),
  "user www-data;\nworker_processes auto;\npid /run/nginx.pid;\nevents { worker_connections 768; }\nhttp { include /etc/nginx/conf.d/*.conf; }\n",
);

async function lines(dir: string): Promise<string[]> {
  const result = await check({ config: "wssgen.yaml", cwd: dir, nginxMode: "skip", env: { CERT_DIR: certDir }, now: NOW });
  // the certificates live in a fresh temp dir: name it as the config does
  const text = formatCheck(result, "text", new Chalk({ level: 0 })).replaceAll(certDir, "${CERT_DIR}");
  return text.trimEnd().split("\n").slice(0, -1);
}

describe.each(RULE_IDS.map((id) => [id]))("%s", (id) => {
  const base = join(FIXTURES, "lint", id);
  it("has a test file of its own", () => {
    expect(existsSync(join(ROOT, "test", "lint", `${id}.test.ts`))).toBe(true);
  });
  it("fires on fixtures/lint/<rule>/fires, with the lines in expected.txt", async () => {
    const found = (await lines(join(base, "fires"))).filter((line) => line.endsWith(`[${id}]`));
    expect(found.length).toBeGreaterThan(0);
    expectGolden(`${found.join("\n")}\n`, join(base, "fires", "expected.txt"));
  });
  it("stays silent on fixtures/lint/<rule>/silent", async () => {
    expect((await lines(join(base, "silent"))).filter((line) => line.endsWith(`[${id}]`))).toEqual([]);
  });
});

it("lint.rules in the config changes severities and turns rules off", async () => {
  const dir = join(FIXTURES, "lint", "severity-override", "fires");
  const found = await lines(dir);
  expectGolden(`${found.join("\n")}\n`, join(dir, "expected.txt"));
  expect(found.some((l) => l.includes("error:") && l.endsWith("[ws-read-timeout]"))).toBe(true);
  expect(found.some((l) => l.endsWith("[origin-missing]"))).toBe(false);
});

/** Each invalid fixture fails with exit 1 and exactly the lines in its expected.txt: file:line:column, key path, what and how. */
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { expectGolden, fixtures } from "../helpers/fixtures.js";
import { runCli } from "../helpers/cli.js";

describe("invalid configs (fixtures/invalid)", () => {
  it.each(fixtures("invalid").map((f) => [f.name, f] as const))("%s", async (_name, fixture) => {
    const result = await runCli(["render", "--nginx-version", "1.22"], {
      cwd: fixture.dir,
      env: { CHAT_BACKEND: undefined, DOMAIN: undefined, WS_PATH: undefined },
    });
    expect(result.stdout).toBe(""); // nothing rendered, nothing partial
    expectGolden(result.stderr, join(fixture.dir, "expected.txt"));
    expect(result.stderr).not.toMatch(/\n\s+at /); // no stack traces
    expect(result.exitCode).toBe(1);
  });
});

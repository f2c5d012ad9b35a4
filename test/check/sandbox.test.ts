/** The throwaway prefix `check` runs `nginx -t` in (src/check/sandbox.ts): its own main config, pid and temp paths. */
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { newSandboxDir, sandboxMainConfig, TEMP_PATHS, withSandbox } from "../../src/check/sandbox.js";
import { findDirectives, parseNginx } from "../../src/util/nginx-syntax.js";

describe("sandboxMainConfig", () => {
  it("keeps pid and temp paths inside the sandbox and includes the files under test in http {}", () => {
    const dir = '/tmp/wssgen sandbox "x"';
    const parsed = parseNginx(sandboxMainConfig(dir, [`${dir}/wssgen.conf`, "/tmp/b.conf"]));
    expect(findDirectives(parsed, "pid").map((d) => d.args)).toEqual([[`${dir}/nginx.pid`]]);
    const http = findDirectives(parsed, "http")[0]!.block!;
    for (const name of TEMP_PATHS) expect(findDirectives(http, `${name}_temp_path`)[0]?.args).toEqual([`${dir}/temp/${name}`]);
    expect(findDirectives(http, "include").map((d) => d.args)).toEqual([[`${dir}/wssgen.conf`], ["/tmp/b.conf"]]);
  });
});

describe("withSandbox", () => {
  it("writes the files and a main config that includes the .conf ones, and removes it all afterwards", async () => {
    const dir = newSandboxDir();
    const seen = await withSandbox(
      { "wssgen.conf": "# test\n", "cert.pem": "pem\n" },
      (sandbox) => {
        const main = parseNginx(readFileSync(sandbox.mainConfig, "utf8"));
        return Promise.resolve({
          includes: findDirectives(findDirectives(main, "http")[0]!.block!, "include").map((d) => d.args[0]),
          path: sandbox.path("cert.pem"),
          exists: existsSync(sandbox.path("cert.pem")),
        });
      },
      { dir },
    );
    expect(seen).toEqual({ includes: [join(dir, "wssgen.conf")], path: join(dir, "cert.pem"), exists: true });
    expect(existsSync(dir)).toBe(false);
  });
  it("writes a file given as pieces whole, in order, multi-byte characters across its batches included", async () => {
    const pieces = ["# é\n", "ü".repeat(700_000), "\n", "€".repeat(500_000), "", "x\n"];
    const text = await withSandbox({ "wssgen.conf": pieces }, (sandbox) =>
      Promise.resolve(readFileSync(sandbox.path("wssgen.conf"), "utf8")),
    );
    expect(text).toBe(pieces.join(""));
  });
  it("is removed when making a file's pieces fails, with that error", async () => {
    const dir = newSandboxDir();
    function* pieces() {
      yield "x".repeat(1_500_000);
      throw new Error("render failed");
    }
    await expect(withSandbox({ "wssgen.conf": pieces() }, () => Promise.resolve(), { dir })).rejects.toThrow("render failed");
    expect(existsSync(dir)).toBe(false);
  });
  it("is removed when the work fails too", async () => {
    const dir = newSandboxDir();
    await expect(withSandbox({ "wssgen.conf": "" }, () => Promise.reject(new Error("nginx -t failed")), { dir })).rejects.toThrow(
      "nginx -t failed",
    );
    expect(existsSync(dir)).toBe(false);
  });
});

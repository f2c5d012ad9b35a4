import { describe, expect, it } from "vitest";
import { createNginx, parseMessages, parseVersionOutput } from "../../src/nginx/nginx.js";
import type { Runner } from "../../src/nginx/runner.js";
import { EnvironmentError } from "../../src/errors.js";
import { sandboxMainConfig } from "../../src/nginx/sandbox.js";

describe("nginx adapter (fake runner)", () => {
  it("parses nginx's messages with file and line", () => {
    const stderr = [
      'nginx: [emerg] unknown directive "http2" in /tmp/s/wssgen.conf:39',
      '2026/11/24 00:25:45 [warn] 5608#5608: the "listen ... http2" directive is deprecated, use the "http2" directive instead in /tmp/s/wssgen.conf:12',
      "nginx: configuration file /tmp/s/main.nginx.conf test failed",
    ].join("\n");
    expect(parseMessages(stderr)).toEqual([
      { level: "emerg", text: 'unknown directive "http2"', file: "/tmp/s/wssgen.conf", line: 39 },
      {
        level: "warn",
        text: 'the "listen ... http2" directive is deprecated, use the "http2" directive instead',
        file: "/tmp/s/wssgen.conf",
        line: 12,
      },
    ]);
  });
  it("reads version and OpenSSL from -V", () => {
    expect(parseVersionOutput("nginx version: nginx/1.22.1\nbuilt with OpenSSL 3.0.22 25 Aug 2026\n")).toEqual({
      version: "1.22.1",
      openssl: "3.0.22",
    });
    expect(parseVersionOutput("garbage")).toBeUndefined();
  });
  it("passes argv as an array (no shell) and reports a missing binary as an environment error", async () => {
    const calls: (readonly string[])[] = [];
    const runner: Runner = (argv) => {
      calls.push(argv);
      return Promise.resolve({ exitCode: undefined, stdout: "", stderr: "", notFound: true, timedOut: false });
    };
    const nginx = createNginx("/opt/my nginx/sbin/nginx", runner);
    await expect(nginx.test({ config: "/tmp/a b/nginx.conf", prefix: "/tmp/a b/" })).rejects.toThrow(EnvironmentError);
    expect(calls[0]).toEqual(["/opt/my nginx/sbin/nginx", "-t", "-p", "/tmp/a b/", "-c", "/tmp/a b/nginx.conf"]);
    expect(await nginx.version()).toBeUndefined();
  });
  it("the sandbox main config keeps pid and temp paths inside the sandbox", () => {
    const text = sandboxMainConfig("/tmp/wssgen-sandbox-x", ["/tmp/wssgen-sandbox-x/wssgen.conf"]);
    expect(text).toContain('pid "/tmp/wssgen-sandbox-x/nginx.pid";');
    for (const name of ["client_body", "proxy", "fastcgi", "uwsgi", "scgi"])
      expect(text).toContain(`${name}_temp_path "/tmp/wssgen-sandbox-x/temp/${name}";`);
    expect(text).toContain('include "/tmp/wssgen-sandbox-x/wssgen.conf";');
  });
});

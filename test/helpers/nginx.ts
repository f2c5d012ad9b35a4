/**
 * The real nginx binaries the suite runs against: Debian 12's packaged nginx (1.22) and the Debian 13
 * and unstable builds that scripts/nginx-versions.sh fetches and caches. A missing one is a failure,
 * never a skip.
 */
import { execFileSync, spawnSync } from "node:child_process";
import { join } from "node:path";
import { createNginx, parseVersionOutput, type Nginx } from "../../src/nginx/nginx.js";
import { parseVersion, type NginxBuild as Build } from "../../src/nginx-version/version.js";
import { ROOT } from "./paths.js";

/** A real nginx binary: the build rendering reads (version, OpenSSL), and how to run it. */
export interface NginxBuild extends Build {
  label: string;
  binary: string;
  nginx: Nginx;
}

let builds: NginxBuild[] | undefined;

function describe(label: string, binary: string): NginxBuild {
  const run = spawnSync(binary, ["-V"], { encoding: "utf8", stdio: ["ignore", "pipe", "pipe"] });
  if (run.error && "code" in run.error && run.error.code === "ENOENT")
    throw new Error(`${label}: ${binary} not found; install nginx (apt-get install nginx) — .ci/run does`);
  const text = `${run.stderr}${run.stdout}`;
  const info = parseVersionOutput(text);
  if (!info) throw new Error(`${label}: cannot read the version of ${binary}: ${text.slice(0, 200)}`);
  return {
    label: `${label} ${info.version}`,
    binary,
    version: parseVersion(info.version)!,
    openssl: info.openssl === undefined ? undefined : parseVersion(info.openssl),
    nginx: createNginx(binary),
  };
}

export function nginxBuilds(): NginxBuild[] {
  if (builds) return builds;
  const system = describe("debian-12", process.env.WSSGEN_TEST_NGINX ?? "nginx");
  const fetched = execFileSync("bash", [join(ROOT, "scripts/nginx-versions.sh")], {
    encoding: "utf8",
    stdio: ["ignore", "pipe", "inherit"],
  })
    .trim()
    .split("\n")
    .map((line) => {
      const [suite, , wrapper] = line.split(" ");
      return describe(suite === "trixie" ? "debian-13" : `debian-${suite}`, wrapper!);
    });
  builds = [system, ...fetched];
  return builds;
}

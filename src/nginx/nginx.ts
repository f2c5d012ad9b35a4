/**
 * nginx behind one small typed adapter: version, test, reload. Commands receive it as a parameter, so
 * unit tests pass a fake runner and integration tests the real binary.
 */
import { EnvironmentError } from "../errors.js";
import { VERSION_IN_TEXT } from "../nginx-version/patterns.js";
import { describeNotFound, locateBinary, type Location } from "./locate.js";
import { execaRunner, type RunResult, type Runner } from "./runner.js";
import { cachedVersion } from "./version-cache.js";
import { showValue } from "../util/show.js";

export interface NginxVersionInfo {
  /** "1.22.1" */
  version: string;
  /** the OpenSSL nginx runs with, "3.0.22" */
  openssl: string | undefined;
  /** compiled-in paths from `configure arguments` (--prefix, --pid-path, --conf-path) */
  prefix: string | undefined;
  pidPath: string | undefined;
  confPath: string | undefined;
}

export interface NginxMessage {
  level: string;
  text: string;
  /** the file and line nginx names, when it names one */
  file: string | undefined;
  line: number | undefined;
}

export interface NginxTestResult {
  ok: boolean;
  /** nginx's exit status; undefined when a signal ended it */
  exitCode?: number | undefined;
  argv: readonly string[];
  stderr: string;
  /** with `dump`, the configuration nginx read (`nginx -T`) */
  stdout: string;
  messages: NginxMessage[];
  errors: NginxMessage[];
  warnings: NginxMessage[];
}

export interface Nginx {
  /** what is run: `nginx.binary`, or its absolute path when only an install directory has it (see locate.ts) */
  readonly binary: string;
  /** where the binary was looked for and found (or not): for "not found" messages */
  readonly location: Location;
  /** undefined when the binary cannot be run */
  version(): Promise<NginxVersionInfo | undefined>;
  /**
   * `nginx -t` (`-T` with dump); `globals` become `-g` (main-context directives). `onSpawn` is
   * called once nginx has been started, when the runner says so (the real one does).
   */
  test(options: {
    config: string;
    prefix?: string;
    globals?: string;
    dump?: boolean;
    onSpawn?: () => void;
  }): Promise<NginxTestResult>;
  run(argv: readonly string[]): Promise<RunResult>;
}

/**
 * The adapter for one nginx binary. A bare name (the default `nginx`) is looked up in PATH and then
 * where distributions install nginx (locate.ts). With the real process runner, `version()` is
 * remembered per binary file (see version-cache.ts); a runner passed in (a test's fake) is always asked.
 */
export function createNginx(configured = "nginx", runner?: Runner, locate: (binary: string) => Location = locateBinary): Nginx {
  const run = runner ?? execaRunner;
  const location = locate(configured);
  const binary = location.path;
  const ask = async () => {
    const result = await run([binary, "-V"], { timeoutMs: 10_000 });
    if (result.notFound || result.exitCode !== 0) return undefined;
    return parseVersionOutput(result.stderr + result.stdout);
  };
  return {
    binary,
    location,
    version: () => (runner || !location.file ? ask() : cachedVersion(location.file, ask)),
    async test({ config, prefix, globals, dump, onSpawn }) {
      const argv = [
        binary,
        dump ? "-T" : "-t",
        ...(prefix ? ["-p", prefix] : []),
        "-c",
        config,
        ...(globals ? ["-g", globals] : []),
      ];
      // `nginx -T` prints the whole configuration: 100,000 sites are hundreds of megabytes
      const result = await run(argv, {
        timeoutMs: 600_000,
        ...(dump ? { maxBuffer: 2 ** 31 - 1 } : {}),
        ...(onSpawn ? { onSpawn } : {}),
      });
      if (result.overflowed || result.timedOut)
        throw new EnvironmentError(
          `${argv.join(" ")} ${result.timedOut ? "took more than 10 minutes" : "printed more than 2 GB"}; stopped it`,
        );
      if (result.notFound)
        throw new EnvironmentError(notFoundMessage(location, "install nginx, or set nginx.binary to its path"));
      const messages = parseMessages(result.stderr);
      return {
        ok: result.exitCode === 0,
        exitCode: result.exitCode,
        argv,
        stderr: result.stderr,
        stdout: result.stdout,
        messages,
        errors: messages.filter((m) => m.level === "emerg" || m.level === "alert" || m.level === "crit" || m.level === "error"),
        warnings: messages.filter((m) => m.level === "warn"),
      };
    },
    run: (argv) => run(argv, { timeoutMs: 60_000 }),
  };
}

/**
 * Why nginx cannot be used, for a message: not found (and where wssgen looked), or found but
 * `nginx -V` did not answer; `advice` (what to do) is appended in parentheses.
 */
export function notFoundMessage(location: Location, advice: string): string {
  if (!location.found) return `${describeNotFound(location)} (${advice})`;
  return `nginx at ${showValue(location.file ?? location.path)} does not run (\`${location.path} -V\` failed; ${advice})`;
}

const OPENSSL_RUNNING = new RegExp(`running with OpenSSL (${VERSION_IN_TEXT})`);
const OPENSSL_BUILT = new RegExp(`built with OpenSSL (${VERSION_IN_TEXT})`);

/**
 * `nginx -V`'s output (stderr and stdout together) → its version, the OpenSSL it runs with (else the
 * one it was built with), and the compiled-in paths; undefined when it names no nginx version.
 */
export function parseVersionOutput(text: string): NginxVersionInfo | undefined {
  const version = new RegExp(`nginx version: [^/\\s]+/(${VERSION_IN_TEXT})`).exec(text)?.[1];
  if (!version) return undefined;
  const openssl = (OPENSSL_RUNNING.exec(text) ?? OPENSSL_BUILT.exec(text))?.[1];
  const arg = (name: string) => new RegExp(`--${name}=(\\S+)`).exec(text)?.[1];
  return { version, openssl, prefix: arg("prefix"), pidPath: arg("pid-path"), confPath: arg("conf-path") };
}

/** `nginx: [emerg] unknown directive "x" in /p/wssgen.conf:12` → level, text, file, line. */
export function parseMessages(stderr: string): NginxMessage[] {
  const messages: NginxMessage[] = [];
  for (const raw of stderr.split("\n")) {
    const m = /^(?:nginx: )?(?:\S+ \S+ )?\[(\w+)\] (?:\d+#\d+: )?(.*)$/.exec(raw.trim());
    if (!m) continue;
    const text = m[2]!;
    const where = / in (\S+?):(\d+)$/.exec(text);
    messages.push({
      level: m[1]!,
      text: where ? text.slice(0, where.index) : text,
      file: where?.[1],
      line: where ? Number(where[2]) : undefined,
    });
  }
  return messages;
}

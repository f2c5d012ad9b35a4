/**
 * The e2e harness for `wssgen import`: runs a corpus config (fixtures/import) in a real nginx in
 * front of real backends, sends its expect.json requests (WebSocket handshakes and HTTP GETs) and
 * records which backend answered each and what request target it received; then the same for the
 * config an importer made of it, rendered by the real CLI, so a test can assert both serve alike.
 *
 * To run a config as written, `liveCorpus` rewrites only what a test machine needs: every backend
 * address 127.0.0.N:P becomes a real backend on 127.0.0.N at a free port (named by its address in
 * the config), every listen port a free loopback port (IPv6 listens are dropped), certificates and
 * system paths as in import-corpus.ts. The importer then reads that same rewritten text.
 */
import { spawnSync } from "node:child_process";
import { chmodSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { request as httpRequest } from "node:http";
import { request as httpsRequest } from "node:https";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import WebSocket from "ws";
import { TEMP_PATHS } from "../../src/check/sandbox.js";
import type { ImportNote, ImportResult } from "../../src/import/import.js";
import { formatVersion } from "../../src/nginx-version/version.js";
import { startBackend, type Backend } from "./backend.js";
import type { CertDir } from "./certs.js";
import { runCli } from "./cli.js";
import { reviewed, splitDump, substitute, unfixed, unsticky, type CorpusEntry, type CorpusRequest } from "./import-corpus.js";
import type { NginxBuild } from "./nginx.js";
import { startNginx, type NginxServer } from "./nginx-server.js";
import { freePort } from "./ports.js";

/** What importNginx does (src/import/import.ts); a test may pass a stand-in of the same shape. */
export type Importer = (
  text: string,
  options: { file: string },
) => Pick<ImportResult, "yaml" | "report"> & { data?: ImportResult["data"] };

/** A corpus config made runnable: its rewritten text, its backends by original address, its ports. */
export interface LiveCorpus {
  /** the config as rewritten to run here: what the original nginx serves and the importer reads */
  text: string;
  /** it is an `nginx -T` dump (a whole main config in several files) */
  dump: boolean;
  /** the temp directory the rewritten paths point into */
  work: string;
  backends: Map<string, Backend>;
  /** original listen port → loopback port */
  ports: Map<number, number>;
  stop(): Promise<void>;
}

const BACKEND_ADDRESS = /\b(127\.0\.0\.\d+):(\d+)\b/g;
const LISTEN = /^(\s*)listen\s+([^;]*);[^\n]*$/gm;

/**
 * Starts `entry`'s backends and rewrites its text to run here (see the head of this file); stop()
 * closes the backends and removes the temp directory (also done here when starting fails).
 */
export async function liveCorpus(entry: CorpusEntry, certs: CertDir): Promise<LiveCorpus> {
  const work = mkdtempSync(join(tmpdir(), "wssgen-import-e2e-"));
  // nginx's workers (nobody) write the response cache of a config that has one
  chmodSync(work, 0o755);
  for (const sub of ["cache", "log", "etc"]) mkdirSync(join(work, sub), { mode: 0o777 });
  chmodSync(join(work, "cache"), 0o777);
  const backends = new Map<string, Backend>();
  const ports = new Map<number, number>();
  for (const [path, content] of Object.entries(entry.expect.files ?? {})) {
    const file = substitute(path, certs, work);
    if (!file.startsWith(`${work}/`))
      throw new Error(`${entry.name}: expect.json files: ${path} is no path the harness moves (/etc/nginx/...)`);
    mkdirSync(dirname(file), { recursive: true });
    writeFileSync(file, content, { mode: 0o644 });
  }
  const lines = substitute(entry.text, certs, work).split("\n");
  try {
    for (const line of lines)
      if (!/^\s*listen\s/.test(line))
        for (const [address, host] of line.matchAll(BACKEND_ADDRESS))
          if (!backends.has(address)) backends.set(address, await startBackend(address, 0, host));
    for (const [, , args] of lines.join("\n").matchAll(LISTEN)) {
      const port = listenPort(args!);
      if (port !== undefined && !ports.has(port)) ports.set(port, await freePort());
    }
  } catch (error) {
    await Promise.all([...backends.values()].map((b) => b.close()));
    rmSync(work, { recursive: true, force: true });
    throw error;
  }
  const text = lines
    .map((line) =>
      /^\s*listen\s/.test(line)
        ? line.replace(LISTEN, (_all, indent: string, args: string) => {
            const port = listenPort(args);
            if (port === undefined) return `${indent}# (IPv6 listen dropped by the test harness)`;
            return `${indent}listen 127.0.0.1:${ports.get(port)}${args.trim().replace(/^\S+/, "")};`;
          })
        : line.replace(BACKEND_ADDRESS, (address) => `${address.split(":")[0]}:${backends.get(address)!.port}`),
    )
    .join("\n");
  return {
    text,
    dump: entry.dump,
    work,
    backends,
    ports,
    async stop() {
      await Promise.all([...backends.values()].map((b) => b.close()));
      rmSync(work, { recursive: true, force: true });
    },
  };
}

/** The port of a listen directive's arguments; undefined for an IPv6 address. */
function listenPort(args: string): number | undefined {
  const first = args.trim().split(/\s+/)[0]!;
  if (first.startsWith("[")) return undefined;
  const port = Number(first.includes(":") ? first.slice(first.lastIndexOf(":") + 1) : first);
  if (!Number.isInteger(port)) throw new Error(`listen ${args}: the harness maps only ports and address:port`);
  return port;
}

/** What happened to one request: who answered, what it received, whether the socket opened. */
export interface Answer {
  /** the backend's address in the original config; null when no backend received the request */
  backend: string | null;
  /** the request target the backend received */
  url: string | undefined;
  /** a WebSocket request opened (101) */
  upgraded: boolean;
  /** the HTTP status the client saw (101 for an opened WebSocket) */
  status: number;
  /** the request headers the backend received ({} when none did) */
  headers: Record<string, string | string[] | undefined>;
}

/** Sends each request to the nginx serving `live` (one at a time) and records its answer; `caFile` verifies TLS. */
export async function sendRequests(live: LiveCorpus, requests: CorpusRequest[], caFile: string): Promise<Answer[]> {
  const ca = readFileSync(caFile, "utf8");
  const answers: Answer[] = [];
  for (const request of requests) {
    const port = live.ports.get(request.port);
    if (port === undefined)
      throw new Error(`no server listens on port ${request.port} (ports: ${[...live.ports.keys()].join(", ")})`);
    const before = new Map([...live.backends].map(([name, b]) => [name, b.received().length]));
    const { status, upgraded } = request.websocket ? await openSocket(port, request, ca) : await get(port, request, ca);
    const hit = [...live.backends].find(([name, b]) => b.received().length > before.get(name)!);
    const received = hit?.[1].received().at(-1);
    answers.push({ backend: hit?.[0] ?? null, url: received?.url, upgraded, status, headers: received?.headers ?? {} });
  }
  return answers;
}

function get(port: number, request: CorpusRequest, ca: string): Promise<{ status: number; upgraded: boolean }> {
  return new Promise((resolve, reject) => {
    const options = {
      host: "127.0.0.1",
      port,
      path: request.path,
      agent: false as const,
      timeout: 5000,
      headers: { ...request.headers, host: request.host },
    };
    const req = request.tls ? httpsRequest({ ...options, ca, servername: request.host }, done) : httpRequest(options, done);
    function done(res: import("node:http").IncomingMessage) {
      res.resume();
      res.on("end", () => resolve({ status: res.statusCode ?? 0, upgraded: false }));
    }
    req.on("timeout", () => req.destroy(new Error(`GET ${request.path}: timeout`)));
    req.on("error", reject);
    req.end();
  });
}

function openSocket(port: number, request: CorpusRequest, ca: string): Promise<{ status: number; upgraded: boolean }> {
  return new Promise((resolve, reject) => {
    const url = `${request.tls ? "wss" : "ws"}://127.0.0.1:${port}${request.path}`;
    const socket = new WebSocket(url, request.protocol ? [request.protocol] : [], {
      handshakeTimeout: 5000,
      headers: { ...request.headers, host: request.host },
      ...(request.tls ? { ca, servername: request.host } : {}),
    });
    socket.once("open", () => {
      socket.close();
      resolve({ status: 101, upgraded: true });
    });
    socket.once("unexpected-response", (_req, res) => {
      socket.terminate();
      resolve({ status: res.statusCode ?? 0, upgraded: false });
    });
    socket.once("error", reject);
  });
}

/** Runs `text` as an http-context file in a real nginx of `build`; stop() it when done. */
export async function serve(build: NginxBuild, text: string): Promise<NginxServer> {
  return startNginx(build, { basePort: await freePort(), confFiles: { "served.conf": text } });
}

/**
 * The importer's wssgen.yaml for `live.text`, rendered by the real CLI for `build`'s version:
 * the nginx config and the importer's output (for messages). Throws with the CLI's stderr when
 * render fails.
 */
export async function importAndRender(
  importer: Importer,
  entry: CorpusEntry,
  live: LiveCorpus,
  build: NginxBuild,
): Promise<{ conf: string; yaml: string; report: ImportNote[] }> {
  const imported = importer(live.text, { file: `${entry.name}/nginx.conf` });
  if (entry.expect.review && !imported.data) throw new Error(`${entry.name}: a review needs the importer's data`);
  const yaml = entry.expect.review ? reviewed(entry, imported.data!).yaml : imported.yaml;
  const result = await runCli(["render", "-c", "-", "--nginx-version", formatVersion(build.version)], { input: yaml });
  if (result.exitCode !== 0)
    throw new Error(
      `wssgen render of the imported ${entry.name} exited ${result.exitCode}: ${result.stderr}\n--- yaml:\n${imported.yaml}`,
    );
  return { conf: result.stdout, yaml: imported.yaml, report: imported.report };
}

/** Whether `answer` is what `request` expects (expect.json): the backend, the target it received, the upgrade. */
export function expected(request: CorpusRequest, answer: Answer): boolean {
  const backends = [request.backend].flat();
  if (request.backend === null) return answer.backend === null;
  return (
    answer.backend !== null &&
    backends.includes(answer.backend) &&
    (request.url === undefined || answer.url === request.url) &&
    answer.upgraded === (request.websocket ?? false)
  );
}

/**
 * The original config in a real nginx of `build`: an http-context file in the test main config, or
 * an `nginx -T` dump as the main config it is (its files written where its markers say, under
 * `live.work`, plus temp paths in its conf.d).
 */
export async function serveOriginal(build: NginxBuild, live: LiveCorpus): Promise<{ stop(): void }> {
  if (!live.dump) return serve(build, live.text);
  const files = splitDump(live.text);
  for (const file of files) {
    if (!file.path.startsWith(`${live.work}/`)) throw new Error(`a dumped file outside the test directory: ${file.path}`);
    mkdirSync(dirname(file.path), { recursive: true });
    writeFileSync(file.path, file.text);
  }
  mkdirSync(join(live.work, "temp"));
  writeFileSync(
    join(live.work, "etc/conf.d/zz-test-temp.conf"),
    TEMP_PATHS.map((name) => `${name}_temp_path ${join(live.work, "temp", name)};`).join("\n") + "\n",
  );
  const main = files[0]!.path;
  const started = spawnSync(build.binary, ["-c", main], { encoding: "utf8" });
  if (started.status !== 0) throw new Error(`nginx did not start with the dump's main config: ${started.stderr}`);
  const pidFile = join(live.work, "nginx.pid");
  return {
    stop() {
      try {
        process.kill(Number.parseInt(readFileSync(pidFile, "utf8"), 10), "SIGTERM");
      } catch {
        // already gone
      }
    },
  };
}

/**
 * The answers to `entry`'s requests of a real nginx of `build` serving the original config, or,
 * with `textFor`, the http-context config it returns (e.g. the imported config rendered).
 */
export async function answersOf(
  build: NginxBuild,
  entry: CorpusEntry,
  certs: CertDir,
  textFor?: (live: LiveCorpus) => Promise<string>,
): Promise<Answer[]> {
  const live = await liveCorpus(entry, certs);
  try {
    const nginx = textFor ? await serve(build, await textFor(live)) : await serveOriginal(build, live);
    try {
      return await sendRequests(live, entry.expect.requests, certs.ca);
    } finally {
      nginx.stop();
    }
  } finally {
    await live.stop();
  }
}

/** The answers, one line each, for a message. */
export function showAnswers(answers: Answer[], entry: CorpusEntry): string {
  return answers
    .map((a, i) => {
      const request = entry.expect.requests[i]!;
      return `${request.websocket ? "WS " : "GET"} ${request.path} → ${a.backend ?? "nginx"} ${a.url ?? ""} ${a.status}`;
    })
    .join("\n");
}

/**
 * Serves `entry` as written and as `importer` imports it (rendered by the CLI), on `build`, and
 * lists every request the two answer differently: another backend (for a group in expect.json:
 * outside the group), another target, an upgrade in one and not the other. `message` shows both
 * sets of answers and the imported wssgen.yaml.
 */
export async function compareServes(
  build: NginxBuild,
  entry: CorpusEntry,
  certs: CertDir,
  importer: Importer,
): Promise<{ mismatches: string[]; message: string }> {
  const original = await answersOf(build, entry, certs);
  let yaml = "";
  const imported = await answersOf(build, entry, certs, async (live) => {
    const result = await importAndRender(importer, entry, live, build);
    yaml = result.yaml;
    return result.conf;
  });
  const mismatches: string[] = [];
  entry.expect.requests.forEach((request, i) => {
    const [a, b] = [original[i]!, imported[i]!];
    const group = Array.isArray(request.backend);
    const sameBackend = group ? b.backend !== null && request.backend!.includes(b.backend) : a.backend === b.backend;
    const notFixed = request.fixes ? unfixed(request.fixes, b.headers) : [];
    if (notFixed.length) mismatches.push(`${request.path}: not fixed in the imported config: ${notFixed.join("; ")}`);
    if (!sameBackend || a.url !== b.url || a.upgraded !== b.upgraded)
      mismatches.push(
        `${request.path}: original ${a.backend ?? "nginx"} ${a.url ?? ""} ${a.status}, imported ${b.backend ?? "nginx"} ${b.url ?? ""} ${b.status}`,
      );
  });
  mismatches.push(
    ...unsticky(
      entry.expect.requests,
      imported.map((a) => a.backend),
    ).map((m) => `imported config lost stickiness: ${m}`),
  );
  const message = `original:\n${showAnswers(original, entry)}\nimported:\n${showAnswers(imported, entry)}\n--- wssgen.yaml:\n${yaml}`;
  return { mismatches, message };
}

/** Where the importer lives (branch i12-import, issue 12). */

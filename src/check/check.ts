/**
 * `wssgen check`, the CI step: schema → lint rules → render → `nginx -t` of the output in a throwaway
 * sandbox (never the live config), with nginx's complaints mapped back to wssgen.yaml.
 */
import { writeFileSync } from "node:fs";
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { loadConfig, type LoadOptions } from "../config/load.js";
import type { WssgenConfig } from "../config/model.js";
import { parsePath, type KeyPath } from "../config/path.js";
import { ConfigError, EnvironmentError } from "../errors.js";
import { lintByRule, type FileRead, type Finding } from "../lint/index.js";
import { createNginx, notFoundMessage, type Nginx, type NginxMessage } from "../nginx/nginx.js";
import { newSandboxDir, withSandbox } from "./sandbox.js";
import { renderChunks, renderMapped } from "../render/render.js";
import { explainDefaultServerClaim, outputLocator, showNginxText } from "./errors-map.js";
import { conflictingDefaultServers } from "./default-server.js";
import { fromVariables, namesAll } from "../config/provenance.js";
import { describeFsError } from "../util/fs-errors.js";
import { eventLoopCheckpoint } from "../util/interrupt.js";
import { showValue } from "../util/show.js";
import { compareVersions, featuresFor, formatVersion, parseVersion } from "../nginx-version/version.js";
import { selfSignedCertificate } from "../tls/self-signed.js";
import { resolveNginxBuild } from "../nginx/nginx-build.js";
import type { ConfigSource } from "../config/source.js";
import { readMainConfig } from "./main-config.js";
import { assertVersionGates } from "../config/version-gates.js";
import {
  foreignListenHosts,
  freePort,
  missingCertificates,
  missingUpstreamTlsFiles,
  privilegedPorts,
  systemResolver,
  unprivilegedPortStart,
  unresolvedHosts,
  withStandIns,
  type Resolver,
} from "./stubs.js";
import { resumed } from "../util/iterate.js";

export type NginxMode = "auto" | "require" | "skip";

export interface CheckOptions extends LoadOptions {
  nginxMode?: NginxMode;
  stubCerts?: boolean;
  stubHosts?: boolean;
  strict?: boolean;
  nginxVersion?: string | undefined;
  /** how to reach nginx.binary (unit tests pass a fake runner) */
  createNginx?: (binary: string) => Nginx;
  resolveHost?: Resolver;
  now?: Date;
}

export interface LocatedFinding extends Finding {
  file: string;
  line: number;
  column: number;
}

export interface CheckResult {
  file: string;
  /** the nginx version the output was rendered for */
  nginxVersion: string | undefined;
  nginx: {
    status: "passed" | "failed" | "skipped" | "unavailable";
    binary: string;
    version?: string | undefined;
    argv?: readonly string[] | undefined;
    /** when nginx was not found: the directories a bare `nginx.binary` was looked for in */
    searched?: readonly string[] | undefined;
  };
  findings: LocatedFinding[];
  summary: { errors: number; warnings: number; infos: number };
  /** 0 clean, 1 errors (or warnings with --strict) */
  exitCode: 0 | 1;
}

const NGINX_FILE = "wssgen.conf";

export async function check(options: CheckOptions): Promise<CheckResult> {
  const mode = options.nginxMode ?? "auto";
  let loaded: Awaited<ReturnType<typeof loadConfig>>;
  try {
    loaded = await loadConfig(options);
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    return configErrorResult(error, options.strict);
  }
  const { config, source } = loaded;
  const nginx = (options.createNginx ?? createNginx)(config.nginx.binary);
  // no finding prints a value from the environment: a CI log is public (see provenance.ts)
  const located = (f: Finding): LocatedFinding => ({
    ...f,
    message: config.provenance ? config.provenance.finding(f.path, f.message) : f.message,
    file: source.file,
    // findings about the environment (nginx.binary, nginx.mainConfig) or the whole file
    ...(f.path.length === 0 || f.path[0] === "nginx" ? locateSetting(source, f.path) : source.locate(f.path)),
  });

  const detected = mode === "skip" ? undefined : await nginx.version();
  if (!detected && mode === "require") {
    const error = new EnvironmentError(
      notFoundMessage(nginx.location, "install nginx, set nginx.binary to its path, or use --nginx auto|skip"),
    );
    // nginx.binary may come from ${VAR}
    throw config.provenance ? error.redactWith((text) => config.provenance!.redact(text)) : error;
  }
  const build = await resolveNginxBuild(config, options.nginxVersion, detected ? nginx : undefined);
  try {
    assertVersionGates(config, source, build);
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    return configErrorResult(error, options.strict, {
      nginxVersion: formatVersion(build.version),
      binary: nginx.binary,
      rule: "nginx-version",
    });
  }
  const features = featuresFor(build.version, build.openssl);

  const files = await readRuleFiles(config);
  const stubSites = options.stubCerts ? missingCertificates(config, files) : [];
  const stubUpstreams = options.stubCerts ? missingUpstreamTlsFiles(config, files) : [];
  const stubbed = new Set([
    ...stubSites.flatMap((i) => [config.sites[i]!.tls!.certificate, config.sites[i]!.tls!.key]),
    ...stubUpstreams.flatMap(({ upstream, ca, clientCertificate }) => {
      const tls = config.upstreams[upstream]!.tls!;
      return [...(ca ? [tls.ca] : []), ...(clientCertificate ? [tls.certificate!, tls.key!] : [])];
    }),
  ]);
  // Lint, with what it reads of nginx's real config, and the stand-ins' notes: found while nginx -t
  // runs when it runs (a process of its own, on another core), reaching the event loop between rules
  // (a signal then removes the sandbox at once); the same findings, in the same order, either way.
  const localFindings = async (): Promise<Finding[]> => {
    const mainConfig = await readMainConfig(config.nginx.mainConfig, options.cwd);
    const findings: Finding[] = [];
    const checkpoint = eventLoopCheckpoint();
    const context = { config, features, nginxVersion: build.version, files, mainConfig, stubbed, now: options.now ?? new Date() };
    for (const part of lintByRule(context)) {
      for (const finding of part) findings.push(finding);
      await checkpoint();
    }
    for (const i of stubSites)
      findings.push({
        rule: "stub-certs",
        severity: "info",
        path: [...config.sites[i]!.at, "tls", "certificate"],
        message: `${showValue(config.sites[i]!.tls!.certificate)} or its key does not exist here; nginx -t used a throwaway self-signed certificate in its place`,
      });
    for (const { upstream, ca, clientCertificate } of stubUpstreams) {
      const { tls, at } = config.upstreams[upstream]!;
      if (ca)
        findings.push({
          rule: "stub-certs",
          severity: "info",
          path: [...at, "tls", "ca"],
          message: `${showValue(tls!.ca)} does not exist here; nginx -t used a throwaway CA certificate in its place`,
        });
      if (clientCertificate)
        findings.push({
          rule: "stub-certs",
          severity: "info",
          path: [...at, "tls", "certificate"],
          message: `${showValue(tls!.certificate!)} or its key does not exist here; nginx -t used a throwaway self-signed certificate in its place`,
        });
    }

    // the sandbox holds only wssgen's file: another site's default_server shows only in the real config
    // (a warning: it is this machine's config, which a CI runner's may not be; apply fails on it)
    for (const claim of await conflictingDefaultServers(config, options.cwd))
      findings.push({
        rule: "nginx",
        severity: "warning",
        path: ["defaultServer"],
        message: `nginx -t of ${config.nginx.mainConfig} will fail with "a duplicate default server for ${claim.addresses[0]!}": ${explainDefaultServerClaim(claim)}`,
      });
    return findings;
  };

  if (mode === "skip" || !detected) {
    const findings = await localFindings();
    if (!detected && mode === "auto")
      findings.push({
        rule: "nginx",
        severity: "info",
        path: ["nginx", "binary"],
        message: `nginx -t was not run: ${notFoundMessage(nginx.location, "install nginx, set nginx.binary to its path, or pass --nginx require to make this an error")}`,
      });
    const status = mode === "skip" ? "skipped" : "unavailable";
    return finish(
      source.file,
      formatVersion(build.version),
      { status, binary: nginx.binary, ...(detected ? {} : { searched: nginx.location.searched }) },
      findings.map(located),
      options.strict,
    );
  }

  // the stand-ins' notes, and nginx's findings: after the local findings (see below)
  const tested: Finding[] = [];
  const hostStubs = options.stubHosts ? await unresolvedHosts(config, options.resolveHost ?? systemResolver) : [];
  for (const stub of hostStubs)
    tested.push({
      rule: "stub-hosts",
      severity: "info",
      path: stub.path,
      message: `${showValue(stub.address)} does not resolve here; nginx -t used ${stub.replacement} in its place`,
    });

  const portStubs = privilegedPorts(config, await unprivilegedPortStart());
  const ports = new Map<number, number>();
  for (const stub of portStubs) {
    const port = await freePort();
    ports.set(stub.port, port);
    tested.push({
      rule: "stub-ports",
      severity: "info",
      path: stub.path,
      message: `port ${stub.port} needs root to bind, and nginx -t binds it; tested on port ${port} instead`,
    });
  }

  const foreign = foreignListenHosts(config);
  for (const stub of foreign)
    tested.push({
      rule: "stub-listen",
      severity: "info",
      path: stub.path,
      message: `${showValue(stub.host)} is not an address of this machine, and nginx -t binds it; tested on ${stub.replacement} instead`,
    });
  const listenHosts = new Map(foreign.map((f) => [f.host, f.replacement]));

  // The stand-ins and the view of the output (the longest stretch of synchronous work: a second for
  // 10,000 sites) are made before the sandbox exists, at the path it will have: a signal meanwhile
  // finds nothing to clean up and ends check at once. While the sandbox exists, the rest of the render
  // is written into it, then nginx -t (a child process) runs and the local findings are made, all in
  // pieces that reach the event loop every few ms.
  const sandboxDir = newSandboxDir();
  const inSandbox = (name: string) => join(sandboxDir, name);
  const certs = new Map<number, { certificate: string; key: string }>();
  const stubFiles: { path: string; data: string; mode: number }[] = [];
  // one stand-in per missing certificate/key pair (100,000 sites usually share a handful)
  const byPair = new Map<string, { certificate: string; key: string }>();
  for (const i of stubSites) {
    const tls = config.sites[i]!.tls!;
    const pairKey = `${tls.certificate}\0${tls.key}`;
    let stub = byPair.get(pairKey);
    if (!stub) {
      const pair = selfSignedCertificate(config.sites[i]!.domains);
      stub = { certificate: inSandbox(`stub-${byPair.size}.crt`), key: inSandbox(`stub-${byPair.size}.key`) };
      stubFiles.push(
        { path: stub.certificate, data: pair.certificate, mode: 0o644 },
        { path: stub.key, data: pair.key, mode: 0o600 },
      );
      byPair.set(pairKey, stub);
    }
    certs.set(i, stub);
  }
  // upstreams' stand-ins: one CA file and one client certificate serve them all
  const upstreamFiles = new Map<number, { ca?: string; certificate?: string; key?: string }>();
  if (stubUpstreams.length) {
    const ca = selfSignedCertificate(["wssgen-stub-ca"]);
    const client = selfSignedCertificate(["wssgen-stub-client"]);
    const files = {
      ca: inSandbox("stub-upstream-ca.crt"),
      certificate: inSandbox("stub-client.crt"),
      key: inSandbox("stub-client.key"),
    };
    stubFiles.push(
      { path: files.ca, data: ca.certificate, mode: 0o644 },
      { path: files.certificate, data: client.certificate, mode: 0o644 },
      { path: files.key, data: client.key, mode: 0o600 },
    );
    for (const stub of stubUpstreams)
      upstreamFiles.set(stub.upstream, {
        ...(stub.ca ? { ca: files.ca } : {}),
        ...(stub.clientCertificate ? { certificate: files.certificate, key: files.key } : {}),
      });
  }
  const standIns = withStandIns(config, certs, hostStubs, ports, listenHosts, upstreamFiles);
  const pieces = renderChunks(standIns, build)[Symbol.iterator]();
  const first = pieces.next();
  const result = await withSandbox(
    { [NGINX_FILE]: resumed(first, pieces) },
    async (sandbox) => {
      for (const file of stubFiles) writeFileSync(file.path, file.data, { mode: file.mode });
      let started = () => {};
      const spawned = new Promise<void>((resolve) => (started = resolve));
      const testing = nginx.test({ config: sandbox.mainConfig, prefix: sandbox.dir, onSpawn: started });
      // once nginx runs (or, with a runner that does not say when it starts, once it is done)
      const local = Promise.race([spawned, testing.then(noop, noop)]).then(localFindings);
      // nginx -t is waited for even when the local findings fail: the sandbox stays until it ends
      const [test, found] = await Promise.allSettled([testing, local]);
      if (found.status === "rejected") throw found.reason;
      if (test.status === "rejected") throw test.reason;
      return { test: test.value, local: found.value, sandboxFile: sandbox.path(NGINX_FILE) };
    },
    { dir: sandboxDir },
  );
  const findings = [...result.local, ...tested];

  const messages = [...result.test.errors, ...result.test.warnings];
  // the source map only when nginx has something to say (the same text again, with each line's key)
  const locate = messages.length ? outputLocator(renderMapped(standIns, build), result.sandboxFile) : () => undefined;
  const hint = hostStubs.length || options.stubHosts ? "" : " (in CI without DNS, pass --stub-hosts)";
  for (const message of messages)
    findings.push(nginxFinding(message, locate(message) ?? [], /host not found/.test(message.text) ? hint : ""));
  // CI's nginx is often older than the servers' (nginx.version): its nginx -t refuses what it does not know
  const testedVersion = parseVersion(detected.version);
  if (!result.test.ok && testedVersion && compareVersions(testedVersion, build.version) < 0)
    findings.push({
      rule: "nginx",
      severity: "info",
      path: ["nginx", "binary"],
      message: `nginx -t ran with nginx ${detected.version}, older than the nginx ${formatVersion(build.version)} this file is rendered for, and it may refuse directives that only newer versions have: run check with nginx ${formatVersion(build.version)} or later (set nginx.binary to it, or run check in your servers' nginx image)`,
    });
  if (!result.test.ok && result.test.errors.length === 0)
    findings.push({
      rule: "nginx",
      severity: "error",
      path: [],
      message: `nginx -t failed: ${
        showNginxText(result.test.stderr.trim().split("\n").pop() ?? "") ||
        `it printed nothing and ${result.test.exitCode === undefined ? "was ended by a signal" : `exited ${result.test.exitCode}`}`
      }`,
    });
  return finish(
    source.file,
    formatVersion(build.version),
    { status: result.test.ok ? "passed" : "failed", binary: nginx.binary, version: detected.version, argv: result.test.argv },
    findings.map(located),
    options.strict,
  );
}

/**
 * A config the CLI refuses (schema, cross-field rules, version gates): its problems as findings;
 * nginx -t is not run. `known`, once the config was read: the version rendered for, nginx.binary,
 * and the findings' rule ("nginx-version" for a version gate; "schema" otherwise).
 */
function configErrorResult(
  error: ConfigError,
  strict: boolean | undefined,
  known: { nginxVersion: string; binary: string; rule: string } | undefined = undefined,
): CheckResult {
  const findings = error.problems.map((p) => ({
    rule: known?.rule ?? "schema",
    severity: "error" as const,
    // the message is already safe (see parseConfig); name the variables where the path alone did
    message: p.from?.length && !namesAll(p.message, p.from) ? `${p.message} ${fromVariables(p.from)}` : p.message,
    path: p.keyPath ?? parsePath(p.path) ?? [],
    file: p.file,
    line: p.line,
    column: p.column,
  }));
  return finish(
    error.problems[0]?.file ?? "wssgen.yaml",
    known?.nginxVersion,
    { status: "skipped", binary: known?.binary ?? "nginx" },
    findings,
    strict,
  );
}

/**
 * Where a finding about a setting (or about the whole file, path []) is shown: the key when the
 * file has it, else the nearest enclosing key that it has (where the setting would be added), else
 * the top of the file; never the first line of some unrelated sibling.
 */
function locateSetting(source: ConfigSource, path: KeyPath): { line: number; column: number } {
  for (let depth = path.length; depth > 0; depth--) {
    const prefix = path.slice(0, depth);
    if (typeof prefix[depth - 1] !== "string") return source.locate(prefix);
    // a key the file has starts before its value; an absent one locates both at the same ancestor
    const key = source.locate(prefix, { key: true });
    const value = source.locate(prefix);
    if (key.line !== value.line || key.column !== value.column) return depth === path.length ? value : key;
  }
  return { line: 1, column: 1 };
}

const noop = () => {};

function nginxFinding(message: NginxMessage, path: KeyPath, hint: string): Finding {
  return {
    rule: "nginx",
    severity: message.level === "warn" ? "warning" : "error",
    path,
    message: `nginx -t: ${showNginxText(message.text)}${hint}`,
  };
}

function finish(
  file: string,
  nginxVersion: string | undefined,
  nginx: CheckResult["nginx"],
  findings: LocatedFinding[],
  strict = false,
): CheckResult {
  const sorted = [...findings].sort((a, b) => a.line - b.line || a.column - b.column);
  const summary = {
    errors: sorted.filter((f) => f.severity === "error").length,
    warnings: sorted.filter((f) => f.severity === "warning").length,
    infos: sorted.filter((f) => f.severity === "info").length,
  };
  const failed = summary.errors > 0 || (strict && summary.warnings > 0);
  return { file, nginxVersion, nginx, findings: sorted, summary, exitCode: failed ? 1 : 0 };
}

/**
 * The files lint rules inspect: the certificate files nginx loads at start (sites' certificates and
 * keys, upstreams' CA file when they verify, and their client certificate and key), and basic auth's
 * user files, which nginx reads per request, so `nginx -t` reads none of them.
 */
async function readRuleFiles(config: WssgenConfig): Promise<Map<string, FileRead>> {
  const paths = [
    ...new Set([
      ...config.sites.flatMap((site) => [
        ...(site.tls ? [site.tls.certificate, site.tls.key] : []),
        ...site.routes.flatMap((route) => (route.access?.basicAuth ? [route.access.basicAuth.userFile] : [])),
      ]),
      ...config.upstreams.flatMap(({ tls }) =>
        tls
          ? [
              ...(tls.verify ? [tls.ca] : []),
              ...(tls.certificate === undefined ? [] : [tls.certificate]),
              ...(tls.key === undefined ? [] : [tls.key]),
            ]
          : [],
      ),
    ]),
  ];
  const entries = await Promise.all(
    paths.map(async (path): Promise<[string, FileRead]> => {
      try {
        return [path, { data: await readFile(path) }];
      } catch (error) {
        return [path, { error: describeFsError(error, "read") }];
      }
    }),
  );
  return new Map(entries);
}

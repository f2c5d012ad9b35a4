/**
 * wssgen as a library: what each CLI command does, as functions that return data and never print,
 * exit or read argv (the CLI, src/cli.ts, does that):
 * - `loadConfig` / `parseConfig`: wssgen.yaml → the typed model (`WssgenConfig`), or a ConfigError;
 *   `allowDirectives: false` (in LoadOptions, so also for `check`, `apply`, `renderCommand`,
 *   `diffCommand`; ParseOptions for `parseConfig`) refuses raw nginx `directives`, for configs built
 *   from others' input (docs/directives.md);
 * - `render` / `renderChunks`: the model → nginx config for one nginx build (`resolveNginxBuild` picks
 *   it as the CLI does); `renderCommand`: `wssgen render` whole (-o, --check). `render` renders
 *   what it is given: call `versionProblems` first (the CLI does) for keys the build is too old for;
 *   e.g. `defaultServer: reject` with a TLS site needs nginx 1.19.4;
 * - `lint`: the model → findings; `check`: `wssgen check` (lint, render, `nginx -t` in a sandbox);
 * - `apply`: `wssgen apply` (write, `nginx -T`, reload, verify, roll back), progress through `onStep`;
 *   `diffCommand`: `wssgen diff`;
 * - `probe`: `wssgen probe`, a real WebSocket handshake;
 * - `initCommand` / `initText`, `jsonSchema` / `schemaCommand`: `wssgen init` and `wssgen schema`;
 * - the pieces they are built from: nginx versions and features, the nginx adapter and its runner,
 *   the sandbox `check` runs `nginx -t` in, `quote`, and the error classes with their exit codes.
 * No side effects on import. Its declarations need nothing but TypeScript's own lib
 * (test/package/package.test.ts type-checks them in an empty project): no zod, chalk, commander or
 * @types/node.
 */
export {
  loadConfig,
  parseConfig,
  findConfig,
  CONFIG_NAMES,
  type LoadOptions,
  type LoadedConfig,
  type ParseOptions,
} from "./config/load.js";
export type * from "./config/model.js";
// plain TypeScript, derived from the zod schema: the published declarations need no zod
export type { RawConfig } from "./config/raw-config.gen.js";
export { formatPath, type KeyPath } from "./config/path.js";
export { render, renderChunks, renderView, type RenderOptions } from "./render/render.js";
export { versionProblems, VERSION_GATES, type VersionGate, type VersionProblem } from "./config/version-gates.js";
export {
  featuresFor,
  parseVersion,
  formatVersion,
  type Features,
  type NginxBuild,
  type Version,
} from "./nginx-version/version.js";
export { quote } from "./render/quote.js";
export { lint, rules, type Finding, type Rule, type Severity } from "./lint/index.js";
export { createNginx, parseMessages, parseVersionOutput, type Nginx, type NginxTestResult } from "./nginx/nginx.js";
export { execaRunner, type Runner, type RunResult } from "./nginx/runner.js";
export { resolveNginxBuild, type ResolvedNginxBuild } from "./nginx/nginx-build.js";
export { withSandbox, sandboxMainConfig, type Sandbox } from "./check/sandbox.js";
export { check, type CheckOptions, type CheckResult, type LocatedFinding, type NginxMode } from "./check/check.js";
export { apply, type ApplyResult } from "./deploy/apply.js";
export type { AwaitingCertificate } from "./deploy/certificates.js";
export type { ApplyOptions } from "./deploy/options.js";
export { probe, type AnsweredBy, type ProbeOptions, type ProbeResult } from "./probe/probe.js";
export type { ProbeConfig, UpstreamTlsReport } from "./probe/upstream-tls.js";
export { renderCommand, type RenderCommandOptions, type RenderCommandResult } from "./commands/render.js";
export { diffCommand, type DiffCommandOptions, type DiffCommandResult } from "./commands/diff.js";
export { initCommand, initText, type InitOptions } from "./commands/init.js";
export { jsonSchema, schemaCommand } from "./commands/schema.js";
export { importNginx, type ImportKind, type ImportNote, type ImportResult } from "./import/import.js";
export { ImportSyntaxError } from "./import/sections.js";
export { importCommand, formatImportReport, type ImportOptions, type ImportCommandResult } from "./commands/import.js";
export {
  ExitCode,
  WssgenError,
  ConfigError,
  UsageError,
  EnvironmentError,
  DriftError,
  DeployError,
  isKnownError,
  formatProblem,
  type ConfigProblem,
  type SourceLocation,
} from "./errors.js";

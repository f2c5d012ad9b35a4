/**
 * wssgen as a library: the same capabilities as the CLI, with types, and no side effects on import.
 * Its declarations need nothing but TypeScript's own lib (test/package/package.test.ts type-checks
 * them in an empty project): no zod, chalk, commander or @types/node.
 */
export { loadConfig, parseConfig, findConfig, CONFIG_NAMES, type LoadOptions, type LoadedConfig } from "./config/load.js";
export type * from "./config/model.js";
// plain TypeScript, derived from the zod schema: the published declarations need no zod
export type { RawConfig } from "./config/raw-config.gen.js";
export { formatPath, type KeyPath } from "./config/path.js";
export { render, renderChunks, renderView, type RenderOptions } from "./render/render.js";
export { featuresFor, parseVersion, formatVersion, type Features, type NginxBuild, type Version } from "./render/version.js";
export { quote } from "./render/quote.js";
export { lint, rules, type Finding, type Rule, type Severity } from "./lint/index.js";
export { createNginx, parseMessages, parseVersionOutput, type Nginx, type NginxTestResult } from "./nginx/nginx.js";
export { execaRunner, type Runner, type RunResult } from "./nginx/runner.js";
export { withSandbox, sandboxMainConfig, type Sandbox } from "./nginx/sandbox.js";
export { renderCommand, type RenderCommandOptions, type RenderCommandResult } from "./commands/render.js";
export { resolveNginxBuild, type ResolvedNginxBuild } from "./commands/nginx-build.js";
export { initCommand, initText, type InitOptions } from "./commands/init.js";
export { jsonSchema, schemaCommand } from "./commands/schema.js";
export {
  ExitCode,
  WssgenError,
  ConfigError,
  UsageError,
  EnvironmentError,
  NginxError,
  DriftError,
  isKnownError,
  formatProblem,
  type ConfigProblem,
  type SourceLocation,
} from "./errors.js";

/** `wssgen render`: config → nginx config on stdout, to a file (-o), or compared with a file (--check). */
import { readFile } from "node:fs/promises";
import { resolve } from "node:path";
import { loadConfig, type LoadedConfig, type LoadOptions } from "../config/load.js";
import { forOutputFile } from "../config/normalize.js";
import { assertVersionGates } from "../config/version-gates.js";
import type { ConfigSource } from "../config/source.js";
import { ConfigError, DriftError, UsageError } from "../errors.js";
import { problemAt, withPositionsOnDemand } from "../config/source.js";
import { readLimits } from "../config/limits.js";
import { lint, type Finding } from "../lint/index.js";
import { createNginx, type Nginx } from "../nginx/nginx.js";
import { render, renderChunks } from "../render/render.js";
import { featuresFor } from "../nginx-version/version.js";
import { yieldingChunks } from "../util/interrupt.js";
import { writeUserFile } from "../util/write-file.js";
import { describeFsError } from "../util/fs-errors.js";
import { showValue } from "../util/show.js";
import { resolveNginxBuild, type ResolvedNginxBuild } from "../nginx/nginx-build.js";
import { resumed } from "../util/iterate.js";

export interface RenderCommandOptions extends LoadOptions {
  output?: string | undefined;
  nginxVersion?: string | undefined;
  full?: boolean | undefined;
  check?: string | undefined;
  /** how to reach nginx.binary to detect the version to render for when neither the flag nor the config sets it */
  createNginx?: ((binary: string) => Nginx) | undefined;
}

export interface RenderCommandResult {
  /** the output, in pieces (a 100,000-site config is hundreds of megabytes: never hold it twice) */
  chunks: () => Iterable<string>;
  build: ResolvedNginxBuild;
  findings: Finding[];
  source: ConfigSource;
  /** what happened besides printing: written to a file, or checked against one */
  outcome: { kind: "stdout" } | { kind: "written"; file: string } | { kind: "up-to-date"; file: string };
}

export async function renderCommand(options: RenderCommandOptions): Promise<RenderCommandResult> {
  if (options.output !== undefined && options.check !== undefined) throw new UsageError("--check and -o cannot be used together");
  // (`let`: the source is replaced by a lighter one before rendering, see below)
  let { config, source } = withoutData(await loadConfig({ ...options, keepData: false }));
  // the namespace follows the file the output goes to, unless the config sets one
  const outputFile = options.output ?? options.check;
  if (outputFile !== undefined) config = forOutputFile(config, outputFile);
  const detect = options.nginxVersion === undefined && config.nginx.version === undefined;
  const build = await resolveNginxBuild(
    config,
    options.nginxVersion,
    detect ? (options.createNginx ?? createNginx)(config.nginx.binary) : undefined,
  );
  assertVersionGates(config, source, build);
  const chunks = () => (options.full ? [render(config, build, { full: true })] : renderChunks(config, build));
  // render mentions what needs attention; `check` lists everything, infos included
  const findings = lint({ config, features: featuresFor(build.version, build.openssl), nginxVersion: build.version }).filter(
    (f) => f.severity !== "info",
  );
  // a rule the config made an error stops the render, as it stops `check`
  const errors = findings.filter((f) => f.severity === "error");
  if (errors.length) throw new ConfigError(errors.map((f) => problemAt(source, f.path, `${f.message} [${f.rule}]`)));
  // the findings are placed now; the rest of the parse's positions go before rendering
  source = withPositionsOnDemand(
    source,
    readLimits(options.env ?? process.env),
    findings.map((f) => f.path),
  );
  // A large config runs with --expose-gc (src/launch/): the parse's positions (~120 MB at 100,000
  // sites) died just now, and a full collection here, before rendering allocates, keeps the heap from
  // growing past them while concurrent marking catches up (the peak at 100,000 sites, under load).
  (globalThis as { gc?: () => void }).gc?.();
  const cwd = options.cwd ?? process.cwd();
  if (options.check !== undefined) {
    const current = await readFile(resolve(cwd, options.check), "utf8").catch((error: NodeJS.ErrnoException) => {
      if (error.code === "ENOENT")
        throw new DriftError(`${options.check}: does not exist; run \`wssgen render -o ${options.check}\``);
      throw new UsageError(`cannot read ${options.check}: ${describeFsError(error, "read")}`);
    });
    const text = [...chunks()].join("");
    if (current !== text) {
      const drift = describeDrift(options.check, current, text, options.config);
      throw new DriftError(config.provenance?.redact(drift) ?? drift);
    }
    return { chunks, build, findings, source, outcome: { kind: "up-to-date", file: options.check } };
  }
  if (options.output !== undefined) {
    // The first piece (building the view: the longest stretch of synchronous work) is made before
    // the temp file exists; the rest reaches the event loop every few ms, so Ctrl-C or SIGTERM
    // removes the temp file within milliseconds rather than after the whole render.
    const pieces = chunks()[Symbol.iterator]();
    const first = pieces.next();
    await writeUserFile(resolve(cwd, options.output), yieldingChunks(resumed(first, pieces)));
    return { chunks, build, findings, source, outcome: { kind: "written", file: options.output } };
  }
  return { chunks, build, findings, source, outcome: { kind: "stdout" } };
}

/**
 * The loaded config with its source's parsed data let go: past validation, rendering uses the
 * config, and the source only for its name, text and positions. (At 100,000 sites the data that
 * js-yaml built is ~130 MB of live heap, which would otherwise stay referenced through the render.)
 */
function withoutData(loaded: LoadedConfig): LoadedConfig {
  return { config: loaded.config, source: { ...loaded.source, data: undefined } };
}

/** The longest line a drift message shows whole. */
const LINE_MAX = 200;

function describeDrift(file: string, current: string, expected: string, config: string | undefined): string {
  const a = current.split("\n");
  const b = expected.split("\n");
  let line = 0;
  while (line < a.length && line < b.length && a[line] === b[line]) line++;
  // lines of a file: shown escaped and cut, like any value (the caller redacts values from the environment)
  const found = a[line] === undefined ? "end of file" : showValue(a[line], LINE_MAX);
  const wanted = b[line] === undefined ? "end of file" : showValue(b[line], LINE_MAX);
  return `${file}:${line + 1}: differs from what wssgen would render (found ${found}, expected ${wanted}); run \`wssgen render${config === undefined ? "" : ` -c ${config}`} -o ${file}\` and commit it`;
}

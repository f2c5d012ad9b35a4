/**
 * `wssgen import [FILE|-]`: an existing nginx config (a file, or `nginx -T` on stdin) as a
 * wssgen.yaml, with a report of what became of each directive (src/import/import.ts). The result is
 * validated as `check` would read it; a result that does not validate is still written (it is a
 * draft to review) and the command exits 1.
 */
import { existsSync } from "node:fs";
import { readFile } from "node:fs/promises";
import { resolve } from "node:path";
import { parseConfig } from "../config/load.js";
import { ConfigError, UsageError, type ConfigProblem } from "../errors.js";
import { importNginx, type ImportNote } from "../import/import.js";
import { ImportSyntaxError } from "../import/sections.js";
import { describeFsError } from "../util/fs-errors.js";
import { escapeText, toJson } from "../util/show.js";
import { writeUserFile } from "../util/write-file.js";

export interface ImportOptions {
  /** the nginx config to read; "-" (the default) is standard input */
  input?: string | undefined;
  /** where to write wssgen.yaml; undefined: the caller prints `yaml` */
  output?: string | undefined;
  force?: boolean | undefined;
  /** where to write the report (text or JSON, by `format`) instead of the usual stream */
  report?: string | undefined;
  format?: "text" | "json" | undefined;
  cwd?: string | undefined;
  /** standard input's text, when input is "-" (the CLI reads it; tests pass it) */
  stdin?: () => Promise<string>;
}

export interface ImportCommandResult {
  yaml: string;
  report: ImportNote[];
  /** the result's problems as `check` would print them; empty when it validates */
  problems: ConfigProblem[];
  /** how many report notes need review before a deploy (ImportNote.review) */
  toReview: number;
  /** the files written, as given */
  wrote: { config?: string; report?: string };
  /** 1 when the result does not validate or has notes to review */
  exitCode: 0 | 1;
}

/** The largest input read: far above any hand-written config (and nginx -T of a big host). */
const MAX_INPUT = 16 * 1024 * 1024;

/**
 * Runs the import. Throws UsageError (exit 2) for an output that exists without `force`, an input
 * that cannot be read or is too large; ConfigError (exit 1) for input nginx would refuse.
 */
export async function importCommand(options: ImportOptions): Promise<ImportCommandResult> {
  const cwd = options.cwd ?? process.cwd();
  const input = options.input ?? "-";
  const name = input === "-" ? "<stdin>" : input;
  if (
    options.output !== undefined &&
    options.report !== undefined &&
    resolve(cwd, options.output) === resolve(cwd, options.report)
  )
    throw new UsageError(
      `-o and --report name one file (${escapeText(options.output)}): the report would replace the config; give two`,
    );
  for (const [flag, file] of [
    ["-o", options.output],
    ["--report", options.report],
  ] as const)
    if (file !== undefined && existsSync(resolve(cwd, file)) && !options.force)
      throw new UsageError(`${flag} ${escapeText(file)} already exists; pass --force to overwrite it`);
  let text: string;
  try {
    text = input === "-" ? await (options.stdin ?? readStdin)() : await readFile(resolve(cwd, input), "utf8");
  } catch (error) {
    if (error instanceof UsageError) throw error;
    throw new UsageError(`cannot read ${escapeText(name)}: ${describeFsError(error, "read")}`);
  }
  if (Buffer.byteLength(text) > MAX_INPUT) throw tooLarge(name);
  let result;
  try {
    result = importNginx(text, { file: name });
  } catch (error) {
    if (!(error instanceof ImportSyntaxError)) throw error;
    throw new ConfigError([
      {
        file: error.file,
        line: error.line,
        column: 1,
        path: "",
        message: `nginx would not read this config (${error.message}): fix it there (nginx -t says the same), then import again`,
      },
    ]);
  }
  const configName = options.output ?? "wssgen.yaml";
  let problems: ConfigProblem[] = [];
  try {
    parseConfig(configName, result.yaml, {});
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    problems = error.problems;
  }
  const wrote: ImportCommandResult["wrote"] = {};
  if (options.output !== undefined) {
    await writeUserFile(resolve(cwd, options.output), result.yaml, { mode: 0o644 });
    wrote.config = options.output;
  }
  if (options.report !== undefined) {
    await writeUserFile(resolve(cwd, options.report), formatImportReport(result.report, options.format ?? "text"), {
      mode: 0o644,
    });
    wrote.report = options.report;
  }
  const toReview = result.report.filter((n) => n.review).length;
  return { yaml: result.yaml, report: result.report, problems, toReview, wrote, exitCode: problems.length || toReview ? 1 : 0 };
}

const tooLarge = (name: string) =>
  new UsageError(`${escapeText(name)} is larger than 16 MiB; import one file, or the output of nginx -T`);

async function readStdin(): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of process.stdin) {
    const buffer = chunk as Buffer;
    size += buffer.length;
    if (size > MAX_INPUT) throw tooLarge("<stdin>");
    chunks.push(buffer);
  }
  return Buffer.concat(chunks).toString("utf8");
}

/** The report as text (`file:line directive: kind, why`, one line each) or as a JSON array. */
export function formatImportReport(report: ImportNote[], format: "text" | "json"): string {
  if (format === "json") return toJson(report);
  return report
    .map((n) => `${escapeText(n.file)}:${n.line} ${escapeText(n.directive)}: ${n.kind}${n.review ? " (REVIEW)" : ""}, ${n.why}\n`)
    .join("");
}

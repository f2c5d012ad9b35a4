/**
 * The CLI edge: commander wiring, output and exit codes. The only module that reads argv, prints, or
 * sets process.exitCode; each command is imported lazily and returns plain results.
 */
import { createRequire } from "node:module";
import type { ChalkInstance } from "chalk";
import type { Command } from "commander";
import { DEFAULTS } from "./config/defaults.js";
import { allowDirectives, NO_DIRECTIVES } from "./commands/flags.js";
import { BROKEN_PIPE_EXIT_CODE, ConfigError, ExitCode, isKnownError } from "./errors.js";
export { BROKEN_PIPE_EXIT_CODE } from "./errors.js";
import type { Provenance } from "./config/provenance.js";
import type { CheckFailure } from "./report/check.js";
import { escapeText } from "./util/show.js";

/** Set by the build (scripts/build.mjs, esbuild `define`); from source (tests, tsx), package.json is read. */
declare const __WSSGEN_VERSION__: string | undefined;
const version =
  typeof __WSSGEN_VERSION__ === "string"
    ? __WSSGEN_VERSION__
    : (createRequire(import.meta.url)("../package.json") as { version: string }).version;

/** Colour only on a terminal, never with NO_COLOR (FORCE_COLOR forces it); chalk loads only when asked. */
async function colorFor(stream: NodeJS.WriteStream | undefined): Promise<ChalkInstance> {
  const env = process.env;
  const on =
    stream !== undefined &&
    (env.FORCE_COLOR ? env.FORCE_COLOR !== "0" : stream.isTTY && !("NO_COLOR" in env) && env.TERM !== "dumb");
  const { Chalk } = await import("chalk");
  return new Chalk({ level: on ? 1 : 0 });
}

const out = (text: string) => process.stdout.write(text);

/**
 * Writes pieces to stdout, waiting whenever the pipe is full (so a huge output is never all in
 * memory), and reaching the event loop every few ms, so that a reader who went away (EPIPE) stops
 * the work at once.
 */
async function writeChunks(chunks: Iterable<string>): Promise<void> {
  const { yieldingChunks } = await import("./util/interrupt.js");
  for await (const chunk of yieldingChunks(chunks)) {
    if (process.stdout.destroyed) return;
    if (!process.stdout.write(chunk)) await new Promise<void>((resolve) => process.stdout.once("drain", resolve));
  }
}
/** The colour codes chalk writes at level 1 (red, green, yellow, blue, default; dim, normal): kept by showText. */
const OUR_COLOURS = /(\u001b\[(?:3[1-4]|39|2|22)m)/;

/**
 * One line for people, as the last line of defence (docs/decisions.md): every control (newline included),
 * bidi and zero-width character is shown escaped (src/util/show.ts), except the colour codes wssgen
 * itself writes, so no input (a config value, a file name, nginx's or a server's answer) can start a
 * line of its own, move the cursor or hide text. Formatters escape their pieces too; escaping twice
 * changes nothing. Not for data on stdout (nginx config, diffs, JSON, annotations).
 */
export function showLine(line: string): string {
  return line
    .split(OUR_COLOURS)
    .map((part, i) => (i % 2 === 1 ? part : escapeText(part)))
    .join("");
}
/** Several lines (a report, a stack trace), each through showLine; the line breaks stay. */
export function showText(text: string): string {
  return text.split("\n").map(showLine).join("\n");
}
/**
 * The configs this command loaded whose values came from `${VAR}`: every line about them that wssgen
 * prints (progress, results, errors, reports) is redacted here, at the one place lines leave, so
 * that no message can forget to (see config/provenance.ts). Data on stdout (rendered config,
 * diffs) is not a message and shows the values, as documented.
 */
const provenances: Provenance[] = [];
/** What every command passes to loadConfig, so the edge learns which values to redact. */
const loadHooks = { onProvenance: (provenance: Provenance) => void provenances.push(provenance) };
/** `text` with every value from the environment of a loaded config redacted. */
function redact(text: string): string {
  return provenances.reduce((t, provenance) => provenance.redact(t), text);
}
/** Every string in a result (check's findings, its nginx binary, ...) redacted, before any format prints it. */
function redactAll<T>(value: T): T {
  if (!provenances.length) return value;
  const walk = (v: unknown): unknown =>
    typeof v === "string"
      ? redact(v)
      : Array.isArray(v)
        ? v.map(walk)
        : v !== null && typeof v === "object"
          ? Object.fromEntries(Object.entries(v).map(([k, x]) => [k, walk(x)]))
          : v;
  return walk(value) as T;
}

let stderrWatched = false;
/**
 * process.stderr, its errors ignored from its first use on: there is nowhere left to report them, and an
 * apply in progress must finish (or roll back) rather than die because its log reader went away. Made on
 * first use, not at start-up: creating the stream loads node:net when stderr is a pipe (~3 ms), and a clean
 * render never writes to it. Every write to stderr here goes through this (Node's own warnings: see
 * watchOutputStreams).
 */
function stderr(): NodeJS.WriteStream {
  if (!stderrWatched) {
    stderrWatched = true;
    process.stderr.on("error", () => undefined);
  }
  return process.stderr;
}

/** One line on stderr, redacted and through showLine: a newline inside it is shown as \n. */
const err = (line: string) => stderr().write(`${showLine(redact(line))}\n`);

/** apply's and diff's notice for each site awaiting its certificate (deploy/certificates.ts). */
async function printAwaiting(awaiting: readonly import("./deploy/certificates.js").AwaitingCertificate[]): Promise<void> {
  const { describeAwaiting } = await import("./deploy/certificates.js");
  for (const site of awaiting) for (const line of describeAwaiting(site)) err(line);
}

function examples(lines: string[]): string {
  return `\nExamples:\n${lines.map((l) => `  $ ${l}`).join("\n")}\n`;
}

/** Whether commander prints its own usage errors (not in a machine format, which prints a document instead). */
let commanderErrorsShown = true;

/** What the command that ran wants as exit code when it did not throw (check and diff report 1 without throwing). */
let commandExitCode: ExitCode = ExitCode.ok;

/** `wssgen render`'s options as commander parses them (`directives` is false with --no-directives). */
interface RenderOptions {
  config?: string;
  output?: string;
  nginxVersion?: string;
  full?: boolean;
  check?: string;
  directives: boolean;
}

/** What `wssgen render` does once its options are parsed (by commander, or by main's fast path). */
async function renderAction({ directives, ...opts }: RenderOptions): Promise<void> {
  const [{ renderCommand }, { formatFindings }, { formatVersion }] = await Promise.all([
    import("./commands/render.js"),
    import("./report/text.js"),
    import("./nginx-version/version.js"),
  ]);
  const result = await renderCommand({ ...opts, ...allowDirectives({ directives }), ...loadHooks });
  // chalk loads only when there is a finding to print (a clean render prints none)
  if (result.findings.length) {
    const color = await colorFor(stderr());
    for (const line of formatFindings(result.findings, result.source, color)) err(line);
  }
  if (result.outcome.kind === "stdout") await writeChunks(result.chunks());
  else if (result.outcome.kind === "written") err(`wrote ${result.outcome.file} (nginx ${formatVersion(result.build.version)})`);
  else err(`${result.outcome.file} is up to date`);
}

export async function buildProgram(): Promise<Command> {
  const { Command, Option } = await import("commander");
  const program = new Command("wssgen")
    .description("Generate nginx config for proxying WebSockets (ws:// and wss://) from one wssgen.yaml.")
    .version(version, "-v, --version")
    .option("--debug", "show stack traces for unexpected errors")
    .showHelpAfterError("(run with --help for usage)")
    .configureOutput({
      writeErr: (s) => commanderErrorsShown && stderr().write(s),
      writeOut: (s) => process.stdout.write(s),
      // each line escaped on its own: commander's "(Did you mean --version?)" is a line of its own
      outputError: (s, write) => commanderErrorsShown && write(s.trimEnd().split("\n").map(escapeText).join("\n") + "\n"),
    })
    .exitOverride()
    .addHelpText(
      "after",
      `${examples([
        "wssgen init --domain chat.example.com --upstream 127.0.0.1:8080",
        "wssgen render -o wssgen.conf",
        "wssgen apply                          # deploy: write, nginx -t, reload; roll back on failure",
        "wssgen render --check wssgen.conf     # CI: fail when the committed file drifted",
      ])}
Exit codes: 0 success, 1 invalid input or result, 2 usage or environment error, 3 apply could not restore;
interrupted: 130 (SIGINT), 143 (SIGTERM); 141 when the reader of the output went away (broken pipe).`,
    );

  program
    .command("init")
    .description("write a commented wssgen.yaml that renders and passes nginx -t as written")
    .option("--domain <domain>", "the site's domain", undefined)
    .option("--upstream <host:port>", "the WebSocket backend")
    .option("--path <path>", "the WebSocket location", undefined)
    .option(
      "--preset <name>",
      "the framework behind the socket: socket.io, signalr, graphql-ws, phoenix, actioncable, home-assistant (its path, timeouts and settings to match)",
    )
    .option("--cert <file>", "TLS certificate (PEM); with --key makes a wss:// site")
    .option("--key <file>", "TLS private key (PEM)")
    .option(
      "--letsencrypt",
      "a wss:// site with a Let's Encrypt certificate for --domain (certbot --webroot; apply prints the command)",
    )
    .option("--webroot <dir>", "certbot's webroot for ACME challenges (implies --letsencrypt; default /var/www/acme)")
    .option("-o, --output <file>", "where to write", "wssgen.yaml")
    .option("--force", "overwrite an existing file")
    .option("-y, --yes", "accept defaults for everything not given; never ask")
    .addHelpText(
      "after",
      examples([
        "wssgen init --yes",
        "wssgen init --domain chat.example.com --upstream 10.0.0.5:8080 --path /ws",
        "wssgen init --domain chat.example.com --preset socket.io   # path /socket.io/, timeouts above its pings",
        "wssgen init --domain chat.example.com --cert /etc/ssl/chat.pem --key /etc/ssl/chat.key -o chat.yaml",
        "wssgen init --domain chat.example.com --letsencrypt   # then: wssgen apply, and the certbot command it prints",
      ]),
    )
    .action(
      async (opts: {
        domain?: string;
        upstream?: string;
        path?: string;
        preset?: string;
        cert?: string;
        key?: string;
        letsencrypt?: boolean;
        webroot?: string;
        output: string;
        force?: boolean;
        yes?: boolean;
      }) => {
        const { initCommand } = await import("./commands/init.js");
        const interactive = !opts.yes && process.stdin.isTTY && stderr().isTTY && !process.env.CI;
        const ask = interactive ? (await import("./commands/prompt.js")).createAsk() : undefined;
        try {
          const result = await initCommand({ ...opts, ask });
          err(`wrote ${result.file}; next: ${result.next}`);
        } finally {
          ask?.close();
        }
      },
    );

  program
    .command("render")
    .description("print the nginx config (an http-context file for conf.d/)")
    .option("-c, --config <file>", "config file (- for stdin); default ./wssgen.yaml, .yml or .json")
    .option("-o, --output <file>", "write to a file (atomically; through a symlink) instead of stdout")
    .option(
      "--nginx-version <version>",
      "the nginx version to render for, e.g. 1.22 or 1.25.1 (default: nginx.version, else nginx -V, else 1.22)",
    )
    .option("--full", "print a complete nginx.conf instead")
    .option("--check <file>", "exit 1 when <file> differs from what would be rendered (CI drift check)")
    .option(NO_DIRECTIVES.flags, NO_DIRECTIVES.description)
    .addHelpText(
      "after",
      `${examples([
        "wssgen render -c prod.yaml --nginx-version 1.26 -o wssgen.conf",
        "wssgen render --full -o nginx.conf",
        "wssgen render --check deploy/wssgen.conf",
        "wssgen render | less",
        "wssgen render --no-directives -c customer.yaml   # a platform: refuse raw nginx directives",
      ])}
To deploy, use \`wssgen apply\` (nginx -t, reload, roll back on failure) or -o. Never redirect the
output into a live file with the shell: the shell empties that file before wssgen runs.`,
    )
    .action(renderAction);

  program
    .command("check")
    .description("lint the config and test the rendered output with nginx -t in a throwaway sandbox (a CI step)")
    .option("-c, --config <file>", "config file (- for stdin); default ./wssgen.yaml, .yml or .json")
    .addOption(
      new Option("--nginx <mode>", "run nginx -t: auto (when nginx is found), require (exit 2 without it), skip")
        .choices(["auto", "require", "skip"])
        .default("auto"),
    )
    .option(
      "--stub-certs",
      "stand in throwaway self-signed certificates for certificate files that do not exist (CI without secrets)",
    )
    .option("--stub-hosts", "stand in 127.0.0.1 for upstream host names that do not resolve (CI without DNS)")
    .option(
      "--nginx-version <version>",
      "the nginx version to render for (default: nginx.version, else the tested nginx, else 1.22)",
    )
    .addOption(
      new Option(
        "--format <format>",
        "output format; json and github list every finding, and report every outcome (usage errors too) in their format",
      )
        .choices(["text", "json", "github"])
        .default("text"),
    )
    .option("--strict", "exit 1 on warnings too")
    .option(NO_DIRECTIVES.flags, NO_DIRECTIVES.description)
    .addHelpText(
      "after",
      examples([
        "wssgen check",
        "wssgen check --nginx require --stub-certs --stub-hosts --format github   # GitHub Actions",
        "wssgen check --format json | jq .summary",
        "wssgen check --no-directives -c customer.yaml   # a platform: refuse raw nginx directives",
      ]),
    )
    .action(
      async ({
        directives,
        ...opts
      }: {
        config?: string;
        nginx: "auto" | "require" | "skip";
        stubCerts?: boolean;
        stubHosts?: boolean;
        nginxVersion?: string;
        format: "text" | "json" | "github";
        strict?: boolean;
        directives: boolean;
      }) => {
        const [{ checkCommand }, { formatCheck }] = await Promise.all([
          import("./commands/check.js"),
          import("./report/check.js"),
        ]);
        const result = redactAll(await checkCommand({ ...opts, ...allowDirectives({ directives }), ...loadHooks }));
        const report = formatCheck(
          result,
          opts.format,
          opts.format === "text" ? await colorFor(process.stdout) : await colorFor(undefined),
        );
        out(opts.format === "text" ? showText(report) : report);
        commandExitCode = result.exitCode;
      },
    );

  program
    .command("apply")
    .description("the pre-deploy hook: render, write the target atomically, nginx -t, reload, verify; roll back on any failure")
    .option("-c, --config <file>", "config file (- for stdin); default ./wssgen.yaml, .yml or .json")
    .option("--target <file>", `the file to write (default nginx.target, ${DEFAULTS.nginx.target.value})`)
    .option("--no-reload", "write and test only; do not reload nginx")
    .option("--dry-run", "print the diff and the commands it would run; change nothing")
    .option("--recover", "only finish or undo an apply that was interrupted (killed, a crash); deploy nothing")
    .option("--nginx-version <version>", "the nginx version to render for (default: the installed nginx)")
    .option("--lock-timeout <duration>", "how long to wait for another apply of the same target", "60s")
    .option("--reload-timeout <duration>", "how long nginx may take to start workers with the new config", "10s")
    .option("--probe <url>", "after the reload, open a WebSocket to this ws:// or wss:// URL; roll back if it fails")
    .option("--probe-origin <origin>", "the Origin the probe sends")
    .option("--probe-ca <file>", "the CA (PEM) the probe trusts for wss://")
    .option("--probe-insecure", "do not verify the probe's TLS certificate")
    .option(NO_DIRECTIVES.flags, NO_DIRECTIVES.description)
    .addHelpText(
      "after",
      `${examples(["wssgen apply --dry-run", "wssgen apply -c /srv/chat/wssgen.yaml", "wssgen apply --no-reload --target /etc/nginx/sites-enabled/chat.conf", "wssgen apply --no-directives -c /srv/customers/42/wssgen.yaml   # a platform: refuse raw nginx directives"])}
On failure the previous file is restored byte for byte (and nginx reloaded back if the reload had
happened): exit 1. Exit 3 means the restore itself failed; the message says what to do by hand.
An apply that was killed (kill -9, a crash, a power cut) left a journal beside the target: the next
apply (or apply --recover) first finishes it, or puts the last good config back, and says which.
--dry-run's diff is nginx config: it shows the values of \${VAR} references, secrets too.`,
    )
    .action(
      async ({
        directives,
        ...opts
      }: {
        config?: string;
        target?: string;
        reload: boolean;
        dryRun?: boolean;
        recover?: boolean;
        nginxVersion?: string;
        lockTimeout: string;
        reloadTimeout: string;
        probe?: string;
        probeOrigin?: string;
        probeCa?: string;
        probeInsecure?: boolean;
        directives: boolean;
      }) => {
        const { applyCommand } = await import("./commands/apply.js");
        const result = await applyCommand({
          ...opts,
          ...allowDirectives({ directives }),
          ...loadHooks,
          onStep: (message) => err(message),
        });
        if (result.status === "unchanged") err(`${result.target} is up to date; nothing to do`);
        else if (result.status === "dry-run") {
          out(result.diff);
          err(
            result.diff.startsWith("--- /dev/null")
              ? `would write ${result.target} (a first deploy)`
              : `would write ${result.target} (backing up the old one beside it, as a hidden .wssgen-backup file)`,
          );
          for (const argv of result.commands) err(`would run: ${argv.join(" ")}`);
        } else if (result.status === "tested") err(`wrote and tested ${result.target}; nginx was not reloaded (--no-reload)`);
        else if (result.status === "clean") err(`${result.target}: no interrupted apply to recover`);
        else if (result.status === "recovered") err(`recovered ${result.target}`);
        else if (result.status === "reloaded")
          err(
            (await colorFor(stderr())).green(
              `reloaded nginx: it serves the renewed certificates (${result.target} is unchanged)`,
            ),
          );
        else err((await colorFor(stderr())).green(`applied ${result.target}`));
        if (result.awaiting.length) {
          await printAwaiting(result.awaiting);
        }
      },
    );

  program
    .command("diff")
    .description("print the diff between the deployed target and what would be rendered (exit 1 when they differ)")
    .option("-c, --config <file>", "config file (- for stdin); default ./wssgen.yaml, .yml or .json")
    .option("--target <file>", "the deployed file (default nginx.target)")
    .option("--nginx-version <version>", "the nginx version to render for (default: the installed nginx)")
    .option(NO_DIRECTIVES.flags, NO_DIRECTIVES.description)
    .addHelpText(
      "after",
      `${examples(["wssgen diff", "wssgen diff --target /etc/nginx/conf.d/chat.conf"])}
Exit codes: 0 up to date, 1 the file differs, or an apply of it is unfinished (killed or still running:
nginx may run another config than the file holds; \`wssgen apply\` finishes or undoes it).
The diff is nginx config: it shows the values of \${VAR} references, secrets too (messages never do).`,
    )
    .action(async ({ directives, ...opts }: { config?: string; target?: string; nginxVersion?: string; directives: boolean }) => {
      const { diffCommand } = await import("./commands/diff.js");
      // (err() redacts values from ${VAR} in these lines)
      const result = await diffCommand({ ...opts, ...allowDirectives({ directives }), ...loadHooks });
      if (result.diff) out(result.diff);
      else if (!result.pending?.unfinished) err(`${result.target} is up to date`);
      if (result.pending) err(result.pending.message);
      if (result.awaiting.length) {
        // why the diff leaves a site's TLS server out, and what apply would print
        await printAwaiting(result.awaiting);
      }
      commandExitCode = result.exitCode;
    });

  program
    .command("probe")
    .description("open a real WebSocket handshake (ws:// or wss://) and report status, TLS and timing")
    .argument("<url>", "ws://host[:port]/path or wss://host[:port]/path")
    .option("--origin <origin>", "send this Origin header (as a browser on that page would)")
    .option("--header <header>", "an extra request header, 'Name: value' (repeatable)", (value: string, all: string[] = []) => [
      ...all,
      value,
    ])
    .option("--idle <duration>", "hold the socket silent this long and report whether the server closes it")
    .option("--insecure", "do not verify the TLS certificate")
    .option("--ca <file>", "trust this CA (PEM) instead of the system's")
    .option("--timeout <duration>", "how long to wait for the handshake", "10s")
    .option(
      "-c, --config <file>",
      "the wssgen.yaml behind the URL: a 502 on a route to a TLS upstream is explained by connecting to it as nginx does",
    )
    .addOption(
      new Option("--format <format>", "output format; json: one JSON object for every outcome, usage errors too")
        .choices(["text", "json"])
        .default("text"),
    )
    .addHelpText(
      "after",
      `${examples([
        "wssgen probe wss://chat.example.com/ws --origin https://chat.example.com",
        "wssgen probe ws://127.0.0.1:8080/ws --idle 90s      # does an idle socket survive 90s?",
        "wssgen probe wss://localhost:8443/ws --ca ./test-ca.pem --format json",
        "wssgen probe wss://chat.example.com/api -c wssgen.yaml   # a 502 from a TLS backend: why",
      ])}
Exit codes: 0 the upgrade (and the idle hold) succeeded, 1 it did not (the message says why), 2 usage.`,
    )
    .action(
      async (
        url: string,
        opts: {
          origin?: string;
          header?: string[];
          idle?: string;
          insecure?: boolean;
          ca?: string;
          timeout: string;
          config?: string;
          format: "text" | "json";
        },
      ) => {
        const [{ probeCommand }, { formatProbe }] = await Promise.all([
          import("./commands/probe.js"),
          import("./report/probe.js"),
        ]);
        // with --config, what the probe says about the upstream may hold values from ${VAR}
        const result = redactAll(await probeCommand(url, { ...opts, ...loadHooks }));
        // the formatter escapes what the server sent; showText below is the last line of defence
        const report = formatProbe(
          result,
          opts.format,
          opts.format === "json" ? await colorFor(undefined) : await colorFor(process.stdout),
        );
        out(opts.format === "text" ? showText(report) : report);
        commandExitCode = result.ok ? ExitCode.ok : ExitCode.invalid;
      },
    );

  program
    .command("schema")
    .description("print the JSON Schema of wssgen.yaml (for editors and validators)")
    .option("-o, --output <file>", "write to a file (atomically; through a symlink) instead of stdout")
    .addHelpText(
      "after",
      examples(["wssgen schema -o wssgen.schema.json   # then: wssgen init (links it as $schema)", "wssgen schema | jq ."]),
    )
    .action(async (opts: { output?: string }) => {
      const { schemaCommand, writeSchema } = await import("./commands/schema.js");
      if (opts.output === undefined) out(schemaCommand());
      else err(`wrote ${await writeSchema(opts.output)}`);
    });

  program
    .command("import")
    .description("write a wssgen.yaml from an existing nginx config (a file, or `nginx -T` on stdin), with a report")
    .argument("[file]", "the nginx config to read; - or nothing: standard input", "-")
    .option("-o, --output <file>", "write wssgen.yaml here (atomically) instead of stdout")
    .option("--force", "overwrite an existing -o or --report file")
    .option("--report <file>", "write the report here instead of stderr (text) or stdout (json)")
    .addOption(new Option("--format <format>", "the report's format").choices(["text", "json"]).default("text"))
    .addHelpText(
      "after",
      `${examples([
        "wssgen import /etc/nginx/sites-enabled/chat.conf -o wssgen.yaml",
        "sudo nginx -T | wssgen import - -o wssgen.yaml    # every included file, in one",
        "wssgen import chat.conf --format json > report.json",
      ])}
Exit codes: 0 the result validates, 1 it does not or has places marked REVIEW (it is written all the same:
review it) or nginx would not read the input, 2 usage (an output that exists without --force, an
unreadable input).`,
    )
    .action(async (file: string, opts: { output?: string; force?: boolean; report?: string; format: "text" | "json" }) => {
      const { importCommand, formatImportReport } = await import("./commands/import.js");
      const { formatProblem } = await import("./errors.js");
      if (file === "-" && process.stdin.isTTY)
        throw new (await import("./errors.js")).UsageError(
          "no input: give an nginx config file, or pipe one (`nginx -T | wssgen import -`)",
        );
      const result = await importCommand({ input: file, ...opts });
      const problems = result.problems.map(formatProblem);
      if (opts.format === "json") {
        const document = {
          ok: result.exitCode === 0,
          problems,
          review: result.toReview,
          ...(opts.output === undefined ? { yaml: result.yaml } : { output: opts.output }),
          ...(opts.report === undefined ? { report: result.report } : { reportFile: opts.report }),
        };
        const { toJson } = await import("./util/show.js");
        out(toJson(document));
      } else {
        if (opts.output === undefined) out(result.yaml);
        if (opts.report === undefined) stderr().write(showText(formatImportReport(result.report, "text")));
        const count = (kind: string) => result.report.filter((n) => n.kind === kind).length;
        err(
          `${count("mapped")} mapped, ${count("fixed")} fixed, ${count("kept")} kept in directives, ${count("dropped")} dropped` +
            (opts.output === undefined ? "" : `; wrote ${opts.output}`),
        );
        for (const line of problems) err(line);
        if (problems.length) err("the result does not validate: fix the lines above in it, then run `wssgen check`");
        if (result.toReview)
          err(
            `${result.toReview} place(s) marked REVIEW serve differently from the original (listed at the top of the wssgen.yaml too): fix them in it before deploying`,
          );
      }
      commandExitCode = result.exitCode;
    });

  return program;
}

/** `check --format json|github`, `probe --format json` or `import --format json`, read from argv before parsing (so usage errors honour it). */
interface MachineOutput {
  command: "check" | "probe" | "import";
  format: "json" | "github";
  /** `-c FILE` as given, for the document's `file` */
  config: string | undefined;
  /** probe's URL as given */
  url: string | undefined;
}

export function machineOutput(args: readonly string[]): MachineOutput | undefined {
  const value = (names: string[]): string | undefined => {
    for (let i = 0; i < args.length; i++) {
      const arg = args[i]!;
      for (const name of names) {
        if (arg === name) return args[i + 1];
        if (name.startsWith("--") && arg.startsWith(`${name}=`)) return arg.slice(name.length + 1);
      }
    }
    return undefined;
  };
  const command = args.find((arg) => !arg.startsWith("-"));
  const format = value(["--format"]);
  if (command === "check" && (format === "json" || format === "github"))
    return { command, format, config: value(["-c", "--config"]), url: undefined };
  if (command === "import" && format === "json") return { command, format, config: undefined, url: undefined };
  if (command === "probe" && format === "json") {
    const takesValue = new Set(["--origin", "--header", "--idle", "--ca", "--timeout", "--format"]);
    const rest = args.slice(args.indexOf("probe") + 1);
    const url = rest.find((arg, i) => !arg.startsWith("-") && !takesValue.has(rest[i - 1] ?? ""));
    return { command, format, config: undefined, url };
  }
  return undefined;
}

/** A thrown error as problems (with the exit code), in the terms of a check finding. */
function describeFailure(
  error: unknown,
  commanderError: (new (...args: never[]) => Error & { code: string }) | undefined,
): { exitCode: ExitCode; failures: CheckFailure[] } {
  if (commanderError !== undefined && error instanceof commanderError)
    return { exitCode: ExitCode.usage, failures: [{ rule: "usage", message: error.message.replace(/^error: /, "") }] };
  if (error instanceof ConfigError)
    return {
      exitCode: error.exitCode,
      failures: error.problems.map((p) => ({
        rule: "schema",
        message: p.message,
        file: p.file,
        line: p.line,
        column: p.column,
        path: p.path,
      })),
    };
  if (isKnownError(error)) {
    // UsageError → "usage", EnvironmentError → "environment", DriftError → "drift", DeployError → "deploy"
    const rule = error.name.replace(/Error$/, "").toLowerCase();
    return { exitCode: error.exitCode, failures: error.lines().map((message) => ({ rule, message })) };
  }
  return {
    exitCode: ExitCode.invalid,
    failures: [
      {
        rule: "internal",
        message: `internal error: ${(error as Error)?.message ?? String(error)} (a bug in wssgen: run with --debug for the stack trace and report it)`,
      },
    ],
  };
}

export async function main(argv: string[]): Promise<number> {
  // `wssgen render` with no options, the most common run: the action without loading commander
  // (~10 ms of start-up); anything else on the command line goes through commander as always
  if (argv.length === 3 && argv[2] === "render") {
    try {
      commandExitCode = ExitCode.ok;
      await renderAction({ directives: true });
      return commandExitCode;
    } catch (error) {
      return reportFailure(error, argv, undefined, undefined, undefined);
    }
  }
  const machine = machineOutput(argv.slice(2));
  // in a machine format, commander's own error text would be a second, unparseable output
  commanderErrorsShown = machine === undefined;
  const program = await buildProgram();
  const { CommanderError } = await import("commander");
  try {
    commandExitCode = ExitCode.ok;
    await program.parseAsync(argv);
    return commandExitCode;
  } catch (error) {
    if (
      error instanceof CommanderError &&
      (error.code === "commander.helpDisplayed" || error.code === "commander.version" || error.code === "commander.help")
    )
      return ExitCode.ok;
    return reportFailure(error, argv, program, CommanderError, machine);
  }
}

/**
 * A command's failure as wssgen reports it (a document in a machine format, else lines on stderr),
 * and its exit code. `program` and `CommanderError` are undefined when commander was not loaded
 * (main's fast path), so no error can be commander's.
 */
async function reportFailure(
  error: unknown,
  argv: string[],
  program: Command | undefined,
  CommanderError: typeof import("commander").CommanderError | undefined,
  machine: MachineOutput | undefined,
): Promise<number> {
  const isCommanderError = CommanderError !== undefined && error instanceof CommanderError;
  const debug = program?.opts<{ debug?: boolean }>().debug || argv.includes("--debug");
  const stack = debug && !isKnownError(error) && !isCommanderError ? String((error as Error)?.stack) : undefined;
  if (machine) {
    if (stack) stderr().write(`${showText(redact(stack))}\n`);
    const described = describeFailure(error, CommanderError);
    const exitCode = described.exitCode;
    const failures = redactAll(described.failures);
    if (machine.command === "check") {
      const { formatCheckFailure } = await import("./report/check.js");
      out(formatCheckFailure(failures, machine.format, exitCode, machine.config));
    } else if (machine.command === "import") {
      // the shape of import's own document, with nothing imported
      const { toJson } = await import("./util/show.js");
      const where = (f: CheckFailure) => (f.file === undefined ? "" : `${f.file}:${f.line ?? 1}:${f.column ?? 1} `);
      out(toJson({ ok: false, problems: failures.map((f) => `${where(f)}${f.message}`), report: [] }));
    } else {
      const { formatProbeFailure } = await import("./report/probe.js");
      out(
        formatProbeFailure(
          machine.url,
          failures.map((f) => ({ code: f.rule, message: f.message })),
        ),
      );
    }
    return exitCode;
  }
  if (isCommanderError) return ExitCode.usage;
  const color = await colorFor(stderr());
  if (isKnownError(error)) {
    for (const line of error.lines())
      err(/^\S+:\d+:\d+ /.test(line) ? escapeText(line) : `${color.red("wssgen:")} ${escapeText(line)}`);
    return error.exitCode;
  }
  err(`${color.red("wssgen: internal error:")} ${escapeText((error as Error)?.message ?? String(error))}`);
  if (stack) stderr().write(`${showText(redact(stack))}\n`);
  else err("(a bug in wssgen: run with --debug for the stack trace and report it)");
  return ExitCode.invalid;
}

/** Exit statuses for the signals wssgen stops on: 128 + the signal's number, as shells report them. */
export const SIGNAL_EXIT_CODES = { SIGINT: 130, SIGTERM: 143, SIGHUP: 129, SIGQUIT: 131 } as const;

/**
 * Output streams that fail: stdout's reader gone (EPIPE) ends the command quietly with 141 after
 * running pending cleanups; any other stdout error (a full disk behind `>`) is one line on stderr
 * and exit 2. stderr errors are ignored (stderr()).
 */
function watchOutputStreams(cleanup: () => void): void {
  // a warning Node prints itself makes the stream first: its write error is emitted on the next tick
  process.on("warning", () => void stderr());
  process.stdout.on("error", (error: NodeJS.ErrnoException) => {
    cleanup();
    if (error.code === "EPIPE") process.exit(BROKEN_PIPE_EXIT_CODE);
    err(`wssgen: cannot write standard output: ${error.code ?? error.message}`);
    process.exit(ExitCode.usage);
  });
}

/**
 * Signals: while there is nothing to undo, SIGINT, SIGTERM, SIGHUP and SIGQUIT keep their default
 * action, so they end wssgen at once even in the middle of a long synchronous render (a JavaScript
 * handler would wait for it to finish); the shell reports 128 + the signal's number. While there is
 * something to undo (a temp file, check's sandbox, an apply in progress), a handler undoes it and
 * exits with that same status.
 */
async function handleSignals(): Promise<void> {
  const { runInterruptCleanups, watchInterruptCleanups } = await import("./util/interrupt.js");
  const handlers = Object.entries(SIGNAL_EXIT_CODES).map(
    ([signal, code]) =>
      [
        signal,
        () => {
          runInterruptCleanups();
          err(`wssgen: interrupted (${signal}); cleaned up`);
          process.exit(code);
        },
      ] as const,
  );
  let listening = false;
  watchInterruptCleanups((armed) => {
    if (armed === listening) return;
    listening = armed;
    for (const [signal, handler] of handlers) {
      if (armed) process.on(signal, handler);
      else process.off(signal, handler);
    }
  });
  watchOutputStreams(runInterruptCleanups);
}

/**
 * The entry point of bin/wssgen.js, through src/launch/ (which answers `--version` alone without loading
 * this bundle): undoes pending work (sandboxes, deploys, temp files) on Ctrl-C or SIGTERM.
 */
export async function run(): Promise<void> {
  await handleSignals();
  process.exitCode = await main(process.argv);
}

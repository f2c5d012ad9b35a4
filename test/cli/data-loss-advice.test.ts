/**
 * No example in the docs or in `--help` may lose data (issue 8 §4): redirecting into a live file
 * empties it before wssgen runs, a reload without `nginx -t` first can leave a config that the next
 * restart refuses, and a deleted backup is the last good config gone.
 */
import { mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, relative } from "node:path";
import { describe, expect, it } from "vitest";
import { runCli } from "../helpers/cli.js";
import { ROOT } from "../helpers/paths.js";

interface Snippet {
  where: string;
  text: string;
  /** a command a reader would run (shell block, inline code, help example), not program output */
  command: boolean;
}

/** `> /etc/...`, `>> /srv/...`, `| tee /etc/...`: the shell truncates (or writes) the path before the command ran. */
const REDIRECT_TO_LIVE = /(?:^|[\s;|&(])>>?\s*\/(?!dev\/|tmp\/)|\btee\s+(?:-a\s+)?\/(?!dev\/|tmp\/)/;
const RELOAD = /\bnginx\s+-s\s+reload\b|\bsystemctl\s+(?:reload|restart)\s+nginx\b|\bservice\s+nginx\s+(?:reload|restart)\b/;
const TESTED = /\bnginx\b[^&|;]*\s-[tT]\b[^]*&&/;
const DELETES_BACKUP = /\brm\b[^\n]*wssgen-backup/;
/** `wssgen render > wssgen.conf`, any path: a render that fails leaves the file empty (render -o writes whole or not at all). */
const RENDER_REDIRECT = /\bwssgen\s+render\b[^|;&>]*(?:>>?\s*(?!\/dev\/|&)\S|\|\s*(?:sudo\s+)?tee\s)/;

/** What is wrong with one snippet, or undefined. */
export function dataLossAdvice(snippet: Snippet): string | undefined {
  if (RENDER_REDIRECT.test(snippet.text))
    return "redirects wssgen render into a file: a failed render leaves it empty; use `wssgen render -o` or `wssgen apply`";
  if (REDIRECT_TO_LIVE.test(snippet.text))
    return "redirects output into an absolute path: the shell empties it first; use `wssgen render -o` or `wssgen apply`";
  if (DELETES_BACKUP.test(snippet.text)) return "deletes wssgen's backup, the last good config";
  const reload = RELOAD.exec(snippet.text);
  if (snippet.command && reload && !TESTED.test(snippet.text.slice(0, reload.index)))
    return "reloads nginx without `nginx -t &&` before it; use `nginx -t && nginx -s reload`, or `wssgen apply`";
  return undefined;
}

/** Markdown: fenced code blocks line by line, and inline code spans. */
export function markdownSnippets(where: string, markdown: string): Snippet[] {
  const snippets: Snippet[] = [];
  let fence: string | undefined;
  markdown.split("\n").forEach((line, i) => {
    const at = `${where}:${i + 1}`;
    const open = /^\s*```\s*([\w-]*)/.exec(line);
    if (open) {
      fence = fence === undefined ? open[1]! : undefined;
      return;
    }
    if (fence !== undefined) {
      snippets.push({ where: at, text: line, command: ["sh", "bash", "shell", "console"].includes(fence) });
      return;
    }
    for (const span of line.matchAll(/`([^`]+)`/g)) snippets.push({ where: at, text: span[1]!, command: true });
  });
  return snippets;
}

/** `--help` text: example lines (`  $ ...`) are commands; every line is checked for redirects. */
export function helpSnippets(where: string, help: string): Snippet[] {
  return help
    .split("\n")
    .map((line, i) => ({ where: `${where}:${i + 1}`, text: line.replace(/^\s*\$ /, ""), command: /^\s*\$ /.test(line) }));
}

/** A file wssgen writes (a comment says how to use it) or a line of its source: backquoted spans are commands. */
function textSnippets(where: string, text: string): Snippet[] {
  return text
    .split("\n")
    .flatMap((line, i) => [
      { where: `${where}:${i + 1}`, text: line, command: false },
      ...[...line.matchAll(/`([^`]+)`/g)].map((span) => ({ where: `${where}:${i + 1}`, text: span[1]!, command: true })),
    ]);
}

function problemsIn(snippets: Snippet[]): string[] {
  return snippets.flatMap((snippet) => {
    const problem = dataLossAdvice(snippet);
    return problem ? [`${snippet.where}: ${snippet.text.trim()}: ${problem}`] : [];
  });
}

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) =>
    entry.isDirectory() ? sourceFiles(join(dir, entry.name)) : /\.(?:ts|hbs)$/.test(entry.name) ? [join(dir, entry.name)] : [],
  );
}

function markdownFiles(): string[] {
  const docs = join(ROOT, "docs");
  const walk = (dir: string): string[] =>
    readdirSync(dir, { withFileTypes: true }).flatMap((entry) =>
      entry.isDirectory() ? walk(join(dir, entry.name)) : entry.name.endsWith(".md") ? [join(dir, entry.name)] : [],
    );
  return [join(ROOT, "README.md"), ...walk(docs)];
}

describe("the scanner itself", () => {
  it.each([
    ["wssgen render > /etc/nginx/conf.d/wssgen.conf && nginx -t && nginx -s reload", "redirects"],
    ["wssgen render >/etc/nginx/conf.d/wssgen.conf", "redirects"],
    ["wssgen render --full >> /etc/nginx/nginx.conf", "redirects"],
    ["wssgen render | sudo tee /etc/nginx/conf.d/wssgen.conf", "redirects"],
    ["`wssgen render > wssgen.conf` turns it into nginx config", "redirects"],
    ["wssgen render -c a.yaml >> site.conf", "redirects"],
    ["wssgen render | tee wssgen.conf", "redirects"],
    ["nginx -s reload", "reloads"],
    ["systemctl reload nginx && nginx -t", "reloads"],
    ['--deploy-hook "systemctl reload nginx"', "reloads"],
    ["rm /etc/nginx/conf.d/.wssgen.conf.wssgen-backup", "deletes"],
  ])("flags %s", (text, what) => {
    expect(dataLossAdvice({ where: "t", text, command: true })).toContain(what);
  });
  it.each([
    "wssgen render -o /etc/nginx/conf.d/wssgen.conf",
    "wssgen apply",
    "nginx -t && nginx -s reload",
    'certbot renew --deploy-hook "nginx -t && systemctl reload nginx"',
    "wssgen diff > /dev/null || echo drifted",
    "wssgen check --format json > wssgen-check.json 2>/tmp/err",
    "wssgen schema > wssgen.schema.json",
    "wssgen render 2>/dev/null | less",
  ])("accepts %s", (text) => {
    expect(dataLossAdvice({ where: "t", text, command: true })).toBeUndefined();
  });
});

describe("no doc or help text advises something that can lose data", () => {
  it("README.md and every page under docs/", () => {
    const found = markdownFiles()
      .flatMap((file) => markdownSnippets(relative(ROOT, file), readFileSync(file, "utf8")))
      .flatMap((snippet) => {
        const problem = dataLossAdvice(snippet);
        return problem ? [`${snippet.where}: ${snippet.text.trim()}: ${problem}`] : [];
      });
    expect(found).toEqual([]);
  });
  it("every --help text", async () => {
    const commands = ["", "init", "render", "check", "apply", "diff", "probe", "schema"];
    const found: string[] = [];
    for (const command of commands) {
      const r = await runCli(command ? [command, "--help"] : ["--help"]);
      expect(r.exitCode).toBe(0);
      for (const snippet of helpSnippets(`wssgen ${command} --help`.replace("  ", " "), r.stdout)) {
        const problem = dataLossAdvice(snippet);
        if (problem) found.push(`${snippet.where}: ${snippet.text.trim()}: ${problem}`);
      }
    }
    expect(found).toEqual([]);
  });
  it("every file wssgen writes: init's wssgen.yaml (each variant), the rendered config and nginx.conf", async () => {
    const dir = mkdtempSync(join(tmpdir(), "wssgen-advice-"));
    try {
      const found: string[] = [];
      const runs: [string, string[]][] = [
        ["init", ["init", "-o", "plain.yaml"]],
        ["init --cert", ["init", "-o", "tls.yaml", "--cert", "c.pem", "--key", "k.pem"]],
        ["schema -o, then init (links the schema)", ["schema", "-o", "wssgen.schema.json"]],
        ["init", ["init", "-o", "linked.yaml"]],
      ];
      for (const [, argv] of runs) expect((await runCli(argv, { cwd: dir })).exitCode).toBe(0);
      for (const file of ["plain.yaml", "tls.yaml", "linked.yaml"])
        found.push(...problemsIn(textSnippets(`init's ${file}`, readFileSync(join(dir, file), "utf8"))));
      for (const args of [[], ["--full"]]) {
        const r = await runCli(["render", "-c", "tls.yaml", "--nginx-version", "1.26", ...args], { cwd: dir });
        expect(r.exitCode, r.stderr).toBe(0);
        found.push(...problemsIn(textSnippets(`render ${args.join(" ")}`, r.stdout)));
      }
      expect(found).toEqual([]);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
  it("every message, template and generated header in the source (src/, templates/)", () => {
    const files = [...sourceFiles(join(ROOT, "src")), ...sourceFiles(join(ROOT, "templates"))];
    expect(files.length).toBeGreaterThan(50);
    const found = files.flatMap((file) => problemsIn(textSnippets(relative(ROOT, file), readFileSync(file, "utf8"))));
    expect(found).toEqual([]);
  });
});

/**
 * Rendering is pure: a normalized config and the nginx build it is for in, nginx config text out.
 * No file system, no processes, no clock; the same input always gives the same bytes.
 *
 * view.ts builds the tree; the templates (templates/*.hbs, precompiled into templates.gen.ts) lay
 * out its blocks, comments and blank lines; the helpers below are all a template can call, and
 * `directives` and `block` print every directive line through one serializer (directiveLines).
 */
import type HandlebarsNamespace from "handlebars";
import HandlebarsRuntime from "handlebars/runtime.js";
import type { WssgenConfig } from "../config/model.js";
import { comment, directiveText } from "./quote.js";
import { SourceMapRecorder, type SourceMap } from "./sourcemap.js";
import { templateSpecs, type TemplateHelper } from "./templates.gen.js";
import type { Block, Directive } from "./tree.js";
import { featuresFor, type NginxBuild } from "../nginx-version/version.js";
import { buildView, type ServerBlock, type View } from "./view.js";

export interface RenderOptions {
  /** a complete nginx.conf (main, events and http contexts) instead of an http-context file */
  full?: boolean;
}

/** The http-context output with the key path behind each line (see sourcemap.ts). */
export interface MappedOutput {
  text: string;
  sourceMap: SourceMap;
}

/** What Handlebars passes a helper: where the tag stands, the render's data, and a block's body. */
interface HelperOptions {
  loc: { start: { column: number } };
  data?: { sourceMap?: SourceMapRecorder };
  /** only in the block form, `{{#block}}…{{/block}}` */
  fn?: (context: unknown) => string;
}

/** `name arg arg`: the name and every argument through quote(), bare or quoted as nginx needs. */
function tokens(node: Directive): string {
  return node.text ?? directiveText(node.name, node.args);
}

/**
 * The serializer: `name arg arg;` for each directive, one a line, the first unindented (it
 * follows the template's indentation, as a tag's output does) and the others indented by `pad`;
 * a block among them (a location's `if`) as `blockLines` prints it.
 */
function directiveLines(
  nodes: readonly (Directive | Block<Directive | Block>)[],
  pad: string,
  sourceMap: SourceMapRecorder | undefined,
): string {
  let text = "";
  for (let i = 0; i < nodes.length; i++) {
    const node = nodes[i]!;
    let line: string;
    if ((node as Partial<Block>).children !== undefined) line = blockLines(node as Block<Directive | Block>, pad, sourceMap);
    else {
      line = `${tokens(node)};`;
      if (sourceMap) line = sourceMap.line(node.at, line);
    }
    text += i ? `\n${pad}${line}` : line;
  }
  return text;
}

/**
 * `name arg arg {`, the children one level deeper (`directiveLines`), and `}` indented by `pad`: the
 * first line unindented, as directiveLines prints a directive.
 */
function blockLines(node: Block<Directive | Block>, pad: string, sourceMap: SourceMapRecorder | undefined): string {
  const head = `${tokens(node)} {`;
  const open = sourceMap ? sourceMap.open(node.at, head) : head; // before the children: output order
  const body = directiveLines(node.children, `${pad}    `, sourceMap);
  return `${open}\n${pad}    ${body}\n${sourceMap ? sourceMap.close(`${pad}}`) : `${pad}}`}`;
}

const helpers = {
  /** `{{directives list}}` (or one directive): `name arg arg;`, a line each, at the tag's indentation */
  directives(nodes: Directive | readonly Directive[], options: HelperOptions): string {
    const list = Array.isArray(nodes) ? (nodes as readonly Directive[]) : [nodes as Directive];
    return directiveLines(list, " ".repeat(options.loc.start.column), options.data?.sourceMap);
  },
  /**
   * `{{block node}}`: `name arg arg {`, its children one level deeper, `}`, at the tag's indentation.
   * `{{#block node}}…{{/block}}`, each tag alone on its line: the same around the template's body
   * (Handlebars removes such a tag's line, so the helper indents and ends the lines it adds).
   */
  block(node: Block<Directive | Block>, options: HelperOptions): string {
    const pad = " ".repeat(options.loc.start.column);
    const sourceMap = options.data?.sourceMap;
    if (!options.fn) return blockLines(node, pad, sourceMap);
    const head = `${tokens(node)} {`;
    const open = sourceMap ? sourceMap.open(node.at, head) : head; // before the body: output order
    const body = options.fn(node);
    return `${pad}${open}\n${body}${sourceMap ? sourceMap.close(`${pad}}`) : `${pad}}`}\n`;
  },
  /** `# {{comment text}}`: any text, made one printable line */
  comment,
  /** the http context inside `http {}` of a complete nginx.conf */
  indent: (text: unknown) =>
    String(text)
      .split("\n")
      .map((line) => (line === "" ? line : `    ${line}`))
      .join("\n")
      .trimEnd(),
} satisfies Record<TemplateHelper, (...args: never[]) => string>;

type Template = (context: unknown, options?: { data: { sourceMap: SourceMapRecorder } }) => string;
let templates: { head: Template; server: Template; full: Template } | undefined;

function compiled(): { head: Template; server: Template; full: Template } {
  if (templates) return templates;
  const hb = (HandlebarsRuntime as unknown as typeof HandlebarsNamespace).create();
  hb.registerHelper(helpers as unknown as HandlebarsNamespace.HelperDeclareSpec);
  const spec = templateSpecs as unknown as Record<string, Parameters<typeof HandlebarsNamespace.template>[0]>;
  templates = {
    head: hb.template(spec["head.conf"]!),
    server: hb.template(spec["server.conf"]!),
    full: hb.template(spec["nginx.conf"]!),
  };
  return templates;
}

/**
 * Server blocks rendered by one call of the server template. Each call of a template sets
 * Handlebars up again (every helper wrapped anew, among others): once per server, that was a tenth
 * of what a render allocated. More at once is slower again: the servers of a piece and their text
 * live until the piece is done, and each collection of the young generation copies them
 * (measured with valgrind, renders of 2,000 sites: 8 a piece is best, 64 as slow as 1).
 */
const SERVERS_PER_PIECE = 8;

/** The http-context output in pieces: the head, then the server blocks, SERVERS_PER_PIECE a piece. */
export function* renderViewChunks(view: View, sourceMap?: SourceMapRecorder): Generator<string> {
  const { head, server } = compiled();
  const options = sourceMap && { data: { sourceMap } };
  yield head(view, options);
  let servers: ServerBlock[] = [];
  for (const serverBlock of view.servers()) {
    servers.push(serverBlock);
    if (servers.length < SERVERS_PER_PIECE) continue;
    yield server({ servers }, options);
    servers = [];
  }
  if (servers.length) yield server({ servers }, options);
}

export function renderView(view: View, options: RenderOptions = {}): string {
  const http = [...renderViewChunks(view)].join("");
  return `${(options.full ? compiled().full({ ...view, httpContext: http }) : http).trimEnd()}\n`;
}

/**
 * The output in pieces, for writing a large config without holding it twice: joined, they are
 * exactly `render(config, build)` (http context only).
 */
export function* renderChunks(config: WssgenConfig, build: NginxBuild): Generator<string> {
  const view = buildView(config, build, featuresFor(build.version, build.openssl));
  let pending: string | undefined;
  for (const chunk of renderViewChunks(view)) {
    if (pending !== undefined) yield pending;
    pending = chunk;
  }
  yield `${(pending ?? "").trimEnd()}\n`;
}

export function render(config: WssgenConfig, build: NginxBuild, options: RenderOptions = {}): string {
  return renderView(buildView(config, build, featuresFor(build.version, build.openssl)), options);
}

/**
 * `render(config, build)` (http context only) and, for each of its lines, the key in the config
 * that produced it: what `check` and `apply` need to report nginx's complaints at wssgen.yaml's keys.
 */
export function renderMapped(config: WssgenConfig, build: NginxBuild): MappedOutput {
  const recorder = new SourceMapRecorder();
  const view = buildView(config, build, featuresFor(build.version, build.openssl));
  return recorder.finish(`${[...renderViewChunks(view, recorder)].join("").trimEnd()}\n`);
}

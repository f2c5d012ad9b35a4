/**
 * Rendering is pure: a normalized config and the nginx build it is for in, nginx config text out.
 * No file system, no processes, no clock; the same input always gives the same bytes.
 *
 * view.ts builds the tree; the templates (templates/*.hbs, precompiled into templates.gen.ts) lay
 * out its blocks, comments and blank lines; the helpers below are all a template can call, and
 * `directive` and `block` are the one serializer of every directive line.
 */
import type HandlebarsNamespace from "handlebars";
import HandlebarsRuntime from "handlebars/runtime.js";
import type { WssgenConfig } from "../config/model.js";
import { comment, quote } from "./quote.js";
import { SourceMapRecorder, type SourceMap } from "./sourcemap.js";
import { templateSpecs, type TemplateHelper } from "./templates.gen.js";
import type { Block, Directive } from "./tree.js";
import { featuresFor, type NginxBuild } from "./version.js";
import { buildView, type View } from "./view.js";

export interface RenderOptions {
  /** a complete nginx.conf (main, events and http contexts) instead of an http-context file */
  full?: boolean;
}

/** The http-context output with the key path behind each line (see sourcemap.ts). */
export interface MappedOutput {
  text: string;
  sourceMap: SourceMap;
}

/** What Handlebars passes a helper: the block's body, where the tag stands, and the render's data. */
interface HelperOptions {
  fn(context: unknown): string;
  loc: { start: { column: number } };
  data?: { sourceMap?: SourceMapRecorder };
}

/** `name arg arg`: the name and every argument through quote(), bare or quoted as nginx needs. */
function tokens(node: Directive): string {
  let text = quote(node.name);
  for (const arg of node.args) text += ` ${quote(arg)}`;
  return text;
}

const helpers = {
  /** `{{directive this}}`: `name arg arg;` */
  directive(node: Directive, options: HelperOptions): string {
    const line = `${tokens(node)};`;
    return options.data?.sourceMap?.line(node.at, line) ?? line;
  },
  /**
   * `{{#block this}}…{{/block}}`: `name arg arg {`, the body, `}`, indented as the tag is (the
   * template's layout is the file's).
   */
  block(node: Block, options: HelperOptions): string {
    const pad = " ".repeat(options.loc.start.column);
    const sourceMap = options.data?.sourceMap;
    const head = `${pad}${tokens(node)} {\n`;
    const open = sourceMap ? sourceMap.open(node.at, head) : head; // before the body: output order
    const body = options.fn(node);
    return `${open}${body}${sourceMap ? sourceMap.close(`${pad}}`) : `${pad}}`}\n`;
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

/** The http-context output in pieces: the head, then one piece per server block. */
export function* renderViewChunks(view: View, sourceMap?: SourceMapRecorder): Generator<string> {
  const { head, server } = compiled();
  const options = sourceMap && { data: { sourceMap } };
  yield head(view, options);
  for (const serverBlock of view.servers()) yield server(serverBlock, options);
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

/**
 * Rendering is pure: a normalized config and a target nginx in, nginx config text out. No file
 * system, no processes, no clock; the same input always gives the same bytes.
 */
import type HandlebarsNamespace from "handlebars";
import HandlebarsRuntime from "handlebars/runtime.js";
import type { WssgenConfig } from "../config/model.js";
import { comment, duration, integer, quote, RenderError } from "./quote.js";
import { templateSpecs } from "./templates.gen.js";
import { featuresFor, type Features } from "../nginx-version/version.js";
import { buildView, type RenderTarget, type View } from "./view.js";

export type { RenderTarget } from "./view.js";

export interface RenderOptions {
  /** a complete nginx.conf (main, events and http contexts) instead of an http-context file */
  full?: boolean;
}

const WORD = /^[A-Za-z0-9_$:.=-]+$/;

type Template = (context: unknown) => string;
let templates: { head: Template; server: Template; full: Template } | undefined;

function compiled(): { head: Template; server: Template; full: Template } {
  if (templates) return templates;
  const hb = (HandlebarsRuntime as unknown as typeof HandlebarsNamespace).create();
  hb.registerHelper({
    q: quote,
    integer,
    duration,
    comment,
    /** internal names and keyword lists (variables, zones, protocol lists): bare words only */
    words: (value: unknown) => {
      if (typeof value !== "string" || !value.split(" ").every((w) => WORD.test(w)))
        throw new RenderError(`words: not bare words: ${String(value)}`);
      return value;
    },
    indent: (text: unknown) =>
      String(text)
        .split("\n")
        .map((line) => (line === "" ? line : `    ${line}`))
        .join("\n")
        .trimEnd(),
    defined: (value: unknown) => value !== undefined,
  });
  const spec = templateSpecs as unknown as Record<string, Parameters<typeof HandlebarsNamespace.template>[0]>;
  templates = {
    head: hb.template(spec["head.conf"]!),
    server: hb.template(spec["server.conf"]!),
    full: hb.template(spec["nginx.conf"]!),
  };
  return templates;
}

/** The http-context output in pieces: the head, then one piece per server block. */
export function* renderViewChunks(view: View): Generator<string> {
  const { head, server } = compiled();
  yield head(view);
  for (const serverView of view.servers()) yield server(serverView);
}

export function renderView(view: View, options: RenderOptions = {}): string {
  const http = [...renderViewChunks(view)].join("");
  return `${(options.full ? compiled().full({ ...view, http }) : http).trimEnd()}\n`;
}

/**
 * The output in pieces, for writing a large config without holding it twice: joined, they are
 * exactly `render(config, target)` (http context only).
 */
export function* renderChunks(config: WssgenConfig, target: RenderTarget): Generator<string> {
  const view = buildView(config, target, featuresFor(target.version, target.openssl));
  let pending: string | undefined;
  for (const chunk of renderViewChunks(view)) {
    if (pending !== undefined) yield pending;
    pending = chunk;
  }
  yield `${(pending ?? "").trimEnd()}\n`;
}

export function render(config: WssgenConfig, target: RenderTarget, options: RenderOptions = {}): string {
  const features: Features = featuresFor(target.version, target.openssl);
  return renderView(buildView(config, target, features), options);
}

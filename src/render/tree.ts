/**
 * The output as a tree, as crossplane models nginx config, plus provenance: each directive and block
 * carries the key path in wssgen.yaml that it comes from, so that nginx's complaint about a line
 * points at the key the user wrote (see sourcemap.ts).
 */
import type { KeyPath } from "../config/path.js";

/**
 * One argument: a string, printed bare or quoted as nginx needs (quote.ts), or a non-negative
 * integer, printed bare.
 */
export type Arg = string | number;

/** `name arg arg;` */
export interface Directive {
  name: string;
  args: Arg[];
  /**
   * The key the user wrote this with (`defaults.timeouts.read` for a timeout set under defaults);
   * for a value nobody wrote (wssgen's default, or a consequence of several keys) the path of the
   * object it belongs to (the route, the site); undefined for the file as a whole.
   */
  at: KeyPath | undefined;
}

/** `name arg arg { children }`: an upstream, server, location, map or if. */
export interface Block<Child = Directive> extends Directive {
  /** what the block is, in words, for the comment above it; undefined when a template says it */
  comment: string | undefined;
  children: Child[];
}

export function directive(name: string, args: Arg[], at: KeyPath | undefined): Directive {
  return { name, args, at };
}

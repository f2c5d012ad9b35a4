/**
 * The output as a tree, as crossplane models nginx config, plus provenance: each directive and block
 * carries the key path in wssgen.yaml that it comes from, so that nginx's complaint about a line
 * points at the key the user wrote (see sourcemap.ts).
 */
import type { KeyPath } from "../config/path.js";
import { directiveText } from "./quote.js";

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
  /**
   * `name arg arg` as printed (quote.ts `directiveText`), made once for a directive that is the
   * same in every config (`fixedDirective`); otherwise undefined, and printed from name and args.
   */
  text?: string | undefined;
}

/** `name arg arg { children }`: an upstream, server, location, map or if. */
export interface Block<Child = Directive> extends Directive {
  /** what the block is, in words, for the comment above it; undefined when a template says it */
  comment: string | undefined;
  children: Child[];
}

/**
 * Directives are made by a constructor, not an object literal: V8 moves the objects of an
 * allocation site whose objects outlive a minor GC (the head's, kept as long as the view) straight
 * to the old generation, and one literal shared with the servers' directives, which die at once,
 * made each render of 10,000 sites spend most of its time collecting them.
 */
class DirectiveNode implements Directive {
  name: string;
  args: Arg[];
  at: KeyPath | undefined;
  text: string | undefined;
  constructor(name: string, args: Arg[], at: KeyPath | undefined, text: string | undefined) {
    this.name = name;
    this.args = args;
    this.at = at;
    this.text = text;
  }
}

export function directive(name: string, args: Arg[], at: KeyPath | undefined): Directive {
  return new DirectiveNode(name, args, at, undefined);
}

/**
 * A directive that is the same in every config (`proxy_set_header Host $host`), at a key given for
 * each use: its arguments (never changed) and its printed text are made once, not for each of
 * 10,000 locations.
 */
export function fixedDirective(name: string, args: Arg[]): (at: KeyPath | undefined) => Directive {
  let text: string | undefined;
  return (at) => new DirectiveNode(name, args, at, (text ??= directiveText(name, args)));
}

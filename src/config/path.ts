/** Key paths into the config, as arrays and as users read them: `sites[0].routes[1].upstream`. */
import { SHOW_MAX, showValue } from "../util/show.js";

export type PathSegment = string | number;
export type KeyPath = readonly PathSegment[];

export function formatPath(path: KeyPath): string {
  let out = "";
  for (const segment of path) {
    if (typeof segment === "number") out += `[${segment}]`;
    else if (segment.length <= SHOW_MAX && /^[A-Za-z_$][A-Za-z0-9_$-]*$/.test(segment))
      out += out === "" ? segment : `.${segment}`;
    // an odd or long key is shown like any echoed value: escaped, and cut when long (a key is input too)
    else out += `[${showValue(segment)}]`;
  }
  return out;
}

/** The inverse of formatPath, for key paths wssgen itself wrote (e.g. a problem's path). */
export function parsePath(text: string): PathSegment[] | undefined {
  const path: PathSegment[] = [];
  const re = /(?:^|\.)([A-Za-z_$][A-Za-z0-9_$-]*)|\[(\d+)\]|\[("(?:[^"\\]|\\.)*")\]/gy;
  let m: RegExpExecArray | null;
  let end = 0;
  while ((m = re.exec(text))) {
    if (m[1] !== undefined) path.push(m[1]);
    else if (m[2] !== undefined) path.push(Number(m[2]));
    else path.push(JSON.parse(m[3]!) as string);
    end = re.lastIndex;
  }
  return end === text.length && path.length ? path : undefined;
}

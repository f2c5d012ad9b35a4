/** Key paths into the config, as arrays and as users read them: `sites[0].routes[1].upstream`. */

export type PathSegment = string | number;
export type KeyPath = readonly PathSegment[];

export function formatPath(path: KeyPath): string {
  let out = "";
  for (const segment of path) {
    if (typeof segment === "number") out += `[${segment}]`;
    else if (/^[A-Za-z_$][A-Za-z0-9_$-]*$/.test(segment)) out += out === "" ? segment : `.${segment}`;
    else out += `[${JSON.stringify(segment)}]`;
  }
  return out;
}

import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

export const ROOT = join(dirname(fileURLToPath(import.meta.url)), "../..");
export const FIXTURES = join(ROOT, "fixtures");
export const BIN = join(ROOT, "bin/wssgen.js");
/** rewrite golden files instead of comparing with them */
export const UPDATE = process.env.UPDATE_SNAPSHOTS === "1";

/**
 * `wssgen schema`: the JSON Schema (draft 2020-12) of wssgen.yaml, generated from the zod schema.
 * It carries every single-field rule (patterns, ranges); rules that relate fields to each other are
 * the CLI's alone (docs/config.md lists them). No `$id`: the schema is a file the user has (in
 * node_modules, or written by `wssgen schema -o`), never a URL at a host someone else could claim.
 */
import { resolve } from "node:path";
import * as z from "zod";
import { configSchema } from "../config/schema.js";
import { toJson } from "../util/show.js";
import { writeUserFile } from "../util/write-file.js";

export function jsonSchema(): Record<string, unknown> {
  return z.toJSONSchema(configSchema, { io: "input", target: "draft-2020-12", unrepresentable: "any" });
}

export function schemaCommand(): string {
  return toJson(jsonSchema());
}

/** `wssgen schema -o FILE`: writes the schema atomically (whole or not at all); returns the file as given. */
export async function writeSchema(file: string, cwd: string = process.cwd()): Promise<string> {
  await writeUserFile(resolve(cwd, file), schemaCommand(), { mode: 0o644 });
  return file;
}

/** `wssgen schema`: the JSON Schema of wssgen.yaml, generated from the zod schema. */
import * as z from "zod";
import { configSchema } from "../config/schema.js";

export function jsonSchema(): Record<string, unknown> {
  return {
    ...z.toJSONSchema(configSchema, { io: "input", target: "draft-2020-12", unrepresentable: "any" }),
    $id: "https://unpkg.com/wssgen/docs/wssgen.schema.json",
  };
}

export function schemaCommand(): string {
  return `${JSON.stringify(jsonSchema(), null, 2)}\n`;
}

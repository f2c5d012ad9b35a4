#!/usr/bin/env node
// Writes the key reference in docs/config.md from the JSON Schema (docs/wssgen.schema.json, itself
// pinned to `wssgen schema` by the tests), between the GENERATED markers. `--check` fails when stale.
import { readFileSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const schema = JSON.parse(readFileSync(join(root, "docs/wssgen.schema.json"), "utf8"));
const docPath = join(root, "docs/config.md");
const BEGIN = "<!-- GENERATED:keys (npm run docs) -->";
const END = "<!-- /GENERATED:keys -->";

function typeOf(node) {
  // durations carry their kind as the title (src/config/schema.ts durationOf)
  if (node.title === "duration") return "duration";
  if (node.title === "seconds") return "whole seconds";
  if (node.enum) return node.enum.map((v) => `\`${v}\``).join(" \\| ");
  if (node.anyOf) return [...new Set(node.anyOf.map(typeOf))].join(" \\| ");
  if (node.type === "array") return `list of ${typeOf(node.items)}`;
  if (node.type === "object") return "mapping";
  if (node.type === "integer" && node.minimum !== undefined && node.maximum !== undefined)
    return `integer ${node.minimum}–${node.maximum}`;
  return node.type ?? "any";
}

const rows = [];
function walk(node, path, required) {
  if (!node) return;
  const description = (node.description ?? "").replace(/\|/g, "\\|");
  if (path) rows.push(`| \`${path}\` | ${typeOf(node)} | ${required ? "yes" : ""} | ${description} |`);
  const objects = node.anyOf ? node.anyOf.filter((n) => n.type === "object") : [node];
  for (const obj of objects) {
    if (obj.type === "object" && obj.properties) {
      for (const [key, child] of Object.entries(obj.properties))
        walk(child, path ? `${path}.${key}` : key, (obj.required ?? []).includes(key));
    } else if (obj.type === "object" && typeof obj.additionalProperties === "object") {
      walk(obj.additionalProperties, `${path}.<name>`, false);
    }
  }
  if (node.type === "array" && node.items) {
    const items = node.items.anyOf ? node.items.anyOf.find((n) => n.type === "object") : node.items;
    if (items?.type === "object") walk({ ...items, description: undefined }, `${path}[]`, false);
  }
}
walk(schema, "", false);
for (const pattern of Object.keys(schema.patternProperties ?? {}))
  rows.push(
    `| \`${pattern.replace(/^\^/, "")}*\` (top level) | any |  | Ignored by wssgen: a place for YAML anchors (\`x-timeouts: &t {...}\`). |`,
  );
const table = [
  "| key | type | required | meaning |",
  "| --- | --- | --- | --- |",
  ...rows.filter((r) => !r.startsWith("| `$schema`") && !/\| `[^`]*\[\]` \| mapping \| {2}\| {2}\|$/.test(r)),
].join("\n");

const doc = readFileSync(docPath, "utf8");
const start = doc.indexOf(BEGIN);
const end = doc.indexOf(END);
if (start < 0 || end < 0) throw new Error(`docs/config.md lacks the ${BEGIN} markers`);
// prettier would re-align the table and make it differ from what this script writes
const next = `${doc.slice(0, start + BEGIN.length)}\n<!-- prettier-ignore-start -->\n${table}\n<!-- prettier-ignore-end -->\n${doc.slice(end)}`;
if (process.argv.includes("--check")) {
  if (next !== doc) {
    console.error("docs/config.md is stale: run `npm run docs`");
    process.exit(1);
  }
} else {
  writeFileSync(docPath, next);
}

/**
 * The layers of src/, enforced by dependency-cruiser (`npm run layers`, part of `npm run lint`).
 * Bottom to top; a module may import its own folder and the layers below its own, never a layer
 * above nor (except where `peers` says so) another folder of its own layer. Type-only imports
 * count too: the published declarations follow the same edges. README's Development section shows
 * the same list.
 */

/** Each entry: a folder of src/ (`config`) or a file at its top (`cli.ts`). */
const LAYERS = [
  {
    name: "nginx-version",
    members: ["nginx-version"],
    why: "the nginx version: a leaf, it imports nothing of the project",
  },
  { name: "base", members: ["util", "errors.ts"], peers: true, why: "helpers every layer may use" },
  {
    name: "launch",
    members: ["launch"],
    why: "the bin's first step (large-config re-run, the code cache): it runs before the CLI bundle is loaded",
  },
  { name: "config", members: ["config"], why: "wssgen.yaml → the model; it knows nothing of what is made from it" },
  {
    name: "uses of the model",
    members: ["render", "lint", "nginx", "tls", "import"],
    why: "nginx text, findings, the nginx binary, certificates: each on its own (render and nginx never meet here)",
  },
  { name: "engines", members: ["check", "probe"], why: "check and probe, built from the layers below" },
  { name: "deploy and report", members: ["deploy", "report"], why: "apply builds on check's error map; report formats results" },
  { name: "commands", members: ["commands"], why: "one module per command: options in, a plain result out" },
  { name: "edges", members: ["cli.ts", "index.ts"], why: "the CLI and the library: nothing imports them" },
];

const escape = (text) => text.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
/** `config` → `config/`, `cli.ts` → `cli\.ts$`: a regular expression for what follows `^src/`. */
const pattern = (member) => (member.endsWith(".ts") ? `${escape(member)}$` : `${escape(member)}/`);
const anyOf = (members) => `^src/(?:${members.map(pattern).join("|")})`;

const layerRules = LAYERS.map((layer, i) => {
  const below = LAYERS.slice(0, i).flatMap((l) => l.members);
  const allowed = layer.peers ? [...below, ...layer.members] : below;
  return {
    name: `layer: ${layer.name}`,
    comment: `${layer.members.join(", ")} (${layer.why}) may import only ${
      allowed.length ? allowed.join(", ") : "nothing of the project"
    }${layer.peers ? "" : ", and their own folder"}`,
    severity: "error",
    from: { path: `^src/(${layer.members.map(pattern).join("|")})` },
    to: {
      path: "^src/",
      pathNot: ["^src/$1", ...(allowed.length ? [anyOf(allowed)] : [])],
    },
  };
});

/** @type {import("dependency-cruiser").IConfiguration} */
export default {
  forbidden: [
    ...layerRules,
    {
      name: "launch-stays-apart",
      comment: "nothing imports src/launch/: it is its own bundle (dist/launch.cjs), loaded before the CLI",
      severity: "error",
      from: { path: "^src/", pathNot: "^src/launch/" },
      to: { path: "^src/launch/" },
    },
    {
      name: "no-cycles",
      comment: "a module never reaches itself through its imports (type-only imports included)",
      severity: "error",
      from: { path: "^src/" },
      to: { circular: true },
    },
    {
      name: "layers-listed",
      comment: "every folder and top-level file of src/ belongs to a layer above: add a new one to LAYERS",
      severity: "error",
      from: { path: "^src/", pathNot: anyOf(LAYERS.flatMap((l) => l.members)) },
      to: {},
    },
  ],
  options: {
    doNotFollow: { path: "node_modules" },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: "tsconfig.json" },
  },
};

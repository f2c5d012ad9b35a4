import js from "@eslint/js";
import globals from "globals";
import tseslint from "typescript-eslint";

export default tseslint.config(
  { ignores: ["dist/", "dist-typecheck/", "node_modules/", "src/render/templates.gen.ts", "test-artifacts/", "coverage/"] },
  js.configs.recommended,
  ...tseslint.configs.recommendedTypeChecked,
  {
    languageOptions: {
      globals: globals.node,
      parserOptions: {
        projectService: { allowDefaultProject: ["bin/*.js", "scripts/*.mjs", "eslint.config.js"] },
        tsconfigRootDir: import.meta.dirname,
      },
    },
    rules: {
      "no-console": "error",
      "no-control-regex": "off", // control characters are exactly what the input checks look for
      "@typescript-eslint/restrict-template-expressions": ["error", { allowNumber: true, allowBoolean: true }],
    },
  },
  {
    // plain-JavaScript build scripts: no types to check
    files: ["**/*.js", "**/*.mjs"],
    ...tseslint.configs.disableTypeChecked,
  },
  {
    // the bin is CommonJS (bin/package.json): Node starts it a few ms sooner than an ES module
    files: ["bin/**"],
    languageOptions: { sourceType: "commonjs" },
    rules: { "@typescript-eslint/no-require-imports": "off" },
  },
  {
    // the CLI edge, scripts and tests may print
    files: ["src/cli.ts", "src/report/**", "scripts/**", "test/**", "bin/**"],
    rules: { "no-console": "off" },
  },
);

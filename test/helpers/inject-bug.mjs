// A bug on purpose, for tests of how the CLI reports one (there is no other way to make a correct
// program fail unexpectedly): loaded with `node --import`, it makes looking for ./wssgen.yaml throw.
import fs from "node:fs";
import { syncBuiltinESMExports } from "node:module";

const existsSync = fs.existsSync;
fs.existsSync = (path) => {
  if (String(path).endsWith("wssgen.yaml")) throw new TypeError("Cannot read properties of undefined (reading 'sites')");
  return existsSync(path);
};
syncBuiltinESMExports();

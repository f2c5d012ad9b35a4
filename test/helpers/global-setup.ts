/** Once per test run, before any worker starts: build dist/ for the CLI tests. */
import { buildOnce } from "./build.js";

export default function setup(): void {
  buildOnce();
}

/** Questions on a TTY for `wssgen init`; never used with --yes, in CI, or without a terminal. */
import { createInterface } from "node:readline/promises";
import type { Check } from "../config/values.js";

export function createAsk() {
  const rl = createInterface({ input: process.stdin, output: process.stderr });
  const ask = async (question: string, fallback: string, check: Check): Promise<string> => {
    for (;;) {
      const answer = (await rl.question(`${question} [${fallback}]: `)).trim() || fallback;
      const problem = check(answer);
      if (!problem) return answer;
      process.stderr.write(`  ${problem}\n`);
    }
  };
  return Object.assign(ask, { close: () => rl.close() });
}

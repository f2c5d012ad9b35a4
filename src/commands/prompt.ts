/** Questions on a TTY for `wssgen init`; never used with --yes, in CI, or without a terminal. */
import { createInterface } from "node:readline";
import type { Check } from "../config/values.js";
import { UsageError } from "../errors.js";

export function createAsk() {
  const rl = createInterface({ input: process.stdin, output: process.stderr, terminal: true });
  // Ctrl+C ends the questions like Ctrl+D does: nothing has been written yet
  rl.on("SIGINT", () => rl.close());
  // an iterator buffers lines typed (or pasted) before the next question is asked
  const lines = rl[Symbol.asyncIterator]();
  const ask = async (question: string, fallback: string, check: Check): Promise<string> => {
    for (;;) {
      rl.setPrompt(`${question} [${fallback}]: `);
      rl.prompt();
      const next = await lines.next();
      if (next.done) throw new UsageError("init cancelled; nothing was written (use --yes to accept the defaults)");
      const answer = next.value.trim() || fallback;
      const problem = check(answer);
      if (!problem) return answer;
      process.stderr.write(`  ${problem}\n`);
    }
  };
  return Object.assign(ask, { close: () => rl.close() });
}

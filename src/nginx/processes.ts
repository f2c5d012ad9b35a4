/**
 * nginx's master and worker processes, read from /proc (Linux). A reload that nginx really applied
 * starts new workers; one it refused (a port already taken, say) leaves only the old ones.
 */
import { readdir, readFile } from "node:fs/promises";
import { processRuns } from "../util/process.js";

export interface Processes {
  alive(pid: number): boolean;
  /** undefined where processes cannot be listed (no /proc) */
  children(pid: number): Promise<number[] | undefined>;
  readPidFile(path: string): Promise<number | undefined>;
  /** the process title (nginx sets "nginx: worker process", "... is shutting down"); undefined when gone */
  title(pid: number): Promise<string | undefined>;
}

export const linuxProcesses: Processes = {
  alive: processRuns,
  async children(pid) {
    const entries = await readdir("/proc").catch(() => undefined);
    if (!entries) return undefined;
    const found: number[] = [];
    await Promise.all(
      entries
        .filter((name) => /^\d+$/.test(name))
        .map(async (name) => {
          const stat = await readFile(`/proc/${name}/stat`, "utf8").catch(() => "");
          // "pid (comm) state ppid ...": comm may contain spaces and parentheses, so split after the last ")"
          const ppid = Number(stat.slice(stat.lastIndexOf(")") + 2).split(" ")[1]);
          if (ppid === pid) found.push(Number(name));
        }),
    );
    return found.sort((a, b) => a - b);
  },
  async title(pid) {
    const cmdline = await readFile(`/proc/${pid}/cmdline`, "utf8").catch(() => undefined);
    return cmdline?.replace(/\0+$/, "").replaceAll("\0", " ");
  },
  async readPidFile(path) {
    const text = await readFile(path, "utf8").catch(() => "");
    const pid = Number.parseInt(text, 10);
    return Number.isInteger(pid) && pid > 0 ? pid : undefined;
  },
};

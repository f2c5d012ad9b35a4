/** What `apply` and `diff` are asked to do (the CLI's flags, and what tests inject). */
import type { LoadOptions } from "../config/load.js";
import type { Nginx } from "../nginx/nginx.js";
import type { Processes } from "../nginx/processes.js";
import type { Runner } from "../nginx/runner.js";
import type { ProbeOptions } from "../probe/probe.js";

export interface ApplyOptions extends LoadOptions {
  /** the file to write (default nginx.target) */
  target?: string | undefined;
  /** false: write and test only */
  reload?: boolean | undefined;
  dryRun?: boolean | undefined;
  /** only finish or undo an interrupted apply; deploy nothing */
  recover?: boolean | undefined;
  nginxVersion?: string | undefined;
  lockTimeoutMs?: number;
  /** how long a reload may take to start new workers */
  reloadTimeoutMs?: number;
  createNginx?: (binary: string) => Nginx;
  runner?: Runner;
  processes?: Processes;
  /** after the reload, a WebSocket handshake through nginx must succeed (`--probe URL`) */
  probe?: { url: string; options?: ProbeOptions } | undefined;
  /** progress, one line per step */
  onStep?: (message: string) => void;
}

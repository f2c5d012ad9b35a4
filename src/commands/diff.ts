/**
 * `wssgen diff`: the unified diff from the deployed target to what would be rendered, and whether an
 * apply of it is unfinished (then nginx may run another config than the file holds).
 */
import type { LoadOptions } from "../config/load.js";
import { planDeploy } from "../deploy/apply.js";
import type { AwaitingCertificate } from "../deploy/certificates.js";
import type { ApplyOptions } from "../deploy/options.js";
import { pendingApply } from "../deploy/recover.js";
import { followLinks } from "../util/write-file.js";

/** What `diff` takes of apply's options: the config, the target and how to reach nginx. */
export type DiffCommandOptions = Pick<ApplyOptions, keyof LoadOptions | "target" | "nginxVersion" | "createNginx" | "runner">;

export interface DiffCommandResult {
  /** the deployed file, absolute (symlinks not followed) */
  target: string;
  /** the unified diff; "" when the file holds what would be rendered */
  diff: string;
  /** an apply of the target left a journal: killed or still running (`unfinished`), or a --no-reload one waiting */
  pending: { unfinished: boolean; message: string } | undefined;
  /**
   * TLS sites with acme whose certificate does not exist yet: what would be rendered (as apply would
   * deploy it) has only their port-80 server, which is why `render` (the whole site) and `diff` differ
   */
  awaiting: AwaitingCertificate[];
  /** 1 when the file differs or an apply of it is unfinished, else 0 */
  exitCode: 0 | 1;
}

export async function diffCommand(options: DiffCommandOptions): Promise<DiffCommandResult> {
  const plan = await planDeploy(options);
  // an apply killed after writing leaves the file right and nginx running the old config: not "up to date"
  const pending = await pendingApply((await followLinks(plan.target)).file);
  return {
    target: plan.target,
    diff: plan.changed ? plan.diff() : "",
    pending,
    awaiting: plan.awaiting,
    exitCode: plan.changed || pending?.unfinished ? 1 : 0,
  };
}

/**
 * apply's journal: one small JSON file beside the target that says how far an apply got, durably
 * (written atomically, with fsync of the file and of its directory, at every change of state), so
 * that after a crash at any point the next apply knows whether to undo the interrupted one or finish
 * it. See docs/decisions.md ("apply is a transaction") for the states and what recovery does in each.
 */
import { createHash } from "node:crypto";
import { readFile, unlink } from "node:fs/promises";
import { basename, dirname, join } from "node:path";
import { DeployError, ExitCode } from "../errors.js";
import { describeFsError } from "../util/fs-errors.js";
import { syncDir, writeFileAtomic } from "../util/write-file.js";

/**
 * Where an apply is; each state is recorded before the work it names runs.
 * - `begun`: nothing changed yet; the backup is being (re)written from the current file.
 * - `backed-up`: the backup holds the last good config; the new file is being written.
 * - `written`: the new file is in place, untested; `nginx -T` runs.
 * - `tested`: it passed; with `reload: false` this is where a `--no-reload` apply ends (nginx has
 *   not loaded it), otherwise the reload comes next.
 * - `reloading`: the reload command runs: nginx may run the new config from here on.
 * - `verifying`: waiting for new workers, then the `--probe`.
 * - `verified`: nginx serves the new config; only the commit (removing the journal) is left.
 */
export const STATES = ["begun", "backed-up", "written", "tested", "reloading", "verifying", "verified"] as const;
export type State = (typeof STATES)[number];

export interface FileMeta {
  sha256: string;
  mode: number;
  uid: number;
  gid: number;
}

export interface Journal {
  format: typeof FORMAT;
  state: State;
  /** the apply that wrote it */
  pid: number;
  started: string;
  /** the file apply writes: the configured target with symlinks followed */
  target: string;
  /** the configured target when it is a symlink, and its link text (never replaced: written through) */
  link: { path: string; text: string } | null;
  /** the last good config, which the backup holds; null: there was no file (a first deploy) */
  previous: FileMeta | null;
  backup: string;
  /** the content being deployed */
  next: { sha256: string };
  /** false: a `--no-reload` apply */
  reload: boolean;
}

const FORMAT = "wssgen-apply-journal/1";

/** apply's own files beside the target: hidden, because nginx's include globs (`*`, `*.conf`) skip dot files. */
export function sidecar(target: string, kind: "lock" | "backup" | "journal" | "pending"): string {
  return join(dirname(target), `.${basename(target)}.wssgen-${kind}`);
}

export function sha256(content: Buffer | string): string {
  return createHash("sha256").update(content).digest("hex");
}

export function newJournal(fields: Omit<Journal, "format" | "pid" | "started" | "state">): Journal {
  return { format: FORMAT, state: "begun", pid: process.pid, started: new Date().toISOString(), ...fields };
}

export async function writeJournal(path: string, journal: Journal): Promise<void> {
  await writeFileAtomic(path, `${JSON.stringify(journal, null, 2)}\n`, { mode: 0o600 });
}

export async function removeJournal(path: string): Promise<void> {
  await unlink(path).catch((error: NodeJS.ErrnoException) => (error.code === "ENOENT" ? undefined : Promise.reject(error)));
  await syncDir(dirname(path));
}

/**
 * The journal beside `target`, or undefined when there is none. One that cannot be read or does not
 * make sense is never guessed at: exit 3 with the manual steps.
 */
export async function readJournal(path: string, target: string, manual: string[]): Promise<Journal | undefined> {
  let text: string;
  try {
    text = await readFile(path, "utf8");
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") return undefined;
    throw corrupt(path, `cannot read it: ${describeFsError(error, "read")}`, manual);
  }
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    throw corrupt(path, "it is not valid JSON", manual);
  }
  const problem = journalProblem(value, target);
  if (problem) throw corrupt(path, problem, manual);
  return value as Journal;
}

function corrupt(path: string, why: string, manual: string[]): DeployError {
  return new DeployError(
    ExitCode.unrecoverable,
    `found the journal of an interrupted apply, ${path}, but ${why}; not guessing what to undo`,
    manual,
  );
}

function journalProblem(value: unknown, target: string): string | undefined {
  if (typeof value !== "object" || value === null || Array.isArray(value)) return "it is not a journal";
  const j = value as Record<string, unknown>;
  if (j.format !== FORMAT) return `its format is not ${FORMAT}`;
  if (!STATES.includes(j.state as State)) return "its state is unknown";
  if (j.target !== target) return "it names another target";
  if (typeof j.pid !== "number" || typeof j.started !== "string" || typeof j.backup !== "string") return "it is incomplete";
  if (typeof j.reload !== "boolean") return "it is incomplete";
  const isSha = (v: unknown) => typeof v === "string" && /^[0-9a-f]{64}$/.test(v);
  const next = j.next as Record<string, unknown> | undefined;
  if (typeof next !== "object" || next === null || !isSha(next.sha256)) return "its new content has no checksum";
  const prev = j.previous as Record<string, unknown> | null | undefined;
  if (prev !== null) {
    if (typeof prev !== "object" || !isSha(prev.sha256)) return "its last good config has no checksum";
    if (![prev.mode, prev.uid, prev.gid].every((n) => typeof n === "number" && Number.isInteger(n) && n >= 0))
      return "its last good config has no mode or owner";
  }
  const link = j.link as Record<string, unknown> | null | undefined;
  if (link !== null && (typeof link !== "object" || typeof link.path !== "string" || typeof link.text !== "string"))
    return "its symlink record is incomplete";
  return undefined;
}

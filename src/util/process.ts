/** Other processes, by pid. */

/**
 * Whether a process with this pid exists: signal 0 reaches it, or it exists and belongs to another
 * user (EPERM). A pid can be reused: callers that must know it is the same process compare its
 * start time too (deploy/lock.ts).
 */
export function processRuns(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === "EPERM";
  }
}

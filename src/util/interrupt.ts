/**
 * Work that must be undone if the process is interrupted (Ctrl-C, SIGTERM): a sandbox to remove, a
 * deploy to roll back. The library only registers; the CLI decides to listen for signals.
 */

type Cleanup = () => void;
const pending = new Set<Cleanup>();

/** Registers a synchronous cleanup until `release()` is called. */
export function onInterrupt(cleanup: Cleanup): { release: () => void } {
  pending.add(cleanup);
  return { release: () => pending.delete(cleanup) };
}

/** Runs every pending cleanup, newest first; used by the CLI's signal handlers. */
export function runInterruptCleanups(): void {
  for (const cleanup of [...pending].reverse()) {
    pending.delete(cleanup);
    try {
      cleanup();
    } catch {
      // keep going: the others must still run
    }
  }
}

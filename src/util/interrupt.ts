/**
 * Work that must be undone if the process is interrupted (Ctrl-C, SIGTERM): a sandbox to remove, a
 * deploy to roll back, a temp file to delete. The library only registers; the CLI decides to listen
 * for signals, and is told when there is something to undo (`watchInterruptCleanups`), so that while
 * there is nothing to undo a signal can end the process at once, even in the middle of synchronous
 * work (a JavaScript signal handler runs only when the event loop is reached).
 */

type Cleanup = () => void;
const pending = new Set<Cleanup>();
let watcher: ((armed: boolean) => void) | undefined;

/** Registers a synchronous cleanup until `release()` is called. */
export function onInterrupt(cleanup: Cleanup): { release: () => void } {
  pending.add(cleanup);
  if (pending.size === 1) watcher?.(true);
  return {
    release: () => {
      if (pending.delete(cleanup) && pending.size === 0) watcher?.(false);
    },
  };
}

/** Runs every pending cleanup, newest first; used by the CLI's signal handlers. Returns how many ran. */
export function runInterruptCleanups(): number {
  const cleanups = [...pending].reverse();
  for (const cleanup of cleanups) {
    pending.delete(cleanup);
    try {
      cleanup();
    } catch {
      // keep going: the others must still run
    }
  }
  if (cleanups.length) watcher?.(false);
  return cleanups.length;
}

/**
 * Tells `listener` when the first cleanup is registered (`true`) and when the last one is gone
 * (`false`); called at once with the current state. One watcher (the CLI); returns an unwatch.
 */
export function watchInterruptCleanups(listener: (armed: boolean) => void): () => void {
  watcher = listener;
  listener(pending.size > 0);
  return () => {
    if (watcher === listener) watcher = undefined;
  };
}

/**
 * A checkpoint for long synchronous loops that run while a cleanup is pending: call `await
 * checkpoint()` between pieces of work; it yields to the event loop (where signal handlers and
 * stream errors run) once `budgetMs` of work has passed since the last yield, and costs nothing
 * otherwise.
 */
export function eventLoopCheckpoint(budgetMs = 10): () => Promise<void> | undefined {
  // process.hrtime, not performance.now(): the global `performance` loads perf_hooks (~0.7 ms of start-up)
  const now = () => {
    const [seconds, nanoseconds] = process.hrtime();
    return seconds * 1e3 + nanoseconds / 1e6;
  };
  let last = now();
  return () => {
    const current = now();
    if (current - last < budgetMs) return undefined;
    return new Promise<void>((resolve) =>
      setImmediate(() => {
        last = now();
        resolve();
      }),
    );
  };
}

/** `chunks` as an async iterable that reaches the event loop every `budgetMs` of work (see eventLoopCheckpoint). */
export async function* yieldingChunks<T>(chunks: Iterable<T>, budgetMs = 10): AsyncGenerator<T> {
  const checkpoint = eventLoopCheckpoint(budgetMs);
  for (const chunk of chunks) {
    yield chunk;
    await checkpoint();
  }
}

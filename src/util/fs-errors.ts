/**
 * Why a file operation failed, in words: the one table of errno codes wssgen explains. Messages
 * show these words rather than Node's text, which repeats the path (and so raw input) in its own
 * form.
 */

/**
 * The reason, e.g. "permission denied", for an error from node:fs. `action` only changes ENOENT:
 * reading, the file "does not exist"; writing, its "directory does not exist". A code the table
 * lacks is shown as the code itself (`EBUSY`); an error without one, as its message.
 */
export function describeFsError(error: unknown, action: "read" | "write"): string {
  const e = error as NodeJS.ErrnoException;
  switch (e.code) {
    case "ENOENT":
      return action === "read" ? "does not exist" : "directory does not exist";
    case "EACCES":
    case "EPERM":
      return "permission denied";
    case "EISDIR":
      return "is a directory";
    case "ENOTDIR":
      return "a parent is not a directory";
    case "ENOSPC":
      return "no space left on device";
    case "EDQUOT":
      return "disk quota exceeded";
    case "EROFS":
      return "read-only file system";
    default:
      return e.code ?? (error instanceof Error ? error.message : String(error));
  }
}

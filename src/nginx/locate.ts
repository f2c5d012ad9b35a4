/**
 * Finding the nginx executable as an operator would: a path is used as it is; a bare name is looked
 * up in PATH and then where distributions install nginx, because those places (the sbin
 * directories) are often missing from a non-root user's PATH (Debian gives users
 * /usr/local/bin:/usr/bin:/bin), and a CI job running as such a user must not silently skip `nginx -t`.
 */
import { accessSync, constants, statSync } from "node:fs";
import { delimiter, join } from "node:path";
import { showValue } from "../util/show.js";

/**
 * Where packages and source builds put the nginx binary, searched in this order after PATH:
 * - /usr/sbin: Debian and Ubuntu (`nginx`, `nginx-light`, ...), RHEL, Fedora, Rocky and Alma, Alpine,
 *   SUSE, and nginx.org's own packages (nginx.org/en/linux_packages.html: `--sbin-path=/usr/sbin/nginx`)
 * - /usr/local/sbin: FreeBSD ports, and some hand-made installs
 * - /usr/local/nginx/sbin: nginx's own default for a source build (`./configure` with no --prefix)
 * - /opt/homebrew/bin, /usr/local/bin, /home/linuxbrew/.linuxbrew/bin: Homebrew on Apple silicon,
 *   on Intel macOS, and on Linux
 * - /opt/nginx/sbin: builds under /opt (Phusion Passenger's installer, for one)
 * - /sbin, /usr/bin: systems whose PATH is minimal (Arch installs nginx in /usr/bin)
 */
export const NGINX_INSTALL_DIRS: readonly string[] = [
  "/usr/sbin",
  "/usr/local/sbin",
  "/usr/local/nginx/sbin",
  "/opt/homebrew/bin",
  "/usr/local/bin",
  "/home/linuxbrew/.linuxbrew/bin",
  "/opt/nginx/sbin",
  "/sbin",
  "/usr/bin",
];

export interface Location {
  /** what the config says (`nginx.binary`) */
  configured: string;
  /**
   * the file to run: the configured value when it is a path or a name PATH finds (the shell would
   * run the same file), the absolute path when only an install directory has it
   */
  path: string;
  /** whether an executable file was found */
  found: boolean;
  /** the executable file found (absolute for a bare name) */
  file?: string;
  /** the directories a bare name was looked up in, in order (empty for a path) */
  searched: readonly string[];
}

export interface LocateOptions {
  /** the PATH to search (default: this process's) */
  path?: string | undefined;
  /** searched after PATH (default NGINX_INSTALL_DIRS) */
  installDirs?: readonly string[];
  /** whether a file is an executable regular file (tests pass their own) */
  isExecutable?: (file: string) => boolean;
}

function isExecutableFile(file: string): boolean {
  try {
    if (!statSync(file).isFile()) return false;
    accessSync(file, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

/**
 * Where `binary` is. A value containing "/" is a path and is not searched for (relative paths are
 * relative to the working directory, as the shell has it); a bare name is looked up in each PATH
 * directory, then in `installDirs`, each directory once. Synchronous: a dozen stat calls.
 */
export function locateBinary(binary: string, options: LocateOptions = {}): Location {
  const isExecutable = options.isExecutable ?? isExecutableFile;
  if (binary.includes("/")) {
    const found = isExecutable(binary);
    return { configured: binary, path: binary, found, searched: [], ...(found ? { file: binary } : {}) };
  }
  const fromPath = (options.path ?? process.env.PATH ?? "").split(delimiter).filter((dir) => dir.startsWith("/"));
  const searched = [...new Set([...fromPath, ...(options.installDirs ?? NGINX_INSTALL_DIRS)])];
  const inPath = new Set(fromPath);
  for (const dir of searched) {
    const file = join(dir, binary);
    if (isExecutable(file)) return { configured: binary, path: inPath.has(dir) ? binary : file, found: true, searched, file };
  }
  return { configured: binary, path: binary, found: false, searched };
}

/**
 * "nginx not found: ..." with where wssgen looked, for messages (the caller appends what to do).
 * The configured value comes from the config file, so it is shown escaped and truncated.
 */
export function describeNotFound(location: Location): string {
  const { configured, searched } = location;
  if (searched.length === 0) return `nginx not found: ${showValue(configured)} is not an executable file`;
  return `nginx not found: no executable ${showValue(configured)} in PATH or the usual install places (looked in ${searched.join(", ")})`;
}

/**
 * A command's argv with a bare program name that PATH does not find replaced by its absolute path
 * in the install directories (so `nginx.reload: [nginx, -s, reload]` runs for a user whose PATH lacks
 * /usr/sbin); anything else unchanged.
 */
export function resolveCommand(argv: readonly string[], options: LocateOptions = {}): readonly string[] {
  const [program, ...args] = argv;
  if (program === undefined || program.includes("/")) return argv;
  const location = locateBinary(program, options);
  return location.path === program ? argv : [location.path, ...args];
}

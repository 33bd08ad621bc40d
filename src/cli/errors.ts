/**
 * How a command fails: an error with its exit code and one line of text,
 * a usage error (exit code 2), and the one line any other error becomes.
 *
 * @module
 */
import { CorruptIndexError, IndexLimitError, IndexStateError, InvalidNameError, LockTimeoutError } from "../format/errors.ts";
import { describeFsError } from "../format/fs_error.ts";

/**
 * An error that ends the command with a given exit code and one line of text.
 *
 * @example A lookup miss
 * ```ts
 * import { CliError } from "./errors.ts";
 * const e = new CliError('Mailbox "Trash" is not in index "u.mlist"', 1);
 * console.log(e.exitCode); // 1
 * ```
 */
export class CliError extends Error {
  /**
   * @param message The line to print (after the command's name).
   * @param exitCode The exit status.
   */
  constructor(message: string, readonly exitCode: number) {
    super(message);
  }
}

/**
 * A mistake on the command line: exit code 2, and a pointer to the
 * command's help.
 *
 * @example A missing option
 * ```ts
 * import { UsageError } from "./errors.ts";
 * console.log(new UsageError("Missing --index FILE").exitCode); // 2
 * ```
 */
export class UsageError extends CliError {
  /** @param message What is wrong with the command line. */
  constructor(message: string) {
    super(message, 2);
  }
}

/**
 * One line for any error, naming the file it concerns.
 *
 * @param e The thrown value.
 * @returns The line (without the command's name).
 *
 * @example A file system error
 * ```ts
 * import { describeError } from "./errors.ts";
 * const e = Object.assign(new Error("x"), { code: "ENOENT", path: "/tmp/u.mlist", syscall: "open" });
 * console.log(describeError(e)); // Cannot open "/tmp/u.mlist": no such file or directory
 * ```
 */
export function describeError(e: unknown): string {
  if (
    e instanceof CorruptIndexError || e instanceof InvalidNameError || e instanceof IndexLimitError ||
    e instanceof LockTimeoutError || e instanceof IndexStateError
  ) {
    return e.message;
  }
  const err = e as { code?: unknown; path?: unknown; syscall?: unknown; message?: unknown };
  if (typeof err?.code === "string" && typeof err.path === "string") {
    const what = typeof err.syscall === "string" ? err.syscall : "use";
    return `Cannot ${what} "${err.path}": ${describeFsError(e)}`;
  }
  if (e instanceof Error) return e.message.split("\n")[0];
  return String(e);
}

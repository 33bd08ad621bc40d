/**
 * The one wording of a failed file system call in messages: a few
 * lowercase words for the error's code, as the scanners, the name-list
 * readers and the command-line tool print it.
 *
 * @module
 */

const ERROR_WORDS: Record<string, string> = {
  EACCES: "permission denied",
  EPERM: "operation not permitted",
  ENOENT: "no such file or directory",
  ENOTDIR: "not a directory",
  ELOOP: "too many levels of symbolic links",
  EIO: "input/output error",
  EMFILE: "too many open files",
  ENFILE: "too many open files in the system",
  ENAMETOOLONG: "file name too long",
  EISDIR: "is a directory",
};

/**
 * Describe a file system error in a few lowercase words.
 *
 * @param err The thrown value.
 * @returns For example "permission denied"; the code itself for a code without words; else the error's message.
 *
 * @example Wording an error
 * ```ts
 * import { describeFsError } from "./fs_error.ts";
 * console.log(describeFsError(Object.assign(new Error("x"), { code: "EACCES" }))); // "permission denied"
 * ```
 */
export function describeFsError(err: unknown): string {
  const code = (err as { code?: unknown } | null)?.code;
  if (typeof code === "string") return ERROR_WORDS[code] ?? code;
  return err instanceof Error ? err.message : String(err);
}

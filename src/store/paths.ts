/**
 * The files that make one index, and replacing them as a whole.
 *
 * An index at `path` is the list file `path`, the attribute file
 * `path.attr`, the subscriptions file `path.subs` (once something was
 * subscribed), the redo journal `path.journal`, the change log
 * `path.changes` (SPEC §13) and, while a writer works, the lock file
 * `path.lock`.
 *
 * @module
 */

/** Paths of the files of one index. */
export interface IndexPaths {
  /** The list file. */
  list: string;
  /** The attribute file. */
  attr: string;
  /** The subscriptions file. */
  subs: string;
  /** The redo journal. */
  journal: string;
  /** The change log. */
  changes: string;
  /** The writer lock. */
  lock: string;
}

/**
 * The paths of the files of the index at `path`.
 *
 * @param path Path of the list file.
 * @returns The six paths.
 *
 * @example The attribute file of an index
 * ```ts
 * import { indexPaths } from "./paths.ts";
 * console.log(indexPaths("/var/mail/u.mlist").attr); // "/var/mail/u.mlist.attr"
 * ```
 */
export function indexPaths(path: string): IndexPaths {
  return {
    list: path,
    attr: `${path}.attr`,
    subs: `${path}.subs`,
    journal: `${path}.journal`,
    changes: `${path}.changes`,
    lock: `${path}.lock`,
  };
}

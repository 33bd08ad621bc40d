/**
 * The figures a check gathers about an index on its way through it.
 *
 * @module
 */

/**
 * Figures about an index, gathered while checking it.
 *
 * @example Reading the figures
 * ```ts ignore
 * const { stats } = checkIndex("/var/mail/u/mailboxes.mlist");
 * console.log(stats.live, "mailboxes in", stats.directories, "directories");
 * ```
 */
export interface CheckStats {
  /** Size of the list file in bytes. */
  fileSize: number;
  /** Directories reachable from the root (one per chain). */
  directories: number;
  /** Directory copies in those chains, older ones included. */
  directoryCopies: number;
  /** Live records (mailboxes). */
  live: number;
  /** Records with the deleted bit in the newest directory copies. */
  deleted: number;
  /** Deepest level of a live record (1 = top level; 0 = empty index). */
  maxDepth: number;
  /** Bytes of the live structures (header, newest directories, their names). */
  liveBytes: number;
  /** Entries of the attribute file (deleted ones included). */
  attrEntries: number;
  /** Mailboxes with `\NonExistent`. */
  nonExistent: number;
  /** Mailboxes with `\Noselect`. */
  noSelect: number;
  /** Mailboxes with a STATUS cache. */
  withStatus: number;
  /** Mailboxes with special-use attributes (RFC 6154). */
  specialUse: number;
  /** Mailboxes with a GUID (SPEC §12; none in a version-1 attribute file). */
  guids: number;
  /** Subscribed names (0 when the index has no subscriptions file or it is damaged). */
  subscriptions: number;
  /** Batches kept in the change log (SPEC §13; 0 without a log or with a damaged one). */
  changeBatches: number;
}

/**
 * Figures of an index not looked at yet: all zero.
 *
 * @returns New figures.
 *
 * @example Starting a count
 * ```ts
 * import { emptyStats } from "./stats.ts";
 * const stats = emptyStats();
 * stats.live++;
 * console.log(stats.live, stats.directories); // 1 0
 * ```
 */
export function emptyStats(): CheckStats {
  return {
    fileSize: 0,
    directories: 0,
    directoryCopies: 0,
    live: 0,
    deleted: 0,
    maxDepth: 0,
    liveBytes: 0,
    attrEntries: 0,
    nonExistent: 0,
    noSelect: 0,
    withStatus: 0,
    specialUse: 0,
    guids: 0,
    subscriptions: 0,
    changeBatches: 0,
  };
}

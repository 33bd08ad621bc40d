/**
 * Shared value types of the public API.
 *
 * @module
 */

/** One mailbox as readers report it (SPEC §5). */
export interface MailboxInfo {
  /** Full name, levels joined with the index's separator. */
  name: string;
  /** Stable UID of the mailbox's record. */
  uid: number;
  /** True when the mailbox has at least one live child in the index. */
  hasChildren: boolean;
  /** {@linkcode MailboxFlags} bits from the attribute file. */
  flags: number;
}

/** Cached STATUS figures of one mailbox (SPEC §3). */
export interface MailboxStatus {
  /** Number of messages. */
  messages: number;
  /** Number of messages without \Seen. */
  unseen: number;
  /** Number of messages with \Recent. */
  recent: number;
  /** The mailbox's own UIDVALIDITY (0 when unknown). */
  uidValidity: number;
  /** The mailbox's own UIDNEXT (0 when unknown). */
  uidNext: number;
}

/** Options of {@linkcode MailboxListIndex.iterate}. */
export interface IterateOptions {
  /** 0 = only direct children of the path; default unlimited. */
  depth?: number;
}

/** Where per-UID flags come from while iterating. */
export interface FlagSource {
  /** Flags of a UID (0 when unknown). */
  flagsOf(uid: number): number;
}

/**
 * The list file header as the API reports it.
 *
 * @example How much of the file is garbage
 * ```ts ignore
 * const { usedSpace, deletedSpace } = index.header;
 * console.log(`${Math.round((100 * deletedSpace) / usedSpace)}% deleted`);
 * ```
 */
export interface IndexHeader {
  /** Bumped each time the file is recreated. */
  fileSeq: number;
  /** The index's UIDVALIDITY. */
  uidValidity: number;
  /** The UID the next new mailbox gets. */
  nextUid: number;
  /** Bytes in use. */
  usedSpace: number;
  /** Bytes known to be garbage. */
  deletedSpace: number;
}

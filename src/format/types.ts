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
  /**
   * {@linkcode MailboxFlags} bits (0–7) and special-use bits (8–14:
   * `flags & SPECIAL_USE_MASK`, RFC 6154) from the attribute file.
   */
  flags: number;
  /**
   * The mailbox GUID (SPEC §12), 32 lowercase hex digits: present only when
   * asked for (`iterate(path, { guids: true })`, `list(..., { guids: true })`)
   * and the mailbox has one (a `\NonExistent` placeholder has none).
   */
  guid?: string;
}

/**
 * Cached STATUS figures of one mailbox (SPEC §3, §12). The five figures
 * are always there; `highestModSeq`, `size` and `deleted` only when the
 * cache was given them. The 64-bit figures are read back as a `number` up
 * to 2^53 − 1 (`Number.MAX_SAFE_INTEGER`) and as a `bigint` above it, and
 * may be given either way; `setStatus` refuses (never clips) a figure
 * outside its range: 0 to 2^32 − 1 for the 32-bit ones, 0 to 2^63 − 1 for
 * the 64-bit ones (the range RFC 7162 and RFC 8438 give them).
 */
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
  /** HIGHESTMODSEQ (RFC 7162, STATUS HIGHESTMODSEQ), 64-bit. */
  highestModSeq?: number | bigint;
  /** The mailbox's size in octets (RFC 8438, STATUS SIZE), 64-bit. */
  size?: number | bigint;
  /** Number of messages with \Deleted (RFC 9051, STATUS DELETED). */
  deleted?: number;
}

/** Options of {@linkcode MailboxListIndex.iterate}. */
export interface IterateOptions {
  /** 0 = only direct children of the path; default unlimited. */
  depth?: number;
  /**
   * Give each mailbox its `guid` (default false: without it, iterating
   * reads no GUID and formats no hex string per mailbox).
   */
  guids?: boolean;
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

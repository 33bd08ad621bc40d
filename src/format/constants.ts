/**
 * Sizes, versions and limits of the list index format (SPEC §2, §9), named once.
 *
 * @module
 */

/** Major version byte this library reads and writes. */
export const MAJOR_VERSION = 1;
/** Minor version byte this library writes. */
export const MINOR_VERSION = 0;
/** Size of the list file header in bytes. */
export const HEADER_SIZE = 28;
/** Size of a directory record header (next_offset, dir_size, count). */
export const DIR_HEADER_SIZE = 12;
/** Size of one record (name_hash, uid, name_offset, dir_offset). */
export const RECORD_SIZE = 16;
/** Bit 31 of a record's uid word marks the record deleted. */
export const DELETED_BIT = 0x80000000;
/** Mask of the UID bits of a record's uid word. */
export const UID_MASK = 0x7fffffff;
/** Largest UID a record can carry. */
export const MAX_UID = 0x7fffffff;
/** Every structure starts at a multiple of this. */
export const ALIGNMENT = 4;
/** Exclusive upper bound of an addressable offset: offsets are 28-bit words. */
export const MAX_FILE_SIZE = 1 << 30;
/** Files grow to a multiple of this many bytes. */
export const GROWTH_BLOCK = 512;
/** Minimum number of bytes a file grows by. */
export const GROWTH_MIN = 512;
/** Growth step in percent of the needed size. */
export const GROWTH_PERCENT = 10;
/** Compression happens when deleted space reaches this percentage of used space. */
export const COMPRESS_PERCENT = 10;
/** Compression needs at least this much used space. */
export const COMPRESS_MIN_USED = 1024;
/**
 * A commit that replaced a directory copy of at least this many bytes
 * compresses only once deleted space is {@linkcode COMPRESS_AMORTIZE_FACTOR}
 * times that copy (smaller directories keep the original rule).
 */
export const COMPRESS_AMORTIZE_FROM = 256 << 10;
/** See {@linkcode COMPRESS_AMORTIZE_FROM}. */
export const COMPRESS_AMORTIZE_FACTOR = 4;

/** Mailbox attribute flags kept per UID in the attribute file (SPEC §3). */
export const MailboxFlags = {
  /** The mailbox has child mailboxes. */
  Children: 1,
  /** The mailbox has no child mailboxes (set by the caller). */
  NoChildren: 2,
  /** The mailbox cannot be selected. */
  NoSelect: 4,
  /** The mailbox does not exist; it is only a parent of others. */
  NonExistent: 8,
  /**
   * The mailbox cannot have children (`\NoInferiors`, RFC 3501 §7.2.2):
   * set by the caller, like NOSELECT; a sync refuses to add a child under it.
   */
  NoInferiors: 0x10,
} as const;

/** One of the {@linkcode MailboxFlags} bits, or several ORed together. */
export type MailboxFlags = number;

/** Longest name (in bytes) a reader accepts before calling the file corrupt. */
export const MAX_NAME_SCAN = 65536;

/**
 * What {@linkcode dumpIndex} shows of an index: its header, its directory
 * chains with their records, and the attribute file's entries.
 *
 * @module
 */
import type { AttrHeader } from "../format/attr_codec.ts";
import type { ListHeader } from "../format/header.ts";
import type { MailboxStatus } from "../format/types.ts";
import type { CheckProblem } from "./problems.ts";

/**
 * One record as {@linkcode dumpIndex} shows it.
 *
 * @example A record
 * ```ts
 * import type { DumpRecord } from "./dump_types.ts";
 * const r: DumpRecord = {
 *   offset: 40, hash: 0x76bace76, uid: 1, deleted: false, nameOffset: 56, name: "INBOX", mailbox: "INBOX", dirOffset: 0,
 * };
 * ```
 */
export interface DumpRecord {
  /** Offset of the record in the list file. */
  offset: number;
  /** The stored name hash. */
  hash: number;
  /** The UID. */
  uid: number;
  /** Whether the deleted bit is set. */
  deleted: boolean;
  /** Plain offset of the name. */
  nameOffset: number;
  /** This level's name (empty when it could not be read). */
  name: string;
  /** The full mailbox name. */
  mailbox: string;
  /** Decoded offset of the child directory (0 = none). */
  dirOffset: number;
}

/**
 * One directory chain as {@linkcode dumpIndex} shows it: its newest copy's
 * header and records, and the offsets of the older copies.
 *
 * @example A directory
 * ```ts
 * import type { DumpDirectory } from "./dump_types.ts";
 * const d: DumpDirectory = { offset: 28, copies: [], owner: "", ownerUid: 0, dirSize: 12, count: 0, records: [] };
 * ```
 */
export interface DumpDirectory {
  /** Offset of the newest copy (the one readers use). */
  offset: number;
  /** Offsets of the older copies, oldest first (their next_offset chain leads here). */
  copies: number[];
  /** Full name of the mailbox that owns the directory ("" = the root). */
  owner: string;
  /** UID of the owner (0 = the root). */
  ownerUid: number;
  /** The newest copy's dir_size. */
  dirSize: number;
  /** The newest copy's record count. */
  count: number;
  /** The newest copy's records, in file order. */
  records: DumpRecord[];
}

/**
 * One attribute file entry as {@linkcode dumpIndex} shows it.
 *
 * @example An entry
 * ```ts
 * import type { DumpAttrEntry } from "./dump_types.ts";
 * const e: DumpAttrEntry = { offset: 48, uid: 1, deleted: false, flags: 2, flagNames: ["\\HasNoChildren"] };
 * ```
 */
export interface DumpAttrEntry {
  /** Offset of the entry in the attribute file. */
  offset: number;
  /** The UID. */
  uid: number;
  /** Whether the entry is deleted. */
  deleted: boolean;
  /** The {@linkcode MailboxFlags} bits. */
  flags: number;
  /** The flags as LIST attribute names. */
  flagNames: string[];
  /** The STATUS cache, when set. */
  status?: MailboxStatus;
  /** The mailbox GUID (32 lowercase hex digits), when it has one (SPEC §12). */
  guid?: string;
}

/**
 * Everything {@linkcode dumpIndex} read, plus the problems met.
 *
 * @example Walking a dump
 * ```ts ignore
 * const dump = dumpIndex("/var/mail/u/mailboxes.mlist");
 * for (const d of dump.directories) console.log(d.offset, d.owner, d.count);
 * ```
 */
export interface IndexDump {
  /** Path of the list file. */
  file: string;
  /** Size of the list file. */
  fileSize: number;
  /** The list file header, when it could be read. */
  header?: ListHeader & { majorVersion: number; minorVersion: number };
  /** Directories in depth-first pre-order (the layout order of a fresh rebuild). */
  directories: DumpDirectory[];
  /** The attribute file, when it could be read. */
  attr?: { file: string; fileSize: number; header: AttrHeader; separator?: string; entries: DumpAttrEntry[] };
  /** The subscribed names (SPEC §12), when the index has a readable subscriptions file. */
  subscriptions?: string[];
  /** Problems met while reading, as {@linkcode checkIndex} reports them. */
  problems: CheckProblem[];
}

/**
 * Codec of the attribute file (SPEC §3): a header, then fixed-size entries
 * sorted by UID, so a UID is found by binary search on the bytes.
 *
 * ```
 * header (48 bytes)                    entry (32 bytes)
 *  0 magic "MLIA"                        0 uid (bit 31: deleted)
 *  4 version 1                           4 flags (bits 0-14) | STATUS_SET (bit 31)
 *  8 header_size 48                      8 messages
 * 12 uid_validity (= list file's)       12 unseen
 * 16 list_file_seq (= list file's)      16 recent
 * 20 next_uid mirror                    20 uid_validity of the mailbox
 * 24 count (entries, deleted included)  24 uid_next of the mailbox
 * 28 entry_size 32                      28 reserved (0)
 * 32 live (entries not deleted)
 * 36 separator byte of the names (0 = unknown)
 * 40 reserved
 * 44 CRC-32 of bytes [0, 44)
 * ```
 *
 * @module
 */
import { DELETED_BIT, UID_MASK } from "./constants.ts";
import { CorruptIndexError } from "./errors.ts";
import { FLAG_BITS } from "./flags.ts";
import { hashBytes } from "./name_hash.ts";
import type { MailboxStatus } from "./types.ts";

/** Size of the attribute file header. */
export const ATTR_HEADER_SIZE = 48;
/** Size of one attribute entry. */
export const ATTR_ENTRY_SIZE = 32;
/** Version written into the header. */
export const ATTR_VERSION = 1;
/** Bit of an entry's flags word that says the STATUS cache is set. */
export const STATUS_SET_BIT = 0x80000000;
const MAGIC = [0x4d, 0x4c, 0x49, 0x41]; // "MLIA"

/** Decoded attribute file header. */
export interface AttrHeader {
  /** Must equal the list file's uid_validity. */
  uidValidity: number;
  /** The list file's file_seq this attribute file belongs to. */
  listFileSeq: number;
  /** Mirror of the list file's next_uid. */
  nextUid: number;
  /** Number of entries, deleted ones included. */
  count: number;
  /** Number of entries not deleted. */
  live: number;
  /** Separator byte the index was created with (0 = unknown). */
  separator: number;
}

/**
 * Write an attribute header (with its checksum) at the start of `bytes`.
 *
 * @param bytes Destination, at least 48 bytes.
 * @param h Header fields.
 * @returns Nothing.
 *
 * @example Write a header and read it back
 * ```ts
 * import { decodeAttrHeader, encodeAttrHeader } from "./attr_codec.ts";
 * const b = new Uint8Array(48);
 * encodeAttrHeader(b, { uidValidity: 9, listFileSeq: 1, nextUid: 1, count: 0, live: 0, separator: 47 });
 * console.log(decodeAttrHeader(b, 48, "x").uidValidity); // 9
 * ```
 */
export function encodeAttrHeader(bytes: Uint8Array, h: AttrHeader): void {
  const dv = new DataView(bytes.buffer, bytes.byteOffset, ATTR_HEADER_SIZE);
  bytes.set(MAGIC, 0);
  dv.setUint32(4, ATTR_VERSION, true);
  dv.setUint32(8, ATTR_HEADER_SIZE, true);
  dv.setUint32(12, h.uidValidity, true);
  dv.setUint32(16, h.listFileSeq, true);
  dv.setUint32(20, h.nextUid, true);
  dv.setUint32(24, h.count, true);
  dv.setUint32(28, ATTR_ENTRY_SIZE, true);
  dv.setUint32(32, h.live, true);
  dv.setUint32(36, h.separator & 0xff, true);
  dv.setUint32(40, 0, true);
  dv.setUint32(44, hashBytes(bytes, 0, 44), true);
}

/**
 * Read and check an attribute header.
 *
 * @param bytes The file's bytes (at least the header).
 * @param fileSize Size of the file.
 * @param file Path, for errors.
 * @returns The header.
 * @throws CorruptIndexError on a bad magic, version, checksum or count.
 *
 * @example A zeroed header is refused
 * ```ts
 * import { decodeAttrHeader } from "./attr_codec.ts";
 * try { decodeAttrHeader(new Uint8Array(48), 48, "a"); } catch (e) { console.log((e as Error).name); }
 * ```
 */
export function decodeAttrHeader(bytes: Uint8Array, fileSize: number, file: string): AttrHeader {
  if (fileSize < ATTR_HEADER_SIZE || bytes.length < ATTR_HEADER_SIZE) {
    throw new CorruptIndexError(file, 0, `file size ${fileSize} is smaller than the attribute header`);
  }
  for (let i = 0; i < 4; i++) {
    if (bytes[i] !== MAGIC[i]) throw new CorruptIndexError(file, 0, "bad attribute file magic");
  }
  const dv = new DataView(bytes.buffer, bytes.byteOffset, ATTR_HEADER_SIZE);
  if (dv.getUint32(44, true) !== hashBytes(bytes, 0, 44)) {
    throw new CorruptIndexError(file, 44, "attribute header checksum mismatch");
  }
  if (dv.getUint32(4, true) !== ATTR_VERSION) {
    throw new CorruptIndexError(file, 4, `attribute file version ${dv.getUint32(4, true)} is not ${ATTR_VERSION}`);
  }
  if (dv.getUint32(8, true) !== ATTR_HEADER_SIZE || dv.getUint32(28, true) !== ATTR_ENTRY_SIZE) {
    throw new CorruptIndexError(file, 8, "unexpected attribute header or entry size");
  }
  const h: AttrHeader = {
    uidValidity: dv.getUint32(12, true),
    listFileSeq: dv.getUint32(16, true),
    nextUid: dv.getUint32(20, true),
    count: dv.getUint32(24, true),
    live: dv.getUint32(32, true),
    separator: dv.getUint32(36, true) & 0xff,
  };
  if (h.count > (fileSize - ATTR_HEADER_SIZE) / ATTR_ENTRY_SIZE) {
    throw new CorruptIndexError(file, 24, `entry count ${h.count} exceeds file size ${fileSize}`);
  }
  if (h.live > h.count) throw new CorruptIndexError(file, 32, `live count ${h.live} exceeds count ${h.count}`);
  return h;
}

/**
 * Write one entry at byte position `pos`.
 *
 * @param dv View over the destination.
 * @param pos Byte position of the entry.
 * @param uid The UID (bit 31 set for a deleted entry).
 * @param flags Mailbox flags and special-use bits ({@linkcode FLAG_BITS}).
 * @param status STATUS figures, or undefined when not cached.
 * @returns Nothing.
 *
 * @example An entry without STATUS
 * ```ts
 * import { writeAttrEntry } from "./attr_codec.ts";
 * const b = new Uint8Array(32);
 * writeAttrEntry(new DataView(b.buffer), 0, 5, 1, undefined);
 * console.log(b[0]); // 5
 * ```
 */
export function writeAttrEntry(
  dv: DataView,
  pos: number,
  uid: number,
  flags: number,
  status: MailboxStatus | undefined,
): void {
  dv.setUint32(pos, uid >>> 0, true);
  dv.setUint32(pos + 4, ((flags & FLAG_BITS) | (status ? STATUS_SET_BIT : 0)) >>> 0, true);
  dv.setUint32(pos + 8, status ? status.messages >>> 0 : 0, true);
  dv.setUint32(pos + 12, status ? status.unseen >>> 0 : 0, true);
  dv.setUint32(pos + 16, status ? status.recent >>> 0 : 0, true);
  dv.setUint32(pos + 20, status ? status.uidValidity >>> 0 : 0, true);
  dv.setUint32(pos + 24, status ? status.uidNext >>> 0 : 0, true);
  dv.setUint32(pos + 28, 0, true);
}

/**
 * Find the entry of a UID by binary search over `count` entries.
 *
 * @param dv View over the whole attribute file image.
 * @param count Number of entries.
 * @param uid UID to find.
 * @returns Byte position of the entry (deleted or not), or -1.
 *
 * @example UID 9 among two entries
 * ```ts
 * import { findAttrEntry, writeAttrEntry, ATTR_HEADER_SIZE } from "./attr_codec.ts";
 * const b = new Uint8Array(48 + 64), dv = new DataView(b.buffer);
 * writeAttrEntry(dv, 48, 3, 0, undefined); writeAttrEntry(dv, 80, 9, 0, undefined);
 * console.log(findAttrEntry(dv, 2, 9)); // 80
 * ```
 */
export function findAttrEntry(dv: DataView, count: number, uid: number): number {
  let lo = 0, hi = count;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    const u = dv.getUint32(ATTR_HEADER_SIZE + mid * ATTR_ENTRY_SIZE, true) & UID_MASK;
    if (u < uid) lo = mid + 1;
    else if (u > uid) hi = mid;
    else return ATTR_HEADER_SIZE + mid * ATTR_ENTRY_SIZE;
  }
  return -1;
}

/**
 * Whether the entry at `pos` is deleted.
 *
 * @param dv View over the image.
 * @param pos Byte position of the entry.
 * @returns True when bit 31 of its uid word is set.
 *
 * @example An entry with bit 31 of its uid word set
 * ```ts
 * import { isAttrEntryDeleted } from "./attr_codec.ts";
 * const b = new Uint8Array(32); b[3] = 0x80;
 * console.log(isAttrEntryDeleted(new DataView(b.buffer), 0)); // true
 * ```
 */
export function isAttrEntryDeleted(dv: DataView, pos: number): boolean {
  return (dv.getUint32(pos, true) & DELETED_BIT) !== 0;
}

/**
 * Where the words of an attribute entry lie, relative to the entry: for
 * naming the offset of a field in a report.
 *
 * @example The offset of an entry's flags word
 * ```ts
 * import { ATTR_ENTRY_FIELD, ATTR_HEADER_SIZE } from "./attr_codec.ts";
 * console.log(ATTR_HEADER_SIZE + ATTR_ENTRY_FIELD.flags); // 52
 * ```
 */
export const ATTR_ENTRY_FIELD: Readonly<{ uid: number; flags: number; reserved: number }> = Object.freeze({
  uid: 0,
  flags: 4,
  reserved: 28,
});

/**
 * The UID of the entry at `pos` (without the deleted bit).
 *
 * @param dv View over the image.
 * @param pos Byte position of the entry.
 * @returns Its UID.
 *
 * @example A deleted entry's UID
 * ```ts
 * import { attrEntryUid } from "./attr_codec.ts";
 * const b = new Uint8Array(32); b[0] = 5; b[3] = 0x80;
 * console.log(attrEntryUid(new DataView(b.buffer), 0)); // 5
 * ```
 */
export function attrEntryUid(dv: DataView, pos: number): number {
  return dv.getUint32(pos + ATTR_ENTRY_FIELD.uid, true) & UID_MASK;
}

/**
 * The flags word of the entry at `pos` as stored: the flag bits (0–7), the
 * special-use bits (8–14) and {@linkcode STATUS_SET_BIT}.
 *
 * @param dv View over the image.
 * @param pos Byte position of the entry.
 * @returns The word.
 *
 * @example An entry's flags
 * ```ts
 * import { attrEntryFlagWord, writeAttrEntry } from "./attr_codec.ts";
 * const b = new Uint8Array(32), dv = new DataView(b.buffer);
 * writeAttrEntry(dv, 0, 1, 9, undefined);
 * console.log(attrEntryFlagWord(dv, 0)); // 9
 * ```
 */
export function attrEntryFlagWord(dv: DataView, pos: number): number {
  return dv.getUint32(pos + ATTR_ENTRY_FIELD.flags, true);
}

/**
 * The reserved word of the entry at `pos` (0 as written).
 *
 * @param dv View over the image.
 * @param pos Byte position of the entry.
 * @returns The word.
 *
 * @example A fresh entry
 * ```ts
 * import { attrEntryReserved, writeAttrEntry } from "./attr_codec.ts";
 * const b = new Uint8Array(32), dv = new DataView(b.buffer);
 * writeAttrEntry(dv, 0, 1, 0, undefined);
 * console.log(attrEntryReserved(dv, 0)); // 0
 * ```
 */
export function attrEntryReserved(dv: DataView, pos: number): number {
  return dv.getUint32(pos + ATTR_ENTRY_FIELD.reserved, true);
}

/**
 * Read the STATUS cache of the entry at `pos`.
 *
 * @param dv View over the image.
 * @param pos Byte position of the entry.
 * @returns The figures, or undefined when the cache is not set.
 *
 * @example The STATUS written with an entry
 * ```ts
 * import { readAttrStatus, writeAttrEntry } from "./attr_codec.ts";
 * const b = new Uint8Array(32), dv = new DataView(b.buffer);
 * writeAttrEntry(dv, 0, 1, 0, { messages: 3, unseen: 1, recent: 0, uidValidity: 0, uidNext: 0 });
 * console.log(readAttrStatus(dv, 0)?.messages); // 3
 * ```
 */
export function readAttrStatus(dv: DataView, pos: number): MailboxStatus | undefined {
  if ((dv.getUint32(pos + 4, true) & STATUS_SET_BIT) === 0) return undefined;
  return {
    messages: dv.getUint32(pos + 8, true),
    unseen: dv.getUint32(pos + 12, true),
    recent: dv.getUint32(pos + 16, true),
    uidValidity: dv.getUint32(pos + 20, true),
    uidNext: dv.getUint32(pos + 24, true),
  };
}

/**
 * Column-wise attributes of many mailboxes, for building whole files
 * without an object per mailbox.
 */
export interface AttrColumns {
  /** UIDs, ascending. */
  uids: Uint32Array;
  /** Flags per entry, special-use bits included ({@linkcode FLAG_BITS}). */
  flags: Uint8Array | Uint16Array;
  /** 1 where a STATUS cache is set, per entry (optional). */
  statusSet?: Uint8Array;
  /** 5 figures per entry: messages, unseen, recent, uidValidity, uidNext (optional). */
  statusValues?: Uint32Array;
  /** Number of entries used from the columns. */
  count: number;
}

/**
 * Build a whole attribute file image from columns.
 *
 * @param uidValidity The list file's uid_validity.
 * @param listFileSeq The list file's file_seq.
 * @param nextUid The list file's next_uid.
 * @param cols Entries, UIDs ascending.
 * @param separator Separator byte of the names (0 = unknown).
 * @returns The file's bytes.
 *
 * @example An image of two entries
 * ```ts
 * import { encodeAttrImage } from "./attr_codec.ts";
 * const img = encodeAttrImage(7, 1, 3, { uids: new Uint32Array([1, 2]), flags: new Uint8Array([9, 0]), count: 2 });
 * console.log(img.length); // 112
 * ```
 */
export function encodeAttrImage(
  uidValidity: number,
  listFileSeq: number,
  nextUid: number,
  cols: AttrColumns,
  separator = 0,
): Uint8Array {
  const n = cols.count;
  const out = new Uint8Array(ATTR_HEADER_SIZE + n * ATTR_ENTRY_SIZE);
  const dv = new DataView(out.buffer);
  encodeAttrHeader(out, { uidValidity, listFileSeq, nextUid, count: n, live: n, separator });
  const { uids, flags, statusSet, statusValues } = cols;
  for (let i = 0, pos = ATTR_HEADER_SIZE; i < n; i++, pos += ATTR_ENTRY_SIZE) {
    const set = statusSet !== undefined && statusSet[i] !== 0;
    dv.setUint32(pos, uids[i], true);
    dv.setUint32(pos + 4, ((flags[i] & FLAG_BITS) | (set ? STATUS_SET_BIT : 0)) >>> 0, true);
    if (set && statusValues) {
      for (let k = 0; k < 5; k++) dv.setUint32(pos + 8 + 4 * k, statusValues[i * 5 + k], true);
    }
  }
  return out;
}

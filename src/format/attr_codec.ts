/**
 * Codec of the attribute file (SPEC §3, §12): a header, then fixed-size
 * entries sorted by UID, so a UID is found by binary search on the bytes.
 * Version 2 is written; version 1 (32-byte entries, before GUIDs and the
 * three newer STATUS figures) is still read, every field through the same
 * functions, which take the entry size from the header.
 *
 * ```
 * header (48 bytes)                    entry, version 2 (64 bytes)
 *  0 magic "MLIA"                        0 uid (bit 31: deleted)
 *  4 version 2 (1)                       4 flags: bits 0-7 MailboxFlags, 8-14 special-use,
 *  8 header_size 48                        15-27 zero; STATUS bits: 31 the five figures,
 * 12 uid_validity (= list file's)          30 highest_modseq, 29 size, 28 deleted
 * 16 list_file_seq (= list file's)      8 messages
 * 20 next_uid mirror                    12 unseen
 * 24 count (entries, deleted included)  16 recent
 * 28 entry_size 64 (32)                 20 uid_validity of the mailbox
 * 32 live (entries not deleted)         24 uid_next of the mailbox
 * 36 separator byte of the names        28 deleted (messages with \Deleted)
 *    (0 = unknown)                      32 highest_modseq (64-bit little-endian)
 * 40 reserved                           40 size in octets (64-bit little-endian)
 * 44 CRC-32 of bytes [0, 44)            48 GUID (16 bytes; all zero = none)
 *
 * entry, version 1 (32 bytes): bytes 0-27 as above (flags word: bit 31
 * only), 28 reserved (0); no GUID, no highest_modseq, size or deleted.
 * ```
 *
 * A figure is set only when its STATUS bit is: without bit 31 the entry
 * has no STATUS cache at all and bits 28-30 are 0 too.
 *
 * @module
 */
import { DELETED_BIT, UID_MASK } from "./constants.ts";
import { CorruptIndexError } from "./errors.ts";
import { FLAG_BITS } from "./flags.ts";
import { GUID_SIZE, guidHex, isZeroGuid } from "./guid.ts";
import { hashBytes } from "./name_hash.ts";
import {
  STATUS_BITS,
  STATUS_DELETED_BIT,
  STATUS_MODSEQ_BIT,
  STATUS_SET_BIT,
  STATUS_SIZE_BIT,
  STATUS_WORDS,
  statusToWords,
  u64Value,
} from "./status.ts";
import type { MailboxStatus } from "./types.ts";

export { STATUS_BITS, STATUS_DELETED_BIT, STATUS_MODSEQ_BIT, STATUS_SET_BIT, STATUS_SIZE_BIT, STATUS_WORDS };

/** Size of the attribute file header. */
export const ATTR_HEADER_SIZE = 48;
/** Size of one attribute entry as written (version 2). */
export const ATTR_ENTRY_SIZE = 64;
/** Size of one entry of a version-1 file. */
export const ATTR_ENTRY_SIZE_V1 = 32;
/** Version written into the header. */
export const ATTR_VERSION = 2;
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
  /**
   * Bytes per entry: {@linkcode ATTR_ENTRY_SIZE} (version 2) or
   * {@linkcode ATTR_ENTRY_SIZE_V1} (version 1). Always set by
   * {@linkcode decodeAttrHeader}; {@linkcode encodeAttrHeader} writes
   * version 2 unless it is 32.
   */
  entrySize?: number;
}

/**
 * Write an attribute header (with its checksum) at the start of `bytes`:
 * version 2, unless `h.entrySize` is 32 (version 1, for files written as
 * older versions of this library wrote them).
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
  const v1 = h.entrySize === ATTR_ENTRY_SIZE_V1;
  bytes.set(MAGIC, 0);
  dv.setUint32(4, v1 ? 1 : ATTR_VERSION, true);
  dv.setUint32(8, ATTR_HEADER_SIZE, true);
  dv.setUint32(12, h.uidValidity, true);
  dv.setUint32(16, h.listFileSeq, true);
  dv.setUint32(20, h.nextUid, true);
  dv.setUint32(24, h.count, true);
  dv.setUint32(28, v1 ? ATTR_ENTRY_SIZE_V1 : ATTR_ENTRY_SIZE, true);
  dv.setUint32(32, h.live, true);
  dv.setUint32(36, h.separator & 0xff, true);
  dv.setUint32(40, 0, true);
  dv.setUint32(44, hashBytes(bytes, 0, 44), true);
}

/**
 * Read and check an attribute header: version 2 with 64-byte entries, or
 * version 1 with 32-byte entries.
 *
 * @param bytes The file's bytes (at least the header).
 * @param fileSize Size of the file.
 * @param file Path, for errors.
 * @returns The header, `entrySize` set.
 * @throws CorruptIndexError on a bad magic, version, checksum, sizes or count.
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
  const version = dv.getUint32(4, true);
  if (version !== 1 && version !== ATTR_VERSION) {
    throw new CorruptIndexError(file, 4, `attribute file version ${version} is not 1 or ${ATTR_VERSION}`);
  }
  const entrySize = version === 1 ? ATTR_ENTRY_SIZE_V1 : ATTR_ENTRY_SIZE;
  if (dv.getUint32(8, true) !== ATTR_HEADER_SIZE || dv.getUint32(28, true) !== entrySize) {
    throw new CorruptIndexError(file, 8, `unexpected attribute header or entry size for version ${version}`);
  }
  const h: AttrHeader = {
    uidValidity: dv.getUint32(12, true),
    listFileSeq: dv.getUint32(16, true),
    nextUid: dv.getUint32(20, true),
    count: dv.getUint32(24, true),
    live: dv.getUint32(32, true),
    separator: dv.getUint32(36, true) & 0xff,
    entrySize,
  };
  if (h.count > (fileSize - ATTR_HEADER_SIZE) / entrySize) {
    throw new CorruptIndexError(file, 24, `entry count ${h.count} exceeds file size ${fileSize}`);
  }
  if (h.live > h.count) throw new CorruptIndexError(file, 32, `live count ${h.live} exceeds count ${h.count}`);
  return h;
}

/**
 * Byte position of entry `index`.
 *
 * @param index The entry's index (0 = the first).
 * @param entrySize The file's entry size (default version 2's).
 * @returns Its position.
 *
 * @example The third entry of a version-1 file
 * ```ts
 * import { attrEntryPosition } from "./attr_codec.ts";
 * console.log(attrEntryPosition(2, 32), attrEntryPosition(2)); // 112 176
 * ```
 */
export function attrEntryPosition(index: number, entrySize: number = ATTR_ENTRY_SIZE): number {
  return ATTR_HEADER_SIZE + index * entrySize;
}

const scratch = new Uint32Array(STATUS_WORDS);

/**
 * Write one version-2 entry at byte position `pos`.
 *
 * @param dv View over the destination.
 * @param pos Byte position of the entry.
 * @param uid The UID (bit 31 set for a deleted entry).
 * @param flags Mailbox flags and special-use bits ({@linkcode FLAG_BITS}).
 * @param status STATUS figures (checked by `checkStatus` of status.ts), or undefined when not cached.
 * @param guid Bytes holding the GUID at `guidAt`, or undefined for none.
 * @param guidAt Where the GUID starts in `guid`.
 * @returns Nothing.
 *
 * @example An entry without STATUS
 * ```ts
 * import { writeAttrEntry } from "./attr_codec.ts";
 * const b = new Uint8Array(64);
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
  guid?: Uint8Array,
  guidAt = 0,
): void {
  const bits = status !== undefined ? statusToWords(status, scratch, 0) : 0;
  if (status === undefined) scratch.fill(0);
  dv.setUint32(pos, uid >>> 0, true);
  dv.setUint32(pos + 4, ((flags & FLAG_BITS) | bits) >>> 0, true);
  for (let k = 0; k < STATUS_WORDS; k++) dv.setUint32(pos + 8 + 4 * k, scratch[k], true);
  for (let i = 0; i < GUID_SIZE; i++) dv.setUint8(pos + ATTR_ENTRY_FIELD.guid + i, guid === undefined ? 0 : guid[guidAt + i]);
}

/**
 * Write one version-2 entry from words, as column stores keep them (a
 * rebuild's names): the flags word as it is, STATUS words and GUID words
 * when given (else 0).
 *
 * @param dv View over the destination.
 * @param pos Byte position of the entry.
 * @param uid The UID.
 * @param flagWord The flags word, STATUS bits included ({@linkcode STATUS_BITS}).
 * @param status {@linkcode STATUS_WORDS} words at `statusAt`, or undefined.
 * @param statusAt Index of the first STATUS word.
 * @param guid The GUID as 4 little-endian words at `guidAt`, or undefined.
 * @param guidAt Index of the first GUID word.
 * @returns Nothing.
 *
 * @example An entry with STATUS words
 * ```ts
 * import { readAttrStatus, STATUS_SET_BIT, writeAttrEntryWords } from "./attr_codec.ts";
 * const b = new Uint8Array(64), dv = new DataView(b.buffer);
 * writeAttrEntryWords(dv, 0, 1, STATUS_SET_BIT, Uint32Array.of(3, 1, 0, 7, 4, 0, 0, 0, 0, 0), 0, undefined, 0);
 * console.log(readAttrStatus(dv, 0)?.uidNext); // 4
 * ```
 */
export function writeAttrEntryWords(
  dv: DataView,
  pos: number,
  uid: number,
  flagWord: number,
  status: Uint32Array | undefined,
  statusAt: number,
  guid: Uint32Array | undefined,
  guidAt: number,
): void {
  dv.setUint32(pos + ATTR_ENTRY_FIELD.uid, uid >>> 0, true);
  dv.setUint32(pos + ATTR_ENTRY_FIELD.flags, flagWord >>> 0, true);
  for (let k = 0; k < STATUS_WORDS; k++) {
    dv.setUint32(pos + ATTR_ENTRY_FIELD.status + 4 * k, status === undefined ? 0 : status[statusAt + k], true);
  }
  for (let k = 0; k < GUID_SIZE / 4; k++) {
    dv.setUint32(pos + ATTR_ENTRY_FIELD.guid + 4 * k, guid === undefined ? 0 : guid[guidAt + k], true);
  }
}

/**
 * Copy one entry of a version-1 or version-2 image into a version-2 slot:
 * a version-1 entry keeps its first 28 bytes and gets no GUID and none of
 * the newer STATUS figures.
 *
 * @param from The source image.
 * @param pos Byte position of the source entry.
 * @param entrySize The source's entry size.
 * @param to The destination image (version 2).
 * @param dst Byte position of the destination entry.
 * @returns Nothing.
 *
 * @example A version-1 entry in a version-2 slot
 * ```ts
 * import { copyAttrEntry, readAttrStatus, writeAttrEntry } from "./attr_codec.ts";
 * const v1 = new Uint8Array(64), v2 = new Uint8Array(64).fill(7);
 * writeAttrEntry(new DataView(v1.buffer), 0, 3, 0, { messages: 1, unseen: 0, recent: 0, uidValidity: 5, uidNext: 2 });
 * copyAttrEntry(v1, 0, 32, v2, 0);
 * console.log(readAttrStatus(new DataView(v2.buffer), 0)?.uidValidity, v2[63]); // 5 0
 * ```
 */
export function copyAttrEntry(from: Uint8Array, pos: number, entrySize: number, to: Uint8Array, dst: number): void {
  if (entrySize === ATTR_ENTRY_SIZE) {
    to.set(from.subarray(pos, pos + ATTR_ENTRY_SIZE), dst);
    return;
  }
  to.set(from.subarray(pos, pos + ATTR_ENTRY_FIELD.deleted), dst);
  to.fill(0, dst + ATTR_ENTRY_FIELD.deleted, dst + ATTR_ENTRY_SIZE);
  // Version 1 has only the one STATUS bit: bits 28-30 meant nothing there.
  to[dst + 7] = from[pos + 7] & 0x8f;
}

/**
 * Find the entry of a UID by binary search over `count` entries (or the
 * entries `[lo, hi)` of them, when the caller knows it lies there).
 *
 * @param dv View over the whole attribute file image.
 * @param count Number of entries.
 * @param uid UID to find.
 * @param entrySize The file's entry size (default version 2's).
 * @param lo First entry searched.
 * @param hi One past the last entry searched.
 * @returns Byte position of the entry (deleted or not), or -1.
 *
 * @example UID 9 among two entries
 * ```ts
 * import { findAttrEntry, writeAttrEntry, ATTR_HEADER_SIZE } from "./attr_codec.ts";
 * const b = new Uint8Array(48 + 128), dv = new DataView(b.buffer);
 * writeAttrEntry(dv, 48, 3, 0, undefined); writeAttrEntry(dv, 112, 9, 0, undefined);
 * console.log(findAttrEntry(dv, 2, 9)); // 112
 * ```
 */
export function findAttrEntry(dv: DataView, count: number, uid: number, entrySize = ATTR_ENTRY_SIZE, lo = 0, hi = count): number {
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    const u = dv.getUint32(ATTR_HEADER_SIZE + mid * entrySize, true) & UID_MASK;
    if (u < uid) lo = mid + 1;
    else if (u > uid) hi = mid;
    else return ATTR_HEADER_SIZE + mid * entrySize;
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
 * Where the fields of an attribute entry lie, relative to the entry: for
 * naming the offset of a field in a report. `reserved` is the word of a
 * version-1 entry that version 2 uses for `deleted`; `highestModSeq`,
 * `size` and `guid` are version 2's only.
 *
 * @example The offset of an entry's flags word
 * ```ts
 * import { ATTR_ENTRY_FIELD, ATTR_HEADER_SIZE } from "./attr_codec.ts";
 * console.log(ATTR_HEADER_SIZE + ATTR_ENTRY_FIELD.flags); // 52
 * ```
 */
export const ATTR_ENTRY_FIELD: Readonly<{
  uid: number;
  flags: number;
  status: number;
  deleted: number;
  reserved: number;
  highestModSeq: number;
  size: number;
  guid: number;
}> = Object.freeze({
  uid: 0,
  flags: 4,
  status: 8,
  deleted: 28,
  reserved: 28,
  highestModSeq: 32,
  size: 40,
  guid: 48,
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
 * special-use bits (8–14) and the STATUS bits ({@linkcode STATUS_BITS}).
 *
 * @param dv View over the image.
 * @param pos Byte position of the entry.
 * @returns The word.
 *
 * @example An entry's flags
 * ```ts
 * import { attrEntryFlagWord, writeAttrEntry } from "./attr_codec.ts";
 * const b = new Uint8Array(64), dv = new DataView(b.buffer);
 * writeAttrEntry(dv, 0, 1, 9, undefined);
 * console.log(attrEntryFlagWord(dv, 0)); // 9
 * ```
 */
export function attrEntryFlagWord(dv: DataView, pos: number): number {
  return dv.getUint32(pos + ATTR_ENTRY_FIELD.flags, true);
}

/**
 * The reserved word of a version-1 entry at `pos` (0 as written).
 *
 * @param dv View over the image.
 * @param pos Byte position of the entry.
 * @returns The word.
 *
 * @example A fresh entry
 * ```ts
 * import { attrEntryReserved } from "./attr_codec.ts";
 * console.log(attrEntryReserved(new DataView(new Uint8Array(32).buffer), 0)); // 0
 * ```
 */
export function attrEntryReserved(dv: DataView, pos: number): number {
  return dv.getUint32(pos + ATTR_ENTRY_FIELD.reserved, true);
}

/**
 * Read the STATUS cache of the entry at `pos`: the five figures, and in a
 * version-2 entry the newer ones its STATUS bits say are set (64-bit ones
 * as a number up to 2^53 − 1, a bigint above).
 *
 * @param dv View over the image.
 * @param pos Byte position of the entry.
 * @param entrySize The file's entry size (default version 2's).
 * @returns The figures, or undefined when the cache is not set.
 *
 * @example The STATUS written with an entry
 * ```ts
 * import { readAttrStatus, writeAttrEntry } from "./attr_codec.ts";
 * const b = new Uint8Array(64), dv = new DataView(b.buffer);
 * writeAttrEntry(dv, 0, 1, 0, { messages: 3, unseen: 1, recent: 0, uidValidity: 0, uidNext: 0, size: 9000 });
 * console.log(readAttrStatus(dv, 0)?.messages, readAttrStatus(dv, 0)?.size); // 3 9000
 * ```
 */
export function readAttrStatus(dv: DataView, pos: number, entrySize: number = ATTR_ENTRY_SIZE): MailboxStatus | undefined {
  const bits = dv.getUint32(pos + 4, true);
  if ((bits & STATUS_SET_BIT) === 0) return undefined;
  const s: MailboxStatus = {
    messages: dv.getUint32(pos + 8, true),
    unseen: dv.getUint32(pos + 12, true),
    recent: dv.getUint32(pos + 16, true),
    uidValidity: dv.getUint32(pos + 20, true),
    uidNext: dv.getUint32(pos + 24, true),
  };
  if (entrySize < ATTR_ENTRY_SIZE) return s;
  if ((bits & STATUS_MODSEQ_BIT) !== 0) {
    s.highestModSeq = u64Value(dv.getUint32(pos + 32, true), dv.getUint32(pos + 36, true));
  }
  if ((bits & STATUS_SIZE_BIT) !== 0) s.size = u64Value(dv.getUint32(pos + 40, true), dv.getUint32(pos + 44, true));
  if ((bits & STATUS_DELETED_BIT) !== 0) s.deleted = dv.getUint32(pos + 28, true);
  return s;
}

/**
 * The GUID of the entry at `pos`, as 32 lowercase hex digits.
 *
 * @param bytes The image.
 * @param pos Byte position of the entry.
 * @param entrySize The file's entry size (default version 2's).
 * @returns The GUID, or undefined when the entry has none (always, in a version-1 file).
 *
 * @example An entry with a GUID
 * ```ts
 * import { attrEntryGuid, writeAttrEntry } from "./attr_codec.ts";
 * const b = new Uint8Array(64);
 * writeAttrEntry(new DataView(b.buffer), 0, 1, 0, undefined, new Uint8Array(16).fill(0x5a));
 * console.log(attrEntryGuid(b, 0)); // 5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a
 * ```
 */
export function attrEntryGuid(bytes: Uint8Array, pos: number, entrySize: number = ATTR_ENTRY_SIZE): string | undefined {
  if (entrySize < ATTR_ENTRY_SIZE) return undefined;
  const at = pos + ATTR_ENTRY_FIELD.guid;
  return isZeroGuid(bytes, at) ? undefined : guidHex(bytes, at);
}

/**
 * Whether the entry at `pos` has a GUID.
 *
 * @param bytes The image.
 * @param pos Byte position of the entry.
 * @param entrySize The file's entry size (default version 2's).
 * @returns True when its GUID bytes are not all zero (never in a version-1 file).
 *
 * @example A fresh entry has none
 * ```ts
 * import { attrEntryHasGuid } from "./attr_codec.ts";
 * console.log(attrEntryHasGuid(new Uint8Array(64), 0)); // false
 * ```
 */
export function attrEntryHasGuid(bytes: Uint8Array, pos: number, entrySize: number = ATTR_ENTRY_SIZE): boolean {
  return entrySize >= ATTR_ENTRY_SIZE && !isZeroGuid(bytes, pos + ATTR_ENTRY_FIELD.guid);
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
  /**
   * Per entry, which STATUS figures are set (optional): 0 none; bit 0 (1)
   * the five figures, and with it bit 1 (2) highest_modseq, bit 2 (4) size,
   * bit 3 (8) deleted.
   */
  statusSet?: Uint8Array;
  /** {@linkcode STATUS_WORDS} words per entry, as entry bytes 8–47 hold them (optional). */
  statusValues?: Uint32Array;
  /** 16 bytes per entry, all zero for none (optional). */
  guids?: Uint8Array;
  /** Number of entries used from the columns. */
  count: number;
}

/**
 * The STATUS bits of an entry's flags word for a {@linkcode AttrColumns.statusSet} byte.
 *
 * @param set The byte.
 * @returns The bits.
 *
 * @example The five figures and a size
 * ```ts
 * import { statusBitsOfColumn } from "./attr_codec.ts";
 * console.log(statusBitsOfColumn(5).toString(16)); // a0000000
 * ```
 */
export function statusBitsOfColumn(set: number): number {
  if ((set & 1) === 0) return 0;
  return (STATUS_SET_BIT | ((set & 2) !== 0 ? STATUS_MODSEQ_BIT : 0) | ((set & 4) !== 0 ? STATUS_SIZE_BIT : 0) |
    ((set & 8) !== 0 ? STATUS_DELETED_BIT : 0)) >>> 0;
}

/**
 * Build a whole version-2 attribute file image from columns.
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
 * console.log(img.length); // 176
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
  const { uids, flags, statusSet, statusValues, guids } = cols;
  for (let i = 0, pos = ATTR_HEADER_SIZE; i < n; i++, pos += ATTR_ENTRY_SIZE) {
    const bits = statusSet !== undefined && statusValues !== undefined ? statusBitsOfColumn(statusSet[i]) : 0;
    dv.setUint32(pos, uids[i], true);
    dv.setUint32(pos + 4, ((flags[i] & FLAG_BITS) | bits) >>> 0, true);
    if (bits !== 0) {
      for (let k = 0; k < STATUS_WORDS; k++) dv.setUint32(pos + 8 + 4 * k, statusValues![i * STATUS_WORDS + k], true);
    }
    if (guids !== undefined) out.set(guids.subarray(i * GUID_SIZE, (i + 1) * GUID_SIZE), pos + ATTR_ENTRY_FIELD.guid);
  }
  return out;
}

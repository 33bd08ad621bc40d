/**
 * The one codec of a directory and its records (SPEC §2.2, §2.3): every
 * read and write of a record field or a directory header goes through
 * these functions, never through bare offsets. They work on a `DataView`
 * of the image and a byte offset, allocate nothing, and are small enough
 * for the engines to inline in hot loops.
 *
 * A directory is `next_offset`, `dir_size` and `count` (12 bytes), then
 * `count` records of 16 bytes: `name_hash`, `uid` (bit 31: deleted),
 * `name_offset` (plain) and `dir_offset` (encoded, see `offset.ts`).
 *
 * @example Writing and reading back one record
 * ```ts
 * import { recordDirOffset, recordNameOffset, recordUid, writeRecord } from "./record.ts";
 * const dv = new DataView(new ArrayBuffer(16));
 * writeRecord(dv, 0, 0x1234, 7, 100, 0);
 * console.log(recordUid(dv, 0), recordNameOffset(dv, 0), recordDirOffset(dv, 0)); // 7 100 0
 * ```
 *
 * @module
 */
import { DELETED_BIT, DIR_HEADER_SIZE, RECORD_SIZE, UID_MASK } from "./constants.ts";

export { DIR_HEADER_SIZE, RECORD_SIZE };

/** Byte position of each record field, relative to the record. */
const HASH = 0, UID = 4, NAME = 8, DIR = 12;
/** Byte position of each directory header field, relative to the directory. */
const NEXT = 0, SIZE = 4, COUNT = 8;

/**
 * Where each field of a record lies, relative to the record: for naming the
 * offset of a field in a report, never for reading it.
 *
 * @example The offset of a record's uid field
 * ```ts
 * import { RECORD_FIELD, recordAt } from "./record.ts";
 * console.log(recordAt(28, 0) + RECORD_FIELD.uid); // 44
 * ```
 */
export const RECORD_FIELD: Readonly<{ hash: number; uid: number; nameOffset: number; dirOffset: number }> = Object.freeze({
  hash: HASH,
  uid: UID,
  nameOffset: NAME,
  dirOffset: DIR,
});

/**
 * Where each field of a directory header lies, relative to the directory:
 * for naming the offset of a field in a report, never for reading it.
 *
 * @example The offset of a directory's count
 * ```ts
 * import { DIR_FIELD } from "./record.ts";
 * console.log(28 + DIR_FIELD.count); // 36
 * ```
 */
export const DIR_FIELD: Readonly<{ nextOffset: number; size: number; count: number }> = Object.freeze({
  nextOffset: NEXT,
  size: SIZE,
  count: COUNT,
});

/**
 * The name hash of the record at `rec`.
 *
 * @param dv The image.
 * @param rec Offset of the record.
 * @returns Its `name_hash`.
 *
 * @example The hash of a record just written
 * ```ts
 * import { recordHash, writeRecord } from "./record.ts";
 * const dv = new DataView(new ArrayBuffer(16));
 * writeRecord(dv, 0, 42, 1, 0, 0);
 * console.log(recordHash(dv, 0)); // 42
 * ```
 */
export function recordHash(dv: DataView, rec: number): number {
  return dv.getUint32(rec + HASH, true);
}

/**
 * The raw uid word of the record at `rec`: the UID and the deleted bit.
 *
 * @param dv The image.
 * @param rec Offset of the record.
 * @returns The word as stored.
 *
 * @example The uid word of a deleted record
 * ```ts
 * import { recordUidWord, writeRecord } from "./record.ts";
 * const dv = new DataView(new ArrayBuffer(16));
 * writeRecord(dv, 0, 0, 5, 0, 0, true);
 * console.log(recordUidWord(dv, 0) >>> 0); // 2147483653
 * ```
 */
export function recordUidWord(dv: DataView, rec: number): number {
  return dv.getUint32(rec + UID, true);
}

/**
 * The UID of the record at `rec` (without the deleted bit).
 *
 * @param dv The image.
 * @param rec Offset of the record.
 * @returns Its UID.
 *
 * @example The UID of a deleted record
 * ```ts
 * import { recordUid, writeRecord } from "./record.ts";
 * const dv = new DataView(new ArrayBuffer(16));
 * writeRecord(dv, 0, 0, 5, 0, 0, true);
 * console.log(recordUid(dv, 0)); // 5
 * ```
 */
export function recordUid(dv: DataView, rec: number): number {
  return dv.getUint32(rec + UID, true) & UID_MASK;
}

/**
 * Whether the record at `rec` is marked deleted.
 *
 * @param dv The image.
 * @param rec Offset of the record.
 * @returns True when its deleted bit is set.
 *
 * @example A record written as deleted
 * ```ts
 * import { recordDeleted, writeRecord } from "./record.ts";
 * const dv = new DataView(new ArrayBuffer(16));
 * writeRecord(dv, 0, 0, 5, 0, 0, true);
 * console.log(recordDeleted(dv, 0)); // true
 * ```
 */
export function recordDeleted(dv: DataView, rec: number): boolean {
  return (dv.getUint32(rec + UID, true) & DELETED_BIT) !== 0;
}

/**
 * The plain offset of the record's name (one level, NUL-terminated).
 *
 * @param dv The image.
 * @param rec Offset of the record.
 * @returns Its `name_offset`.
 *
 * @example Where a record's name is
 * ```ts
 * import { recordNameOffset, writeRecord } from "./record.ts";
 * const dv = new DataView(new ArrayBuffer(16));
 * writeRecord(dv, 0, 0, 1, 64, 0);
 * console.log(recordNameOffset(dv, 0)); // 64
 * ```
 */
export function recordNameOffset(dv: DataView, rec: number): number {
  return dv.getUint32(rec + NAME, true);
}

/**
 * The encoded offset of the record's child directory (0 or encoded 0: none).
 *
 * @param dv The image.
 * @param rec Offset of the record.
 * @returns Its `dir_offset`, still encoded.
 *
 * @example A record linked to a child directory
 * ```ts
 * import { recordDirOffset, writeRecord } from "./record.ts";
 * const dv = new DataView(new ArrayBuffer(16));
 * writeRecord(dv, 0, 0, 1, 0, 0x80808080);
 * console.log(recordDirOffset(dv, 0) === 0x80808080); // true
 * ```
 */
export function recordDirOffset(dv: DataView, rec: number): number {
  return dv.getUint32(rec + DIR, true);
}

/**
 * Write a whole record.
 *
 * @param dv The image.
 * @param rec Offset of the record.
 * @param hash `name_hash`.
 * @param uid The UID (bits 0–30).
 * @param nameOffset Plain offset of the name.
 * @param dirOffset Encoded offset of the child directory (0 for none).
 * @param deleted Whether to set the deleted bit.
 * @returns Nothing.
 *
 * @example Write a record and read its UID
 * ```ts
 * import { recordUid, writeRecord } from "./record.ts";
 * const dv = new DataView(new ArrayBuffer(16));
 * writeRecord(dv, 0, 9, 3, 40, 0);
 * console.log(recordUid(dv, 0)); // 3
 * ```
 */
export function writeRecord(
  dv: DataView,
  rec: number,
  hash: number,
  uid: number,
  nameOffset: number,
  dirOffset: number,
  deleted = false,
): void {
  dv.setUint32(rec + HASH, hash >>> 0, true);
  dv.setUint32(rec + UID, deleted ? (uid | DELETED_BIT) >>> 0 : uid & UID_MASK, true);
  dv.setUint32(rec + NAME, nameOffset >>> 0, true);
  dv.setUint32(rec + DIR, dirOffset >>> 0, true);
}

/**
 * Give a live record another UID (its deleted bit clear).
 *
 * @param dv The image.
 * @param rec Offset of the record.
 * @param uid The UID (bits 0–30).
 * @returns Nothing.
 *
 * @example Renumber a record
 * ```ts
 * import { recordUid, setRecordUid, writeRecord } from "./record.ts";
 * const dv = new DataView(new ArrayBuffer(16));
 * writeRecord(dv, 0, 0, 3, 0, 0);
 * setRecordUid(dv, 0, 12);
 * console.log(recordUid(dv, 0)); // 12
 * ```
 */
export function setRecordUid(dv: DataView, rec: number, uid: number): void {
  dv.setUint32(rec + UID, uid & UID_MASK, true);
}

/**
 * Set or clear the deleted bit of a record, keeping its UID.
 *
 * @param dv The image.
 * @param rec Offset of the record.
 * @param deleted The new state.
 * @returns Nothing.
 *
 * @example Mark a record deleted
 * ```ts
 * import { recordDeleted, setRecordDeleted, writeRecord } from "./record.ts";
 * const dv = new DataView(new ArrayBuffer(16));
 * writeRecord(dv, 0, 0, 3, 0, 0);
 * setRecordDeleted(dv, 0, true);
 * console.log(recordDeleted(dv, 0)); // true
 * ```
 */
export function setRecordDeleted(dv: DataView, rec: number, deleted: boolean): void {
  const word = dv.getUint32(rec + UID, true);
  dv.setUint32(rec + UID, deleted ? (word | DELETED_BIT) >>> 0 : word & UID_MASK, true);
}

/**
 * Set the encoded child-directory offset of a record.
 *
 * @param dv The image.
 * @param rec Offset of the record.
 * @param dirOffset Encoded offset (0 for none).
 * @returns Nothing.
 *
 * @example Link a record to its child directory
 * ```ts
 * import { recordDirOffset, setRecordDirOffset } from "./record.ts";
 * const dv = new DataView(new ArrayBuffer(16));
 * setRecordDirOffset(dv, 0, 0x80808084);
 * console.log(recordDirOffset(dv, 0).toString(16)); // "80808084"
 * ```
 */
export function setRecordDirOffset(dv: DataView, rec: number, dirOffset: number): void {
  dv.setUint32(rec + DIR, dirOffset >>> 0, true);
}

/**
 * The encoded `next_offset` of the directory at `dir`.
 *
 * @param dv The image.
 * @param dir Offset of the directory.
 * @returns Its `next_offset`, still encoded.
 *
 * @example A directory without a newer copy
 * ```ts
 * import { dirNextOffset, writeDirHeader } from "./record.ts";
 * const dv = new DataView(new ArrayBuffer(12));
 * writeDirHeader(dv, 0, 0, 12, 0);
 * console.log(dirNextOffset(dv, 0)); // 0
 * ```
 */
export function dirNextOffset(dv: DataView, dir: number): number {
  return dv.getUint32(dir + NEXT, true);
}

/**
 * The `dir_size` of the directory at `dir`.
 *
 * @param dv The image.
 * @param dir Offset of the directory.
 * @returns Bytes needed to read it.
 *
 * @example The size of an empty directory
 * ```ts
 * import { dirSize, writeDirHeader } from "./record.ts";
 * const dv = new DataView(new ArrayBuffer(12));
 * writeDirHeader(dv, 0, 0, 12, 0);
 * console.log(dirSize(dv, 0)); // 12
 * ```
 */
export function dirSize(dv: DataView, dir: number): number {
  return dv.getUint32(dir + SIZE, true);
}

/**
 * The record `count` of the directory at `dir` (unchecked).
 *
 * @param dv The image.
 * @param dir Offset of the directory.
 * @returns Its count.
 *
 * @example A directory of two records
 * ```ts
 * import { dirRecordCount, writeDirHeader } from "./record.ts";
 * const dv = new DataView(new ArrayBuffer(12));
 * writeDirHeader(dv, 0, 0, 44, 2);
 * console.log(dirRecordCount(dv, 0)); // 2
 * ```
 */
export function dirRecordCount(dv: DataView, dir: number): number {
  return dv.getUint32(dir + COUNT, true);
}

/**
 * Offset of the `i`-th record of the directory at `dir`.
 *
 * @param dir Offset of the directory.
 * @param i Index of the record.
 * @returns The record's offset.
 *
 * @example The third record of the root directory
 * ```ts
 * import { recordAt } from "./record.ts";
 * console.log(recordAt(28, 2)); // 72
 * ```
 */
export function recordAt(dir: number, i: number): number {
  return dir + DIR_HEADER_SIZE + i * RECORD_SIZE;
}

/**
 * Write a directory header.
 *
 * @param dv The image.
 * @param dir Offset of the directory.
 * @param nextOffset Encoded `next_offset` (0 for none).
 * @param size `dir_size`.
 * @param count Number of records.
 * @returns Nothing.
 *
 * @example Write the header of a one-record directory
 * ```ts
 * import { dirRecordCount, writeDirHeader } from "./record.ts";
 * const dv = new DataView(new ArrayBuffer(12));
 * writeDirHeader(dv, 0, 0, 28, 1);
 * console.log(dirRecordCount(dv, 0)); // 1
 * ```
 */
export function writeDirHeader(dv: DataView, dir: number, nextOffset: number, size: number, count: number): void {
  dv.setUint32(dir + NEXT, nextOffset >>> 0, true);
  dv.setUint32(dir + SIZE, size >>> 0, true);
  dv.setUint32(dir + COUNT, count >>> 0, true);
}

/**
 * Set the encoded `next_offset` of a directory (linking a newer copy).
 *
 * @param dv The image.
 * @param dir Offset of the directory.
 * @param nextOffset Encoded offset of the newer copy.
 * @returns Nothing.
 *
 * @example Link a directory to its newer copy
 * ```ts
 * import { dirNextOffset, setDirNextOffset } from "./record.ts";
 * const dv = new DataView(new ArrayBuffer(12));
 * setDirNextOffset(dv, 0, 0x80808090);
 * console.log(dirNextOffset(dv, 0).toString(16)); // "80808090"
 * ```
 */
export function setDirNextOffset(dv: DataView, dir: number, nextOffset: number): void {
  dv.setUint32(dir + NEXT, nextOffset >>> 0, true);
}

/**
 * Bytes of a directory image: its header, `count` records, then its names
 * (`nameBytes`, each name's NUL included). Its names start at
 * {@linkcode recordAt}`(dir, count)`.
 *
 * @param count Number of records.
 * @param nameBytes Bytes of its names, NULs included.
 * @returns The `dir_size` to write in its header.
 *
 * @example A directory of two records named "a" and "bc"
 * ```ts
 * import { dirImageSize } from "./record.ts";
 * console.log(dirImageSize(2, 2 + 3)); // 49
 * ```
 */
export function dirImageSize(count: number, nameBytes: number): number {
  return DIR_HEADER_SIZE + RECORD_SIZE * count + nameBytes;
}

/**
 * Write one name into the names of a directory image: the bytes
 * `src[start, end)` at `at`, then its terminating NUL. The record that
 * points at it is written with {@linkcode writeRecord}.
 *
 * @param bytes The image.
 * @param at Where the name goes.
 * @param src Where the name's bytes are.
 * @param start First byte of the name in `src`.
 * @param end End of the name in `src` (exclusive, no NUL).
 * @returns Where the next name goes (after the NUL).
 *
 * @example Writing a record and its name
 * ```ts
 * import { dirImageSize, recordAt, writeDirHeader, writeRecord, writeRecordName } from "./record.ts";
 * const name = new TextEncoder().encode("INBOX");
 * const image = new Uint8Array(dirImageSize(1, name.length + 1));
 * const dv = new DataView(image.buffer);
 * const at = recordAt(0, 1);
 * writeDirHeader(dv, 0, 0, image.length, 1);
 * writeRecord(dv, recordAt(0, 0), 0, 1, at, 0);
 * console.log(writeRecordName(image, at, name, 0, name.length) === image.length); // true
 * ```
 */
export function writeRecordName(bytes: Uint8Array, at: number, src: Uint8Array, start: number, end: number): number {
  if (end - start <= 32) {
    // Short names (most of them) are copied faster by hand than through a subarray.
    for (let q = start; q < end; q++) bytes[at++] = src[q];
  } else {
    bytes.set(src.subarray(start, end), at);
    at += end - start;
  }
  bytes[at] = 0;
  return at + 1;
}

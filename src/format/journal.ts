/**
 * The redo journal that makes an in-place commit all-or-nothing (SPEC §6).
 *
 * A commit first appends new data past the used space of both files and
 * flushes it, then writes one journal record — every in-place byte change
 * (links, deleted bits, headers, attribute entries) or whole-file renames —
 * with a checksum, flushes it, applies it, and marks it applied. On open, a
 * complete pending record is replayed (its changes are idempotent) and an
 * incomplete one is ignored. Readers use the record's sequence number and
 * state as a sequence lock: if they change while a reader reads the files,
 * the reader reads again; if a pending record is present, the reader
 * applies it to its copy.
 *
 * ```
 * header (36 bytes)                 entry
 *  0 magic "MLIJ"                    0 kind u8 (1 patch, 2 rename)
 *  4 version 1                       1 file u8 (0 list, 1 attribute,
 *                                     2 subscriptions: renames only,
 *                                     3 change log)
 *  8 seq                             2 reserved u16
 * 12 state (1 pending, 2 applied)    4 offset u32 (patch)
 * 16 list file_seq it applies to     8 length u32 (patch)
 * 20 uid_validity it applies to     12 bytes, padded to 4 (patch)
 * 24 body length
 * 28 CRC-32 of the body
 * 32 CRC-32 of bytes [0, 32)
 * ```
 *
 * @module
 */
import { MAX_FILE_SIZE } from "./constants.ts";
import { hashBytes } from "./name_hash.ts";

/** Size of the journal header. */
export const JOURNAL_HEADER_SIZE = 36;
/** State of a record whose changes may not all be in the files yet. */
export const JOURNAL_PENDING = 1;
/** State of a record whose changes are all in the files. */
export const JOURNAL_APPLIED = 2;
/** Entry kind: overwrite bytes in place. */
export const ENTRY_PATCH = 1;
/** Entry kind: rename `<file>.new` over the file. */
export const ENTRY_RENAME = 2;
/** File id of the list file. */
export const FILE_LIST = 0;
/** File id of the attribute file. */
export const FILE_ATTR = 1;
/** File id of the subscriptions file (only ever renamed, never patched). */
export const FILE_SUBS = 2;
/** File id of the change log (SPEC §13). */
export const FILE_CHANGES = 3;
const MAGIC = [0x4d, 0x4c, 0x49, 0x4a]; // "MLIJ"
const VERSION = 1;

/** One in-place change. */
export interface JournalPatch {
  /** {@linkcode FILE_LIST}, {@linkcode FILE_ATTR} or {@linkcode FILE_CHANGES}. */
  file: number;
  /** Byte offset in that file. */
  offset: number;
  /** New bytes. */
  bytes: Uint8Array;
}

/** The fields of a journal header. */
export interface JournalHeader {
  /** Sequence number, +1 per commit. */
  seq: number;
  /** {@linkcode JOURNAL_PENDING} or {@linkcode JOURNAL_APPLIED}. */
  state: number;
  /** file_seq of the list file the record applies to. */
  listFileSeq: number;
  /** uid_validity of the list file the record applies to. */
  uidValidity: number;
  /** Bytes of the body. */
  bodyLength: number;
  /** CRC of the body. */
  bodyCrc: number;
}

/** A decoded, complete journal record. */
export interface JournalRecord extends JournalHeader {
  /** In-place changes, in order. */
  patches: JournalPatch[];
  /** Files whose `.new` copy replaces them ({@linkcode FILE_LIST}, {@linkcode FILE_ATTR}, {@linkcode FILE_SUBS}, {@linkcode FILE_CHANGES}). */
  renames: number[];
}

/**
 * Encode the header of a journal record.
 *
 * @param h Header fields.
 * @returns 36 bytes.
 *
 * @example A header that decodes back
 * ```ts
 * import { decodeJournalHeader, encodeJournalHeader } from "./journal.ts";
 * const b = encodeJournalHeader({ seq: 3, state: 2, listFileSeq: 1, uidValidity: 5, bodyLength: 0, bodyCrc: 0 });
 * console.log(decodeJournalHeader(b)?.seq); // 3
 * ```
 */
export function encodeJournalHeader(h: JournalHeader): Uint8Array {
  const b = new Uint8Array(JOURNAL_HEADER_SIZE);
  const dv = new DataView(b.buffer);
  b.set(MAGIC, 0);
  dv.setUint32(4, VERSION, true);
  dv.setUint32(8, h.seq >>> 0, true);
  dv.setUint32(12, h.state, true);
  dv.setUint32(16, h.listFileSeq >>> 0, true);
  dv.setUint32(20, h.uidValidity >>> 0, true);
  dv.setUint32(24, h.bodyLength >>> 0, true);
  dv.setUint32(28, h.bodyCrc >>> 0, true);
  dv.setUint32(32, hashBytes(b, 0, 32), true);
  return b;
}

/**
 * Decode a journal header; a torn or foreign header gives undefined.
 *
 * @param b At least the first 36 bytes of the journal.
 * @returns The header, or undefined when it is not a valid one.
 *
 * @example Zero bytes are no header
 * ```ts
 * import { decodeJournalHeader } from "./journal.ts";
 * console.log(decodeJournalHeader(new Uint8Array(36))); // undefined
 * ```
 */
export function decodeJournalHeader(b: Uint8Array): JournalHeader | undefined {
  if (b.length < JOURNAL_HEADER_SIZE) return undefined;
  for (let i = 0; i < 4; i++) if (b[i] !== MAGIC[i]) return undefined;
  const dv = new DataView(b.buffer, b.byteOffset, JOURNAL_HEADER_SIZE);
  if (dv.getUint32(32, true) !== hashBytes(b, 0, 32)) return undefined;
  if (dv.getUint32(4, true) !== VERSION) return undefined;
  const state = dv.getUint32(12, true);
  if (state !== JOURNAL_PENDING && state !== JOURNAL_APPLIED) return undefined;
  return {
    seq: dv.getUint32(8, true),
    state,
    listFileSeq: dv.getUint32(16, true),
    uidValidity: dv.getUint32(20, true),
    bodyLength: dv.getUint32(24, true),
    bodyCrc: dv.getUint32(28, true),
  };
}

/**
 * Encode a whole pending record.
 *
 * @param seq Sequence number.
 * @param listFileSeq file_seq of the list file it applies to.
 * @param uidValidity uid_validity of the list file it applies to.
 * @param patches In-place changes.
 * @param renames Files replaced by their `.new` copy.
 * @returns The record's bytes (header + body).
 *
 * @example A record of one list-file patch
 * ```ts
 * import { decodeJournal, encodeJournal, FILE_LIST } from "./journal.ts";
 * const b = encodeJournal(1, 1, 5, [{ file: FILE_LIST, offset: 16, bytes: new Uint8Array([2, 0, 0, 0]) }], []);
 * console.log(decodeJournal(b)?.patches[0].offset); // 16
 * ```
 */
export function encodeJournal(
  seq: number,
  listFileSeq: number,
  uidValidity: number,
  patches: JournalPatch[],
  renames: number[],
): Uint8Array {
  let bodyLength = 0;
  for (const p of patches) bodyLength += 12 + ((p.bytes.length + 3) & ~3);
  bodyLength += renames.length * 12;
  const out = new Uint8Array(JOURNAL_HEADER_SIZE + bodyLength);
  const dv = new DataView(out.buffer);
  let pos = JOURNAL_HEADER_SIZE;
  for (const p of patches) {
    out[pos] = ENTRY_PATCH;
    out[pos + 1] = p.file;
    dv.setUint32(pos + 4, p.offset, true);
    dv.setUint32(pos + 8, p.bytes.length, true);
    out.set(p.bytes, pos + 12);
    pos += 12 + ((p.bytes.length + 3) & ~3);
  }
  for (const f of renames) {
    out[pos] = ENTRY_RENAME;
    out[pos + 1] = f;
    pos += 12;
  }
  const bodyCrc = hashBytes(out, JOURNAL_HEADER_SIZE, out.length);
  out.set(
    encodeJournalHeader({ seq, state: JOURNAL_PENDING, listFileSeq, uidValidity, bodyLength, bodyCrc }),
    0,
  );
  return out;
}

/**
 * Decode a complete record; anything torn, truncated or malformed gives undefined.
 *
 * @param b The journal file's bytes.
 * @returns The record, or undefined.
 *
 * @example A truncated record
 * ```ts
 * import { decodeJournal } from "./journal.ts";
 * console.log(decodeJournal(new Uint8Array(3))); // undefined
 * ```
 */
export function decodeJournal(b: Uint8Array): JournalRecord | undefined {
  const h = decodeJournalHeader(b);
  if (h === undefined) return undefined;
  const end = JOURNAL_HEADER_SIZE + h.bodyLength;
  if (end > b.length) return undefined;
  if (hashBytes(b, JOURNAL_HEADER_SIZE, end) !== h.bodyCrc) return undefined;
  const dv = new DataView(b.buffer, b.byteOffset, b.byteLength);
  const patches: JournalPatch[] = [];
  const renames: number[] = [];
  let pos = JOURNAL_HEADER_SIZE;
  while (pos < end) {
    if (pos + 12 > end) return undefined;
    const kind = b[pos], file = b[pos + 1];
    if (kind === ENTRY_RENAME && file === FILE_SUBS) {
      renames.push(file);
      pos += 12;
      continue;
    }
    if (file !== FILE_LIST && file !== FILE_ATTR && file !== FILE_CHANGES) return undefined;
    if (kind === ENTRY_RENAME) {
      renames.push(file);
      pos += 12;
      continue;
    }
    if (kind !== ENTRY_PATCH) return undefined;
    const offset = dv.getUint32(pos + 4, true), length = dv.getUint32(pos + 8, true);
    const padded = (length + 3) & ~3;
    if (offset + length > MAX_FILE_SIZE || pos + 12 + padded > end) return undefined;
    patches.push({ file, offset, bytes: b.subarray(pos + 12, pos + 12 + length) });
    pos += 12 + padded;
  }
  return { ...h, patches, renames };
}

/**
 * Apply a record's patches for one file to an in-memory image.
 *
 * @param image The file's bytes.
 * @param record The journal record.
 * @param file Which file the image is.
 * @returns False when a patch falls outside the image (the image is stale).
 *
 * @example Patch one byte of a list image
 * ```ts
 * import { applyPatches, decodeJournal, encodeJournal, FILE_LIST } from "./journal.ts";
 * const rec = decodeJournal(encodeJournal(1, 1, 5, [{ file: FILE_LIST, offset: 1, bytes: new Uint8Array([9]) }], []))!;
 * const img = new Uint8Array(4);
 * applyPatches(img, rec, FILE_LIST);
 * console.log(img[1]); // 9
 * ```
 */
export function applyPatches(image: Uint8Array, record: JournalRecord, file: number): boolean {
  for (const p of record.patches) {
    if (p.file !== file) continue;
    if (p.offset + p.bytes.length > image.length) return false;
    image.set(p.bytes, p.offset);
  }
  return true;
}

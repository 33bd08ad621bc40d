/**
 * The change log file `PATH.changes` (SPEC §13): the bounded history of
 * every commit's changes, one batch per journal record, written by the same
 * record as the commit it describes (so it lands with the commit or not at
 * all). Watchers read it from a cursor; a cursor names the log (its epoch)
 * and a batch number.
 *
 * ```
 * header (32 bytes)               batch (24 bytes + entries)
 *  0 magic "MLIC"                  0 size u32 (whole batch, multiple of 4)
 *  4 version 1                     4 seq u32 (first_seq … last_seq, +1 each)
 *  8 epoch u32 (random, ≠ 0)       8 kind u8 (0 commit, 1 replaced)
 * 12 first_seq (0: no batch)       9 reason u8 (replaced: 1 compression,
 * 16 last_seq                          2 rebuild, 3 recreated, 4 other)
 * 20 end (bytes of header+batches) 10 truncated u8 (1: too many changes
 *                                     to list; no entries)  11 reserved
 * 24 reserved                     12 count u32 (entries)
 * 28 CRC-32 of bytes [0, 28)      16 reserved u32
 *                                 20 CRC-32 of bytes [24, size)
 * entry (24 bytes, +40 for status, + names padded to 4)
 *  0 kind u8 (1 added 2 deleted 3 renamed 4 flags 5 status 6 subscribed 7 unsubscribed)
 *  1 reserved u8 × 3     4 uid u32 (0: a subscription of a name no mailbox has)
 *  8 flags u32          12 old flags u32 (flags) or STATUS bits (status)
 * 16 name length u32    20 old name length u32 (renamed)
 * 24 status: the ten words of format/status.ts (status only)
 * then the name and the old name, UTF-8
 * ```
 *
 * @module
 */
import { MAX_FILE_SIZE } from "./constants.ts";
import { CorruptIndexError } from "./errors.ts";
import { hashBytes } from "./name_hash.ts";
import { STATUS_WORDS, statusFromWords, statusToWords } from "./status.ts";
import type { MailboxStatus } from "./types.ts";

/** Size of the change log header. */
export const CHANGE_HEADER_SIZE = 32;
/** Size of a batch header. */
export const BATCH_HEADER_SIZE = 24;
const ENTRY_SIZE = 24;
const STATUS_SIZE = STATUS_WORDS * 4;
/** Entries of one batch past this many bytes are not listed: the batch is marked truncated. */
export const MAX_BATCH_BYTES = 1 << 20;
const MAGIC = [0x4d, 0x4c, 0x49, 0x43]; // "MLIC"
const VERSION = 1;

/** Entry kinds, in the order of the format's numbers. */
export const CHANGE_KINDS = ["added", "deleted", "renamed", "flags", "status", "subscribed", "unsubscribed"] as const;
/** What one change is. */
export type ChangeKind = typeof CHANGE_KINDS[number];
/** Why a batch replaced the whole index, in the order of the format's numbers. */
export const REPLACE_REASONS = ["compression", "rebuild", "recreated", "replaced"] as const;
/** Why an index was replaced as a whole. */
export type ReplaceReason = typeof REPLACE_REASONS[number];

/** The fields of a change log header. */
export interface ChangeLogHeader {
  /** Random number of this log; a cursor of another log is refused. */
  epoch: number;
  /** Number of the oldest batch kept (0: none). */
  firstSeq: number;
  /** Number of the newest batch (0: none). */
  lastSeq: number;
  /** Bytes of the header and the batches. */
  end: number;
}

/**
 * One change of a mailbox, identified by its UID (SPEC §13). Names are full
 * names: as before the commit for `deleted` (and `oldName`), as after it
 * otherwise. A rename is reported for the mailbox renamed; the mailboxes
 * under it moved with it.
 */
export type MailboxChange =
  | { kind: "added"; uid: number; name: string; flags: number }
  | { kind: "deleted"; uid: number; name: string }
  | { kind: "renamed"; uid: number; name: string; oldName: string }
  | { kind: "flags"; uid: number; name: string; flags: number; oldFlags: number }
  | { kind: "status"; uid: number; name: string; status: MailboxStatus }
  | { kind: "subscribed" | "unsubscribed"; uid: number; name: string };

/** A decoded batch: the changes of one commit. */
export interface DecodedBatch {
  /** Its number in the log. */
  seq: number;
  /** Why the whole index was replaced, for a rebuild, compression or recreation. */
  replaced?: ReplaceReason;
  /** True when the commit changed too much to list: `changes` is empty, re-read the index. */
  truncated?: boolean;
  /** The changes, in order. */
  changes: MailboxChange[];
}

const utf8 = new TextEncoder();
const utf8Decoder = new TextDecoder("utf-8", { fatal: false });

/**
 * Collects the entries of one batch in a growing byte buffer (no object
 * per change).
 *
 * @example A batch with one added mailbox
 * ```ts
 * import { ChangeBatchBuilder, decodeBatches, encodeBatch } from "./change_log.ts";
 * const b = new ChangeBatchBuilder();
 * b.add("added", 7, "INBOX/Sent", 0);
 * const batch = encodeBatch(b, 1);
 * console.log(decodeBatches(batch, 0, batch.length, "x")[0].changes[0].name); // "INBOX/Sent"
 * ```
 */
export class ChangeBatchBuilder {
  /** Entries so far. */
  count = 0;
  /** Why the whole index is replaced (undefined: an ordinary commit). */
  replaced: ReplaceReason | undefined;
  /** Whether the changes outgrew {@linkcode MAX_BATCH_BYTES}: no more are kept, none are listed. */
  truncated = false;
  readonly #limit: number;
  #buf = new Uint8Array(256);
  #dv = new DataView(this.#buf.buffer);
  #used = 0;
  readonly #words = new Uint32Array(STATUS_WORDS);

  /**
   * @param replaced Why the whole index is replaced (undefined: an ordinary commit).
   * @param limit Bytes of entries past which the batch is truncated (default {@linkcode MAX_BATCH_BYTES}).
   */
  constructor(replaced?: ReplaceReason, limit: number = MAX_BATCH_BYTES) {
    this.replaced = replaced;
    this.#limit = limit;
  }

  /** Bytes of the entries so far. */
  get byteLength(): number {
    return this.#used;
  }

  /** The entries' bytes (a view; valid until the next add). */
  get bytes(): Uint8Array {
    return this.#buf.subarray(0, this.#used);
  }

  #room(n: number): void {
    if (this.#used + n <= this.#buf.length) return;
    const grown = new Uint8Array(Math.max(this.#buf.length * 2, this.#used + n));
    grown.set(this.#buf.subarray(0, this.#used));
    this.#buf = grown;
    this.#dv = new DataView(grown.buffer);
  }

  /**
   * Add one change.
   *
   * @param kind What changed.
   * @param uid The mailbox's UID (0: a subscription of a name no mailbox has).
   * @param name Its full name (after the commit; before it for `deleted`), a string or UTF-8 bytes.
   * @param flags Its flags (added, flags, status).
   * @param oldFlags Its flags before (flags).
   * @param oldName Its name before (renamed).
   * @param status Its STATUS now (status).
   * @returns Nothing.
   */
  add(
    kind: ChangeKind,
    uid: number,
    name: string | Uint8Array,
    flags = 0,
    oldFlags = 0,
    oldName?: string | Uint8Array,
    status?: MailboxStatus,
  ): void {
    if (this.truncated) return;
    const nb = typeof name === "string" ? utf8.encode(name) : name;
    const ob = oldName === undefined ? undefined : typeof oldName === "string" ? utf8.encode(oldName) : oldName;
    const hasStatus = kind === "status";
    const size = ENTRY_SIZE + (hasStatus ? STATUS_SIZE : 0) + ((nb.length + (ob?.length ?? 0) + 3) & ~3);
    if (this.#used + size > this.#limit) {
      this.truncated = true;
      this.#used = 0;
      this.count = 0;
      this.#buf = new Uint8Array(0);
      return;
    }
    this.#room(size);
    const b = this.#buf, dv = this.#dv, at = this.#used;
    b.fill(0, at, at + size);
    b[at] = CHANGE_KINDS.indexOf(kind) + 1;
    dv.setUint32(at + 4, uid >>> 0, true);
    dv.setUint32(at + 8, flags >>> 0, true);
    let bits = oldFlags >>> 0;
    let pos = at + ENTRY_SIZE;
    if (hasStatus) {
      const words = this.#words;
      bits = statusToWords(status!, words, 0) >>> 0;
      for (let i = 0; i < STATUS_WORDS; i++) dv.setUint32(pos + i * 4, words[i], true);
      pos += STATUS_SIZE;
    }
    dv.setUint32(at + 12, bits, true);
    dv.setUint32(at + 16, nb.length, true);
    dv.setUint32(at + 20, ob?.length ?? 0, true);
    b.set(nb, pos);
    if (ob !== undefined) b.set(ob, pos + nb.length);
    this.#used += size;
    this.count++;
  }
}

/**
 * Encode one batch.
 *
 * @param builder Its entries.
 * @param seq Its number.
 * @returns The batch's bytes.
 *
 * @example A batch of a compression
 * ```ts
 * import { ChangeBatchBuilder, decodeBatches, encodeBatch } from "./change_log.ts";
 * const batch = encodeBatch(new ChangeBatchBuilder("compression"), 4);
 * console.log(decodeBatches(batch, 0, batch.length, "x")[0].replaced); // "compression"
 * ```
 */
export function encodeBatch(builder: ChangeBatchBuilder, seq: number): Uint8Array {
  const entries = builder.bytes;
  const out = new Uint8Array(BATCH_HEADER_SIZE + entries.length);
  const dv = new DataView(out.buffer);
  dv.setUint32(0, out.length, true);
  dv.setUint32(4, seq >>> 0, true);
  if (builder.replaced !== undefined) {
    out[8] = 1;
    out[9] = REPLACE_REASONS.indexOf(builder.replaced) + 1;
  }
  if (builder.truncated) out[10] = 1;
  dv.setUint32(12, builder.count, true);
  out.set(entries, BATCH_HEADER_SIZE);
  dv.setUint32(20, hashBytes(out, BATCH_HEADER_SIZE, out.length), true);
  return out;
}

/**
 * Encode a change log header.
 *
 * @param h Its fields.
 * @returns 32 bytes.
 *
 * @example A header that decodes back
 * ```ts
 * import { decodeChangeHeader, encodeChangeHeader } from "./change_log.ts";
 * const b = encodeChangeHeader({ epoch: 9, firstSeq: 1, lastSeq: 3, end: 104 });
 * console.log(decodeChangeHeader(b, "x").lastSeq); // 3
 * ```
 */
export function encodeChangeHeader(h: ChangeLogHeader): Uint8Array {
  const b = new Uint8Array(CHANGE_HEADER_SIZE);
  const dv = new DataView(b.buffer);
  b.set(MAGIC, 0);
  dv.setUint32(4, VERSION, true);
  dv.setUint32(8, h.epoch >>> 0, true);
  dv.setUint32(12, h.firstSeq >>> 0, true);
  dv.setUint32(16, h.lastSeq >>> 0, true);
  dv.setUint32(20, h.end >>> 0, true);
  dv.setUint32(28, hashBytes(b, 0, 28), true);
  return b;
}

/**
 * Decode a change log header, checking every field.
 *
 * @param b At least 32 bytes.
 * @param file The file's path, for the error.
 * @returns The header.
 * @throws CorruptIndexError when it is not a valid header.
 *
 * @example Zero bytes are no header
 * ```ts
 * import { decodeChangeHeader } from "./change_log.ts";
 * try { decodeChangeHeader(new Uint8Array(32), "/tmp/u.mlist.changes"); } catch (e) { console.log((e as Error).name); } // CorruptIndexError
 * ```
 */
export function decodeChangeHeader(b: Uint8Array, file: string): ChangeLogHeader {
  if (b.length < CHANGE_HEADER_SIZE) {
    throw new CorruptIndexError(file, 0, `change log header needs ${CHANGE_HEADER_SIZE} bytes, the file has ${b.length}`);
  }
  for (let i = 0; i < 4; i++) if (b[i] !== MAGIC[i]) throw new CorruptIndexError(file, 0, "bad change log magic");
  const dv = new DataView(b.buffer, b.byteOffset, CHANGE_HEADER_SIZE);
  if (dv.getUint32(28, true) !== hashBytes(b, 0, 28)) throw new CorruptIndexError(file, 28, "change log header checksum mismatch");
  const version = dv.getUint32(4, true);
  if (version !== VERSION) throw new CorruptIndexError(file, 4, `change log version ${version} is not ${VERSION}`);
  const h = {
    epoch: dv.getUint32(8, true),
    firstSeq: dv.getUint32(12, true),
    lastSeq: dv.getUint32(16, true),
    end: dv.getUint32(20, true),
  };
  if (h.epoch === 0) throw new CorruptIndexError(file, 8, "change log epoch is 0");
  if (h.end < CHANGE_HEADER_SIZE || h.end > MAX_FILE_SIZE) {
    throw new CorruptIndexError(file, 20, `change log end ${h.end} is outside [${CHANGE_HEADER_SIZE}, ${MAX_FILE_SIZE}]`);
  }
  if ((h.firstSeq === 0) !== (h.lastSeq === 0) || h.lastSeq < h.firstSeq) {
    throw new CorruptIndexError(file, 12, `change log batches ${h.firstSeq}…${h.lastSeq} are not a range`);
  }
  if ((h.lastSeq === 0) !== (h.end === CHANGE_HEADER_SIZE)) {
    throw new CorruptIndexError(file, 20, `change log end ${h.end} does not match its batches ${h.firstSeq}…${h.lastSeq}`);
  }
  return h;
}

/**
 * The size and number of the batch at `at`, checked against `[at, end)`.
 *
 * @param b Bytes holding the batches (file offsets minus `base`).
 * @param at Offset of the batch in `b`.
 * @param end End of the batches in `b`.
 * @param file The file's path, for the error.
 * @param base File offset of `b[0]`, for the error.
 * @returns The batch's size and number.
 * @throws CorruptIndexError when it does not fit.
 *
 * @example The size of an encoded batch
 * ```ts
 * import { batchAt, ChangeBatchBuilder, encodeBatch } from "./change_log.ts";
 * const batch = encodeBatch(new ChangeBatchBuilder(), 2);
 * console.log(batchAt(batch, 0, batch.length, "x", 0)); // { size: 24, seq: 2 }
 * ```
 */
export function batchAt(b: Uint8Array, at: number, end: number, file: string, base: number): { size: number; seq: number } {
  if (at + BATCH_HEADER_SIZE > end) throw new CorruptIndexError(file, base + at, "change batch header runs past the end");
  const dv = new DataView(b.buffer, b.byteOffset + at, BATCH_HEADER_SIZE);
  const size = dv.getUint32(0, true);
  if (size < BATCH_HEADER_SIZE || (size & 3) !== 0 || at + size > end) {
    throw new CorruptIndexError(file, base + at, `change batch size ${size} does not fit`);
  }
  return { size, seq: dv.getUint32(4, true) };
}

/**
 * Decode the batches in `b[start, end)`, checking every bound and checksum.
 *
 * @param b Bytes holding the batches.
 * @param start Offset of the first batch in `b`.
 * @param end End of the last one.
 * @param file The file's path, for the error.
 * @param base File offset of `b[0]` (default 0), for the error.
 * @returns The batches, in order.
 * @throws CorruptIndexError when a batch or entry is damaged.
 *
 * @example A renamed mailbox
 * ```ts
 * import { ChangeBatchBuilder, decodeBatches, encodeBatch } from "./change_log.ts";
 * const b = new ChangeBatchBuilder();
 * b.add("renamed", 3, "New", 0, 0, "Old");
 * const bytes = encodeBatch(b, 1);
 * const [batch] = decodeBatches(bytes, 0, bytes.length, "x");
 * console.log(batch.changes[0]); // { kind: "renamed", uid: 3, name: "New", oldName: "Old" }
 * ```
 */
export function decodeBatches(b: Uint8Array, start: number, end: number, file: string, base = 0): DecodedBatch[] {
  const out: DecodedBatch[] = [];
  for (let at = start; at < end;) {
    const { size, seq } = batchAt(b, at, end, file, base);
    const dv = new DataView(b.buffer, b.byteOffset + at, size);
    if (dv.getUint32(20, true) !== hashBytes(b, at + BATCH_HEADER_SIZE, at + size)) {
      throw new CorruptIndexError(file, base + at + 20, `change batch ${seq} checksum mismatch`);
    }
    const batch: DecodedBatch = { seq, changes: [] };
    if (b[at + 8] === 1) {
      const reason = REPLACE_REASONS[b[at + 9] - 1];
      if (reason === undefined) throw new CorruptIndexError(file, base + at + 9, `change batch ${seq} has replace reason ${b[at + 9]}`);
      batch.replaced = reason;
    }
    if (b[at + 10] === 1) batch.truncated = true;
    const count = dv.getUint32(12, true);
    let pos = BATCH_HEADER_SIZE;
    for (let i = 0; i < count; i++) {
      const bad = (why: string) => new CorruptIndexError(file, base + at + pos, `change batch ${seq} entry ${i}: ${why}`);
      if (pos + ENTRY_SIZE > size) throw bad("runs past the batch");
      const kind = CHANGE_KINDS[b[at + pos] - 1];
      if (kind === undefined) throw bad(`kind ${b[at + pos]}`);
      const uid = dv.getUint32(pos + 4, true), flags = dv.getUint32(pos + 8, true), bits = dv.getUint32(pos + 12, true);
      const nameLen = dv.getUint32(pos + 16, true), oldLen = dv.getUint32(pos + 20, true);
      let p = pos + ENTRY_SIZE;
      let status: MailboxStatus | undefined;
      if (kind === "status") {
        if (p + STATUS_SIZE > size) throw bad("status runs past the batch");
        const words = new Uint32Array(STATUS_WORDS);
        for (let w = 0; w < STATUS_WORDS; w++) words[w] = dv.getUint32(p + w * 4, true);
        status = statusFromWords(bits, words, 0);
        p += STATUS_SIZE;
      }
      if (nameLen > size || oldLen > size || p + nameLen + oldLen > size) throw bad("names run past the batch");
      const name = utf8Decoder.decode(b.subarray(at + p, at + p + nameLen));
      const oldName = utf8Decoder.decode(b.subarray(at + p + nameLen, at + p + nameLen + oldLen));
      pos = (p + nameLen + oldLen + 3) & ~3;
      batch.changes.push(
        kind === "added"
          ? { kind, uid, name, flags }
          : kind === "renamed"
          ? { kind, uid, name, oldName }
          : kind === "flags"
          ? { kind, uid, name, flags, oldFlags: bits }
          : kind === "status"
          ? { kind, uid, name, status: status! }
          : { kind, uid, name },
      );
    }
    out.push(batch);
    at += size;
  }
  return out;
}

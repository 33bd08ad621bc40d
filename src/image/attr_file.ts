/**
 * Reading an attribute file image (SPEC §3, §12): flags, STATUS and GUID
 * per UID by binary search, with a finger for the mostly ascending UIDs of
 * an iteration; a UID by GUID through a hash table over the entries, built
 * when first asked. Version-1 and version-2 files alike.
 *
 * @module
 */
import {
  ATTR_ENTRY_FIELD,
  ATTR_ENTRY_SIZE,
  ATTR_HEADER_SIZE,
  type AttrHeader,
  attrEntryGuid,
  attrEntryHasGuid,
  attrEntryUid,
  decodeAttrHeader,
  findAttrEntry,
  readAttrStatus,
} from "../format/attr_codec.ts";
import { DELETED_BIT } from "../format/constants.ts";
import { FLAG_BITS } from "../format/flags.ts";
import { GUID_SIZE } from "../format/guid.ts";
import { STATUS_BITS, STATUS_WORDS } from "../format/status.ts";
import { denseUids } from "../format/uid_check.ts";
import type { MailboxStatus } from "../format/types.ts";
import type { FlagSource } from "../format/types.ts";

/** After this many flag look-ups on one image, a table indexed by UID is built. */
const DENSE_AFTER = 256;

/**
 * A checked, read-only view of one attribute file image.
 *
 * @example The flags of UID 1
 * ```ts
 * import { AttrView } from "./attr_file.ts";
 * import { encodeAttrImage } from "../format/attr_codec.ts";
 * const img = encodeAttrImage(7, 1, 3, { uids: new Uint32Array([1, 2]), flags: new Uint8Array([9, 0]), count: 2 });
 * console.log(new AttrView(img, "a").flagsOf(1)); // 9
 * ```
 */
export class AttrView implements FlagSource {
  /** The image. */
  readonly bytes: Uint8Array;
  /** Path, for errors. */
  readonly file: string;
  /** The checked header. */
  readonly header: AttrHeader;
  /** View over the image. */
  readonly dv: DataView;
  /** Bytes per entry: 64 (version 2) or 32 (version 1, no GUIDs and no newer STATUS figures). */
  readonly entrySize: number;
  private finger = -1;

  /**
   * @param bytes The whole attribute file image.
   * @param file Path, for errors.
   */
  constructor(bytes: Uint8Array, file: string) {
    this.bytes = bytes;
    this.file = file;
    this.header = decodeAttrHeader(bytes, bytes.length, file);
    this.dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    this.entrySize = this.header.entrySize ?? ATTR_ENTRY_SIZE;
  }

  /**
   * Byte position of a UID's live entry, or -1.
   *
   * @param uid The UID.
   * @returns The position, or -1 when absent or deleted.
   */
  positionOf(uid: number): number {
    const dv = this.dv, size = this.entrySize;
    const count = this.header.count;
    // Iterations ask for mostly ascending UIDs, and a commit asks for one UID several times:
    // try the entry of the last hit and the one after it first.
    const f = this.finger;
    let pos = -1;
    for (let i = f; pos < 0 && i >= 0 && i <= f + 1 && i < count; i++) {
      const p = ATTR_HEADER_SIZE + i * size;
      if (attrEntryUid(dv, p) === uid) pos = p;
    }
    if (pos < 0) {
      // Entries hold distinct UIDs, ascending, below next_uid: the entry of `uid` is among the
      // `gap + 1` entries up to index uid − 1. Searched there when those entries bracket it
      // (one step when no UID is missing), else among all.
      const gap = this.header.nextUid - 1 - count;
      let lo = 0, hi = count;
      const a = Math.max(0, uid - 1 - gap), b = Math.min(count, uid);
      if (
        gap >= 0 && a < b && attrEntryUid(dv, ATTR_HEADER_SIZE + a * size) <= uid &&
        attrEntryUid(dv, ATTR_HEADER_SIZE + (b - 1) * size) >= uid
      ) {
        lo = a;
        hi = b;
      }
      pos = findAttrEntry(dv, count, uid, size, lo, hi);
    }
    if (pos < 0) return -1;
    this.finger = (pos - ATTR_HEADER_SIZE) / size;
    if ((dv.getUint32(pos, true) & DELETED_BIT) !== 0) return -1;
    return pos;
  }

  /**
   * Flags of a UID: the {@linkcode MailboxFlags} bits and the special-use
   * bits ({@linkcode FLAG_BITS}).
   *
   * @param uid The UID.
   * @returns Its flags, 0 when it has no entry.
   */
  flagsOf(uid: number): number {
    if (++this.flagCalls > DENSE_AFTER && this.dense === undefined) this.buildDense();
    const dense = this.dense;
    if (dense !== undefined && dense !== null) return uid < dense.length ? dense[uid] : 0;
    const pos = this.positionOf(uid);
    return pos < 0 ? 0 : this.dv.getUint32(pos + ATTR_ENTRY_FIELD.flags, true) & FLAG_BITS;
  }

  private flagCalls = 0;
  /** Flags indexed by UID, built once many flags are asked for (null: UIDs too sparse). */
  private dense: Uint16Array | null | undefined;

  private buildDense(): void {
    const { count, nextUid } = this.header;
    if (!denseUids(nextUid, count)) {
      this.dense = null;
      return;
    }
    const dense = new Uint16Array(nextUid + 1);
    const dv = this.dv, size = this.entrySize;
    for (let i = 0, pos = ATTR_HEADER_SIZE; i < count; i++, pos += size) {
      const word = dv.getUint32(pos, true);
      if ((word & DELETED_BIT) !== 0 || word > nextUid) continue;
      dense[word] = dv.getUint32(pos + ATTR_ENTRY_FIELD.flags, true) & FLAG_BITS;
    }
    this.dense = dense;
  }

  /**
   * Whether a UID's STATUS cache is the same as another file's for its
   * UID, compared in their stored form (the STATUS bits and words of two
   * version-2 entries), without decoding either.
   *
   * @param uid The UID here (it must have an entry).
   * @param other The other attribute file.
   * @param otherUid The UID there (it must have an entry).
   * @returns The answer, or undefined when an entry is missing or of version 1 (compare decoded figures then).
   */
  sameStatusAs(uid: number, other: AttrView, otherUid: number): boolean | undefined {
    if (this.entrySize !== ATTR_ENTRY_SIZE || other.entrySize !== ATTR_ENTRY_SIZE) return undefined;
    const a = this.positionOf(uid), b = other.positionOf(otherUid);
    if (a < 0 || b < 0) return undefined;
    const da = this.dv, db = other.dv;
    const bits = da.getUint32(a + ATTR_ENTRY_FIELD.flags, true) & STATUS_BITS;
    if (bits !== (db.getUint32(b + ATTR_ENTRY_FIELD.flags, true) & STATUS_BITS)) return false;
    if (bits === 0) return true;
    for (let k = 0; k < STATUS_WORDS; k++) {
      const o = ATTR_ENTRY_FIELD.status + 4 * k;
      if (da.getUint32(a + o, true) !== db.getUint32(b + o, true)) return false;
    }
    return true;
  }

  /**
   * STATUS cache of a UID.
   *
   * @param uid The UID.
   * @returns Its figures, or undefined when not cached.
   */
  statusOf(uid: number): MailboxStatus | undefined {
    const pos = this.positionOf(uid);
    return pos < 0 ? undefined : readAttrStatus(this.dv, pos, this.entrySize);
  }

  /**
   * The GUID of a UID (SPEC §12).
   *
   * @param uid The UID.
   * @returns 32 lowercase hex digits, or undefined when it has none (a placeholder, a version-1 file).
   */
  guidOf(uid: number): string | undefined {
    const pos = this.positionOf(uid);
    return pos < 0 ? undefined : attrEntryGuid(this.bytes, pos, this.entrySize);
  }

  /** Entry index + 1 per slot of the GUID table (0 = empty); built when first asked. */
  private guidSlots: Int32Array | undefined;

  /**
   * The UID whose live entry has a GUID: one probe, after a table of every
   * GUID (an open-addressing hash on the GUID's first word, which is random)
   * is built on the first call. When two entries share a GUID (a folder
   * copied with its `dovecot-uidlist`), the lower UID is given.
   *
   * @param guid The GUID's 16 bytes.
   * @param at Where they start in `guid`.
   * @returns The UID, or 0 when no live entry has it.
   */
  uidOfGuid(guid: Uint8Array, at = 0): number {
    if (this.entrySize < ATTR_ENTRY_SIZE) return 0;
    const slots = this.guidSlots ?? (this.guidSlots = this.buildGuidSlots());
    const mask = slots.length - 1, bytes = this.bytes;
    const key = (guid[at] | (guid[at + 1] << 8) | (guid[at + 2] << 16) | (guid[at + 3] << 24)) >>> 0;
    for (let s = hashSlot(key) & mask;; s = (s + 1) & mask) {
      const e = slots[s];
      if (e === 0) return 0;
      const g = ATTR_HEADER_SIZE + (e - 1) * ATTR_ENTRY_SIZE + ATTR_ENTRY_FIELD.guid;
      let same = true;
      for (let i = 0; i < GUID_SIZE && same; i++) same = bytes[g + i] === guid[at + i];
      if (same) return this.dv.getUint32(g - ATTR_ENTRY_FIELD.guid, true);
    }
  }

  private buildGuidSlots(): Int32Array {
    const { count } = this.header;
    let size = 16;
    while (size < count * 2) size *= 2;
    const slots = new Int32Array(size);
    const mask = size - 1, dv = this.dv, bytes = this.bytes;
    // Ascending UIDs: the first entry of a GUID placed is the lowest UID's.
    for (let i = 0, pos = ATTR_HEADER_SIZE; i < count; i++, pos += ATTR_ENTRY_SIZE) {
      if ((dv.getUint32(pos, true) & DELETED_BIT) !== 0 || !attrEntryHasGuid(bytes, pos)) continue;
      const g = pos + ATTR_ENTRY_FIELD.guid;
      let s = hashSlot(dv.getUint32(g, true)) & mask;
      for (; slots[s] !== 0; s = (s + 1) & mask) {
        const o = ATTR_HEADER_SIZE + (slots[s] - 1) * ATTR_ENTRY_SIZE + ATTR_ENTRY_FIELD.guid;
        let same = true;
        for (let k = 0; k < GUID_SIZE && same; k++) same = bytes[o + k] === bytes[g + k];
        if (same) break;
      }
      if (slots[s] === 0) slots[s] = i + 1;
    }
    return slots;
  }
}

/** Mix a GUID's first word into a slot number (GUIDs are random, but a caller may set any). */
function hashSlot(key: number): number {
  key = Math.imul(key ^ (key >>> 16), 0x45d9f3b);
  return (key ^ (key >>> 16)) >>> 0;
}

/**
 * Reading an attribute file image (SPEC §3): flags and STATUS per UID by
 * binary search, with a finger for the mostly ascending UIDs of an
 * iteration.
 *
 * @module
 */
import {
  ATTR_ENTRY_SIZE,
  ATTR_HEADER_SIZE,
  type AttrHeader,
  decodeAttrHeader,
  findAttrEntry,
  readAttrStatus,
} from "../format/attr_codec.ts";
import { DELETED_BIT } from "../format/constants.ts";
import { FLAG_BITS } from "../format/flags.ts";
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
  }

  /**
   * Byte position of a UID's live entry, or -1.
   *
   * @param uid The UID.
   * @returns The position, or -1 when absent or deleted.
   */
  positionOf(uid: number): number {
    const dv = this.dv;
    const count = this.header.count;
    // Iterations ask for mostly ascending UIDs: try the entry after the last hit first.
    const f = this.finger;
    let pos = -1;
    if (f >= 0 && f + 1 < count) {
      const p = ATTR_HEADER_SIZE + (f + 1) * ATTR_ENTRY_SIZE;
      if ((dv.getUint32(p, true) & 0x7fffffff) === uid) pos = p;
    }
    if (pos < 0) pos = findAttrEntry(dv, count, uid);
    if (pos < 0) return -1;
    this.finger = (pos - ATTR_HEADER_SIZE) / ATTR_ENTRY_SIZE;
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
    return pos < 0 ? 0 : this.dv.getUint32(pos + 4, true) & FLAG_BITS;
  }

  private flagCalls = 0;
  /** Flags indexed by UID, built once many flags are asked for (null: UIDs too sparse). */
  private dense: Uint16Array | null | undefined;

  private buildDense(): void {
    const { count, nextUid } = this.header;
    if (nextUid > 4 * count + (1 << 20)) {
      this.dense = null;
      return;
    }
    const dense = new Uint16Array(nextUid + 1);
    const dv = this.dv;
    for (let i = 0, pos = ATTR_HEADER_SIZE; i < count; i++, pos += ATTR_ENTRY_SIZE) {
      const word = dv.getUint32(pos, true);
      if ((word & DELETED_BIT) !== 0 || word > nextUid) continue;
      dense[word] = dv.getUint32(pos + 4, true) & FLAG_BITS;
    }
    this.dense = dense;
  }

  /**
   * STATUS cache of a UID.
   *
   * @param uid The UID.
   * @returns Its figures, or undefined when not cached.
   */
  statusOf(uid: number): MailboxStatus | undefined {
    const pos = this.positionOf(uid);
    return pos < 0 ? undefined : readAttrStatus(this.dv, pos);
  }
}

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
} from "./attr_codec.ts";
import { DELETED_BIT } from "./constants.ts";
import type { MailboxStatus } from "./types.ts";
import type { FlagSource } from "./view.ts";

/**
 * A checked, read-only view of one attribute file image.
 *
 * @example
 * ```ts
 * import { AttrView } from "./attr_file.ts";
 * import { encodeAttrImage } from "./attr_codec.ts";
 * const img = encodeAttrImage(7, 1, 3, { uids: new Uint32Array([1, 2]), flags: new Uint8Array([9, 0]), count: 2 });
 * console.log(new AttrView(img, "a").flagsOf(1)); // 9
 * ```
 */
export class AttrView implements FlagSource {
  /** The image. */
  readonly bytes: Uint8Array;
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
   * Flags of a UID.
   *
   * @param uid The UID.
   * @returns Its flags, 0 when it has no entry.
   */
  flagsOf(uid: number): number {
    const pos = this.positionOf(uid);
    return pos < 0 ? 0 : this.dv.getUint32(pos + 4, true) & 0xff;
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

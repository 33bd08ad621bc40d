/**
 * Encoded offsets (SPEC §2.4): links are stored so that a torn write never
 * decodes to a valid offset.
 *
 * @module
 */
import { ALIGNMENT, MAX_FILE_SIZE } from "./constants.ts";

/** Marker bits present in every valid encoded offset. */
export const OFFSET_MARKER = 0x80808080;

/**
 * Encode a 4-byte-aligned file offset below 1 GiB into its link form.
 *
 * @param offset The plain offset (multiple of 4, below 2^30).
 * @returns The encoded value, to be stored as a little-endian u32.
 * @throws RangeError when the offset is unaligned or out of range.
 *
 * @example Encoding the root directory offset
 * ```ts
 * import { encodeOffset } from "./offset.ts";
 * console.log(encodeOffset(28).toString(16)); // "87808080"
 * ```
 */
export function encodeOffset(offset: number): number {
  if (offset < 0 || offset >= MAX_FILE_SIZE || offset % ALIGNMENT !== 0) {
    throw new RangeError(`Cannot encode offset ${offset}: not a multiple of 4 below 2^30`);
  }
  const v = offset >>> 2;
  return ((0x80 | (v & 0x7f)) << 24 |
    (0x80 | ((v >>> 7) & 0x7f)) << 16 |
    (0x80 | ((v >>> 14) & 0x7f)) << 8 |
    (0x80 | ((v >>> 21) & 0x7f))) >>> 0;
}

/**
 * Decode a stored link. Values without all four marker bits mean "no link".
 *
 * @param encoded The u32 read from the file.
 * @returns The plain offset, or 0 for "no link".
 *
 * @example A link and no link
 * ```ts
 * import { decodeOffset } from "./offset.ts";
 * console.log(decodeOffset(0x87808080)); // 28
 * console.log(decodeOffset(0)); // 0
 * ```
 */
export function decodeOffset(encoded: number): number {
  if ((encoded & OFFSET_MARKER) !== (OFFSET_MARKER | 0)) return 0;
  const v = ((encoded >>> 24) & 0x7f) |
    ((encoded >>> 16) & 0x7f) << 7 |
    ((encoded >>> 8) & 0x7f) << 14 |
    (encoded & 0x7f) << 21;
  return v * 4;
}

/**
 * Round up to the next multiple of 4.
 *
 * @param n A byte count or offset.
 * @returns The smallest multiple of 4 that is ≥ n.
 *
 * @example Align an offset
 * ```ts
 * import { alignUp } from "./offset.ts";
 * console.log(alignUp(345)); // 348
 * ```
 */
export function alignUp(n: number): number {
  return (n + 3) & ~3;
}

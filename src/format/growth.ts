/**
 * File growth and compression policy (SPEC §2.6).
 *
 * @module
 */
import {
  COMPRESS_AMORTIZE_FACTOR,
  COMPRESS_AMORTIZE_FROM,
  COMPRESS_MIN_USED,
  COMPRESS_PERCENT,
  GROWTH_BLOCK,
  GROWTH_MIN,
  GROWTH_PERCENT,
} from "./constants.ts";

/**
 * The size a file grows to when a write needs `need` bytes.
 *
 * @param need Bytes the file must cover.
 * @returns `need + max(need/100*10, 512)` rounded down to a multiple of 512, never below `need`.
 *
 * @example Room past what a write needs
 * ```ts
 * import { grownSize } from "./growth.ts";
 * console.log(grownSize(108930)); // 119808
 * ```
 */
export function grownSize(need: number): number {
  const step = Math.max(Math.floor(need / 100) * GROWTH_PERCENT, GROWTH_MIN);
  const size = Math.floor((need + step) / GROWTH_BLOCK) * GROWTH_BLOCK;
  return size >= need ? size : Math.ceil(need / GROWTH_BLOCK) * GROWTH_BLOCK;
}

/**
 * Whether a file with this much used and deleted space is due for
 * compression: the original rule (deleted space reached 10% of used space,
 * and used space is at least 1024), amortised for giant directories. A
 * commit that replaced a directory copy of at least
 * {@linkcode COMPRESS_AMORTIZE_FROM} bytes compresses only once deleted
 * space is also {@linkcode COMPRESS_AMORTIZE_FACTOR} times that copy (or
 * the file could not take two more copies), so that inserting into a
 * directory of 700,000 children does not rewrite the whole file each time:
 * the copies and one compression per few inserts cost about twice the
 * directory's write per insert.
 *
 * @param usedSpace Bytes in use.
 * @param deletedSpace Bytes known to be garbage.
 * @param largestCopy The largest directory copy the commit replaced, in bytes (0: none).
 * @param maxFileSize The size the file may not pass.
 * @returns True when the file is due for compression.
 *
 * @example Deleted space past a tenth of the used space
 * ```ts
 * import { needsCompression } from "./growth.ts";
 * console.log(needsCompression(2148, 1584)); // true
 * console.log(needsCompression(60 << 20, 12 << 20, 11 << 20), needsCompression(90 << 20, 45 << 20, 11 << 20)); // false true
 * ```
 */
export function needsCompression(usedSpace: number, deletedSpace: number, largestCopy = 0, maxFileSize = 1 << 30): boolean {
  if (usedSpace < COMPRESS_MIN_USED || deletedSpace < Math.floor(usedSpace / 100) * COMPRESS_PERCENT) return false;
  if (largestCopy < COMPRESS_AMORTIZE_FROM) return true;
  return deletedSpace >= COMPRESS_AMORTIZE_FACTOR * largestCopy || usedSpace + 2 * largestCopy > maxFileSize;
}

/**
 * File growth and compression policy (SPEC §2.6).
 *
 * @module
 */
import {
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
 * Whether a file with this much used and deleted space is due for compression.
 *
 * @param usedSpace Bytes in use.
 * @param deletedSpace Bytes known to be garbage.
 * @returns True when deleted space reached 10% of used space and used space is at least 1024.
 *
 * @example Deleted space past a tenth of the used space
 * ```ts
 * import { needsCompression } from "./growth.ts";
 * console.log(needsCompression(2148, 1584)); // true
 * ```
 */
export function needsCompression(usedSpace: number, deletedSpace: number): boolean {
  return usedSpace >= COMPRESS_MIN_USED &&
    deletedSpace >= Math.floor(usedSpace / 100) * COMPRESS_PERCENT;
}

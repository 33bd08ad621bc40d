/**
 * The one rule for the UIDs of a list image (SPEC §9): every live UID is
 * non-zero, below the header's `next_uid`, and used by one record only.
 * Readers that traverse the whole tree and writers (before any UID is
 * handed out) check the UIDs they collected with {@linkcode checkUids}.
 *
 * @module
 */
import { CorruptIndexError } from "./errors.ts";

/** Largest bitmap, in bytes, used to find repeated UIDs; past it the UIDs are sorted. */
const BITMAP_MAX_BYTES = 16 << 20;

/**
 * Check that `count` UIDs collected from one list image are all in
 * `[1, nextUid)` and distinct.
 *
 * Uses a bitmap over `[0, nextUid)` when that is small (at most 16 MiB or
 * two bytes per UID), otherwise a sorted copy, so a hostile `next_uid` costs
 * no more memory than the UIDs themselves.
 *
 * @param uids The UIDs (only the first `count` are read; never changed).
 * @param count How many there are.
 * @param nextUid The header's `next_uid`.
 * @param file The list file, for the error.
 * @returns Nothing.
 * @throws CorruptIndexError naming the first bad or repeated UID.
 *
 * @example A repeated UID is corruption
 * ```ts
 * import { checkUids } from "./uid_check.ts";
 * checkUids(new Uint32Array([1, 2, 3]), 3, 4, "/tmp/x.mlist"); // fine
 * try {
 *   checkUids(new Uint32Array([1, 2, 2]), 3, 4, "/tmp/x.mlist");
 * } catch (e) {
 *   console.log((e as Error).name); // "CorruptIndexError"
 * }
 * ```
 */
export function checkUids(
  uids: ArrayLike<number>,
  count: number,
  nextUid: number,
  file: string,
): void {
  for (let i = 0; i < count; i++) checkUidBelow(uids[i] >>> 0, nextUid, file);
  if (uidBitmapFits(count, nextUid)) {
    const seen = new Uint8Array(Math.ceil(nextUid / 8));
    for (let i = 0; i < count; i++) {
      const uid = uids[i] >>> 0;
      const bit = 1 << (uid & 7);
      if ((seen[uid >>> 3] & bit) !== 0) throw repeated(file, uid);
      seen[uid >>> 3] |= bit;
    }
    return;
  }
  const sorted = new Uint32Array(count);
  for (let i = 0; i < count; i++) sorted[i] = uids[i];
  sorted.sort();
  for (let i = 1; i < count; i++) if (sorted[i] === sorted[i - 1]) throw repeated(file, sorted[i]);
}

/**
 * Check one live UID against the header (SPEC §9): non-zero and below
 * `next_uid`. A lookup that answers one UID without the check of the whole
 * tree checks at least this much.
 *
 * @param uid The UID.
 * @param nextUid The header's `next_uid`.
 * @param file The list file, for the error.
 * @returns Nothing.
 * @throws CorruptIndexError when the UID is 0 or not below `next_uid`.
 *
 * @example A UID at next_uid is corruption
 * ```ts
 * import { checkUidBelow } from "./uid_check.ts";
 * try {
 *   checkUidBelow(4, 4, "/tmp/x.mlist");
 * } catch (e) {
 *   console.log((e as Error).message); // ... live UID 4 is not below next_uid 4
 * }
 * ```
 */
export function checkUidBelow(uid: number, nextUid: number, file: string): void {
  if (uid === 0 || uid >= nextUid) {
    throw new CorruptIndexError(file, 12, `live UID ${uid} is not below next_uid ${nextUid}`);
  }
}

/**
 * Whether a bitmap over `[0, nextUid)` is cheap enough to hold a set of
 * `count` UIDs of one image (at most 16 MiB, or two bytes per UID); when it
 * is not, callers sort the UIDs instead.
 *
 * @param count How many UIDs.
 * @param nextUid The header's `next_uid`.
 * @returns True when a bitmap should be used.
 *
 * @example Choosing the set of an image's UIDs
 * ```ts
 * import { uidBitmapFits } from "./uid_check.ts";
 * console.log(uidBitmapFits(3, 4)); // true
 * console.log(uidBitmapFits(3, 0x7fffffff)); // false: sort the three UIDs instead
 * ```
 */
export function uidBitmapFits(count: number, nextUid: number): boolean {
  const bitmapBytes = Math.ceil(nextUid / 8);
  return bitmapBytes <= BITMAP_MAX_BYTES || bitmapBytes <= 2 * count;
}

function repeated(file: string, uid: number): CorruptIndexError {
  return new CorruptIndexError(file, 0, `UID ${uid} is used by more than one record`);
}

/**
 * Whether UIDs below `nextUid` are dense enough among `count` live ones for
 * one typed array indexed by UID (else a sorted array and binary search):
 * the one rule for every such array.
 *
 * @param nextUid The next UID to hand out.
 * @param count The number of live UIDs.
 * @returns True when an array of `nextUid` entries is fine.
 *
 * @example UIDs that reach 2^31 among a thousand mailboxes
 * ```ts
 * import { denseUids } from "./uid_check.ts";
 * console.log(denseUids(2000, 1000), denseUids(2 ** 31 - 1, 1000)); // true false
 * ```
 */
export function denseUids(nextUid: number, count: number): boolean {
  return nextUid <= 4 * count + (1 << 20);
}

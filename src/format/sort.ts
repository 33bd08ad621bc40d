/**
 * Sorting record ids into directory order (hash, then name bytes) with
 * typed arrays: a two-pass radix sort on the 32-bit hash, then the rare runs
 * of equal hashes ordered by a tie-breaker.
 *
 * @module
 */

let scratchA = new Int32Array(0);
let scratchCount = new Uint32Array(65536 + 1);

/**
 * Sort `ids[0..count)` in place by `keys[id]` ascending, breaking ties with `tie`.
 *
 * @param ids Ids to sort (indices into `keys`).
 * @param count How many of `ids` to sort.
 * @param keys The 32-bit key of each id (the name hash).
 * @param tie Compares two ids with equal keys (by name bytes).
 * @returns Nothing; `ids` is sorted.
 *
 * @example Sort ids by their keys
 * ```ts
 * import { sortIdsByKey } from "./sort.ts";
 * const ids = new Int32Array([0, 1, 2]);
 * sortIdsByKey(ids, 3, new Uint32Array([30, 10, 20]), (a, b) => a - b);
 * console.log([...ids]); // [1, 2, 0]
 * ```
 */
export function sortIdsByKey(
  ids: Int32Array,
  count: number,
  keys: Uint32Array,
  tie: (a: number, b: number) => number,
): void {
  if (count < 2) return;
  if (count <= 48) {
    insertionSort(ids, 0, count, keys, tie);
    return;
  }
  if (scratchA.length < count) scratchA = new Int32Array(Math.max(count, scratchA.length * 2));
  const tmp = scratchA;
  const cnt = scratchCount;
  // Pass 1: low 16 bits, ids -> tmp.
  cnt.fill(0);
  for (let i = 0; i < count; i++) cnt[(keys[ids[i]] & 0xffff) + 1]++;
  for (let i = 1; i <= 65536; i++) cnt[i] += cnt[i - 1];
  for (let i = 0; i < count; i++) {
    const id = ids[i];
    tmp[cnt[keys[id] & 0xffff]++] = id;
  }
  // Pass 2: high 16 bits, tmp -> ids.
  cnt.fill(0);
  for (let i = 0; i < count; i++) cnt[(keys[tmp[i]] >>> 16) + 1]++;
  for (let i = 1; i <= 65536; i++) cnt[i] += cnt[i - 1];
  for (let i = 0; i < count; i++) {
    const id = tmp[i];
    ids[cnt[keys[id] >>> 16]++] = id;
  }
  // Runs of equal keys: order by the tie-breaker.
  let i = 0;
  while (i < count) {
    const k = keys[ids[i]];
    let j = i + 1;
    while (j < count && keys[ids[j]] === k) j++;
    if (j - i > 1) insertionSort(ids, i, j, keys, tie);
    i = j;
  }
  if (scratchA.length > (1 << 22)) scratchA = new Int32Array(0);
  scratchCount = cnt;
}

function insertionSort(
  ids: Int32Array,
  from: number,
  to: number,
  keys: Uint32Array,
  tie: (a: number, b: number) => number,
): void {
  for (let i = from + 1; i < to; i++) {
    const id = ids[i];
    const k = keys[id];
    let j = i - 1;
    while (j >= from) {
      const o = ids[j];
      const ko = keys[o];
      if (ko < k || (ko === k && tie(o, id) <= 0)) break;
      ids[j + 1] = o;
      j--;
    }
    ids[j + 1] = id;
  }
}

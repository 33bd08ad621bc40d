/**
 * The record of a UID in a list image, for the reads that start from a UID
 * rather than a name (`lookupGuid`, SPEC §12): every live record numbered
 * once ({@linkcode liveRecords}), and the number of each UID in a typed
 * array indexed by UID (or, when the UIDs are too sparse for one, the
 * numbers sorted by UID) — built on the first such read and kept as long as
 * the image, no object per record. A record's full name is then put together from its
 * ancestors' names.
 *
 * @module
 */
import { decodeName } from "../format/name_codec.ts";
import { recordNameOffset } from "../format/record.ts";
import { sortIdsByKey } from "../format/sort.ts";
import { denseUids } from "../format/uid_check.ts";
import { HAS_CHILDREN, liveRecords, type LiveRecords } from "./full_name_records.ts";
import type { ListImage } from "./list_image.ts";

const indexes = new WeakMap<ListImage, UidRecords>();

/**
 * Live records of one list image by UID.
 *
 * @example The full name of UID 3
 * ```ts ignore
 * const records = UidRecords.of(view);
 * const k = records.numberOf(3);
 * if (k >= 0) console.log(records.fullName(k, "/"), records.hasChildren(k));
 * ```
 */
export class UidRecords {
  readonly #view: ListImage;
  readonly #live: LiveRecords;
  /** Record numbers sorted by UID (empty when {@linkcode UidRecords.#dense} answers). */
  readonly #byUid: Int32Array;
  readonly #uids: Uint32Array;
  /** Record number per UID (-1: none), when the UIDs are dense enough for one array; no sort then. */
  readonly #dense: Int32Array | undefined;

  private constructor(view: ListImage) {
    this.#view = view;
    const live = this.#live = liveRecords(view, 0);
    const n = live.count;
    const next = view.header.nextUid;
    if (denseUids(next, n)) {
      // liveRecords checked every UID: non-zero, below next_uid, used once.
      this.#dense = numbersByUid(live.uid, n, next);
      this.#byUid = new Int32Array(0);
      this.#uids = new Uint32Array(0);
      return;
    }
    const uids = this.#uids = new Uint32Array(n);
    for (let k = 0; k < n; k++) uids[k] = live.uid[k];
    const byUid = this.#byUid = new Int32Array(n);
    for (let k = 0; k < n; k++) byUid[k] = k;
    sortIdsByKey(byUid, n, uids, (a, b) => a - b);
  }

  /**
   * The index of an image, built on first use.
   *
   * @param view The list image (never changed after it was read).
   * @returns Its index.
   * @throws CorruptIndexError when the image is damaged.
   */
  static of(view: ListImage): UidRecords {
    let known = indexes.get(view);
    if (known === undefined) indexes.set(view, known = new UidRecords(view));
    return known;
  }

  /**
   * The number of the live record with a UID, by binary search.
   *
   * @param uid The UID.
   * @returns Its number, or -1 when no live record has it.
   */
  numberOf(uid: number): number {
    const dense = this.#dense;
    if (dense !== undefined) return uid >= 0 && uid < dense.length ? dense[uid] : -1;
    const byUid = this.#byUid, uids = this.#uids;
    let lo = 0, hi = byUid.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      const u = uids[byUid[mid]];
      if (u < uid) lo = mid + 1;
      else if (u > uid) hi = mid;
      else return byUid[mid];
    }
    return -1;
  }

  /**
   * Whether record `k` has a live child.
   *
   * @param k Its number.
   * @returns True when it has one.
   */
  hasChildren(k: number): boolean {
    return (this.#live.info[k] & HAS_CHILDREN) !== 0;
  }

  /**
   * The full name of the live record with a UID.
   *
   * @param uid The UID.
   * @param separator The separator to join the levels with.
   * @returns The name, or undefined when no live record has the UID.
   */
  nameOf(uid: number, separator: string): string | undefined {
    const k = this.numberOf(uid);
    return k < 0 ? undefined : this.fullName(k, separator);
  }

  /**
   * The full name of record `k`: its ancestors' names and its own, joined.
   *
   * @param k Its number.
   * @param separator The separator to join them with.
   * @returns The name.
   */
  fullName(k: number, separator: string): string {
    return fullNameOf(this.#view, this.#live.rec, this.#live.parent, k, separator);
  }
}

/**
 * The full name of record number `k` of a numbering of an image's records
 * where each has its parent's number (-1 at the root): its ancestors' names
 * and its own, joined by the separator. The one walk for {@linkcode UidRecords}
 * and the full-name table's numbering.
 *
 * @param view The image.
 * @param rec Record offsets by number.
 * @param parent Parent numbers by number (-1: at the root).
 * @param k The record's number.
 * @param separator The separator to join the names with.
 * @returns The full name.
 *
 * @example A child of the first record
 * ```ts ignore
 * const name = fullNameOf(view, live.rec, live.parent, 1, "/"); // "INBOX/Sent"
 * ```
 */
export function fullNameOf(
  view: ListImage,
  rec: ArrayLike<number>,
  parent: ArrayLike<number>,
  k: number,
  separator: string,
): string {
  let name = "";
  for (let t = k; t >= 0; t = parent[t]) {
    const r = rec[t];
    const level = decodeName(view.bytes, recordNameOffset(view.dv, r), view.nameEnd(r));
    name = t === k ? level : level + separator + name;
  }
  return name;
}

/**
 * Record numbers by UID in one array (-1: no record), for UIDs dense enough
 * for it ({@linkcode denseUids}); a UID past `nextUid` is left out.
 *
 * @param uid UIDs by record number.
 * @param count How many records.
 * @param nextUid The image's next_uid.
 * @returns The array, indexed by UID.
 *
 * @example Two records
 * ```ts
 * import { numbersByUid } from "./uid_records.ts";
 * console.log(Array.from(numbersByUid(Uint32Array.of(3, 1), 2, 4))); // [-1, 1, -1, 0, -1]
 * ```
 */
export function numbersByUid(uid: ArrayLike<number>, count: number, nextUid: number): Int32Array {
  const byUid = new Int32Array(nextUid + 1).fill(-1);
  for (let k = 0; k < count; k++) if (uid[k] < byUid.length) byUid[uid[k]] = k;
  return byUid;
}

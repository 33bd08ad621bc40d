/**
 * What one sync knows about each record of the current image: whether it
 * was seen (reported, or a parent of a reported name), reported as a
 * mailbox, kept, deleted, or the owner of a directory that lost records —
 * in one byte per record, in a typed array for syncs that touch most of the
 * image and a map for the others — and the seen records in the order they
 * were met, with their levels.
 *
 * @module
 */

/**
 * State bit: the record was seen (reported, or a parent of a reported name).
 *
 * @example Whether a record was seen
 * ```ts
 * import { R_SEEN, RecordMarks } from "./sync_marks.ts";
 * const marks = new RecordMarks(64, false);
 * marks.markSeen(40, 1);
 * console.log((marks.of(40) & R_SEEN) !== 0); // true
 * ```
 */
export const R_SEEN = 1;
/**
 * State bit: the record was reported as a mailbox (not only as a parent).
 *
 * @example Mark a record reported
 * ```ts
 * import { R_LEAF, RecordMarks } from "./sync_marks.ts";
 * const marks = new RecordMarks(64, false);
 * marks.set(40, R_LEAF);
 * console.log(marks.of(40)); // 2
 * ```
 */
export const R_LEAF = 2;
/**
 * State bit: the sync deletes the record (rule 6).
 *
 * @example Mark a record deleted
 * ```ts
 * import { R_DELETE, RecordMarks } from "./sync_marks.ts";
 * const marks = new RecordMarks(64, true);
 * marks.set(40, R_DELETE);
 * console.log(marks.of(40)); // 4
 * ```
 */
export const R_DELETE = 4;
/**
 * State bit: the record's child directory lost records (rule 8).
 *
 * @example Mark the owner of a directory that lost records
 * ```ts
 * import { R_LOST, RecordMarks } from "./sync_marks.ts";
 * const marks = new RecordMarks(64, true);
 * marks.set(40, R_LOST);
 * console.log(marks.of(40)); // 8
 * ```
 */
export const R_LOST = 8;
/**
 * State bit: the record lies in a subtree the caller keeps as it is
 * (`SyncEngine.keep`): it is never deleted, never made NONEXISTENT.
 *
 * @example Mark a record kept
 * ```ts
 * import { R_KEEP, RecordMarks } from "./sync_marks.ts";
 * const marks = new RecordMarks(64, true);
 * marks.set(40, R_KEEP);
 * console.log(marks.of(40)); // 16
 * ```
 */
export const R_KEEP = 16;
/**
 * State bit: the record moved away (a rename, SPEC §11): its directory no
 * longer holds it, and its node holds it at its new place, with its UID,
 * its flags and its child directory.
 *
 * @example Mark a record moved
 * ```ts
 * import { R_MOVED, RecordMarks } from "./sync_marks.ts";
 * const marks = new RecordMarks(64, true);
 * marks.set(40, R_MOVED);
 * console.log(marks.of(40)); // 32
 * ```
 */
export const R_MOVED = 32;
/**
 * The state bits of a record that its directory no longer holds: deleted,
 * or moved away.
 *
 * @example A record moved away is gone from its directory
 * ```ts
 * import { R_GONE, R_MOVED } from "./sync_marks.ts";
 * console.log((R_MOVED & R_GONE) !== 0); // true
 * ```
 */
export const R_GONE: number = R_DELETE | R_MOVED;

/**
 * The per-record state of one sync, indexed by record offset.
 *
 * @example Mark a record seen at level 1
 * ```ts
 * import { R_SEEN, RecordMarks } from "./sync_marks.ts";
 * const marks = new RecordMarks(64, true);
 * marks.markSeen(40, 1);
 * console.log(marks.of(40) === R_SEEN, marks.seenCount); // true 1
 * ```
 */
export class RecordMarks {
  /** Per-record state for syncs that touch most records (offset >> 2); undefined: the map holds it. */
  private readonly arr: Uint8Array | undefined;
  private readonly map = new Map<number, number>();
  /** Seen records in the order they were met (`seenCount` of them). */
  seenRecs: Int32Array = new Int32Array(1024);
  /** The level of each seen record (1 = a child of the root; at most 255). */
  seenLevels: Uint8Array = new Uint8Array(1024);
  /** How many records were seen. */
  seenCount = 0;

  /**
   * @param usedSpace The image's `used_space` (records lie below it).
   * @param wide Whether the sync touches most records (a typed array then holds the state).
   */
  constructor(usedSpace: number, wide: boolean) {
    this.arr = wide ? new Uint8Array((usedSpace >>> 2) + 1) : undefined;
  }

  /**
   * The state bits of a record.
   *
   * @param rec Offset of the record.
   * @returns Its `R_*` bits.
   */
  of(rec: number): number {
    return this.arr !== undefined ? this.arr[rec >>> 2] : this.map.get(rec) ?? 0;
  }

  /**
   * Set state bits of a record.
   *
   * @param rec Offset of the record.
   * @param bits `R_*` bits to set.
   */
  set(rec: number, bits: number): void {
    if (this.arr !== undefined) this.arr[rec >>> 2] |= bits;
    else this.map.set(rec, (this.map.get(rec) ?? 0) | bits);
  }

  /**
   * Mark a record seen (once), remembering its level.
   *
   * @param rec Offset of the record.
   * @param level Its level (1 = a child of the root).
   */
  markSeen(rec: number, level: number): void {
    if ((this.of(rec) & R_SEEN) !== 0) return;
    this.set(rec, R_SEEN);
    if (this.seenCount === this.seenRecs.length) {
      const r = new Int32Array(this.seenCount * 2), l = new Uint8Array(this.seenCount * 2);
      r.set(this.seenRecs);
      l.set(this.seenLevels);
      this.seenRecs = r;
      this.seenLevels = l;
    }
    this.seenRecs[this.seenCount] = rec;
    this.seenLevels[this.seenCount] = level > 255 ? 255 : level;
    this.seenCount++;
  }

  /**
   * Give a seen record the level it has after a rename moved it.
   *
   * @param rec Offset of the record.
   * @param level Its new level (1 = a child of the root).
   */
  relevel(rec: number, level: number): void {
    for (let i = 0; i < this.seenCount; i++) {
      if (this.seenRecs[i] === rec) {
        this.seenLevels[i] = level > 255 ? 255 : level;
        return;
      }
    }
  }
}

/**
 * The records a full-name table (`full_names.ts`) is built over: every live
 * record of a list image numbered in breadth-first order, a parent before
 * its children, with its offset, parent, UID, name length, level and whether
 * it has a live child. Reading them checks every directory, record and name
 * on the way and every UID ({@linkcode checkUids}: non-zero, below next_uid,
 * none used twice, which also finds a directory reached from two records).
 *
 * @module
 */
import { DIR_HEADER_SIZE, RECORD_SIZE } from "../format/constants.ts";
import { CorruptIndexError } from "../format/errors.ts";
import { recordDeleted, recordNameOffset } from "../format/record.ts";
import { checkUids } from "../format/uid_check.ts";
import type { ListImage } from "./list_image.ts";

/** Per-number bit of {@linkcode LiveRecords.info}: the record has a live child. */
export const HAS_CHILDREN = 1;

/** Mark of a sync: the record was reported, as a leaf or as a parent. */
export const MARK_SEEN = 1;
/** Mark of a sync: the record was reported as a leaf. */
export const MARK_LEAF = 2;

/** The live records of an image in breadth-first order; arrays are indexed by number and may be longer than `count`. */
export interface LiveRecords {
  /** Number of live records. */
  count: number;
  /** Record offset per number. */
  rec: Int32Array;
  /** Parent's number per number (-1 at the top level). */
  parent: Int32Array;
  /** UID per number. */
  uid: Int32Array;
  /** Length of the record's own name (its last component) per number. */
  len: Int32Array;
  /** Level per number (1 = top level, capped at 255). */
  level: Uint8Array;
  /** {@linkcode HAS_CHILDREN} per number. */
  info: Uint8Array;
}

/**
 * Number every live record of an image breadth-first.
 *
 * @param view The list image.
 * @param expected How many live records the image probably has (sizes the arrays; 0 = unknown).
 * @returns The records.
 * @throws CorruptIndexError when the image is damaged: a structure, a name, a directory
 *   reached twice, a UID that is 0, not below next_uid or used by two records.
 *
 * @example Count the live records of an image
 * ```ts ignore
 * const records = liveRecords(view, 0);
 * console.log(records.count);
 * ```
 */
export function liveRecords(view: ListImage, expected: number): LiveRecords {
  const bound = Math.max(1, Math.floor(view.end / RECORD_SIZE));
  let cap = Math.min(bound, Math.max(1024, Math.floor(expected) + 16));
  let rec = new Int32Array(cap), parent = new Int32Array(cap), uid = new Int32Array(cap), len = new Int32Array(cap);
  let level = new Uint8Array(cap), info = new Uint8Array(cap);
  const dv = view.dv;
  let n = 0;
  let budget = bound + 16;
  // Breadth-first: the numbers given so far are the queue of records whose children come next.
  let dir = view.rootDir();
  let p = -1;
  for (let q = 0;;) {
    if (dir !== 0) {
      const count = view.dirCount(dir);
      const lvl = p < 0 ? 1 : level[p] < 255 ? level[p] + 1 : 255;
      for (let i = 0, r = dir + DIR_HEADER_SIZE; i < count; i++, r += RECORD_SIZE) {
        if (--budget < 0) throw new CorruptIndexError(view.file, r, "directory links form a cycle or are shared");
        if (recordDeleted(dv, r)) continue;
        const u = view.uidOf(r);
        const ne = view.nameEnd(r);
        if (n === cap) {
          // Live records lie at distinct offsets, at most one per 16 bytes: more means a directory is reached twice.
          if (cap === bound) throw new CorruptIndexError(view.file, r, "directory links form a cycle or are shared");
          cap = Math.min(Math.max(cap * 2, 1024), bound);
          rec = growI32(rec, cap);
          parent = growI32(parent, cap);
          uid = growI32(uid, cap);
          len = growI32(len, cap);
          level = growU8(level, cap);
          info = growU8(info, cap);
        }
        rec[n] = r;
        parent[n] = p;
        uid[n] = u;
        len[n] = ne - recordNameOffset(dv, r);
        level[n] = lvl;
        n++;
        if (p >= 0) info[p] = HAS_CHILDREN;
      }
    }
    if (q >= n) break;
    p = q++;
    dir = view.childDir(rec[p]);
  }
  // Every live UID non-zero, below next_uid and used once (a directory reached twice repeats its UIDs).
  checkUids(uid, n, view.header.nextUid, view.file);
  return { count: n, rec, parent, uid, len, level, info };
}

/**
 * Turn a sync's marks per slot of a full-name table into marks per record
 * number, with {@linkcode MARK_SEEN} spread to every ancestor of a marked record.
 *
 * @param bySlot Marks per slot ({@linkcode MARK_SEEN}, {@linkcode MARK_LEAF}).
 * @param numbers Record number per slot.
 * @param parent Parent's number per number.
 * @param count Number of records.
 * @returns Marks per record number.
 *
 * @example A leaf's mark reaches its parent
 * ```ts
 * import { marksOfNumbers } from "./full_name_records.ts";
 * // Slot 1 holds number 1, whose parent is number 0.
 * console.log(marksOfNumbers(new Uint8Array([0, 3]), new Int32Array([0, 1]), new Int32Array([-1, 0]), 2)); // Uint8Array(2) [ 1, 3 ]
 * ```
 */
export function marksOfNumbers(bySlot: Uint8Array, numbers: Int32Array, parent: Int32Array, count: number): Uint8Array {
  const marks = new Uint8Array(count);
  for (let s = 0; s < bySlot.length; s++) {
    if (bySlot[s] !== 0) marks[numbers[s]] |= bySlot[s];
  }
  // Numbers give parents before children: one backward pass reaches every ancestor.
  for (let k = count - 1; k >= 0; k--) {
    if (marks[k] !== 0) {
      const p = parent[k];
      if (p >= 0) marks[p] |= MARK_SEEN;
    }
  }
  return marks;
}

/**
 * A copy of `a` with room for `size` values.
 *
 * @param a The array.
 * @param size Its new length (at least its old one).
 * @returns The longer array.
 *
 * @example Grow an array
 * ```ts
 * import { growI32 } from "./full_name_records.ts";
 * console.log(growI32(new Int32Array([7]), 4)); // Int32Array(4) [ 7, 0, 0, 0 ]
 * ```
 */
export function growI32(a: Int32Array<ArrayBuffer>, size: number): Int32Array<ArrayBuffer> {
  const r = new Int32Array(size);
  r.set(a);
  return r;
}

function growU8(a: Uint8Array<ArrayBuffer>, size: number): Uint8Array<ArrayBuffer> {
  const r = new Uint8Array(size);
  r.set(a);
  return r;
}

/**
 * The layout of a commit (SPEC §2.5): every directory that gets new
 * records is written again after `used_space`, in depth-first pre-order —
 * its live existing records (copied in runs) merged with the new ones in
 * record order — and its old copy links to the new one. This module places
 * the directories and says what goes in each; `sync_images.ts` writes them.
 *
 * @module
 */
import { IndexLimitError } from "../format/errors.ts";
import { compareBytes } from "../format/name_hash.ts";
import { alignUp, encodeOffset } from "../format/offset.ts";
import {
  DIR_FIELD,
  dirImageSize,
  dirRecordCount,
  dirSize,
  DIR_HEADER_SIZE,
  RECORD_SIZE,
  recordAt,
  recordDeleted,
  recordHash,
  recordNameOffset,
} from "../format/record.ts";
import { sortIdsByKey } from "../format/sort.ts";
import { R_GONE } from "./sync_marks.ts";
import { N_DIRTY, NO_NODE } from "./sync_nodes.ts";
import type { SyncTree } from "./sync_tree.ts";

/** A change to bytes that exist: `bytes` written at `offset`. */
export interface Patch {
  /** Where the bytes go. */
  offset: number;
  /** The bytes. */
  bytes: Uint8Array;
}

/**
 * Queue a little-endian u32 patch.
 *
 * @param patches Where the patch goes.
 * @param offset Where the word goes.
 * @param value The word.
 *
 * @example Link an old directory to its new copy at 512
 * ```ts
 * import { encodeOffset } from "../format/offset.ts";
 * import { patchU32 } from "./sync_layout.ts";
 * const patches: { offset: number; bytes: Uint8Array }[] = [];
 * patchU32(patches, 28, encodeOffset(512));
 * console.log(patches[0].bytes); // Uint8Array(4) [ 128, 128, 129, 128 ]
 * ```
 */
export function patchU32(patches: Patch[], offset: number, value: number): void {
  const b = new Uint8Array(4);
  new DataView(b.buffer).setUint32(0, value >>> 0, true);
  patches.push({ offset, bytes: b });
}

/**
 * Where a commit's directories go and what each holds. Directory `w`
 * (`written[w]`, a node) lies at `nodes.dirOff[written[w]]` and holds
 * `recCount[w]` records, listed by `order[orderStart[w] .. + orderLen[w]]`:
 * a new node id (≥ 0), or minus the offset of the first of a run of live
 * existing records followed by the run's length.
 */
export interface Layout {
  /** `used_space` after the commit. */
  used: number;
  /** `deleted_space` after the commit (old copies of written directories added). */
  deletedSpace: number;
  /** The largest old directory copy a written directory replaced, in bytes (0: none). */
  largestCopy: number;
  /** The nodes whose directory is written, in pre-order (= file order). */
  written: number[];
  /** Where each written directory's entries start in {@linkcode Layout.order}. */
  orderStart: number[];
  /** How many entries of {@linkcode Layout.order} each has. */
  orderLen: number[];
  /** How many records each holds. */
  recCount: number[];
  /** The entries. */
  order: Int32Array;
  /** The nodes whose directory is written, as a set. */
  rewritten: Set<number>;
  /** Existing records with a node kept in a written directory: their position in it, */
  subPos: number[];
  /** their node, */
  subNode: number[];
  /** and the index of the directory in {@linkcode Layout.written} (ascending). */
  subDir: number[];
}

/**
 * Lay out the directories a commit writes and queue the links from their
 * old copies.
 *
 * @param tree The sync's tree, its deletions marked.
 * @param usedSpace `used_space` before the commit.
 * @param deletedSpace `deleted_space` before the commit.
 * @param anyDeleted Whether the sync deletes any record.
 * @param maxFileSize The largest list file allowed.
 * @param patches Where the `next_offset` links of old copies go.
 * @returns The layout (each written node's `dirOff` set).
 * @throws IndexLimitError when the file would grow past `maxFileSize`.
 *
 * @example Lay out a sync's new directories
 * ```ts ignore
 * const layout = planLayout(tree, header.usedSpace, header.deletedSpace, false, limits.maxFileSize, patches);
 * ```
 */
export function planLayout(
  tree: SyncTree,
  usedSpace: number,
  deletedSpace: number,
  anyDeleted: boolean,
  maxFileSize: number,
  patches: Patch[],
): Layout {
  return new LayoutPlanner(tree, usedSpace, deletedSpace, anyDeleted, maxFileSize, patches).run();
}

/** The state of one layout, directory after directory in pre-order. */
class LayoutPlanner {
  private readonly out: Layout;
  private orderUsed = 0;
  /** The sorted new children of the directory being laid out. */
  private readonly newIds: Int32Array;

  constructor(
    private readonly tree: SyncTree,
    usedSpace: number,
    deletedSpace: number,
    private readonly anyDeleted: boolean,
    private readonly maxFileSize: number,
    private readonly patches: Patch[],
  ) {
    this.out = {
      used: usedSpace,
      deletedSpace,
      largestCopy: 0,
      written: [],
      orderStart: [],
      orderLen: [],
      recCount: [],
      order: new Int32Array(1024),
      rewritten: new Set(),
      subPos: [],
      subNode: [],
      subDir: [],
    };
    this.newIds = new Int32Array(Math.max(16, tree.nodes.newCount));
  }

  /** Visit the dirty nodes in pre-order, laying out each directory with new records. */
  run(): Layout {
    const nodes = this.tree.nodes;
    const visit: number[] = [0];
    while (visit.length > 0) {
      const node = visit.pop()!;
      const toVisit: number[] = [];
      if (nodes.firstNew[node] !== NO_NODE) {
        this.writeDir(node, toVisit);
      } else {
        // Not written: visit the dirty existing children in record order.
        for (let c = nodes.firstSub[node]; c !== NO_NODE; c = nodes.nextSub[c]) {
          if ((nodes.state[c] & N_DIRTY) !== 0) toVisit.push(c);
        }
        toVisit.sort((a, b) => nodes.rec[a] - nodes.rec[b]);
      }
      for (let k = toVisit.length - 1; k >= 0; k--) visit.push(toVisit[k]);
    }
    return this.out;
  }

  /** Lay out the directory of `node`: its live existing records merged with the new ones. */
  private writeDir(node: number, toVisit: number[]): void {
    const tree = this.tree, nodes = tree.nodes, out = this.out;
    const oldDir = tree.existingDirOf(node);
    const newIds = this.newIds;
    let n = 0;
    for (let c = nodes.firstNew[node]; c !== NO_NODE; c = nodes.nextNew[c]) newIds[n++] = c;
    sortIdsByKey(newIds, n, nodes.hash, (a, b) => nodes.compareNames(a, b));
    const oldCount = oldDir === 0 ? 0 : dirRecordCount(tree.dv, oldDir);
    // At most one run (two entries) per live existing record, plus the new ones.
    this.reserve(2 * oldCount + n + 2);
    const start = this.orderUsed;
    // Existing children of this node that the sync touched, in record order: the
    // dirty ones are visited, and any of them may need its first child directory linked.
    const subs: number[] = [];
    for (let c = nodes.firstSub[node]; c !== NO_NODE; c = nodes.nextSub[c]) subs.push(c);
    if (subs.length > 1) subs.sort((a, b) => nodes.rec[a] - nodes.rec[b]);
    const merge = { si: 0, count: 0 };
    let namesBytes = 0;
    const first = recordAt(oldDir, 0);
    const oldEnd = recordAt(oldDir, oldCount);
    let cur = first;
    for (let j = 0; j <= n; j++) {
      // The existing records in [cur, to) sort before the next new one.
      const id = j < n ? newIds[j] : NO_NODE;
      const to = id !== NO_NODE && cur < oldEnd ? this.firstAfter(first, oldCount, cur, id) : oldEnd;
      this.keepRuns(cur, to, subs, merge, toVisit);
      cur = to;
      if (id !== NO_NODE) {
        out.order[this.orderUsed++] = id;
        merge.count++;
        namesBytes += nodes.nameLen[id] + 1;
        if ((nodes.state[id] & N_DIRTY) !== 0) toVisit.push(id);
      }
    }
    const count = merge.count;
    const off = alignUp(out.used);
    out.used = off + dirImageSize(count, namesBytes);
    if (out.used > this.maxFileSize) {
      throw new IndexLimitError(tree.view.file, `the list file would grow past ${this.maxFileSize} bytes`);
    }
    nodes.dirOff[node] = off;
    out.written.push(node);
    out.orderStart.push(start);
    out.orderLen.push(this.orderUsed - start);
    out.recCount.push(count);
    out.rewritten.add(node);
    if (oldDir !== 0) {
      patchU32(this.patches, oldDir + DIR_FIELD.nextOffset, encodeOffset(off));
      const copy = DIR_HEADER_SIZE + dirSize(tree.dv, oldDir);
      out.deletedSpace += copy;
      if (copy > out.largestCopy) out.largestCopy = copy;
    }
  }

  /** Room for `need` more entries in the order. */
  private reserve(need: number): void {
    const out = this.out;
    if (this.orderUsed + need > out.order.length) {
      const o = new Int32Array(Math.max(out.order.length * 2, this.orderUsed + need));
      o.set(out.order.subarray(0, this.orderUsed));
      out.order = o;
    }
  }

  /** The first existing record from `cur` on that sorts after the new node `id` (binary search). */
  private firstAfter(first: number, oldCount: number, cur: number, id: number): number {
    const tree = this.tree, dv = tree.dv, nodes = tree.nodes, view = tree.view;
    const hn = nodes.hash[id];
    const ns = nodes.nameStart[id], ne = ns + nodes.nameLen[id];
    let lo = (cur - first) / RECORD_SIZE, hi = oldCount;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      const r = first + mid * RECORD_SIZE;
      const ho = recordHash(dv, r);
      const before = ho !== hn
        ? ho < hn
        : compareBytes(tree.bytes, recordNameOffset(dv, r), view.nameEnd(r), nodes.pool, ns, ne) < 0;
      if (before) lo = mid + 1;
      else hi = mid;
    }
    return first + lo * RECORD_SIZE;
  }

  /**
   * Add the live records of `[cur, to)` as runs of consecutive records,
   * noting the touched existing children among them.
   */
  private keepRuns(
    cur: number,
    to: number,
    subs: number[],
    merge: { si: number; count: number },
    toVisit: number[],
  ): void {
    const tree = this.tree, dv = tree.dv, nodes = tree.nodes, marks = tree.marks, out = this.out;
    const order = out.order;
    for (let runStart = cur; runStart < to;) {
      let r = firstDeleted(dv, runStart, to);
      if (this.anyDeleted) {
        for (let q = runStart; q < r; q += RECORD_SIZE) {
          if ((marks.of(q) & R_GONE) !== 0) {
            r = q;
            break;
          }
        }
      }
      if (r > runStart) {
        order[this.orderUsed++] = -runStart;
        order[this.orderUsed++] = (r - runStart) / RECORD_SIZE;
        while (merge.si < subs.length && nodes.rec[subs[merge.si]] < r) {
          const sub = subs[merge.si++];
          const srec = nodes.rec[sub];
          if (srec < runStart) continue; // a record not kept
          if ((nodes.state[sub] & N_DIRTY) !== 0) toVisit.push(sub);
          out.subPos.push(merge.count + (srec - runStart) / RECORD_SIZE);
          out.subNode.push(sub);
          out.subDir.push(out.written.length);
        }
        merge.count += (r - runStart) / RECORD_SIZE;
      }
      runStart = r + RECORD_SIZE;
    }
  }
}

/** Offset of the first record in [from, to) with the deleted bit, or `to`. */
function firstDeleted(dv: DataView, from: number, to: number): number {
  for (let r = from; r < to; r += RECORD_SIZE) {
    if (recordDeleted(dv, r)) return r;
  }
  return to;
}

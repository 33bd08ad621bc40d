/**
 * The check of a whole list image that per-level reads cannot make
 * (SPEC §9, structurally valid files that lie): every live record's UID is
 * non-zero, below `next_uid` and its own ({@linkcode checkUids}); no
 * directory is the child directory of two records, or of a record and the
 * root (a cycle); and the attribute file read with the image has no live
 * entry for a UID the list does not have, its entries sorted by UID.
 *
 * One depth-first pass over typed arrays: the UIDs go into a Uint32Array,
 * the directories reached into a bitmap over `offset / 4`, so a check of a
 * million records makes no object per record. {@linkcode ListView.checkTree}
 * runs it once per image and keeps the verdict.
 *
 * @module
 */
import { ATTR_HEADER_SIZE } from "../format/attr_codec.ts";
import type { AttrView } from "./attr_file.ts";
import { DELETED_BIT, DIR_HEADER_SIZE, RECORD_SIZE, UID_MASK } from "../format/constants.ts";
import { CorruptIndexError } from "../format/errors.ts";
import { recordDeleted } from "../format/record.ts";
import { checkUids, uidBitmapFits } from "../format/uid_check.ts";
import type { ListImage } from "./list_image.ts";

/**
 * Check the whole tree of an image once (SPEC §9, files that lie): every
 * live UID non-zero, below next_uid and used once; no directory shared by
 * two records or linked back into the tree; the paired attribute image with
 * no live entry for a UID the list does not have. The verdict is kept on
 * the image, so later calls cost nothing. Readers that traverse the tree
 * and writers (before handing out a UID) call it; lookups per level do not
 * need it.
 *
 * @param view The image (with its paired attribute image, if any).
 * @returns Nothing.
 * @throws CorruptIndexError, the same one on every call, when the files lie.
 *
 * @example Refuse a lying image before walking it
 * ```ts ignore
 * import { checkTree } from "./tree_check.ts";
 * checkTree(snapshot.list); // throws CorruptIndexError when the files lie
 * ```
 */
export function checkTree(view: ListImage): void {
  let verdict = view.treeVerdict;
  if (verdict === undefined) {
    try {
      checkListTree(view, view.attr);
      verdict = null;
    } catch (e) {
      if (!(e instanceof CorruptIndexError)) throw e;
      verdict = e;
    }
    view.treeVerdict = verdict;
  }
  if (verdict !== null) throw verdict;
}

/**
 * Check the tree of a list image and, when given, the attribute image read
 * with it.
 *
 * @param view The list image (its directory headers are checked on the way).
 * @param attr The attribute image of the same state, or undefined.
 * @returns Nothing.
 * @throws CorruptIndexError naming the list file (a UID repeated or not
 *   below next_uid, a directory reached twice, or a live attribute entry,
 *   named in the message, for a UID no live record has) or the attribute
 *   file (its entries out of order).
 *
 * @example Check an image before trusting its UIDs
 * ```ts ignore
 * import { checkListTree } from "./tree_check.ts";
 * checkListTree(snapshot.list, snapshot.attr); // throws CorruptIndexError when the files lie
 * ```
 */
export function checkListTree(view: ListImage, attr: AttrView | undefined): void {
  const dv = view.dv, file = view.file;
  // Live records lie in distinct 16-byte slots of [header, used_space): more visits than that is a loop.
  const bound = (view.end >>> 4) + 16;
  let uids = new Uint32Array(Math.min(bound, 1024));
  let n = 0;
  // One bit per 4-byte offset: the directories (newest copies) already reached.
  const reached = new Int32Array((view.end >>> 7) + 1);
  let stack = new Int32Array(64);
  let top = 0;
  const root = view.rootDir();
  if (root !== 0) {
    reached[root >>> 7] |= 1 << ((root >>> 2) & 31);
    stack[top++] = root;
  }
  let budget = bound;
  while (top > 0) {
    const dir = stack[--top];
    const count = view.dirCount(dir);
    for (let i = 0, r = dir + DIR_HEADER_SIZE; i < count; i++, r += RECORD_SIZE) {
      if (--budget < 0) throw new CorruptIndexError(file, r, "directory links form a cycle or are shared");
      if (recordDeleted(dv, r)) continue;
      if (n === uids.length) uids = grown(uids, Math.min(bound, n * 2));
      uids[n++] = view.uidOf(r);
      const child = view.childDir(r);
      if (child === 0) continue;
      const word = child >>> 7, bit = 1 << ((child >>> 2) & 31);
      if ((reached[word] & bit) !== 0) {
        throw new CorruptIndexError(
          file,
          r + 12,
          `the directory at offset ${child} is reached twice: two records share it, or links form a cycle`,
        );
      }
      reached[word] |= bit;
      if (top === stack.length) stack = grownI32(stack, top * 2);
      stack[top++] = child;
    }
  }
  checkUids(uids, n, view.header.nextUid, file);
  if (attr !== undefined) checkAttrEntries(attr, uids, n, view.header.nextUid, file);
}

/** Every attribute entry in UID order, and every live one for a UID of `uids` (distinct, below `nextUid`). */
function checkAttrEntries(attr: AttrView, uids: Uint32Array, n: number, nextUid: number, listFile: string): void {
  const dv = attr.dv, count = attr.header.count, file = attr.file, size = attr.entrySize;
  let bitmap: Uint8Array | undefined;
  let sorted: Uint32Array | undefined;
  if (uidBitmapFits(n, nextUid)) {
    bitmap = new Uint8Array(Math.ceil(nextUid / 8));
    for (let k = 0; k < n; k++) bitmap[uids[k] >>> 3] |= 1 << (uids[k] & 7);
  } else {
    sorted = uids.slice(0, n).sort();
  }
  let prev = 0;
  for (let i = 0, j = 0, pos = ATTR_HEADER_SIZE; i < count; i++, pos += size) {
    const word = dv.getUint32(pos, true);
    const uid = word & UID_MASK;
    if (uid <= prev) {
      throw new CorruptIndexError(
        file,
        pos,
        uid === 0 ? `entry ${i} has uid 0` : `entry ${i} (uid ${uid}) is not above the uid ${prev} before it: entries are not sorted by uid`,
      );
    }
    prev = uid;
    if ((word & DELETED_BIT) !== 0) continue;
    let live: boolean;
    if (bitmap !== undefined) live = uid < nextUid && (bitmap[uid >>> 3] & (1 << (uid & 7))) !== 0;
    else {
      while (j < n && sorted![j] < uid) j++;
      live = j < n && sorted![j] === uid;
    }
    if (!live) {
      // The two files disagree; the error is the index's (the list file's), like every other
      // disagreement found while reading it, and names the attribute file and its entry.
      throw new CorruptIndexError(
        listFile,
        0,
        `attribute file "${file}" has a live entry for uid ${uid} (entry ${i}, at offset ${pos}), which no live record of the list file has`,
      );
    }
  }
}

function grown(a: Uint32Array, size: number): Uint32Array<ArrayBuffer> {
  const b = new Uint32Array(size);
  b.set(a);
  return b;
}

function grownI32(a: Int32Array, size: number): Int32Array<ArrayBuffer> {
  const b = new Int32Array(size);
  b.set(a);
  return b;
}

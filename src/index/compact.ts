/**
 * Compression (SPEC §2.6): every live directory and name written into a
 * fresh image, root first and then depth-first pre-order, each directory's
 * names right after its records. UIDs do not change.
 *
 * @module
 */
import { ATTR_ENTRY_SIZE, ATTR_HEADER_SIZE, encodeAttrHeader } from "../format/attr_codec.ts";
import type { AttrView } from "../image/attr_file.ts";
import { DELETED_BIT, DIR_HEADER_SIZE, HEADER_SIZE, RECORD_SIZE, UID_MASK } from "../format/constants.ts";
import { CorruptIndexError } from "../format/errors.ts";
import { grownSize } from "../format/growth.ts";
import { encodeHeader, type ListHeader } from "../format/header.ts";
import { alignUp, encodeOffset } from "../format/offset.ts";
import { type ListView, MAX_NAME_SCAN } from "../image/view.ts";

/** A compressed index, ready to replace the old files. */
export interface CompactImages {
  /** List file bytes `[0, used_space)`. */
  list: Uint8Array;
  /** Size to give the list file. */
  listSize: number;
  /** The new header. */
  header: ListHeader;
  /** Attribute file bytes. */
  attr: Uint8Array;
}

/**
 * Write the live tree of an index into fresh images (file_seq + 1, deleted_space 0).
 *
 * @param view The current list image.
 * @param attr The current attribute image (flags and STATUS are carried over).
 * @param separator Separator byte, stored in the attribute header.
 * @returns The new images.
 * @throws CorruptIndexError when the image lies ({@linkcode ListView.checkTree}) or is damaged.
 *
 * @example
 * ```ts ignore
 * const { list, listSize, attr } = compactImages(view, attrView, 0x2f);
 * ```
 */
export function compactImages(view: ListView, attr: AttrView | undefined, separator: number): CompactImages {
  // The copy is trusted as checked (snapshotOfImages): so must its source be. Free for the
  // images a sync left behind; a full check for one read from disk.
  view.checkTree();
  const src = view.bytes, sdv = view.dv;
  // Room past the image for the file's growth, so that the writer keeping these
  // images as its state can append to them in place (see withHeadroom).
  let out = withHeadroom(grownSize(Math.max(view.end + 64, HEADER_SIZE + 64)));
  let dv = new DataView(out.buffer);
  const ensure = (n: number) => {
    if (n <= out.length) return;
    const o = new Uint8Array(Math.max(n, out.length * 2));
    o.set(out);
    out = o;
    dv = new DataView(out.buffer);
  };
  let used = HEADER_SIZE;
  let uids = new Uint32Array(Math.max(16, view.end >>> 5));
  let uidCount = 0;
  let ends = new Int32Array(256); // name ends of the directory being copied
  let budget = (view.end >>> 4) + 16;

  /** Copy the live records of `dir` as a fresh directory; returns its offset (0 when empty). */
  const writeDir = (dir: number): number => {
    const count = view.dirCount(dir);
    if (count > ends.length) ends = new Int32Array(Math.max(count, ends.length * 2));
    const e = ends, first = view.header.headerSize, end = view.end;
    let live = 0, names = 0;
    for (let i = 0, r = dir + DIR_HEADER_SIZE; i < count; i++, r += RECORD_SIZE) {
      if ((sdv.getUint32(r + 4, true) & DELETED_BIT) !== 0) continue;
      live++;
      const ns = sdv.getUint32(r + 8, true);
      // The NUL found natively; anything unusual goes through the checked reader (which throws).
      let ne = ns >= first && ns < end ? src.indexOf(0, ns) : -1;
      if (ne <= ns || ne >= end || ne - ns >= MAX_NAME_SCAN) ne = view.nameEnd(r);
      e[i] = ne;
      names += ne - ns + 1;
    }
    if (live === 0) return 0;
    if (--budget < 0) throw new CorruptIndexError(view.file, dir, "directory links form a cycle");
    const off = alignUp(used);
    const size = DIR_HEADER_SIZE + RECORD_SIZE * live + names;
    ensure(off + size);
    if (uidCount + live > uids.length) {
      const u = new Uint32Array(Math.max(uids.length * 2, uidCount + live));
      u.set(uids.subarray(0, uidCount));
      uids = u;
    }
    used = off + size;
    // Locals from here on: the hot loop touches no variable another closure may change.
    const o = out, d = dv, u = uids;
    let n = uidCount;
    d.setUint32(off, 0, true);
    d.setUint32(off + 4, size, true);
    d.setUint32(off + 8, live, true);
    let p = off + DIR_HEADER_SIZE, np = off + DIR_HEADER_SIZE + RECORD_SIZE * live;
    for (let i = 0, r = dir + DIR_HEADER_SIZE; i < count; i++, r += RECORD_SIZE) {
      const word = sdv.getUint32(r + 4, true);
      if ((word & DELETED_BIT) !== 0) continue;
      const uid = word & UID_MASK;
      u[n++] = uid;
      const ns = sdv.getUint32(r + 8, true), ne = e[i];
      d.setUint32(p, sdv.getUint32(r, true), true);
      d.setUint32(p + 4, uid, true);
      d.setUint32(p + 8, np, true);
      d.setUint32(p + 12, NO_DIR, true);
      if (ne - ns <= 32) {
        for (let q = ns; q < ne; q++) o[np++] = src[q];
      } else {
        o.set(src.subarray(ns, ne), np);
        np += ne - ns;
      }
      o[np++] = 0;
      p += RECORD_SIZE;
    }
    uidCount = n;
    return off;
  };

  const root = view.rootDir();
  if (root !== 0) {
    const rootOff = writeDir(root);
    // Pre-order: for each written directory, its records' child directories in record order.
    const stackNew: number[] = [];
    const stackOld: number[] = [];
    const stackIdx: number[] = [];
    const stackLive: number[] = [];
    if (rootOff !== 0) {
      stackNew.push(rootOff);
      stackOld.push(root);
      stackIdx.push(0);
      stackLive.push(0);
    }
    while (stackNew.length > 0) {
      const top = stackNew.length - 1;
      const oldDir = stackOld[top];
      const newDir = stackNew[top];
      const count = view.dirCount(oldDir);
      let i = stackIdx[top];
      let k = stackLive[top]; // live records before i = slot in the new directory
      let pushed = false;
      for (; i < count; i++) {
        const r = oldDir + DIR_HEADER_SIZE + i * RECORD_SIZE;
        if ((sdv.getUint32(r + 4, true) & DELETED_BIT) !== 0) continue;
        // Most records have no child directory: tell from the raw link before resolving it.
        const link = sdv.getUint32(r + 12, true);
        const cd = link === NO_DIR || ((link & NO_DIR) >>> 0) !== NO_DIR ? 0 : view.childDir(r);
        const slot = newDir + DIR_HEADER_SIZE + k * RECORD_SIZE;
        k++;
        if (cd === 0) continue;
        const childOff = writeDir(cd);
        if (childOff === 0) continue;
        dv.setUint32(slot + 12, encodeOffset(childOff), true);
        stackIdx[top] = i + 1;
        stackLive[top] = k;
        stackNew.push(childOff);
        stackOld.push(cd);
        stackIdx.push(0);
        stackLive.push(0);
        pushed = true;
        break;
      }
      if (!pushed) {
        stackNew.pop();
        stackOld.pop();
        stackIdx.pop();
        stackLive.pop();
      }
    }
  }
  const header: ListHeader = {
    ...view.header,
    fileSeq: (view.header.fileSeq + 1) >>> 0 || 1,
    headerSize: HEADER_SIZE,
    usedSpace: used,
    deletedSpace: 0,
  };
  const list = out.subarray(0, used);
  encodeHeader(list, header);
  const sorted = sortUids(uids.subarray(0, uidCount));
  const attrImage = withHeadroom(ATTR_HEADER_SIZE + uidCount * ATTR_ENTRY_SIZE);
  encodeAttrHeader(attrImage, {
    uidValidity: header.uidValidity,
    listFileSeq: header.fileSeq,
    nextUid: header.nextUid,
    count: uidCount,
    live: uidCount,
    separator,
  });
  copyAttrEntries(attrImage, sorted, attr);
  return { list, listSize: grownSize(used), header, attr: attrImage };
}

/** The encoded "no child directory" link (offset 0, SPEC §2.4). */
const NO_DIR = 0x80808080;

/**
 * A zeroed array of `length` bytes whose buffer has a quarter more room
 * behind it: pages never touched cost no memory.
 */
function withHeadroom(length: number): Uint8Array {
  return new Uint8Array(new ArrayBuffer(length + (length >>> 2)), 0, length);
}

/** Sort UIDs ascending in place (LSD radix, two 16-bit passes); sorted input is left as it is. */
function sortUids(a: Uint32Array): Uint32Array {
  const n = a.length;
  let sorted = true;
  for (let i = 1; i < n && sorted; i++) if (a[i - 1] > a[i]) sorted = false;
  if (sorted) return a;
  const tmp = new Uint32Array(n);
  const count = new Uint32Array(65536);
  for (const [from, to, shift] of [[a, tmp, 0], [tmp, a, 16]] as const) {
    count.fill(0);
    for (let i = 0; i < n; i++) count[(from[i] >>> shift) & 0xffff]++;
    let sum = 0;
    for (let b = 0; b < 65536; b++) {
      const c = count[b];
      count[b] = sum;
      sum += c;
    }
    for (let i = 0; i < n; i++) {
      const v = from[i];
      to[count[(v >>> shift) & 0xffff]++] = v;
    }
  }
  return a;
}

/**
 * Fill the attribute entries of `uids` (ascending) into `image`: each old
 * entry carried over, a bare entry where there is none. The old entries are
 * in UID order too, so they are walked once and copied in runs.
 */
function copyAttrEntries(image: Uint8Array, uids: Uint32Array, attr: AttrView | undefined): void {
  const idv = new DataView(image.buffer, image.byteOffset, image.byteLength);
  const n = uids.length;
  if (attr === undefined) {
    for (let i = 0; i < n; i++) idv.setUint32(ATTR_HEADER_SIZE + i * ATTR_ENTRY_SIZE, uids[i], true);
    return;
  }
  const adv = attr.dv, count = attr.header.count, bytes = attr.bytes;
  let e = 0; // next old entry
  let prev = -1; // uid of the old entry before e
  for (let i = 0; i < n;) {
    const uid = uids[i];
    // Walk the old entries up to this UID, as long as they keep ascending.
    while (e < count) {
      const euid = adv.getUint32(ATTR_HEADER_SIZE + e * ATTR_ENTRY_SIZE, true) & UID_MASK;
      if (euid <= prev) {
        e = count; // not in order: look each UID up instead
        break;
      }
      if (euid >= uid) break;
      prev = euid;
      e++;
    }
    let pos = -1;
    if (e < count) {
      const at = ATTR_HEADER_SIZE + e * ATTR_ENTRY_SIZE;
      const word = adv.getUint32(at, true);
      if ((word & UID_MASK) === uid) pos = (word & DELETED_BIT) !== 0 ? -1 : at;
    } else {
      pos = attr.positionOf(uid);
    }
    const dst = ATTR_HEADER_SIZE + i * ATTR_ENTRY_SIZE;
    if (pos < 0) {
      idv.setUint32(dst, uid, true);
      i++;
      continue;
    }
    if (e >= count) {
      image.set(bytes.subarray(pos, pos + ATTR_ENTRY_SIZE), dst);
      i++;
      continue;
    }
    // A run of consecutive live old entries for consecutive UIDs: one copy.
    let run = 1;
    while (i + run < n && e + run < count) {
      const w = adv.getUint32(pos + run * ATTR_ENTRY_SIZE, true);
      if (w !== uids[i + run]) break; // a different UID, or deleted
      run++;
    }
    image.set(bytes.subarray(pos, pos + run * ATTR_ENTRY_SIZE), dst);
    prev = uids[i + run - 1];
    e += run;
    i += run;
  }
}

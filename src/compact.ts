/**
 * Compression (SPEC §2.6): every live directory and name written into a
 * fresh image, root first and then depth-first pre-order, each directory's
 * names right after its records. UIDs do not change.
 *
 * @module
 */
import { ATTR_ENTRY_SIZE, ATTR_HEADER_SIZE, encodeAttrHeader } from "./attr_codec.ts";
import type { AttrView } from "./attr_file.ts";
import { DELETED_BIT, DIR_HEADER_SIZE, HEADER_SIZE, RECORD_SIZE, UID_MASK } from "./constants.ts";
import { CorruptIndexError } from "./errors.ts";
import { grownSize } from "./growth.ts";
import { encodeHeader, type ListHeader } from "./header.ts";
import { alignUp, encodeOffset } from "./offset.ts";
import type { ListView } from "./view.ts";

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
 *
 * @example
 * ```ts ignore
 * const { list, listSize, attr } = compactImages(view, attrView, 0x2f);
 * ```
 */
export function compactImages(view: ListView, attr: AttrView | undefined, separator: number): CompactImages {
  const src = view.bytes, sdv = view.dv;
  let out = new Uint8Array(Math.max(view.end + 64, HEADER_SIZE + 64));
  let dv = new DataView(out.buffer);
  const ensure = (n: number) => {
    if (n <= out.length) return;
    const o = new Uint8Array(Math.max(n, out.length * 2));
    o.set(out);
    out = o;
    dv = new DataView(out.buffer);
  };
  let used = HEADER_SIZE;
  const uids: number[] = [];
  let budget = (view.end >>> 4) + 16;

  /** Copy the live records of `dir` as a fresh directory; returns its offset (0 when empty). */
  const writeDir = (dir: number): number => {
    const count = view.dirCount(dir);
    let live = 0, names = 0;
    for (let i = 0, r = dir + DIR_HEADER_SIZE; i < count; i++, r += RECORD_SIZE) {
      if ((sdv.getUint32(r + 4, true) & DELETED_BIT) !== 0) continue;
      live++;
      names += view.nameEnd(r) - sdv.getUint32(r + 8, true) + 1;
    }
    if (live === 0) return 0;
    if (--budget < 0) throw new CorruptIndexError(view.file, dir, "directory links form a cycle");
    const off = alignUp(used);
    const size = DIR_HEADER_SIZE + RECORD_SIZE * live + names;
    ensure(off + size);
    used = off + size;
    dv.setUint32(off, 0, true);
    dv.setUint32(off + 4, size, true);
    dv.setUint32(off + 8, live, true);
    let p = off + DIR_HEADER_SIZE, np = off + DIR_HEADER_SIZE + RECORD_SIZE * live;
    for (let i = 0, r = dir + DIR_HEADER_SIZE; i < count; i++, r += RECORD_SIZE) {
      const word = sdv.getUint32(r + 4, true);
      if ((word & DELETED_BIT) !== 0) continue;
      const uid = word & UID_MASK;
      uids.push(uid);
      const ns = sdv.getUint32(r + 8, true), ne = view.nameEnd(r);
      dv.setUint32(p, sdv.getUint32(r, true), true);
      dv.setUint32(p + 4, uid, true);
      dv.setUint32(p + 8, np, true);
      dv.setUint32(p + 12, encodeOffset(0), true);
      out.set(src.subarray(ns, ne), np);
      out[np + ne - ns] = 0;
      np += ne - ns + 1;
      p += RECORD_SIZE;
    }
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
        const cd = view.childDir(r);
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
  const list = out.slice(0, used);
  encodeHeader(list, header);
  uids.sort((a, b) => a - b);
  const attrImage = new Uint8Array(ATTR_HEADER_SIZE + uids.length * ATTR_ENTRY_SIZE);
  encodeAttrHeader(attrImage, {
    uidValidity: header.uidValidity,
    listFileSeq: header.fileSeq,
    nextUid: header.nextUid,
    count: uids.length,
    live: uids.length,
    separator,
  });
  if (attr !== undefined) {
    for (let i = 0; i < uids.length; i++) {
      const pos = attr.positionOf(uids[i]);
      const dst = ATTR_HEADER_SIZE + i * ATTR_ENTRY_SIZE;
      if (pos >= 0) attrImage.set(attr.bytes.subarray(pos, pos + ATTR_ENTRY_SIZE), dst);
      else new DataView(attrImage.buffer).setUint32(dst, uids[i], true);
    }
  } else {
    const adv = new DataView(attrImage.buffer);
    for (let i = 0; i < uids.length; i++) adv.setUint32(ATTR_HEADER_SIZE + i * ATTR_ENTRY_SIZE, uids[i], true);
  }
  return { list, listSize: grownSize(used), header, attr: attrImage };
}

/**
 * Compression (SPEC §2.6): every live directory and name written into a
 * fresh image, root first and then depth-first pre-order, each directory's
 * names right after its records. UIDs do not change.
 *
 * @module
 */
import {
  ATTR_ENTRY_SIZE,
  ATTR_HEADER_SIZE,
  attrEntryPosition,
  attrEntryUid,
  copyAttrEntry,
  encodeAttrHeader,
} from "../format/attr_codec.ts";
import { settleGuids } from "../format/attr_guids.ts";
import type { AttrView } from "../image/attr_file.ts";
import { DELETED_BIT, HEADER_SIZE, UID_MASK } from "../format/constants.ts";
import { CorruptIndexError } from "../format/errors.ts";
import { grownSize } from "../format/growth.ts";
import { encodeHeader, type ListHeader } from "../format/header.ts";
import { alignUp, encodeOffset, OFFSET_MARKER } from "../format/offset.ts";
import {
  dirImageSize,
  recordAt,
  recordDeleted,
  recordDirOffset,
  recordHash,
  recordNameOffset,
  recordUid,
  setRecordDirOffset,
  writeDirHeader,
  writeRecord,
  writeRecordName,
} from "../format/record.ts";
import { type ListView, MAX_NAME_SCAN } from "../image/view.ts";
import { JOURNAL_APPLIED } from "../format/journal.ts";
import type { FileIO } from "../store/io.ts";
import type { IndexPaths } from "../store/paths.ts";
import { replaceFiles, type WriterOptions } from "../store/writer.ts";
import { ChangeBatchBuilder } from "../format/change_log.ts";
import { type Snapshot, snapshotOfImages } from "./snapshot.ts";

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
 * @example Compact the current images
 * ```ts ignore
 * const { list, listSize, attr } = compactImages(view, attrView, 0x2f);
 * ```
 */
export function compactImages(view: ListView, attr: AttrView | undefined, separator: number): CompactImages {
  // The copy is trusted as checked (snapshotOfImages): so must its source be. Free for the
  // images a sync left behind; a full check for one read from disk.
  view.checkTree();
  const copy = new TreeCopy(view);
  copyTree(view, copy);
  const used = copy.used, uidCount = copy.uidCount;
  const header: ListHeader = {
    ...view.header,
    fileSeq: (view.header.fileSeq + 1) >>> 0 || 1,
    headerSize: HEADER_SIZE,
    usedSpace: used,
    deletedSpace: 0,
  };
  const list = copy.out.subarray(0, used);
  encodeHeader(list, header);
  const sorted = sortUids(copy.uids.subarray(0, uidCount));
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
  settleGuids(attrImage);
  return { list, listSize: grownSize(used), header, attr: attrImage };
}

/**
 * Compress an index now (its writer lock held): the live tree of its
 * current state written whole ({@linkcode compactImages}), both files
 * replaced through the journal; the subscriptions file stays as it is.
 *
 * @param io The file interface.
 * @param paths The index's files.
 * @param now The current state.
 * @param separator Separator byte.
 * @param options Writer options (flushing, warnings, the change log bound).
 * @returns The state of the files as written (what a reader would read back), or undefined when they must be read again.
 * @throws CorruptIndexError for a damaged tree; the writer's errors, with the old files in place or the journal to finish them.
 *
 * @example After a commit that left much deleted space
 * ```ts ignore
 * snap = compressIndex(nodeFileIO, paths, snap, 0x2f, { durable: true }) ?? loadSnapshot(nodeFileIO, paths);
 * ```
 */
export function compressIndex(
  io: FileIO,
  paths: IndexPaths,
  now: Snapshot,
  separator: number,
  options: WriterOptions,
): Snapshot | undefined {
  const images = compactImages(now.list, now.attr, separator);
  // The growth room is written as zeros (not left a hole), so that the next commits'
  // appends overwrite allocated blocks, which are cheaper to flush.
  const room = images.list.byteOffset + images.listSize <= images.list.buffer.byteLength;
  const list = room ? new Uint8Array(images.list.buffer, images.list.byteOffset, images.listSize) : images.list;
  const target = { fileSeq: now.list.header.fileSeq, uidValidity: now.list.header.uidValidity };
  const batch = new ChangeBatchBuilder("compression");
  const seq = replaceFiles(io, paths, target, list, images.listSize, images.attr, options, undefined, batch);
  const ino = io.stat(paths.list)?.ino;
  if (ino === undefined) return undefined;
  const stamp = { listIno: ino, journalSeq: seq, journalState: JOURNAL_APPLIED };
  const snap = snapshotOfImages(images.list, images.listSize, images.attr, stamp, paths);
  snap.subs = now.subs;
  return snap;
}

/**
 * The fresh list image being written: directories appended one after the
 * other, each with only the live records of its source, and the UIDs they
 * hold in the order written.
 */
class TreeCopy {
  readonly #view: ListView;
  /** The image, header room included; grown by doubling. */
  out: Uint8Array;
  dv: DataView;
  /** Bytes in use. */
  used = HEADER_SIZE;
  uids: Uint32Array;
  uidCount = 0;
  /** Name ends of the directory being copied, by record index. */
  #ends = new Int32Array(256);
  /** Bytes of the names of the directory being copied, NULs included. */
  #nameBytes = 0;
  /** Directories left to copy before the links must form a cycle. */
  #budget: number;

  constructor(view: ListView) {
    this.#view = view;
    // Room past the image for the file's growth, so that the writer keeping these
    // images as its state can append to them in place (see withHeadroom).
    this.out = withHeadroom(grownSize(Math.max(view.end + 64, HEADER_SIZE + 64)));
    this.dv = new DataView(this.out.buffer);
    this.uids = new Uint32Array(Math.max(16, view.end >>> 5));
    this.#budget = (view.end >>> 4) + 16;
  }

  /** Copy the live records of `dir` as a fresh directory; returns its offset (0 when empty). */
  writeDir(dir: number): number {
    const view = this.#view, sdv = view.dv;
    const count = view.dirCount(dir);
    const live = this.#measure(dir, count), names = this.#nameBytes, ends = this.#ends;
    if (live === 0) return 0;
    if (--this.#budget < 0) throw new CorruptIndexError(view.file, dir, "directory links form a cycle");
    const off = alignUp(this.used);
    const size = dirImageSize(live, names);
    this.#reserve(off + size, live);
    this.used = off + size;
    // Locals from here on: the hot loop touches no field.
    const src = view.bytes, o = this.out, d = this.dv, u = this.uids;
    let n = this.uidCount;
    writeDirHeader(d, off, 0, size, live);
    let k = 0, np = recordAt(off, live);
    for (let i = 0; i < count; i++) {
      const r = recordAt(dir, i);
      if (recordDeleted(sdv, r)) continue;
      const uid = recordUid(sdv, r);
      u[n++] = uid;
      writeRecord(d, recordAt(off, k++), recordHash(sdv, r), uid, np, OFFSET_MARKER);
      np = writeRecordName(o, np, src, recordNameOffset(sdv, r), ends[i]);
    }
    this.uidCount = n;
    return off;
  }

  /**
   * The live records of `dir`: their count returned, the bytes of their
   * names in `#nameBytes`, the end of each one's name in `#ends`.
   */
  #measure(dir: number, count: number): number {
    if (count > this.#ends.length) this.#ends = new Int32Array(Math.max(count, this.#ends.length * 2));
    const view = this.#view, sdv = view.dv, src = view.bytes, e = this.#ends;
    const first = view.header.headerSize, end = view.end;
    let live = 0, names = 0;
    for (let i = 0; i < count; i++) {
      const r = recordAt(dir, i);
      if (recordDeleted(sdv, r)) continue;
      live++;
      const ns = recordNameOffset(sdv, r);
      // The NUL found natively; anything unusual goes through the checked reader (which throws).
      let ne = ns >= first && ns < end ? src.indexOf(0, ns) : -1;
      if (ne <= ns || ne >= end || ne - ns >= MAX_NAME_SCAN) ne = view.nameEnd(r);
      e[i] = ne;
      names += ne - ns + 1;
    }
    this.#nameBytes = names;
    return live;
  }

  /** Room for `end` bytes of image and `records` more UIDs. */
  #reserve(end: number, records: number): void {
    if (end > this.out.length) {
      const o = new Uint8Array(Math.max(end, this.out.length * 2));
      o.set(this.out);
      this.out = o;
      this.dv = new DataView(o.buffer);
    }
    if (this.uidCount + records > this.uids.length) {
      const u = new Uint32Array(Math.max(this.uids.length * 2, this.uidCount + records));
      u.set(this.uids.subarray(0, this.uidCount));
      this.uids = u;
    }
  }
}

/**
 * Copy the live tree of `view` into `copy`, root first, then depth-first
 * pre-order: for each written directory, its records' child directories in
 * record order, each linked from its record in the copy.
 */
function copyTree(view: ListView, copy: TreeCopy): void {
  const root = view.rootDir();
  if (root === 0) return;
  const rootOff = copy.writeDir(root);
  if (rootOff === 0) return;
  const sdv = view.dv;
  const stackNew: number[] = [rootOff];
  const stackOld: number[] = [root];
  const stackIdx: number[] = [0];
  const stackLive: number[] = [0];
  while (stackNew.length > 0) {
    const top = stackNew.length - 1;
    const oldDir = stackOld[top];
    const newDir = stackNew[top];
    const count = view.dirCount(oldDir);
    let i = stackIdx[top];
    let k = stackLive[top]; // live records before i = slot in the new directory
    let pushed = false;
    for (; i < count; i++) {
      const r = recordAt(oldDir, i);
      if (recordDeleted(sdv, r)) continue;
      // Most records have no child directory: tell from the raw link before resolving it.
      const link = recordDirOffset(sdv, r);
      const cd = link === OFFSET_MARKER || ((link & OFFSET_MARKER) >>> 0) !== OFFSET_MARKER ? 0 : view.childDir(r);
      const slot = recordAt(newDir, k);
      k++;
      if (cd === 0) continue;
      const childOff = copy.writeDir(cd);
      if (childOff === 0) continue;
      setRecordDirOffset(copy.dv, slot, encodeOffset(childOff));
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
 * entry carried over (a version-1 one converted), a bare entry where there
 * is none. The old entries are in UID order too, so they are walked once
 * and copied in runs.
 */
function copyAttrEntries(image: Uint8Array, uids: Uint32Array, attr: AttrView | undefined): void {
  const idv = new DataView(image.buffer, image.byteOffset, image.byteLength);
  const n = uids.length;
  if (attr === undefined) {
    for (let i = 0; i < n; i++) idv.setUint32(ATTR_HEADER_SIZE + i * ATTR_ENTRY_SIZE, uids[i], true);
    return;
  }
  const adv = attr.dv, count = attr.header.count, bytes = attr.bytes, size = attr.entrySize;
  let e = 0; // next old entry
  let prev = -1; // uid of the old entry before e
  for (let i = 0; i < n;) {
    const uid = uids[i];
    // Walk the old entries up to this UID, as long as they keep ascending.
    while (e < count) {
      const euid = attrEntryUid(adv, attrEntryPosition(e, size));
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
      const at = attrEntryPosition(e, size);
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
    if (e >= count || size !== ATTR_ENTRY_SIZE) {
      copyAttrEntry(bytes, pos, size, image, dst);
      if (e < count) {
        prev = uid;
        e++;
      }
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

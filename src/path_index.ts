/**
 * A hash table from full mailbox names to records, built once per list
 * image when it serves many lookups: CRC-32 and FNV-1a of the canonical
 * name (components joined by one separator) as a 64-bit key, confirmed by
 * the record's own name. Probing costs one or two cache misses instead of a
 * binary search per level.
 *
 * @module
 */
import { DELETED_BIT, DIR_HEADER_SIZE, RECORD_SIZE } from "./constants.ts";
import { CRC32_TABLE } from "./name_hash.ts";
import type { ListView } from "./view.ts";
import { CorruptIndexError } from "./errors.ts";

const FNV_OFFSET = 0x811c9dc5;
const FNV_PRIME = 0x01000193;

function crcUpdate(state: number, b: Uint8Array, start: number, end: number): number {
  const t = CRC32_TABLE;
  let c = state;
  for (let i = start; i < end; i++) c = t[(c ^ b[i]) & 0xff] ^ (c >>> 8);
  return c;
}

function fnvUpdate(state: number, b: Uint8Array, start: number, end: number): number {
  let h = state;
  for (let i = start; i < end; i++) h = Math.imul(h ^ b[i], FNV_PRIME);
  return h;
}

/**
 * Full name → record offset, for one list image.
 *
 * @example
 * ```ts ignore
 * const idx = PathIndex.build(view, 0x2f);
 * const rec = idx?.find(bytes, length);
 * ```
 */
export class PathIndex {
  /** Per slot, together in one cache line: CRC, FNV, record offset, parent slot. */
  private readonly slots: Int32Array;
  /** Level of the entry (1 = top level, capped at 255). */
  readonly level: Uint8Array;
  private readonly mask: number;
  private readonly view: ListView;
  private readonly sep: number;
  private readonly sepByte: Uint8Array;

  private constructor(view: ListView, sep: number, capacity: number) {
    this.view = view;
    this.sep = sep;
    this.sepByte = new Uint8Array([sep]);
    this.slots = new Int32Array(capacity * 4);
    this.level = new Uint8Array(capacity);
    this.mask = capacity - 1;
  }

  /**
   * Build the table over every live record of an image.
   *
   * @param view The checked list image.
   * @param sep Separator byte.
   * @returns The table (reading a damaged image throws CorruptIndexError).
   */
  static build(view: ListView, sep: number): PathIndex {
    const records = Math.max(1, Math.floor(view.end / RECORD_SIZE));
    let cap = 1024;
    while (cap < records * 2) cap *= 2;
    const idx = new PathIndex(view, sep, cap);
    const root = view.rootDir();
    if (root === 0) return idx;
    const dv = view.dv, bytes = view.bytes;
    const dirs: number[] = [root], crcs: number[] = [-1], fnvs: number[] = [FNV_OFFSET], tops: boolean[] = [true];
    const slots: number[] = [-1], levels: number[] = [1];
    let budget = records + 16;
    while (dirs.length > 0) {
      const dir = dirs.pop()!, pc = crcs.pop()!, pf = fnvs.pop()!, top = tops.pop()!;
      const pslot = slots.pop()!, lvl = levels.pop()!;
      const count = view.dirCount(dir);
      for (let i = 0, r = dir + DIR_HEADER_SIZE; i < count; i++, r += RECORD_SIZE) {
        if (--budget < 0) throw new CorruptIndexError(view.file, r, "directory links form a cycle or are shared");
        if ((dv.getUint32(r + 4, true) & DELETED_BIT) !== 0) continue;
        view.uidOf(r);
        const ne = view.nameEnd(r), ns = dv.getUint32(r + 8, true);
        let c = pc, f = pf;
        if (!top) {
          c = crcUpdate(c, idx.sepByte, 0, 1);
          f = fnvUpdate(f, idx.sepByte, 0, 1);
        }
        c = crcUpdate(c, bytes, ns, ne);
        f = fnvUpdate(f, bytes, ns, ne);
        const slot = idx.insert(c | 0, f | 0, r, pslot, lvl);
        const cd = view.childDir(r);
        if (cd !== 0) {
          dirs.push(cd);
          crcs.push(c);
          fnvs.push(f);
          tops.push(false);
          slots.push(slot);
          levels.push(lvl < 255 ? lvl + 1 : 255);
        }
      }
    }
    return idx;
  }

  private insert(c: number, f: number, r: number, parentSlot: number, level: number): number {
    let i = ((c >>> 0) ^ Math.imul(f >>> 0, 0x9e3779b1)) & this.mask;
    const t = this.slots;
    while (t[i * 4 + 2] !== 0) i = (i + 1) & this.mask;
    t[i * 4] = c;
    t[i * 4 + 1] = f;
    t[i * 4 + 2] = r;
    t[i * 4 + 3] = parentSlot;
    this.level[i] = level;
    return i;
  }

  /**
   * Record offset stored in a slot.
   *
   * @param slot A slot returned by {@linkcode PathIndex.findSlot}.
   * @returns The record offset.
   */
  recordAt(slot: number): number {
    return this.slots[slot * 4 + 2];
  }

  /**
   * Slot of the parent of the entry in a slot.
   *
   * @param slot A slot.
   * @returns The parent's slot, or -1 at the top level.
   */
  parentOf(slot: number): number {
    return this.slots[slot * 4 + 3];
  }

  /**
   * Find the record of a full name.
   *
   * @param b Buffer holding the name.
   * @param len Bytes of the name.
   * @returns The record offset, or 0.
   */
  find(b: Uint8Array, len: number): number {
    const slot = this.findSlot(b, len);
    return slot < 0 ? 0 : this.slots[slot * 4 + 2];
  }

  /**
   * Find the slot of a full name.
   *
   * @param b Buffer holding the name.
   * @param len Bytes of the name.
   * @returns The slot, or -1.
   */
  findSlot(b: Uint8Array, len: number): number {
    const sep = this.sep;
    const t = CRC32_TABLE;
    let c = -1, f = FNV_OFFSET;
    let first = true, lastStart = 0, lastEnd = 0;
    for (let i = 0; i < len;) {
      while (i < len && b[i] === sep) i++;
      if (i >= len) break;
      let j = i;
      while (j < len && b[j] !== sep) j++;
      if (!first) {
        c = t[(c ^ sep) & 0xff] ^ (c >>> 8);
        f = Math.imul(f ^ sep, FNV_PRIME);
      }
      for (let k = i; k < j; k++) {
        const x = b[k];
        c = t[(c ^ x) & 0xff] ^ (c >>> 8);
        f = Math.imul(f ^ x, FNV_PRIME);
      }
      first = false;
      lastStart = i;
      lastEnd = j;
      i = j;
    }
    if (first) return -1;
    const view = this.view, bytes = view.bytes, dv = view.dv, sl = this.slots;
    for (let i = ((c >>> 0) ^ Math.imul(f >>> 0, 0x9e3779b1)) & this.mask;; i = (i + 1) & this.mask) {
      const r = sl[i * 4 + 2];
      if (r === 0) return -1;
      if (sl[i * 4] !== (c | 0) || sl[i * 4 + 1] !== (f | 0)) continue;
      // Confirm the last level's name.
      const ns = dv.getUint32(r + 8, true);
      const n = lastEnd - lastStart;
      if (bytes[ns + n] !== 0) continue;
      let same = true;
      for (let k = 0; k < n; k++) {
        if (bytes[ns + k] !== b[lastStart + k]) {
          same = false;
          break;
        }
      }
      if (same) return i;
    }
  }
}

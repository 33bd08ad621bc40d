/**
 * A hash table from full mailbox names to records, built once per list
 * image when it serves many lookups. The key of a full name is 64 bits of
 * hash over its canonical bytes (components joined by one separator, empty
 * components dropped), taken four bytes at a time, so that a name already
 * encoded in an aligned buffer is hashed a word per step. A hit is confirmed
 * by the last component's bytes. A slot fills one cache line and holds the
 * UID and the name's first bytes, so that most lookups read one slot and
 * nothing else.
 *
 * @module
 */
import { DELETED_BIT, DIR_HEADER_SIZE, RECORD_SIZE, UID_MASK } from "./constants.ts";
import type { ListView } from "./view.ts";
import { CorruptIndexError } from "./errors.ts";

/**
 * Int32 words per slot, one cache line: key 1, key 2, record, parent slot,
 * UID, name offset, name length, unused, then the first {@linkcode INLINE}
 * bytes of the last component's name (zero-padded), so that confirming a
 * hit seldom reads the list image.
 */
const STRIDE = 16;
/** Bytes of the last component's name kept in its slot. */
const INLINE = 32;
const SEED1 = 0x2545f491;
const SEED2 = 0x6c8e9cf5;

/** One little-endian word of the name into the first key (MurmurHash3's block step). */
function mix1(h: number, w: number): number {
  let k = Math.imul(w, 0xcc9e2d51);
  k = Math.imul((k << 15) | (k >>> 17), 0x1b873593);
  h ^= k;
  h = (h << 13) | (h >>> 19);
  return (Math.imul(h, 5) + 0xe6546b64) | 0;
}

/** One little-endian word of the name into the second key (the same step, other constants). */
function mix2(h: number, w: number): number {
  let k = Math.imul(w, 0x85ebca6b);
  k = Math.imul((k << 16) | (k >>> 16), 0xc2b2ae35);
  h ^= k;
  h = (h << 15) | (h >>> 17);
  return (Math.imul(h, 9) + 0x7ed55d16) | 0;
}

/**
 * Finish the keys of a name into `out`: the word being filled goes to its
 * lane, then each lane is finalized with the length. The pair of keys is a
 * bijection of the pair of lanes, so that a collision needs both lanes to.
 */
function finish(h1: number, h2: number, w: number, len: number, out: Int32Array): void {
  if ((len & 3) !== 0) {
    if (((len >> 2) & 1) === 0) h1 = mix1(h1, w);
    else h2 = mix2(h2, w);
  }
  h1 ^= len;
  h1 = Math.imul(h1 ^ (h1 >>> 16), 0x85ebca6b);
  h1 = Math.imul(h1 ^ (h1 >>> 13), 0xc2b2ae35);
  h1 ^= h1 >>> 16;
  h2 ^= Math.imul(len, 0x9e3779b1);
  h2 = Math.imul(h2 ^ (h2 >>> 16), 0x7feb352d);
  h2 = Math.imul(h2 ^ (h2 >>> 15), 0x846ca68b);
  h2 ^= h2 >>> 16;
  out[0] = h1;
  out[1] = h2 ^ ((h1 << 16) | (h1 >>> 16));
}

/**
 * Feed bytes `[i, j)` into running keys `st` = [lane 1, lane 2, word being
 * filled, length so far] of a canonical name (components joined by one
 * separator): its little-endian words go by turns to two hash lanes.
 */
function feed(st: Int32Array, b: Uint8Array, i: number, j: number): void {
  let h1 = st[0], h2 = st[1], w = st[2], len = st[3];
  for (; i < j; i++) {
    const at = len & 3;
    w |= b[i] << (at << 3);
    len++;
    if (at === 3) {
      if ((len & 4) === 0) h2 = mix2(h2, w);
      else h1 = mix1(h1, w);
      w = 0;
    }
  }
  st[0] = h1;
  st[1] = h2;
  st[2] = w;
  st[3] = len;
}

/** Feed one byte into running keys `st` (see {@linkcode feed}). */
function feedByte(st: Int32Array, x: number): void {
  const len = st[3], at = len & 3;
  let w = st[2] | (x << (at << 3));
  if (at === 3) {
    if ((len & 4) === 0) st[0] = mix1(st[0], w);
    else st[1] = mix2(st[1], w);
    w = 0;
  }
  st[2] = w;
  st[3] = len + 1;
}

/** Whether typed arrays are little-endian here (words of a name read as in {@linkcode feed}). */
const LITTLE_ENDIAN = new Uint8Array(new Uint32Array([1]).buffer)[0] === 1;

/**
 * Full name → record offset, for one list image.
 *
 * @example Finding a record by its full name
 * ```ts ignore
 * const idx = PathIndex.build(view, 0x2f);
 * const rec = idx.find(bytes, length);
 * ```
 */
export class PathIndex {
  /** Per slot, in 64 bytes: see {@linkcode STRIDE}. */
  private readonly slots: Int32Array;
  /** Level of the entry (1 = top level, capped at 255). */
  readonly level: Uint8Array;
  private readonly shift: number;
  private readonly mask: number;
  private readonly view: ListView;
  private readonly sep: number;
  private readonly state = new Int32Array(4);
  private readonly keys = new Int32Array(2);

  private constructor(view: ListView, sep: number, capacity: number) {
    this.view = view;
    this.sep = sep;
    this.slots = new Int32Array(capacity * STRIDE);
    this.level = new Uint8Array(capacity);
    this.mask = capacity - 1;
    this.shift = 32 - Math.log2(capacity);
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
    const root = view.rootDir();
    // First the entries in walk order (parents before children), then a table of the right size.
    let e = new Int32Array(5 * 1024);
    let n = 0;
    if (root !== 0) {
      const dv = view.dv, bytes = view.bytes;
      const st = new Int32Array(4), keys = new Int32Array(2);
      // Stack of directories, each with its owner's entry and running keys: 6 words a frame.
      let stack = new Int32Array(6 * 64);
      stack.set([root, -1, SEED1, SEED2, 0, 0]);
      let top = 1;
      let budget = records + 16;
      while (top > 0) {
        const f = --top * 6;
        const dir = stack[f], pe = stack[f + 1];
        const ph1 = stack[f + 2], ph2 = stack[f + 3], pw = stack[f + 4], plen = stack[f + 5];
        const lvl = pe < 0 ? 1 : Math.min(255, e[pe * 5 + 4] + 1);
        const count = view.dirCount(dir);
        for (let i = 0, r = dir + DIR_HEADER_SIZE; i < count; i++, r += RECORD_SIZE) {
          if (--budget < 0) throw new CorruptIndexError(view.file, r, "directory links form a cycle or are shared");
          if ((dv.getUint32(r + 4, true) & DELETED_BIT) !== 0) continue;
          view.uidOf(r);
          const ne = view.nameEnd(r), ns = dv.getUint32(r + 8, true);
          if (n * 5 + 5 > e.length) {
            const grown = new Int32Array(e.length * 2);
            grown.set(e);
            e = grown;
          }
          st[0] = ph1;
          st[1] = ph2;
          st[2] = pw;
          st[3] = plen;
          if (pe >= 0) feedByte(st, sep);
          feed(st, bytes, ns, ne);
          finish(st[0], st[1], st[2], st[3], keys);
          const at = n * 5;
          e[at] = keys[0];
          e[at + 1] = keys[1];
          e[at + 2] = r;
          e[at + 3] = pe;
          e[at + 4] = lvl;
          const cd = view.childDir(r);
          if (cd !== 0) {
            if ((top + 1) * 6 > stack.length) {
              const grown = new Int32Array(stack.length * 2);
              grown.set(stack);
              stack = grown;
            }
            const g = top++ * 6;
            stack[g] = cd;
            stack[g + 1] = n;
            stack[g + 2] = st[0];
            stack[g + 3] = st[1];
            stack[g + 4] = st[2];
            stack[g + 5] = st[3];
          }
          n++;
        }
      }
    }
    let cap = 1024;
    while (cap < n * 2) cap *= 2;
    const idx = new PathIndex(view, sep, cap);
    const slotOf = new Int32Array(n);
    for (let k = 0; k < n; k++) {
      const at = k * 5, pe = e[at + 3];
      slotOf[k] = idx.insert(e[at], e[at + 1], e[at + 2], pe < 0 ? -1 : slotOf[pe], e[at + 4]);
    }
    return idx;
  }

  private home(k1: number, k2: number): number {
    return Math.imul(k1 ^ ((k2 << 16) | (k2 >>> 16)), 0x9e3779b1) >>> this.shift;
  }

  private insert(k1: number, k2: number, r: number, parentSlot: number, level: number): number {
    const view = this.view, dv = view.dv;
    let i = this.home(k1, k2);
    const t = this.slots;
    while (t[i * STRIDE + 2] !== 0) i = (i + 1) & this.mask;
    const at = i * STRIDE;
    const ns = dv.getUint32(r + 8, true);
    t[at] = k1;
    t[at + 1] = k2;
    t[at + 2] = r;
    t[at + 3] = parentSlot;
    t[at + 4] = dv.getUint32(r + 4, true) & UID_MASK;
    const n = view.nameEnd(r) - ns;
    t[at + 5] = ns;
    t[at + 6] = n;
    const bytes = view.bytes;
    for (let k = 0, m = n < INLINE ? n : INLINE; k < m; k++) t[at + 8 + (k >> 2)] |= bytes[ns + k] << ((k & 3) << 3);
    this.level[i] = level;
    return i;
  }

  /**
   * UID of the record in a slot.
   *
   * @param slot A slot returned by a find.
   * @returns The UID.
   */
  uidAt(slot: number): number {
    return this.slots[slot * STRIDE + 4];
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
    return slot < 0 ? 0 : this.slots[slot * STRIDE + 2];
  }

  /**
   * Find the slot of a full name.
   *
   * @param b Buffer holding the name.
   * @param len Bytes of the name.
   * @returns The slot, or -1.
   */
  findSlot(b: Uint8Array, len: number): number {
    const sep = this.sep, st = this.state;
    st[0] = SEED1;
    st[1] = SEED2;
    st[2] = 0;
    st[3] = 0;
    let lastStart = -1, lastEnd = 0;
    for (let i = 0; i < len;) {
      while (i < len && b[i] === sep) i++;
      if (i >= len) break;
      let j = i;
      while (j < len && b[j] !== sep) j++;
      if (lastStart >= 0) feedByte(st, sep);
      feed(st, b, i, j);
      lastStart = i;
      lastEnd = j;
      i = j;
    }
    if (lastStart < 0) return -1;
    finish(st[0], st[1], st[2], st[3], this.keys);
    return this.probe(b, lastStart, lastEnd);
  }

  /**
   * Find the slot of a full name encoded at the start of an aligned buffer,
   * hashing it a word at a time, when it has no empty component.
   *
   * @param b Buffer holding the name at `[0, len)`.
   * @param words The same memory as 32-bit words (`b.byteOffset` is a multiple of 4).
   * @param len Bytes of the name.
   * @returns The slot, -1 when the name is not in the table, or -2 when the
   *   name starts or ends with the separator or has two in a row (use
   *   {@linkcode PathIndex.findSlot}).
   */
  findWords(b: Uint8Array, words: Int32Array, len: number): number {
    const sep = this.sep;
    if (!LITTLE_ENDIAN || len === 0 || b[0] === sep || b[len - 1] === sep) return -2;
    const seps = Math.imul(sep, 0x01010101);
    let h1 = SEED1, h2 = SEED2, i = 0, k = 0;
    // Per word, the bytes equal to the separator (0x80 in each): two in a row
    // mean an empty component; the last one starts the last component.
    let prev = 0, lastK = 0, lastM = 0;
    for (; i + 3 < len; i += 4, k++) {
      const w = words[k], x = w ^ seps;
      const m = ~(((x & 0x7f7f7f7f) + 0x7f7f7f7f) | x | 0x7f7f7f7f);
      if (m !== 0) {
        if ((m & (m << 8)) !== 0 || (prev & m & 0x80) !== 0) return -2;
        lastK = k;
        lastM = m;
      }
      prev = m >>> 24;
      if ((k & 1) === 0) h1 = mix1(h1, w);
      else h2 = mix2(h2, w);
    }
    const rest = len - i;
    let w = 0;
    if (rest > 0) {
      w = words[k] & (-1 >>> (32 - 8 * rest));
      const x = w ^ seps;
      const m = ~(((x & 0x7f7f7f7f) + 0x7f7f7f7f) | x | 0x7f7f7f7f) & (-1 >>> (32 - 8 * rest));
      if (m !== 0) {
        if ((m & (m << 8)) !== 0 || (prev & m & 0x80) !== 0) return -2;
        lastK = k;
        lastM = m;
      }
    }
    const lastStart = lastM === 0 ? 0 : 4 * lastK + ((31 - Math.clz32(lastM)) >> 3) + 1;
    finish(h1, h2, w, len, this.keys);
    return this.probe(b, lastStart, len);
  }

  /** Probe for the keys in {@linkcode PathIndex.keys}, confirming the last component `b[lastStart, lastEnd)`. */
  private probe(b: Uint8Array, lastStart: number, lastEnd: number): number {
    const k1 = this.keys[0], k2 = this.keys[1];
    const bytes = this.view.bytes, sl = this.slots, n = lastEnd - lastStart;
    for (let i = this.home(k1, k2);; i = (i + 1) & this.mask) {
      const at = i * STRIDE;
      if (sl[at + 2] === 0) return -1;
      if (sl[at] !== k1 || sl[at + 1] !== k2 || sl[at + 6] !== n) continue;
      // Confirm the last level's name: its first bytes are in the slot.
      const m = n < INLINE ? n : INLINE;
      let k = 0;
      while (k < m && ((sl[at + 8 + (k >> 2)] >>> ((k & 3) << 3)) & 0xff) === b[lastStart + k]) k++;
      if (k < m) continue;
      const ns = sl[at + 5];
      while (k < n && bytes[ns + k] === b[lastStart + k]) k++;
      if (k === n) return i;
    }
  }
}

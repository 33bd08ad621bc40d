/**
 * Building one "unit" of a rebuild (SPEC §8) from names in a
 * {@linkcode NameTable}: the records of one directory that lie in the unit
 * (a slice of it, or all of it) and every directory below them, in
 * depth-first pre-order, with UIDs in the same pre-order.
 *
 * The tree is built one level at a time, in typed arrays and without a
 * hash table: the names' components of one level are hashed (CRC-32) in
 * input order, radix-sorted by (parent, hash), and runs of equal keys
 * whose bytes match become one node. Nodes are thus numbered level by
 * level with every node's children contiguous and already in record order
 * (hash, then bytes), so that the pre-order layout (UIDs, directory
 * offsets) is computed from subtree sizes in two linear passes, and the
 * records are written reading memory in order. A unit is built in two
 * steps: {@linkcode TreeUnit.build} measures it and, once the coordinator
 * has placed every unit, {@linkcode TreeUnit.write} writes it straight into
 * the output images.
 *
 * @module
 */
import { ATTR_ENTRY_SIZE, ATTR_HEADER_SIZE, STATUS_SET_BIT } from "./attr_codec.ts";
import { DIR_HEADER_SIZE, MailboxFlags, RECORD_SIZE } from "./constants.ts";
import { compareBytes, CRC32_TABLE } from "./name_hash.ts";
import { alignUp, encodeOffset, OFFSET_MARKER } from "./offset.ts";
import { EXTRA_NOSELECT, EXTRA_STATUS, type NameTable, STATUS_FIELDS } from "./rebuild_names.ts";

/** Limits a name must keep (SPEC §9). */
export interface TreeLimits {
  /** Longest component in bytes. */
  maxComponentLength: number;
  /** Most levels in one name. */
  maxDepth: number;
}

/** Why a name was rejected: it contains a NUL byte. */
export const INVALID_NUL = 1;
/** Why a name was rejected: nothing is left after skipping separators. */
export const INVALID_EMPTY = 2;
/** Why a name was rejected: a component is longer than the limit (detail: its length). */
export const INVALID_COMPONENT = 3;
/** Why a name was rejected: it has more levels than the limit. */
export const INVALID_DEPTH = 4;

/** The first name of a unit the index cannot hold. */
export interface InvalidName {
  /** Index of the name in the table. */
  index: number;
  /** One of the `INVALID_*` codes. */
  reason: number;
  /** The component length for {@linkcode INVALID_COMPONENT}, else 0. */
  detail: number;
}

/** What a built unit needs in the output. */
export interface UnitMeasure {
  /** Mailboxes in the unit: the UIDs it takes. */
  records: number;
  /** Records of the unit in its top directory. */
  sliceCount: number;
  /** Bytes of those records' names, NULs included. */
  sliceNameBytes: number;
  /** Bytes of the unit's directories below its top directory, laid out from a 4-aligned offset (0 when none). */
  regionSize: number;
  /** The first name the index cannot hold, if any (the unit is then not usable). */
  invalid: InvalidName | undefined;
}

/** Where the coordinator put a unit. */
export interface UnitPlacement {
  /** File offset of the unit's first record in its top directory. */
  sliceRecordPos: number;
  /** File offset of the unit's first name in its top directory. */
  sliceNamePos: number;
  /** File offset of the unit's first directory below the top (a multiple of 4). */
  regionBase: number;
  /** UID of the unit's first mailbox in pre-order. */
  firstUid: number;
}

/** A node was reported as a name (not only implied as a parent). */
const LEAF = 1;
/** A name reported the node as not selectable. */
const NOSELECT = 2;

/** Entry flag: this component is the last of its name. */
const LAST = 1;
/** Entry flag: the name ends with a separator (declares a parent only). */
const PARENT_ONLY = 2;

/** Entries whose name bytes are brought into cache at once before being compared. */
const TOUCH_BLOCK = 256;

/** Radix sort digits: three passes cover a 32-bit hash. */
const DIGIT_BITS = 11;
const DIGIT_MASK = (1 << DIGIT_BITS) - 1;

/** A growable Int32Array. */
function ensureInt32(a: Int32Array, size: number): Int32Array {
  if (a.length >= size) return a;
  const g = new Int32Array(Math.max(size, a.length * 2));
  g.set(a);
  return g;
}

/** A growable Uint32Array. */
function ensureUint32(a: Uint32Array, size: number): Uint32Array {
  if (a.length >= size) return a;
  const g = new Uint32Array(Math.max(size, a.length * 2));
  g.set(a);
  return g;
}

/** A growable Uint8Array. */
function ensureUint8(a: Uint8Array, size: number): Uint8Array {
  if (a.length >= size) return a;
  const g = new Uint8Array(Math.max(size, a.length * 2));
  g.set(a);
  return g;
}

/** Whether bytes `[a, a + n)` and `[c, c + n)` of `b` are equal. */
function sameBytes(b: Uint8Array, a: number, c: number, n: number): boolean {
  for (let r = 0; r < n; r++) if (b[a + r] !== b[c + r]) return false;
  return true;
}

/**
 * One unit: built from some names, measured, then written.
 *
 * @example Build the whole tree of three names as one unit
 * ```ts
 * import { readNames } from "./rebuild_names.ts";
 * import { TreeUnit } from "./tree_build.ts";
 * const names = await readNames(["INBOX", "Archive/2009", "Archive/2010"], false);
 * const unit = new TreeUnit(names, 0x2f, { maxComponentLength: 255, maxDepth: 128 });
 * const m = unit.build(null, names.count, 0);
 * console.log(m.records, m.sliceCount); // 4 2
 * ```
 */
export class TreeUnit {
  readonly #names: NameTable;
  readonly #sep: number;
  readonly #limits: TreeLimits;
  // Per node, numbered level by level (node 0 is the unit's top: the directory the slice belongs to).
  #nodes = 0;
  #hash: Uint32Array = new Uint32Array(0);
  #nameStart: Uint32Array = new Uint32Array(0);
  #nameLen: Uint32Array = new Uint32Array(0);
  #state: Uint8Array = new Uint8Array(0);
  #statusOf: Int32Array | undefined;
  #parent: Int32Array = new Int32Array(0);
  // Children of node p are the nodes #childStart[p] .. #childStart[p + 1] - 1.
  #childStart: Int32Array = new Int32Array(0);
  // Pre-order rank of each node (its UID minus the unit's first UID), and each directory's offset in the region.
  #rank: Int32Array = new Int32Array(0);
  #dirOff: Int32Array = new Int32Array(0);
  #measure: UnitMeasure | undefined;
  /** Bytes read only to bring them into cache (kept so that the reads are not optimized away). */
  #touched = 0;

  /**
   * @param names The names (shared or not).
   * @param separator The separator byte.
   * @param limits Name limits.
   */
  constructor(names: NameTable, separator: number, limits: TreeLimits) {
    this.#names = names;
    this.#sep = separator;
    this.#limits = limits;
  }

  /**
   * Build the unit from its names and measure it.
   *
   * @param ids Indices of the unit's names, ascending, or null for names `0 .. count-1`.
   * @param count Number of names.
   * @param skip Leading components shared by all the names (the depth of the unit's top directory).
   * @returns The unit's sizes, or the first name (in input order) it cannot hold.
   */
  build(ids: Int32Array | null, count: number, skip: number): UnitMeasure {
    const invalid = this.#buildLevels(ids, count, skip);
    if (invalid !== undefined) {
      this.#measure = { records: 0, sliceCount: 0, sliceNameBytes: 0, regionSize: 0, invalid };
      return this.#measure;
    }
    this.#measure = this.#layout();
    return this.#measure;
  }

  /** Make the nodes, one level at a time; the first invalid name (lowest index), if any. */
  #buildLevels(ids: Int32Array | null, count: number, skip: number): InvalidName | undefined {
    const { bytes: b, starts, extras, status } = this.#names;
    const sep = this.#sep;
    const maxLen = this.#limits.maxComponentLength;
    const levelsLeft = this.#limits.maxDepth - skip;
    const T = CRC32_TABLE;
    let bad: InvalidName | undefined;
    const reject = (index: number, reason: number, detail: number) => {
      if (bad === undefined || index < bad.index) bad = { index, reason, detail };
    };
    // The names still active, in input order: index, next component, node of the level above.
    let act = new Int32Array(count);
    let pos = new Int32Array(count);
    let up = new Int32Array(count);
    let m = 0;
    for (let k = 0; k < count; k++) {
      const i = ids === null ? k : ids[k];
      const e = starts[i + 1] - 1;
      let p = starts[i];
      for (let c = 0; c < skip; c++) {
        while (p < e && b[p] === sep) p++;
        while (p < e && b[p] !== sep) p++;
      }
      while (p < e && b[p] === sep) p++;
      if (p >= e) {
        if (skip === 0) reject(i, INVALID_EMPTY, 0);
        continue;
      }
      act[m] = i;
      pos[m] = p;
      m++;
    }
    // One entry per active name and level.
    let kh: Int32Array = new Int32Array(m), ks: Int32Array = new Int32Array(m), kl: Int32Array = new Int32Array(m);
    let kf: Uint8Array = new Uint8Array(m), next: Int32Array = new Int32Array(m), made: Int32Array = new Int32Array(m);
    let keyA: Int32Array = new Int32Array(m), keyB: Int32Array = new Int32Array(m);
    let idxA: Int32Array = new Int32Array(m), idxB: Int32Array = new Int32Array(m);
    const sh = new Int32Array(m), su = new Int32Array(m), ss = new Int32Array(m), sl = new Int32Array(m);
    const cnt = new Int32Array(1 << DIGIT_BITS);
    // The nodes.
    let cap = m + (m >>> 2) + 16;
    let parent: Int32Array = new Int32Array(cap);
    let hash: Uint32Array = new Uint32Array(cap);
    let nameStart: Uint32Array = new Uint32Array(cap);
    let nameLen: Uint32Array = new Uint32Array(cap);
    let state: Uint8Array = new Uint8Array(cap);
    let statusOf: Int32Array | undefined = status !== undefined ? new Int32Array(cap).fill(-1) : undefined;
    let nodes = 1;
    parent[0] = -1;
    let levelFirst = 0, levelEnd = 1; // nodes of the level above
    for (let level = 0; m > 0; level++) {
      // 1. Hash this level's component of every active name, in input order.
      for (let j = 0; j < m; j++) {
        const i = act[j];
        const e = starts[i + 1] - 1;
        let p = pos[j], h = -1;
        const c0 = p;
        while (p < e) {
          const c = b[p];
          if (c === sep) break;
          if (c === 0) reject(i, INVALID_NUL, 0);
          h = T[(h ^ c) & 0xff] ^ (h >>> 8);
          p++;
        }
        if (p - c0 > maxLen) reject(i, INVALID_COMPONENT, p - c0);
        kh[j] = h;
        ks[j] = c0;
        kl[j] = p - c0;
        while (p < e && b[p] === sep) p++;
        next[j] = p;
        if (p >= e) kf[j] = b[e - 1] === sep ? LAST | PARENT_ONLY : LAST;
        else {
          kf[j] = 0;
          if (level + 1 >= levelsLeft) {
            // One level too many: the name is rejected, its deeper levels are not needed.
            reject(i, INVALID_DEPTH, 0);
            kf[j] = LAST | PARENT_ONLY;
          }
        }
      }
      // 2. Order the entries by (node above, hash): LSD radix on the hash, then a stable pass on the node above.
      for (let j = 0; j < m; j++) {
        keyA[j] = kh[j];
        idxA[j] = j;
      }
      for (let shift = 0; shift < 32; shift += DIGIT_BITS) {
        cnt.fill(0);
        for (let k = 0; k < m; k++) cnt[(keyA[k] >>> shift) & DIGIT_MASK]++;
        for (let d = 0, sum = 0; d <= DIGIT_MASK; d++) {
          const c = cnt[d];
          cnt[d] = sum;
          sum += c;
        }
        for (let k = 0; k < m; k++) {
          const key = keyA[k];
          const at = cnt[(key >>> shift) & DIGIT_MASK]++;
          keyB[at] = key;
          idxB[at] = idxA[k];
        }
        const tk = keyA, ti = idxA;
        keyA = keyB, idxA = idxB, keyB = tk, idxB = ti;
      }
      let order = idxA;
      if (levelEnd - levelFirst > 1) {
        const span = levelEnd - levelFirst;
        const pc = new Int32Array(span + 1);
        for (let k = 0; k < m; k++) pc[up[idxA[k]] - levelFirst + 1]++;
        for (let d = 1; d <= span; d++) pc[d] += pc[d - 1];
        for (let k = 0; k < m; k++) {
          const j = idxA[k];
          idxB[pc[up[j] - levelFirst]++] = j;
        }
        order = idxB;
      }
      // 3. Runs of equal (node above, hash): one node per distinct name, in byte order.
      const first = nodes;
      if (nodes + m > cap) {
        cap = Math.max(cap * 2, nodes + m);
        parent = ensureInt32(parent, cap);
        hash = ensureUint32(hash, cap);
        nameStart = ensureUint32(nameStart, cap);
        nameLen = ensureUint32(nameLen, cap);
        state = ensureUint8(state, cap);
        if (statusOf !== undefined) {
          const g = new Int32Array(cap).fill(-1);
          g.set(statusOf);
          statusOf = g;
        }
      }
      // The entries in that order, gathered (independent loads).
      for (let r = 0; r < m; r++) {
        const j = order[r];
        sh[r] = kh[j];
        su[r] = up[j];
        ss[r] = ks[j];
        sl[r] = kl[j];
      }
      let touched = 0, ahead = 0;
      for (let r0 = 0; r0 < m;) {
        if (r0 + TOUCH_BLOCK / 4 > ahead) {
          // Bring the bytes of the next repeated keys into cache, many loads at once, before comparing them.
          const to = Math.min(m, r0 + TOUCH_BLOCK);
          for (let r = Math.max(ahead, 1); r < to; r++) {
            if (sh[r] === sh[r - 1] && su[r] === su[r - 1]) touched += b[ss[r]];
          }
          ahead = to;
        }
        const pu = su[r0], h0 = sh[r0];
        let r1 = r0 + 1;
        while (r1 < m && sh[r1] === h0 && su[r1] === pu) r1++;
        // Usually one name, repeated; else order the run by bytes (shorter first).
        const s0 = ss[r0], l0 = sl[r0];
        let same = true;
        for (let r = r0 + 1; r < r1; r++) {
          if (sl[r] !== l0 || !sameBytes(b, ss[r], s0, l0)) {
            same = false;
            break;
          }
        }
        if (!same) {
          for (let r = r0 + 1; r < r1; r++) {
            const j = order[r], sr = ss[r], lr = sl[r];
            let q = r - 1;
            while (q >= r0 && compareBytes(b, ss[q], ss[q] + sl[q], b, sr, sr + lr) > 0) {
              order[q + 1] = order[q];
              ss[q + 1] = ss[q];
              sl[q + 1] = sl[q];
              q--;
            }
            order[q + 1] = j;
            ss[q + 1] = sr;
            sl[q + 1] = lr;
          }
        }
        let id = -1;
        for (let r = r0; r < r1; r++) {
          if (id < 0 || (!same && !(sl[r] === nameLen[id] && sameBytes(b, ss[r], nameStart[id], sl[r])))) {
            id = nodes++;
            parent[id] = pu;
            hash[id] = h0;
            nameStart[id] = ss[r];
            nameLen[id] = sl[r];
          }
          const j = order[r];
          made[j] = id;
          const f = kf[j];
          if ((f & (LAST | PARENT_ONLY)) === LAST) {
            state[id] |= LEAF;
            if (extras !== undefined) {
              const i = act[j], x = extras[i];
              if ((x & EXTRA_NOSELECT) !== 0) state[id] |= NOSELECT;
              if ((x & EXTRA_STATUS) !== 0 && i > statusOf![id]) statusOf![id] = i;
            }
          }
        }
        r0 = r1;
      }
      this.#touched += touched;
      // 4. Names with more components go on to the next level, in input order.
      let m2 = 0;
      for (let j = 0; j < m; j++) {
        if ((kf[j] & LAST) !== 0) continue;
        act[m2] = act[j];
        pos[m2] = next[j];
        up[m2] = made[j];
        m2++;
      }
      m = m2;
      levelFirst = first;
      levelEnd = nodes;
    }
    if (bad !== undefined) return bad;
    this.#nodes = nodes;
    this.#hash = hash;
    this.#nameStart = nameStart;
    this.#nameLen = nameLen;
    this.#state = state;
    this.#statusOf = statusOf;
    this.#parent = parent;
    // Children are contiguous and numbered in parent order: node p's are start[p] .. start[p + 1] - 1.
    const start = new Int32Array(nodes + 1);
    for (let id = 1; id < nodes; id++) start[parent[id] + 1]++;
    for (let p = 1; p <= nodes; p++) start[p] += start[p - 1];
    for (let p = 0; p <= nodes; p++) start[p] += 1;
    this.#childStart = start;
    return undefined;
  }

  /** UIDs and directory offsets in depth-first pre-order, from subtree sizes (two linear passes). */
  #layout(): UnitMeasure {
    const n = this.#nodes;
    const start = this.#childStart, nameLen = this.#nameLen;
    // Bottom-up (children have higher numbers than their parent): subtree records and directory bytes.
    const size = new Int32Array(n).fill(1);
    const dirBytes = new Int32Array(n);
    const sub = new Float64Array(n);
    for (let id = n - 1; id >= 1; id--) {
      const s = start[id], e = start[id + 1];
      if (e > s) {
        let names = 0;
        for (let c = s; c < e; c++) names += nameLen[c] + 1;
        const d = DIR_HEADER_SIZE + RECORD_SIZE * (e - s) + names;
        dirBytes[id] = d;
        sub[id] += alignUp(d);
      }
    }
    const parent = this.#parent;
    for (let id = n - 1; id >= 1; id--) {
      const p = parent[id];
      if (p > 0) {
        size[p] += size[id];
        sub[p] += sub[id];
      }
    }
    // Top-down: each node's rank and where its subtree's directories start.
    const rank = new Int32Array(n);
    const dirOff = new Int32Array(n);
    let regionSize = 0;
    for (let p = 0; p < n; p++) {
      const s = start[p], e = start[p + 1];
      if (e === s) continue;
      let r = p === 0 ? 0 : rank[p] + 1;
      let off = p === 0 ? 0 : dirOff[p] + alignUp(dirBytes[p]);
      for (let c = s; c < e; c++) {
        rank[c] = r;
        r += size[c];
        dirOff[c] = off;
        off += sub[c];
        if (dirBytes[c] > 0 && dirOff[c] + dirBytes[c] > regionSize) regionSize = dirOff[c] + dirBytes[c];
      }
    }
    let sliceNameBytes = 0;
    for (let c = start[0]; c < start[1]; c++) sliceNameBytes += nameLen[c] + 1;
    this.#rank = rank;
    this.#dirOff = dirOff;
    return { records: n - 1, sliceCount: start[1] - start[0], sliceNameBytes, regionSize, invalid: undefined };
  }

  /**
   * Write the built unit into the output images at its placement.
   *
   * @param list The list file image (zeroed where the unit goes).
   * @param attr The attribute file image (zeroed entries).
   * @param place Where the coordinator put the unit.
   * @returns Nothing.
   */
  write(list: Uint8Array, attr: Uint8Array, place: UnitPlacement): void {
    if (this.#measure === undefined || this.#measure.invalid !== undefined) {
      throw new Error("Cannot write a rebuild unit that was not built");
    }
    const n = this.#nodes;
    const src = this.#names.bytes;
    const start = this.#childStart, rank = this.#rank, dirOff = this.#dirOff;
    const hash = this.#hash, nameStart = this.#nameStart, nameLen = this.#nameLen;
    const dv = new DataView(list.buffer, list.byteOffset, list.byteLength);
    const { regionBase, firstUid } = place;
    for (let d = 0; d < n; d++) {
      const first = start[d], end = start[d + 1];
      if (end === first) continue;
      let rec: number, name: number;
      if (d === 0) {
        rec = place.sliceRecordPos;
        name = place.sliceNamePos;
      } else {
        const base = regionBase + dirOff[d];
        rec = base + DIR_HEADER_SIZE;
        name = rec + RECORD_SIZE * (end - first);
      }
      const names0 = name;
      for (let c = first; c < end; c++, rec += RECORD_SIZE) {
        const len = nameLen[c], s = nameStart[c];
        dv.setUint32(rec, hash[c], true);
        dv.setUint32(rec + 4, firstUid + rank[c], true);
        dv.setUint32(rec + 8, name, true);
        dv.setUint32(rec + 12, start[c + 1] > start[c] ? encodeOffset(regionBase + dirOff[c]) : OFFSET_MARKER, true);
        for (let q = 0; q < len; q++) list[name + q] = src[s + q];
        list[name + len] = 0;
        name += len + 1;
      }
      if (d !== 0) {
        const base = regionBase + dirOff[d];
        dv.setUint32(base, 0, true);
        dv.setUint32(base + 4, DIR_HEADER_SIZE + RECORD_SIZE * (end - first) + (name - names0), true);
        dv.setUint32(base + 8, end - first, true);
      }
    }
    this.#writeAttributes(attr, firstUid);
  }

  #writeAttributes(attr: Uint8Array, firstUid: number): void {
    const n = this.#nodes;
    const start = this.#childStart, rank = this.#rank, state = this.#state, statusOf = this.#statusOf;
    const status = this.#names.status;
    const dv = new DataView(attr.buffer, attr.byteOffset, attr.byteLength);
    for (let c = 1; c < n; c++) {
      const uid = firstUid + rank[c];
      const pos = ATTR_HEADER_SIZE + (uid - 1) * ATTR_ENTRY_SIZE;
      const st = state[c];
      let flags = (start[c + 1] > start[c] ? MailboxFlags.Children : 0) |
        ((st & LEAF) !== 0 ? 0 : MailboxFlags.NonExistent) |
        ((st & NOSELECT) !== 0 ? MailboxFlags.NoSelect : 0);
      if (statusOf !== undefined && statusOf[c] >= 0) {
        const k = statusOf[c] * STATUS_FIELDS;
        flags = (flags | STATUS_SET_BIT) >>> 0;
        for (let f = 0; f < STATUS_FIELDS; f++) dv.setUint32(pos + 8 + 4 * f, status![k + f], true);
      }
      dv.setUint32(pos, uid, true);
      dv.setUint32(pos + 4, flags, true);
    }
  }
}

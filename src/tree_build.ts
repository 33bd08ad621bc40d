/**
 * Building one "unit" of a rebuild (SPEC §8) from names in a
 * {@linkcode NameTable}: the records of one directory that lie in the unit
 * (a slice of it, or all of it) and every directory below them, in
 * depth-first pre-order, with UIDs in the same pre-order.
 *
 * Everything lives in typed arrays: one node per distinct mailbox found by
 * an open-addressing table keyed by (parent, CRC-32 of the component), the
 * children of every node ordered by one radix sort on the hash (then the
 * rare equal hashes by bytes), and the layout computed once. A unit is
 * built in two steps: {@linkcode TreeUnit.build} measures it, and, once the
 * coordinator has placed every unit, {@linkcode TreeUnit.write} writes it
 * straight into the output images.
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

const MIX_PARENT = 0x9e3779b1 | 0;
const MIX_OUT = 0x85ebca6b | 0;

function growInt32(a: Int32Array, size: number): Int32Array {
  const g = new Int32Array(size);
  g.set(a);
  return g;
}

function growUint32(a: Uint32Array, size: number): Uint32Array {
  const g = new Uint32Array(size);
  g.set(a);
  return g;
}

function growUint8(a: Uint8Array, size: number): Uint8Array {
  const g = new Uint8Array(size);
  g.set(a);
  return g;
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
  // Per node (node 0 is the unit's top: the directory the slice belongs to).
  #nodes = 0;
  #hash: Uint32Array = new Uint32Array(0);
  #nameStart: Uint32Array = new Uint32Array(0);
  #nameLen: Uint32Array = new Uint32Array(0);
  #state: Uint8Array = new Uint8Array(0);
  #statusOf: Int32Array | undefined;
  // Children of node p are #order[#childStart[p] .. #childStart[p + 1]).
  #order: Int32Array = new Int32Array(0);
  #childStart: Int32Array = new Int32Array(0);
  // Pre-order rank of each node (its UID minus the unit's first UID), and each directory's offset in the region.
  #rank: Int32Array = new Int32Array(0);
  #dirOff: Int32Array = new Int32Array(0);
  #measure: UnitMeasure | undefined;

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
   * @returns The unit's sizes, or the first name it cannot hold.
   */
  build(ids: Int32Array | null, count: number, skip: number): UnitMeasure {
    const invalid = this.#buildNodes(ids, count, skip);
    if (invalid !== undefined) {
      this.#measure = { records: 0, sliceCount: 0, sliceNameBytes: 0, regionSize: 0, invalid };
      return this.#measure;
    }
    this.#sortChildren();
    this.#measure = this.#layout();
    return this.#measure;
  }

  /** Split the names into nodes; stops at the first invalid name. */
  #buildNodes(ids: Int32Array | null, count: number, skip: number): InvalidName | undefined {
    const { bytes: b, starts, extras, status } = this.#names;
    const sep = this.#sep;
    const maxLen = this.#limits.maxComponentLength;
    const maxDepth = this.#limits.maxDepth;
    const T = CRC32_TABLE;
    let cap = count + (count >>> 2) + 64;
    let parent: Int32Array = new Int32Array(cap);
    let hash: Uint32Array = new Uint32Array(cap);
    let nameStart: Uint32Array = new Uint32Array(cap);
    let nameLen: Uint32Array = new Uint32Array(cap);
    let state: Uint8Array = new Uint8Array(cap);
    let statusOf: Int32Array | undefined = status !== undefined ? new Int32Array(cap).fill(-1) : undefined;
    let bits = 10;
    while ((1 << bits) < cap * 2) bits++;
    let shift = 32 - bits;
    let mask = (1 << bits) - 1;
    let table = new Int32Array(2 << bits);
    let nodes = 1; // node 0: the unit's top
    parent[0] = -1;
    // The previous name's components, to skip hashing a shared prefix.
    let prevStart: Int32Array = new Int32Array(64);
    let prevLen: Int32Array = new Int32Array(64);
    let prevNode: Int32Array = new Int32Array(64);
    let prevLevels = 0;
    for (let k = 0; k < count; k++) {
      const i = ids === null ? k : ids[k];
      const s = starts[i], e = starts[i + 1] - 1;
      let p = s;
      for (let c = 0; c < skip; c++) {
        while (p < e && b[p] === sep) p++;
        while (p < e && b[p] !== sep) p++;
      }
      let level = 0, depth = skip, node = 0, matching = true;
      for (;;) {
        while (p < e && b[p] === sep) p++;
        if (p >= e) break;
        if (depth >= maxDepth) return { index: i, reason: INVALID_DEPTH, detail: 0 };
        let found = -1;
        let ce = 0;
        if (matching && level < prevLevels) {
          const ps = prevStart[level], pl = prevLen[level];
          ce = p + pl;
          if (ce <= e && (ce === e || b[ce] === sep)) {
            let q = 0;
            while (q < pl && b[p + q] === b[ps + q]) q++;
            if (q === pl) found = prevNode[level];
          }
          if (found < 0) matching = false;
        }
        if (found < 0) {
          matching = false;
          let h = -1;
          let q = p;
          while (q < e) {
            const c = b[q];
            if (c === sep) break;
            if (c === 0) return { index: i, reason: INVALID_NUL, detail: 0 };
            h = T[(h ^ c) & 0xff] ^ (h >>> 8);
            q++;
          }
          ce = q;
          const len = ce - p;
          if (len > maxLen) return { index: i, reason: INVALID_COMPONENT, detail: len };
          h = h >>> 0;
          let slot = Math.imul(h ^ Math.imul(node, MIX_PARENT), MIX_OUT) >>> shift;
          for (;;) {
            const id = table[slot << 1];
            if (id === 0) break;
            if (table[(slot << 1) + 1] === (h | 0) && parent[id] === node && nameLen[id] === len) {
              const ns = nameStart[id];
              let r = 0;
              while (r < len && b[ns + r] === b[p + r]) r++;
              if (r === len) {
                found = id;
                break;
              }
            }
            slot = (slot + 1) & mask;
          }
          if (found < 0) {
            if (nodes >= cap) {
              cap = cap * 2;
              parent = growInt32(parent, cap);
              hash = growUint32(hash, cap);
              nameStart = growUint32(nameStart, cap);
              nameLen = growUint32(nameLen, cap);
              state = growUint8(state, cap);
              if (statusOf !== undefined) {
                const g = new Int32Array(cap).fill(-1);
                g.set(statusOf);
                statusOf = g;
              }
            }
            found = nodes++;
            parent[found] = node;
            hash[found] = h;
            nameStart[found] = p;
            nameLen[found] = len;
            table[slot << 1] = found;
            table[(slot << 1) + 1] = h | 0;
            if (nodes * 2 > mask) {
              // Keep the table at most half full.
              bits++;
              shift = 32 - bits;
              mask = (1 << bits) - 1;
              table = new Int32Array(2 << bits);
              for (let id = 1; id < nodes; id++) {
                let t = Math.imul(hash[id] ^ Math.imul(parent[id], MIX_PARENT), MIX_OUT) >>> shift;
                while (table[t << 1] !== 0) t = (t + 1) & mask;
                table[t << 1] = id;
                table[(t << 1) + 1] = hash[id] | 0;
              }
            }
          }
        }
        if (level >= prevStart.length) {
          prevStart = growInt32(prevStart, level * 2);
          prevLen = growInt32(prevLen, level * 2);
          prevNode = growInt32(prevNode, level * 2);
        }
        prevStart[level] = p;
        prevLen[level] = ce - p;
        prevNode[level] = found;
        level++;
        depth++;
        node = found;
        p = ce;
      }
      if (level === 0) {
        if (skip === 0) return { index: i, reason: INVALID_EMPTY, detail: 0 };
        continue;
      }
      prevLevels = level;
      // A name ending with the separator declares a parent only.
      if (b[e - 1] === sep) continue;
      state[node] |= LEAF;
      if (extras !== undefined) {
        const x = extras[i];
        if ((x & EXTRA_NOSELECT) !== 0) state[node] |= NOSELECT;
        if ((x & EXTRA_STATUS) !== 0) statusOf![node] = i;
      }
    }
    this.#nodes = nodes;
    this.#hash = hash;
    this.#nameStart = nameStart;
    this.#nameLen = nameLen;
    this.#state = state;
    this.#statusOf = statusOf;
    // The parents are needed only to group the children; keep them in #childStart's place until then.
    this.#childStart = parent;
    return undefined;
  }

  /** Order every node's children by (hash, bytes): two radix passes on the hash, one counting pass on the parent. */
  #sortChildren(): void {
    const n = this.#nodes;
    const parent = this.#childStart;
    const hash = this.#hash;
    const a = new Int32Array(Math.max(1, n - 1));
    const c = new Int32Array(Math.max(1, n - 1));
    const cnt = new Int32Array(65537);
    for (let id = 1; id < n; id++) cnt[(hash[id] & 0xffff) + 1]++;
    for (let k = 1; k <= 65536; k++) cnt[k] += cnt[k - 1];
    for (let id = 1; id < n; id++) a[cnt[hash[id] & 0xffff]++] = id;
    cnt.fill(0);
    for (let k = 0; k < n - 1; k++) cnt[(hash[a[k]] >>> 16) + 1]++;
    for (let k = 1; k <= 65536; k++) cnt[k] += cnt[k - 1];
    for (let k = 0; k < n - 1; k++) {
      const id = a[k];
      c[cnt[hash[id] >>> 16]++] = id;
    }
    // Group by parent, keeping the hash order: childStart[p] = first child of p.
    const start = new Int32Array(n + 1);
    for (let id = 1; id < n; id++) start[parent[id] + 1]++;
    for (let p = 1; p <= n; p++) start[p] += start[p - 1];
    for (let k = 0; k < n - 1; k++) {
      const id = c[k];
      a[start[parent[id]]++] = id;
    }
    for (let p = n; p > 0; p--) start[p] = start[p - 1];
    start[0] = 0;
    // Equal hashes under one parent (rare): order by the names' bytes, shorter first.
    const b = this.#names.bytes, ns = this.#nameStart, nl = this.#nameLen;
    for (let k = 1; k < n - 1; k++) {
      const id = a[k];
      if (hash[id] !== hash[a[k - 1]] || parent[id] !== parent[a[k - 1]]) continue;
      let j = k - 1;
      while (j >= 0 && hash[a[j]] === hash[id] && parent[a[j]] === parent[id]) {
        const o = a[j];
        if (compareBytes(b, ns[o], ns[o] + nl[o], b, ns[id], ns[id] + nl[id]) <= 0) break;
        a[j + 1] = o;
        j--;
      }
      a[j + 1] = id;
    }
    this.#order = a;
    this.#childStart = start;
  }

  /** UIDs and directory offsets in depth-first pre-order. */
  #layout(): UnitMeasure {
    const n = this.#nodes;
    const order = this.#order, start = this.#childStart, nameLen = this.#nameLen;
    const rank = new Int32Array(n);
    const dirOff = new Int32Array(n);
    const stack = new Int32Array(n);
    let sp = 0;
    for (let k = start[1] - 1; k >= start[0]; k--) stack[sp++] = order[k];
    let next = 0, cur = 0;
    while (sp > 0) {
      const id = stack[--sp];
      rank[id] = next++;
      const first = start[id], end = start[id + 1];
      if (end > first) {
        let names = 0;
        for (let k = end - 1; k >= first; k--) {
          const c = order[k];
          names += nameLen[c] + 1;
          stack[sp++] = c;
        }
        const off = alignUp(cur);
        dirOff[id] = off;
        cur = off + DIR_HEADER_SIZE + RECORD_SIZE * (end - first) + names;
      }
    }
    let sliceNameBytes = 0;
    for (let k = start[0]; k < start[1]; k++) sliceNameBytes += nameLen[order[k]] + 1;
    this.#rank = rank;
    this.#dirOff = dirOff;
    return { records: n - 1, sliceCount: start[1] - start[0], sliceNameBytes, regionSize: cur, invalid: undefined };
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
    const order = this.#order, start = this.#childStart, rank = this.#rank, dirOff = this.#dirOff;
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
        dv.setUint32(base, 0, true);
        dv.setUint32(base + 8, end - first, true);
      }
      const names0 = name;
      for (let k = first; k < end; k++, rec += RECORD_SIZE) {
        const c = order[k];
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
        dv.setUint32(base + 4, DIR_HEADER_SIZE + RECORD_SIZE * (end - first) + (name - names0), true);
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

/**
 * Building one "unit" of a rebuild (SPEC §8) from names in a
 * {@linkcode NameTable}: the records of one directory that lie in the unit
 * (a slice of it, or all of it) and every directory below them, in
 * depth-first pre-order, with UIDs in the same pre-order.
 *
 * The tree is built one level at a time, in typed arrays, with no object
 * per name: each level's component of every name is hashed (CRC-32) in
 * input order and looked up, by (node above, hash) and then bytes, in a
 * small table of the level's distinct pairs, whose names are kept in a
 * compact arena; the distinct pairs are then grouped by the node above in
 * one counting pass and sorted by hash (then bytes) within each group. Nodes
 * are thus numbered level by level with every node's children contiguous
 * and in record order, so that the pre-order layout (UIDs, directory
 * offsets) follows from subtree sizes in two linear passes and the records
 * are written reading memory in order. A unit is built in two steps:
 * {@linkcode TreeUnit.build} measures it and, once the coordinator has
 * placed every unit, {@linkcode TreeUnit.write} writes it straight into the
 * output images.
 *
 * @module
 */
import { ATTR_ENTRY_SIZE, ATTR_HEADER_SIZE, STATUS_SET_BIT } from "../format/attr_codec.ts";
import { DIR_HEADER_SIZE, MailboxFlags, RECORD_SIZE } from "../format/constants.ts";
import { INVALID_COMPONENT, INVALID_DEPTH, INVALID_EMPTY, INVALID_LENGTH, INVALID_NUL, type TreeLimits } from "../format/limits.ts";
import { compareBytes, CRC32_TABLE } from "../format/name_hash.ts";
import { alignUp, encodeOffset, OFFSET_MARKER } from "../format/offset.ts";
import { EXTRA_NOSELECT, EXTRA_STATUS, type NameTable, STATUS_FIELDS } from "./names.ts";

export type { TreeLimits };

/** The first name of a unit the index cannot hold. *
 * @example A name with a NUL byte
 * ```ts
 * import { DEFAULT_LIMITS, INVALID_NUL } from "../format/limits.ts";
 * import { readNames } from "./input.ts";
 * import { TreeUnit } from "./tree_build.ts";
 * const names = await readNames(["ok", "b\0d"], false);
 * const m = new TreeUnit(names, 0x2f, DEFAULT_LIMITS).build(null, 2, 0);
 * console.log(m.invalid?.index, m.invalid?.reason === INVALID_NUL); // 1 true
 * ```
 */
export interface InvalidName {
  /** Index of the name in the table. */
  index: number;
  /** One of the `INVALID_*` codes of src/limits.ts. */
  reason: number;
  /** The component length for `INVALID_COMPONENT`, the name length for `INVALID_LENGTH`, else 0. */
  detail: number;
}

/** What a built unit needs in the output. *
 * @example Two records at the top, one directory below
 * ```ts
 * import { DEFAULT_LIMITS } from "../format/limits.ts";
 * import { readNames } from "./input.ts";
 * import { TreeUnit } from "./tree_build.ts";
 * const names = await readNames(["a/x", "b"], false);
 * const m = new TreeUnit(names, 0x2f, DEFAULT_LIMITS).build(null, 2, 0);
 * console.log(m.records, m.sliceCount, m.sliceNameBytes, m.regionSize); // 3 2 4 30
 * ```
 */
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

/** Where the coordinator put a unit. *
 * @example The only unit, right after the root directory header
 * ```ts
 * import type { UnitPlacement } from "./tree_build.ts";
 * const place: UnitPlacement = { sliceRecordPos: 40, sliceNamePos: 72, regionBase: 76, firstUid: 1 };
 * ```
 */
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

/** Multipliers mixing (node above, hash) into a table slot. */
const MIX_PARENT = 0x9e3779b1 | 0;
const MIX_OUT = 0x85ebca6b | 0;

/** Entry flag: this component is the last of its name. */
const LAST = 1;
/** Entry flag: the name ends with a separator (declares a parent only). */
const PARENT_ONLY = 2;


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

/** Keep the invalid name with the lowest index. */
function reject(bad: InvalidName[], index: number, reason: number, detail: number): void {
  if (bad.length === 0) bad.push({ index, reason, detail });
  else if (index < bad[0].index) bad[0] = { index, reason, detail };
}

/** The nodes of a unit, growing as levels are added. */
class NodeArrays {
  count = 1; // node 0: the unit's top
  parent: Int32Array;
  hash: Uint32Array;
  nameStart: Uint32Array;
  nameLen: Uint32Array;
  state: Uint8Array;
  statusOf: Int32Array | undefined;

  constructor(cap: number, withStatus: boolean) {
    this.parent = new Int32Array(cap);
    this.parent[0] = -1;
    this.hash = new Uint32Array(cap);
    this.nameStart = new Uint32Array(cap);
    this.nameLen = new Uint32Array(cap);
    this.state = new Uint8Array(cap);
    this.statusOf = withStatus ? new Int32Array(cap).fill(-1) : undefined;
  }

  /** Make room for `more` nodes. */
  reserve(more: number): void {
    const need = this.count + more;
    if (need <= this.parent.length) return;
    const cap = Math.max(need, this.parent.length * 2);
    this.parent = ensureInt32(this.parent, cap);
    this.hash = ensureUint32(this.hash, cap);
    this.nameStart = ensureUint32(this.nameStart, cap);
    this.nameLen = ensureUint32(this.nameLen, cap);
    this.state = ensureUint8(this.state, cap);
    if (this.statusOf !== undefined) {
      const g = new Int32Array(cap).fill(-1);
      g.set(this.statusOf);
      this.statusOf = g;
    }
  }
}

/**
 * One level's entries (one per active name) and its distinct pairs, with
 * the rest of the working memory of a build. Everything here grows to the
 * largest need and is kept for the next level and the next unit built with
 * the same {@linkcode BuildScratch}, so that a worker building unit after
 * unit allocates (and the system zeroes) its working arrays once.
 */
class LevelEntries {
  /** Per entry, in input order: {@linkcode LAST} and {@linkcode PARENT_ONLY}. */
  flags: Uint8Array = new Uint8Array(0);
  // The names still active, in input order: index, next component, end, node of the level above.
  act: Int32Array = new Int32Array(0);
  pos: Int32Array = new Int32Array(0);
  ends: Int32Array = new Int32Array(0);
  up: Int32Array = new Int32Array(0);
  /** A unit's share of the names, copied together. */
  own: Uint8Array = new Uint8Array(0);
  /** Where each group of a level starts, and the counting pass's cursors. */
  groups: Int32Array = new Int32Array(0);
  at: Int32Array = new Int32Array(0);
  /** Radix counts. */
  counts: Int32Array = new Int32Array(0);
  /** Layout: directory bytes per node, and the bytes of each subtree's directories. */
  sub: Float64Array = new Float64Array(0);
  // The distinct (node above, name) pairs of the level (pair d): node above, hash, place in the arena, length.
  dp: Int32Array = new Int32Array(0);
  dh: Int32Array = new Int32Array(0);
  da: Int32Array = new Int32Array(0);
  dl: Int32Array = new Int32Array(0);
  /** Node of each distinct pair. */
  nodeOf: Int32Array = new Int32Array(0);
  // The pairs grouped by the node above, then by hash (position r): hash, place in the arena, length, pair.
  sh: Int32Array = new Int32Array(0);
  ss: Int32Array = new Int32Array(0);
  sl: Int32Array = new Int32Array(0);
  sj: Int32Array = new Int32Array(0);
  /** Open addressing over the distinct pairs: d + 1, or 0 for an empty slot (a view of `tableSpace`). */
  table: Int32Array = new Int32Array(0);
  tableSpace: Int32Array = new Int32Array(0);
  // Sorting scratch.
  th: Int32Array = new Int32Array(0);
  ts: Int32Array = new Int32Array(0);
  tl: Int32Array = new Int32Array(0);
  tj: Int32Array = new Int32Array(0);
  keys: Float64Array = new Float64Array(0);

  /** Ready for a unit of `m` names: entry arrays for `m`, a small table. */
  prepare(m: number): void {
    const n = Math.max(1, m);
    if (this.act.length < n) {
      this.flags = new Uint8Array(n);
      this.act = new Int32Array(n);
      this.pos = new Int32Array(n);
      this.ends = new Int32Array(n);
      this.up = new Int32Array(n);
    }
    if (this.dp.length === 0) this.growPairs(Math.min(n, 4096));
    this.sizeTable(10);
  }

  /** Make the table `2^bits` slots, empty, in the space kept for it. */
  sizeTable(bits: number): Int32Array {
    if (this.tableSpace.length < 1 << bits) this.tableSpace = new Int32Array(1 << bits);
    this.table = this.tableSpace.subarray(0, 1 << bits);
    this.table.fill(0);
    return this.table;
  }

  /** The unit's names copied together: room for `n` bytes. */
  ownBytes(n: number): Uint8Array {
    if (this.own.length < n) this.own = new Uint8Array(Math.max(n, this.own.length + (this.own.length >>> 1)));
    return this.own;
  }

  /** Group starts and cursors for `span` groups, zeroed. */
  groupSpace(span: number): Int32Array {
    if (this.groups.length < span + 1) {
      this.groups = new Int32Array(Math.max(span + 1, this.groups.length * 2));
      this.at = new Int32Array(this.groups.length);
    }
    this.groups.fill(0, 0, span + 1);
    return this.groups;
  }

  /** Room for at least `n` distinct pairs. */
  growPairs(n: number): void {
    const size = Math.max(n, this.dp.length * 2);
    this.dp = ensureInt32(this.dp, size);
    this.dh = ensureInt32(this.dh, size);
    this.da = ensureInt32(this.da, size);
    this.dl = ensureInt32(this.dl, size);
    this.nodeOf = new Int32Array(size);
    this.sh = new Int32Array(size);
    this.ss = new Int32Array(size);
    this.sl = new Int32Array(size);
    this.sj = new Int32Array(size);
  }

  /** Room for sorting a group of `n` pairs out of place. */
  growScratch(n: number): void {
    if (this.th.length >= n) return;
    this.th = new Int32Array(n);
    this.ts = new Int32Array(n);
    this.tl = new Int32Array(n);
    this.tj = new Int32Array(n);
    if (n <= NATIVE_SORT_MAX) this.keys = new Float64Array(Math.max(n, this.keys.length));
  }
}

/** Groups up to this size are sorted by insertion. */
const INSERTION_MAX = 24;
/** Groups up to this size are sorted natively as (hash, position) numbers; larger ones by radix. */
const NATIVE_SORT_MAX = 1 << 16;

/**
 * The bytes of every distinct name of a unit, each copied once when its
 * node is made: names are compared and written from here rather than from
 * scattered places in the input.
 */
class NameArena {
  bytes: Uint8Array;
  used = 0;

  constructor(size: number) {
    this.bytes = new Uint8Array(Math.max(256, size));
  }

  /** Copy `len` bytes of `src` from `at`; returns where they are. */
  add(src: Uint8Array, at: number, len: number): number {
    const pos = this.used;
    if (pos + len > this.bytes.length) this.bytes = ensureUint8(this.bytes, pos + len + (this.bytes.length >>> 1));
    const dst = this.bytes;
    for (let r = 0; r < len; r++) dst[pos + r] = src[at + r];
    this.used = pos + len;
    return pos;
  }
}

/**
 * One level, in input order: hash (CRC-32) and check each active name's
 * component, and find its distinct (node above, name) pair with a small
 * hash table, compared against the pair's copy in the arena while the
 * name's bytes are still in cache. `up[j]` becomes the entry's pair and
 * `pos[j]` the start of its next component.
 *
 * @returns The number of distinct pairs.
 */
function scanLevel(
  b: Uint8Array,
  ends: Int32Array,
  sep: number,
  maxLen: number,
  lastAllowed: boolean,
  act: Int32Array,
  pos: Int32Array,
  up: Int32Array,
  m: number,
  E: LevelEntries,
  arena: NameArena,
  bad: InvalidName[],
): number {
  const T = CRC32_TABLE;
  const flags = E.flags;
  let { dp, dh, da, dl } = E;
  let table = E.table;
  table.fill(0);
  let bits = 31 - Math.clz32(table.length);
  let mask = table.length - 1;
  let d = 0;
  let ph = 0, pp = -1, ps = 0, pl = -1, pd = -1;
  for (let j = 0; j < m; j++) {
    const i = act[j];
    const e = ends[j];
    let q = pos[j], h = -1;
    const s = q;
    while (q < e) {
      const c = b[q];
      if (c === sep) break;
      if (c === 0) reject(bad, i, INVALID_NUL, 0);
      h = T[(h ^ c) & 0xff] ^ (h >>> 8);
      q++;
    }
    const l = q - s;
    if (l > maxLen) reject(bad, i, INVALID_COMPONENT, l);
    while (q < e && b[q] === sep) q++;
    pos[j] = q; // where the next level starts
    if (q >= e) {
      flags[j] = b[e - 1] === sep ? LAST | PARENT_ONLY : LAST;
    } else if (lastAllowed) {
      // One level too many: the name is rejected; its deeper levels are not needed.
      reject(bad, i, INVALID_DEPTH, 0);
      flags[j] = LAST | PARENT_ONLY;
    } else {
      flags[j] = 0;
    }
    const p = up[j];
    // The same pair as the entry before (names often come grouped): no probe.
    if (h === ph && p === pp && l === pl && sameBytes(b, s, ps, l)) {
      up[j] = pd;
      continue;
    }
    let slot = Math.imul(h ^ Math.imul(p, MIX_PARENT), MIX_OUT) >>> (32 - bits);
    let found = -1;
    const ab = arena.bytes;
    for (;;) {
      const t = table[slot];
      if (t === 0) break;
      const c = t - 1;
      if (dh[c] === h && dp[c] === p && dl[c] === l) {
        const a0 = da[c];
        let r = 0;
        while (r < l && ab[a0 + r] === b[s + r]) r++;
        if (r === l) {
          found = c;
          break;
        }
      }
      slot = (slot + 1) & mask;
    }
    if (found < 0) {
      if (d >= dp.length) {
        E.growPairs(d + 1);
        ({ dp, dh, da, dl } = E);
      }
      found = d++;
      dp[found] = p;
      dh[found] = h;
      dl[found] = l;
      da[found] = arena.add(b, s, l);
      table[slot] = d;
      if (d * 2 > mask) {
        // Keep the table at most half full.
        bits++;
        table = E.sizeTable(bits);
        mask = table.length - 1;
        for (let c = 0; c < d; c++) {
          let u = Math.imul(dh[c] ^ Math.imul(dp[c], MIX_PARENT), MIX_OUT) >>> (32 - bits);
          while (table[u] !== 0) u = (u + 1) & mask;
          table[u] = c + 1;
        }
      }
    }
    up[j] = found; // the entry's pair, until markEntries makes it its node
    ph = h;
    pp = p;
    ps = s;
    pl = l;
    pd = found;
  }
  return d;
}

/**
 * Order a level's distinct pairs by the node above them (a counting pass
 * that carries the hash, start, length and pair along).
 *
 * @returns Where each group starts (`span + 1` entries).
 */
function groupByParent(count: number, base: number, span: number, E: LevelEntries): Int32Array {
  const { dp, dh, da, dl, sh, ss, sl, sj } = E;
  const groups = E.groupSpace(span);
  for (let d = 0; d < count; d++) groups[dp[d] - base + 1]++;
  for (let g = 1; g <= span; g++) groups[g] += groups[g - 1];
  const at = E.at;
  at.set(groups.subarray(0, span));
  for (let d = 0; d < count; d++) {
    const r = at[dp[d] - base]++;
    sh[r] = dh[d];
    ss[r] = da[d];
    sl[r] = dl[d];
    sj[r] = d;
  }
  return groups;
}

/** Sort each group by hash: insertion for small groups, native for middle ones, radix for big ones. */
function sortGroups(groups: Int32Array, span: number, E: LevelEntries): void {
  const { sh, ss, sl, sj } = E;
  let { th, ts, tl, tj, keys } = E;
  for (let g = 0; g < span; g++) {
    const g0 = groups[g], g1 = groups[g + 1], n = g1 - g0;
    if (n <= 1) continue;
    if (n <= INSERTION_MAX) {
      for (let r = g0 + 1; r < g1; r++) {
        const h = sh[r], hs = ss[r], hl = sl[r], hj = sj[r];
        const hu = h >>> 0;
        let q = r - 1;
        while (q >= g0 && (sh[q] >>> 0) > hu) {
          sh[q + 1] = sh[q];
          ss[q + 1] = ss[q];
          sl[q + 1] = sl[q];
          sj[q + 1] = sj[q];
          q--;
        }
        sh[q + 1] = h;
        ss[q + 1] = hs;
        sl[q + 1] = hl;
        sj[q + 1] = hj;
      }
      continue;
    }
    if (n <= NATIVE_SORT_MAX) {
      E.growScratch(n);
      ({ th, ts, tl, tj, keys } = E);
      for (let k = 0; k < n; k++) keys[k] = (sh[g0 + k] >>> 0) * NATIVE_SORT_MAX + k;
      keys.subarray(0, n).sort();
      for (let k = 0; k < n; k++) {
        const src = g0 + (keys[k] % NATIVE_SORT_MAX);
        th[k] = sh[src];
        ts[k] = ss[src];
        tl[k] = sl[src];
        tj[k] = sj[src];
      }
      sh.set(th.subarray(0, n), g0);
      ss.set(ts.subarray(0, n), g0);
      sl.set(tl.subarray(0, n), g0);
      sj.set(tj.subarray(0, n), g0);
      continue;
    }
    // Two 16-bit radix passes, there and back.
    E.growScratch(n);
    ({ th, ts, tl, tj, keys } = E);
    if (E.counts.length === 0) E.counts = new Int32Array(65536);
    const cnt = E.counts;
    cnt.fill(0);
    for (let r = g0; r < g1; r++) cnt[sh[r] & 0xffff]++;
    for (let d = 0, sum = 0; d < 65536; d++) {
      const c = cnt[d];
      cnt[d] = sum;
      sum += c;
    }
    for (let r = g0; r < g1; r++) {
      const k = cnt[sh[r] & 0xffff]++;
      th[k] = sh[r];
      ts[k] = ss[r];
      tl[k] = sl[r];
      tj[k] = sj[r];
    }
    cnt.fill(0);
    for (let k = 0; k < n; k++) cnt[th[k] >>> 16]++;
    for (let d = 0, sum = 0; d < 65536; d++) {
      const c = cnt[d];
      cnt[d] = sum;
      sum += c;
    }
    for (let k = 0; k < n; k++) {
      const r = g0 + cnt[th[k] >>> 16]++;
      sh[r] = th[k];
      ss[r] = ts[k];
      sl[r] = tl[k];
      sj[r] = tj[k];
    }
  }
}

/** Each distinct pair becomes a node, in record order: by node above, hash, then bytes (shorter first). */
function makeNodes(b: Uint8Array, groups: Int32Array, base: number, span: number, E: LevelEntries, nodes: NodeArrays): void {
  const { sh, ss, sl, sj, nodeOf } = E;
  const count = groups[span];
  nodes.reserve(count);
  const { parent, hash, nameStart, nameLen } = nodes;
  const first = nodes.count;
  for (let g = 0; g < span; g++) {
    const end = groups[g + 1];
    for (let r0 = groups[g]; r0 < end;) {
      // Distinct names with the same hash (rare): order them by bytes.
      let r1 = r0 + 1;
      while (r1 < end && sh[r1] === sh[r0]) r1++;
      if (r1 - r0 > 1) sortRunByBytes(b, r0, r1, E);
      for (let r = r0; r < r1; r++) {
        const id = first + r;
        parent[id] = base + g;
        hash[id] = sh[r];
        nameStart[id] = ss[r];
        nameLen[id] = sl[r];
        nodeOf[sj[r]] = id;
      }
      r0 = r1;
    }
  }
  nodes.count = first + count;
}

/** Each entry learns its node; the last component of a name marks it as a mailbox with its extras. */
function markEntries(
  m: number,
  E: LevelEntries,
  nodes: NodeArrays,
  act: Int32Array,
  up: Int32Array,
  extras: Uint8Array | undefined,
): void {
  const { flags, nodeOf } = E;
  const { state, statusOf } = nodes;
  for (let j = 0; j < m; j++) {
    const id = nodeOf[up[j]];
    up[j] = id;
    if ((flags[j] & (LAST | PARENT_ONLY)) !== LAST) continue;
    state[id] |= LEAF;
    if (extras !== undefined) {
      const i = act[j], x = extras[i];
      if ((x & EXTRA_NOSELECT) !== 0) state[id] |= NOSELECT;
      if ((x & EXTRA_STATUS) !== 0 && i > statusOf![id]) statusOf![id] = i;
    }
  }
}

/** Order a run of equal hashes by the names' bytes (insertion; such runs are rare and short). */
function sortRunByBytes(b: Uint8Array, r0: number, r1: number, E: LevelEntries): void {
  const { ss, sl, sj } = E;
  for (let r = r0 + 1; r < r1; r++) {
    const s = ss[r], l = sl[r], j = sj[r];
    let q = r - 1;
    while (q >= r0 && compareBytes(b, ss[q], ss[q] + sl[q], b, s, s + l) > 0) {
      ss[q + 1] = ss[q];
      sl[q + 1] = sl[q];
      sj[q + 1] = sj[q];
      q--;
    }
    ss[q + 1] = s;
    sl[q + 1] = l;
    sj[q + 1] = j;
  }
}

/**
 * Working memory for building units one after another in one thread: the
 * arrays a build needs only while it runs, kept at the largest size needed
 * so far. Units built with the same scratch must be built one at a time
 * (what they keep for writing is their own).
 *
 * @example Two units, one scratch
 * ```ts
 * import { readNames } from "./input.ts";
 * import { BuildScratch, TreeUnit } from "./tree_build.ts";
 * const names = await readNames(["a/b", "c"], false);
 * const scratch = new BuildScratch();
 * const limits = { maxComponentLength: 255, maxDepth: 255, maxNameLength: 4096 };
 * const one = new TreeUnit(names, 0x2f, limits, scratch).build(Int32Array.of(0), 1, 0);
 * const two = new TreeUnit(names, 0x2f, limits, scratch).build(Int32Array.of(1), 1, 0);
 * console.log(one.records, two.records); // 2 1
 * ```
 */
export class BuildScratch {
  /** The level arrays and the rest. */
  readonly levels: LevelEntries = new LevelEntries();
}

/**
 * One unit: built from some names, measured, then written.
 *
 * @example Build the whole tree of three names as one unit
 * ```ts
 * import { readNames } from "./input.ts";
 * import { TreeUnit } from "./tree_build.ts";
 * const names = await readNames(["INBOX", "Archive/2009", "Archive/2010"], false);
 * const unit = new TreeUnit(names, 0x2f, { maxComponentLength: 255, maxDepth: 255, maxNameLength: 4096 });
 * const m = unit.build(null, names.count, 0);
 * console.log(m.records, m.sliceCount); // 4 2
 * ```
 */
export class TreeUnit {
  readonly #names: NameTable;
  readonly #sep: number;
  readonly #limits: TreeLimits;
  readonly #scratch: BuildScratch;
  // Per node, numbered level by level (node 0 is the unit's top: the directory the slice belongs to).
  #nodes = 0;
  #hash: Uint32Array = new Uint32Array(0);
  #nameStart: Uint32Array = new Uint32Array(0);
  #nameLen: Uint32Array = new Uint32Array(0);
  #state: Uint8Array = new Uint8Array(0);
  #statusOf: Int32Array | undefined;
  #parent: Int32Array = new Int32Array(0);
  /** The nodes' names (`#nameStart` points here). */
  #arena: Uint8Array = new Uint8Array(0);
  // Children of node p are the nodes #childStart[p] .. #childStart[p + 1] - 1.
  #childStart: Int32Array = new Int32Array(0);
  // Pre-order rank of each node (its UID minus the unit's first UID), and each directory's offset in the region.
  #rank: Int32Array = new Int32Array(0);
  #dirOff: Int32Array = new Int32Array(0);
  #measure: UnitMeasure | undefined;

  /**
   * @param names The names (shared or not).
   * @param separator The separator byte.
   * @param limits Name limits.
   * @param scratch Working memory to use, shared with units built before and after this one in the same thread (not at the same time).
   */
  constructor(names: NameTable, separator: number, limits: TreeLimits, scratch: BuildScratch = new BuildScratch()) {
    this.#names = names;
    this.#sep = separator;
    this.#limits = limits;
    this.#scratch = scratch;
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
    const { starts, extras, status } = this.#names;
    let b = this.#names.bytes;
    const sep = this.#sep;
    const levelsLeft = this.#limits.maxDepth - skip;
    const bad: InvalidName[] = [];
    const E = this.#scratch.levels;
    E.prepare(count);
    // The names still active, in input order: index, next component, end, node of the level above.
    const { act, pos, ends, up } = E;
    // A share of names lies scattered over the input: it is copied together (each name
    // while its bytes are in cache from finding where its components start), so that
    // every level reads it in order instead of missing the cache per name.
    let own: Uint8Array | undefined;
    if (ids !== null) {
      let most = 0; // the names' whole lengths: room enough for what is copied
      for (let k = 0; k < count; k++) most += starts[ids[k] + 1] - starts[ids[k]];
      own = E.ownBytes(most);
    }
    const maxName = this.#limits.maxNameLength;
    let m = 0, at = 0;
    for (let k = 0; k < count; k++) {
      const i = ids === null ? k : ids[k];
      const e = starts[i + 1] - 1;
      let p = starts[i];
      if (e - p > maxName) {
        reject(bad, i, INVALID_LENGTH, e - p);
        continue;
      }
      for (let c = 0; c < skip; c++) {
        while (p < e && b[p] === sep) p++;
        while (p < e && b[p] !== sep) p++;
      }
      while (p < e && b[p] === sep) p++;
      if (p >= e) {
        if (skip === 0) reject(bad, i, INVALID_EMPTY, 0);
        continue;
      }
      act[m] = i;
      if (own === undefined) {
        pos[m] = p;
        ends[m] = e;
      } else {
        pos[m] = at;
        for (let q = p; q < e; q++) own[at++] = b[q];
        ends[m] = at;
      }
      m++;
    }
    up.fill(0, 0, m); // every name starts below the unit's top, node 0
    if (own !== undefined) b = own;
    const nodes = new NodeArrays(m + (m >>> 2) + 16, status !== undefined);
    const arena = new NameArena(m * 16);
    let levelFirst = 0, levelEnd = 1; // the nodes of the level above
    for (let level = 0; m > 0; level++) {
      const span = levelEnd - levelFirst;
      const maxLen = this.#limits.maxComponentLength;
      const distinct = scanLevel(b, ends, sep, maxLen, level + 1 >= levelsLeft, act, pos, up, m, E, arena, bad);
      const groups = groupByParent(distinct, levelFirst, span, E);
      sortGroups(groups, span, E);
      const first = nodes.count;
      makeNodes(arena.bytes, groups, levelFirst, span, E, nodes);
      markEntries(m, E, nodes, act, up, extras);
      // Names with more components go on to the next level, in input order.
      const flags = E.flags;
      let m2 = 0;
      for (let j = 0; j < m; j++) {
        if ((flags[j] & LAST) !== 0) continue;
        act[m2] = act[j];
        pos[m2] = pos[j];
        ends[m2] = ends[j];
        up[m2] = up[j];
        m2++;
      }
      m = m2;
      levelFirst = first;
      levelEnd = nodes.count;
    }
    if (bad.length > 0) return bad[0];
    const n = nodes.count;
    this.#nodes = n;
    this.#hash = nodes.hash;
    this.#nameStart = nodes.nameStart;
    this.#nameLen = nodes.nameLen;
    this.#state = nodes.state;
    this.#statusOf = nodes.statusOf;
    this.#parent = nodes.parent;
    this.#arena = arena.bytes;
    // Children are contiguous and numbered in parent order: node p's are start[p] .. start[p + 1] - 1.
    const parent = nodes.parent;
    const start = new Int32Array(n + 1);
    for (let id = 1; id < n; id++) start[parent[id] + 1]++;
    for (let p = 1; p <= n; p++) start[p] += start[p - 1];
    for (let p = 0; p <= n; p++) start[p] += 1;
    this.#childStart = start;
    return undefined;
  }

  /** UIDs and directory offsets in depth-first pre-order, from subtree sizes (two linear passes). */
  #layout(): UnitMeasure {
    const n = this.#nodes;
    const start = this.#childStart, nameLen = this.#nameLen;
    // Bottom-up (children have higher numbers than their parent): subtree records and directory bytes.
    // Working arrays from the scratch (the levels are done with them).
    const E = this.#scratch.levels;
    E.prepare(n);
    const size = E.act.fill(1, 0, n);
    const dirBytes = E.pos.fill(0, 0, n);
    if (E.sub.length < n) E.sub = new Float64Array(Math.max(n, E.sub.length + (E.sub.length >>> 1)));
    const sub = E.sub.fill(0, 0, n);
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
    const src = this.#arena;
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

/**
 * The working memory of building one rebuild unit (src/rebuild/tree_build.ts):
 * the nodes as levels add them ({@linkcode NodeArrays}), one level's entries
 * and distinct (node above, name) pairs with their sorting scratch
 * ({@linkcode LevelEntries}), the bytes of the distinct names
 * ({@linkcode NameArena}), and what a worker keeps from unit to unit
 * ({@linkcode BuildScratch}). Everything is typed arrays, grown to the
 * largest need and kept, with no object per name.
 *
 * @module
 */

/**
 * Node state bit: the node was reported as a name (not only implied as a parent).
 *
 * @example Marking a node reported
 * ```ts
 * import { LEAF, NodeArrays } from "./build_memory.ts";
 * const nodes = new NodeArrays(4, false);
 * nodes.state[0] |= LEAF;
 * console.log(nodes.state[0]); // 1
 * ```
 */
export const LEAF = 1;
/**
 * Node state bit: a name reported the node as not selectable.
 *
 * @example Marking a node not selectable
 * ```ts
 * import { NodeArrays, NOSELECT } from "./build_memory.ts";
 * const nodes = new NodeArrays(4, false);
 * nodes.state[0] |= NOSELECT;
 * console.log(nodes.state[0]); // 2
 * ```
 */
export const NOSELECT = 2;

/**
 * Entry flag: this component is the last of its name.
 *
 * @example A last component
 * ```ts
 * import { LAST } from "./build_memory.ts";
 * console.log((LAST & 1) !== 0); // true
 * ```
 */
export const LAST = 1;
/**
 * Entry flag: the name ends with a separator (declares a parent only).
 *
 * @example A parent-only declaration ends its name
 * ```ts
 * import { LAST, PARENT_ONLY } from "./build_memory.ts";
 * const flags = LAST | PARENT_ONLY;
 * console.log((flags & (LAST | PARENT_ONLY)) === LAST); // false
 * ```
 */
export const PARENT_ONLY = 2;

/**
 * Groups of distinct pairs up to this size are sorted by insertion.
 *
 * @example The largest group sorted by insertion
 * ```ts
 * import { INSERTION_MAX } from "./build_memory.ts";
 * console.log(INSERTION_MAX); // 24
 * ```
 */
export const INSERTION_MAX = 24;
/**
 * Groups up to this size are sorted natively as (hash, position) numbers; larger ones by radix.
 *
 * @example The largest group sorted natively
 * ```ts
 * import { NATIVE_SORT_MAX } from "./build_memory.ts";
 * console.log(NATIVE_SORT_MAX); // 65536
 * ```
 */
export const NATIVE_SORT_MAX = 1 << 16;

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

/**
 * The nodes of a unit, growing as levels are added: node 0 is the unit's
 * top; per node its parent, name hash, name (in the {@linkcode NameArena})
 * and state ({@linkcode LEAF}, {@linkcode NOSELECT}), and with scanner
 * records the name whose STATUS it takes.
 *
 * @example Room for more nodes keeps the ones there
 * ```ts
 * import { NodeArrays } from "./build_memory.ts";
 * const nodes = new NodeArrays(2, false);
 * nodes.hash[0] = 7;
 * nodes.reserve(10);
 * console.log(nodes.hash.length >= 11, nodes.hash[0]); // true 7
 * ```
 */
export class NodeArrays {
  count = 1; // node 0: the unit's top
  parent: Int32Array;
  hash: Uint32Array;
  nameStart: Uint32Array;
  nameLen: Uint32Array;
  state: Uint8Array;
  statusOf: Int32Array | undefined;

  /**
   * @param cap Nodes to make room for.
   * @param withStatus Whether nodes take STATUS figures (the names have scanner records).
   */
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
 *
 * @example Ready for a unit of 100 names
 * ```ts
 * import { LevelEntries } from "./build_memory.ts";
 * const E = new LevelEntries();
 * E.prepare(100);
 * console.log(E.act.length >= 100, E.table.length); // true 1024
 * ```
 */
export class LevelEntries {
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

  /**
   * Room for sorting a group of `n` pairs out of place, and for its sort
   * keys when it is sorted natively: the keys are sized on their own, since
   * a radix-sorted group before may have grown the rest past `n` already.
   */
  growScratch(n: number): void {
    if (this.th.length < n) {
      this.th = new Int32Array(n);
      this.ts = new Int32Array(n);
      this.tl = new Int32Array(n);
      this.tj = new Int32Array(n);
    }
    if (n <= NATIVE_SORT_MAX && this.keys.length < n) this.keys = new Float64Array(n);
  }
}


/**
 * The bytes of every distinct name of a unit, each copied once when its
 * node is made: names are compared and written from here rather than from
 * scattered places in the input.
 *
 * @example Two names copied in
 * ```ts
 * import { NameArena } from "./build_memory.ts";
 * const arena = new NameArena(0);
 * const src = new TextEncoder().encode("INBOX/Sent");
 * console.log(arena.add(src, 0, 5), arena.add(src, 6, 4), arena.used); // 0 5 9
 * ```
 */
export class NameArena {
  bytes: Uint8Array;
  used = 0;

  /** @param size Bytes to start with (at least 256). */
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
 * Working memory for building units one after another in one thread: the
 * arrays a build needs only while it runs, kept at the largest size needed
 * so far. Units built with the same scratch must be built one at a time
 * (what they keep for writing is their own).
 *
 * @example Two units, one scratch
 * ```ts
 * import { readNames } from "./input.ts";
 * import { BuildScratch } from "./build_memory.ts";
 * import { TreeUnit } from "./tree_build.ts";
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

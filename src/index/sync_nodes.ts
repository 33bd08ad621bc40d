/**
 * The nodes of one sync, in typed arrays (no object per node): node 0 is
 * the root; the others are existing records on the paths of new names
 * (turned into nodes so that their new children hang somewhere) and the new
 * records. New children are found by (parent node, hash) in an
 * open-addressing table, their names kept in one byte pool.
 *
 * @module
 */
import { compareBytes } from "../format/name_hash.ts";

/**
 * No node (an empty link or table slot).
 *
 * @example The end of a list of new children
 * ```ts
 * import { NO_NODE, NodeStore } from "./sync_nodes.ts";
 * console.log(new NodeStore().firstNew[0] === NO_NODE); // true
 * ```
 */
export const NO_NODE = -1;
/**
 * Node state bit: a new record.
 *
 * @example A new node
 * ```ts
 * import { N_NEW, NodeStore } from "./sync_nodes.ts";
 * const nodes = new NodeStore();
 * const id = nodes.createNew(0, 7, new Uint8Array([97]), 0, 1, 1, 1);
 * console.log((nodes.state[id] & N_NEW) !== 0); // true
 * ```
 */
export const N_NEW = 1;
/**
 * Node state bit: a new record reported as a mailbox (not only as a parent).
 *
 * @example A new parent is not a leaf
 * ```ts
 * import { N_LEAF, NodeStore } from "./sync_nodes.ts";
 * const nodes = new NodeStore();
 * const id = nodes.createNew(0, 7, new Uint8Array([97]), 0, 1, 1, 1);
 * console.log((nodes.state[id] & N_LEAF) !== 0); // false
 * ```
 */
export const N_LEAF = 2;
/**
 * Node state bit: the node's subtree gets a new record, so its directory
 * (or one under it) is laid out again.
 *
 * @example The root is dirty once it has a new child
 * ```ts
 * import { N_DIRTY, NodeStore } from "./sync_nodes.ts";
 * const nodes = new NodeStore();
 * nodes.createNew(0, 7, new Uint8Array([97]), 0, 1, 1, 1);
 * console.log((nodes.state[0] & N_DIRTY) !== 0); // true
 * ```
 */
export const N_DIRTY = 4;
/**
 * Node state bit: an existing record that a rename (SPEC §11) placed under
 * a new parent or gave a new name. It is written as a new record of its
 * new parent's directory, with its own UID and child directory.
 *
 * @example A moved record
 * ```ts
 * import { N_MOVED, NodeStore } from "./sync_nodes.ts";
 * const nodes = new NodeStore(), name = new Uint8Array([98]);
 * const id = nodes.addExisting(0, 40, 7, 3, 1);
 * nodes.relink(id, 0, 8, name, 0, 1, 1);
 * console.log((nodes.state[id] & N_MOVED) !== 0, nodes.uid[id]); // true 3
 * ```
 */
export const N_MOVED = 8;
/**
 * Node state bit: the node was dropped from the tree (a placeholder a
 * rename emptied or took over, or a record under a deleted one).
 *
 * @example Drop a new node
 * ```ts
 * import { N_GONE, NodeStore } from "./sync_nodes.ts";
 * const nodes = new NodeStore();
 * const id = nodes.createNew(0, 7, new Uint8Array([97]), 0, 1, 1, 1);
 * nodes.drop(id);
 * console.log((nodes.state[id] & N_GONE) !== 0, nodes.newCount); // true 0
 * ```
 */
export const N_GONE = 16;

/**
 * The node store of one sync.
 *
 * @example Create a new child of the root and find it again
 * ```ts
 * import { NodeStore } from "./sync_nodes.ts";
 * const nodes = new NodeStore();
 * const name = new TextEncoder().encode("INBOX");
 * const id = nodes.createNew(0, 0x76bace76, name, 0, name.length, 1, 1);
 * console.log(nodes.findNew(0, 0x76bace76, name, 0, name.length) === id, nodes.newCount); // true 1
 * ```
 */
export class NodeStore {
  private cap = 256;
  /** Nodes in use (node 0 is the root). */
  count = 1;
  /** New records among them. */
  newCount = 0;
  /** Parent node. */
  parent: Int32Array = new Int32Array(this.cap);
  /** Offset of the existing record (0: the root or a new record). */
  rec: Int32Array = new Int32Array(this.cap);
  /** Name hash. */
  hash: Uint32Array = new Uint32Array(this.cap);
  /** UID. */
  uid: Uint32Array = new Uint32Array(this.cap);
  /** Where a new record's name starts in {@linkcode NodeStore.pool}. */
  nameStart: Uint32Array = new Uint32Array(this.cap);
  /** Length of a new record's name. */
  nameLen: Uint32Array = new Uint32Array(this.cap);
  /** First new child (a list through {@linkcode NodeStore.nextNew}). */
  firstNew: Int32Array = new Int32Array(this.cap).fill(NO_NODE);
  /** Next new sibling. */
  nextNew: Int32Array = new Int32Array(this.cap).fill(NO_NODE);
  /** First child that is an existing record (a list through {@linkcode NodeStore.nextSub}). */
  firstSub: Int32Array = new Int32Array(this.cap).fill(NO_NODE);
  /** Next such sibling. */
  nextSub: Int32Array = new Int32Array(this.cap).fill(NO_NODE);
  /** `N_*` bits. */
  state: Uint8Array = new Uint8Array(this.cap);
  /** Level (1 = a child of the root; at most 255). */
  level: Uint8Array = new Uint8Array(this.cap);
  /** Offset of the node's directory written by this commit (0: none). */
  dirOff: Uint32Array = new Uint32Array(this.cap);
  /** Names of new records. */
  pool: Uint8Array = new Uint8Array(4096);
  private poolUsed = 0;
  /** Open-addressing table of new children: key (parent node, hash). */
  private table = new Int32Array(1024).fill(NO_NODE);
  private tableUsed = 0;

  /**
   * A node for an existing record, as a child of `parent`.
   *
   * @param parent Parent node.
   * @param rec Offset of the record.
   * @param hash Its name hash.
   * @param uid Its UID.
   * @param level Its level.
   * @returns The node.
   */
  addExisting(parent: number, rec: number, hash: number, uid: number, level: number): number {
    const id = this.alloc();
    this.parent[id] = parent;
    this.rec[id] = rec;
    this.hash[id] = hash;
    this.uid[id] = uid;
    this.level[id] = Math.min(level, 255);
    this.nextSub[id] = this.firstSub[parent];
    this.firstSub[parent] = id;
    return id;
  }

  /**
   * A new record named `b[s, e)` under `parent`; the path to the root is
   * marked dirty.
   *
   * @param parent Parent node.
   * @param hash The name's hash.
   * @param b Bytes holding the name.
   * @param s Start of the name.
   * @param e End of the name.
   * @param level Its level.
   * @param uid Its UID.
   * @returns The node.
   */
  createNew(parent: number, hash: number, b: Uint8Array, s: number, e: number, level: number, uid: number): number {
    const id = this.alloc();
    this.rec[id] = 0;
    this.uid[id] = uid;
    this.state[id] = N_NEW;
    this.newCount++;
    this.place(id, parent, hash, b, s, e, level);
    return id;
  }

  /**
   * Move a node under `parent` with the name `b[s, e)` (a rename, SPEC
   * §11): it leaves its parent's lists and becomes a new child of
   * `parent`, with everything under it. An existing record becomes
   * {@linkcode N_MOVED}; a new one stays new. The new path to the root is
   * marked dirty.
   *
   * @param id The node.
   * @param parent Its new parent node.
   * @param hash Hash of its new name.
   * @param b Bytes holding the new name (may be the pool itself).
   * @param s Start of the name.
   * @param e End of the name.
   * @param level Its new level.
   */
  relink(id: number, parent: number, hash: number, b: Uint8Array, s: number, e: number, level: number): void {
    this.unlink(id);
    if ((this.state[id] & N_NEW) === 0) this.state[id] |= N_MOVED;
    this.place(id, parent, hash, b, s, e, level);
  }

  /**
   * Drop a node from the tree: it leaves its parent's lists and is never
   * found or written again (a new node no longer counts as added).
   *
   * @param id The node.
   */
  drop(id: number): void {
    this.unlink(id);
    if ((this.state[id] & N_NEW) !== 0) this.newCount--;
    this.state[id] = (this.state[id] & ~(N_NEW | N_MOVED)) | N_GONE;
    this.parent[id] = NO_NODE;
  }

  /** Give node `id` its name, hash and level, and make it the first new child of `parent`. */
  private place(id: number, parent: number, hash: number, b: Uint8Array, s: number, e: number, level: number): void {
    const len = e - s;
    if (this.poolUsed + len > this.pool.length) {
      const p = new Uint8Array(Math.max(this.pool.length * 2, this.poolUsed + len + 1024));
      p.set(this.pool.subarray(0, this.poolUsed));
      this.pool = p;
    }
    this.pool.set(b.subarray(s, e), this.poolUsed);
    this.nameStart[id] = this.poolUsed;
    this.nameLen[id] = len;
    this.poolUsed += len;
    this.parent[id] = parent;
    this.hash[id] = hash;
    this.level[id] = Math.min(level, 255);
    this.nextNew[id] = this.firstNew[parent];
    this.firstNew[parent] = id;
    // Table insert (grow at half load).
    if ((this.tableUsed + 1) * 2 > this.table.length) this.growTable();
    this.tableInsert(id);
    // Mark the path to the root dirty: its directories are laid out again.
    const state = this.state;
    for (let p = parent; p !== NO_NODE && (state[p] & N_DIRTY) === 0; p = p === 0 ? NO_NODE : this.parent[p]) {
      state[p] |= N_DIRTY;
    }
  }

  /** Take node `id` out of its parent's list of new children, or of existing ones. */
  private unlink(id: number): void {
    const parent = this.parent[id];
    if (parent === NO_NODE) return;
    const isNew = (this.state[id] & (N_NEW | N_MOVED)) !== 0;
    const first = isNew ? this.firstNew : this.firstSub, next = isNew ? this.nextNew : this.nextSub;
    if (first[parent] === id) first[parent] = next[id];
    else {
      let c = first[parent];
      while (c !== NO_NODE && next[c] !== id) c = next[c];
      if (c !== NO_NODE) next[c] = next[id];
    }
    next[id] = NO_NODE;
  }

  /**
   * The new child of `parent` named `b[s, e)`.
   *
   * @param parent Parent node.
   * @param hash The name's hash.
   * @param b Bytes holding the name.
   * @param s Start of the name.
   * @param e End of the name.
   * @returns The node, or {@linkcode NO_NODE}.
   */
  findNew(parent: number, hash: number, b: Uint8Array, s: number, e: number): number {
    if (this.firstNew[parent] === NO_NODE) return NO_NODE;
    const table = this.table, mask = table.length - 1;
    for (let i = this.slot(parent, hash);; i = (i + 1) & mask) {
      const id = table[i];
      if (id === NO_NODE) return NO_NODE;
      if (
        this.parent[id] === parent && this.hash[id] === hash &&
        compareBytes(this.pool, this.nameStart[id], this.nameStart[id] + this.nameLen[id], b, s, e) === 0
      ) return id;
    }
  }

  /**
   * Compare the names of two new records as bytes (the order of records
   * with equal hashes).
   *
   * @param a A new node.
   * @param b Another.
   * @returns Negative, 0 or positive.
   */
  compareNames(a: number, b: number): number {
    const pool = this.pool, start = this.nameStart, len = this.nameLen;
    return compareBytes(pool, start[a], start[a] + len[a], pool, start[b], start[b] + len[b]);
  }

  private alloc(): number {
    if (this.count === this.cap) this.grow();
    return this.count++;
  }

  private grow(): void {
    const cap = this.cap * 2;
    const gi = (a: Int32Array, fill: boolean) => {
      const n = new Int32Array(cap);
      if (fill) n.fill(NO_NODE);
      n.set(a);
      return n;
    };
    const gu = (a: Uint32Array) => {
      const n = new Uint32Array(cap);
      n.set(a);
      return n;
    };
    const g8 = (a: Uint8Array) => {
      const n = new Uint8Array(cap);
      n.set(a);
      return n;
    };
    this.parent = gi(this.parent, false);
    this.rec = gi(this.rec, false);
    this.hash = gu(this.hash);
    this.uid = gu(this.uid);
    this.nameStart = gu(this.nameStart);
    this.nameLen = gu(this.nameLen);
    this.firstNew = gi(this.firstNew, true);
    this.nextNew = gi(this.nextNew, true);
    this.firstSub = gi(this.firstSub, true);
    this.nextSub = gi(this.nextSub, true);
    this.state = g8(this.state);
    this.level = g8(this.level);
    this.dirOff = gu(this.dirOff);
    this.cap = cap;
  }

  private slot(parent: number, hash: number): number {
    let h = Math.imul(parent ^ 0x9e3779b9, 0x85ebca6b) ^ hash;
    h = Math.imul(h ^ (h >>> 15), 0xc2b2ae35);
    return (h ^ (h >>> 13)) & (this.table.length - 1);
  }

  private tableInsert(id: number): void {
    const mask = this.table.length - 1;
    let i = this.slot(this.parent[id], this.hash[id]);
    while (this.table[i] !== NO_NODE) i = (i + 1) & mask;
    this.table[i] = id;
    this.tableUsed++;
  }

  private growTable(): void {
    const old = this.table;
    this.table = new Int32Array(old.length * 2).fill(NO_NODE);
    this.tableUsed = 0;
    for (let i = 0; i < old.length; i++) if (old[i] !== NO_NODE) this.tableInsert(old[i]);
  }
}

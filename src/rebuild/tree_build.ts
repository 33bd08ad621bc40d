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
import { INVALID_EMPTY, INVALID_LENGTH, type TreeLimits } from "../format/limits.ts";
import { alignUp, encodeOffset, OFFSET_MARKER } from "../format/offset.ts";
import { dirImageSize, RECORD_SIZE, recordAt, writeDirHeader, writeRecord, writeRecordName } from "../format/record.ts";
import { BuildScratch, LAST, LEAF, type LevelEntries, NameArena, NodeArrays, NOSELECT } from "./build_memory.ts";
import { markEntries, makeLevelNodes } from "./level_order.ts";
import { reject, scanLevel } from "./level_scan.ts";
import { writeRebuiltEntry } from "./entry.ts";
import type { NameTable } from "./names.ts";
import type { InvalidName, UnitMeasure, UnitPlacement } from "./unit.ts";

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

  /**
   * The entries of the first level: each name's part below the unit's top,
   * in input order (`E.act`, `E.pos`, `E.ends`); names that are too long or
   * empty are rejected. A share of names lies scattered over the input: it
   * is copied together (each name while its bytes are in cache from finding
   * where its components start), so that every level reads it in order
   * instead of missing the cache per name.
   *
   * @returns The bytes the entries point into, and their number.
   */
  #gather(
    ids: Int32Array | null,
    count: number,
    skip: number,
    E: LevelEntries,
    bad: InvalidName[],
  ): { bytes: Uint8Array; entries: number } {
    const { starts, bytes: b } = this.#names;
    const sep = this.#sep;
    const { act, pos, ends, up } = E;
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
    return { bytes: own ?? b, entries: m };
  }

  /** Make the nodes, one level at a time; the first invalid name (lowest index), if any. */
  #buildLevels(ids: Int32Array | null, count: number, skip: number): InvalidName | undefined {
    const bad: InvalidName[] = [];
    const E = this.#scratch.levels;
    E.prepare(count);
    const { bytes: b, entries } = this.#gather(ids, count, skip, E, bad);
    // The names still active, in input order: index, next component, end, node of the level above.
    const { act, pos, ends, up } = E;
    const sep = this.#sep, maxLen = this.#limits.maxComponentLength;
    const levelsLeft = this.#limits.maxDepth - skip;
    const nodes = new NodeArrays(entries + (entries >>> 2) + 16, this.#names.status !== undefined);
    const arena = new NameArena(entries * 16);
    let levelFirst = 0, levelEnd = 1; // the nodes of the level above
    for (let level = 0, m = entries; m > 0; level++) {
      const span = levelEnd - levelFirst;
      const distinct = scanLevel(b, ends, sep, maxLen, level + 1 >= levelsLeft, act, pos, up, m, E, arena, bad);
      const first = makeLevelNodes(arena.bytes, distinct, levelFirst, span, E, nodes);
      markEntries(m, E, nodes, act, up, this.#names.extras);
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
    this.#keep(nodes, arena);
    return undefined;
  }

  /** Keep the nodes for the layout and the writing; children are contiguous and numbered in parent order. */
  #keep(nodes: NodeArrays, arena: NameArena): void {
    const n = nodes.count;
    this.#nodes = n;
    this.#hash = nodes.hash;
    this.#nameStart = nodes.nameStart;
    this.#nameLen = nodes.nameLen;
    this.#state = nodes.state;
    this.#statusOf = nodes.statusOf;
    this.#parent = nodes.parent;
    this.#arena = arena.bytes;
    // Node p's children are start[p] .. start[p + 1] - 1.
    const parent = nodes.parent;
    const start = new Int32Array(n + 1);
    for (let id = 1; id < n; id++) start[parent[id] + 1]++;
    for (let p = 1; p <= n; p++) start[p] += start[p - 1];
    for (let p = 0; p <= n; p++) start[p] += 1;
    this.#childStart = start;
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
        const d = dirImageSize(e - s, names);
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
      const count = end - first;
      // The unit's top directory is the coordinator's: only its slice of records and names is the unit's.
      const dir = d === 0 ? 0 : regionBase + dirOff[d];
      let rec = d === 0 ? place.sliceRecordPos : recordAt(dir, 0);
      let name = d === 0 ? place.sliceNamePos : recordAt(dir, count);
      const names0 = name;
      for (let c = first; c < end; c++, rec += RECORD_SIZE) {
        const child = start[c + 1] > start[c] ? encodeOffset(regionBase + dirOff[c]) : OFFSET_MARKER;
        writeRecord(dv, rec, hash[c], firstUid + rank[c], name, child);
        name = writeRecordName(list, name, src, nameStart[c], nameStart[c] + nameLen[c]);
      }
      if (d !== 0) writeDirHeader(dv, dir, 0, dirImageSize(count, name - names0), count);
    }
    this.#writeAttributes(attr, firstUid);
  }

  #writeAttributes(attr: Uint8Array, firstUid: number): void {
    const n = this.#nodes;
    const start = this.#childStart, rank = this.#rank, state = this.#state, statusOf = this.#statusOf;
    const names = this.#names;
    const dv = new DataView(attr.buffer, attr.byteOffset, attr.byteLength);
    for (let c = 1; c < n; c++) {
      const st = state[c];
      const from = statusOf === undefined ? -1 : statusOf[c];
      writeRebuiltEntry(dv, firstUid + rank[c], start[c + 1] > start[c], (st & LEAF) !== 0, (st & NOSELECT) !== 0, names, from);
    }
  }
}

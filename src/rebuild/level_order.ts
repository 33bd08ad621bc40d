/**
 * Turning one level's distinct (node above, name) pairs into nodes, in
 * record order (SPEC §2.3: by hash, then bytes): the pairs are grouped by
 * the node above in one counting pass, each group is sorted by hash
 * (insertion, native or radix by its size) and runs of one hash by bytes,
 * and the nodes are numbered in that order, so that every node's children
 * are contiguous and in record order. Then each entry learns its node.
 *
 * @module
 */
import { compareBytes } from "../format/name_hash.ts";
import { EXTRA_ENTRY, EXTRA_NOSELECT } from "./names.ts";
import {
  INSERTION_MAX,
  LAST,
  LEAF,
  type LevelEntries,
  NATIVE_SORT_MAX,
  type NodeArrays,
  NOSELECT,
  PARENT_ONLY,
} from "./build_memory.ts";

/**
 * Make the nodes of one level from its distinct pairs, in record order: by
 * node above, then hash, then bytes (shorter first).
 *
 * @param arena The bytes the pairs' names are in (the {@linkcode NameArena}'s).
 * @param distinct Number of distinct pairs (from `scanLevel`).
 * @param base First node of the level above.
 * @param span Number of nodes of the level above.
 * @param E The level's working memory, holding the pairs.
 * @param nodes The nodes, which grow by `distinct`; `E.nodeOf` gives each pair's node.
 * @returns The first node of the new level.
 *
 * @example The children of the top, "b" and "a", made in record order
 * ```ts
 * import { hashBytes } from "../format/name_hash.ts";
 * import { LevelEntries, NodeArrays } from "./build_memory.ts";
 * import { makeLevelNodes } from "./level_order.ts";
 * const arena = new TextEncoder().encode("ba");
 * const E = new LevelEntries();
 * E.prepare(2);
 * E.dp.set([0, 0]);
 * E.dh.set([hashBytes(arena, 0, 1), hashBytes(arena, 1, 2)]);
 * E.da.set([0, 1]);
 * E.dl.set([1, 1]);
 * const nodes = new NodeArrays(4, false);
 * const first = makeLevelNodes(arena, 2, 0, 1, E, nodes);
 * console.log(first, nodes.count, E.nodeOf[0] !== E.nodeOf[1]); // 1 3 true
 * ```
 */
export function makeLevelNodes(
  arena: Uint8Array,
  distinct: number,
  base: number,
  span: number,
  E: LevelEntries,
  nodes: NodeArrays,
): number {
  const groups = groupByParent(distinct, base, span, E);
  sortGroups(groups, span, E);
  const first = nodes.count;
  makeNodes(arena, groups, base, span, E, nodes);
  return first;
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
 * Each entry learns its node; the last component of a name marks its node
 * as a mailbox ({@linkcode LEAF}), with the name's extras: not selectable
 * ({@linkcode NOSELECT}) and the last name giving its STATUS or GUID, which
 * its attribute entry takes both from.
 *
 * @param m Number of entries.
 * @param E The level's working memory (`flags` and `nodeOf`).
 * @param nodes The nodes.
 * @param act Per entry, the index of its name.
 * @param up Per entry, its pair; becomes its node.
 * @param extras The names' extras, if any.
 * @returns Nothing.
 *
 * @example A name that ends at this level marks its node
 * ```ts
 * import { LAST, LEAF, LevelEntries, NodeArrays } from "./build_memory.ts";
 * import { markEntries } from "./level_order.ts";
 * const E = new LevelEntries();
 * E.prepare(1);
 * E.flags[0] = LAST;
 * E.nodeOf[0] = 1;
 * const nodes = new NodeArrays(2, false);
 * nodes.count = 2;
 * const up = Int32Array.of(0);
 * markEntries(1, E, nodes, Int32Array.of(0), up, undefined);
 * console.log(up[0], nodes.state[1] === LEAF); // 1 true
 * ```
 */
export function markEntries(
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
      if ((x & EXTRA_ENTRY) !== 0 && i > statusOf![id]) statusOf![id] = i;
    }
  }
}


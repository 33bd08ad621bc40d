/**
 * One level of a unit build (src/rebuild/tree_build.ts), in input order:
 * each active name's component at this level is hashed (CRC-32) and
 * checked against the limits, and its distinct (node above, name) pair is
 * found, or added, in a small open-addressing table whose names are kept
 * in the {@linkcode NameArena}. Invalid names are collected with
 * {@linkcode reject}, which keeps the one with the lowest index.
 *
 * @module
 */
import { INVALID_COMPONENT, INVALID_DEPTH, INVALID_NUL } from "../format/limits.ts";
import { CRC32_TABLE } from "../format/name_hash.ts";
import { LAST, type LevelEntries, type NameArena, PARENT_ONLY } from "./build_memory.ts";
import type { InvalidName } from "./unit.ts";

/** Multipliers mixing (node above, hash) into a table slot. */
const MIX_PARENT = 0x9e3779b1 | 0;
const MIX_OUT = 0x85ebca6b | 0;

/** Whether bytes `[a, a + n)` and `[c, c + n)` of `b` are equal. */
function sameBytes(b: Uint8Array, a: number, c: number, n: number): boolean {
  for (let r = 0; r < n; r++) if (b[a + r] !== b[c + r]) return false;
  return true;
}

/**
 * Keep the invalid name with the lowest index.
 *
 * @param bad The invalid name so far (none, or one).
 * @param index Index of a name found invalid.
 * @param reason Its `INVALID_*` code.
 * @param detail Its length figure (see {@linkcode InvalidName}).
 * @returns Nothing.
 *
 * @example The lower index wins
 * ```ts
 * import { INVALID_EMPTY, INVALID_NUL } from "../format/limits.ts";
 * import { reject } from "./level_scan.ts";
 * import type { InvalidName } from "./unit.ts";
 * const bad: InvalidName[] = [];
 * reject(bad, 9, INVALID_NUL, 0);
 * reject(bad, 4, INVALID_EMPTY, 0);
 * console.log(bad.length, bad[0].index); // 1 4
 * ```
 */
export function reject(bad: InvalidName[], index: number, reason: number, detail: number): void {
  if (bad.length === 0) bad.push({ index, reason, detail });
  else if (index < bad[0].index) bad[0] = { index, reason, detail };
}

/**
 * One level, in input order: hash (CRC-32) and check each active name's
 * component, and find its distinct (node above, name) pair with a small
 * hash table, compared against the pair's copy in the arena while the
 * name's bytes are still in cache. `up[j]` becomes the entry's pair and
 * `pos[j]` the start of its next component; `E.flags[j]` says whether the
 * component is the name's last ({@linkcode LAST}) and whether the name
 * declares a parent only ({@linkcode PARENT_ONLY}).
 *
 * @param b The names' bytes.
 * @param ends Per entry, the end of its name in `b`.
 * @param sep The separator byte.
 * @param maxLen Longest component in bytes.
 * @param lastAllowed Whether this is the deepest level allowed (a deeper name is rejected).
 * @param act Per entry, the index of its name.
 * @param pos Per entry, where its component at this level starts.
 * @param up Per entry, the node above it; becomes its pair.
 * @param m Number of entries.
 * @param E The level's working memory (its pairs are written there).
 * @param arena Where the pairs' names go.
 * @param bad Receives the first invalid name.
 * @returns The number of distinct pairs.
 *
 * @example The top level of "a/b", "a/c" and "d": two distinct pairs
 * ```ts
 * import { DEFAULT_LIMITS } from "../format/limits.ts";
 * import { LevelEntries, NameArena } from "./build_memory.ts";
 * import { scanLevel } from "./level_scan.ts";
 * const b = new TextEncoder().encode("a/b a/c d");
 * const E = new LevelEntries();
 * E.prepare(3);
 * E.pos.set([0, 4, 8]);
 * E.ends.set([3, 7, 9]);
 * E.act.set([0, 1, 2]);
 * E.up.fill(0, 0, 3);
 * const d = scanLevel(b, E.ends, 0x2f, DEFAULT_LIMITS.maxComponentLength, false, E.act, E.pos, E.up, 3, E, new NameArena(0), []);
 * console.log(d, Array.from(E.up.subarray(0, 3))); // 2 [ 0, 0, 1 ]
 * ```
 */
export function scanLevel(
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

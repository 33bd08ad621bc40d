/**
 * How a parallel rebuild splits the hierarchy into units (SPEC §8), and
 * routing each name to its unit.
 *
 * A plan is a small tree of *split directories*, starting at the root. The
 * hash space of each split directory's records is cut into ranges; a range
 * is either a unit (the records of that directory whose name hash falls in
 * it, and everything below them) or a single hash value that belongs to a
 * record large enough to be split itself — INBOX, usually. Records are
 * sorted by hash first, so each unit's records form one contiguous slice of
 * its directory and its subtrees one contiguous region of the file, and the
 * layout of the whole file follows from the units' sizes alone.
 *
 * The plan is made from a sample of the names, so the split only affects
 * how evenly the work is shared, never the bytes written.
 *
 * @module
 */
import { compareBytes, CRC32_TABLE } from "../format/name_hash.ts";
import { EXTRA_ENTRY, EXTRA_NOSELECT, type NameTable } from "./names.ts";
import { nameProblem, type TreeLimits } from "../format/limits.ts";

/** Largest number of names looked at to make a plan. */
export const PLAN_SAMPLE = 8192;
/** Split directories are at most this deep. */
export const MAX_SPLIT_DEPTH = 8;

/**
 * A split of the hierarchy into units, in typed arrays (it crosses to the
 * workers as it is).
 *
 * @example The ranges of the root
 * ```ts
 * import { singleUnitPlan } from "./plan.ts";
 * const plan = singleUnitPlan();
 * console.log(plan.rangeFirst[1] - plan.rangeFirst[0], plan.rangeTarget[0]); // 1 0
 * ```
 */
export interface SplitPlan {
  /** Number of split directories; 0 is the root. */
  splitCount: number;
  /** Depth of each split directory (the root: 0). */
  splitDepth: Int32Array;
  /** Name hash of each split directory's record (root: 0). */
  splitHash: Uint32Array;
  /** The split directories' own names (their last components), back to back, so that the plan stands on its own. */
  splitNames: Uint8Array;
  /** Start of each split directory's own name in `splitNames`. */
  splitNameStart: Uint32Array;
  /** Length of that name. */
  splitNameLen: Uint32Array;
  /** Ranges of split directory `s` are `rangeFirst[s] .. rangeFirst[s + 1]` (`splitCount + 1` entries). */
  rangeFirst: Int32Array;
  /** Lowest hash of each range; a range ends where the next one starts (the last at 2^32). */
  rangeLow: Uint32Array;
  /** What each range is: a unit id (≥ 0), or `-s` for split directory `s` (≥ 1). */
  rangeTarget: Int32Array;
  /** Number of units. */
  unitCount: number;
  /** The split directory each unit's records belong to. */
  unitSplit: Int32Array;
}

/**
 * The plan of a rebuild in one unit: the whole tree.
 *
 * @returns A plan with the root as its only split directory and one unit.
 *
 * @example One unit
 * ```ts
 * import { singleUnitPlan } from "./plan.ts";
 * console.log(singleUnitPlan().unitCount); // 1
 * ```
 */
export function singleUnitPlan(): SplitPlan {
  return {
    splitCount: 1,
    splitDepth: new Int32Array(1),
    splitHash: new Uint32Array(1),
    splitNames: new Uint8Array(0),
    splitNameStart: new Uint32Array(1),
    splitNameLen: new Uint32Array(1),
    rangeFirst: Int32Array.of(0, 1),
    rangeLow: Uint32Array.of(0),
    rangeTarget: Int32Array.of(0),
    unitCount: 1,
    unitSplit: Int32Array.of(0),
  };
}

/** A node of the sample tree. */
interface SampleNode {
  start: number;
  len: number;
  hash: number;
  /** Sampled names at or below this node. */
  weight: number;
  parent: SampleNode | undefined;
  /** Children by name hash; names with the same hash are chained through `twin`. */
  children: Map<number, SampleNode>;
  twin: SampleNode | undefined;
}

function latin1(b: Uint8Array, s: number, e: number): string {
  let out = "";
  for (let i = s; i < e; i++) out += String.fromCharCode(b[i]);
  return out;
}

/** The full path of a sample node as a latin1 string of its bytes. */
function samplePath(b: Uint8Array, node: SampleNode, sep: number): string {
  const parts: string[] = [];
  for (let x: SampleNode | undefined = node; x !== undefined && x.parent !== undefined; x = x.parent) {
    parts.push(latin1(b, x.start, x.start + x.len));
  }
  return parts.reverse().join(String.fromCharCode(sep));
}

/** Sample names into a small tree; names the index cannot hold are left out. */
function sampleTree(names: NameTable, sep: number, limits: TreeLimits, sample: number): SampleNode {
  const root: SampleNode = {
    start: 0,
    len: 0,
    hash: 0,
    weight: 0,
    parent: undefined,
    children: new Map(),
    twin: undefined,
  };
  const { bytes: b, starts } = names;
  const n = names.count;
  const take = Math.min(n, sample);
  const T = CRC32_TABLE;
  const cs = new Int32Array(limits.maxDepth + 1), ce = new Int32Array(limits.maxDepth + 1);
  const ch = new Uint32Array(limits.maxDepth + 1);
  for (let k = 0; k < take; k++) {
    const i = take === n ? k : Math.floor((k * n) / take);
    const s = starts[i], e = starts[i + 1] - 1;
    if (nameProblem(b, s, e, sep, limits) !== 0) continue;
    let levels = 0;
    for (let p = s; p < e;) {
      while (p < e && b[p] === sep) p++;
      if (p >= e) break;
      let h = -1, q = p;
      while (q < e && b[q] !== sep) {
        h = T[(h ^ b[q]) & 0xff] ^ (h >>> 8);
        q++;
      }
      cs[levels] = p;
      ce[levels] = q;
      ch[levels] = h >>> 0;
      levels++;
      p = q;
    }
    let node = root;
    root.weight++;
    for (let c = 0; c < levels; c++) {
      const h = ch[c], p = cs[c], len = ce[c] - p;
      let child = node.children.get(h);
      while (child !== undefined && compareBytes(b, child.start, child.start + child.len, b, p, p + len) !== 0) {
        child = child.twin;
      }
      if (child === undefined) {
        const first = node.children.get(h);
        child = { start: p, len, hash: h, weight: 0, parent: node, children: new Map(), twin: first };
        node.children.set(h, child);
      }
      child.weight++;
      node = child;
    }
  }
  return root;
}

/**
 * Make a plan for `units` roughly even units from a sample of the names.
 * A record holding more than one unit's share of the sample is split one
 * level deeper (up to {@linkcode MAX_SPLIT_DEPTH}), unless its path is in
 * `noSplit` or another sampled record of its directory has the same hash.
 *
 * @param names The names.
 * @param separator The separator byte.
 * @param limits Name limits (invalid names are left out of the sample).
 * @param units How many units to aim for (1: one unit, no split).
 * @param noSplit Paths (latin1 of their bytes) that must not be split: their hash collides with an unsampled name.
 * @returns The plan.
 *
 * @example A skewed tree gets INBOX split
 * ```ts
 * import { DEFAULT_LIMITS } from "../format/limits.ts";
 * import { readNames } from "./input.ts";
 * import { planSplit } from "./plan.ts";
 * const list = ["Sent", ...Array.from({ length: 100 }, (_, i) => `INBOX/f${i}`)];
 * const plan = planSplit(await readNames(list, false), 0x2f, DEFAULT_LIMITS, 8);
 * console.log(plan.splitCount); // 2
 * ```
 */
export function planSplit(
  names: NameTable,
  separator: number,
  limits: TreeLimits,
  units: number,
  noSplit: ReadonlySet<string> = new Set(),
): SplitPlan {
  if (units <= 1 || names.count === 0) return singleUnitPlan();
  const root = sampleTree(names, separator, limits, PLAN_SAMPLE);
  if (root.weight === 0) return singleUnitPlan();
  const share = root.weight / units;
  const b = names.bytes;
  const splits: SampleNode[] = [root];
  const depth: number[] = [0];
  const rangeFirst: number[] = [];
  const rangeLow: number[] = [];
  const rangeTarget: number[] = [];
  const unitSplit: number[] = [];
  // Breadth-first: each split directory's ranges are contiguous.
  for (let s = 0; s < splits.length; s++) {
    rangeFirst.push(rangeLow.length);
    const kids: SampleNode[] = [];
    for (const first of splits[s].children.values()) {
      for (let x: SampleNode | undefined = first; x !== undefined; x = x.twin) kids.push(x);
    }
    kids.sort((x, y) => x.hash - y.hash || compareBytes(b, x.start, x.start + x.len, b, y.start, y.start + y.len));
    const unit = (low: number) => {
      rangeLow.push(low);
      rangeTarget.push(unitSplit.length);
      unitSplit.push(s);
    };
    let low = 0, acc = 0, lastHash = -1;
    for (let k = 0; k < kids.length; k++) {
      const c = kids[k];
      const shared = (k > 0 && kids[k - 1].hash === c.hash) || (k + 1 < kids.length && kids[k + 1].hash === c.hash);
      if (
        c.weight > share && c.weight >= 2 && c.children.size > 0 && depth[s] + 1 <= MAX_SPLIT_DEPTH &&
        !shared && (noSplit.size === 0 || !noSplit.has(samplePath(b, c, separator)))
      ) {
        if (c.hash > low) unit(low);
        rangeLow.push(c.hash);
        rangeTarget.push(-splits.length);
        splits.push(c);
        depth.push(depth[s] + 1);
        low = c.hash + 1;
        acc = 0;
      } else {
        if (acc > 0 && acc + c.weight > share && c.hash > low && c.hash !== lastHash) {
          unit(low);
          low = c.hash;
          acc = 0;
        }
        acc += c.weight;
      }
      lastHash = c.hash;
    }
    if (low <= 0xffffffff) unit(low);
  }
  rangeFirst.push(rangeLow.length);
  const splitNameStart = new Uint32Array(splits.length);
  const splitNames = new Uint8Array(splits.reduce((sum, x) => sum + x.len, 0));
  let at = 0;
  splits.forEach((x, s) => {
    splitNameStart[s] = at;
    splitNames.set(b.subarray(x.start, x.start + x.len), at);
    at += x.len;
  });
  return {
    splitCount: splits.length,
    splitDepth: Int32Array.from(depth),
    splitHash: Uint32Array.from(splits, (x) => x.hash),
    splitNames,
    splitNameStart,
    splitNameLen: Uint32Array.from(splits, (x) => x.len),
    rangeFirst: Int32Array.from(rangeFirst),
    rangeLow: Uint32Array.from(rangeLow),
    rangeTarget: Int32Array.from(rangeTarget),
    unitCount: unitSplit.length,
    unitSplit: Int32Array.from(unitSplit),
  };
}

/**
 * The full path of split directory `s` as a latin1 string of its bytes
 * (what {@linkcode planSplit}'s `noSplit` takes).
 *
 * @param plan The plan.
 * @param separator The separator byte.
 * @param s A split directory (≥ 1).
 * @returns Its path.
 *
 * @example A split that must not be made again
 * ```ts ignore
 * noSplit.add(splitPath(plan, 0x2f, 1));
 * ```
 */
export function splitPath(plan: SplitPlan, separator: number, s: number): string {
  const parts: string[] = [];
  for (let x = s; x > 0; x = parentSplit(plan, x)) {
    const st = plan.splitNameStart[x];
    parts.push(latin1(plan.splitNames, st, st + plan.splitNameLen[x]));
  }
  return parts.reverse().join(String.fromCharCode(separator));
}

/** The split directory whose range points at split directory `s`. */
function parentSplit(plan: SplitPlan, s: number): number {
  for (let p = 0; p < plan.splitCount; p++) {
    for (let r = plan.rangeFirst[p]; r < plan.rangeFirst[p + 1]; r++) if (plan.rangeTarget[r] === -s) return p;
  }
  return 0;
}

/**
 * What routing found out besides each name's unit.
 *
 * @example Names per unit, and an empty one
 * ```ts
 * import { readNames } from "./input.ts";
 * import { routeNames, singleUnitPlan } from "./plan.ts";
 * const names = await readNames(["a", "/"], false);
 * const r = routeNames(names, 0x2f, singleUnitPlan(), 0, 2, new Uint16Array(2));
 * console.log(r.counts[0], r.firstEmpty); // 1 1 (the empty name "/" designates the root)
 * ```
 */
export interface RouteResult {
  /** Names per target: units `0 .. unitCount-1`, then split directories (names that designate one). */
  counts: Int32Array;
  /** Split directories whose hash some other name of their parent also has (the plan must change). */
  collisions: number[];
  /** Per split directory: 1 when a name reports it as a mailbox (not just a parent). */
  splitLeaf: Uint8Array;
  /** Per split directory: 1 when a name reports it not selectable. */
  splitNoSelect: Uint8Array;
  /** Per split directory: the last name giving its STATUS, or -1. */
  splitStatus: Int32Array;
  /** The first name that is empty after skipping separators, or -1. */
  firstEmpty: number;
}

/**
 * Route names `[from, to)` to their units: `unitOf[i]` becomes the unit id,
 * or `unitCount + s` for a name that designates split directory `s`.
 *
 * @param names The names.
 * @param separator The separator byte.
 * @param plan The plan.
 * @param from First name.
 * @param to One past the last name.
 * @param unitOf Target per name (written for `[from, to)`).
 * @returns Counts and what the coordinator must know of split directories.
 *
 * @example Routing with the one-unit plan
 * ```ts
 * import { readNames } from "./input.ts";
 * import { routeNames, singleUnitPlan } from "./plan.ts";
 * const names = await readNames(["a", "b/c"], false);
 * const unitOf = new Uint16Array(2);
 * console.log(routeNames(names, 0x2f, singleUnitPlan(), 0, 2, unitOf).counts[0]); // 2
 * ```
 */
export function routeNames(
  names: NameTable,
  separator: number,
  plan: SplitPlan,
  from: number,
  to: number,
  unitOf: Uint16Array,
): RouteResult {
  const { bytes: b, starts, extras } = names;
  const sep = separator;
  const T = CRC32_TABLE;
  const { rangeFirst, rangeLow, rangeTarget, splitNames, splitNameStart, splitNameLen, unitCount } = plan;
  const counts = new Int32Array(unitCount + plan.splitCount);
  const collided = new Set<number>();
  const splitLeaf = new Uint8Array(plan.splitCount);
  const splitNoSelect = new Uint8Array(plan.splitCount);
  const splitStatus = new Int32Array(plan.splitCount).fill(-1);
  let firstEmpty = -1;
  for (let i = from; i < to; i++) {
    const e = starts[i + 1] - 1;
    let p = starts[i], s = 0, target = -1;
    for (;;) {
      while (p < e && b[p] === sep) p++;
      if (p >= e) {
        target = unitCount + s;
        if (s === 0) {
          if (firstEmpty < 0) firstEmpty = i;
        } else if (b[e - 1] !== sep) {
          splitLeaf[s] = 1;
          if (extras !== undefined) {
            if ((extras[i] & EXTRA_NOSELECT) !== 0) splitNoSelect[s] = 1;
            if ((extras[i] & EXTRA_ENTRY) !== 0) splitStatus[s] = i;
          }
        }
        break;
      }
      let h = -1, q = p;
      while (q < e) {
        const c = b[q];
        if (c === sep) break;
        h = T[(h ^ c) & 0xff] ^ (h >>> 8);
        q++;
      }
      h = h >>> 0;
      let lo = rangeFirst[s], hi = rangeFirst[s + 1] - 1;
      while (lo < hi) {
        const mid = (lo + hi + 1) >>> 1;
        if (rangeLow[mid] <= h) lo = mid;
        else hi = mid - 1;
      }
      const t = rangeTarget[lo];
      if (t >= 0) {
        target = t;
        break;
      }
      const c = -t, cs = splitNameStart[c];
      if (compareBytes(b, p, q, splitNames, cs, cs + splitNameLen[c]) !== 0) {
        collided.add(c);
        target = unitCount + s;
        break;
      }
      s = c;
      p = q;
    }
    unitOf[i] = target;
    counts[target]++;
  }
  return { counts, collisions: [...collided], splitLeaf, splitNoSelect, splitStatus, firstEmpty };
}

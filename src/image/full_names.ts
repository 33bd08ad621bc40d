/**
 * {@linkcode FullNameTable}: every live record of a list image numbered in
 * breadth-first order (a parent before its children), with a hash table of
 * slots that hold the UID and the number. A full sync looks each reported
 * name up — straight from the string's character codes when it is ASCII —
 * and marks the slot in a byte array of its own, so that a sync that changes
 * nothing touches no per-record object and walks no directory; readers
 * answer many lookups on one image from the same table.
 *
 * A lookup never answers with another record than the one of the name: a
 * slot is found only when the name's bytes equal the record's, whatever the
 * keys are. Each slot holds, in one cache line, its record's full length,
 * the last {@linkcode WINDOW_BYTES} bytes of its full name (the components
 * joined by the separator) and, when the name is longer, the slot of an
 * ancestor — its *anchor*, the highest one whose full name reaches into
 * those last bytes. A slot is the name's when its length and last bytes
 * equal the name's and its anchor is the slot found, the same way, for the
 * name's prefix of the anchor's length: by induction every byte of the name
 * is compared, and since no component holds the separator (an image with
 * one is not indexed), the bytes give the components. A component too long
 * for the last bytes to reach its parent is compared in the image.
 *
 * The 32-bit key of a name (`full_name_keys.ts`) only chooses where a probe
 * starts and skips most other slots; keys that collide cost a comparison,
 * never a wrong answer. The keys of every prefix come from one pass over the
 * name, so the few slots one lookup compares are loaded side by side. An
 * image whose keys cluster past a bound (or that holds one name twice) is
 * not indexed, and its callers take their general path. Building the table
 * visits every live record (`full_name_records.ts`), which checks the UIDs.
 *
 * @module
 */
import type { TreeLimits } from "../format/limits.ts";
import { recordNameOffset } from "../format/record.ts";
import {
  currentPrime,
  KEY_SEED,
  mixWord,
  nameKey,
  WINDOW_BYTES,
  WINDOW_WORDS,
  windowStart,
} from "./full_name_keys.ts";
import { growI32, liveRecords, marksOfNumbers } from "./full_name_records.ts";
import type { ListImage } from "./list_image.ts";

export { degenerateKeysForTests, plainBytes, WINDOW_BYTES } from "./full_name_keys.ts";
export { HAS_CHILDREN, MARK_LEAF, MARK_SEEN } from "./full_name_records.ts";

/** Words per slot: key, UID (0 = empty), anchor slot (-1: none), full length, then the window. */
const SLOT = 4 + WINDOW_WORDS;
/** Probe steps a build may spend past the first slot of each key, per record, before it gives up. */
const PROBE_BUDGET = 8;

/** {@linkcode FullNameTable.findString}: the name is valid and not in the image. */
export const NAME_MISSING = -1;
/**
 * {@linkcode FullNameTable.findString}: the string needs the general path —
 * not ASCII, or not a valid name (empty, a NUL, a component or depth over
 * the limits), which the general path reports.
 */
export const NAME_NOT_PLAIN = -2;

const tables = new WeakMap<ListImage, FullNameTable | null>();

// The name being looked up: its canonical bytes (components joined by one
// separator) as little-endian words from its start, after WINDOW_WORDS words
// of zeros (what a window holds before a short name), the last one padded
// with zeros; and per level the key and the length of the prefix that ends there.
let nameWords = new Int32Array(256);
let levelKeys = new Int32Array(256);
let levelEnds = new Int32Array(256);
/** Levels whose slots a lookup compares, the name's own level first, then each anchor's. */
let chain = new Int32Array(64);

/** Byte `q` of the name being looked up. */
function nameByte(q: number): number {
  return (nameWords[WINDOW_WORDS + (q >>> 2)] >>> ((q & 3) << 3)) & 0xff;
}

/**
 * Full name → record number, for one list image.
 *
 * @example Look a name up
 * ```ts ignore
 * const table = FullNameTable.of(view, 0x2f);
 * const slot = table?.findString("INBOX/Sent", DEFAULT_LIMITS) ?? NAME_MISSING;
 * if (slot >= 0) console.log(table!.uidAt(slot));
 * ```
 */
export class FullNameTable {
  /** Number of live records. */
  readonly count: number;
  /** Record offset per number. */
  readonly rec: Int32Array;
  /** Parent's number per number (-1 at the top level). */
  readonly parent: Int32Array;
  /** UID per number. */
  readonly uid: Int32Array;
  /** Level per number (1 = top level, capped at 255). */
  readonly level: Uint8Array;
  /** {@linkcode HAS_CHILDREN} per number. */
  readonly info: Uint8Array;
  /** The separator names are split at. */
  readonly separator: number;
  /** Number of slots of the hash table (a power of two). */
  readonly slotCount: number;
  /** {@linkcode SLOT} words per slot. */
  private readonly slots: Int32Array;
  /** Record number per slot. */
  private readonly numbers: Int32Array;
  private readonly mask: number;
  /** The image the records are in. */
  private readonly bytes: Uint8Array;
  private readonly dv: DataView;
  /** The most steps any slot lies past the first slot of its key: no probe goes further. */
  private reach = 0;
  /** Multiplier of the words of a name in its keys (see {@linkcode degenerateKeysForTests}). */
  private readonly prime = currentPrime();

  private constructor(
    view: ListImage,
    sep: number,
    count: number,
    arrays: { rec: Int32Array; parent: Int32Array; uid: Int32Array; level: Uint8Array; info: Uint8Array },
    size: number,
  ) {
    this.bytes = view.bytes;
    this.dv = view.dv;
    this.separator = sep;
    this.count = count;
    this.rec = arrays.rec;
    this.parent = arrays.parent;
    this.uid = arrays.uid;
    this.level = arrays.level;
    this.info = arrays.info;
    this.slotCount = size;
    this.mask = size - 1;
    this.slots = new Int32Array(size * SLOT);
    this.numbers = new Int32Array(size);
  }

  /**
   * The table of an image if something built it already (a sync, a check,
   * many lookups), without building it.
   *
   * @param view The list image.
   * @param sep Separator byte.
   * @returns The table, or undefined when none was built for this image and separator.
   *
   * @example Use a table a sync left behind
   * ```ts ignore
   * const table = FullNameTable.built(snapshot.list, 0x2f);
   * ```
   */
  static built(view: ListImage, sep: number): FullNameTable | undefined {
    const known = tables.get(view);
    return known !== undefined && known !== null && known.separator === sep ? known : undefined;
  }

  /**
   * The table of an image, built on first use and kept as long as the image.
   *
   * @param view The list image (never changed after it was read).
   * @param sep Separator byte.
   * @param expected How many live records the image probably has (sizes the arrays; 0 = unknown).
   * @returns The table, or undefined when the image is not indexed (see {@linkcode FullNameTable.build}).
   * @throws CorruptIndexError when the image is damaged (every structure and UID is checked).
   *
   * @example The table of a snapshot's list image
   * ```ts ignore
   * const table = FullNameTable.of(snapshot.list, 0x2f, snapshot.attr?.header.live);
   * ```
   */
  static of(view: ListImage, sep: number, expected = 0): FullNameTable | undefined {
    const known = tables.get(view);
    if (known === null) return undefined;
    if (known !== undefined && known.separator === sep) return known;
    const table = FullNameTable.build(view, sep, expected);
    tables.set(view, table ?? null);
    return table;
  }

  /**
   * Build the table over every live record of an image.
   *
   * @param view The list image.
   * @param sep Separator byte.
   * @param expected How many live records the image probably has (sizes the arrays; 0 = unknown).
   * @returns The table, or undefined when the image is not indexed: a component holds the
   *   separator, one full name is there twice, or the keys cluster past the probe budget.
   * @throws CorruptIndexError when the image is damaged: a structure, a directory reached
   *   twice, a UID that is 0, not below next_uid or used by two records.
   *
   * @example Build a table and count its records
   * ```ts ignore
   * const table = FullNameTable.build(view, 0x2f);
   * console.log(table?.count);
   * ```
   */
  static build(view: ListImage, sep: number, expected = 0): FullNameTable | undefined {
    const { count: n, rec, parent, uid, len, level, info } = liveRecords(view, expected);
    let size = 1024;
    while (size * 3 < n * 4) size *= 2;
    const table = new FullNameTable(view, sep, n, { rec, parent, uid, level, info }, size);
    return table.insertAll(len) ? table : undefined;
  }

  /**
   * Put every record in its slot, parents first: a record's window and hash
   * state continue its parent's, and its anchor is an ancestor already placed.
   *
   * @param len Component length per number.
   * @returns False when the image cannot be indexed (see {@linkcode FullNameTable.build}).
   */
  private insertAll(len: Int32Array): boolean {
    const sl = this.slots, numbers = this.numbers, mask = this.mask, sep = this.separator, P = this.prime;
    const bytes = this.bytes, dv = this.dv, rec = this.rec, parent = this.parent, uid = this.uid, count = this.count;
    const slotOf = new Int32Array(count), fullLen = new Int32Array(count), state = new Int32Array(count);
    // The record's canonical words from its parent's window on; word 0 is canonical word `base`.
    let words = new Int32Array(WINDOW_WORDS + 72);
    let budget = PROBE_BUDGET * count + 1024;
    let reach = 0;
    for (let k = 0; k < count; k++) {
      const p = parent[k], n = len[k];
      const ps = p < 0 ? -1 : slotOf[p];
      const lp = p < 0 ? 0 : fullLen[p];
      const total = p < 0 ? n : lp + 1 + n;
      const base = ((lp + 3) >>> 2) - WINDOW_WORDS;
      const used = ((total + 3) >>> 2) - base;
      if (words.length < used) words = new Int32Array(used + 64);
      for (let j = 0, o = ps * SLOT + 4; j < WINDOW_WORDS; j++) words[j] = ps >= 0 ? sl[o + j] : 0;
      for (let j = WINDOW_WORDS; j < used; j++) words[j] = 0;
      let h = p < 0 ? KEY_SEED : state[p];
      let q = lp;
      if (p >= 0) {
        words[(q >>> 2) - base] |= sep << ((q & 3) << 3);
        if ((q & 3) === 3) h = mixWord(h, words[(q >>> 2) - base], P);
        q++;
      }
      for (let s = recordNameOffset(dv, rec[k]), e = s + n; s < e; s++, q++) {
        const x = bytes[s];
        // A component with the separator in it would read as two levels.
        if (x === sep) return false;
        words[(q >>> 2) - base] |= x << ((q & 3) << 3);
        if ((q & 3) === 3) h = mixWord(h, words[(q >>> 2) - base], P);
      }
      const key = nameKey(h, words[used - 1], (total & 3) !== 0, total, P);
      const ws = windowStart(total);
      let anchor = -1;
      if (ws > 0 && p >= 0) {
        let a = p;
        while (parent[a] >= 0 && fullLen[parent[a]] >= ws) a = parent[a];
        anchor = slotOf[a];
      }
      const from = used - WINDOW_WORDS;
      let i = key & mask, d = 0;
      for (; sl[i * SLOT + 1] !== 0; i = (i + 1) & mask, d++) {
        // One full name twice: the general path meets it as it does.
        if (this.sameAsRecord(i, key, total, anchor, words, from, k, ws)) return false;
        if (--budget < 0) return false;
      }
      if (d > reach) reach = d;
      const m = i * SLOT;
      sl[m] = key;
      sl[m + 1] = uid[k];
      sl[m + 2] = anchor;
      sl[m + 3] = total;
      for (let j = 0; j < WINDOW_WORDS; j++) sl[m + 4 + j] = words[from + j];
      numbers[i] = k;
      slotOf[k] = i;
      fullLen[k] = total;
      state[k] = h;
    }
    this.reach = reach;
    return true;
  }

  /**
   * Whether slot `i` has the key, full length, anchor and window given
   * (`WINDOW_WORDS` words of `win` from `from`): the cheap part of telling
   * whether it holds a name.
   */
  private sameHead(i: number, key: number, total: number, anchor: number, win: Int32Array, from: number): boolean {
    const sl = this.slots, m = i * SLOT;
    if (sl[m] !== key || sl[m + 3] !== total || sl[m + 2] !== anchor) return false;
    for (let j = WINDOW_WORDS - 1; j >= 0; j--) if (sl[m + 4 + j] !== win[from + j]) return false;
    return true;
  }

  /** The build's test: slot `i` holds the full name of record `k`, placed as given. */
  private sameAsRecord(
    i: number,
    key: number,
    total: number,
    anchor: number,
    win: Int32Array,
    from: number,
    k: number,
    ws: number,
  ): boolean {
    if (!this.sameHead(i, key, total, anchor, win, from)) return false;
    const start = anchor < 0 ? 0 : this.slots[anchor * SLOT + 3] + 1;
    const b = this.bytes, x = this.componentAt(i), y = recordNameOffset(this.dv, this.rec[k]);
    for (let j = 0; j < ws - start; j++) if (b[x + j] !== b[y + j]) return false;
    return true;
  }

  /**
   * Image offset of the last component of slot `i`'s record. When the bytes
   * of a name between its anchor and its window are not compared elsewhere,
   * they are this component's first bytes: its anchor is its parent then.
   */
  private componentAt(i: number): number {
    return recordNameOffset(this.dv, this.rec[this.numbers[i]]);
  }

  /**
   * The slot of the name's level `l` (its prefix of `levelEnds[l]` bytes)
   * whose anchor is `anchor`, or {@linkcode NAME_MISSING}; the bytes from
   * `start` to the window are compared in the image.
   */
  private probe(l: number, anchor: number, start: number): number {
    const sl = this.slots, mask = this.mask, words = nameWords;
    const key = levelKeys[l], total = levelEnds[l];
    const top = (total + 3) >>> 2, cut = total & 3;
    // The name's words in the window: from WINDOW_WORDS before its last (zeros before its start),
    // the last cut at the prefix's end.
    const from = top, keep = cut === 0 ? -1 : (1 << (cut << 3)) - 1;
    for (let i = key & mask, d = this.reach; d >= 0; i = (i + 1) & mask, d--) {
      const m = i * SLOT;
      if (sl[m + 1] === 0) return NAME_MISSING;
      if (sl[m] !== key || sl[m + 3] !== total || sl[m + 2] !== anchor) continue;
      let diff = (sl[m + SLOT - 1] ^ words[from + WINDOW_WORDS - 1]) & keep;
      for (let j = 0; j < WINDOW_WORDS - 1; j++) diff |= sl[m + 4 + j] ^ words[from + j];
      if (diff !== 0) continue;
      if (start < (top - WINDOW_WORDS) * 4 && !this.sameGap(i, start, (top - WINDOW_WORDS) * 4)) continue;
      return i;
    }
    return NAME_MISSING;
  }

  /** Whether the name's bytes `[start, ws)` equal the start of slot `i`'s component in the image. */
  private sameGap(i: number, start: number, ws: number): boolean {
    const b = this.bytes, o = this.componentAt(i) - start;
    for (let q = start; q < ws; q++) if (b[o + q] !== nameByte(q)) return false;
    return true;
  }

  /**
   * Find the name of `depth` levels in the lookup buffers: its slot, each
   * anchor's slot compared first.
   */
  private resolve(depth: number): number {
    const ends = levelEnds;
    let cur = depth - 1;
    // The whole name in its window: one slot to compare.
    if (ends[cur] <= WINDOW_BYTES) return this.probe(cur, -1, 0);
    // The levels to compare: the name's own, then each anchor's (a level is anchored by
    // the highest level below it that ends inside its window).
    const keys = levelKeys, sl = this.slots, mask = this.mask;
    let n = 0;
    chain[n++] = cur;
    for (;;) {
      const ws = windowStart(ends[cur]);
      if (ws === 0 || cur === 0) break;
      let a = cur - 1;
      while (a > 0 && ends[a - 1] >= ws) a--;
      if (n + 1 >= chain.length) chain = growI32(chain, n * 2);
      chain[n++] = a;
      cur = a;
    }
    // Load every slot first: the loads overlap instead of waiting for each other.
    let t = 0;
    for (let j = 0; j < n; j++) t ^= sl[(keys[chain[j]] & mask) * SLOT];
    chain[n] = t;
    let slot = -1;
    for (let j = n - 1; j >= 0; j--) {
      // The name's bytes from `start` on are this level's to compare: past its anchor and the separator.
      const start = j === n - 1 ? 0 : ends[chain[j + 1]] + 1;
      slot = this.probe(chain[j], j === n - 1 ? -1 : slot, start);
      if (slot < 0) return NAME_MISSING;
    }
    return slot;
  }

  /** Make the lookup buffers hold a name of up to `units` bytes and `depth` levels. */
  private static reserve(units: number, depth: number): void {
    if (nameWords.length < WINDOW_WORDS + (units >>> 2) + 2) nameWords = new Int32Array(WINDOW_WORDS + (units >>> 2) + 64);
    if (levelKeys.length < depth + 1) {
      levelKeys = new Int32Array(depth + 64);
      levelEnds = new Int32Array(depth + 64);
    }
  }

  /**
   * UID of the record in a slot.
   *
   * @param slot A slot a lookup returned.
   * @returns The UID.
   *
   * @example The UID of a name
   * ```ts ignore
   * const slot = table.findString("INBOX", DEFAULT_LIMITS);
   * if (slot >= 0) console.log(table.uidAt(slot));
   * ```
   */
  uidAt(slot: number): number {
    return this.slots[slot * SLOT + 1];
  }

  /**
   * Record number of the record in a slot.
   *
   * @param slot A slot a lookup returned.
   * @returns The number.
   *
   * @example The record offset of a name
   * ```ts ignore
   * const slot = table.findString("INBOX", DEFAULT_LIMITS);
   * if (slot >= 0) console.log(table.rec[table.numberAt(slot)]);
   * ```
   */
  numberAt(slot: number): number {
    return this.numbers[slot];
  }

  /**
   * Find a full name given as a string, from its character codes. Empty
   * components are skipped like the general path does (`a//b` is `a/b`).
   *
   * @param name The full name.
   * @param limits Name limits: a name over them is {@linkcode NAME_NOT_PLAIN}.
   * @returns The name's slot, {@linkcode NAME_MISSING}, or {@linkcode NAME_NOT_PLAIN}.
   *
   * @example Look up a name given as a string
   * ```ts ignore
   * const slot = table.findString("Archive/2009", DEFAULT_LIMITS);
   * ```
   */
  findString(name: string, limits: Readonly<TreeLimits>): number {
    const sep = this.separator;
    const len = name.length;
    // Only ASCII is taken here, one byte per UTF-16 unit.
    if (len > limits.maxNameLength) return NAME_NOT_PLAIN;
    const maxComponent = limits.maxComponentLength, maxDepth = limits.maxDepth, P = this.prime;
    FullNameTable.reserve(len, Math.min(len, maxDepth));
    const words = nameWords, keys = levelKeys, ends = levelEnds;
    let h = KEY_SEED, w = 0, sh = 0, m = WINDOW_WORDS, depth = 0, total = 0;
    for (let i = 0; i < len;) {
      if (name.charCodeAt(i) === sep) {
        i++;
        continue;
      }
      if (depth === maxDepth) return NAME_NOT_PLAIN;
      if (depth > 0) {
        w |= sep << sh;
        sh += 8;
        if (sh === 32) {
          h = mixWord(h, w, P);
          words[m++] = w;
          w = 0;
          sh = 0;
        }
        total++;
      }
      const s = i;
      for (; i < len; i++) {
        if (sh === 0) {
          // Whole words while no separator comes.
          for (; i + 4 <= len; i += 4) {
            const a = name.charCodeAt(i), b = name.charCodeAt(i + 1), c = name.charCodeAt(i + 2), d = name.charCodeAt(i + 3);
            if (a === sep || b === sep || c === sep || d === sep) break;
            // NUL or not ASCII.
            if ((a | b | c | d) >= 0x80 || ((a - 1) | (b - 1) | (c - 1) | (d - 1)) < 0) return NAME_NOT_PLAIN;
            w = a | (b << 8) | (c << 16) | (d << 24);
            h = mixWord(h, w, P);
            words[m++] = w;
          }
          w = 0;
          if (i >= len) break;
        }
        const x = name.charCodeAt(i);
        if (x === sep) break;
        // NUL or not ASCII.
        if (((x - 1) >>> 0) >= 0x7f) return NAME_NOT_PLAIN;
        w |= x << sh;
        sh += 8;
        if (sh === 32) {
          h = mixWord(h, w, P);
          words[m++] = w;
          w = 0;
          sh = 0;
        }
      }
      if (i - s > maxComponent) return NAME_NOT_PLAIN;
      total += i - s;
      keys[depth] = nameKey(h, w, sh !== 0, total, P);
      ends[depth++] = total;
    }
    if (depth === 0) return NAME_NOT_PLAIN;
    words[m] = w;
    return this.resolve(depth);
  }

  /**
   * Turn a sync's marks per slot into marks per record number, with
   * {@linkcode MARK_SEEN} spread to every ancestor of a marked record.
   *
   * @param bySlot Marks per slot ({@linkcode MARK_SEEN}, {@linkcode MARK_LEAF}).
   * @returns Marks per record number.
   *
   * @example Marks of one reported leaf
   * ```ts ignore
   * const marks = new Uint8Array(table.slotCount);
   * marks[table.findString("a/b", DEFAULT_LIMITS)] = MARK_SEEN | MARK_LEAF;
   * console.log(table.marksByNumber(marks)); // "a" is seen too
   * ```
   */
  marksByNumber(bySlot: Uint8Array): Uint8Array {
    return marksOfNumbers(bySlot, this.numbers, this.parent, this.count);
  }

  /**
   * Find a full name given as UTF-8 bytes (checked by the caller).
   *
   * @param b Buffer holding the name.
   * @param start First byte of the name.
   * @param end One past the last byte.
   * @returns The name's slot, or {@linkcode NAME_MISSING}.
   *
   * @example Look up a name given as bytes
   * ```ts ignore
   * const bytes = new TextEncoder().encode("INBOX");
   * const slot = table.findBytes(bytes, 0, bytes.length);
   * ```
   */
  findBytes(b: Uint8Array, start: number, end: number): number {
    const sep = this.separator, P = this.prime;
    FullNameTable.reserve(end - start, (end - start + 1) >>> 1);
    const words = nameWords, keys = levelKeys, ends = levelEnds;
    let h = KEY_SEED, w = 0, sh = 0, m = WINDOW_WORDS, depth = 0, total = 0;
    for (let i = start; i < end;) {
      if (b[i] === sep) {
        i++;
        continue;
      }
      if (depth > 0) {
        w |= sep << sh;
        sh += 8;
        if (sh === 32) {
          h = mixWord(h, w, P);
          words[m++] = w;
          w = 0;
          sh = 0;
        }
        total++;
      }
      const s = i;
      for (; i < end; i++) {
        const x = b[i];
        if (x === sep) break;
        w |= x << sh;
        sh += 8;
        if (sh === 32) {
          h = mixWord(h, w, P);
          words[m++] = w;
          w = 0;
          sh = 0;
        }
      }
      total += i - s;
      keys[depth] = nameKey(h, w, sh !== 0, total, P);
      ends[depth++] = total;
    }
    if (depth === 0) return NAME_MISSING;
    words[m] = w;
    return this.resolve(depth);
  }
}

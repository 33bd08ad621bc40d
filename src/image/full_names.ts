/**
 * {@linkcode FullNameTable}: every live record of a list image numbered in
 * breadth-first order (a parent before its children), with a hash table of
 * slots that hold a key and the UID, and the number per slot. A full sync
 * looks each reported name up whole — straight from the string's character
 * codes when it is ASCII — and marks the slot in a byte array of its own, so
 * that a sync that changes nothing touches no per-record object and walks no
 * directory; readers answer many lookups on one image from the same table.
 *
 * A slot holds the name's key, three 31-bit lanes of a keyed multilinear
 * hash of its canonical bytes (the components joined by one separator; see
 * `full_name_keys.ts`), and a lookup answers the slot whose three lanes
 * equal the name's: it reads the name once, one slot, never the image.
 * What bounds a wrong answer: two different names share a key
 * with probability p⁻³ ≈ 2⁻⁹³ (p = 2³¹ − 1) over the coefficients, which are
 * drawn per process from the system's random source and never leave it
 * (the table answers only found or not found). Within one image: a build
 * that meets two records with one key does not build the table, nor does
 * one with a component holding the separator (whose bytes would read as
 * two levels) or a name longer than the keyed 4096 bytes; the callers then
 * take their general path. So the names of an image never answer for each
 * other, and a name outside the image answers for one of its n names with
 * probability at most n · 2⁻⁹³ (about 2⁻⁷³ at a million names), whichever
 * names are chosen without knowledge of the coefficients. Choosing names
 * after seeing answers does not help: until a first wrong answer, every
 * answer for a name outside the image is "not found", known in advance, so
 * q lookups answer wrongly with probability at most q · n · 2⁻⁹³. (The
 * argument is about answers; how long a probe takes depends on where lane
 * 0 falls among the occupied slots.) Building the table visits every live
 * record (`full_name_records.ts`), which checks the UIDs.
 *
 * @module
 */
import type { TreeLimits } from "../format/limits.ts";
import { recordNameOffset } from "../format/record.ts";
import {
  currentCoefficients,
  type KeyCoefficients,
  KEYED_BYTES,
  partReduce,
  reduce,
} from "./full_name_keys.ts";
import { HAS_CHILDREN, liveRecords, marksOfNumbers } from "./full_name_records.ts";
import type { ListImage } from "./list_image.ts";

export { degenerateKeysForTests, KEYED_BYTES, plainBytes } from "./full_name_keys.ts";
export { HAS_CHILDREN, MARK_LEAF, MARK_SEEN } from "./full_name_records.ts";

/** Words per slot: the three lanes of the key, then the UID (0 = empty). */
const SLOT = 4;
/** Records whose keys a build computes before it inserts them. */
const INSERT_RUN = 1024;

/** {@linkcode FullNameTable.findString}: the name is valid and not in the image. */
export const NAME_MISSING = -1;
/**
 * {@linkcode FullNameTable.findString}: the string needs the general path —
 * not ASCII, or not a valid name (empty, a NUL, a component or depth over
 * the limits), which the general path reports.
 */
export const NAME_NOT_PLAIN = -2;

const tables = new WeakMap<ListImage, FullNameTable | null>();

/** The canonical bytes of a name given with empty components or longer than the keyed bytes. */
let spelled = new Uint8Array(KEYED_BYTES + 64);

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
  /** {@linkcode SLOT} words per slot: the key's three lanes and the UID. */
  private readonly slots: Int32Array;
  /** Record number per slot. */
  private readonly numbers: Int32Array;
  private readonly mask: number;
  /** Pair coefficients of the keys (see `full_name_keys.ts`), kept for the table's life. */
  private readonly pairs: Float64Array;
  /** Pair coefficients per byte. */
  private readonly bytes: Float64Array;
  /** Length coefficients of the keys. */
  private readonly lengths: Float64Array;
  /** The separator twice, as a string: an empty component. */
  private readonly doubled: string;

  private constructor(
    sep: number,
    count: number,
    arrays: { rec: Int32Array; parent: Int32Array; uid: Int32Array; level: Uint8Array; info: Uint8Array },
    size: number,
    coef: KeyCoefficients,
  ) {
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
    this.pairs = coef.pairs;
    this.bytes = coef.bytes;
    this.lengths = coef.lengths;
    this.doubled = String.fromCharCode(sep, sep);
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
   *   separator, a full name is longer than {@linkcode KEYED_BYTES}, or two records share a
   *   key (one full name twice, or keys that collide).
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
    const table = new FullNameTable(sep, n, { rec, parent, uid, level, info }, size, currentCoefficients());
    return table.insertAll(view, len) ? table : undefined;
  }

  /**
   * Put every record in its slot, parents first: a record's sums continue
   * its parent's. The keys of a run of records are computed first, then the
   * run is inserted: the insertions, each a cache miss at a random slot, then
   * follow one another closely enough for the processor to overlap them.
   *
   * @param view The image the records are in.
   * @param len Component length per number.
   * @returns False when the image cannot be indexed (see {@linkcode FullNameTable.build}).
   */
  private insertAll(view: ListImage, len: Int32Array): boolean {
    const sl = this.slots, numbers = this.numbers, mask = this.mask, sep = this.separator;
    const B = this.bytes, T = this.lengths, bytes = view.bytes, dv = view.dv;
    const rec = this.rec, parent = this.parent, uid = this.uid, info = this.info, count = this.count;
    // Per number with children: its lanes' sums before the length term (reduced), and its full length.
    const sums = new Int32Array(count * 3), fullLen = new Int32Array(count);
    const keys = new Int32Array(INSERT_RUN * 3);
    for (let from = 0; from < count; from += INSERT_RUN) {
      const to = Math.min(count, from + INSERT_RUN);
      for (let k = from, w = 0; k < to; k++, w += 3) {
        const p = parent[k];
        let a = 0, b = 0, c = 0, q = 0;
        if (p >= 0) {
          q = fullLen[p];
          const o = q * 3;
          a = sums[p * 3] + B[o] * sep;
          b = sums[p * 3 + 1] + B[o + 1] * sep;
          c = sums[p * 3 + 2] + B[o + 2] * sep;
          q++;
        }
        const total = q + len[k];
        if (total > KEYED_BYTES) return false;
        for (let s = recordNameOffset(dv, rec[k]), e = s + len[k], o = q * 3; s < e;) {
          // 31 products at most, on a reduced sum: below 2⁵³.
          for (const lim = Math.min(e, s + 31); s < lim; s++, o += 3) {
            const x = bytes[s];
            // A component with the separator in it would read as two levels.
            if (x === sep) return false;
            a += B[o] * x;
            b += B[o + 1] * x;
            c += B[o + 2] * x;
          }
          if (s < e) {
            a = partReduce(a);
            b = partReduce(b);
            c = partReduce(c);
          }
        }
        if ((info[k] & HAS_CHILDREN) !== 0) {
          sums[k * 3] = reduce(a);
          sums[k * 3 + 1] = reduce(b);
          sums[k * 3 + 2] = reduce(c);
          fullLen[k] = total;
        }
        const t = total * 3;
        keys[w] = reduce(a + T[t]);
        keys[w + 1] = reduce(b + T[t + 1]);
        keys[w + 2] = reduce(c + T[t + 2]);
      }
      for (let k = from, w = 0; k < to; k++, w += 3) {
        const k0 = keys[w], k1 = keys[w + 1], k2 = keys[w + 2];
        let i = k0 & mask;
        for (; sl[i * SLOT + 3] !== 0; i = (i + 1) & mask) {
          // Two records with one key (one full name twice, or a collision): lookups could not tell them apart.
          if (sl[i * SLOT] === k0 && sl[i * SLOT + 1] === k1 && sl[i * SLOT + 2] === k2) return false;
        }
        sl[i * SLOT] = k0;
        sl[i * SLOT + 1] = k1;
        sl[i * SLOT + 2] = k2;
        sl[i * SLOT + 3] = uid[k];
        numbers[i] = k;
      }
    }
    return true;
  }

  /** The slot of the name of `n` canonical bytes whose lanes' sums are `a`, `b`, `c`, or {@linkcode NAME_MISSING}. */
  private probe(a: number, b: number, c: number, n: number): number {
    const T = this.lengths, t = n * 3;
    const k0 = reduce(a + T[t]), k1 = reduce(b + T[t + 1]), k2 = reduce(c + T[t + 2]);
    const sl = this.slots, mask = this.mask;
    for (let i = k0 & mask;; i = (i + 1) & mask) {
      const m = i * SLOT;
      if (sl[m + 3] === 0) return NAME_MISSING;
      if (sl[m] === k0 && sl[m + 1] === k1 && sl[m + 2] === k2) return i;
    }
  }

  /** Look up the canonical name in bytes `[s, e)` (no empty component). */
  private findCanonical(b: Uint8Array, s: number, e: number): number {
    const n = e - s;
    // No name of the table is longer.
    if (n > KEYED_BYTES) return NAME_MISSING;
    const M = this.pairs;
    let x = 0, y = 0, z = 0, o = 0, i = s;
    while (i + 1 < e) {
      // 32 pairs at most, on a reduced sum: below 2⁵³.
      for (const lim = Math.min(e - 1, i + 64); i < lim; i += 2, o += 3) {
        const u = b[i] | (b[i + 1] << 8);
        x += M[o] * u;
        y += M[o + 1] * u;
        z += M[o + 2] * u;
      }
      if (i + 1 < e) {
        x = partReduce(x);
        y = partReduce(y);
        z = partReduce(z);
      }
    }
    if (i < e) {
      const u = b[i];
      x += M[o] * u;
      y += M[o + 1] * u;
      z += M[o + 2] * u;
    }
    return this.probe(x, y, z, n);
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
    return this.slots[slot * SLOT + 3];
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
   * Find a full name given as a string, hashing its character codes. Empty
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
    const sep = this.separator, len = name.length;
    // Only ASCII is taken here, one byte per UTF-16 unit.
    if (len > limits.maxNameLength || len === 0) return NAME_NOT_PLAIN;
    // A string too short for a component or a depth over the limits is hashed as it is;
    // others are checked and spelled out canonically first.
    if (len > limits.maxComponentLength || len >= 2 * limits.maxDepth || len > KEYED_BYTES) {
      return this.findSpelled(name, limits);
    }
    const M = this.pairs;
    let x = 0, y = 0, z = 0, o = 0, i = 0;
    while (i + 3 < len) {
      // 32 pairs at most, on a reduced sum: below 2⁵³.
      for (const lim = Math.min(len - 3, i + 64); i < lim; i += 4, o += 6) {
        const c = name.charCodeAt(i), d = name.charCodeAt(i + 1), e = name.charCodeAt(i + 2), f = name.charCodeAt(i + 3);
        // NUL or not ASCII.
        if ((c | d | e | f) >= 0x80 || ((c - 1) | (d - 1) | (e - 1) | (f - 1)) < 0) return NAME_NOT_PLAIN;
        const u = c | (d << 8), v = e | (f << 8);
        x += M[o] * u + M[o + 3] * v;
        y += M[o + 1] * u + M[o + 4] * v;
        z += M[o + 2] * u + M[o + 5] * v;
      }
      if (i + 3 < len) {
        x = partReduce(x);
        y = partReduce(y);
        z = partReduce(z);
      }
    }
    // The last 0 to 3 bytes, a byte at a time.
    for (const B = this.bytes; i < len; i++) {
      const c = name.charCodeAt(i), q = i * 3;
      if (((c - 1) >>> 0) >= 0x7f) return NAME_NOT_PLAIN;
      x += B[q] * c;
      y += B[q + 1] * c;
      z += B[q + 2] * c;
    }
    const slot = this.probe(x, y, z, len);
    // Not found as it is: with an empty component, the canonical name may be there. (Found
    // as it is, such a string shares a key with a name of the image: the bound covers it.)
    if (slot < 0 && (name.charCodeAt(0) === sep || name.charCodeAt(len - 1) === sep || name.indexOf(this.doubled) >= 0)) {
      return this.findSpelled(name, limits);
    }
    return slot;
  }

  /**
   * {@linkcode FullNameTable.findString} for the strings it does not hash as
   * they are: checked and spelled out canonically first.
   */
  private findSpelled(name: string, limits: Readonly<TreeLimits>): number {
    const sep = this.separator, len = name.length;
    const maxComponent = limits.maxComponentLength, maxDepth = limits.maxDepth;
    if (spelled.length < len) spelled = new Uint8Array(len + 64);
    const out = spelled;
    let n = 0, depth = 0;
    for (let i = 0; i < len;) {
      if (name.charCodeAt(i) === sep) {
        i++;
        continue;
      }
      if (depth === maxDepth) return NAME_NOT_PLAIN;
      if (depth++ > 0) out[n++] = sep;
      const s = i;
      for (; i < len; i++) {
        const c = name.charCodeAt(i);
        if (c === sep) break;
        // NUL or not ASCII.
        if (((c - 1) >>> 0) >= 0x7f) return NAME_NOT_PLAIN;
        out[n++] = c;
      }
      if (i - s > maxComponent) return NAME_NOT_PLAIN;
    }
    if (depth === 0) return NAME_NOT_PLAIN;
    return this.findCanonical(out, 0, n);
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
   * Find a full name given as UTF-8 bytes (checked by the caller). Empty
   * components are skipped (`a//b` is `a/b`).
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
    const sep = this.separator;
    if (end <= start) return NAME_MISSING;
    let canonical = b[start] !== sep && b[end - 1] !== sep;
    for (let i = start + 1; canonical && i < end - 1; i++) if (b[i] === sep && b[i + 1] === sep) canonical = false;
    if (canonical) return this.findCanonical(b, start, end);
    if (spelled.length < end - start) spelled = new Uint8Array(end - start + 64);
    const out = spelled;
    let n = 0;
    for (let i = start; i < end; i++) {
      const x = b[i];
      // A separator only between two components.
      if (x === sep && (n === 0 || out[n - 1] === sep)) continue;
      out[n++] = x;
    }
    if (n > 0 && out[n - 1] === sep) n--;
    return n === 0 ? NAME_MISSING : this.findCanonical(out, 0, n);
  }
}

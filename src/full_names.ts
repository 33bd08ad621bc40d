/**
 * {@linkcode FullNameTable}: every live record of a list image numbered in
 * breadth-first order (a parent before its children), with a hash table from
 * full names to slots that hold the UID and the number. A full sync looks each
 * reported name up whole — straight from the string's character codes when it
 * is ASCII — and marks the slot in a byte array of its own, so that a sync
 * that changes nothing touches no per-record object and walks no directory;
 * readers answer many lookups on one image from the same table.
 *
 * The key of a name is 96 bits over its canonical form (the components
 * joined by one separator): FNV-1a, a multiply-xorshift hash and an
 * add-multiply hash, three independent chains over the same bytes. A lookup compares keys
 * only, so it reads the name once and never the image (confirming each hit
 * in the image costs a cache miss per name, which doubled a full sync of 1M
 * names). An image in which two names share a key is not indexed at all (the
 * caller takes its general path), so the names of one image can never be
 * mistaken for each other. A name outside the image could share a key with
 * one inside by chance with probability about n·m/2⁹⁶. These hashes are fast
 * rather than collision-resistant, and mailbox names can be chosen by a
 * hostile user, so the lanes start from random states drawn once per process
 * (the table is never stored or shown). That keys only the FNV-1a and
 * multiply-xorshift lanes: the add-multiply lane is linear, so for two names
 * of one length its difference does not depend on its seed, and the part of
 * the key an outsider cannot compute offline is about 64 bits.
 *
 * @module
 */
import { DELETED_BIT, DIR_HEADER_SIZE, RECORD_SIZE } from "./constants.ts";
import { CorruptIndexError } from "./errors.ts";
import { nameProblem, type TreeLimits } from "./limits.ts";
import type { ListView } from "./view.ts";

/**
 * Starting states of the three lanes, drawn once per process: the table
 * lives in memory only, so nobody outside the process can know them (see
 * the module doc for what that protects).
 */
const SEEDS = crypto.getRandomValues(new Int32Array(3));
const FNV_OFFSET = 0x811c9dc5 ^ SEEDS[0];
const FNV_PRIME = 0x01000193;
const MIX_SEED = 0x2545f491 ^ SEEDS[1];
const MIX_PRIME = 0x9e3779b1;
const ADD_SEED = -1 ^ SEEDS[2];
const ADD_PRIME = 0x85ebca77;

/** {@linkcode FullNameTable.findString}: the name is valid and not in the image. */
export const NAME_MISSING = -1;
/**
 * {@linkcode FullNameTable.findString}: the string needs the general path —
 * not ASCII, or not a valid name (empty, a NUL, a component or depth over
 * the limits), which the general path reports.
 */
export const NAME_NOT_PLAIN = -2;

/** Per-number bit of {@linkcode FullNameTable.info}: the record has a live child. */
export const HAS_CHILDREN = 1;

/** Mark of a sync: the record was reported, as a leaf or as a parent. */
export const MARK_SEEN = 1;
/** Mark of a sync: the record was reported as a leaf. */
export const MARK_LEAF = 2;

const tables = new WeakMap<ListView, FullNameTable | null>();

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
  /** The separator the names were hashed with. */
  readonly separator: number;
  /** Number of slots of the hash table (a power of two). */
  readonly slotCount: number;
  /** Per slot: the three key words and the UID (0 = empty). */
  private readonly slots: Int32Array;
  /** Record number per slot. */
  private readonly numbers: Int32Array;
  private readonly mask: number;

  private constructor(
    sep: number,
    count: number,
    arrays: { rec: Int32Array; parent: Int32Array; uid: Int32Array; level: Uint8Array; info: Uint8Array },
    slots: Int32Array,
    numbers: Int32Array,
  ) {
    this.separator = sep;
    this.count = count;
    this.rec = arrays.rec;
    this.parent = arrays.parent;
    this.uid = arrays.uid;
    this.level = arrays.level;
    this.info = arrays.info;
    this.slots = slots;
    this.numbers = numbers;
    this.slotCount = slots.length >>> 2;
    this.mask = this.slotCount - 1;
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
  static built(view: ListView, sep: number): FullNameTable | undefined {
    const known = tables.get(view);
    return known !== undefined && known !== null && known.separator === sep ? known : undefined;
  }

  /**
   * The table of an image, built on first use and kept as long as the image.
   *
   * @param view The list image (never changed after it was read).
   * @param sep Separator byte.
   * @param expected How many live records the image probably has (sizes the arrays; 0 = unknown).
   * @returns The table, or undefined when two names of the image share a key.
   * @throws CorruptIndexError when the image is damaged (every structure is checked).
   *
   * @example The table of a snapshot's list image
   * ```ts ignore
   * const table = FullNameTable.of(snapshot.list, 0x2f, snapshot.attr?.header.live);
   * ```
   */
  static of(view: ListView, sep: number, expected = 0): FullNameTable | undefined {
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
   * @returns The table, or undefined when two names of the image share a key.
   * @throws CorruptIndexError when the image is damaged.
   *
   * @example Build a table and count its records
   * ```ts ignore
   * const table = FullNameTable.build(view, 0x2f);
   * console.log(table?.count);
   * ```
   */
  static build(view: ListView, sep: number, expected = 0): FullNameTable | undefined {
    const bound = Math.max(1, Math.floor(view.end / RECORD_SIZE));
    let cap = Math.min(bound, Math.max(1024, Math.floor(expected) + 16));
    let rec = new Int32Array(cap), parent = new Int32Array(cap), uid = new Int32Array(cap);
    let key = new Int32Array(cap * 3);
    let level = new Uint8Array(cap), info = new Uint8Array(cap);
    const dv = view.dv, bytes = view.bytes;
    let n = 0;
    let budget = bound + 16;
    // Breadth-first: the numbers given so far are the queue of records whose children come next.
    let dir = view.rootDir();
    let p = -1;
    for (let q = 0;;) {
      if (dir !== 0) {
        const count = view.dirCount(dir);
        let pc = ADD_SEED, pf = FNV_OFFSET | 0, pg = MIX_SEED, lvl = 1;
        if (p >= 0) {
          pc = key[p * 3];
          pf = key[p * 3 + 1];
          pg = key[p * 3 + 2];
          pc = Math.imul(pc + sep, ADD_PRIME);
          pf = Math.imul(pf ^ sep, FNV_PRIME);
          pg = Math.imul(pg ^ sep, MIX_PRIME);
          pg ^= pg >>> 15;
          lvl = level[p] < 255 ? level[p] + 1 : 255;
        }
        for (let i = 0, r = dir + DIR_HEADER_SIZE; i < count; i++, r += RECORD_SIZE) {
          if (--budget < 0) throw new CorruptIndexError(view.file, r, "directory links form a cycle or are shared");
          if ((dv.getUint32(r + 4, true) & DELETED_BIT) !== 0) continue;
          const u = view.uidOf(r);
          const ne = view.nameEnd(r), ns = dv.getUint32(r + 8, true);
          let c = pc, f = pf, g = pg;
          for (let k = ns; k < ne; k++) {
            const x = bytes[k];
            c = Math.imul(c + x, ADD_PRIME);
            f = Math.imul(f ^ x, FNV_PRIME);
            g = Math.imul(g ^ x, MIX_PRIME);
            g ^= g >>> 15;
          }
          if (n === cap) {
            // Live records lie at distinct offsets, at most one per 16 bytes: more means a directory is reached twice.
            if (cap === bound) throw new CorruptIndexError(view.file, r, "directory links form a cycle or are shared");
            cap = Math.min(Math.max(cap * 2, 1024), bound);
            rec = growI32(rec, cap);
            parent = growI32(parent, cap);
            uid = growI32(uid, cap);
            key = growI32(key, cap * 3);
            level = growU8(level, cap);
            info = growU8(info, cap);
          }
          rec[n] = r;
          parent[n] = p;
          uid[n] = u;
          key[n * 3] = c;
          key[n * 3 + 1] = f;
          key[n * 3 + 2] = g;
          level[n] = lvl;
          n++;
          if (p >= 0) info[p] = HAS_CHILDREN;
        }
      }
      if (q >= n) break;
      p = q++;
      dir = view.childDir(rec[p]);
    }
    let size = 1024;
    while (size * 3 < n * 4) size *= 2;
    const slots = new Int32Array(size * 4);
    const numbers = new Int32Array(size);
    const mask = size - 1;
    for (let k = 0; k < n; k++) {
      const c = key[k * 3], f = key[k * 3 + 1], g = key[k * 3 + 2];
      let i = slotOf(c, f, mask);
      for (; slots[i * 4 + 3] !== 0; i = (i + 1) & mask) {
        // Two names with one key: lookups could not tell them apart.
        if (slots[i * 4] === c && slots[i * 4 + 1] === f && slots[i * 4 + 2] === g) return undefined;
      }
      slots[i * 4] = c;
      slots[i * 4 + 1] = f;
      slots[i * 4 + 2] = g;
      slots[i * 4 + 3] = uid[k];
      numbers[i] = k;
    }
    return new FullNameTable(sep, n, { rec, parent, uid, level, info }, slots, numbers);
  }

  /** The slot of a key, or {@linkcode NAME_MISSING}. */
  private probe(c: number, f: number, g: number): number {
    const sl = this.slots, mask = this.mask;
    for (let i = slotOf(c, f, mask);; i = (i + 1) & mask) {
      if (sl[i * 4 + 3] === 0) return NAME_MISSING;
      if (sl[i * 4] === c && sl[i * 4 + 1] === f && sl[i * 4 + 2] === g) return i;
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
    return this.slots[slot * 4 + 3];
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
    const sep = this.separator;
    const len = name.length;
    // Only ASCII is hashed here, one byte per UTF-16 unit.
    if (len > limits.maxNameLength) return NAME_NOT_PLAIN;
    const maxComponent = limits.maxComponentLength, maxDepth = limits.maxDepth;
    let c = ADD_SEED, f = FNV_OFFSET | 0, g = MIX_SEED;
    let depth = 0, compStart = 0, inComp = false;
    for (let i = 0; i < len; i++) {
      const x = name.charCodeAt(i);
      if (x === sep) {
        if (inComp) {
          if (i - compStart > maxComponent) return NAME_NOT_PLAIN;
          inComp = false;
        }
        continue;
      }
      // NUL or not ASCII.
      if (((x - 1) >>> 0) >= 0x7f) return NAME_NOT_PLAIN;
      if (!inComp) {
        if (depth > 0) {
          c = Math.imul(c + sep, ADD_PRIME);
          f = Math.imul(f ^ sep, FNV_PRIME);
          g = Math.imul(g ^ sep, MIX_PRIME);
          g ^= g >>> 15;
        }
        if (++depth > maxDepth) return NAME_NOT_PLAIN;
        inComp = true;
        compStart = i;
      }
      c = Math.imul(c + x, ADD_PRIME);
      f = Math.imul(f ^ x, FNV_PRIME);
      g = Math.imul(g ^ x, MIX_PRIME);
      g ^= g >>> 15;
    }
    if (inComp && len - compStart > maxComponent) return NAME_NOT_PLAIN;
    if (depth === 0) return NAME_NOT_PLAIN;
    return this.probe(c, f, g);
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
    const numbers = this.numbers, parent = this.parent;
    const marks = new Uint8Array(this.count);
    for (let s = 0; s < bySlot.length; s++) {
      if (bySlot[s] !== 0) marks[numbers[s]] |= bySlot[s];
    }
    // Numbers give parents before children: one backward pass reaches every ancestor.
    for (let k = this.count - 1; k >= 0; k--) {
      if (marks[k] !== 0) {
        const p = parent[k];
        if (p >= 0) marks[p] |= MARK_SEEN;
      }
    }
    return marks;
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
    const sep = this.separator;
    const len = end;
    let c = ADD_SEED, f = FNV_OFFSET | 0, g = MIX_SEED;
    let first = true;
    for (let i = start; i < len;) {
      while (i < len && b[i] === sep) i++;
      if (i >= len) break;
      let j = i;
      while (j < len && b[j] !== sep) j++;
      if (!first) {
        c = Math.imul(c + sep, ADD_PRIME);
        f = Math.imul(f ^ sep, FNV_PRIME);
        g = Math.imul(g ^ sep, MIX_PRIME);
        g ^= g >>> 15;
      }
      for (let k = i; k < j; k++) {
        const x = b[k];
        c = Math.imul(c + x, ADD_PRIME);
        f = Math.imul(f ^ x, FNV_PRIME);
        g = Math.imul(g ^ x, MIX_PRIME);
        g ^= g >>> 15;
      }
      first = false;
      i = j;
    }
    if (first) return NAME_MISSING;
    return this.probe(c, f, g);
  }
}

function slotOf(c: number, f: number, mask: number): number {
  return ((c >>> 0) ^ Math.imul(f >>> 0, 0x9e3779b1)) & mask;
}

function growI32(a: Int32Array<ArrayBuffer>, size: number): Int32Array<ArrayBuffer> {
  const r = new Int32Array(size);
  r.set(a);
  return r;
}

function growU8(a: Uint8Array<ArrayBuffer>, size: number): Uint8Array<ArrayBuffer> {
  const r = new Uint8Array(size);
  r.set(a);
  return r;
}

/**
 * Whether bytes `[s, e)` are a name the build would take (see
 * {@linkcode nameProblem}): not empty, no NUL, within the limits.
 *
 * @param b Buffer holding the name.
 * @param s First byte of the name.
 * @param e One past the last byte.
 * @param sep Separator byte.
 * @param limits Name limits.
 * @returns True when the name can be looked up whole in a {@linkcode FullNameTable}.
 *
 * @example Check an encoded name
 * ```ts
 * import { plainBytes } from "./full_names.ts";
 * const bytes = new TextEncoder().encode("Entwürfe/2009");
 * console.log(plainBytes(bytes, 0, bytes.length, 0x2f, { maxComponentLength: 255, maxDepth: 255, maxNameLength: 4096 })); // true
 * ```
 */
export function plainBytes(b: Uint8Array, s: number, e: number, sep: number, limits: Readonly<TreeLimits>): boolean {
  return nameProblem(b, s, e, sep, limits) === 0;
}

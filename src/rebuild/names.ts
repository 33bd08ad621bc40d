/**
 * The names of a rebuild, encoded once: every name's UTF-8 bytes back to
 * back in one buffer (shared memory when workers read it), an offsets table,
 * and optional per-name columns for what a store scanner knows (not
 * selectable, STATUS figures, GUID). No object per name is kept. Reading the
 * names from their source is src/rebuild/input.ts.
 *
 * @module
 */
import { requireUtf8Form } from "../format/name_codec.ts";
import { STATUS_DELETED_BIT, STATUS_MODSEQ_BIT, STATUS_SIZE_BIT, STATUS_WORDS, statusToWords } from "../format/status.ts";
import type { MailboxStatus } from "../format/types.ts";

/** Bit of {@linkcode NameTable.extras}: the name was reported not selectable. */
export const EXTRA_NOSELECT = 1;
/** Bit of {@linkcode NameTable.extras}: the name carries STATUS figures. */
export const EXTRA_STATUS = 2;
/** Bit of {@linkcode NameTable.extras}: the name carries a GUID ({@linkcode NameTable.guids}). */
export const EXTRA_GUID = 4;
/** Bit of {@linkcode NameTable.extras}: its STATUS has `highestModSeq`. */
export const EXTRA_MODSEQ = 8;
/** Bit of {@linkcode NameTable.extras}: its STATUS has `size`. */
export const EXTRA_SIZE = 16;
/** Bit of {@linkcode NameTable.extras}: its STATUS has `deleted`. */
export const EXTRA_DELETED = 32;
/** The extras a name's entry takes from it: its STATUS figures or its GUID (the last name of a mailbox that gives either). */
export const EXTRA_ENTRY = EXTRA_STATUS | EXTRA_GUID;
/**
 * Number of STATUS words stored per name in {@linkcode NameTable.status}:
 * the words of `format/status.ts`, as an attribute entry holds them.
 */
export const STATUS_FIELDS = STATUS_WORDS;
/** Words per name of {@linkcode NameTable.guids}. */
export const GUID_WORDS = 4;

/**
 * One mailbox to put in a rebuilt index: a name, or a name with what a
 * store scanner knows of it.
 *
 * @example Both forms
 * ```ts
 * import type { RebuildInput } from "./names.ts";
 * const a: RebuildInput = "Archive/2009";
 * const b: RebuildInput = { name: "Shared", selectable: false };
 * const c: RebuildInput = { name: "Sent", specialUse: ["\\Sent"] };
 * ```
 */
export type RebuildInput = string | {
  name: string;
  selectable?: boolean;
  status?: MailboxStatus;
  /** The mailbox GUID (SPEC §12): 32 hex digits or 16 bytes, as the uidlist header's `G` gives it. */
  guid?: string | Uint8Array;
  /** Special-use attributes (RFC 6154): `SpecialUse` bits or atoms; they replace what the index had. */
  specialUse?: number | readonly string[];
};

/**
 * Where a rebuild's names come from: strings or scanner records, sync or
 * async, a name-list file, or names already encoded (`{ table }`, for
 * example joined from what workers scanned).
 *
 * @example The three kinds of source
 * ```ts
 * import type { RebuildSource } from "./names.ts";
 * const list: RebuildSource = ["INBOX", { name: "Shared", selectable: false }];
 * const file: RebuildSource = { file: "/tmp/names.txt" };
 * async function* scan() {
 *   yield "INBOX";
 * }
 * const stream: RebuildSource = scan();
 * ```
 */
export type RebuildSource = Iterable<RebuildInput> | AsyncIterable<RebuildInput> | { file: string } | { table: NameTable };

/**
 * Every name of a rebuild in typed arrays. Name `i` is
 * `bytes[starts[i], starts[i + 1] - 1)`; the byte after each name is not
 * part of it.
 *
 * @example The bytes of the second name
 * ```ts
 * import { readNames } from "./input.ts";
 * const t = await readNames(["INBOX", "Sent"], false);
 * console.log(new TextDecoder().decode(t.bytes.subarray(t.starts[1], t.starts[2] - 1))); // "Sent"
 * ```
 */
export interface NameTable {
  /** The names' UTF-8 bytes. */
  bytes: Uint8Array;
  /** Start of each name, plus one entry past the last name's terminator (`count + 1` entries). */
  starts: Uint32Array;
  /** Number of names. */
  count: number;
  /** Per name: the `EXTRA_*` bits; undefined when no name has any. */
  extras: Uint8Array | undefined;
  /** {@linkcode STATUS_FIELDS} words per name (`statusToWords` of format/status.ts), where `extras` says so. */
  status: Uint32Array | undefined;
  /** {@linkcode GUID_WORDS} words per name: the GUID's bytes, where `extras` has {@linkcode EXTRA_GUID}. */
  guids?: Uint32Array;
  /**
   * Special-use bits the names give, by name as given (the last one of a
   * name wins); undefined when no name gives any. Applied to the built
   * images by the coordinator (`special_use.ts`), never sent to workers.
   */
  specialUse?: Map<string, number>;
}

const encoder = new TextEncoder();

/**
 * A buffer in shared memory (for workers) or not.
 *
 * @param bytes Its size.
 * @param shared Whether workers will read it.
 * @returns The buffer.
 *
 * @example A shared buffer
 * ```ts
 * import { allocate } from "./names.ts";
 * console.log(allocate(8, true) instanceof SharedArrayBuffer); // true
 * ```
 */
export function allocate(bytes: number, shared: boolean): ArrayBuffer | SharedArrayBuffer {
  return shared ? new SharedArrayBuffer(bytes) : new ArrayBuffer(bytes);
}

/**
 * Collects names into a {@linkcode NameTable}, growing its buffers as
 * needed. ASCII names are copied byte by byte; others are checked for a
 * lone surrogate and go through `TextEncoder.encodeInto` straight into the
 * big buffer.
 *
 * @example Two names
 * ```ts
 * import { NameTableBuilder } from "./names.ts";
 * const b = new NameTableBuilder(false);
 * b.add("INBOX");
 * b.add("Archive/2009");
 * const t = b.finish();
 * console.log(t.count, t.starts[1]); // 2 6
 * ```
 */
export class NameTableBuilder {
  readonly #shared: boolean;
  #bytes: Uint8Array;
  #starts: Uint32Array;
  #extras: Uint8Array | undefined;
  #status: Uint32Array | undefined;
  #guids: Uint32Array | undefined;
  #specialUse: Map<string, number> | undefined;
  #used = 0;
  #count = 0;

  /**
   * @param shared Keep the buffers in shared memory (for workers).
   * @param byteHint Expected total bytes (names plus one byte each).
   * @param countHint Expected number of names.
   */
  constructor(shared: boolean, byteHint = 1 << 16, countHint = 1024) {
    this.#shared = shared;
    this.#bytes = new Uint8Array(allocate(Math.max(64, byteHint), shared));
    this.#starts = new Uint32Array(allocate(4 * Math.max(16, countHint + 1), shared));
  }

  /** Number of names added so far. */
  get count(): number {
    return this.#count;
  }

  #growBytes(need: number, keep: number): void {
    const size = Math.max(need, Math.ceil(this.#bytes.length * 1.5) + 1024);
    const grown = new Uint8Array(allocate(size, this.#shared));
    grown.set(this.#bytes.subarray(0, keep));
    this.#bytes = grown;
  }

  #growCount(): void {
    const grown = new Uint32Array(allocate(4 * this.#starts.length * 2, this.#shared));
    grown.set(this.#starts);
    this.#starts = grown;
    if (this.#extras !== undefined) {
      const e = new Uint8Array(allocate(this.#extras.length * 2, this.#shared));
      e.set(this.#extras);
      this.#extras = e;
      const s = new Uint32Array(allocate(4 * this.#status!.length * 2, this.#shared));
      s.set(this.#status!);
      this.#status = s;
      const g = new Uint32Array(allocate(4 * this.#guids!.length * 2, this.#shared));
      g.set(this.#guids!);
      this.#guids = g;
    }
  }

  /**
   * Append one name.
   *
   * @param name The full mailbox name.
   * @returns The name's index.
   * @throws InvalidNameError when the name has no UTF-8 form (a lone surrogate); nothing is added.
   */
  add(name: string): number {
    const i = this.#count;
    if (i + 1 >= this.#starts.length) this.#growCount();
    const len = name.length;
    let pos = this.#used;
    if (pos + len + 1 > this.#bytes.length) this.#growBytes(pos + len + 1, pos);
    let b = this.#bytes;
    this.#starts[i] = pos;
    let j = 0;
    for (; j < len; j++) {
      const c = name.charCodeAt(j);
      if (c >= 0x80) break;
      b[pos + j] = c;
    }
    if (j === len) {
      pos += len;
    } else {
      requireUtf8Form(name);
      // Not ASCII: at most 3 bytes per UTF-16 unit.
      if (pos + j + (len - j) * 3 + 1 > b.length) this.#growBytes(pos + j + (len - j) * 3 + 1, pos + j);
      b = this.#bytes;
      pos += j + encoder.encodeInto(name.slice(j), b.subarray(pos + j)).written;
    }
    b[pos++] = 0;
    this.#used = pos;
    this.#count = i + 1;
    return i;
  }

  /**
   * Record what a scanner knows of the name at `index`.
   *
   * @param index The name's index (from {@linkcode NameTableBuilder.add}).
   * @param noSelect Whether it is not selectable.
   * @param status Its STATUS figures (checked by `checkStatus` of format/status.ts), if known.
   * @param guid Its GUID's 16 bytes (checked by `parseGuid` of format/guid.ts), if known.
   * @returns Nothing.
   */
  setExtras(index: number, noSelect: boolean, status: MailboxStatus | undefined, guid?: Uint8Array): void {
    if (!noSelect && status === undefined && guid === undefined) return;
    if (this.#extras === undefined) {
      this.#extras = new Uint8Array(allocate(this.#starts.length, this.#shared));
      this.#status = new Uint32Array(allocate(4 * STATUS_FIELDS * this.#starts.length, this.#shared));
      this.#guids = new Uint32Array(allocate(4 * GUID_WORDS * this.#starts.length, this.#shared));
    }
    let bits = noSelect ? EXTRA_NOSELECT : 0;
    if (status !== undefined) {
      const set = statusToWords(status, this.#status!, index * STATUS_FIELDS);
      bits |= EXTRA_STATUS | ((set & STATUS_MODSEQ_BIT) !== 0 ? EXTRA_MODSEQ : 0) |
        ((set & STATUS_SIZE_BIT) !== 0 ? EXTRA_SIZE : 0) | ((set & STATUS_DELETED_BIT) !== 0 ? EXTRA_DELETED : 0);
    }
    if (guid !== undefined) {
      bits |= EXTRA_GUID;
      const g = this.#guids!, k = index * GUID_WORDS;
      for (let w = 0; w < GUID_WORDS; w++) {
        g[k + w] = (guid[4 * w] | (guid[4 * w + 1] << 8) | (guid[4 * w + 2] << 16) | (guid[4 * w + 3] << 24)) >>> 0;
      }
    }
    this.#extras[index] = bits;
  }

  /**
   * Record the special-use bits a name gives.
   *
   * @param name The name as given.
   * @param bits Its special-use bits.
   * @returns Nothing.
   */
  setSpecialUse(name: string, bits: number): void {
    (this.#specialUse ??= new Map()).set(name, bits);
  }

  /**
   * Append a batch of names at once: joined and encoded by one
   * `encodeInto` call, which for ASCII names (the common case) gives every
   * boundary from the string lengths; other batches go name by name.
   *
   * @param names The full mailbox names.
   * @returns The index of the first one.
   * @throws InvalidNameError as {@linkcode NameTableBuilder.add}.
   */
  addBatch(names: readonly string[]): number {
    const first = this.#count;
    const n = names.length;
    if (n === 0) return first;
    while (first + n + 1 > this.#starts.length) this.#growCount();
    let units = 0;
    for (let k = 0; k < n; k++) units += names[k].length;
    const pos = this.#used;
    const need = units + n;
    if (pos + need > this.#bytes.length) this.#growBytes(pos + need, pos);
    const joined = names.join("\0");
    const r = encoder.encodeInto(joined, this.#bytes.subarray(pos, pos + need));
    if (r.read === joined.length && r.written === joined.length) {
      // All ASCII: one byte per UTF-16 unit, so the lengths give the boundaries.
      let at = pos;
      const starts = this.#starts;
      for (let k = 0; k < n; k++) {
        starts[first + k] = at;
        at += names[k].length + 1;
      }
      this.#bytes[pos + need - 1] = 0;
      this.#used = pos + need;
      this.#count = first + n;
      return first;
    }
    for (let k = 0; k < n; k++) this.add(names[k]);
    return first;
  }

  /**
   * The names added so far, while more may come: the same buffers (until
   * they grow, when later names go to new ones and these keep what they had).
   *
   * @returns The names so far.
   */
  view(): NameTable {
    this.#starts[this.#count] = this.#used;
    const t: NameTable = {
      bytes: this.#bytes,
      starts: this.#starts,
      count: this.#count,
      extras: this.#extras,
      status: this.#status,
    };
    if (this.#guids !== undefined) t.guids = this.#guids;
    if (this.#specialUse !== undefined) t.specialUse = this.#specialUse;
    return t;
  }

  /**
   * The table of every name added.
   *
   * @returns The names (the builder must not be used afterwards).
   */
  finish(): NameTable {
    return this.view();
  }
}

/**
 * One table of the names of several tables, in their order: what workers
 * encoded, share by share, joined without encoding anything again (their
 * bytes and columns are copied as they are).
 *
 * @param tables The tables, in order.
 * @param shared Keep the joined table in shared memory (for workers).
 * @returns The joined table.
 *
 * @example Two shares of a scan
 * ```ts
 * import { joinNameTables, NameTableBuilder } from "./names.ts";
 * const a = new NameTableBuilder(false), b = new NameTableBuilder(false);
 * a.add("INBOX");
 * b.setExtras(b.add("Shared"), true, undefined);
 * const t = joinNameTables([a.finish(), b.finish()], false);
 * console.log(t.count, t.starts[1], t.extras?.[1]); // 2 6 1
 * ```
 */
export function joinNameTables(tables: readonly NameTable[], shared: boolean): NameTable {
  let count = 0, used = 0, extras = false;
  for (const t of tables) {
    count += t.count;
    used += t.starts[t.count];
    if (t.extras !== undefined) extras = true;
  }
  const bytes = new Uint8Array(allocate(Math.max(1, used), shared));
  const starts = new Uint32Array(allocate(4 * (count + 1), shared));
  const e = extras ? new Uint8Array(allocate(Math.max(1, count), shared)) : undefined;
  const s = extras ? new Uint32Array(allocate(4 * STATUS_FIELDS * Math.max(1, count), shared)) : undefined;
  const g = extras ? new Uint32Array(allocate(4 * GUID_WORDS * Math.max(1, count), shared)) : undefined;
  let at = 0, n = 0;
  for (const t of tables) {
    const size = t.starts[t.count];
    bytes.set(t.bytes.subarray(0, size), at);
    for (let i = 0; i < t.count; i++) starts[n + i] = t.starts[i] + at;
    if (t.extras !== undefined) {
      e!.set(t.extras.subarray(0, t.count), n);
      s!.set(t.status!.subarray(0, STATUS_FIELDS * t.count), STATUS_FIELDS * n);
      if (t.guids !== undefined) g!.set(t.guids.subarray(0, GUID_WORDS * t.count), GUID_WORDS * n);
    }
    at += size;
    n += t.count;
  }
  starts[n] = at;
  const joined: NameTable = { bytes, starts, count, extras: e, status: s };
  if (g !== undefined) joined.guids = g;
  for (const t of tables) {
    if (t.specialUse !== undefined) for (const [name, bits] of t.specialUse) (joined.specialUse ??= new Map()).set(name, bits);
  }
  return joined;
}

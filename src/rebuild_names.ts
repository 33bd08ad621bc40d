/**
 * The names of a rebuild, encoded once: every name's UTF-8 bytes back to
 * back in one buffer (shared memory when workers read it), an offsets table,
 * and optional per-name columns for what a store scanner knows (not
 * selectable, STATUS figures). No object per name is kept.
 *
 * @module
 */
import * as fs from "node:fs";
import type { MailboxStatus } from "./types.ts";

/** Bit of {@linkcode NameTable.extras}: the name was reported not selectable. */
export const EXTRA_NOSELECT = 1;
/** Bit of {@linkcode NameTable.extras}: the name carries STATUS figures. */
export const EXTRA_STATUS = 2;
/** Number of STATUS figures stored per name in {@linkcode NameTable.status}. */
export const STATUS_FIELDS = 5;

/**
 * One mailbox to put in a rebuilt index: a name, or a name with what a
 * store scanner knows of it.
 *
 * @example Both forms
 * ```ts
 * import type { RebuildInput } from "./rebuild_names.ts";
 * const a: RebuildInput = "Archive/2009";
 * const b: RebuildInput = { name: "Shared", selectable: false };
 * ```
 */
export type RebuildInput = string | { name: string; selectable?: boolean; status?: MailboxStatus };

/** Where a rebuild's names come from: strings or scanner records, sync or async, or a name-list file. *
 * @example The three kinds of source
 * ```ts
 * import type { RebuildSource } from "./rebuild_names.ts";
 * const list: RebuildSource = ["INBOX", { name: "Shared", selectable: false }];
 * const file: RebuildSource = { file: "/tmp/names.txt" };
 * async function* scan() {
 *   yield "INBOX";
 * }
 * const stream: RebuildSource = scan();
 * ```
 */
export type RebuildSource = Iterable<RebuildInput> | AsyncIterable<RebuildInput> | { file: string };

/**
 * Every name of a rebuild in typed arrays. Name `i` is
 * `bytes[starts[i], starts[i + 1] - 1)`; the byte after each name is not
 * part of it.
 *
 * @example The bytes of the second name
 * ```ts
 * import { readNames } from "./rebuild_names.ts";
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
  /** Per name: {@linkcode EXTRA_NOSELECT} and {@linkcode EXTRA_STATUS} bits; undefined when no name has any. */
  extras: Uint8Array | undefined;
  /** {@linkcode STATUS_FIELDS} figures per name (messages, unseen, recent, uidValidity, uidNext), where `extras` says so. */
  status: Uint32Array | undefined;
}

const encoder = new TextEncoder();
const fatalDecoder = new TextDecoder("utf-8", { fatal: true, ignoreBOM: true });

function allocate(bytes: number, shared: boolean): ArrayBuffer | SharedArrayBuffer {
  return shared ? new SharedArrayBuffer(bytes) : new ArrayBuffer(bytes);
}

/**
 * Collects names into a {@linkcode NameTable}, growing its buffers as
 * needed. ASCII names are copied byte by byte; others go through
 * `TextEncoder.encodeInto` straight into the big buffer.
 *
 * @example Two names
 * ```ts
 * import { NameTableBuilder } from "./rebuild_names.ts";
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
    }
  }

  /**
   * Append one name.
   *
   * @param name The full mailbox name.
   * @returns The name's index.
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
   * @param status Its STATUS figures, if known.
   * @returns Nothing.
   */
  setExtras(index: number, noSelect: boolean, status: MailboxStatus | undefined): void {
    if (!noSelect && status === undefined) return;
    if (this.#extras === undefined) {
      this.#extras = new Uint8Array(allocate(this.#starts.length, this.#shared));
      this.#status = new Uint32Array(allocate(4 * STATUS_FIELDS * this.#starts.length, this.#shared));
    }
    let bits = noSelect ? EXTRA_NOSELECT : 0;
    if (status !== undefined) {
      bits |= EXTRA_STATUS;
      const s = this.#status!, k = index * STATUS_FIELDS;
      s[k] = status.messages >>> 0;
      s[k + 1] = status.unseen >>> 0;
      s[k + 2] = status.recent >>> 0;
      s[k + 3] = status.uidValidity >>> 0;
      s[k + 4] = status.uidNext >>> 0;
    }
    this.#extras[index] = bits;
  }

  /**
   * Append a batch of names at once: joined and encoded by one
   * `encodeInto` call, which for ASCII names (the common case) gives every
   * boundary from the string lengths; other batches go name by name.
   *
   * @param names The full mailbox names.
   * @returns The index of the first one.
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
   * The table of every name added.
   *
   * @returns The names (the builder must not be used afterwards).
   */
  finish(): NameTable {
    this.#starts[this.#count] = this.#used;
    return {
      bytes: this.#bytes,
      starts: this.#starts,
      count: this.#count,
      extras: this.#extras,
      status: this.#status,
    };
  }
}

function isFileSource(source: RebuildSource): source is { file: string } {
  return typeof source === "object" && source !== null && !(Symbol.iterator in source) &&
    !(Symbol.asyncIterator in source) && typeof (source as { file?: unknown }).file === "string";
}

function describeItem(item: unknown): string {
  try {
    return JSON.stringify(item) ?? String(item);
  } catch {
    return String(item);
  }
}

/** Names per batch handed to {@linkcode NameTableBuilder.addBatch}. */
const BATCH = 2048;

/** Collects items into batches: plain names joined, records' extras kept. */
class ItemBatcher {
  readonly #b: NameTableBuilder;
  readonly #names: string[] = [];
  readonly #records: { at: number; noSelect: boolean; status: MailboxStatus | undefined }[] = [];

  constructor(b: NameTableBuilder) {
    this.#b = b;
  }

  push(item: RebuildInput): void {
    if (typeof item === "string") {
      this.#names.push(item);
    } else {
      if (typeof item !== "object" || item === null || typeof item.name !== "string") {
        throw new TypeError(`Cannot rebuild from ${describeItem(item)}: expected a name or { name, selectable?, status? }`);
      }
      if (item.selectable === false || item.status !== undefined) {
        this.#records.push({ at: this.#names.length, noSelect: item.selectable === false, status: item.status });
      }
      this.#names.push(item.name);
    }
    if (this.#names.length >= BATCH) this.flush();
  }

  flush(): void {
    const first = this.#b.addBatch(this.#names);
    for (const r of this.#records) this.#b.setExtras(first + r.at, r.noSelect, r.status);
    this.#names.length = 0;
    this.#records.length = 0;
  }
}

/**
 * Read every name of a source into a {@linkcode NameTable}.
 *
 * @param source Names (strings or scanner records), sync or async, or `{ file }` for a name-list file.
 * @param shared Keep the table in shared memory (for workers).
 * @param onRead Called now and then with the number of names read so far.
 * @param onWarning Receives a message for each skipped line of a name-list file.
 * @returns The table.
 * @throws TypeError for an item that is neither a name nor a scanner record; an Error naming the file when it cannot be read.
 *
 * @example Reading scanner records
 * ```ts
 * import { readNames } from "./rebuild_names.ts";
 * const t = await readNames(["INBOX", { name: "Shared", selectable: false }], false);
 * console.log(t.count, t.extras?.[1]); // 2 1
 * ```
 */
export async function readNames(
  source: RebuildSource,
  shared: boolean,
  onRead?: (count: number) => void,
  onWarning?: (message: string) => void,
): Promise<NameTable> {
  if (isFileSource(source)) return readNameFile(source.file, shared, onWarning);
  let b: NameTableBuilder;
  if (Array.isArray(source)) {
    // Exact for ASCII names: one allocation, no growth.
    let bytes = 0;
    for (let i = 0; i < source.length; i++) {
      const item = source[i] as RebuildInput;
      bytes += (typeof item === "string" ? item.length : (item?.name?.length ?? 0)) + 1;
    }
    b = new NameTableBuilder(shared, bytes, source.length);
  } else {
    b = new NameTableBuilder(shared);
  }
  const batch = new ItemBatcher(b);
  let k = 0;
  if (Symbol.asyncIterator in (source as object)) {
    for await (const item of source as AsyncIterable<RebuildInput>) {
      batch.push(item);
      if ((++k & 0xffff) === 0) onRead?.(k);
    }
  } else {
    for (const item of source as Iterable<RebuildInput>) {
      batch.push(item);
      if ((++k & 0xffff) === 0) onRead?.(k);
    }
  }
  batch.flush();
  onRead?.(b.count);
  return b.finish();
}

/** Whether bytes `[s, e)` are valid UTF-8 (checked only when not ASCII). */
function isUtf8(bytes: Uint8Array, s: number, e: number): boolean {
  try {
    fatalDecoder.decode(bytes.slice(s, e));
    return true;
  } catch {
    return false;
  }
}

/**
 * Read a name-list file (one name per line) straight into a table, without
 * making a string per name. A trailing "\r" is removed, blank lines are
 * skipped, a UTF-8 byte order mark at the start is dropped, and lines that
 * are not valid UTF-8 are skipped with a warning, as `readNameList` does.
 *
 * @param path The file.
 * @param shared Keep the table in shared memory (for workers).
 * @param onWarning Receives a message for each skipped line.
 * @returns The table.
 * @throws Error naming the file when it cannot be read.
 *
 * @example A list with CRLF and a blank line
 * ```ts
 * import { readNameFile } from "./rebuild_names.ts";
 * import { mkdtempSync, writeFileSync } from "node:fs";
 * const p = mkdtempSync("/tmp/mli-") + "/names.txt";
 * writeFileSync(p, "INBOX\r\n\nArchive/2009\n");
 * console.log(readNameFile(p, false).count); // 2
 * ```
 */
export function readNameFile(path: string, shared: boolean, onWarning?: (message: string) => void): NameTable {
  let bytes: Uint8Array;
  let size: number;
  try {
    const fd = fs.openSync(path, "r");
    try {
      size = fs.fstatSync(fd).size;
      // One spare byte: the last line may lack its newline.
      bytes = new Uint8Array(allocate(size + 1, shared));
      let done = 0;
      while (done < size) {
        const n = fs.readSync(fd, bytes, done, size - done, done);
        if (n <= 0) break;
        done += n;
      }
      size = done;
    } finally {
      fs.closeSync(fd);
    }
  } catch (e) {
    const code = (e as { code?: string }).code;
    throw new Error(`Cannot read name list "${path}": ${code ?? (e as Error).message}`, { cause: e });
  }
  let count = 0;
  for (let i = 0; i < size; i++) if (bytes[i] === 0x0a) count++;
  let starts = new Uint32Array(allocate(4 * (count + 2), shared));
  let n = 0, w = 0, line = 0;
  let from = size >= 3 && bytes[0] === 0xef && bytes[1] === 0xbb && bytes[2] === 0xbf ? 3 : 0;
  while (from < size) {
    let nl = bytes.indexOf(0x0a, from);
    if (nl < 0) nl = size;
    line++;
    let end = nl;
    if (end > from && bytes[end - 1] === 0x0d) end--;
    if (end > from) {
      let ascii = true;
      for (let i = from; i < end; i++) {
        if (bytes[i] >= 0x80) {
          ascii = false;
          break;
        }
      }
      if (ascii || isUtf8(bytes, from, end)) {
        if (w !== from) bytes.copyWithin(w, from, end);
        starts[n++] = w;
        w += end - from;
        bytes[w++] = 0;
      } else {
        onWarning?.(`Skipping line ${line} of name list "${path}": not valid UTF-8`);
      }
    }
    from = nl + 1;
  }
  starts[n] = w;
  if (n + 1 < starts.length / 2) starts = starts.slice(0, n + 1);
  return { bytes, starts, count: n, extras: undefined, status: undefined };
}

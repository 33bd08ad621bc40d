/**
 * Reading the names of a rebuild from their source — strings or scanner
 * records, sync or async, or a name-list file — into a
 * {@linkcode NameTable}.
 *
 * @module
 */
import * as fs from "node:fs";
import {
  allocate,
  joinNameTables,
  type NameTable,
  NameTableBuilder,
  type RebuildInput,
  type RebuildSource,
} from "./names.ts";
import type { MailboxStatus } from "../format/types.ts";
import { specialUseOf } from "../format/special_use.ts";
import { checkStatus } from "../format/status.ts";
import { parseGuid } from "../format/guid.ts";
import { describeFsError } from "../format/fs_error.ts";
import { cannotReadNameList, nameListLabel, NameLines } from "../format/name_lines.ts";

/**
 * Whether a source is a name-list file (`{ file }`).
 *
 * @param source The source.
 * @returns True for `{ file }`.
 *
 * @example A file and an array
 * ```ts
 * import { isFileSource } from "./input.ts";
 * console.log(isFileSource({ file: "names.txt" }), isFileSource(["INBOX"])); // true false
 * ```
 */
export function isFileSource(source: RebuildSource): source is { file: string } {
  return typeof source === "object" && source !== null && !(Symbol.iterator in source) &&
    !(Symbol.asyncIterator in source) && typeof (source as { file?: unknown }).file === "string";
}

function isTableSource(source: RebuildSource): source is { table: NameTable } {
  return typeof source === "object" && source !== null && !(Symbol.iterator in source) &&
    !(Symbol.asyncIterator in source) && typeof (source as { table?: unknown }).table === "object";
}

/** Whether every buffer of a table is shared memory. */
function isShared(t: NameTable): boolean {
  return [t.bytes, t.starts, t.extras, t.status, t.guids].every((a) =>
    a === undefined || a.buffer instanceof SharedArrayBuffer
  );
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
  readonly #records: {
    at: number;
    noSelect: boolean;
    status: MailboxStatus | undefined;
    guid: Uint8Array | undefined;
  }[] = [];

  constructor(b: NameTableBuilder) {
    this.#b = b;
  }

  push(item: RebuildInput): void {
    if (typeof item === "string") {
      this.#names.push(item);
    } else {
      if (typeof item !== "object" || item === null || typeof item.name !== "string") {
        throw new TypeError(
          `Cannot rebuild from ${describeItem(item)}: expected a name or { name, selectable?, status?, specialUse?, guid? }`,
        );
      }
      if (item.specialUse !== undefined) this.#b.setSpecialUse(item.name, specialUseOf(item.specialUse, item.name));
      if (item.status !== undefined) checkStatus(item.status, item.name);
      const guid = item.guid === undefined ? undefined : parseGuid(item.guid);
      if (item.selectable === false || item.status !== undefined || guid !== undefined) {
        this.#records.push({ at: this.#names.length, noSelect: item.selectable === false, status: item.status, guid });
      }
      this.#names.push(item.name);
    }
    if (this.#names.length >= BATCH) this.flush();
  }

  flush(): void {
    const first = this.#b.addBatch(this.#names);
    for (const r of this.#records) this.#b.setExtras(first + r.at, r.noSelect, r.status, r.guid);
    this.#names.length = 0;
    this.#records.length = 0;
  }
}

/**
 * Read every name of a source into a {@linkcode NameTable}.
 *
 * @param source Names (strings or scanner records), sync or async, `{ file }` for a name-list file, or `{ table }` for names already encoded (copied only when shared memory is needed and it is not).
 * @param shared Keep the table in shared memory (for workers).
 * @param onRead Called now and then with the number of names read so far.
 * @param onWarning Receives a message for each skipped line of a name-list file.
 * @param onChunk For an array: called after each {@linkcode READ_CHUNK} names (and after the last) with the names read so far and the range just read, so that work on them can start.
 * @returns The table.
 * @throws TypeError for an item that is neither a name nor a scanner record; an Error naming the file when it cannot be read.
 *
 * @example Reading scanner records
 * ```ts
 * import { readNames } from "./input.ts";
 * const t = await readNames(["INBOX", { name: "Shared", selectable: false }], false);
 * console.log(t.count, t.extras?.[1]); // 2 1
 * ```
 */
export async function readNames(
  source: RebuildSource,
  shared: boolean,
  onRead?: (count: number) => void,
  onWarning?: (message: string) => void,
  onChunk?: (names: NameTable, from: number, to: number) => void,
): Promise<NameTable> {
  if (isFileSource(source)) return readNameFile(source.file, shared, onWarning);
  if (isTableSource(source)) {
    const t = source.table;
    onRead?.(t.count);
    return shared && !isShared(t) ? joinNameTables([t], true) : t;
  }
  if (Array.isArray(source)) return readNameArray(source as readonly RebuildInput[], shared, onRead, onChunk);
  const b = new NameTableBuilder(shared);
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

/** Names per batch of an array source: small enough that a batch's strings are still in cache when they are joined. */
const ARRAY_BATCH = 256;

/** Names per chunk handed to `onChunk` of {@linkcode readNames} (a multiple of the batch). */
export const READ_CHUNK = 1 << 16;

/**
 * Read an array of names: a batch of plain strings at a time straight into
 * the table (see {@linkcode NameTableBuilder.addBatch}), without touching
 * every string once more beforehand to size the buffer — the size is
 * estimated from a sample and the buffer grows in the rare case the
 * estimate is short. Batches holding scanner records go item by item.
 */
function readNameArray(
  source: readonly RebuildInput[],
  shared: boolean,
  onRead?: (count: number) => void,
  onChunk?: (names: NameTable, from: number, to: number) => void,
): NameTable {
  const n = source.length;
  const step = Math.max(1, Math.floor(n / 1024));
  let sampled = 0, units = 0;
  for (let i = 0; i < n; i += step) {
    const item = source[i];
    units += (typeof item === "string" ? item.length : (item?.name?.length ?? 0)) + 1;
    sampled++;
  }
  const estimate = sampled === 0 ? 0 : Math.ceil((units / sampled) * n * 1.05) + 4096;
  const b = new NameTableBuilder(shared, estimate, n);
  const batch = new ItemBatcher(b);
  for (let i0 = 0; i0 < n; i0 += ARRAY_BATCH) {
    const i1 = Math.min(n, i0 + ARRAY_BATCH);
    const part = source.slice(i0, i1);
    let plain = true;
    for (let k = 0; k < part.length; k++) {
      if (typeof part[k] !== "string") {
        plain = false;
        break;
      }
    }
    if (plain) {
      b.addBatch(part as string[]);
    } else {
      for (let k = 0; k < part.length; k++) batch.push(part[k]);
      batch.flush();
    }
    if (i1 % READ_CHUNK === 0 || i1 === n) {
      onRead?.(i1);
      onChunk?.(b.view(), i1 - (i1 % READ_CHUNK === 0 ? READ_CHUNK : i1 % READ_CHUNK), i1);
    }
  }
  onRead?.(b.count);
  return b.finish();
}

/**
 * The bytes of a name-list file, with one spare byte past them (the last
 * line may lack its newline, and its name takes a NUL).
 *
 * @param path The file.
 * @param shared Read them into shared memory (for workers).
 * @returns The bytes and the file's size.
 * @throws Error naming the file when it cannot be read.
 *
 * @example Two names, eleven bytes
 * ```ts
 * import { readNameFileBytes } from "./input.ts";
 * import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
 * import { tmpdir } from "node:os";
 * const dir = mkdtempSync(tmpdir() + "/mli-");
 * writeFileSync(dir + "/names.txt", "INBOX\nSent\n");
 * const { bytes, size } = readNameFileBytes(dir + "/names.txt", false);
 * console.log(size, bytes.length); // 11 12
 * rmSync(dir, { recursive: true });
 * ```
 */
export function readNameFileBytes(path: string, shared: boolean): { bytes: Uint8Array; size: number } {
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
    throw new Error(cannotReadNameList(path, describeFsError(e)), { cause: e });
  }
  return { bytes, size };
}

/**
 * Read a name-list file (one name per line) straight into a table, without
 * making a string per name, by the one rule of a name list
 * (`format/name_lines.ts`) that `readNameList` follows too: a trailing "\r"
 * is removed, blank lines are skipped, a UTF-8 byte order mark at the start
 * is dropped, and lines longer than 1 MiB or not valid UTF-8 are skipped
 * with a warning.
 *
 * @param path The file.
 * @param shared Keep the table in shared memory (for workers).
 * @param onWarning Receives a message for each skipped line.
 * @returns The table.
 * @throws Error naming the file when it cannot be read.
 *
 * @example A list with CRLF and a blank line
 * ```ts
 * import { readNameFile } from "./input.ts";
 * import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
 * import { tmpdir } from "node:os";
 * const dir = mkdtempSync(tmpdir() + "/mli-");
 * writeFileSync(dir + "/names.txt", "INBOX\r\n\nArchive/2009\n");
 * console.log(readNameFile(dir + "/names.txt", false).count); // 2
 * rmSync(dir, { recursive: true });
 * ```
 */
export function readNameFile(path: string, shared: boolean, onWarning?: (message: string) => void): NameTable {
  const { bytes, size } = readNameFileBytes(path, shared);
  let count = 0;
  for (let i = 0; i < size; i++) if (bytes[i] === 0x0a) count++;
  // Workers are given these very buffers (shared memory), never copies: like a builder's, `starts` may be longer than used.
  const starts = new Uint32Array(allocate(4 * (count + 2), shared));
  let n = 0, w = 0;
  // Names move down in place (a name and its NUL take no more room than its line), to the spare byte at most.
  new NameLines(nameListLabel(path), undefined, onWarning).lines(bytes, 0, size, (from, end) => {
    if (w !== from) bytes.copyWithin(w, from, end);
    starts[n++] = w;
    w += end - from;
    bytes[w++] = 0;
  });
  starts[n] = w;
  return { bytes, starts, count: n, extras: undefined, status: undefined };
}

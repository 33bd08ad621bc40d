/**
 * Rebuilding an index from a full list of names (SPEC §8): a fresh list
 * file laid out root first, then every directory in depth-first pre-order,
 * UIDs in that same pre-order — so the bytes do not depend on the order the
 * names come in nor on the number of workers — plus its attribute file,
 * written next to the target and renamed into place with the header last.
 *
 * @module
 */
import { encodeAttrHeader } from "./attr_codec.ts";
import { HEADER_SIZE, MailboxFlags } from "./constants.ts";
import { decodeHeader, encodeHeader, type ListHeader } from "./header.ts";
import { grownSize } from "./growth.ts";
import { replaceIndexFiles } from "./index_files.ts";
import { type FileIO, nodeFileIO, readFully } from "./io.ts";
import { acquireLock, type LockOptions } from "./lock.ts";
import { separatorByte } from "./name_codec.ts";
import { readNameListBatches } from "./scan_name_list.ts";
import { DEFAULT_LIMITS, type NameLimits, SyncEngine } from "./sync.ts";
import type { MailboxStatus } from "./types.ts";
import { parallelRebuildImages, type RebuildFault } from "./rebuild_parallel.ts";
import { emptyImage } from "./rebuild_unit.ts";

/** One mailbox to put in a rebuilt index: a name, or a name with what a store scanner knows of it. */
export type RebuildInput = string | { name: string; selectable?: boolean; status?: MailboxStatus };

/** Options of {@linkcode rebuild}. */
export interface RebuildOptions {
  /** Hierarchy separator (default "/"). */
  separator?: string;
  /** Worker threads; 0 (default) builds in this thread. */
  workers?: number;
  /** uid_validity of the new index (default: seconds since the epoch). */
  uidValidity?: number;
  /** Called with the number of names read so far, and the phase. */
  onProgress?: (done: number, phase: "read" | "build" | "write") => void;
  /** The I/O seam (default node:fs). */
  io?: FileIO;
  /** Flush at each step (default true). */
  durable?: boolean;
  /** Longest component in bytes (default 255). */
  maxComponentLength?: number;
  /** Most levels per name (default 128). */
  maxDepth?: number;
  /** Largest list file (default just under 1 GiB). */
  maxFileSize?: number;
  /** Writer lock options. */
  lock?: LockOptions;
  /** Where warnings go (default console.warn). */
  onWarning?: (message: string) => void;
  /** Make one worker fail (tests of failure handling only). */
  faultInjection?: RebuildFault;
}

/** What a rebuild wrote. */
export interface RebuildResult {
  /** Mailboxes in the new index (implied parents included). */
  count: number;
  /** used_space of the new list file. */
  usedSpace: number;
  /** Size of the new list file. */
  fileSize: number;
  /** uid_validity of the new index. */
  uidValidity: number;
  /** file_seq of the new list file. */
  fileSeq: number;
  /** Milliseconds the rebuild took. */
  ms: number;
}

/** The new images of a rebuild, before they are written. */
export interface RebuildImages {
  /** List file bytes `[0, used_space)`. */
  list: Uint8Array;
  /** Attribute file bytes. */
  attr: Uint8Array;
  /** Records in the new index. */
  count: number;
}

/** Names, statuses and flags gathered from the inputs. */
export interface GatheredInput {
  /** All names. */
  names: string[];
  /** STATUS per name, where given. */
  status: Map<string, MailboxStatus>;
  /** Names reported as not selectable. */
  noSelect: Set<string>;
}

/**
 * Read every input (strings, scanner records, or a name-list file).
 *
 * @param input The names.
 * @param onProgress Progress callback.
 * @returns Names plus per-name extras.
 *
 * @example
 * ```ts
 * import { gatherInput } from "./rebuild.ts";
 * const g = await gatherInput(["INBOX", { name: "Shared", selectable: false }]);
 * console.log(g.names.length, g.noSelect.has("Shared")); // 2 true
 * ```
 */
export async function gatherInput(
  input: Iterable<RebuildInput> | AsyncIterable<RebuildInput> | { file: string },
  onProgress?: RebuildOptions["onProgress"],
): Promise<GatheredInput> {
  const names: string[] = [];
  const status = new Map<string, MailboxStatus>();
  const noSelect = new Set<string>();
  const take = (item: RebuildInput) => {
    if (typeof item === "string") {
      names.push(item);
      return;
    }
    names.push(item.name);
    if (item.status !== undefined) status.set(item.name, item.status);
    if (item.selectable === false) noSelect.add(item.name);
  };
  if ("file" in input && typeof (input as { file: unknown }).file === "string") {
    for await (const batch of readNameListBatches((input as { file: string }).file)) {
      for (const n of batch) names.push(n);
      onProgress?.(names.length, "read");
    }
  } else if (Symbol.asyncIterator in (input as object)) {
    for await (const item of input as AsyncIterable<RebuildInput>) {
      take(item);
      if ((names.length & 0xffff) === 0) onProgress?.(names.length, "read");
    }
  } else {
    for (const item of input as Iterable<RebuildInput>) take(item);
  }
  onProgress?.(names.length, "read");
  return { names, status, noSelect };
}

/**
 * Build the images of a fresh index in this thread: every name into a tree,
 * UIDs in pre-order, directories in pre-order.
 *
 * @param input Names and extras.
 * @param sep Separator byte.
 * @param uidValidity uid_validity of the new index.
 * @param fileSeq file_seq of the new list file.
 * @param limits Name limits.
 * @param file Path, for errors.
 * @returns The images.
 *
 * @example
 * ```ts
 * import { buildImages } from "./rebuild.ts";
 * const img = buildImages({ names: ["a/b"], status: new Map(), noSelect: new Set() }, 0x2f, 7, 1);
 * console.log(img.count); // 2
 * ```
 */
export function buildImages(
  input: GatheredInput,
  sep: number,
  uidValidity: number,
  fileSeq: number,
  limits: NameLimits = DEFAULT_LIMITS,
  file = "(rebuild)",
): RebuildImages {
  const engine = new SyncEngine(emptyImage(uidValidity, file), undefined, sep, { recursive: true }, limits);
  for (const name of input.names) engine.add(name);
  engine.renumberPreorder();
  for (const [name, st] of input.status) engine.setStatus(name, st);
  for (const name of input.noSelect) engine.orFlags(name, MailboxFlags.NoSelect);
  const plan = engine.plan();
  const header: ListHeader = { ...plan.header, fileSeq };
  const list = new Uint8Array(plan.header.usedSpace);
  encodeHeader(list, header);
  list.set(plan.append, plan.appendOffset);
  if (plan.attr.kind !== "replace") throw new Error("A rebuild always writes a whole attribute file");
  const attr = plan.attr.image;
  // The attribute header belongs to the new list file's file_seq.
  new DataView(attr.buffer, attr.byteOffset).setUint32(16, fileSeq, true);
  reseal(attr);
  return { list, attr, count: plan.added };
}

/** Recompute the attribute header's checksum after a field changed. */
function reseal(attr: Uint8Array): void {
  const dv = new DataView(attr.buffer, attr.byteOffset, 48);
  const fields = {
    uidValidity: dv.getUint32(12, true),
    listFileSeq: dv.getUint32(16, true),
    nextUid: dv.getUint32(20, true),
    count: dv.getUint32(24, true),
    live: dv.getUint32(32, true),
    separator: dv.getUint32(36, true),
  };
  encodeAttrHeader(attr, fields);
}

/** file_seq of the index at `path` when its header is readable, else 0. */
function previousFileSeq(io: FileIO, path: string): number {
  let fd: number;
  try {
    fd = io.open(path, "read");
  } catch {
    return 0;
  }
  try {
    const b = new Uint8Array(HEADER_SIZE);
    const size = io.fstat(fd).size;
    readFully(io, fd, b, 0, HEADER_SIZE, 0);
    return decodeHeader(b, size, path).fileSeq;
  } catch {
    return 0;
  } finally {
    io.close(fd);
  }
}

/**
 * Rebuild the index at `indexPath` from a full list of names, replacing
 * whatever is there (a reader keeps its open copy until it sees the new
 * file_seq / inode). With `workers` > 0 the hierarchy is sharded across
 * worker threads; the bytes are the same for any number of workers.
 *
 * @param indexPath Path of the list file.
 * @param names Names (strings or scanner records), sync or async, or `{ file }` for a name list.
 * @param options Rebuild options.
 * @returns What was written.
 * @throws InvalidNameError for a name the index cannot hold; IndexLimitError past 1 GiB; nothing is written then.
 *
 * @example Rebuild a small index
 * ```ts
 * import { rebuild } from "./rebuild.ts";
 * import { mkdtempSync } from "node:fs";
 * import { tmpdir } from "node:os";
 * const r = await rebuild(mkdtempSync(tmpdir() + "/mli-") + "/u.mlist", ["INBOX", "Archive/2009"]);
 * console.log(r.count); // 3
 * ```
 */
export async function rebuild(
  indexPath: string,
  names: Iterable<RebuildInput> | AsyncIterable<RebuildInput> | { file: string },
  options: RebuildOptions = {},
): Promise<RebuildResult> {
  const started = performance.now();
  const io = options.io ?? nodeFileIO;
  const sep = separatorByte(options.separator ?? "/");
  const uidValidity = (options.uidValidity ?? Math.floor(Date.now() / 1000)) >>> 0 || 1;
  const limits: NameLimits = {
    maxComponentLength: options.maxComponentLength ?? DEFAULT_LIMITS.maxComponentLength,
    maxDepth: options.maxDepth ?? DEFAULT_LIMITS.maxDepth,
    maxFileSize: Math.min(options.maxFileSize ?? DEFAULT_LIMITS.maxFileSize, DEFAULT_LIMITS.maxFileSize),
  };
  const input = await gatherInput(names, options.onProgress);
  const fileSeq = ((previousFileSeq(io, indexPath) + 1) >>> 0) || 1;
  options.onProgress?.(input.names.length, "build");
  const workers = Math.max(0, Math.floor(options.workers ?? 0));
  const images = workers > 0
    ? await parallelRebuildImages(input, sep, uidValidity, fileSeq, limits, workers, indexPath, options.faultInjection)
    : buildImages(input, sep, uidValidity, fileSeq, limits, indexPath);
  options.onProgress?.(input.names.length, "write");
  const lock = await acquireLock(indexPath, { onWarning: options.onWarning, ...options.lock });
  try {
    const fileSize = grownSize(images.list.length);
    replaceIndexFiles(io, indexPath, images.list, fileSize, images.attr, options.durable ?? true);
    return {
      count: images.count,
      usedSpace: images.list.length,
      fileSize,
      uidValidity,
      fileSeq,
      ms: performance.now() - started,
    };
  } finally {
    lock.release();
  }
}

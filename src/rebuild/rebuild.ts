/**
 * Rebuilding an index from a full list of names (SPEC §8): a fresh list
 * file laid out root first, then every directory in depth-first pre-order,
 * with UIDs in that same pre-order — so its bytes depend neither on the
 * order the names come in nor on the number of workers — plus its
 * attribute file. Both replace the old files as a whole, under the writer
 * lock: written next to them and flushed, then renamed into place through
 * the journal, the header last. A reader that has the old files open keeps
 * answering from them until it sees the new file_seq and inode.
 *
 * @module
 */
import { replacementChanges } from "./changes.ts";
import { GROWTH_BLOCK, HEADER_SIZE } from "../format/constants.ts";
import { decodeHeader } from "../format/header.ts";
import { grownSize } from "../format/growth.ts";
import { indexPaths } from "../store/paths.ts";
import { recoverJournal, replaceIndexFiles } from "../store/writer.ts";
import { type FileIO, nodeFileIO, readFully } from "../store/io.ts";
import { UnsafeFileError } from "../format/errors.ts";
import { acquireLock, type LockOptions } from "../store/lock.ts";
import { separatorByte } from "../format/name_codec.ts";
import { isFileSource, readNames } from "./input.ts";
import { readNameFileOn } from "./file_read.ts";
import { writeRebuildHeaders } from "./layout.ts";
import type { NameTable, RebuildInput, RebuildSource } from "./names.ts";
import {
  paramsOf,
  type RebuildFault,
  type RebuildImages,
  rebuildImages,
  rebuildImagesHere,
  readRouted,
} from "./coordinator.ts";
import {
  closeIdleRebuildWorkers,
  keptWorkers,
  RebuildWorkerLease,
  type RebuildWorkers,
  startRebuildWorkers,
} from "./workers.ts";
import { checkedName, limitsOf } from "../format/limits.ts";
import { encodeSubscriptions } from "../format/subs_codec.ts";
import { applySpecialUse, carriedSpecialUse, replacedIndex } from "./special_use.ts";
import { carryOver } from "./carry.ts";

export type { RebuildImages, RebuildInput, RebuildSource, RebuildWorkers };
export { closeIdleRebuildWorkers, startRebuildWorkers };

/**
 * Options of {@linkcode rebuild}.
 *
 * @example Four workers and a fixed uid_validity
 * ```ts
 * import type { RebuildOptions } from "./rebuild.ts";
 * const options: RebuildOptions = { separator: ".", workers: 4, uidValidity: 1700000000 };
 * ```
 */
export interface RebuildOptions {
  /** Hierarchy separator, one byte (default "/"). */
  separator?: string;
  /**
   * Worker threads: a number of them for this rebuild (0, the default,
   * builds in the caller's thread without any worker; others are started
   * once per process and kept idle between calls where the runtime allows),
   * or workers from {@linkcode startRebuildWorkers} to use and keep.
   */
  workers?: number | RebuildWorkers;
  /** uid_validity of the new index (default: seconds since the epoch). */
  uidValidity?: number;
  /** Called with the number of names read so far and the phase that starts. */
  onProgress?: (done: number, phase: "read" | "build" | "write") => void;
  /** The I/O seam for the index files (default node:fs). */
  io?: FileIO;
  /** Flush at each step (default true). */
  durable?: boolean;
  /** Longest component in bytes (default 255). */
  maxComponentLength?: number;
  /** Most levels in one name (default 255). */
  maxDepth?: number;
  /** Longest full name in bytes (default 4096). */
  maxNameLength?: number;
  /** Largest list file in bytes (default and maximum: just under 1 GiB). */
  maxFileSize?: number;
  /** How to wait for the writer lock. */
  lock?: LockOptions;
  /** Where warnings go (default console.warn): stale locks taken over, skipped lines of a name-list file. */
  onWarning?: (message: string) => void;
  /**
   * Replace the index's subscriptions (SPEC §12) with these names, in the
   * same journal record as the new files — for example what a store's own
   * subscriptions file lists. Default: the subscriptions stay as they are.
   */
  subscriptions?: Iterable<string>;
  /** Test hook: make one worker throw, exit or crash during one phase. */
  __faultInjection?: RebuildFault;
}

/**
 * What a rebuild wrote.
 *
 * @example Reporting a rebuild
 * ```ts ignore
 * const r: RebuildResult = await rebuild(path, names);
 * console.log(`${r.count} mailboxes, ${r.usedSpace} bytes in ${r.ms.toFixed(0)} ms`);
 * ```
 */
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
  /** Milliseconds the rebuild took, reading the names included. */
  ms: number;
  /** Where those milliseconds went, phase by phase (wall-clock time of the calling thread). */
  phases: RebuildPhases;
}

/**
 * Wall-clock milliseconds of each phase of a rebuild, in the calling
 * thread; they add up to {@linkcode RebuildResult.ms}. With workers, a
 * phase lasts until the last worker is done with it.
 *
 * @example The serial share of a rebuild
 * ```ts ignore
 * const { phases: p, ms } = await rebuild(path, names, { workers: 2 });
 * console.log(((p.read + p.layout + p.flush) / ms).toFixed(2));
 * ```
 */
export interface RebuildPhases {
  /** Starting worker threads for this call (0 without workers, or with kept ones). */
  start: number;
  /** Reading and encoding the names (with workers, routing an array of names overlaps this). */
  read: number;
  /** Handing the names to the workers and routing them to units (what routing is left after reading). */
  route: number;
  /** Building the units (sorting, the levels, each unit's own layout). */
  build: number;
  /** Laying out the whole file from the units' sizes, and checking the limits. */
  layout: number;
  /** Allocating the images and writing every record, name and attribute entry into them. */
  write: number;
  /** Taking the lock, carrying over what the old index had, writing both files, flushing and renaming them. */
  flush: number;
}

/** The phases' durations from the times they started (a phase that did not happen lasts 0). */
function phasesOf(started: number, marks: Record<string, number>, ended: number): RebuildPhases {
  const order = ["start", "read", "route", "build", "layout", "write", "flush"] as const;
  const at = order.map((k) => marks[k]);
  // A phase that did not happen starts where the next one does.
  for (let k = order.length - 1; k >= 0; k--) at[k] ??= k + 1 < order.length ? at[k + 1] : ended;
  const out = {} as RebuildPhases;
  order.forEach((k, i) => {
    out[k] = (i + 1 < order.length ? at[i + 1] : ended) - (i === 0 ? started : at[i]);
  });
  return out;
}

/** file_seq of the index at `path` when its header is readable, else 0. */
function previousFileSeq(io: FileIO, path: string): number {
  let fd: number;
  try {
    fd = io.open(path, "read");
  } catch (e) {
    // A symbolic link or other non-file where the list file should be is refused, not replaced.
    if (e instanceof UnsafeFileError) throw e;
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
 * whatever is there. Every name becomes a mailbox; the parents it implies
 * are created with `\NonExistent`; a name that ends with the separator
 * declares a parent only. Scanner records may say a mailbox is not
 * selectable (`\Noselect`) and give its STATUS figures. Duplicates are fine.
 *
 * The special-use attributes, the GUID and `\NoInferiors` of every name the
 * new index keeps are carried over from the index it replaces, unless a
 * scanner record gives that name its own (`specialUse`, `guid`, which
 * win); every other mailbox gets a random GUID. The subscriptions stay as
 * they are, unless `subscriptions` replaces them.
 *
 * With `workers` > 0 the hierarchy is shared among that many worker threads
 * (started by the first such call; on Node and Bun they then wait idle,
 * without keeping the process alive, for the next call that asks for as
 * many — `closeIdleRebuildWorkers` stops them; on Deno they stop when the
 * call ends); the bytes written
 * are the same for any number of workers. When anything fails — a name the
 * index cannot hold, a worker that throws or dies, the size limit — the
 * rebuild rejects with the cause, the other workers are stopped, and the
 * old index stays as it was.
 *
 * @param indexPath Path of the list file.
 * @param names Names (strings or scanner records), sync or async, or `{ file }` for a name list (one name per line).
 * @param options Separator, workers, uid_validity, progress, limits, I/O.
 * @returns What was written.
 * @throws InvalidNameError naming the first name (or subscription) the index cannot hold (empty, NUL byte, component too long, too deep, too long), or a name with no UTF-8 form (a lone surrogate) as soon as it is read; IndexLimitError when the file would pass its size limit; the error of a failed worker.
 *
 * @example Rebuild a small index in this thread
 * ```ts
 * import { rebuild } from "./rebuild.ts";
 * import { mkdtempSync, rmSync } from "node:fs";
 * import { tmpdir } from "node:os";
 * const dir = mkdtempSync(tmpdir() + "/mli-");
 * const r = await rebuild(dir + "/u.mlist", ["INBOX", "Archive/2009", { name: "Shared", selectable: false }]);
 * console.log(r.count); // 4
 * rmSync(dir, { recursive: true });
 * ```
 *
 * @example Rebuild from a name list with two workers
 * ```ts ignore
 * import { rebuild } from "./rebuild.ts";
 * const r = await rebuild("/var/mail/u.mlist", { file: "/tmp/names.txt" }, { separator: ".", workers: 2 });
 * ```
 */
export async function rebuild(
  indexPath: string,
  names: RebuildSource,
  options: RebuildOptions = {},
): Promise<RebuildResult> {
  const started = performance.now();
  const io = options.io ?? nodeFileIO;
  const sep = separatorByte(options.separator ?? "/");
  const workers = options.workers ?? 0;
  const kept = keptWorkers(workers);
  if (kept === undefined && (!Number.isInteger(workers) || (workers as number) < 0)) {
    throw new RangeError(`Invalid number of workers ${workers}: give a whole number ≥ 0`);
  }
  const uidValidity = options.uidValidity ?? Math.floor(Date.now() / 1000);
  if (!Number.isInteger(uidValidity) || uidValidity < 1 || uidValidity > 0xffffffff) {
    throw new RangeError(`Invalid uid_validity ${uidValidity}: give a whole number from 1 to 4294967295`);
  }
  const limits = limitsOf(options);
  const durable = options.durable ?? true;
  const onWarning = options.onWarning ?? ((m: string) => console.warn(m));
  const subsImage = options.subscriptions === undefined
    ? undefined
    : encodeSubscriptions([...options.subscriptions].map((n) => checkedName(n, sep, limits)), sep);
  const progress = options.onProgress;
  const lease = await RebuildWorkerLease.take(kept ?? (workers as number), `rebuild "${indexPath}"`);
  const readFrom = performance.now();
  try {
    const pool = lease.pool;
    // The file_seq is learnt under the lock: the headers are written then, once.
    const params = paramsOf(sep, uidValidity, undefined, limits, indexPath);
    params.fault = options.__faultInjection;
    const onRead = (n: number) => progress?.(n, "read");
    // With workers, an array of names is routed to the units while it is read.
    // With workers, a name-list file is split into names by them, each a share of its bytes.
    const { names: table, routing } = pool !== undefined && Array.isArray(names)
      ? await readRouted(names as readonly RebuildInput[], pool, params, onRead)
      : pool !== undefined && isFileSource(names)
      ? { names: await readNameFileOn(names.file, pool, onWarning), routing: undefined }
      : { names: await readNames(names, pool !== undefined, onRead, onWarning), routing: undefined };
    // The names are read: handing them to the workers and routing them start now.
    const marks: Record<string, number> = { read: readFrom, route: performance.now() };
    params.onPhase = (phase) => {
      marks[phase] ??= performance.now();
      if (phase === "build") progress?.(table.count, "build");
    };
    const images = pool !== undefined ? await rebuildImages(table, params, pool, routing) : rebuildImagesHere(table, params);
    marks.flush = performance.now();
    lease.done();
    progress?.(table.count, "write");
    const usedSpace = images.list.length;
    const cap = Math.max(usedSpace, Math.floor(limits.maxFileSize / GROWTH_BLOCK) * GROWTH_BLOCK);
    const fileSize = Math.min(grownSize(usedSpace), cap);
    const lock = await acquireLock(indexPath, { onWarning, ...options.lock });
    try {
      // A commit interrupted before this rebuild is finished first, so that its renames cannot land later.
      recoverJournal(io, indexPaths(indexPath), { durable, onWarning });
      const fileSeq = ((previousFileSeq(io, indexPath) + 1) >>> 0) || 1;
      writeRebuildHeaders(images.list, images.attr, images.count, { uidValidity, fileSeq, separator: sep });
      // The special-use, GUID and \NoInferiors of every name kept, unless the input gives its own.
      const replaced = replacedIndex(io, indexPath, sep, onWarning);
      const special = carriedSpecialUse(replaced, sep, indexPath, onWarning);
      for (const [name, bits] of table.specialUse ?? []) special.set(name, bits);
      applySpecialUse(images.list, images.attr, sep, special);
      carryOver(images.list, images.attr, replaced, indexPath, onWarning);
      const changes = replacementChanges(replaced, images.list, images.attr, String.fromCharCode(sep));
      replaceIndexFiles(io, indexPath, { fileSeq, uidValidity }, images.list, fileSize, images.attr, durable, subsImage, changes);
      const ended = performance.now();
      return {
        count: images.count,
        usedSpace,
        fileSize,
        uidValidity,
        fileSeq,
        ms: ended - started,
        phases: phasesOf(started, marks, ended),
      };
    } finally {
      lock.release();
    }
  } finally {
    // Our own workers always stop; kept ones only when one of them died.
    await lease.release();
  }
}

/**
 * Names read by {@linkcode gatherInput}: a {@linkcode NameTable} in shared
 * memory, with the number of names also as `names.length`.
 *
 * @example Counting what was read
 * ```ts
 * import { type GatheredInput, gatherInput } from "./rebuild.ts";
 * const input: GatheredInput = await gatherInput(["a", "b/c"]);
 * console.log(input.names.length === input.count); // true
 * ```
 */
export type GatheredInput = NameTable & { readonly names: { readonly length: number } };

/**
 * Read every name of a source into shared memory, for a rebuild on worker
 * threads or in this thread.
 *
 * @param names Names (strings or scanner records), sync or async, or `{ file }` for a name list.
 * @param onProgress Called with the number of names read so far.
 * @returns The names.
 *
 * @example Names and a scanner record
 * ```ts
 * import { gatherInput } from "./rebuild.ts";
 * const input = await gatherInput(["INBOX", { name: "Shared", selectable: false }]);
 * console.log(input.names.length); // 2
 * ```
 */
export async function gatherInput(
  names: RebuildSource,
  onProgress?: RebuildOptions["onProgress"],
): Promise<GatheredInput> {
  const table = await readNames(names, true, (n) => onProgress?.(n, "read"));
  return Object.assign(table, { names: { length: table.count } });
}

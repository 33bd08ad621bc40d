/**
 * Opening an index: {@linkcode OpenOptions}, and making its files ready
 * before the first read — an empty index created where there is none, an
 * interrupted commit finished ({@linkcode prepareIndexFiles}).
 *
 * @module
 */
import { ChangeBatchBuilder } from "../format/change_log.ts";
import { encodeAttrImage } from "../format/attr_codec.ts";
import { type CorruptIndexError, IndexStateError } from "../format/errors.ts";
import { HEADER_SIZE } from "../format/constants.ts";
import { encodeHeader, type ListHeader } from "../format/header.ts";
import { JOURNAL_PENDING } from "../format/journal.ts";
import { separatorByte } from "../format/name_codec.ts";
import type { FileIO } from "../store/io.ts";
import { acquireLock, type LockOptions } from "../store/lock.ts";
import type { IndexPaths } from "../store/paths.ts";
import { recoverJournal, replaceIndexFiles } from "../store/writer.ts";
import { readJournalStamp } from "../store/file_read.ts";

/**
 * Options of `MailboxListIndex.open`.
 *
 * @example A read-only index with a custom separator
 * ```ts ignore
 * const options: OpenOptions = { separator: ".", readonly: true, checkIntervalMs: 1_000 };
 * const index = await MailboxListIndex.open("/var/mail/u/mailboxes.mlist", options);
 * ```
 */
export interface OpenOptions {
  /** Hierarchy separator, one byte (default: the one stored at creation, else "/"). */
  separator?: string;
  /** Open for reading only: never create, lock or write. */
  readonly?: boolean;
  /** uid_validity for a new index (default: seconds since the epoch). */
  uidValidity?: number;
  /** The I/O seam (default: node:fs). */
  io?: FileIO;
  /** Flush to stable storage at each commit step (default true). */
  durable?: boolean;
  /** How long a sync waits for the writer lock (default 10 s). */
  lockTimeoutMs?: number;
  /**
   * How long a lock held from another host may show no sign of life before
   * it is taken over (default 60 s). A live holder on this host is never
   * taken over; a held lock refreshes itself well within this time.
   */
  staleLockMs?: number;
  /** Longest name component in bytes (default 255). */
  maxComponentLength?: number;
  /** Most levels in a name (default 255). */
  maxDepth?: number;
  /** Longest full name in bytes, UTF-8 (default 4096). */
  maxNameLength?: number;
  /** Largest list file in bytes (default and maximum: just under 1 GiB). */
  maxFileSize?: number;
  /**
   * Readers re-check the files at most this often (default 0: before every
   * answer). With an interval, the clock is read at the first answer of each
   * synchronous run of answers (one command) and every 4,096 answers of a
   * long run, not before each answer: answers are at most the interval plus
   * that many answers old.
   */
  checkIntervalMs?: number;
  /** Where warnings go (default console.warn). */
  onWarning?: (message: string) => void;
  /**
   * Bound of the change log's history in bytes (default 4 MiB, SPEC §13):
   * a watcher further behind than that is told so.
   */
  changeHistoryBytes?: number;
}

/**
 * The writer-lock options of an index's open options.
 *
 * @param options The index's open options.
 * @returns How its writers wait for the lock.
 *
 * @example Taking the lock as the index does
 * ```ts ignore
 * const lock = await acquireLock(path, lockOptions({ lockTimeoutMs: 500 }));
 * ```
 */
export function lockOptions(options: OpenOptions): LockOptions {
  return {
    timeoutMs: options.lockTimeoutMs,
    staleMs: options.staleLockMs,
    onWarning: options.onWarning,
  };
}

/**
 * Make a writable index's files ready to be read: when the list file is
 * missing or a commit was left pending, take the writer lock, finish the
 * commit and create an empty index where there still is none. Nothing is
 * done (and no lock taken) when the files are in place.
 *
 * @param io The I/O seam.
 * @param path Path of the list file.
 * @param paths The index's files.
 * @param options The open options (separator, uid_validity, lock and durability).
 * @returns Nothing.
 * @throws LockTimeoutError when another writer holds the lock too long.
 *
 * @example Before the first read
 * ```ts ignore
 * if (!options.readonly) await prepareIndexFiles(io, path, indexPaths(path), options);
 * ```
 */
export async function prepareIndexFiles(
  io: FileIO,
  path: string,
  paths: IndexPaths,
  options: OpenOptions,
): Promise<void> {
  const exists = io.stat(paths.list) !== undefined;
  const pending = readJournalStamp(io, paths.journal).state === JOURNAL_PENDING;
  if (exists && !pending) return;
  const lock = await acquireLock(path, lockOptions(options));
  try {
    recoverJournal(io, paths, { durable: options.durable ?? true, onWarning: options.onWarning ?? console.warn });
    if (io.stat(paths.list) === undefined) {
      createEmpty(io, path, options.uidValidity, separatorByte(options.separator ?? "/"));
    }
  } finally {
    lock.release();
  }
}

/**
 * The separator an index is opened with: the one stored in its attribute
 * header, which an explicit option must match.
 *
 * @param path Path of the list file.
 * @param stored The stored separator byte (0: none stored).
 * @param asked The separator byte of the options (0: none given).
 * @param option The option as given, for the error.
 * @returns The separator byte.
 * @throws IndexStateError when the option differs from the stored separator.
 *
 * @example An index created with "." opened without the option
 * ```ts
 * import { storedSeparator } from "./open.ts";
 * console.log(storedSeparator("/tmp/u.mlist", 0x2e, 0, undefined)); // 46
 * ```
 */
export function storedSeparator(path: string, stored: number, asked: number, option: string | undefined): number {
  if (stored !== 0 && asked !== 0 && stored !== asked) {
    throw new IndexStateError(
      `Cannot open index "${path}" with separator ${JSON.stringify(option)}: it was created with ${
        JSON.stringify(String.fromCharCode(stored))
      }`,
    );
  }
  return asked !== 0 ? asked : stored || 0x2f;
}

/**
 * Before a writer recreates a damaged index: set the damaged files aside
 * (unless a full sync rebuilds them from its names), with a warning.
 *
 * @param io The I/O seam.
 * @param paths The index's files.
 * @param e What is damaged.
 * @param full Whether a full sync rebuilds the index from its names.
 * @param warn Where the warning goes.
 * @returns Nothing.
 *
 * @example As a writer that found damage does it
 * ```ts ignore
 * recreateCorrupt(io, paths, e, false, console.warn);
 * createEmpty(io, paths.list, undefined, 0x2f);
 * ```
 */
export function recreateCorrupt(
  io: FileIO,
  paths: IndexPaths,
  e: CorruptIndexError,
  full: boolean,
  warn: (message: string) => void,
): void {
  const path = paths.list;
  if (full) {
    warn(`Index "${path}" is corrupt (${e.message}); rebuilding it from this full sync`);
    return;
  }
  const stamp = Date.now();
  for (const p of [paths.list, paths.attr]) if (io.stat(p) !== undefined) io.rename(p, `${p}.corrupt-${stamp}`);
  warn(`Index "${path}" is corrupt (${e.message}); set aside as "${path}.corrupt-${stamp}" and recreated`);
}

/**
 * Write an empty index (header only, no root directory) atomically. The
 * caller holds the writer lock and has finished any interrupted commit
 * (`recoverJournal`).
 *
 * @param io The I/O seam.
 * @param path Path of the list file.
 * @param uidValidity Its uid_validity (default: seconds since the epoch).
 * @param sep The separator byte, stored in the attribute header.
 * @returns Nothing.
 *
 * @example Recreating a damaged index
 * ```ts ignore
 * createEmpty(io, "/var/mail/u/mailboxes.mlist", undefined, 0x2f);
 * ```
 */
export function createEmpty(io: FileIO, path: string, uidValidity: number | undefined, sep: number): void {
  const uv = (uidValidity ?? Math.floor(Date.now() / 1000)) >>> 0 || 1;
  const header: ListHeader = {
    fileSeq: 1,
    headerSize: HEADER_SIZE,
    uidValidity: uv,
    nextUid: 1,
    usedSpace: HEADER_SIZE,
    deletedSpace: 0,
  };
  const list = new Uint8Array(HEADER_SIZE);
  encodeHeader(list, header);
  const attr = encodeAttrImage(uv, 1, 1, { uids: new Uint32Array(0), flags: new Uint8Array(0), count: 0 }, sep);
  const batch = new ChangeBatchBuilder("recreated");
  replaceIndexFiles(io, path, { fileSeq: header.fileSeq, uidValidity: uv }, list, HEADER_SIZE, attr, true, undefined, batch);
}

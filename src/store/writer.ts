/**
 * Applying a commit to the files, all-or-nothing (SPEC §4 rule 11, §6):
 * appended data first and flushed, then one checksummed journal record of
 * every in-place change, flushed, then the changes, flushed, then the record
 * marked applied. Whole-file replacements (compression, rebuild, a rebuilt
 * attribute file, a new subscriptions file) go through the same record as
 * renames of `.new` files.
 *
 * @module
 */
import { GROWTH_BLOCK, MAX_FILE_SIZE } from "../format/constants.ts";
import { CorruptIndexError, UnsafeFileError } from "../format/errors.ts";
import { grownSize } from "../format/growth.ts";
import { indexPaths, type IndexPaths } from "./paths.ts";
import { type FileIO, readFully, writeFully } from "./io.ts";
import {
  decodeJournalHeader,
  encodeJournal,
  encodeJournalHeader,
  FILE_ATTR,
  FILE_CHANGES,
  FILE_LIST,
  FILE_SUBS,
  JOURNAL_APPLIED,
  JOURNAL_HEADER_SIZE,
  JOURNAL_PENDING,
  type JournalHeader,
  type JournalPatch,
  type JournalRecord,
} from "../format/journal.ts";
import { dirName } from "./path.ts";
import { foreignRecord, readJournal, readJournalStamp, recordFits } from "./file_read.ts";
import type { CommitPlan } from "./commit_plan.ts";
import { ChangeBatchBuilder } from "../format/change_log.ts";
import { type ChangeWrite, DEFAULT_CHANGE_HISTORY_BYTES, planChangeWrite } from "./change_file.ts";

/** Options of the writer. */
export interface WriterOptions {
  /** Flush to stable storage at each step (default true). */
  durable: boolean;
  /** Where {@linkcode recoverJournal} reports a pending record it ignores (default: nowhere). */
  onWarning?: (message: string) => void;
  /** Bound of the change log's history in bytes (default 4 MiB, SPEC §13). */
  changeHistoryBytes?: number;
}

/** A commit's identity: what the journal record binds to. */
export interface CommitTarget {
  /** file_seq of the list file being changed. */
  fileSeq: number;
  /** uid_validity of the list file being changed. */
  uidValidity: number;
}

/**
 * New attribute entries up to this many bytes are carried in the journal
 * record (and written with the in-place changes) instead of being written
 * and flushed before it.
 */
const JOURNALED_APPEND_MAX = 64 * 1024;

const ZEROS = new Uint8Array(1 << 20);

/**
 * Grow a file over `[from, to)` by writing zeros rather than by setting its
 * size: the blocks are then allocated, and the later writes into them are
 * overwrites, whose flush is cheaper than a flush of writes into a hole.
 */
function writeZeros(io: FileIO, fd: number, from: number, to: number): void {
  for (let pos = from; pos < to;) {
    const n = Math.min(ZEROS.length, to - pos);
    writeFully(io, fd, ZEROS, 0, n, pos);
    pos += n;
  }
}

function withFile<T>(io: FileIO, path: string, fn: (fd: number) => T): T {
  const fd = io.open(path, "readwrite");
  try {
    return fn(fd);
  } finally {
    io.close(fd);
  }
}

/**
 * Throw {@linkcode UnsafeFileError} before anything is written when the
 * list, attribute, subscriptions or journal file is a symbolic link or not
 * a regular file (SPEC §6): the opens would refuse it too, but only
 * half-way through.
 */
function refuseUnsafeFiles(io: FileIO, paths: IndexPaths): void {
  io.stat(paths.list);
  io.stat(paths.attr);
  io.stat(paths.subs);
  io.stat(paths.journal);
  io.stat(paths.changes);
}

/** The path of a file of the index by its journal file id. */
function pathOf(paths: IndexPaths, file: number): string {
  return file === FILE_LIST ? paths.list : file === FILE_ATTR ? paths.attr : file === FILE_CHANGES ? paths.changes : paths.subs;
}

/** Remove the `.new` files of a replacement that never took effect. */
function removeStaleNew(io: FileIO, paths: IndexPaths): void {
  io.unlink(`${paths.list}.new`);
  io.unlink(`${paths.attr}.new`);
  io.unlink(`${paths.subs}.new`);
  io.unlink(`${paths.changes}.new`);
}

/** Give an I/O failure a message that names the file and the step. */
function ioError(e: unknown, path: string, step: string): Error {
  // A refused file already names itself and must keep its type.
  if (e instanceof UnsafeFileError) return e;
  const code = (e as { code?: string }).code;
  const reason = code === "ENOSPC"
    ? "no space left on device"
    : code === "EDQUOT"
    ? "disk quota exceeded"
    : (e as Error).message ?? String(e);
  const err = new Error(`Cannot ${step} "${path}": ${reason}`, { cause: e }) as Error & { code?: string };
  if (code !== undefined) err.code = code;
  return err;
}

/**
 * Replay a pending, complete journal record (idempotent), then mark it
 * applied. An incomplete record is left alone (it never took effect). A
 * record written for another list file ({@linkcode foreignRecord}), or a
 * journal larger than the format allows, is ignored as readers ignore it,
 * with a warning, and marked applied so that nobody replays it later.
 * Stale `.new` files of an unfinished replacement are removed.
 *
 * @param io The file interface.
 * @param paths The index's files.
 * @param options Writer options.
 * @returns True when a record was replayed.
 *
 * @example Finish an interrupted commit before writing
 * ```ts ignore
 * recoverJournal(nodeFileIO, indexPaths("/tmp/u.mlist"), { durable: true, onWarning: console.warn });
 * ```
 */
export function recoverJournal(io: FileIO, paths: IndexPaths, options: WriterOptions): boolean {
  const stamp = readJournalStamp(io, paths.journal);
  let record: JournalRecord | undefined;
  try {
    record = stamp.state === JOURNAL_PENDING ? readJournal(io, paths.journal) : undefined;
  } catch (e) {
    // Too large to be read (SPEC §9): no writer wrote it, so it never took effect.
    if (!(e instanceof CorruptIndexError) || stamp.header === undefined) throw e;
    options.onWarning?.(`Index "${paths.list}": ${e.message}; its pending record is ignored`);
    removeStaleNew(io, paths);
    retireRecord(io, paths, stamp.header, options, true);
    return false;
  }
  const foreign = record !== undefined && record.seq === stamp.seq ? foreignRecord(io, paths, record) : undefined;
  if (foreign !== undefined) {
    options.onWarning?.(`Index "${paths.list}": ${foreign}; it is ignored`);
    removeStaleNew(io, paths);
    retireRecord(io, paths, record!, options, false);
    return false;
  }
  const size = (path: string) => io.stat(path)?.size ?? 0;
  if (
    record === undefined || record.seq !== stamp.seq ||
    !recordFits(record, size(paths.list), size(paths.attr), size(paths.changes))
  ) {
    // Torn, of another sequence number or not fitting the files: it never took effect.
    removeStaleNew(io, paths);
    return false;
  }
  applyRecord(io, paths, record, options);
  return true;
}

/**
 * Mark a pending record that must never be replayed as applied, keeping its
 * sequence number, instead of removing the journal: the next commit numbers
 * on from it (readers tell commits apart by that number); it is one write of
 * the header in place, and every crash state of it is safe (a torn header
 * reads as no record at all); and readers' freshness check sees the state
 * change and reads the files again, now without the record. Its changes are
 * not in the files, but "applied" only ever means "nothing left to do".
 * A journal too large to read keeps only its header.
 */
function retireRecord(
  io: FileIO,
  paths: IndexPaths,
  header: JournalHeader,
  options: WriterOptions,
  shrink: boolean,
): void {
  const h = encodeJournalHeader({ ...header, state: JOURNAL_APPLIED });
  withFile(io, paths.journal, (fd) => {
    writeFully(io, fd, h, 0, h.length, 0);
    if (shrink) io.truncate(fd, JOURNAL_HEADER_SIZE);
    if (options.durable) io.flush(fd);
  });
}

/** Handles a caller already holds open read-write, used instead of opening the files again. */
interface OpenHandles {
  list?: number;
  journal?: number;
}

function applyRecord(
  io: FileIO,
  paths: IndexPaths,
  record: JournalRecord,
  options: WriterOptions,
  open: OpenHandles = {},
): void {
  // The replacements are looked at before anything is written: a `.new` file that is a
  // symbolic link is refused (SPEC §6) with the files as they were.
  const replaced = record.renames.map((file) => pathOf(paths, file))
    .filter((path) => io.stat(`${path}.new`) !== undefined);
  for (const file of [FILE_LIST, FILE_ATTR, FILE_CHANGES]) {
    const path = pathOf(paths, file);
    const patches = record.patches.filter((p) => p.file === file);
    if (patches.length === 0) continue;
    const write = (fd: number) => {
      for (const p of patches) writeFully(io, fd, p.bytes, 0, p.bytes.length, p.offset);
      if (options.durable) io.flush(fd);
    };
    const held = file === FILE_LIST ? open.list : undefined;
    if (held !== undefined) write(held);
    else if (io.stat(path) !== undefined) withFile(io, path, write);
  }
  for (const path of replaced) io.rename(`${path}.new`, path);
  if (replaced.length > 0 && options.durable) io.flushDir(dirName(paths.list));
  const h = encodeJournalHeader({ ...record, state: JOURNAL_APPLIED });
  if (open.journal !== undefined) writeFully(io, open.journal, h, 0, h.length, 0);
  else withFile(io, paths.journal, (fd) => writeFully(io, fd, h, 0, h.length, 0));
}

/**
 * The next journal sequence number. Readers compare it to tell commits
 * apart, so it must not repeat an earlier one: when the journal header is
 * unreadable (a crash tore it), the count goes on from the clock instead of
 * restarting at 1.
 */
function nextJournalSeq(io: FileIO, paths: IndexPaths): number {
  return seqAfter(readJournalStamp(io, paths.journal).seq);
}

function seqAfter(seq: number): number {
  if (seq !== 0) return (seq + 1) >>> 0 || 1;
  return (Date.now() >>> 0) || 1;
}

/** {@linkcode nextJournalSeq} from the header of an open journal. */
function nextJournalSeqOf(io: FileIO, fd: number): number {
  const b = new Uint8Array(JOURNAL_HEADER_SIZE);
  const n = readFully(io, fd, b, 0, JOURNAL_HEADER_SIZE, 0);
  return seqAfter(n === JOURNAL_HEADER_SIZE ? decodeJournalHeader(b)?.seq ?? 0 : 0);
}

/** The record just written, as replay reads it back: pending, with its changes. */
function pendingRecord(
  seq: number,
  target: { fileSeq: number; uidValidity: number },
  patches: JournalRecord["patches"],
  renames: JournalRecord["renames"],
): JournalRecord {
  return {
    seq,
    state: JOURNAL_PENDING,
    listFileSeq: target.fileSeq,
    uidValidity: target.uidValidity,
    bodyLength: 0,
    bodyCrc: 0,
    patches,
    renames,
  };
}

function writeJournal(io: FileIO, paths: IndexPaths, bytes: Uint8Array, options: WriterOptions): void {
  const fd = io.open(paths.journal, "create");
  try {
    writeJournalAt(io, fd, bytes, options);
  } finally {
    io.close(fd);
  }
}

function writeJournalAt(io: FileIO, fd: number, bytes: Uint8Array, options: WriterOptions): void {
  writeFully(io, fd, bytes, 0, bytes.length, 0);
  io.truncate(fd, bytes.length);
  if (options.durable) io.flush(fd);
}

function writeNewFile(io: FileIO, path: string, bytes: Uint8Array, size: number, options: WriterOptions): void {
  io.unlink(path);
  const fd = io.open(path, "createExclusive");
  try {
    writeFully(io, fd, bytes, 0, bytes.length, 0);
    if (size > bytes.length) io.truncate(fd, size);
    if (options.durable) io.flush(fd);
  } catch (e) {
    io.close(fd);
    io.unlink(path);
    throw e;
  }
  io.close(fd);
}

/**
 * Put a batch's bytes where the journal record expects them: a new log as
 * `.new`, or a large batch past the log's end, flushed (SPEC §13).
 */
function writeChanges(io: FileIO, paths: IndexPaths, batch: ChangeBatchBuilder, options: WriterOptions): ChangeWrite {
  const bound = options.changeHistoryBytes ?? DEFAULT_CHANGE_HISTORY_BYTES;
  const write = planChangeWrite(io, paths, batch, bound, options.onWarning);
  try {
    if (write.image !== undefined) writeNewFile(io, `${paths.changes}.new`, write.image, write.image.length, options);
    else if (write.preAppend !== undefined) {
      const { offset, bytes } = write.preAppend;
      withFile(io, paths.changes, (fd) => {
        writeFully(io, fd, bytes, 0, bytes.length, offset);
        if (options.durable) io.flush(fd);
      });
    }
  } catch (e) {
    throw ioError(e, paths.changes, "write the change log");
  }
  return write;
}

/**
 * Commit a sync's plan to the files.
 *
 * @param io The file interface.
 * @param paths The index's files.
 * @param target The list file the plan was computed on.
 * @param plan The plan.
 * @param options Writer options.
 * @returns The journal sequence and file size, or undefined when nothing changed; on an error before the journal record is flushed nothing changed.
 *
 * @example Commit a sync engine's plan
 * ```ts ignore
 * commitPlan(nodeFileIO, paths, { fileSeq: 1, uidValidity: 7 }, engine.plan(), { durable: true });
 * ```
 */
export function commitPlan(
  io: FileIO,
  paths: IndexPaths,
  target: CommitTarget,
  plan: CommitPlan,
  options: WriterOptions,
): CommitOutcome | undefined {
  if (!plan.changed) return undefined;
  refuseUnsafeFiles(io, paths);
  const attr = plan.attr;
  let listSize = 0;
  // The list file and the journal are each opened once for the whole commit.
  let listFd: number | undefined;
  let journalFd: number | undefined;
  try {
    // 1. Data that no reader can see yet: directories past used_space, entries past the count.
    try {
      listFd = io.open(paths.list, "readwrite");
      listSize = io.fstat(listFd).size;
      if (plan.append.length > 0) {
        const need = plan.header.usedSpace;
        if (need > listSize) {
          const cap = Math.min(plan.maxFileSize, MAX_FILE_SIZE);
          const grown = Math.min(grownSize(need), Math.max(need, Math.floor(cap / GROWTH_BLOCK) * GROWTH_BLOCK));
          writeZeros(io, listFd, listSize, grown);
          listSize = grown;
        }
        writeFully(io, listFd, plan.append, 0, plan.append.length, plan.appendOffset);
        if (options.durable) io.flush(listFd);
      }
    } catch (e) {
      throw ioError(e, paths.list, "write new directories to");
    }
    // Few new attribute entries travel in the journal record, which saves flushing them on their own.
    const attrAppendJournaled = attr.kind === "patch" && attr.append.length > 0 &&
      attr.append.length <= JOURNALED_APPEND_MAX;
    try {
      if (attr.kind === "patch" && attr.append.length > 0 && !attrAppendJournaled) {
        withFile(io, paths.attr, (fd) => {
          writeFully(io, fd, attr.append, 0, attr.append.length, attr.appendOffset);
          if (options.durable) io.flush(fd);
        });
      } else if (attr.kind === "replace") {
        writeNewFile(io, `${paths.attr}.new`, attr.image, attr.image.length, options);
      }
    } catch (e) {
      throw ioError(e, paths.attr, "write attributes to");
    }
    if (plan.subs !== undefined) {
      try {
        writeNewFile(io, `${paths.subs}.new`, plan.subs, plan.subs.length, options);
      } catch (e) {
        throw ioError(e, paths.subs, "write the subscriptions to");
      }
    }
    const changes = writeChanges(io, paths, plan.changes ?? new ChangeBatchBuilder(), options);
    // 2. The journal record of every in-place change.
    const patches: JournalPatch[] = plan.listPatches.map((p) => ({ file: FILE_LIST, offset: p.offset, bytes: p.bytes }));
    if (attr.kind === "patch") {
      if (attrAppendJournaled) patches.push({ file: FILE_ATTR, offset: attr.appendOffset, bytes: attr.append });
      for (const p of attr.patches) patches.push({ file: FILE_ATTR, offset: p.offset, bytes: p.bytes });
    }
    const renames = attr.kind === "replace" ? [FILE_ATTR] : [];
    if (plan.subs !== undefined) renames.push(FILE_SUBS);
    for (const p of changes.patches) patches.push(p);
    if (changes.image !== undefined) renames.push(FILE_CHANGES);
    let seq: number;
    try {
      journalFd = io.open(paths.journal, "create");
      seq = nextJournalSeqOf(io, journalFd);
      const bytes = encodeJournal(seq, target.fileSeq, target.uidValidity, patches, renames);
      writeJournalAt(io, journalFd, bytes, options);
    } catch (e) {
      throw ioError(e, paths.journal, "write the commit record to");
    }
    // 3. Apply (a crash from here on is finished by the next writer's replay).
    const record = pendingRecord(seq, target, patches, renames);
    try {
      applyRecord(io, paths, record, options, { list: listFd, journal: journalFd });
    } catch (e) {
      throw ioError(e, paths.list, "apply the committed changes to");
    }
    return { seq, listSize };
  } finally {
    try {
      if (listFd !== undefined) io.close(listFd);
    } finally {
      if (journalFd !== undefined) io.close(journalFd);
    }
  }
}

/** What a landed commit left on disk, for updating an in-memory copy. */
export interface CommitOutcome {
  /** Sequence number of the journal record (now applied). */
  seq: number;
  /** Size of the list file after the commit. */
  listSize: number;
}

/**
 * Replace both files of an index by new images through the journal:
 * write `.new` files, flush, record the renames, rename, mark applied.
 *
 * @param io The file interface.
 * @param paths The index's files.
 * @param target The list file being replaced (for the record).
 * @param listImage New list file bytes.
 * @param listSize New list file size.
 * @param attrImage New attribute file bytes.
 * @param options Writer options.
 * @param subsImage New subscriptions file bytes, replaced by the same record (undefined: kept as it is).
 * @param changes The replacement's batch for the change log (default: replaced, differences unknown).
 * @returns The sequence number of the journal record of the replacement (now applied).
 *
 * @example Replace both files of an index
 * ```ts ignore
 * replaceFiles(nodeFileIO, paths, { fileSeq: 1, uidValidity: 7 }, list, 1024, attr, { durable: true });
 * ```
 */
export function replaceFiles(
  io: FileIO,
  paths: IndexPaths,
  target: CommitTarget,
  listImage: Uint8Array,
  listSize: number,
  attrImage: Uint8Array,
  options: WriterOptions,
  subsImage?: Uint8Array,
  changes: ChangeBatchBuilder = new ChangeBatchBuilder("replaced"),
): number {
  refuseUnsafeFiles(io, paths);
  let changeWrite: ChangeWrite;
  try {
    writeNewFile(io, `${paths.list}.new`, listImage, listSize, options);
    writeNewFile(io, `${paths.attr}.new`, attrImage, attrImage.length, options);
    if (subsImage !== undefined) writeNewFile(io, `${paths.subs}.new`, subsImage, subsImage.length, options);
    changeWrite = writeChanges(io, paths, changes, options);
  } catch (e) {
    removeStaleNew(io, paths);
    throw ioError(e, paths.list, "write the replacement of");
  }
  const seq = nextJournalSeq(io, paths);
  // The list file last: a reader that finds it renamed finds the others renamed too.
  const renames = subsImage !== undefined ? [FILE_ATTR, FILE_SUBS] : [FILE_ATTR];
  if (changeWrite.image !== undefined) renames.push(FILE_CHANGES);
  renames.push(FILE_LIST);
  const bytes = encodeJournal(seq, target.fileSeq, target.uidValidity, changeWrite.patches, renames);
  try {
    writeJournal(io, paths, bytes, options);
  } catch (e) {
    // The `.new` files stay: the record may be whole (a failed truncate or flush after its
    // bytes), and then readers and the next writer apply it all, its renames with its other
    // changes. A torn record makes the next writer remove them.
    throw ioError(e, paths.journal, "write the commit record to");
  }
  const record = pendingRecord(seq, target, changeWrite.patches, renames);
  try {
    applyRecord(io, paths, record, options);
  } catch (e) {
    throw ioError(e, paths.list, "rename the replacement of");
  }
  return seq;
}

/**
 * Replace a whole index by new images, all-or-nothing: both files are
 * written as `.new` copies and flushed, one journal record names the two
 * renames, then they happen and the directory is flushed (see
 * {@linkcode replaceFiles}). A crash before the record leaves the old index;
 * after it, the next writer finishes the renames. The caller holds the
 * writer lock and has finished any interrupted commit first
 * ({@linkcode recoverJournal}): a pending record is a committed sync, which
 * a torn write of the new record would lose.
 *
 * @param io The file interface.
 * @param path Path of the list file.
 * @param target The new list file's file_seq and uid_validity (as in its header), for the record.
 * @param listImage Bytes of the new list file, `[0, used_space)`.
 * @param listSize Size to give the list file (growth padding reads as zeros).
 * @param attrImage Bytes of the new attribute file.
 * @param durable Flush at each step (default true).
 * @param subsImage Bytes of a new subscriptions file, renamed by the same record (undefined: the subscriptions stay).
 * @param changes The replacement's batch for the change log (default: replaced, differences unknown).
 * @returns Nothing.
 *
 * @example Replace a whole index after finishing its journal
 * ```ts ignore
 * import { recoverJournal, replaceIndexFiles } from "./writer.ts";
 * import { nodeFileIO } from "./io.ts";
 * import { indexPaths } from "./paths.ts";
 * recoverJournal(nodeFileIO, indexPaths("/tmp/u.mlist"), { durable: true });
 * replaceIndexFiles(nodeFileIO, "/tmp/u.mlist", { fileSeq: 1, uidValidity: 7 }, listBytes, 512, attrBytes);
 * ```
 */
export function replaceIndexFiles(
  io: FileIO,
  path: string,
  target: CommitTarget,
  listImage: Uint8Array,
  listSize: number,
  attrImage: Uint8Array,
  durable = true,
  subsImage?: Uint8Array,
  changes?: ChangeBatchBuilder,
): void {
  replaceFiles(io, indexPaths(path), target, listImage, listSize, attrImage, { durable }, subsImage, changes);
}

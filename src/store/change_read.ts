/**
 * Reading the change log without a lock (SPEC §13): the journal's sequence
 * number and state frame the read as a sequence lock, as for the index's
 * own files; a complete pending record's changes of the log are applied to
 * what was read (its `.new` log read when the record renames one). Only
 * the log's header and the part past a given offset are read.
 *
 * @module
 */
import { CHANGE_HEADER_SIZE, type ChangeLogHeader, decodeChangeHeader } from "../format/change_log.ts";
import { FILE_CHANGES, JOURNAL_PENDING, type JournalRecord } from "../format/journal.ts";
import { foreignRecord, openIfExists, readJournal, readJournalStamp } from "./file_read.ts";
import { type FileIO, readFully } from "./io.ts";
import type { IndexPaths } from "./paths.ts";

/** What one read of the change log found. */
export interface ChangeLogRead {
  /** The journal's sequence number and state the read is consistent with. */
  journalSeq: number;
  /** The journal's state. */
  journalState: number;
  /** The log's header (undefined: no log yet). */
  header: ChangeLogHeader | undefined;
  /** The log's bytes from `base` to its end. */
  bytes: Uint8Array;
  /** File offset of `bytes[0]`. */
  base: number;
  /** Inode of the log file read (-1: none). */
  ino: number;
}

/** Apply a record's patches of the log to `b`, which holds file bytes from `base`. */
function applyLogPatches(b: Uint8Array, base: number, record: JournalRecord | undefined): void {
  if (record === undefined) return;
  for (const p of record.patches) {
    if (p.file !== FILE_CHANGES) continue;
    const s = Math.max(p.offset, base), e = Math.min(p.offset + p.bytes.length, base + b.length);
    if (s < e) b.set(p.bytes.subarray(s - p.offset, e - p.offset), s - base);
  }
}

/**
 * Read the log's header and its bytes from `from` to its end, consistent
 * with one journal state.
 *
 * @param io The file interface.
 * @param paths The index's files.
 * @param from First file offset wanted (at least the header's end).
 * @returns The read, or undefined when a writer changed the files meanwhile (read again).
 * @throws CorruptIndexError when the log is damaged.
 *
 * @example The whole log
 * ```ts ignore
 * const read = readChangeLog(nodeFileIO, indexPaths("/tmp/u.mlist"), 32);
 * ```
 */
export function readChangeLog(io: FileIO, paths: IndexPaths, from: number): ChangeLogRead | undefined {
  const j1 = readJournalStamp(io, paths.journal);
  let record: JournalRecord | undefined;
  let foreign = false;
  if (j1.state === JOURNAL_PENDING) {
    record = readJournal(io, paths.journal);
    // Torn (it never took effect) or still being written (checked again below).
    if (record !== undefined && record.seq !== j1.seq) record = undefined;
    // Written for another list file: ignored whole, as readers and writers ignore it (SPEC §9).
    if (record !== undefined && foreignRecord(io, paths, record) !== undefined) {
      record = undefined;
      foreign = true;
    }
  }
  const renamed = record !== undefined && record.renames.includes(FILE_CHANGES);
  const fd = (renamed ? openIfExists(io, `${paths.changes}.new`) : undefined) ?? openIfExists(io, paths.changes);
  let header: ChangeLogHeader | undefined;
  let bytes = new Uint8Array(0);
  let ino = -1;
  let base = Math.max(from, CHANGE_HEADER_SIZE);
  if (fd !== undefined) {
    try {
      const st = io.fstat(fd);
      ino = st.ino;
      const hb = new Uint8Array(CHANGE_HEADER_SIZE);
      readFully(io, fd, hb, 0, CHANGE_HEADER_SIZE, 0);
      applyLogPatches(hb, 0, record);
      try {
        header = decodeChangeHeader(hb, paths.changes);
      } catch (e) {
        // A writer that replaced the log meanwhile is no damage: read again.
        const j = readJournalStamp(io, paths.journal);
        if (j.seq !== j1.seq || j.state !== j1.state) return undefined;
        throw e;
      }
      base = Math.min(base, header.end);
      bytes = new Uint8Array(header.end - base);
      const n = readFully(io, fd, bytes, 0, bytes.length, base);
      // Bytes a pending record appends are not in the file yet; the record gives them.
      if (n < bytes.length) bytes.fill(0, n);
      applyLogPatches(bytes, base, record);
    } finally {
      io.close(fd);
    }
  }
  const j2 = readJournalStamp(io, paths.journal);
  if (j2.seq !== j1.seq || j2.state !== j1.state) return undefined;
  if (j1.state === JOURNAL_PENDING && record === undefined && !foreign) {
    // Incomplete when first read: if it is whole now, its writer finished writing it meanwhile.
    const now = readJournal(io, paths.journal);
    if (now !== undefined && now.seq === j1.seq) return undefined;
  }
  return { journalSeq: j2.seq, journalState: j2.state, header, bytes, base, ino };
}

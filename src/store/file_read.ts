/**
 * Reading the index's files from the store: a whole file (with the size
 * cap of the format), the journal's header and its record, and the checks
 * that tell whether a pending record can have come from a writer of these
 * files. Readers (`index/snapshot.ts`) and the writer's recovery share them.
 *
 * @module
 */
import { HEADER_SIZE, MAX_FILE_SIZE } from "../format/constants.ts";
import { CorruptIndexError } from "../format/errors.ts";
import {
  decodeJournal,
  decodeJournalHeader,
  FILE_CHANGES,
  FILE_LIST,
  JOURNAL_HEADER_SIZE,
  type JournalHeader,
  type JournalRecord,
} from "../format/journal.ts";
import { type FileIO, readFully } from "./io.ts";
import type { IndexPaths } from "./paths.ts";

/**
 * Open an index file for reading, or tell that it does not exist.
 *
 * @param io The file system calls.
 * @param path The file.
 * @returns The descriptor, or undefined when there is no such file.
 * @throws Whatever else the open throws (UnsafeFileError for a symbolic link, EACCES, ...).
 *
 * @example A missing file
 * ```ts
 * import { openIfExists } from "./file_read.ts";
 * import { nodeFileIO } from "./io.ts";
 * console.log(openIfExists(nodeFileIO, "/nonexistent/mailboxes.mlist")); // undefined
 * ```
 */
export function openIfExists(io: FileIO, path: string): number | undefined {
  try {
    return io.open(path, "read");
  } catch (e) {
    if ((e as { code?: string }).code === "ENOENT") return undefined;
    throw e;
  }
}

/**
 * Refuse an index file by its size alone (from `fstat`, before anything is
 * allocated or read): no writer can have made a file larger than the
 * format allows.
 *
 * @param path The file, for the error.
 * @param size Its size.
 * @returns Nothing.
 * @throws CorruptIndexError for a file over 1 GiB.
 *
 * @example A file of 2 GiB
 * ```ts
 * import { checkFileSize } from "./file_read.ts";
 * try { checkFileSize("/tmp/u.mlist", 2 ** 31); } catch (e) { console.log((e as Error).name); } // CorruptIndexError
 * ```
 */
export function checkFileSize(path: string, size: number): void {
  if (size > MAX_FILE_SIZE) {
    throw new CorruptIndexError(path, 0, `file size ${size} exceeds the ${MAX_FILE_SIZE} bytes the format allows`);
  }
}

/**
 * Read a whole index file, refused by its size alone (from `fstat`, before
 * anything is allocated) when it is larger than the format allows.
 *
 * @param io The file interface.
 * @param path The file.
 * @returns Its bytes and inode, or undefined when it does not exist.
 * @throws CorruptIndexError for a file over 1 GiB.
 *
 * @example A missing file
 * ```ts
 * import { readWhole } from "./file_read.ts";
 * import { nodeFileIO } from "./io.ts";
 * console.log(readWhole(nodeFileIO, "/nonexistent")); // undefined
 * ```
 */
export function readWhole(io: FileIO, path: string): { bytes: Uint8Array; ino: number } | undefined {
  const fd = openIfExists(io, path);
  if (fd === undefined) return undefined;
  try {
    const st = io.fstat(fd);
    checkFileSize(path, st.size);
    const bytes = new Uint8Array(st.size);
    const n = readFully(io, fd, bytes, 0, st.size, 0);
    return { bytes: n === st.size ? bytes : bytes.subarray(0, n), ino: st.ino };
  } finally {
    io.close(fd);
  }
}

/**
 * Read the journal header's sequence and state (0, 0 when there is none).
 *
 * @param io The file interface.
 * @param path Path of the journal.
 * @returns Sequence number and state, and the whole header when it is readable.
 *
 * @example An index without a journal
 * ```ts
 * import { readJournalStamp } from "./file_read.ts";
 * import { nodeFileIO } from "./io.ts";
 * console.log(readJournalStamp(nodeFileIO, "/nonexistent").seq); // 0
 * ```
 */
export function readJournalStamp(io: FileIO, path: string): { seq: number; state: number; header?: JournalHeader } {
  let fd: number;
  try {
    fd = io.open(path, "read");
  } catch (e) {
    if ((e as { code?: string }).code === "ENOENT") return { seq: 0, state: 0 };
    throw e;
  }
  try {
    const b = new Uint8Array(JOURNAL_HEADER_SIZE);
    readFully(io, fd, b, 0, JOURNAL_HEADER_SIZE, 0);
    const h = decodeJournalHeader(b);
    return h === undefined ? { seq: 0, state: 0 } : { seq: h.seq, state: h.state, header: h };
  } finally {
    io.close(fd);
  }
}

/**
 * Read the whole journal record when it is complete.
 *
 * @param io The file interface.
 * @param path Path of the journal.
 * @returns The record, or undefined when missing, torn or incomplete.
 * @throws CorruptIndexError when the journal is larger than the format allows (nothing is read).
 *
 * @example A journal that does not exist
 * ```ts
 * import { readJournal } from "./file_read.ts";
 * import { nodeFileIO } from "./io.ts";
 * console.log(readJournal(nodeFileIO, "/nonexistent")); // undefined
 * ```
 */
export function readJournal(io: FileIO, path: string): JournalRecord | undefined {
  const whole = readWhole(io, path);
  return whole === undefined ? undefined : decodeJournal(whole.bytes);
}

/**
 * Whether every change of a journal record lies inside the files. A change
 * of the attribute file may also start right at its end: new entries that
 * the record carries itself, appended when it is applied.
 *
 * @param record The record.
 * @param listSize Size of the list file.
 * @param attrSize Size of the attribute file.
 * @param changesSize Size of the change log (default: not checked).
 * @returns True when every patch fits.
 *
 * @example Ignore a record that does not fit the files
 * ```ts ignore
 * if (!recordFits(record, listSize, attrSize)) ignore(record);
 * ```
 */
export function recordFits(record: JournalRecord, listSize: number, attrSize: number, changesSize = Infinity): boolean {
  for (const p of record.patches) {
    if (p.file === FILE_CHANGES) {
      // The log grows by the record itself: a patch may start at its end, not past it.
      if (p.offset > changesSize) return false;
    } else if (p.file === FILE_LIST) {
      if (p.offset + p.bytes.length > listSize) return false;
    } else if (p.offset + p.bytes.length > attrSize && (attrSize === 0 || p.offset > attrSize)) {
      return false;
    }
  }
  return true;
}

/**
 * An image long enough for every patch a record makes to one file: the
 * image itself, or a longer copy when the record appends to the file.
 *
 * @param image The file's bytes.
 * @param record The journal record.
 * @param file Which file the image is.
 * @returns The image, or a longer copy of it.
 *
 * @example A patch that appends to the attribute file
 * ```ts
 * import { withPatchRoom } from "./file_read.ts";
 * import { FILE_ATTR } from "../format/journal.ts";
 * const rec = { patches: [{ file: FILE_ATTR, offset: 4, bytes: new Uint8Array(4) }] };
 * console.log(withPatchRoom(new Uint8Array(4), rec, FILE_ATTR).length); // 8
 * ```
 */
export function withPatchRoom(image: Uint8Array, record: Pick<JournalRecord, "patches">, file: number): Uint8Array {
  let need = image.length;
  for (const p of record.patches) {
    if (p.file === file && p.offset + p.bytes.length > need) need = p.offset + p.bytes.length;
  }
  if (need === image.length) return image;
  const grown = new Uint8Array(need);
  grown.set(image);
  return grown;
}

/**
 * Why a pending journal record is not for the index's list file, or
 * undefined when it is (SPEC §9). A record that changes bytes in place is
 * bound to the file_seq and uid_validity of the list file it was written
 * for; one whose list file has other values (a rebuilt or replaced file, a
 * planted record) would write its changes into a file they do not belong
 * to, so readers and writers alike ignore it whole. A record that only
 * renames `.new` files (and appends to the change log) is never foreign:
 * after its list rename the list file has its new file_seq, and before it
 * the `.new` files are its own.
 *
 * @param io The file interface.
 * @param paths The index's files.
 * @param record The complete pending record.
 * @returns The reason, naming the journal and both identities, or undefined.
 *
 * @example Ignore a record written for another list file
 * ```ts ignore
 * const why = foreignRecord(nodeFileIO, paths, record);
 * if (why !== undefined) onWarning(`${why}; it is ignored`);
 * ```
 */
export function foreignRecord(io: FileIO, paths: IndexPaths, record: JournalRecord): string | undefined {
  // Only changes of the list and attribute files are bound to a list file; the change log's
  // own patches are bound to the log's end, which a replacement's record appends at.
  if (!record.patches.some((p) => p.file !== FILE_CHANGES)) return undefined;
  const fd = openIfExists(io, paths.list);
  if (fd === undefined) return undefined;
  const b = new Uint8Array(HEADER_SIZE);
  try {
    // Too short a list file is judged by the list reader; its patches would not fit it anyway.
    if (readFully(io, fd, b, 0, HEADER_SIZE, 0) < HEADER_SIZE) return undefined;
  } finally {
    io.close(fd);
  }
  const dv = new DataView(b.buffer);
  const fileSeq = dv.getUint32(4, true), uidValidity = dv.getUint32(12, true);
  if (fileSeq === record.listFileSeq && uidValidity === record.uidValidity) return undefined;
  return `the pending record of journal "${paths.journal}" is for file_seq ${record.listFileSeq} and uid_validity ${record.uidValidity}, the list file has file_seq ${fileSeq} and uid_validity ${uidValidity}`;
}


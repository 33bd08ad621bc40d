/**
 * The files that make one index, and replacing them as a whole.
 *
 * An index at `path` is the list file `path`, the attribute file
 * `path.attr`, the redo journal `path.journal` and, while a writer works,
 * the lock file `path.lock`.
 *
 * @module
 */
import type { FileIO } from "./io.ts";
import { recoverJournal, replaceFiles } from "./writer.ts";

/** Paths of the files of one index. */
export interface IndexPaths {
  /** The list file. */
  list: string;
  /** The attribute file. */
  attr: string;
  /** The redo journal. */
  journal: string;
  /** The writer lock. */
  lock: string;
}

/**
 * The paths of the files of the index at `path`.
 *
 * @param path Path of the list file.
 * @returns The four paths.
 *
 * @example
 * ```ts
 * import { indexPaths } from "./index_files.ts";
 * console.log(indexPaths("/var/mail/u.mlist").attr); // "/var/mail/u.mlist.attr"
 * ```
 */
export function indexPaths(path: string): IndexPaths {
  return { list: path, attr: `${path}.attr`, journal: `${path}.journal`, lock: `${path}.lock` };
}

/**
 * Replace a whole index by new images, all-or-nothing: both files are
 * written as `.new` copies and flushed, one journal record names the two
 * renames, then they happen and the directory is flushed (see
 * src/writer.ts). A crash before the record leaves the old index; after it,
 * the next writer finishes the renames. The caller holds the writer lock.
 *
 * @param io The file interface.
 * @param path Path of the list file.
 * @param listImage Bytes of the new list file, `[0, used_space)`.
 * @param listSize Size to give the list file (growth padding reads as zeros).
 * @param attrImage Bytes of the new attribute file.
 * @param durable Flush at each step (default true).
 * @returns Nothing.
 *
 * @example
 * ```ts ignore
 * import { replaceIndexFiles } from "./index_files.ts";
 * import { nodeFileIO } from "./io.ts";
 * replaceIndexFiles(nodeFileIO, "/tmp/u.mlist", listBytes, 512, attrBytes);
 * ```
 */
export function replaceIndexFiles(
  io: FileIO,
  path: string,
  listImage: Uint8Array,
  listSize: number,
  attrImage: Uint8Array,
  durable = true,
): void {
  // A pending journal record is a committed sync: finish it before the journal is
  // overwritten, or a torn write of the new record would lose it.
  recoverJournal(io, indexPaths(path), { durable });
  const dv = new DataView(listImage.buffer, listImage.byteOffset, Math.min(listImage.byteLength, 28));
  const target = { fileSeq: dv.getUint32(4, true), uidValidity: dv.getUint32(12, true) };
  replaceFiles(io, indexPaths(path), target, listImage, listSize, attrImage, { durable });
}

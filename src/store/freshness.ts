/**
 * Telling cheaply whether a reader's snapshot is still the current state of
 * an index, before every answer. Every publish (a commit, a compression, a
 * rebuild's renames) writes the journal header in place with a new sequence
 * number or state; a replaced list file has a new inode. The check keeps the
 * journal open and compares: the list file's inode (one `stat`), the inode
 * the journal's path names with the open one (one `stat`, so a journal that
 * was replaced, renamed or removed is noticed), and the header read through
 * the open descriptor (one positional read). While the descriptor is open,
 * its inode cannot be reused by another file, so equal inodes mean the same
 * file.
 *
 * @module
 */
import type { IndexPaths } from "./paths.ts";
import { type FileIO, readFully } from "./io.ts";
import { decodeJournalHeader, JOURNAL_HEADER_SIZE } from "../format/journal.ts";


/**
 * The freshness check of one reader, holding the journal open between checks.
 *
 * @example Re-reading only when something was published
 * ```ts ignore
 * const probe = new FreshnessProbe(nodeFileIO, indexPaths("/tmp/u.mlist"));
 * if (!probe.isCurrent(snap.stamp)) snap = loadSnapshot(nodeFileIO, paths);
 * probe.close();
 * ```
 */
export class FreshnessProbe {
  readonly #io: FileIO;
  readonly #paths: IndexPaths;
  readonly #header = new Uint8Array(JOURNAL_HEADER_SIZE);
  #fd = -1;
  #ino = -1;
  #dev = -1;

  /**
   * @param io The file interface.
   * @param paths The index's files.
   */
  constructor(io: FileIO, paths: IndexPaths) {
    this.#io = io;
    this.#paths = paths;
  }

  /**
   * Whether a snapshot still shows the current state: the list file has the
   * snapshot's inode and the journal header its sequence number and state
   * (0 and 0 when there is no journal or its header is unreadable).
   *
   * @param stamp The snapshot's stamp.
   * @returns True when no commit, compression or rebuild landed since.
   */
  isCurrent(stamp: SnapshotStamp): boolean {
    const io = this.#io;
    const list = io.stat(this.#paths.list);
    if (list === undefined || list.ino !== stamp.listIno) return false;
    const journal = io.stat(this.#paths.journal);
    if (journal === undefined) {
      this.close();
      return stamp.journalSeq === 0 && stamp.journalState === 0;
    }
    if (this.#fd < 0 || journal.ino !== this.#ino || journal.dev !== this.#dev) {
      this.close();
      let fd: number;
      try {
        fd = io.open(this.#paths.journal, "read");
      } catch (e) {
        if ((e as { code?: string }).code !== "ENOENT") throw e;
        return stamp.journalSeq === 0 && stamp.journalState === 0;
      }
      try {
        const st = io.fstat(fd);
        this.#ino = st.ino;
        this.#dev = st.dev;
      } catch (e) {
        io.close(fd);
        throw e;
      }
      this.#fd = fd;
    }
    const b = this.#header;
    const n = readFully(io, this.#fd, b, 0, JOURNAL_HEADER_SIZE, 0);
    const h = n === JOURNAL_HEADER_SIZE ? decodeJournalHeader(b) : undefined;
    return h === undefined
      ? stamp.journalSeq === 0 && stamp.journalState === 0
      : h.seq === stamp.journalSeq && h.state === stamp.journalState;
  }

  /**
   * Close the journal descriptor, if open (the next check opens it again).
   *
   * @returns Nothing.
   */
  close(): void {
    const fd = this.#fd;
    this.#fd = -1;
    this.#ino = -1;
    this.#dev = -1;
    if (fd >= 0) this.#io.close(fd);
  }
}

/** What changes whenever a commit, compression or rebuild lands: the identity of one state of an index's files. */
export interface SnapshotStamp {
  /** Inode of the list file. */
  listIno: number;
  /** Journal sequence number (0 without a journal). */
  journalSeq: number;
  /** Journal state (0 without a journal). */
  journalState: number;
}

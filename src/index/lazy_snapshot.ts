/**
 * Opening an index for lookups without reading it whole: a
 * {@linkcode LazySnapshot} is the list file's header, the attribute file's
 * header and the journal's stamp, read as one state with the same sequence
 * lock as a whole snapshot (`snapshot.ts`), and the list file kept open for
 * the positioned reads of the directories a lookup needs ({@linkcode LazyList}).
 *
 * A state with a pending journal record is never read this way: the
 * record's changes are applied in memory to whole images only, so such a
 * state is read whole; so is a list file of at most 64 KiB, which one read
 * brings in for less than the few reads of a lookup. Bytes read later belong to the state only while no
 * commit started since: the reader checks the files' stamp after each
 * lookup that read something (`read_state.ts`), and reads again when it
 * changed.
 *
 * @module
 */
import { decodeAttrHeader, ATTR_HEADER_SIZE, type AttrHeader } from "../format/attr_codec.ts";
import { CorruptIndexError } from "../format/errors.ts";
import { JOURNAL_PENDING } from "../format/journal.ts";
import { LazyList } from "../image/lazy_list.ts";
import { checkFileSize, openIfExists, readJournalStamp } from "../store/file_read.ts";
import type { SnapshotStamp } from "../store/freshness.ts";
import { type FileIO, readFully } from "../store/io.ts";
import type { IndexPaths } from "../store/paths.ts";
import { attrMismatch, noListFile } from "./snapshot.ts";
import type { SubscriptionState } from "./subscriptions.ts";

/** An index state read as headers, its list file open for the lookups' reads. */
export interface LazySnapshot {
  /** The list file, read on demand. */
  list: LazyList;
  /** The attribute file's header, or undefined when the file is missing or does not match the list file. */
  attrHeader: AttrHeader | undefined;
  /** Why the attribute file is not used, when it is not. */
  attrProblem: string | undefined;
  /** Identity of the state. */
  stamp: SnapshotStamp;
  /** The file holding this state's subscriptions (no pending record renames it). */
  subsFile: string;
  /** The subscriptions once read, or why they cannot be. */
  subs?: SubscriptionState | CorruptIndexError;
  /** Lookups answered from this state so far. */
  lookups: number;
  /** Close the list file. */
  close(): void;
}

/** List files up to this size are read whole at once: one read costs less than a lookup's few. */
const READ_WHOLE_UP_TO = 64 << 10;

/**
 * Whether an index is small enough to be read whole at once (one `stat`),
 * rather than on demand.
 *
 * @param io The file interface.
 * @param paths The index's files.
 * @returns True for a list file of at most 64 KiB.
 *
 * @example Choosing how to read an index
 * ```ts ignore
 * const snap = readsWhole(io, paths) ? loadSnapshot(io, paths) : readLazyOnce(io, paths);
 * ```
 */
export function readsWhole(io: FileIO, paths: IndexPaths): boolean {
  const st = io.stat(paths.list);
  return st !== undefined && st.size <= READ_WHOLE_UP_TO;
}

/** What the first read of a list file takes: its header and, usually, the root directory. */
const HEAD_READ = 4096;

/**
 * Read an index's headers once as one consistent state.
 *
 * @param io The file interface.
 * @param paths The index's files.
 * @returns The state; "whole" when the state is to be read whole (a journal record is
 *   pending, or the list file is small enough to read at once);
 *   undefined when a writer changed the files during the read.
 * @throws CorruptIndexError for a damaged list header or a file over the format's size; ENOENT when there is no index.
 *
 * @example Open for lookups, or read whole when a record is pending
 * ```ts ignore
 * const lazy = readLazyOnce(nodeFileIO, indexPaths("/tmp/u.mlist"));
 * if (lazy === "whole") snap = loadSnapshot(nodeFileIO, paths);
 * ```
 */
export function readLazyOnce(io: FileIO, paths: IndexPaths): LazySnapshot | "whole" | undefined {
  const j1 = readJournalStamp(io, paths.journal);
  if (j1.state === JOURNAL_PENDING) return "whole";
  const fd = openIfExists(io, paths.list);
  if (fd === undefined) throw noListFile(paths.list);
  let keep = false;
  try {
    const st = io.fstat(fd);
    checkFileSize(paths.list, st.size);
    // A small index costs less read whole, once, than a few reads per lookup.
    if (st.size <= READ_WHOLE_UP_TO) return "whole";
    let head: Uint8Array | undefined = new Uint8Array(Math.min(st.size, HEAD_READ));
    const n = readFully(io, fd, head, 0, head.length, 0);
    const header = head.subarray(0, n);
    const attr = readAttrHeader(io, paths.attr);
    const j2 = readJournalStamp(io, paths.journal);
    if (j1.seq !== j2.seq || j1.state !== j2.state) return undefined;
    const source = (position: number, length: number): Uint8Array => {
      // The first bytes were read with the header: they serve the first read (the root
      // directory), then go.
      const first = head;
      head = undefined;
      if (first !== undefined && position + length <= n) return first.subarray(position, position + length);
      const b = new Uint8Array(length);
      const got = readFully(io, fd, b, 0, length, position);
      return got === length ? b : b.subarray(0, got);
    };
    const list = new LazyList(header, st.size, paths.list, source);
    let attrHeader: AttrHeader | undefined;
    let attrProblem: string | undefined;
    if (typeof attr === "string") attrProblem = attr;
    else {
      attrProblem = attrMismatch(paths.attr, attr, list.header);
      if (attrProblem === undefined) attrHeader = attr;
    }
    keep = true;
    return {
      list,
      attrHeader,
      attrProblem,
      stamp: { listIno: st.ino, journalSeq: j2.seq, journalState: j2.state },
      subsFile: paths.subs,
      lookups: 0,
      close: () => io.close(fd),
    };
  } finally {
    if (!keep) io.close(fd);
  }
}

/** The attribute file's checked header, or why it cannot be used. */
function readAttrHeader(io: FileIO, path: string): AttrHeader | string {
  const fd = openIfExists(io, path);
  if (fd === undefined) return `attribute file "${path}" is missing`;
  try {
    const size = io.fstat(fd).size;
    checkFileSize(path, size);
    const b = new Uint8Array(ATTR_HEADER_SIZE);
    const n = readFully(io, fd, b, 0, ATTR_HEADER_SIZE, 0);
    try {
      return decodeAttrHeader(b.subarray(0, n), size, path);
    } catch (e) {
      if (!(e instanceof CorruptIndexError)) throw e;
      return e.message;
    }
  } finally {
    io.close(fd);
  }
}

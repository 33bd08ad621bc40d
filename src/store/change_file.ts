/**
 * Writing one batch to the change log (`format/change_log.ts`, SPEC §13)
 * as part of a journal record: appended past the log's end with the header
 * patched by the record, or — for a new, damaged or full log — a whole new
 * log written as `.new` and renamed by the record. A full log keeps its
 * newest batches up to half its bound, so the history stays bounded and a
 * trim is rare.
 *
 * @module
 */
import {
  CHANGE_HEADER_SIZE,
  type ChangeBatchBuilder,
  type ChangeLogHeader,
  decodeChangeHeader,
  encodeBatch,
  encodeChangeHeader,
  batchAt,
} from "../format/change_log.ts";
import { CorruptIndexError } from "../format/errors.ts";
import { FILE_CHANGES, type JournalPatch } from "../format/journal.ts";
import { openIfExists } from "./file_read.ts";
import { type FileIO, readFully } from "./io.ts";
import type { IndexPaths } from "./paths.ts";

/** Default bound of the change log's history, in bytes. */
export const DEFAULT_CHANGE_HISTORY_BYTES = 4 << 20;
/** Batches up to this many bytes travel in the journal record itself. */
const JOURNALED_BATCH_MAX = 64 * 1024;

/** How one batch reaches the change log. */
export interface ChangeWrite {
  /** In-place changes of the log, for the journal record. */
  patches: JournalPatch[];
  /** Bytes written (and flushed) past the log's end before the record. */
  preAppend?: { offset: number; bytes: Uint8Array };
  /** A whole new log, written as `.new` and renamed by the record. */
  image?: Uint8Array;
}

/** A random epoch for a new log (never 0). */
function newEpoch(): number {
  const a = new Uint32Array(1);
  do globalThis.crypto.getRandomValues(a); while (a[0] === 0);
  return a[0];
}

/**
 * The change log's header as it is on disk, or undefined (with a warning
 * for a damaged one) when a new log must be started.
 */
function currentHeader(
  io: FileIO,
  paths: IndexPaths,
  onWarning?: (message: string) => void,
): { header: ChangeLogHeader; fd: number } | undefined {
  const fd = openIfExists(io, paths.changes);
  if (fd === undefined) return undefined;
  try {
    const b = new Uint8Array(CHANGE_HEADER_SIZE);
    const n = readFully(io, fd, b, 0, CHANGE_HEADER_SIZE, 0);
    const header = decodeChangeHeader(b.subarray(0, n), paths.changes);
    const size = io.fstat(fd).size;
    if (header.end > size) {
      throw new CorruptIndexError(paths.changes, 20, `change log end ${header.end} is past the file's ${size} bytes`);
    }
    return { header, fd };
  } catch (e) {
    io.close(fd);
    if (!(e instanceof CorruptIndexError)) throw e;
    onWarning?.(`${e.message}; a new change log is started (watchers resume from it)`);
    return undefined;
  }
}

/**
 * Plan how one batch reaches the change log. The caller holds the writer
 * lock; nothing is written here.
 *
 * @param io The file interface.
 * @param paths The index's files.
 * @param batch The batch's changes.
 * @param historyBytes Bound of the log's size.
 * @param onWarning Where a damaged log is reported before a new one is started.
 * @returns The patches, pre-append or new image.
 *
 * @example Plan the batch of a commit
 * ```ts ignore
 * const write = planChangeWrite(nodeFileIO, paths, builder, DEFAULT_CHANGE_HISTORY_BYTES);
 * ```
 */
export function planChangeWrite(
  io: FileIO,
  paths: IndexPaths,
  batch: ChangeBatchBuilder,
  historyBytes: number,
  onWarning?: (message: string) => void,
): ChangeWrite {
  const now = currentHeader(io, paths, onWarning);
  if (now === undefined) return { patches: [], image: newLog(newEpoch(), 1, [], encodeBatch(batch, 1)) };
  const { header, fd } = now;
  try {
    if (header.lastSeq >= 0xfffffffe) return { patches: [], image: newLog(newEpoch(), 1, [], encodeBatch(batch, 1)) };
    const seq = header.lastSeq + 1;
    const bytes = encodeBatch(batch, seq);
    if (header.end + bytes.length <= historyBytes) {
      const h = encodeChangeHeader({ ...header, firstSeq: header.firstSeq || seq, lastSeq: seq, end: header.end + bytes.length });
      const patches: JournalPatch[] = [];
      if (bytes.length <= JOURNALED_BATCH_MAX) {
        patches.push({ file: FILE_CHANGES, offset: header.end, bytes });
        patches.push({ file: FILE_CHANGES, offset: 0, bytes: h });
        return { patches };
      }
      return { patches: [{ file: FILE_CHANGES, offset: 0, bytes: h }], preAppend: { offset: header.end, bytes } };
    }
    // Full: keep the newest batches that fit in half the bound, then this one.
    const old = new Uint8Array(header.end);
    if (readFully(io, fd, old, 0, header.end, 0) !== header.end) {
      return { patches: [], image: newLog(newEpoch(), 1, [], encodeBatch(batch, 1)) };
    }
    const starts: number[] = [];
    for (let at = CHANGE_HEADER_SIZE; at < header.end;) {
      starts.push(at);
      at += batchAt(old, at, header.end, paths.changes, 0).size;
    }
    let from = header.end;
    const room = Math.max(0, Math.floor(historyBytes / 2) - CHANGE_HEADER_SIZE - bytes.length);
    for (let i = starts.length - 1; i >= 0 && header.end - starts[i] <= room; i--) from = starts[i];
    const keptFirst = from < header.end ? batchAt(old, from, header.end, paths.changes, 0).seq : seq;
    return { patches: [], image: newLog(header.epoch, keptFirst, [old.subarray(from, header.end)], bytes) };
  } catch (e) {
    if (!(e instanceof CorruptIndexError)) throw e;
    onWarning?.(`${e.message}; a new change log is started (watchers resume from it)`);
    return { patches: [], image: newLog(newEpoch(), 1, [], encodeBatch(batch, 1)) };
  } finally {
    io.close(fd);
  }
}

/** A whole log: header, kept batches, the new batch. */
function newLog(epoch: number, firstSeq: number, kept: Uint8Array[], last: Uint8Array): Uint8Array {
  let end = CHANGE_HEADER_SIZE;
  for (const k of kept) end += k.length;
  end += last.length;
  const out = new Uint8Array(end);
  const lastSeq = new DataView(last.buffer, last.byteOffset, last.byteLength).getUint32(4, true);
  out.set(encodeChangeHeader({ epoch, firstSeq, lastSeq, end }), 0);
  let pos = CHANGE_HEADER_SIZE;
  for (const k of kept) {
    out.set(k, pos);
    pos += k.length;
  }
  out.set(last, pos);
  return out;
}

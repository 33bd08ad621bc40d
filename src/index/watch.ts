/**
 * The change feed (SPEC §13): every commit of any process, once each and
 * in commit order, as batches read from the change log from a cursor.
 *
 * A watcher wakes on a directory watch of the index's directory (`FileIO`'s
 * `watchDir`, `fs.watch` on every runtime) and on a poll timer — the
 * fallback where watching is not possible, and a safety net where it is.
 * A wake costs one read of the journal header; only when that changed is
 * the log read, and then only its header and the bytes past what the
 * watcher has already read.
 *
 * @module
 */
import { dirname } from "node:path";
import {
  batchAt,
  CHANGE_HEADER_SIZE,
  type DecodedBatch,
  decodeBatches,
  type MailboxChange,
  type ReplaceReason,
} from "../format/change_log.ts";
import { ChangeCursorError } from "../format/errors.ts";
import { readChangeLog, type ChangeLogRead } from "../store/change_read.ts";
import { readJournalStamp } from "../store/file_read.ts";
import type { FileIO } from "../store/io.ts";
import type { IndexPaths } from "../store/paths.ts";

export type { MailboxChange, ReplaceReason };

/**
 * Options of {@linkcode MailboxListIndex.watch}.
 *
 * @example Resume where a watcher stopped, for ten seconds
 * ```ts
 * import type { WatchOptions } from "./watch.ts";
 * const options: WatchOptions = { since: "0badf00d:41", signal: AbortSignal.timeout(10_000) };
 * console.log(options.since); // 0badf00d:41
 * ```
 */
export interface WatchOptions {
  /** Report the commits after this cursor (default: those after the call). */
  since?: string;
  /** Ends the iteration when aborted. */
  signal?: AbortSignal;
  /** Poll the journal at least this often, in ms (default 1000 with a directory watch, 20 without). */
  pollIntervalMs?: number;
}

/**
 * The changes of one commit.
 *
 * @example Print a batch
 * ```ts ignore
 * for await (const batch of index.watch()) {
 *   for (const c of batch.changes) console.log(batch.cursor, c.kind, c.uid, c.name);
 * }
 * ```
 */
export interface ChangeBatch {
  /** Resume after this batch with `watch({ since: cursor })`. */
  cursor: string;
  /** Set when a rebuild, compression or recreation replaced the whole index. */
  replaced?: ReplaceReason;
  /** Set when the commit changed too much to list (`changes` is empty): read the index again. */
  truncated?: boolean;
  /** What changed, by UID. */
  changes: MailboxChange[];
}

/** A position in a change log. */
interface Position {
  /** The log's epoch (0: no log existed). */
  epoch: number;
  /** The last batch reported. */
  seq: number;
  /** Where the log file read ended, and its inode, when known (a start needs no second read). */
  end?: { ino: number; offset: number };
}

/**
 * The text of a cursor.
 *
 * @param epoch The log's epoch.
 * @param seq The batch number.
 * @returns The cursor.
 *
 * @example
 * ```ts
 * import { formatCursor } from "./watch.ts";
 * console.log(formatCursor(0xc0ffee, 7)); // 00c0ffee:7
 * ```
 */
export function formatCursor(epoch: number, seq: number): string {
  return `${epoch.toString(16).padStart(8, "0")}:${seq}`;
}

/**
 * Parse a cursor.
 *
 * @param cursor Its text.
 * @param file The change log, for the error.
 * @returns Its epoch and batch number.
 * @throws ChangeCursorError (`MALFORMED`) when it is not a cursor.
 *
 * @example
 * ```ts
 * import { parseCursor } from "./watch.ts";
 * console.log(parseCursor("00c0ffee:7", "x")); // { epoch: 12648430, seq: 7 }
 * ```
 */
export function parseCursor(cursor: string, file: string): Position {
  const m = typeof cursor === "string" ? /^([0-9a-f]{8}):(0|[1-9][0-9]{0,9})$/.exec(cursor) : null;
  const seq = m === null ? -1 : Number(m[2]);
  if (m === null || seq > 0xffffffff) {
    throw new ChangeCursorError("MALFORMED", String(cursor), file, "a cursor is 8 hex digits, a colon and a batch number");
  }
  return { epoch: parseInt(m[1], 16), seq };
}

/** The position at the log's end now, or undefined when a writer kept changing it. */
function positionNow(io: FileIO, paths: IndexPaths): Position | undefined {
  for (let i = 0; i < 4; i++) {
    const read = readChangeLog(io, paths, Number.MAX_SAFE_INTEGER);
    if (read === undefined) continue;
    const h = read.header;
    return h === undefined ? { epoch: 0, seq: 0 } : { epoch: h.epoch, seq: h.lastSeq, end: { ino: read.ino, offset: h.end } };
  }
  return undefined;
}

/**
 * The cursor of the newest commit, to watch from later.
 *
 * @param io The file interface.
 * @param paths The index's files.
 * @returns The cursor.
 * @throws IndexStateError-like retries are yielded, never slept on; CorruptIndexError for a damaged log.
 *
 * @example
 * ```ts ignore
 * const cursor = await changeCursor(nodeFileIO, indexPaths("/tmp/u.mlist"));
 * ```
 */
export async function changeCursor(io: FileIO, paths: IndexPaths): Promise<string> {
  for (;;) {
    const now = positionNow(io, paths);
    if (now !== undefined) return formatCursor(now.epoch, now.seq);
    await new Promise((resolve) => setTimeout(resolve, 1));
  }
}

/**
 * Watch an index's commits (see {@linkcode MailboxListIndex.watch}). The
 * starting position is taken when this is called.
 *
 * @param io The file interface.
 * @param paths The index's files.
 * @param options Where to start, when to stop, how often to poll.
 * @returns The batches, in commit order.
 *
 * @example Print the changes of the next commit (as `index.watch()` does)
 * ```ts
 * import { MailboxListIndex } from "./index.ts";
 * import { mkdtempSync, rmSync } from "node:fs";
 * import { tmpdir } from "node:os";
 * const dir = mkdtempSync(tmpdir() + "/mli-");
 * const index = await MailboxListIndex.open(dir + "/u.mlist");
 * const feed = index.watch();
 * const ctx = await index.syncBegin({ partial: true });
 * ctx.add("Lists/dev");
 * await ctx.commit();
 * for await (const batch of feed) {
 *   for (const c of batch.changes) console.log(c.kind, c.name); // added Lists, added Lists/dev
 *   break;
 * }
 * await index.close();
 * rmSync(dir, { recursive: true });
 * ```
 */
export function watchChanges(io: FileIO, paths: IndexPaths, options: WatchOptions = {}): AsyncGenerator<ChangeBatch> {
  let start: Position | undefined;
  try {
    start = options.since !== undefined ? parseCursor(options.since, paths.changes) : positionNow(io, paths);
  } catch (e) {
    // Told on the first `next()`, as every other refusal of a cursor.
    // deno-lint-ignore require-yield
    return (async function* () {
      throw e;
    })();
  }
  return feed(io, paths, options, start);
}

async function* feed(
  io: FileIO,
  paths: IndexPaths,
  options: WatchOptions,
  start: Position | undefined,
): AsyncGenerator<ChangeBatch> {
  const signal = options.signal;
  const aborted = () => signal?.aborted === true;
  let wake: (() => void) | undefined;
  let dirty = true;
  const poke = () => {
    dirty = true;
    const w = wake;
    wake = undefined;
    w?.();
  };
  const journalName = paths.journal.slice(paths.journal.lastIndexOf("/") + 1);
  const logName = paths.changes.slice(paths.changes.lastIndexOf("/") + 1);
  const watch = io.watchDir?.(dirname(paths.list), (file) => {
    if (file === undefined || file === journalName || file.startsWith(logName)) poke();
  });
  const timer = setInterval(poke, options.pollIntervalMs ?? (watch !== undefined ? 1000 : 20));
  signal?.addEventListener("abort", poke);
  try {
    let pos = start ?? await startNow(io, paths);
    const given = options.since;
    let first = true;
    let seen = { seq: -1, state: -1 };
    let ino = pos.end?.ino ?? -1, offset = pos.end?.offset ?? CHANGE_HEADER_SIZE;
    while (!aborted()) {
      if (!dirty) {
        await new Promise<void>((resolve) => wake = resolve);
        continue;
      }
      dirty = false;
      const stamp = readJournalStamp(io, paths.journal);
      if (!first && stamp.seq === seen.seq && stamp.state === seen.state) continue;
      let read = readChangeLog(io, paths, offset);
      if (read !== undefined && read.ino !== ino && offset !== CHANGE_HEADER_SIZE) {
        offset = CHANGE_HEADER_SIZE;
        read = readChangeLog(io, paths, offset);
      }
      if (read === undefined) {
        // A writer was busy: look again in a moment (without waiting for the next event).
        setTimeout(poke, 2);
        continue;
      }
      const batches = newBatches(read, pos, given, first, paths.changes);
      first = false;
      seen = { seq: read.journalSeq, state: read.journalState };
      if (read.header !== undefined) {
        ino = read.ino;
        offset = read.header.end;
      }
      for (const b of batches) {
        pos = { epoch: read.header!.epoch, seq: b.seq };
        const out: ChangeBatch = { cursor: formatCursor(pos.epoch, b.seq), changes: b.changes };
        if (b.replaced !== undefined) out.replaced = b.replaced;
        if (b.truncated === true) out.truncated = true;
        yield out;
        if (aborted()) return;
      }
    }
  } finally {
    clearInterval(timer);
    watch?.close();
    signal?.removeEventListener("abort", poke);
  }
}

async function startNow(io: FileIO, paths: IndexPaths): Promise<Position> {
  return parseCursor(await changeCursor(io, paths), paths.changes);
}

/** The batches of a read after a position, with the position checked against the log. */
function newBatches(
  read: ChangeLogRead,
  pos: Position,
  given: string | undefined,
  first: boolean,
  file: string,
): DecodedBatch[] {
  const h = read.header;
  const cursor = given !== undefined && first ? given : formatCursor(pos.epoch, pos.seq);
  if (h === undefined) {
    if (pos.epoch !== 0) throw new ChangeCursorError("FOREIGN", cursor, file, "the change log is gone");
    return [];
  }
  if (h.epoch !== pos.epoch) {
    // A watcher that started before any log existed missed nothing if the log starts at 1.
    if (pos.epoch !== 0 || pos.seq !== 0 || h.firstSeq > 1) {
      throw new ChangeCursorError(
        "FOREIGN",
        cursor,
        file,
        `the change log was started again (epoch ${formatCursor(h.epoch, 0).slice(0, 8)}); read the index afresh`,
      );
    }
    pos = { epoch: h.epoch, seq: 0 };
  }
  if (pos.seq > h.lastSeq) {
    throw new ChangeCursorError("FOREIGN", cursor, file, `it is ahead of the log, whose newest batch is ${h.lastSeq}`);
  }
  if (pos.seq === h.lastSeq) return [];
  if (pos.seq + 1 < h.firstSeq) {
    throw new ChangeCursorError(
      "EXPIRED",
      cursor,
      file,
      `the watcher is too far behind: the log keeps batches ${h.firstSeq} to ${h.lastSeq}; read the index afresh`,
    );
  }
  // Skip what was reported; the first batch left must follow the position.
  const b = read.bytes, end = b.length;
  let at = 0;
  while (at < end) {
    const { size, seq } = batchAt(b, at, end, file, read.base);
    if (seq > pos.seq) break;
    at += size;
  }
  const batches = decodeBatches(b, at, end, file, read.base);
  if (batches.length === 0 || batches[0].seq !== pos.seq + 1) {
    throw new ChangeCursorError("EXPIRED", cursor, file, `batch ${pos.seq + 1} is no longer in the log; read the index afresh`);
  }
  return batches;
}

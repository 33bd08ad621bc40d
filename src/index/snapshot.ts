/**
 * Lock-free consistent reads of an index: the list file, the attribute file
 * and the journal record read as one state, before or after any commit.
 *
 * @module
 */
import { AttrView } from "../image/attr_file.ts";
import { CorruptIndexError, IndexStateError } from "../format/errors.ts";
import type { SubscriptionState } from "./subscriptions.ts";
import type { IndexPaths } from "../store/paths.ts";
import type { FileIO } from "../store/io.ts";
import { applyPatches, FILE_ATTR, FILE_LIST, FILE_SUBS, JOURNAL_PENDING } from "../format/journal.ts";
import { ListView } from "../image/view.ts";
import type { CommitPlan } from "../store/commit_plan.ts";
import type { SnapshotStamp } from "../store/freshness.ts";
import { foreignRecord, readJournal, readJournalStamp, readWhole, recordFits, withPatchRoom } from "../store/file_read.ts";

export type { SnapshotStamp };
import { JOURNAL_APPLIED } from "../format/journal.ts";

/** A consistent state of an index as a reader sees it. */
export interface Snapshot {
  /** The list file. */
  list: ListView;
  /** The attribute file, or undefined when missing or not matching the list file. */
  attr: AttrView | undefined;
  /** Why the attribute file was not used, when it was not. */
  attrProblem: string | undefined;
  /** Why a pending journal record was ignored (written for another list file), when one was. */
  journalProblem?: string;
  /** Identity of what was read, to tell cheaply whether it is still current. */
  stamp: SnapshotStamp;
  /**
   * The file that holds this state's subscriptions: the subscriptions file,
   * or its `.new` copy while a pending journal record renames it. Read
   * when first asked for (`./subscriptions.ts`).
   */
  subsFile: string;
  /** The subscriptions once read, or why they cannot be. */
  subs?: SubscriptionState | CorruptIndexError;
}


/** Reads in a row that {@linkcode loadSnapshot} tries before it gives up (no waiting in between). */
const QUICK_ATTEMPTS = 4;

/**
 * Read the index's files once as one consistent state, applying a pending
 * journal record in memory.
 *
 * The journal's sequence and state, read before and after the files, work
 * as a sequence lock: when they differ, or a pending record that could not
 * be read at first has become readable meanwhile, a writer changed the files
 * during the read and the attempt is void. Every replacement of a file goes
 * through a journal record, so a list and attribute file that do not belong
 * together under an unchanged journal are not a writer in progress: that is
 * reported at once in `attrProblem`, never waited for.
 *
 * @param io The file interface.
 * @param paths The index's files.
 * @returns The snapshot, or undefined when a writer changed the files during the read.
 * @throws CorruptIndexError for a damaged file; ENOENT when there is no index.
 *
 * @example Reading once, and again later when a writer was busy
 * ```ts ignore
 * const snap = readSnapshotOnce(nodeFileIO, indexPaths("/tmp/u.mlist")) ?? previous;
 * ```
 */
export function readSnapshotOnce(io: FileIO, paths: IndexPaths): Snapshot | undefined {
  const j1 = readJournalStamp(io, paths.journal);
  const record = j1.state === JOURNAL_PENDING ? readJournal(io, paths.journal) : undefined;
  const whole = record !== undefined && record.seq === j1.seq ? record : undefined;
  // A record written for another list file is ignored whole, as writers ignore it (SPEC §9).
  const foreign = whole === undefined ? undefined : foreignRecord(io, paths, whole);
  const pending = foreign === undefined ? whole : undefined;
  const renamed = (f: number) => pending !== undefined && pending.renames.includes(f);
  const listRead = (renamed(FILE_LIST) ? readWhole(io, `${paths.list}.new`) : undefined) ??
    readWhole(io, paths.list);
  const attrRead = (renamed(FILE_ATTR) ? readWhole(io, `${paths.attr}.new`) : undefined) ??
    readWhole(io, paths.attr);
  const j2 = readJournalStamp(io, paths.journal);
  if (j1.seq !== j2.seq || j1.state !== j2.state) return undefined;
  if (j1.state === JOURNAL_PENDING && whole === undefined) {
    // The record was still being written when first read: if it is whole now, its writer
    // may have applied it while the files were read.
    const now = readJournal(io, paths.journal);
    if (now !== undefined && now.seq === j1.seq) return undefined;
  }
  if (listRead === undefined) throw noListFile(paths.list);
  // A record whose changes do not fit the files cannot come from a writer (files only
  // grow before a record is written): it never took effect, like a torn one.
  if (pending !== undefined && !recordFits(pending, listRead.bytes.length, attrRead?.bytes.length ?? 0)) {
    pending.patches.length = 0;
    pending.renames.length = 0;
  }
  if (pending !== undefined && pending.patches.length > 0) {
    if (attrRead !== undefined) attrRead.bytes = withPatchRoom(attrRead.bytes, pending, FILE_ATTR);
    const ok = applyPatches(listRead.bytes, pending, FILE_LIST) &&
      (attrRead === undefined || applyPatches(attrRead.bytes, pending, FILE_ATTR));
    if (!ok) return undefined;
  }
  const list = new ListView(listRead.bytes, paths.list);
  let attr: AttrView | undefined;
  let attrProblem: string | undefined;
  if (attrRead === undefined) {
    attrProblem = `attribute file "${paths.attr}" is missing`;
  } else {
    try {
      attr = new AttrView(attrRead.bytes, paths.attr);
      attrProblem = attrMismatch(paths.attr, attr.header, list.header);
    } catch (e) {
      if (!(e instanceof CorruptIndexError)) throw e;
      attrProblem = e.message;
    }
    if (attrProblem !== undefined) attr = undefined;
  }
  // The tree check (ListView.checkTree) compares the attribute entries with the list's UIDs.
  list.pairAttr(attr);
  const stamp = { listIno: listRead.ino, journalSeq: j2.seq, journalState: j2.state };
  const subsFile = pending !== undefined && pending.renames.includes(FILE_SUBS) ? `${paths.subs}.new` : paths.subs;
  return foreign === undefined
    ? { list, attr, attrProblem, stamp, subsFile }
    : { list, attr, attrProblem, journalProblem: foreign, stamp, subsFile };
}

/**
 * Why an attribute file does not belong with a list file (SPEC §3): another
 * uid_validity, or another list file's file_seq; undefined when it does.
 *
 * @param file The attribute file, for the message.
 * @param attr Its header.
 * @param list The list file's header.
 * @returns The reason, or undefined.
 *
 * @example An attribute file of a list file since compressed
 * ```ts
 * import { attrMismatch } from "./snapshot.ts";
 * console.log(attrMismatch("/tmp/u.mlist.attr", { uidValidity: 7, listFileSeq: 1 }, { uidValidity: 7, fileSeq: 2 }));
 * ```
 */
export function attrMismatch(
  file: string,
  attr: { uidValidity: number; listFileSeq: number },
  list: { uidValidity: number; fileSeq: number },
): string | undefined {
  if (attr.uidValidity !== list.uidValidity) {
    return `attribute file "${file}" has uid_validity ${attr.uidValidity}, list file has ${list.uidValidity}`;
  }
  if (attr.listFileSeq !== list.fileSeq) {
    return `attribute file "${file}" belongs to file_seq ${attr.listFileSeq}, list file has ${list.fileSeq}`;
  }
  return undefined;
}

/**
 * Read the index's files as one consistent state without waiting: a few
 * reads in a row while a writer changes them, then give up. For callers
 * that cannot wait (a synchronous answer); they keep their previous state
 * when this throws {@linkcode IndexStateError}.
 *
 * @param io The file interface.
 * @param paths The index's files.
 * @returns The snapshot.
 * @throws CorruptIndexError for a damaged file; IndexStateError when every read met a writer; ENOENT when there is no index.
 *
 * @example Read an index's files without waiting
 * ```ts ignore
 * const snap = loadSnapshot(nodeFileIO, indexPaths("/tmp/u.mlist"));
 * ```
 */
export function loadSnapshot(io: FileIO, paths: IndexPaths): Snapshot {
  for (let attempt = 0; attempt < QUICK_ATTEMPTS; attempt++) {
    const snap = readSnapshotOnce(io, paths);
    if (snap !== undefined) return snap;
  }
  throw new IndexStateError(
    `Cannot read a consistent state of index "${paths.list}": a writer changed it during ${QUICK_ATTEMPTS} reads in a row`,
  );
}

/**
 * Read the index's files as one consistent state, retrying while a writer
 * changes them. Between retries it waits on a timer, so the event loop
 * goes on serving while a slow writer commits (SPEC §6).
 *
 * @param io The file interface.
 * @param paths The index's files.
 * @param maxWaitMs How long to keep retrying before giving up.
 * @returns The snapshot.
 * @throws CorruptIndexError for a damaged file; IndexStateError when no stable state could be read in time; ENOENT when there is no index.
 *
 * @example Read an index's files, waiting out a writer
 * ```ts ignore
 * const snap = await loadSnapshotAsync(nodeFileIO, indexPaths("/tmp/u.mlist"));
 * ```
 */
export async function loadSnapshotAsync(io: FileIO, paths: IndexPaths, maxWaitMs = 5000): Promise<Snapshot> {
  const started = Date.now();
  for (let attempt = 0;; attempt++) {
    const snap = readSnapshotOnce(io, paths);
    if (snap !== undefined) return snap;
    if (Date.now() - started > maxWaitMs) {
      throw new IndexStateError(
        `Cannot read a consistent state of index "${paths.list}": it kept changing for ${maxWaitMs} ms`,
      );
    }
    await new Promise((resolve) => setTimeout(resolve, Math.min(1 + attempt, 20)));
  }
}

function withRoom(bytes: Uint8Array, size: number): Uint8Array {
  if (bytes.byteOffset + size <= bytes.buffer.byteLength) {
    return new Uint8Array(bytes.buffer, bytes.byteOffset, size);
  }
  const grown = new Uint8Array(new ArrayBuffer(Math.ceil(size * 1.25)), 0, size);
  grown.set(bytes.subarray(0, Math.min(bytes.length, size)));
  return grown;
}

/**
 * The snapshot after this process's own commit landed, built from the old
 * one and the commit's plan, without reading the files again. The old
 * snapshot's buffers are reused (and so changed) when they have room.
 *
 * @param snap The snapshot the plan was computed on.
 * @param plan The committed plan.
 * @param seq The journal sequence number of the commit.
 * @param listSize The list file's size after the commit.
 * @param paths The index's files.
 * @returns The new snapshot.
 *
 * @example The state after this process's commit
 * ```ts ignore
 * snap = snapshotAfterCommit(snap, plan, outcome.seq, outcome.listSize, paths);
 * ```
 */
export function snapshotAfterCommit(
  snap: Snapshot,
  plan: CommitPlan,
  seq: number,
  listSize: number,
  paths: IndexPaths,
): Snapshot {
  const list = withRoom(snap.list.bytes, Math.max(listSize, plan.appendOffset + plan.append.length));
  if (list.length > listSize) list.fill(0, listSize);
  list.set(plan.append, plan.appendOffset);
  for (const p of plan.listPatches) list.set(p.bytes, p.offset);
  let attrBytes: Uint8Array;
  if (plan.attr.kind === "replace") attrBytes = plan.attr.image;
  else {
    const old = snap.attr?.bytes ?? new Uint8Array(0);
    attrBytes = withRoom(old, Math.max(old.length, plan.attr.appendOffset + plan.attr.append.length));
    attrBytes.set(plan.attr.append, plan.attr.appendOffset);
    for (const p of plan.attr.patches) attrBytes.set(p.bytes, p.offset);
  }
  const attr = new AttrView(attrBytes, paths.attr);
  // The plan's engine checked the old image's tree before it gave out a UID, and every new UID
  // came from next_uid: the result needs no second check.
  const view = new ListView(list.subarray(0, listSize), paths.list).pairAttr(attr).trustTree();
  return {
    list: view,
    attr,
    attrProblem: undefined,
    stamp: { listIno: snap.stamp.listIno, journalSeq: seq, journalState: JOURNAL_APPLIED },
    subsFile: paths.subs,
  };
}

/**
 * The snapshot of files this process has just written whole (a compression):
 * built from the images it wrote, without reading the files again.
 *
 * @param list The list file's bytes `[0, used_space)`; its buffer is reused when it has room.
 * @param listSize The list file's size (the bytes past `list` read as zeros; they are written
 *   here, so that the memory of the commits' appends is touched once, now, not at each commit).
 * @param attr The attribute file's bytes.
 * @param stamp Identity of the files as written.
 * @param paths The index's files.
 * @returns The snapshot.
 * @throws CorruptIndexError when an image does not decode (it never should).
 *
 * @example The state after a compression
 * ```ts ignore
 * snap = snapshotOfImages(images.list, images.listSize, images.attr, stamp, paths);
 * ```
 */
export function snapshotOfImages(
  list: Uint8Array,
  listSize: number,
  attr: Uint8Array,
  stamp: SnapshotStamp,
  paths: IndexPaths,
): Snapshot {
  const bytes = withRoom(list, Math.max(listSize, list.length));
  if (bytes.length > list.length) bytes.fill(0, list.length);
  const attrView = new AttrView(attr, paths.attr);
  return {
    // A compression copies a checked tree and keeps its UIDs: the copy needs no second check.
    list: new ListView(bytes, paths.list).pairAttr(attrView).trustTree(),
    attr: attrView,
    attrProblem: undefined,
    stamp,
    subsFile: paths.subs,
  };
}

/**
 * The error of opening an index whose list file is missing: code `ENOENT`,
 * naming the file.
 *
 * @param list The list file's path.
 * @returns The error to throw.
 *
 * @example
 * ```ts
 * import { noListFile } from "./snapshot.ts";
 * console.log(noListFile("/srv/idx/a.mlist").code); // "ENOENT"
 * ```
 */
export function noListFile(list: string): Error & { code: string } {
  const err = new Error(`Cannot open index "${list}": no such file`) as Error & { code: string };
  err.code = "ENOENT";
  return err;
}

/**
 * The one walk behind {@linkcode checkIndex} and {@linkcode dumpIndex}:
 * the files read as one consistent state, the way a reader sees them (a
 * commit pending in the journal applied in memory), then every structure
 * checked without trusting any offset, size or count, so that a damaged
 * file yields a list of problems, never a crash or a hang.
 *
 * @module
 */
import { HEADER_SIZE, MINOR_VERSION } from "../format/constants.ts";
import { CorruptIndexError } from "../format/errors.ts";
import type { ListHeader } from "../format/header.ts";
import { JOURNAL_PENDING } from "../format/journal.ts";
import { loadSnapshot, type Snapshot } from "../index/snapshot.ts";
import { readJournalStamp } from "../store/file_read.ts";
import { readSubsFile } from "../store/subs_file.ts";
import { readChangeLog } from "../store/change_read.ts";
import { CHANGE_HEADER_SIZE, decodeBatches } from "../format/change_log.ts";
import { type FileIO, nodeFileIO } from "../store/io.ts";
import { indexPaths } from "../store/paths.ts";
import { checkAttrFile } from "./attr_check.ts";
import type { DumpAttrEntry, DumpDirectory } from "./dump_types.ts";
import { Extents } from "./overlaps.ts";
import { Problems } from "./problems.ts";
import type { ListScope } from "./scope.ts";
import { type CheckStats, emptyStats } from "./stats.ts";
import { walkTree } from "./tree_walk.ts";

/**
 * Options of {@linkcode checkIndex} and {@linkcode dumpIndex}.
 *
 * @example Limiting the report
 * ```ts
 * import type { InspectOptions } from "./inspect.ts";
 * const opts: InspectOptions = { maxProblems: 10 };
 * ```
 */
export interface InspectOptions {
  /** The I/O seam (default: node:fs). */
  io?: FileIO;
  /** At most this many errors and this many warnings are listed (default 100). */
  maxProblems?: number;
}

/**
 * What {@linkcode inspect} found: the problems and figures, and for a dump
 * the structures read.
 *
 * @example The verdict of an inspection
 * ```ts ignore
 * const r: Inspection = inspect(path, {}, false);
 * console.log(r.problems.errorCount === 0 ? "OK" : "CORRUPT");
 * ```
 */
export interface Inspection {
  /** Path of the list file. */
  file: string;
  /** Size of the list file. */
  fileSize: number;
  /** The state read, when the reader accepted it. */
  snapshot?: Snapshot;
  /** The list file header, when it could be read. */
  header?: ListHeader;
  /** The version bytes as stored. */
  rawVersion?: { major: number; minor: number };
  /** The directories (a dump only). */
  directories: DumpDirectory[];
  /** The attribute entries (a dump only). */
  attrEntries: DumpAttrEntry[];
  /** The problems found. */
  problems: Problems;
  /** Figures gathered on the way. */
  stats: CheckStats;
  /** The separator the attribute file records, when known. */
  separator?: string;
  /** Whether a commit is pending in the journal. */
  journalPending: boolean;
  /** The subscribed names, when the subscriptions file could be read. */
  subscriptions?: string[];
  /** The change log's epoch and its batches' numbers, when it could be read (SPEC §13). */
  changeLog?: { epoch: number; firstSeq: number; lastSeq: number };
}

/** The header's oddities and the one lie about its space. */
function checkHeader(out: Inspection, bytes: Uint8Array, h: ListHeader): void {
  const { file: path, problems } = out;
  if (bytes[1] !== MINOR_VERSION) problems.warn(path, 1, `minor version ${bytes[1]} is not ${MINOR_VERSION}`);
  if (bytes[2] !== 0 || bytes[3] !== 0) problems.warn(path, 2, "the unused header bytes are not 0");
  if (h.headerSize !== HEADER_SIZE) problems.warn(path, 8, `header_size ${h.headerSize} is not ${HEADER_SIZE}`);
  if (h.deletedSpace > h.usedSpace - h.headerSize) {
    problems.error(path, 24, `deleted_space ${h.deletedSpace} exceeds the ${h.usedSpace - h.headerSize} bytes in use after the header`);
  }
}

/**
 * Read an index as a reader would and check every structure of it.
 *
 * @param path Path of the list file.
 * @param options I/O seam and the cap on listed problems.
 * @param collect Also gather the directories and entries for a dump.
 * @returns What was found.
 * @throws Error when the index cannot be read at all (missing file, I/O error).
 *
 * @example Counting errors
 * ```ts ignore
 * console.log(inspect("/var/mail/u/mailboxes.mlist", {}, false).problems.errorCount);
 * ```
 */
export function inspect(path: string, options: InspectOptions, collect: boolean): Inspection {
  const io = options.io ?? nodeFileIO;
  const paths = indexPaths(path);
  const problems = new Problems(options.maxProblems ?? 100);
  const out: Inspection = {
    file: path,
    fileSize: 0,
    directories: [],
    attrEntries: [],
    problems,
    stats: emptyStats(),
    journalPending: readJournalStamp(io, paths.journal).state === JOURNAL_PENDING,
  };
  let snap: Snapshot;
  try {
    snap = loadSnapshot(io, paths);
  } catch (e) {
    if (!(e instanceof CorruptIndexError)) throw e;
    out.fileSize = io.stat(path)?.size ?? 0;
    out.stats.fileSize = out.fileSize;
    problems.error(e.file, e.offset, e.check);
    return out;
  }
  out.snapshot = snap;
  if (snap.journalProblem !== undefined) problems.warn(paths.journal, 0, `${snap.journalProblem}; readers and writers ignore it`);
  const { bytes, dv, header: h } = snap.list;
  out.header = h;
  out.rawVersion = { major: bytes[0], minor: bytes[1] };
  out.fileSize = bytes.length;
  out.stats.fileSize = bytes.length;
  checkHeader(out, bytes, h);
  const attr = snap.attr;
  let sepByte = -1;
  if (attr !== undefined && attr.header.separator !== 0) {
    sepByte = attr.header.separator;
    out.separator = String.fromCharCode(sepByte);
  }
  const extents = new Extents();
  extents.add(0, h.headerSize, "the header");
  out.stats.liveBytes = h.headerSize;
  const scope: ListScope = {
    path,
    bytes,
    dv,
    header: h,
    sepByte,
    separator: out.separator,
    problems,
    stats: out.stats,
    extents,
    directories: collect ? out.directories : undefined,
  };
  const live = walkTree(scope);
  extents.reportOverlaps(problems, path);
  const entries = collect ? out.attrEntries : undefined;
  checkAttrFile({ path: paths.attr, listHeader: h, problems, stats: out.stats, live, entries }, attr, snap.attrProblem);
  checkSubscriptions(out, io, snap.subsFile, paths.subs);
  checkChangeLog(out, io, paths);
  return out;
}

/**
 * The change log: its header and every batch decoded, numbered one after
 * another. Damage there loses nothing of the index (the next commit starts
 * a new log; watchers are told to read the index afresh), so it is a warning.
 */
function checkChangeLog(out: Inspection, io: FileIO, paths: ReturnType<typeof indexPaths>): void {
  try {
    let read = readChangeLog(io, paths, CHANGE_HEADER_SIZE);
    for (let i = 0; read === undefined && i < 3; i++) read = readChangeLog(io, paths, CHANGE_HEADER_SIZE);
    const h = read?.header;
    if (read === undefined || h === undefined) return;
    const batches = decodeBatches(read.bytes, 0, read.bytes.length, paths.changes, read.base);
    const gap = batches.findIndex((b, i) => b.seq !== h.firstSeq + i);
    if (gap >= 0 || batches.length !== (h.lastSeq === 0 ? 0 : h.lastSeq - h.firstSeq + 1)) {
      const at = gap >= 0 ? `batch ${batches[gap].seq} where ${h.firstSeq + gap} belongs` : `${batches.length} batches`;
      out.problems.warn(paths.changes, 12, `the header names batches ${h.firstSeq}…${h.lastSeq}, the log holds ${at}`);
      return;
    }
    out.stats.changeBatches = batches.length;
    out.changeLog = { epoch: h.epoch, firstSeq: h.firstSeq, lastSeq: h.lastSeq };
  } catch (e) {
    if (!(e instanceof CorruptIndexError)) throw e;
    out.problems.warn(e.file, e.offset, `${e.check}; the next commit starts a new change log`);
  }
}

/** The subscriptions file (of the state read: its `.new` copy while a pending record renames it). */
function checkSubscriptions(out: Inspection, io: FileIO, file: string, path: string): void {
  try {
    const names = (file !== path ? readSubsFile(io, file) : undefined) ?? readSubsFile(io, path) ?? [];
    out.stats.subscriptions = names.length;
    out.subscriptions = names;
  } catch (e) {
    if (!(e instanceof CorruptIndexError)) throw e;
    out.problems.error(e.file, e.offset, e.check);
  }
}

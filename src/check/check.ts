/**
 * A full structural check and a dump of an index, over the raw bytes of its
 * files: the list file header, every directory chain, every record, the
 * names, and the attribute file, as the `check` and `dump` commands of the
 * command-line tool print them.
 *
 * The files are read as one consistent state, the way a reader sees them
 * (a commit that is pending in the journal is applied in memory), but
 * nothing is trusted: every offset, size and count is checked before use,
 * so a damaged file yields a list of problems, never a crash or a hang.
 *
 * @module
 */
import { ATTR_ENTRY_SIZE, ATTR_HEADER_SIZE, type AttrHeader, readAttrStatus, STATUS_SET_BIT } from "../format/attr_codec.ts";
import type { AttrView } from "../image/attr_file.ts";
import {
  DELETED_BIT,
  DIR_HEADER_SIZE,
  HEADER_SIZE,
  MailboxFlags,
  MINOR_VERSION,
  RECORD_SIZE,
  UID_MASK,
} from "../format/constants.ts";
import { CorruptIndexError } from "../format/errors.ts";
import type { ListHeader } from "../format/header.ts";
import { indexPaths } from "../store/paths.ts";
import { type FileIO, nodeFileIO } from "../store/io.ts";
import { JOURNAL_PENDING } from "../format/journal.ts";
import { decodeName } from "../format/name_codec.ts";
import { hashBytes } from "../format/name_hash.ts";
import { decodeOffset, OFFSET_MARKER } from "../format/offset.ts";
import { loadSnapshot, readJournalStamp, type Snapshot } from "../index/snapshot.ts";
import type { MailboxStatus } from "../format/types.ts";
import { MAX_NAME_SCAN } from "../image/view.ts";

/**
 * One thing {@linkcode checkIndex} found wrong. Errors make the index
 * unusable or its answers wrong; warnings are oddities a reader survives.
 *
 * @example Printing a problem
 * ```ts
 * import type { CheckProblem } from "./check.ts";
 * const p: CheckProblem = { severity: "error", file: "/tmp/u.mlist", offset: 40, message: "uid is 0" };
 * console.log(`${p.severity}: "${p.file}" at offset ${p.offset}: ${p.message}`);
 * ```
 */
export interface CheckProblem {
  /** "error" (corruption) or "warning". */
  severity: "error" | "warning";
  /** The file the problem is in. */
  file: string;
  /** Byte offset in that file where the check looked. */
  offset: number;
  /** What is wrong, in words. */
  message: string;
}

/**
 * Figures about an index, gathered while checking it.
 *
 * @example Reading the figures
 * ```ts ignore
 * const { stats } = checkIndex("/var/mail/u/mailboxes.mlist");
 * console.log(stats.live, "mailboxes in", stats.directories, "directories");
 * ```
 */
export interface CheckStats {
  /** Size of the list file in bytes. */
  fileSize: number;
  /** Directories reachable from the root (one per chain). */
  directories: number;
  /** Directory copies in those chains, older ones included. */
  directoryCopies: number;
  /** Live records (mailboxes). */
  live: number;
  /** Records with the deleted bit in the newest directory copies. */
  deleted: number;
  /** Deepest level of a live record (1 = top level; 0 = empty index). */
  maxDepth: number;
  /** Bytes of the live structures (header, newest directories, their names). */
  liveBytes: number;
  /** Entries of the attribute file (deleted ones included). */
  attrEntries: number;
  /** Mailboxes with `\NonExistent`. */
  nonExistent: number;
  /** Mailboxes with `\Noselect`. */
  noSelect: number;
  /** Mailboxes with a STATUS cache. */
  withStatus: number;
}

/**
 * What {@linkcode checkIndex} found.
 *
 * @example Deciding on the result
 * ```ts ignore
 * const report = checkIndex("/var/mail/u/mailboxes.mlist");
 * if (!report.ok) for (const p of report.problems) console.error(p.message);
 * ```
 */
export interface CheckReport {
  /** Path of the list file. */
  file: string;
  /** True when no error was found (warnings allowed). */
  ok: boolean;
  /** Errors first, then warnings, each in the order found (at most `maxProblems` of each). */
  problems: CheckProblem[];
  /** Number of errors found (may exceed the ones listed). */
  errorCount: number;
  /** Number of warnings found (may exceed the ones listed). */
  warningCount: number;
  /** The list file header, when it could be read. */
  header?: ListHeader;
  /** The attribute file header, when it could be read. */
  attrHeader?: AttrHeader;
  /** The hierarchy separator stored in the attribute file, when known. */
  separator?: string;
  /** Whether a commit is pending in the journal (readers apply it; the next writer finishes it). */
  journalPending: boolean;
  /** Figures gathered on the way. */
  stats: CheckStats;
}

/**
 * One record as {@linkcode dumpIndex} shows it.
 *
 * @example A record
 * ```ts
 * import type { DumpRecord } from "./check.ts";
 * const r: DumpRecord = {
 *   offset: 40, hash: 0x76bace76, uid: 1, deleted: false, nameOffset: 56, name: "INBOX", mailbox: "INBOX", dirOffset: 0,
 * };
 * ```
 */
export interface DumpRecord {
  /** Offset of the record in the list file. */
  offset: number;
  /** The stored name hash. */
  hash: number;
  /** The UID. */
  uid: number;
  /** Whether the deleted bit is set. */
  deleted: boolean;
  /** Plain offset of the name. */
  nameOffset: number;
  /** This level's name (empty when it could not be read). */
  name: string;
  /** The full mailbox name. */
  mailbox: string;
  /** Decoded offset of the child directory (0 = none). */
  dirOffset: number;
}

/**
 * One directory chain as {@linkcode dumpIndex} shows it: its newest copy's
 * header and records, and the offsets of the older copies.
 *
 * @example A directory
 * ```ts
 * import type { DumpDirectory } from "./check.ts";
 * const d: DumpDirectory = { offset: 28, copies: [], owner: "", ownerUid: 0, dirSize: 12, count: 0, records: [] };
 * ```
 */
export interface DumpDirectory {
  /** Offset of the newest copy (the one readers use). */
  offset: number;
  /** Offsets of the older copies, oldest first (their next_offset chain leads here). */
  copies: number[];
  /** Full name of the mailbox that owns the directory ("" = the root). */
  owner: string;
  /** UID of the owner (0 = the root). */
  ownerUid: number;
  /** The newest copy's dir_size. */
  dirSize: number;
  /** The newest copy's record count. */
  count: number;
  /** The newest copy's records, in file order. */
  records: DumpRecord[];
}

/**
 * One attribute file entry as {@linkcode dumpIndex} shows it.
 *
 * @example An entry
 * ```ts
 * import type { DumpAttrEntry } from "./check.ts";
 * const e: DumpAttrEntry = { offset: 48, uid: 1, deleted: false, flags: 2, flagNames: ["\\HasNoChildren"] };
 * ```
 */
export interface DumpAttrEntry {
  /** Offset of the entry in the attribute file. */
  offset: number;
  /** The UID. */
  uid: number;
  /** Whether the entry is deleted. */
  deleted: boolean;
  /** The {@linkcode MailboxFlags} bits. */
  flags: number;
  /** The flags as LIST attribute names. */
  flagNames: string[];
  /** The STATUS cache, when set. */
  status?: MailboxStatus;
}

/**
 * Everything {@linkcode dumpIndex} read, plus the problems met.
 *
 * @example Walking a dump
 * ```ts ignore
 * const dump = dumpIndex("/var/mail/u/mailboxes.mlist");
 * for (const d of dump.directories) console.log(d.offset, d.owner, d.count);
 * ```
 */
export interface IndexDump {
  /** Path of the list file. */
  file: string;
  /** Size of the list file. */
  fileSize: number;
  /** The list file header, when it could be read. */
  header?: ListHeader & { majorVersion: number; minorVersion: number };
  /** Directories in depth-first pre-order (the layout order of a fresh rebuild). */
  directories: DumpDirectory[];
  /** The attribute file, when it could be read. */
  attr?: { file: string; fileSize: number; header: AttrHeader; separator?: string; entries: DumpAttrEntry[] };
  /** Problems met while reading, as {@linkcode checkIndex} reports them. */
  problems: CheckProblem[];
}

/**
 * Options of {@linkcode checkIndex} and {@linkcode dumpIndex}.
 *
 * @example Limiting the report
 * ```ts
 * import type { InspectOptions } from "./check.ts";
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
 * The LIST attribute names of a set of flag bits.
 *
 * @param flags {@linkcode MailboxFlags} bits.
 * @returns For example `["\\HasChildren", "\\Noselect"]`.
 *
 * @example Naming flags
 * ```ts
 * import { flagNames } from "./check.ts";
 * console.log(flagNames(9)); // ["\\HasChildren", "\\NonExistent"]
 * ```
 */
export function flagNames(flags: number): string[] {
  const out: string[] = [];
  if (flags & MailboxFlags.Children) out.push("\\HasChildren");
  if (flags & MailboxFlags.NoChildren) out.push("\\HasNoChildren");
  if (flags & MailboxFlags.NoSelect) out.push("\\Noselect");
  if (flags & MailboxFlags.NonExistent) out.push("\\NonExistent");
  const rest = flags & ~0x0f;
  if (rest !== 0) out.push(`0x${rest.toString(16)}`);
  return out;
}

/** Problem collector with per-severity caps. */
class Problems {
  readonly errors: CheckProblem[] = [];
  readonly warnings: CheckProblem[] = [];
  errorCount = 0;
  warningCount = 0;
  constructor(readonly max: number) {}
  error(file: string, offset: number, message: string): void {
    if (++this.errorCount <= this.max) this.errors.push({ severity: "error", file, offset, message });
  }
  warn(file: string, offset: number, message: string): void {
    if (++this.warningCount <= this.max) this.warnings.push({ severity: "warning", file, offset, message });
  }
  all(): CheckProblem[] {
    return [...this.errors, ...this.warnings];
  }
}

/** A live record's place in the tree, for the attribute checks. */
interface LiveInfo {
  name: string;
  hasChildren: boolean;
}

/** The shared walk behind checkIndex and dumpIndex. */
interface Inspection {
  file: string;
  fileSize: number;
  snapshot?: Snapshot;
  header?: ListHeader;
  rawVersion?: { major: number; minor: number };
  directories: DumpDirectory[];
  attrEntries: DumpAttrEntry[];
  problems: Problems;
  stats: CheckStats;
  separator?: string;
  journalPending: boolean;
}

const NAME_FIELD = 8;

function hex(n: number): string {
  return "0x" + (n >>> 0).toString(16).padStart(8, "0");
}

function emptyStats(): CheckStats {
  return {
    fileSize: 0,
    directories: 0,
    directoryCopies: 0,
    live: 0,
    deleted: 0,
    maxDepth: 0,
    liveBytes: 0,
    attrEntries: 0,
    nonExistent: 0,
    noSelect: 0,
    withStatus: 0,
  };
}

function inspect(path: string, options: InspectOptions, collect: boolean): Inspection {
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
  const list = snap.list;
  const bytes = list.bytes;
  const dv = list.dv;
  const h = list.header;
  out.header = h;
  out.rawVersion = { major: bytes[0], minor: bytes[1] };
  out.fileSize = bytes.length;
  out.stats.fileSize = bytes.length;
  if (bytes[1] !== MINOR_VERSION) problems.warn(path, 1, `minor version ${bytes[1]} is not ${MINOR_VERSION}`);
  if (bytes[2] !== 0 || bytes[3] !== 0) problems.warn(path, 2, "the unused header bytes are not 0");
  if (h.headerSize !== HEADER_SIZE) problems.warn(path, 8, `header_size ${h.headerSize} is not ${HEADER_SIZE}`);
  if (h.deletedSpace > h.usedSpace - h.headerSize) {
    problems.error(path, 24, `deleted_space ${h.deletedSpace} exceeds the ${h.usedSpace - h.headerSize} bytes in use after the header`);
  }

  const attr = snap.attr;
  let sepByte = -1;
  if (attr !== undefined && attr.header.separator !== 0) {
    sepByte = attr.header.separator;
    out.separator = String.fromCharCode(sepByte);
  }
  const joiner = out.separator ?? "/";

  const end = h.usedSpace;
  const nextUid = h.nextUid;
  // Byte ranges of every structure found, to catch overlaps: [start, end, kind, owner offset].
  const rStart: number[] = [0];
  const rEnd: number[] = [h.headerSize];
  const rWhat: string[] = ["the header"];
  const live = new Map<number, LiveInfo>();
  const seenDirs = new Set<number>();
  out.stats.liveBytes = h.headerSize;

  /** Check one directory copy's header; returns its count, or -1 when unusable. */
  const checkDir = (off: number, what: string): number => {
    if (off % 4 !== 0) {
      problems.error(path, off, `${what} at offset ${off} is not 4-byte aligned`);
      return -1;
    }
    if (off < h.headerSize || off + DIR_HEADER_SIZE > end) {
      problems.error(path, off, `${what} at offset ${off} is outside the used space [${h.headerSize}, ${end})`);
      return -1;
    }
    const size = dv.getUint32(off + 4, true);
    const count = dv.getUint32(off + 8, true);
    if (count > (end - off - DIR_HEADER_SIZE) / RECORD_SIZE) {
      problems.error(path, off + 8, `${what}: count ${count} does not fit in the used space`);
      return -1;
    }
    if (size < DIR_HEADER_SIZE + RECORD_SIZE * count) {
      problems.error(path, off + 4, `${what}: dir_size ${size} is smaller than 12 + 16 × ${count}`);
      return -1;
    }
    if (size > end - off) {
      problems.error(path, off + 4, `${what}: dir_size ${size} runs past used_space ${end}`);
      return -1;
    }
    return count;
  };

  const checkLinkWord = (at: number, word: number, field: string): void => {
    if (word !== 0 && (word & OFFSET_MARKER) >>> 0 !== OFFSET_MARKER) {
      problems.warn(path, at, `${field} ${hex(word)} is not a valid encoded offset (read as no link)`);
    }
  };

  interface Pending {
    first: number;
    owner: string;
    ownerUid: number;
    depth: number;
  }
  const stack: Pending[] = [];
  if (end > h.headerSize) stack.push({ first: h.headerSize, owner: "", ownerUid: 0, depth: 1 });

  while (stack.length > 0) {
    const p = stack.pop()!;
    const label = p.owner === "" ? "the root directory" : `the directory of ${JSON.stringify(p.owner)}`;
    // Follow the chain to its newest copy.
    const copies: number[] = [];
    let off = p.first;
    for (;;) {
      if (seenDirs.has(off)) {
        problems.error(path, off, `${label} at offset ${off} is reached twice: links are shared or form a cycle`);
        break;
      }
      const count = checkDir(off, label);
      if (count < 0) {
        break;
      }
      seenDirs.add(off);
      copies.push(off);
      rStart.push(off);
      rEnd.push(off + dv.getUint32(off + 4, true));
      rWhat.push(`${label} (copy at ${off})`);
      const word = dv.getUint32(off, true);
      checkLinkWord(off, word, `next_offset of ${label} at ${off}`);
      const next = decodeOffset(word);
      if (next === 0) break;
      if (next <= off) {
        problems.error(path, off, `next_offset ${next} of ${label} at ${off} does not point forward`);
        break;
      }
      off = next;
    }
    // A broken chain: the last good copy stands for the directory.
    if (copies.length === 0) continue;
    const newest = copies[copies.length - 1];
    out.stats.directories++;
    out.stats.directoryCopies += copies.length;
    const count = dv.getUint32(newest + 8, true);
    const dirSize = dv.getUint32(newest + 4, true);
    const recordsEnd = newest + DIR_HEADER_SIZE + RECORD_SIZE * count;
    const dirEnd = newest + dirSize;
    out.stats.liveBytes += DIR_HEADER_SIZE + RECORD_SIZE * count;
    const dump: DumpDirectory | undefined = collect
      ? { offset: newest, copies: copies.slice(0, -1), owner: p.owner, ownerUid: p.ownerUid, dirSize, count, records: [] }
      : undefined;
    if (dump !== undefined) out.directories.push(dump);

    let prevHash = -1;
    let prevStart = 0;
    let prevEnd = 0;
    let prevLive = false;
    const children: Pending[] = [];
    let liveHere = 0;
    for (let i = 0; i < count; i++) {
      const rec = newest + DIR_HEADER_SIZE + i * RECORD_SIZE;
      const hash = dv.getUint32(rec, true);
      const word = dv.getUint32(rec + 4, true);
      const nameOff = dv.getUint32(rec + NAME_FIELD, true);
      const dirWord = dv.getUint32(rec + 12, true);
      const deleted = (word & DELETED_BIT) !== 0;
      const uid = word & UID_MASK;
      const where = `record ${i} of ${label}`;
      if (uid === 0) problems.error(path, rec + 4, `${where}: uid is 0`);
      else if (uid >= nextUid) problems.error(path, rec + 4, `${where}: uid ${uid} is not below next_uid ${nextUid}`);

      // The name.
      let nameOk = false;
      let nul = nameOff;
      let name = "";
      if (nameOff < h.headerSize || nameOff >= end) {
        problems.error(path, rec + NAME_FIELD, `${where}: name_offset ${nameOff} is outside the used space`);
      } else {
        const limit = Math.min(end, nameOff + MAX_NAME_SCAN);
        while (nul < limit && bytes[nul] !== 0) nul++;
        if (nul >= limit) {
          problems.error(path, nameOff, `${where}: the name at ${nameOff} is not NUL-terminated`);
        } else if (nul === nameOff) {
          problems.error(path, nameOff, `${where}: the name at ${nameOff} is empty`);
        } else {
          nameOk = true;
          name = decodeName(bytes, nameOff, nul);
          if (nameOff >= recordsEnd && nameOff < dirEnd) {
            if (nul >= dirEnd) {
              problems.error(path, nameOff, `${where}: the name at ${nameOff} runs past the directory's dir_size ${dirSize}`);
            }
            if (!deleted) out.stats.liveBytes += nul + 1 - nameOff;
          } else if (nameOff >= newest) {
            problems.error(
              path,
              rec + NAME_FIELD,
              `${where}: name_offset ${nameOff} points into the directory's own header or records, or past its dir_size`,
            );
          } else if (!copies.slice(0, -1).some((c) => nameOff >= c && nul < c + dv.getUint32(c + 4, true))) {
            problems.warn(path, rec + NAME_FIELD, `${where}: the name at ${nameOff} lies outside this directory and its older copies`);
          }
          if (sepByte >= 0 && bytes.subarray(nameOff, nul).includes(sepByte)) {
            problems.error(path, nameOff, `${where}: the name ${JSON.stringify(name)} contains the separator ${JSON.stringify(out.separator)}`);
          }
          const actual = hashBytes(bytes, nameOff, nul);
          if (actual !== hash) {
            problems.error(path, rec, `${where}: name_hash ${hex(hash)} does not match the name ${JSON.stringify(name)} (${hex(actual)})`);
          }
        }
      }
      // Sort order: hash, then bytes; no two live records with one name.
      if (i > 0) {
        let cmp = hash === prevHash ? 0 : hash < prevHash ? -1 : 1;
        if (cmp === 0 && nameOk && prevEnd > prevStart) cmp = compareRange(bytes, nameOff, nul, prevStart, prevEnd);
        if (cmp < 0) {
          problems.error(path, rec, `${where}: records are not sorted by name hash, then name bytes`);
        } else if (cmp === 0 && nameOk && !deleted && prevLive) {
          problems.error(path, rec, `${where}: the name ${JSON.stringify(name)} appears twice in ${label}`);
        }
      }
      prevHash = hash;
      prevStart = nameOk ? nameOff : 0;
      prevEnd = nameOk ? nul : 0;
      prevLive = !deleted;

      const mailbox = p.owner === "" ? name : p.owner + joiner + name;
      checkLinkWord(rec + 12, dirWord, `dir_offset of ${where}`);
      const child = decodeOffset(dirWord);
      if (dump !== undefined) {
        dump.records.push({ offset: rec, hash, uid, deleted, nameOffset: nameOff, name, mailbox, dirOffset: child });
      }
      if (deleted) {
        out.stats.deleted++;
        continue;
      }
      out.stats.live++;
      liveHere++;
      if (p.depth > out.stats.maxDepth) out.stats.maxDepth = p.depth;
      if (uid !== 0) {
        const dup = live.get(uid);
        if (dup !== undefined) {
          problems.error(path, rec + 4, `${where}: uid ${uid} of ${JSON.stringify(mailbox)} is also the uid of ${JSON.stringify(dup.name)}`);
        } else live.set(uid, { name: mailbox, hasChildren: false });
      }
      if (child !== 0) children.push({ first: child, owner: mailbox, ownerUid: uid, depth: p.depth + 1 });
    }
    if (liveHere > 0 && p.ownerUid !== 0) {
      const owner = live.get(p.ownerUid);
      if (owner !== undefined) owner.hasChildren = true;
    }
    // Children in reverse so that they pop in sort order (pre-order walk).
    for (let k = children.length - 1; k >= 0; k--) stack.push(children[k]);
  }

  // Overlapping structures.
  const order = rStart.map((_, i) => i).sort((a, b) => rStart[a] - rStart[b] || rEnd[a] - rEnd[b]);
  let maxEnd = 0;
  let maxWhat = "";
  for (const i of order) {
    if (rStart[i] < maxEnd) {
      problems.error(path, rStart[i], `${rWhat[i]} overlaps ${maxWhat}`);
    }
    if (rEnd[i] > maxEnd) {
      maxEnd = rEnd[i];
      maxWhat = rWhat[i];
    }
  }

  checkAttr(out, attr, snap, h, live, collect, paths.attr);
  return out;
}

/** Compare two byte ranges of one buffer, like strcmp. */
function compareRange(b: Uint8Array, aS: number, aE: number, bS: number, bE: number): number {
  const la = aE - aS, lb = bE - bS;
  const n = la < lb ? la : lb;
  for (let i = 0; i < n; i++) {
    const d = b[aS + i] - b[bS + i];
    if (d !== 0) return d;
  }
  return la - lb;
}

function checkAttr(
  out: Inspection,
  attr: AttrView | undefined,
  snap: Snapshot,
  h: ListHeader,
  live: Map<number, LiveInfo>,
  collect: boolean,
  attrPath: string,
): void {
  const problems = out.problems;
  if (attr === undefined) {
    problems.error(attrPath, 0, snap.attrProblem ?? `attribute file "${attrPath}" cannot be used`);
    return;
  }
  const ah = attr.header;
  const dv = attr.dv;
  out.stats.attrEntries = ah.count;
  if (ah.uidValidity !== h.uidValidity) {
    problems.error(attrPath, 12, `uid_validity ${ah.uidValidity} differs from the list file's ${h.uidValidity}`);
  }
  if (ah.listFileSeq !== h.fileSeq) {
    problems.error(attrPath, 16, `file_seq ${ah.listFileSeq} differs from the list file's ${h.fileSeq}`);
  }
  if (ah.nextUid !== h.nextUid) {
    problems.error(attrPath, 20, `next_uid ${ah.nextUid} differs from the list file's ${h.nextUid}`);
  }
  if (ah.separator === 0) problems.warn(attrPath, 36, "the separator is not recorded");
  let prev = 0;
  let liveEntries = 0;
  const found = new Set<number>();
  for (let i = 0, pos = ATTR_HEADER_SIZE; i < ah.count; i++, pos += ATTR_ENTRY_SIZE) {
    const word = dv.getUint32(pos, true);
    const uid = word & UID_MASK;
    const deleted = (word & DELETED_BIT) !== 0;
    const flagWord = dv.getUint32(pos + 4, true);
    const flags = flagWord & 0xff;
    const where = `entry ${i} (uid ${uid})`;
    if (uid === 0) problems.error(attrPath, pos, `${where}: uid is 0`);
    else if (uid <= prev) problems.error(attrPath, pos, `${where}: entries are not sorted by uid (after uid ${prev})`);
    prev = Math.max(prev, uid);
    const status = readAttrStatus(dv, pos);
    if (collect) {
      const e: DumpAttrEntry = { offset: pos, uid, deleted, flags, flagNames: flagNames(flags) };
      if (status !== undefined) e.status = status;
      out.attrEntries.push(e);
    }
    if (deleted) continue;
    liveEntries++;
    if (uid >= h.nextUid) problems.error(attrPath, pos, `${where}: uid ${uid} is not below next_uid ${h.nextUid}`);
    if ((flagWord & ~(0xff | STATUS_SET_BIT)) !== 0 || (flags & ~0x0f) !== 0) {
      problems.warn(attrPath, pos + 4, `${where}: unknown flag bits in ${hex(flagWord)}`);
    }
    if (dv.getUint32(pos + 28, true) !== 0) problems.warn(attrPath, pos + 28, `${where}: the reserved word is not 0`);
    const info = live.get(uid);
    if (info === undefined) {
      // A lie readers and writers refuse (SPEC §9), not an oddity.
      problems.error(attrPath, pos, `${where}: no live mailbox in the list file has this uid`);
      continue;
    }
    found.add(uid);
    if (flags & MailboxFlags.NonExistent) out.stats.nonExistent++;
    if (flags & MailboxFlags.NoSelect) out.stats.noSelect++;
    if (status !== undefined) out.stats.withStatus++;
    const name = JSON.stringify(info.name);
    if ((flags & MailboxFlags.Children) && !info.hasChildren) {
      problems.warn(attrPath, pos + 4, `${name} has \\HasChildren but no live children`);
    }
    if ((flags & MailboxFlags.NoChildren) && !(flags & MailboxFlags.Children) && info.hasChildren) {
      problems.warn(attrPath, pos + 4, `${name} has \\HasNoChildren but has live children`);
    }
    if ((flags & MailboxFlags.NonExistent) && !info.hasChildren) {
      problems.warn(attrPath, pos + 4, `${name} is \\NonExistent without children`);
    }
  }
  if (liveEntries !== ah.live) {
    problems.error(attrPath, 32, `the header counts ${ah.live} live entries, the file has ${liveEntries}`);
  }
  for (const [uid, info] of live) {
    if (!found.has(uid)) problems.error(attrPath, 0, `mailbox ${JSON.stringify(info.name)} (uid ${uid}) has no attribute entry`);
  }
}

/**
 * Check every structure of an index: the list file header; every directory
 * chain (forward links, alignment, bounds, counts, sizes); every record
 * (UID ≠ 0 and below next_uid, unique among live records; name inside the
 * file, NUL-terminated, non-empty, without the separator, matching its
 * hash, stored in the directory's name area or an older copy's); the sort
 * order (hash, then bytes) and unique names inside each directory; no two
 * structures overlapping; and the attribute file (header matching the list
 * file's uid_validity, file_seq and next_uid, entries sorted by UID, the
 * live count, an entry for every live UID and none for another, flags
 * consistent with the tree).
 *
 * @param path Path of the list file.
 * @param options I/O seam and the cap on listed problems.
 * @returns The report; `ok` is false when an error was found.
 * @throws Error when the index cannot be read at all (missing file, I/O error).
 *
 * @example Checking an index
 * ```ts
 * import { MailboxListIndex } from "../../mod.ts";
 * import { checkIndex } from "./check.ts";
 * import { mkdtempSync, rmSync } from "node:fs";
 * import { tmpdir } from "node:os";
 *
 * const dir = mkdtempSync(tmpdir() + "/mli-");
 * const index = await MailboxListIndex.open(dir + "/u.mlist");
 * const sync = await index.syncBegin();
 * for (const name of ["INBOX", "Archive/2009"]) sync.add(name);
 * await sync.commit();
 * await index.close();
 * const report = checkIndex(dir + "/u.mlist");
 * console.log(report.ok, report.stats.live); // true 3
 * rmSync(dir, { recursive: true });
 * ```
 */
export function checkIndex(path: string, options: InspectOptions = {}): CheckReport {
  const r = inspect(path, options, false);
  const report: CheckReport = {
    file: path,
    ok: r.problems.errorCount === 0,
    problems: r.problems.all(),
    errorCount: r.problems.errorCount,
    warningCount: r.problems.warningCount,
    journalPending: r.journalPending,
    stats: r.stats,
  };
  if (r.header !== undefined) report.header = r.header;
  if (r.snapshot?.attr !== undefined) report.attrHeader = r.snapshot.attr.header;
  if (r.separator !== undefined) report.separator = r.separator;
  return report;
}

/**
 * Read an index's structures for display: the list file header, every
 * directory chain in depth-first pre-order with its records, and the
 * attribute file's entries. Damage does not stop the dump: what can be read
 * is returned, with the problems {@linkcode checkIndex} would report.
 *
 * @param path Path of the list file.
 * @param options I/O seam and the cap on listed problems.
 * @returns The dump.
 * @throws Error when the index cannot be read at all (missing file, I/O error).
 *
 * @example Dumping an index
 * ```ts
 * import { MailboxListIndex } from "../../mod.ts";
 * import { dumpIndex } from "./check.ts";
 * import { mkdtempSync, rmSync } from "node:fs";
 * import { tmpdir } from "node:os";
 *
 * const dir = mkdtempSync(tmpdir() + "/mli-");
 * const index = await MailboxListIndex.open(dir + "/u.mlist");
 * const sync = await index.syncBegin();
 * sync.add("Archive/2009");
 * await sync.commit();
 * await index.close();
 * for (const d of dumpIndex(dir + "/u.mlist").directories) {
 *   console.log(d.offset, d.owner, d.records.map((r) => r.name)); // 28 "" ["Archive"], then … "Archive" ["2009"]
 * }
 * rmSync(dir, { recursive: true });
 * ```
 */
export function dumpIndex(path: string, options: InspectOptions = {}): IndexDump {
  const r = inspect(path, options, true);
  const dump: IndexDump = {
    file: path,
    fileSize: r.fileSize,
    directories: r.directories,
    problems: r.problems.all(),
  };
  if (r.header !== undefined) {
    dump.header = { majorVersion: r.rawVersion!.major, minorVersion: r.rawVersion!.minor, ...r.header };
  }
  const attr = r.snapshot?.attr;
  if (attr !== undefined) {
    const paths = indexPaths(path);
    dump.attr = { file: paths.attr, fileSize: attr.bytes.length, header: attr.header, entries: r.attrEntries };
    if (r.separator !== undefined) dump.attr.separator = r.separator;
  }
  return dump;
}

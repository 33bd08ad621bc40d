/**
 * The checks of the attribute file against the list file (SPEC §3): a
 * header matching the list file's uid_validity, file_seq and next_uid;
 * entries sorted by UID; the live count; an entry for every live mailbox
 * and none for another; flags consistent with the tree; in a version-2
 * file, STATUS bits and figures that agree, and the GUID rule (a GUID for
 * every mailbox, none for a placeholder, no GUID twice).
 *
 * @module
 */
import {
  ATTR_ENTRY_FIELD,
  ATTR_ENTRY_SIZE,
  ATTR_HEADER_SIZE,
  attrEntryFlagWord,
  attrEntryGuid,
  attrEntryReserved,
  attrEntryUid,
  isAttrEntryDeleted,
  readAttrStatus,
  STATUS_BITS,
  STATUS_DELETED_BIT,
  STATUS_MODSEQ_BIT,
  STATUS_SET_BIT,
  STATUS_SIZE_BIT,
  STATUS_WORDS,
} from "../format/attr_codec.ts";
import { MailboxFlags } from "../format/constants.ts";
import { FLAG_BITS } from "../format/flags.ts";
import { SPECIAL_USE_MASK } from "../format/special_use.ts";
import type { ListHeader } from "../format/header.ts";
import type { AttrView } from "../image/attr_file.ts";
import type { DumpAttrEntry } from "./dump_types.ts";
import { flagNames } from "./flags.ts";
import { hex, type Problems } from "./problems.ts";
import type { LiveInfo } from "./scope.ts";
import type { CheckStats } from "./stats.ts";

const ENTRY_FLAGS = ATTR_ENTRY_FIELD.flags;
/** The {@linkcode MailboxFlags} bits that have a meaning. */
const KNOWN_FLAGS = 0x1f;
/** Largest value of a 64-bit STATUS figure (RFC 7162, RFC 8438): 2^63 - 1, high word. */
const MAX_HIGH_WORD = 0x7fffffff;

/**
 * The attribute file under check and where its findings go.
 *
 * @example A scope for a check (no dump)
 * ```ts ignore
 * const scope: AttrScope = { path: paths.attr, listHeader: h, problems, stats, live };
 * ```
 */
export interface AttrScope {
  /** Path of the attribute file, for the problems. */
  path: string;
  /** The list file's header, which the attribute file must match. */
  listHeader: ListHeader;
  /** Where problems go. */
  problems: Problems;
  /** Figures gathered on the way. */
  stats: CheckStats;
  /** The live records of the list file by UID (from `walkTree`). */
  live: Map<number, LiveInfo>;
  /** The entries for a dump; undefined when not dumping. */
  entries?: DumpAttrEntry[];
  /** GUID → UID of the entries seen so far (no GUID twice). */
  guids?: Map<string, number>;
}

/** The header against the list file's. */
function checkAttrHeader(scope: AttrScope, attr: AttrView): void {
  const { path, problems, listHeader: h } = scope;
  const ah = attr.header;
  if (ah.uidValidity !== h.uidValidity) {
    problems.error(path, 12, `uid_validity ${ah.uidValidity} differs from the list file's ${h.uidValidity}`);
  }
  if (ah.listFileSeq !== h.fileSeq) {
    problems.error(path, 16, `file_seq ${ah.listFileSeq} differs from the list file's ${h.fileSeq}`);
  }
  if (ah.nextUid !== h.nextUid) {
    problems.error(path, 20, `next_uid ${ah.nextUid} differs from the list file's ${h.nextUid}`);
  }
  if (ah.separator === 0) problems.warn(path, 36, "the separator is not recorded");
}

/** A live entry's flags against its mailbox's place in the tree. */
function checkLiveEntry(scope: AttrScope, attr: AttrView, pos: number, uid: number, where: string): boolean {
  const { path, problems, stats } = scope;
  const flagWord = attrEntryFlagWord(attr.dv, pos);
  const flags = flagWord & FLAG_BITS;
  if (uid >= scope.listHeader.nextUid) {
    problems.error(path, pos, `${where}: uid ${uid} is not below next_uid ${scope.listHeader.nextUid}`);
  }
  const v2 = attr.entrySize === ATTR_ENTRY_SIZE;
  const statusBits = v2 ? STATUS_BITS : STATUS_SET_BIT;
  if ((flagWord & ~(FLAG_BITS | statusBits)) !== 0 || (flags & ~(KNOWN_FLAGS | SPECIAL_USE_MASK)) !== 0) {
    problems.warn(path, pos + ENTRY_FLAGS, `${where}: unknown flag bits in ${hex(flagWord)}`);
  }
  if (!v2 && attrEntryReserved(attr.dv, pos) !== 0) {
    problems.warn(path, pos + ATTR_ENTRY_FIELD.reserved, `${where}: the reserved word is not 0`);
  }
  if (v2) checkStatusWords(scope, attr, pos, flagWord, where);
  const info = scope.live.get(uid);
  if (info === undefined) {
    // A lie readers and writers refuse (SPEC §9), not an oddity.
    problems.error(path, pos, `${where}: no live mailbox in the list file has this uid`);
    return false;
  }
  if (flags & MailboxFlags.NonExistent) stats.nonExistent++;
  if (flags & MailboxFlags.NoSelect) stats.noSelect++;
  if (readAttrStatus(attr.dv, pos) !== undefined) stats.withStatus++;
  if ((flags & SPECIAL_USE_MASK) !== 0) stats.specialUse++;
  const name = JSON.stringify(info.name);
  if ((flags & MailboxFlags.Children) && !info.hasChildren) {
    problems.warn(path, pos + ENTRY_FLAGS, `${name} has \\HasChildren but no live children`);
  }
  if ((flags & MailboxFlags.NoChildren) && !(flags & MailboxFlags.Children) && info.hasChildren) {
    problems.warn(path, pos + ENTRY_FLAGS, `${name} has \\HasNoChildren but has live children`);
  }
  if ((flags & MailboxFlags.NonExistent) && !info.hasChildren) {
    problems.warn(path, pos + ENTRY_FLAGS, `${name} is \\NonExistent without children`);
  }
  if ((flags & MailboxFlags.NoInferiors) && info.hasChildren) {
    problems.warn(path, pos + ENTRY_FLAGS, `${name} is \\NoInferiors but has live children`);
  }
  if (v2) checkGuid(scope, attr, pos, uid, flags, name);
  return true;
}

/** A version-2 entry's STATUS bits against its figures: none without bit 31, none set beyond its bit, 64-bit ones below 2^63. */
function checkStatusWords(scope: AttrScope, attr: AttrView, pos: number, word: number, where: string): void {
  const { path, problems } = scope;
  const dv = attr.dv, S = ATTR_ENTRY_FIELD.status;
  if ((word & STATUS_SET_BIT) === 0) {
    if ((word & STATUS_BITS) !== 0) {
      problems.warn(path, pos + ENTRY_FLAGS, `${where}: STATUS figure bits in ${hex(word)} without the STATUS bit`);
    }
    for (let k = 0; k < STATUS_WORDS; k++) {
      if (dv.getUint32(pos + S + 4 * k, true) !== 0) {
        problems.warn(path, pos + S + 4 * k, `${where}: STATUS figures without the STATUS bit`);
        return;
      }
    }
    return;
  }
  const unset: [number, number, number, string][] = [
    [STATUS_DELETED_BIT, ATTR_ENTRY_FIELD.deleted, 4, "DELETED"],
    [STATUS_MODSEQ_BIT, ATTR_ENTRY_FIELD.highestModSeq, 8, "HIGHESTMODSEQ"],
    [STATUS_SIZE_BIT, ATTR_ENTRY_FIELD.size, 8, "SIZE"],
  ];
  for (const [bit, at, size, item] of unset) {
    const set = (word & bit) !== 0;
    const high = size === 8 ? dv.getUint32(pos + at + 4, true) : 0;
    if (!set && (dv.getUint32(pos + at, true) !== 0 || high !== 0)) {
      problems.warn(path, pos + at, `${where}: a ${item} figure without its bit`);
    }
    if (set && high > MAX_HIGH_WORD) problems.warn(path, pos + at, `${where}: ${item} is above 2^63 - 1`);
  }
}

/** The GUID rule for a live version-2 entry: a mailbox has one, a placeholder none; no GUID twice. */
function checkGuid(scope: AttrScope, attr: AttrView, pos: number, uid: number, flags: number, name: string): void {
  const { path, problems } = scope;
  const at = pos + ATTR_ENTRY_FIELD.guid;
  const guid = attrEntryGuid(attr.bytes, pos);
  const placeholder = (flags & MailboxFlags.NonExistent) !== 0;
  if (guid === undefined) {
    if (!placeholder) problems.warn(path, at, `${name} has no GUID`);
    return;
  }
  if (placeholder) problems.warn(path, at, `${name} is \\NonExistent but has a GUID`);
  scope.stats.guids++;
  const seen = (scope.guids ??= new Map()).get(guid);
  if (seen !== undefined) problems.warn(path, at, `${name} has the GUID ${guid} of uid ${seen}`);
  else scope.guids.set(guid, uid);
}

/**
 * Check an attribute file against the list file it belongs to; for a dump,
 * list its entries.
 *
 * @param scope The attribute file under check, the list file's header and live records.
 * @param attr The attribute file, or undefined when it could not be used.
 * @param unusable Why it could not be used, when known.
 * @returns Nothing; the problems and figures go into the scope.
 *
 * @example After the walk of the list file
 * ```ts ignore
 * checkAttrFile({ path: paths.attr, listHeader: h, problems, stats, live: walkTree(list) }, snap.attr, snap.attrProblem);
 * ```
 */
export function checkAttrFile(scope: AttrScope, attr: AttrView | undefined, unusable: string | undefined): void {
  const { path, problems } = scope;
  if (attr === undefined) {
    problems.error(path, 0, unusable ?? `attribute file "${path}" cannot be used`);
    return;
  }
  const ah = attr.header;
  scope.stats.attrEntries = ah.count;
  checkAttrHeader(scope, attr);
  let prev = 0;
  let liveEntries = 0;
  const found = new Set<number>();
  for (let i = 0, pos = ATTR_HEADER_SIZE; i < ah.count; i++, pos += attr.entrySize) {
    const uid = attrEntryUid(attr.dv, pos);
    const deleted = isAttrEntryDeleted(attr.dv, pos);
    const where = `entry ${i} (uid ${uid})`;
    if (uid === 0) problems.error(path, pos, `${where}: uid is 0`);
    else if (uid <= prev) problems.error(path, pos, `${where}: entries are not sorted by uid (after uid ${prev})`);
    prev = Math.max(prev, uid);
    if (scope.entries !== undefined) {
      const flags = attrEntryFlagWord(attr.dv, pos) & FLAG_BITS;
      const e: DumpAttrEntry = { offset: pos, uid, deleted, flags, flagNames: flagNames(flags) };
      const status = readAttrStatus(attr.dv, pos, attr.entrySize);
      if (status !== undefined) e.status = status;
      const guid = attrEntryGuid(attr.bytes, pos, attr.entrySize);
      if (guid !== undefined) e.guid = guid;
      scope.entries.push(e);
    }
    if (deleted) continue;
    liveEntries++;
    if (checkLiveEntry(scope, attr, pos, uid, where)) found.add(uid);
  }
  if (liveEntries !== ah.live) {
    problems.error(path, 32, `the header counts ${ah.live} live entries, the file has ${liveEntries}`);
  }
  for (const [uid, info] of scope.live) {
    if (!found.has(uid)) problems.error(path, 0, `mailbox ${JSON.stringify(info.name)} (uid ${uid}) has no attribute entry`);
  }
}

/**
 * The attribute file side of a commit (SPEC §3): patched in place when few
 * entries change and every changed UID has one — deleted entries get bit
 * 31, changed ones are written again, new ones appended — or else written
 * whole from the live records of the list image (rule 10 derives the
 * structural flags again when the old file is unusable; a version-1 file is
 * upgraded to version 2 this way). Every entry written follows the GUID
 * rule of `format/attr_guids.ts`.
 *
 * @module
 */
import {
  ATTR_ENTRY_FIELD,
  ATTR_ENTRY_SIZE,
  ATTR_HEADER_SIZE,
  type AttrHeader,
  attrEntryFlagWord,
  attrEntryHasGuid,
  encodeAttrHeader,
  writeAttrEntry,
} from "../format/attr_codec.ts";
import { settledGuid, settleGuidRun, settleGuids } from "../format/attr_guids.ts";
import { DELETED_BIT } from "../format/constants.ts";
import { CorruptIndexError } from "../format/errors.ts";
import { FLAG_BITS, treeFlags } from "../format/flags.ts";
import type { ListHeader } from "../format/header.ts";
import { SPECIAL_USE_MASK } from "../format/special_use.ts";
import { RECORD_SIZE, recordAt, recordDeleted, recordUid } from "../format/record.ts";
import type { MailboxStatus } from "../format/types.ts";
import type { AttrView } from "../image/attr_file.ts";
import type { CommitPlan } from "../store/commit_plan.ts";
import { newRecordFlags } from "./sync_flags.ts";
import { N_NEW } from "./sync_nodes.ts";
import type { SyncTree } from "./sync_tree.ts";
import type { ChangeRecorder } from "./sync_changes.ts";

/** What a commit changes in the attribute file. */
export interface AttrChanges {
  /** UID → new flags of existing records (and of new ones a caller set). */
  flags: Map<number, number>;
  /** UID → bits callers added (new records get them with their flags). */
  extras: ReadonlyMap<number, number>;
  /** UID → new STATUS cache. */
  status: ReadonlyMap<number, MailboxStatus>;
  /** UIDs the commit deletes. */
  deletedUids: readonly number[];
  /** UID → special-use bits that replace the mailbox's (SPEC §12). */
  specialUse: ReadonlyMap<number, number>;
  /** UID → GUID (16 bytes) a caller gave the mailbox (SPEC §12). */
  guids: ReadonlyMap<number, Uint8Array>;
  /** Told of every entry the commit writes, for the change feed (SPEC §13). */
  recorder?: ChangeRecorder;
}

/** Flags with the special-use bits of `uid` replaced when the changes set them. */
function withSpecialUse(flags: number, uid: number, specialUse: ReadonlyMap<number, number>): number {
  const bits = specialUse.get(uid);
  return bits === undefined ? flags : (flags & ~SPECIAL_USE_MASK) | bits;
}

/**
 * Plan the attribute file's part of a commit.
 *
 * @param tree The sync's tree.
 * @param attr The current attribute image (undefined: it is written whole, rule 10).
 * @param header The list header after the commit.
 * @param separator The index's separator byte.
 * @param changes What changes.
 * @returns The attribute plan, or undefined when nothing changes.
 * @throws CorruptIndexError when directory links form a cycle (rebuilding it whole).
 *
 * @example The attribute side of a sync
 * ```ts ignore
 * const attrPlan = planAttr(tree, attr, newHeader, 0x2f, { flags, extras, status, deletedUids, specialUse });
 * ```
 */
export function planAttr(
  tree: SyncTree,
  attr: AttrView | undefined,
  header: ListHeader,
  separator: number,
  changes: AttrChanges,
): CommitPlan["attr"] | undefined {
  const nodes = tree.nodes;
  const newIds: number[] = [];
  for (let id = 1; id < nodes.count; id++) if ((nodes.state[id] & N_NEW) !== 0) newIds.push(id);
  newIds.sort((a, b) => nodes.uid[a] - nodes.uid[b]);
  const firstNewUid = tree.view.header.nextUid;
  const { flags, status, deletedUids, specialUse, guids } = changes;
  // In place when few entries change and every changed existing UID has an entry to patch;
  // a version-1 file is written whole, as version 2.
  if (
    attr === undefined || attr.entrySize !== ATTR_ENTRY_SIZE ||
    flags.size + status.size + specialUse.size + guids.size + deletedUids.length > attr.header.count / 4 + 64 ||
    !haveEntries(attr, flags.keys(), firstNewUid) || !haveEntries(attr, status.keys(), firstNewUid) ||
    !haveEntries(attr, specialUse.keys(), firstNewUid) || !haveEntries(attr, guids.keys(), firstNewUid)
  ) return replaceAttr(tree, attr, header, separator, changes, newIds);
  return patchAttr(tree, attr, header, changes, newIds);
}

/** Whether every UID below `firstNewUid` has a live entry. */
function haveEntries(attr: AttrView, uids: Iterable<number>, firstNewUid: number): boolean {
  for (const uid of uids) if (attr.positionOf(uid) < 0 && uid < firstNewUid) return false;
  return true;
}

/** The attribute file patched in place. */
function patchAttr(
  tree: SyncTree,
  a: AttrView,
  header: ListHeader,
  changes: AttrChanges,
  newIds: number[],
): CommitPlan["attr"] | undefined {
  const { flags, status, deletedUids, extras, specialUse, guids } = changes;
  const nodes = tree.nodes, firstNewUid = tree.view.header.nextUid;
  const patches: { offset: number; bytes: Uint8Array }[] = [];
  let live = a.header.live;
  for (const uid of deletedUids) {
    const pos = a.positionOf(uid);
    if (pos < 0) continue;
    const b = new Uint8Array(4);
    new DataView(b.buffer).setUint32(0, (uid | DELETED_BIT) >>> 0, true);
    patches.push({ offset: pos, bytes: b });
    live--;
  }
  const touched = new Set<number>([...flags.keys(), ...status.keys(), ...specialUse.keys(), ...guids.keys()]);
  // Flags or STATUS set on a mailbox this sync deletes go with it (rule 6): rewriting its
  // entry would bring it back to life, an entry for a UID the list does not have (SPEC §9).
  for (const uid of deletedUids) touched.delete(uid);
  for (const uid of touched) {
    if (uid >= firstNewUid) continue;
    const pos = a.positionOf(uid);
    if (pos < 0) continue;
    const f = withSpecialUse(flags.get(uid) ?? (attrEntryFlagWord(a.dv, pos) & FLAG_BITS), uid, specialUse);
    const b = new Uint8Array(ATTR_ENTRY_SIZE);
    const guid = settledGuid(f, guids.get(uid) ?? a.bytes, guids.has(uid) ? 0 : pos + ATTR_ENTRY_FIELD.guid);
    const st = status.get(uid) ?? a.statusOf(uid);
    writeAttrEntry(new DataView(b.buffer), 0, uid, f, st, guid);
    changes.recorder?.entry(uid, f, st);
    patches.push({ offset: pos, bytes: b });
  }
  const append = new Uint8Array(newIds.length * ATTR_ENTRY_SIZE);
  const adv = new DataView(append.buffer);
  for (let k = 0; k < newIds.length; k++) {
    const id = newIds[k];
    const uid = nodes.uid[id];
    const f = withSpecialUse(flags.get(uid) ?? newRecordFlags(nodes, id, extras.get(uid) ?? 0), uid, specialUse);
    writeAttrEntry(adv, k * ATTR_ENTRY_SIZE, uid, f, status.get(uid), guids.get(uid));
    changes.recorder?.entry(uid, f, status.get(uid), id);
  }
  settleGuidRun(append, 0, newIds.length);
  if (patches.length === 0 && append.length === 0 && a.header.nextUid === header.nextUid) return undefined;
  const h: AttrHeader = {
    ...a.header,
    nextUid: header.nextUid,
    count: a.header.count + newIds.length,
    live: live + newIds.length,
  };
  const hb = new Uint8Array(ATTR_HEADER_SIZE);
  encodeAttrHeader(hb, h);
  patches.push({ offset: 0, bytes: hb });
  return {
    kind: "patch",
    appendOffset: ATTR_HEADER_SIZE + a.header.count * ATTR_ENTRY_SIZE,
    append,
    patches,
  };
}

/** A whole new attribute image: the old entries that stay, changed, plus the new ones. */
function replaceAttr(
  tree: SyncTree,
  attr: AttrView | undefined,
  header: ListHeader,
  separator: number,
  changes: AttrChanges,
  newIds: number[],
): CommitPlan["attr"] {
  const { flags: flagChanges, status, extras, specialUse, guids } = changes;
  const nodes = tree.nodes;
  // Existing live UIDs come from the list image (the attribute file may be missing or reset).
  const { liveUids, derived } = liveRecords(tree, new Set(changes.deletedUids), attr === undefined);
  const total = liveUids.length + newIds.length;
  const uids = new Uint32Array(total);
  const flags = new Uint16Array(total);
  const statuses: (MailboxStatus | undefined)[] = new Array(total);
  // Where each entry's GUID comes from: a caller's, or the old entry's (the rule fills the rest).
  const guidFrom: (Uint8Array | undefined)[] = new Array(total);
  const guidAt = new Int32Array(total);
  let k = 0;
  for (const uid of liveUids) {
    uids[k] = uid;
    flags[k] = withSpecialUse(
      flagChanges.get(uid) ?? (attr !== undefined ? attr.flagsOf(uid) : derived.get(uid) ?? 0),
      uid,
      specialUse,
    );
    const given = guids.get(uid);
    const pos = given === undefined && attr !== undefined ? attr.positionOf(uid) : -1;
    if (given !== undefined) guidFrom[k] = given;
    else if (pos >= 0 && attrEntryHasGuid(attr!.bytes, pos, attr!.entrySize)) {
      guidFrom[k] = attr!.bytes;
      guidAt[k] = pos + ATTR_ENTRY_FIELD.guid;
    }
    statuses[k++] = status.get(uid) ?? attr?.statusOf(uid);
  }
  for (const id of newIds) {
    const uid = nodes.uid[id];
    uids[k] = uid;
    flags[k] = withSpecialUse(flagChanges.get(uid) ?? newRecordFlags(nodes, id, extras.get(uid) ?? 0), uid, specialUse);
    guidFrom[k] = guids.get(uid);
    statuses[k++] = status.get(uid);
  }
  const image = new Uint8Array(ATTR_HEADER_SIZE + total * ATTR_ENTRY_SIZE);
  const idv = new DataView(image.buffer);
  encodeAttrHeader(image, {
    uidValidity: header.uidValidity,
    listFileSeq: header.fileSeq,
    nextUid: header.nextUid,
    count: total,
    live: total,
    separator,
  });
  for (let i = 0; i < total; i++) {
    writeAttrEntry(idv, ATTR_HEADER_SIZE + i * ATTR_ENTRY_SIZE, uids[i], flags[i], statuses[i], guidFrom[i], guidAt[i]);
    changes.recorder?.entry(uids[i], flags[i], statuses[i], i < liveUids.length ? -1 : newIds[i - liveUids.length]);
  }
  settleGuids(image);
  return { kind: "replace", image };
}

/**
 * The UIDs of the image's live records that the commit keeps, ascending,
 * and (when `derive`) their structural flags (rule 10: CHILDREN from the tree).
 */
function liveRecords(
  tree: SyncTree,
  deleted: ReadonlySet<number>,
  derive: boolean,
): { liveUids: number[]; derived: Map<number, number> } {
  const liveUids: number[] = [];
  const derived = new Map<number, number>();
  const view = tree.view, dv = tree.dv;
  const root = view.rootDir();
  if (root !== 0) {
    const stack = [root];
    let budget = (view.end >>> 4) + 16;
    while (stack.length > 0) {
      const dir = stack.pop()!;
      const count = view.dirCount(dir);
      for (let i = 0, r = recordAt(dir, 0); i < count; i++, r += RECORD_SIZE) {
        if (--budget < 0) throw new CorruptIndexError(view.file, r, "directory links form a cycle or are shared");
        if (recordDeleted(dv, r)) continue;
        const uid = recordUid(dv, r);
        const cd = view.childDir(r);
        if (deleted.has(uid)) {
          // A placeholder a rename took over or emptied is deleted; the records under it moved and live on.
          if (tree.renamed && cd !== 0) stack.push(cd);
          continue;
        }
        liveUids.push(uid);
        if (derive) derived.set(uid, treeFlags(tree.recHasLiveChildren(r), true));
        if (cd !== 0) stack.push(cd);
      }
    }
  }
  liveUids.sort((a, b) => a - b);
  return { liveUids, derived };
}

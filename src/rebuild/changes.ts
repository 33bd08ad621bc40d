/**
 * The change batch of a replaced index (SPEC §13): a rebuild or a bulk
 * sync reports itself as `replaced`, with the differences matched by full
 * name (a rebuild may give every mailbox a new UID): names only the new
 * index has are added, names only the old one had are deleted, and a name
 * both have whose flags or STATUS differ is reported with its new UID.
 * The batch stops listing past its size bound (`truncated`).
 *
 * @module
 */
import { ChangeBatchBuilder } from "../format/change_log.ts";
import { attrEntryPosition, attrEntryUid, isAttrEntryDeleted } from "../format/attr_codec.ts";
import { FLAG_BITS } from "../format/flags.ts";
import { recordUid } from "../format/record.ts";
import { AttrView } from "../image/attr_file.ts";
import { UidRecords } from "../image/uid_records.ts";
import { ListView } from "../image/view.ts";
import { statusDiffers } from "../index/sync_changes.ts";
import { matchRecords } from "./match_current.ts";

/**
 * The batch of a replacement.
 *
 * @param old The index replaced (undefined: unknown, the batch lists nothing).
 * @param list The new list image.
 * @param attr The new attribute image.
 * @param separator The separator.
 * @param sameUids Whether every name both indexes have kept its UID (a bulk sync matched to the
 *   current index): the differences are then found by one merge of the two attribute files by UID,
 *   without walking either tree.
 * @returns The batch, marked `replaced: "rebuild"`.
 *
 * @example The batch of a rebuild
 * ```ts ignore
 * const batch = replacementChanges(replaced, images.list, images.attr, "/");
 * replaceIndexFiles(io, path, target, images.list, size, images.attr, true, undefined, batch);
 * ```
 */
export function replacementChanges(
  old: { list: ListView; attr: AttrView | undefined } | undefined,
  list: Uint8Array,
  attr: Uint8Array,
  separator: string,
  sameUids = false,
): ChangeBatchBuilder {
  const batch = new ChangeBatchBuilder("rebuild");
  if (old === undefined) return batch;
  const fresh = new ListView(list, "(rebuilt)");
  const freshAttr = new AttrView(attr, "(rebuilt)");
  const oldAttr = old.attr;
  if (sameUids && oldAttr !== undefined) {
    mergeByUid(batch, old.list, oldAttr, fresh, freshAttr, separator);
    return batch;
  }
  // Names only for what differs: the records by UID are built on the first one.
  const name = (uid: number) => UidRecords.of(fresh).nameOf(uid, separator) ?? "";
  const matched = new Uint8Array(old.list.header.nextUid + 1);
  matchRecords(fresh, old.list, (rec, found) => {
    if (found !== 0) {
      const oldUid = old.list.uidOf(found);
      if (oldUid < matched.length) matched[oldUid] = 1;
    }
    if (batch.truncated) return;
    const uid = recordUid(fresh.dv, rec);
    const flags = freshAttr.flagsOf(uid) & FLAG_BITS;
    if (found === 0) {
      addAdded(batch, uid, name(uid), flags, freshAttr);
      return;
    }
    if (oldAttr === undefined) return;
    addMatched(batch, uid, () => name(uid), flags, freshAttr, oldAttr, old.list.uidOf(found));
  });
  for (let uid = 1; uid < matched.length && !batch.truncated; uid++) {
    if (matched[uid] !== 0 || (oldAttr !== undefined && oldAttr.positionOf(uid) < 0)) continue;
    const name = UidRecords.of(old.list).nameOf(uid, separator);
    if (name !== undefined) batch.add("deleted", uid, name);
  }
  return batch;
}

/** The live entries' UIDs of an attribute file, in order. */
function liveUids(attr: AttrView): Uint32Array {
  const out = new Uint32Array(attr.header.count);
  let n = 0;
  for (let i = 0; i < attr.header.count; i++) {
    const pos = attrEntryPosition(i, attr.entrySize);
    if (!isAttrEntryDeleted(attr.dv, pos)) out[n++] = attrEntryUid(attr.dv, pos);
  }
  return out.subarray(0, n);
}

/**
 * The differences of two indexes whose common names kept their UIDs: one
 * merge of the attribute files' live entries by UID (both sorted by UID).
 */
function mergeByUid(
  batch: ChangeBatchBuilder,
  oldList: ListView,
  oldAttr: AttrView,
  fresh: ListView,
  freshAttr: AttrView,
  separator: string,
): void {
  const a = liveUids(oldAttr), b = liveUids(freshAttr);
  // Built on the first name asked for, kept with each image.
  const oldName = (uid: number) => UidRecords.of(oldList).nameOf(uid, separator);
  const newName = (uid: number) => UidRecords.of(fresh).nameOf(uid, separator);
  let i = 0, j = 0;
  while ((i < a.length || j < b.length) && !batch.truncated) {
    const ua = i < a.length ? a[i] : Infinity, ub = j < b.length ? b[j] : Infinity;
    if (ua < ub) {
      const name = oldName(ua);
      if (name !== undefined) batch.add("deleted", ua, name);
      i++;
      continue;
    }
    const flags = freshAttr.flagsOf(ub) & FLAG_BITS;
    if (ub < ua) {
      const name = newName(ub);
      if (name !== undefined) addAdded(batch, ub, name, flags, freshAttr);
      j++;
      continue;
    }
    addMatched(batch, ub, () => newName(ub) ?? "", flags, freshAttr, oldAttr, ua);
    i++;
    j++;
  }
}

/** A mailbox only in the new index: `added`, then its STATUS when cached. */
function addAdded(batch: ChangeBatchBuilder, uid: number, name: string, flags: number, freshAttr: AttrView): void {
  batch.add("added", uid, name, flags);
  const status = freshAttr.statusOf(uid);
  if (status !== undefined) batch.add("status", uid, name, flags, 0, undefined, status);
}

/**
 * A mailbox in both indexes (`uid` in the new one, `oldUid` in the old):
 * `flags` when they differ, `status` when a figure differs. The STATUS
 * caches are compared in their stored form first: no object per unchanged
 * mailbox. The name is asked for only when an entry is added.
 */
function addMatched(
  batch: ChangeBatchBuilder,
  uid: number,
  name: () => string,
  flags: number,
  freshAttr: AttrView,
  oldAttr: AttrView,
  oldUid: number,
): void {
  const oldFlags = oldAttr.flagsOf(oldUid) & FLAG_BITS;
  if (oldFlags !== flags) batch.add("flags", uid, name(), flags, oldFlags);
  if (freshAttr.sameStatusAs(uid, oldAttr, oldUid) === true) return;
  const status = freshAttr.statusOf(uid);
  if (status !== undefined && statusDiffers(oldAttr.statusOf(oldUid), status)) {
    batch.add("status", uid, name(), flags, 0, undefined, status);
  }
}

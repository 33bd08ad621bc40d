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
): ChangeBatchBuilder {
  const batch = new ChangeBatchBuilder("rebuild");
  if (old === undefined) return batch;
  const fresh = new ListView(list, "(rebuilt)");
  const freshAttr = new AttrView(attr, "(rebuilt)");
  const oldAttr = old.attr;
  // Names only for what differs: the records by UID are built on the first one.
  const name = (uid: number) => {
    const records = UidRecords.of(fresh);
    return records.fullName(records.numberOf(uid), separator);
  };
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
      const status = freshAttr.statusOf(uid);
      batch.add("added", uid, name(uid), flags);
      if (status !== undefined) batch.add("status", uid, name(uid), flags, 0, undefined, status);
      return;
    }
    if (oldAttr === undefined) return;
    const oldUid = old.list.uidOf(found);
    const oldFlags = oldAttr.flagsOf(oldUid) & FLAG_BITS;
    if (oldFlags !== flags) batch.add("flags", uid, name(uid), flags, oldFlags);
    // Compared in their stored form first: no object per unchanged mailbox.
    if (freshAttr.sameStatusAs(uid, oldAttr, oldUid) === true) return;
    const status = freshAttr.statusOf(uid);
    if (status !== undefined && statusDiffers(oldAttr.statusOf(oldUid), status)) {
      batch.add("status", uid, name(uid), flags, 0, undefined, status);
    }
  });
  let oldRecords: UidRecords | undefined;
  for (let uid = 1; uid < matched.length && !batch.truncated; uid++) {
    if (matched[uid] !== 0 || (oldAttr !== undefined && oldAttr.positionOf(uid) < 0)) continue;
    oldRecords ??= UidRecords.of(old.list);
    const k = oldRecords.numberOf(uid);
    if (k >= 0) batch.add("deleted", uid, oldRecords.fullName(k, separator));
  }
  return batch;
}

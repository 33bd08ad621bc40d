/**
 * What a rebuild carries over, by name, from the index it replaces besides
 * special-use (`special_use.ts`): each mailbox's GUID (SPEC §12), unless
 * its input record gives one, and `\NoInferiors`, a flag only callers set,
 * unless the rebuilt mailbox has children. The two trees are walked side
 * by side ({@linkcode matchRecords}), no object per record; then every
 * mailbox still without a GUID gets a random one (`format/attr_guids.ts`).
 *
 * @module
 */
import {
  ATTR_ENTRY_FIELD,
  attrEntryFlagWord,
  attrEntryHasGuid,
  attrEntryPosition,
  isAttrEntryDeleted,
} from "../format/attr_codec.ts";
import { settleGuids } from "../format/attr_guids.ts";
import { MailboxFlags } from "../format/constants.ts";
import { CorruptIndexError } from "../format/errors.ts";
import { GUID_SIZE } from "../format/guid.ts";
import { recordUid } from "../format/record.ts";
import { ListView } from "../image/view.ts";
import { matchRecords } from "./match_current.ts";
import type { ReplacedIndex } from "./special_use.ts";

/**
 * Give the mailboxes of rebuilt images (UIDs 1..n, headers written) the
 * GUIDs and `\NoInferiors` they had in the replaced index, then a random
 * GUID to every mailbox still without one.
 *
 * @param list The rebuilt list image.
 * @param attr The rebuilt attribute image (entry `uid - 1` is UID `uid`'s).
 * @param replaced The replaced index, if usable.
 * @param path Path of the list file, for the warning.
 * @param onWarning Where a warning goes when the replaced tree is damaged (nothing is carried then).
 * @returns How many mailboxes kept their GUID.
 *
 * @example After the headers are written
 * ```ts ignore
 * carryOver(images.list, images.attr, replacedIndex(io, path, 0x2f, warn), path, warn);
 * ```
 */
export function carryOver(
  list: Uint8Array,
  attr: Uint8Array,
  replaced: ReplacedIndex | undefined,
  path: string,
  onWarning: (message: string) => void,
): number {
  let kept = 0;
  if (replaced !== undefined) {
    const fresh = new ListView(list, "(rebuilt)");
    const adv = new DataView(attr.buffer, attr.byteOffset, attr.byteLength);
    const old = replaced.attr, ob = old.bytes, size = old.entrySize;
    const G = ATTR_ENTRY_FIELD.guid;
    try {
      matchRecords(fresh, replaced.list, (rec, found) => {
        if (found === 0) return;
        const oldPos = old.positionOf(replaced.list.uidOf(found));
        if (oldPos < 0) return;
        const pos = attrEntryPosition(recordUid(fresh.dv, rec) - 1);
        const word = attrEntryFlagWord(adv, pos);
        if ((word & MailboxFlags.NonExistent) !== 0 || isAttrEntryDeleted(adv, pos)) return;
        if (!attrEntryHasGuid(attr, pos) && attrEntryHasGuid(ob, oldPos, size)) {
          attr.set(ob.subarray(oldPos + G, oldPos + G + GUID_SIZE), pos + G);
          kept++;
        }
        const wasNoInferiors = (attrEntryFlagWord(old.dv, oldPos) & MailboxFlags.NoInferiors) !== 0;
        if (wasNoInferiors && (word & MailboxFlags.Children) === 0 && fresh.childDir(rec) === 0) {
          adv.setUint32(pos + ATTR_ENTRY_FIELD.flags, (word | MailboxFlags.NoInferiors) >>> 0, true);
        }
      });
    } catch (e) {
      if (!(e instanceof CorruptIndexError)) throw e;
      onWarning(`Index "${path}" is damaged (${e.message}); the GUIDs it had are not carried over`);
    }
  }
  settleGuids(attr);
  return kept;
}

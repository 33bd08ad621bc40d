/**
 * The attribute entry of a rebuilt mailbox (SPEC §8): its UID, the flags
 * the tree gives it (CHILDREN, NONEXISTENT by the one flag rule,
 * `format/flags.ts`) with NOSELECT when a name reported it so, and the
 * STATUS figures of the last name that gave them. A unit's worker writes
 * the entries of its mailboxes, the coordinator those of the split
 * directories, both through {@linkcode writeRebuiltEntry}.
 *
 * @module
 */
import { ATTR_ENTRY_SIZE, ATTR_HEADER_SIZE, STATUS_SET_BIT } from "../format/attr_codec.ts";
import { MailboxFlags } from "../format/constants.ts";
import { treeFlags } from "../format/flags.ts";
import { STATUS_FIELDS } from "./names.ts";

/**
 * Write the attribute entry of UID `uid` in a rebuilt attribute image
 * (entries in UID order, zeroed beforehand).
 *
 * @param dv The attribute image.
 * @param uid The mailbox's UID (its entry is the `uid`-th).
 * @param hasChildren Whether it has children.
 * @param reported Whether a name reported it as a mailbox (not only as a parent).
 * @param noSelect Whether a name reported it not selectable.
 * @param status The names' STATUS figures ({@linkcode STATUS_FIELDS} per name), if any.
 * @param from The name whose STATUS it takes, or -1 for none.
 * @returns Nothing.
 *
 * @example A reported mailbox with children and STATUS
 * ```ts
 * import { ATTR_HEADER_SIZE } from "../format/attr_codec.ts";
 * import { writeRebuiltEntry } from "./entry.ts";
 * const attr = new Uint8Array(ATTR_HEADER_SIZE + 32);
 * const dv = new DataView(attr.buffer);
 * writeRebuiltEntry(dv, 1, true, true, false, Uint32Array.of(9, 1, 0, 7, 10), 0);
 * console.log(dv.getUint32(ATTR_HEADER_SIZE + 4, true).toString(16), dv.getUint32(ATTR_HEADER_SIZE + 8, true)); // "80000008" 9
 * ```
 */
export function writeRebuiltEntry(
  dv: DataView,
  uid: number,
  hasChildren: boolean,
  reported: boolean,
  noSelect: boolean,
  status: Uint32Array | undefined,
  from: number,
): void {
  const pos = ATTR_HEADER_SIZE + (uid - 1) * ATTR_ENTRY_SIZE;
  let flags = treeFlags(hasChildren, reported) | (noSelect ? MailboxFlags.NoSelect : 0);
  if (status !== undefined && from >= 0) {
    const k = from * STATUS_FIELDS;
    flags = (flags | STATUS_SET_BIT) >>> 0;
    for (let f = 0; f < STATUS_FIELDS; f++) dv.setUint32(pos + 8 + 4 * f, status[k + f], true);
  }
  dv.setUint32(pos, uid, true);
  dv.setUint32(pos + 4, flags, true);
}

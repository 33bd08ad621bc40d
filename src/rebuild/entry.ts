/**
 * The attribute entry of a rebuilt mailbox (SPEC §8): its UID, the flags
 * the tree gives it (CHILDREN, NONEXISTENT by the one flag rule,
 * `format/flags.ts`) with NOSELECT when a name reported it so, and the
 * STATUS figures and GUID of the last name that gave either (names of one
 * mailbox twice are rare: a scanner reports each once). A unit's worker writes
 * the entries of its mailboxes, the coordinator those of the split
 * directories, both through {@linkcode writeRebuiltEntry}.
 *
 * @module
 */
import {
  attrEntryPosition,
  STATUS_DELETED_BIT,
  STATUS_MODSEQ_BIT,
  STATUS_SET_BIT,
  STATUS_SIZE_BIT,
  writeAttrEntryWords,
} from "../format/attr_codec.ts";
import { MailboxFlags } from "../format/constants.ts";
import { treeFlags } from "../format/flags.ts";
import {
  EXTRA_DELETED,
  EXTRA_GUID,
  EXTRA_MODSEQ,
  EXTRA_SIZE,
  EXTRA_STATUS,
  GUID_WORDS,
  type NameTable,
  STATUS_FIELDS,
} from "./names.ts";

/**
 * The STATUS bits of an entry's flags word for a name's extras.
 *
 * @param x The name's `EXTRA_*` bits.
 * @returns The bits (0 without {@linkcode EXTRA_STATUS}).
 */
function statusBits(x: number): number {
  if ((x & EXTRA_STATUS) === 0) return 0;
  return (STATUS_SET_BIT | ((x & EXTRA_MODSEQ) !== 0 ? STATUS_MODSEQ_BIT : 0) | ((x & EXTRA_SIZE) !== 0 ? STATUS_SIZE_BIT : 0) |
    ((x & EXTRA_DELETED) !== 0 ? STATUS_DELETED_BIT : 0)) >>> 0;
}

/**
 * Write the attribute entry of UID `uid` in a rebuilt attribute image
 * (entries in UID order, zeroed beforehand).
 *
 * @param dv The attribute image.
 * @param uid The mailbox's UID (its entry is the `uid`-th).
 * @param hasChildren Whether it has children.
 * @param reported Whether a name reported it as a mailbox (not only as a parent).
 * @param noSelect Whether a name reported it not selectable.
 * @param names The names' columns: `extras`, `status` ({@linkcode STATUS_FIELDS} words per name) and `guids`.
 * @param from The name whose STATUS and GUID it takes, or -1 for none.
 * @returns Nothing.
 *
 * @example A reported mailbox with children and STATUS
 * ```ts
 * import { ATTR_HEADER_SIZE } from "../format/attr_codec.ts";
 * import { writeRebuiltEntry } from "./entry.ts";
 * const attr = new Uint8Array(ATTR_HEADER_SIZE + 64);
 * const dv = new DataView(attr.buffer);
 * const names = { extras: Uint8Array.of(2), status: Uint32Array.of(9, 1, 0, 7, 10, 0, 0, 0, 0, 0), guids: undefined };
 * writeRebuiltEntry(dv, 1, true, true, false, names, 0);
 * console.log(dv.getUint32(ATTR_HEADER_SIZE + 4, true).toString(16), dv.getUint32(ATTR_HEADER_SIZE + 8, true)); // "80000008" 9
 * ```
 */
export function writeRebuiltEntry(
  dv: DataView,
  uid: number,
  hasChildren: boolean,
  reported: boolean,
  noSelect: boolean,
  names: Pick<NameTable, "extras" | "status" | "guids">,
  from: number,
): void {
  const flags = treeFlags(hasChildren, reported) | (noSelect ? MailboxFlags.NoSelect : 0);
  const x = from >= 0 && names.extras !== undefined ? names.extras[from] : 0;
  const bits = statusBits(x);
  const guids = (x & EXTRA_GUID) !== 0 ? names.guids : undefined;
  writeAttrEntryWords(
    dv,
    attrEntryPosition(uid - 1),
    uid,
    (flags | bits) >>> 0,
    bits !== 0 ? names.status : undefined,
    from * STATUS_FIELDS,
    guids,
    from * GUID_WORDS,
  );
}

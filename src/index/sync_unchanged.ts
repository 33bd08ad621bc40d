/**
 * The rule by which a recursive full sync over the whole index changes
 * nothing (SPEC §4 rules 3, 4, 6, 8): every record of the image was
 * reported — as a mailbox or as a parent — and the flag rule
 * ({@linkcode syncedFlags}) gives every record the flags it has. Decided
 * from the marks on the image's {@linkcode FullNameTable}, without a plan or
 * a tree; both `SyncEngine.unchanged` and `syncAll` ask it.
 *
 * @module
 */
import {
  ATTR_ENTRY_FIELD,
  ATTR_HEADER_SIZE,
  attrEntryFlagWord,
  attrEntryHasGuid,
  STATUS_BITS,
  STATUS_SET_BIT,
  STATUS_WORDS,
} from "../format/attr_codec.ts";
import { DELETED_BIT, MailboxFlags } from "../format/constants.ts";
import { FLAG_BITS, SYNC_OWNED_FLAGS, syncedFlags, treeFlags } from "../format/flags.ts";
import type { AttrView } from "../image/attr_file.ts";
import { type FullNameTable, HAS_CHILDREN, MARK_LEAF } from "../image/full_names.ts";

/**
 * Whether the flag rule leaves every record of the table as it is, given
 * this sync's marks by record number (`FullNameTable.marksByNumber`).
 * A record without a mark is deleted (rule 6): that is a change.
 *
 * @param table The image's full names.
 * @param marks `MARK_*` bits per record number.
 * @param attr The current attribute image.
 * @param wholeEntries Whether every entry must also be exactly as a new
 *   attribute file would hold it — present, nothing but flags and STATUS
 *   bits in its flags word, no STATUS figures without the STATUS bit, and a
 *   GUID exactly when it is not NONEXISTENT (`syncAll`, which writes the
 *   file whole); otherwise only the flags are compared, a missing entry
 *   reading as 0 (a sync, which patches the entries it changes). The
 *   caller has made sure the file is a version-2 one.
 * @returns True when nothing changes.
 *
 * @example Ask after a full sync that reported every name
 * ```ts ignore
 * const same = unchangedByMarks(table, table.marksByNumber(bySlot), attr, false);
 * ```
 */
export function unchangedByMarks(
  table: FullNameTable,
  marks: Uint8Array,
  attr: AttrView,
  wholeEntries: boolean,
): boolean {
  const uid = table.uid, info = table.info, dv = attr.dv, bytes = attr.bytes;
  const positions = wholeEntries ? attrPositions(attr) : undefined;
  for (let k = 0; k < table.count; k++) {
    const m = marks[k];
    // Not reported: deleted (rule 6).
    if (m === 0) return false;
    let old: number;
    if (wholeEntries) {
      const u = uid[k];
      const pos = positions !== undefined ? (u < positions.length ? positions[u] : 0) : Math.max(0, attr.positionOf(u));
      if (pos === 0) return false;
      const word = attrEntryFlagWord(dv, pos);
      if ((word & ~(FLAG_BITS | STATUS_BITS)) !== 0) return false;
      if ((word & STATUS_SET_BIT) === 0) {
        if ((word & STATUS_BITS) !== 0) return false;
        for (let w = 0; w < STATUS_WORDS; w++) if (dv.getUint32(pos + ATTR_ENTRY_FIELD.status + 4 * w, true) !== 0) return false;
      }
      old = word & FLAG_BITS;
      // The GUID rule (format/attr_guids.ts): a GUID exactly when it is no placeholder.
      if (attrEntryHasGuid(bytes, pos) === ((old & MailboxFlags.NonExistent) !== 0)) return false;
    } else {
      old = attr.flagsOf(uid[k]);
    }
    // Rules 3, 4 (every level is checked), 8.
    const tree = treeFlags((info[k] & HAS_CHILDREN) !== 0, (m & MARK_LEAF) !== 0);
    if (syncedFlags(old, tree, SYNC_OWNED_FLAGS) !== old) return false;
  }
  return true;
}

/** Position of each live UID's entry, indexed by UID (undefined when the UIDs are too sparse). */
function attrPositions(attr: AttrView): Int32Array | undefined {
  const { count, nextUid } = attr.header;
  if (nextUid > 4 * count + (1 << 20)) return undefined;
  const positions = new Int32Array(nextUid + 1);
  const dv = attr.dv, size = attr.entrySize;
  for (let i = 0, pos = ATTR_HEADER_SIZE; i < count; i++, pos += size) {
    const word = dv.getUint32(pos, true);
    if ((word & DELETED_BIT) !== 0 || word > nextUid) continue;
    positions[word] = pos;
  }
  return positions;
}

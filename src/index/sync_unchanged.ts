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
import { ATTR_ENTRY_SIZE, ATTR_HEADER_SIZE, STATUS_SET_BIT } from "../format/attr_codec.ts";
import { DELETED_BIT } from "../format/constants.ts";
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
 *   attribute file would hold it — present, nothing but flags and the STATUS
 *   bit in its flags word, and no STATUS figures without that bit (`syncAll`,
 *   which writes the file whole); otherwise only the flags are compared, a
 *   missing entry reading as 0 (a sync, which patches the entries it changes).
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
  const uid = table.uid, info = table.info, dv = attr.dv;
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
      const word = dv.getUint32(pos + 4, true);
      if ((word & ~(FLAG_BITS | STATUS_SET_BIT)) !== 0) return false;
      if ((word & STATUS_SET_BIT) === 0) {
        for (let w = 8; w < 28; w += 4) if (dv.getUint32(pos + w, true) !== 0) return false;
      }
      old = word & FLAG_BITS;
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
  const dv = attr.dv;
  for (let i = 0, pos = ATTR_HEADER_SIZE; i < count; i++, pos += ATTR_ENTRY_SIZE) {
    const word = dv.getUint32(pos, true);
    if ((word & DELETED_BIT) !== 0 || word > nextUid) continue;
    positions[word] = pos;
  }
  return positions;
}

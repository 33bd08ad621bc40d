/**
 * Whether a full sync from one complete list of names (`syncAll`) would
 * leave the index as it is, decided with one lookup per name in the
 * image's {@linkcode FullNameTable} and no tree built; the rule itself is
 * the one a sync uses (`index/sync_unchanged.ts`).
 *
 * @module
 */
import { ATTR_ENTRY_SIZE, ATTR_HEADER_SIZE, attrEntryFlagWord, isAttrEntryDeleted } from "../format/attr_codec.ts";
import { MailboxFlags } from "../format/constants.ts";
import type { NameLimits } from "../format/limits.ts";
import { NameEncoder } from "../format/name_codec.ts";
import type { AttrView } from "../image/attr_file.ts";
import {
  type FullNameTable,
  MARK_LEAF,
  MARK_SEEN,
  NAME_MISSING,
  NAME_NOT_PLAIN,
  plainBytes,
} from "../image/full_names.ts";
import { unchangedByMarks } from "../index/sync_unchanged.ts";
import type { NameTable, RebuildInput } from "./names.ts";

/**
 * Whether a recursive full sync of the whole index from these names would
 * leave it exactly as it is — every record reported (as a leaf or as a
 * parent), no new name, and every attribute entry as `matchToCurrent`
 * would write it — decided with one lookup per name and no tree built.
 *
 * @param table The full names of the current list image.
 * @param attr The current attribute image.
 * @param names Plain names (an array of strings) or names already read into a table.
 * @param limits Name limits (a name over them is never "unchanged": the build reports it).
 * @returns True when nothing would change.
 *
 * @example Check a list before building anything
 * ```ts ignore
 * const same = unchangedByNames(FullNameTable.of(snap.list, 0x2f)!, snap.attr, ["INBOX"], limits);
 * ```
 */
export function unchangedByNames(
  table: FullNameTable,
  attr: AttrView | undefined,
  names: readonly RebuildInput[] | NameTable,
  limits: NameLimits,
): boolean {
  // No file, or a version-1 one that the next commit writes as version 2: something changes.
  if (attr === undefined || attr.entrySize !== ATTR_ENTRY_SIZE) return false;
  const count = Array.isArray(names) ? names.length : (names as NameTable).count;
  // Every mailbox that is not NONEXISTENT must be among the names.
  if (attrLeaves(attr) > count) return false;
  const bySlot = Array.isArray(names)
    ? markStrings(table, names, limits)
    : markTable(table, names as NameTable, limits);
  return bySlot !== undefined && unchangedByMarks(table, table.marksByNumber(bySlot), attr, true);
}

/** Every how many names the first pass of {@linkcode markStrings} looks one up. */
const SAMPLE_STEP = 61;

/** The marks of plain names per slot, or undefined when one is not in the table. */
function markStrings(table: FullNameTable, names: readonly RebuildInput[], limits: NameLimits): Uint8Array | undefined {
  const sep = table.separator;
  const bySlot = new Uint8Array(table.slotCount);
  const encoder = new NameEncoder();
  // A few names from all over the list first: a list with new names usually fails here.
  for (let pass = 0; pass < 2; pass++) {
    for (let i = 0, step = pass === 0 ? SAMPLE_STEP : 1; i < names.length; i += step) {
      const name = names[i];
      if (typeof name !== "string") return undefined;
      let slot = table.findString(name, limits);
      if (slot === NAME_NOT_PLAIN) {
        // Not ASCII (or not valid, which the build reports): look its UTF-8 bytes up. A name
        // with no UTF-8 form is rejected here (InvalidNameError), never looked up as U+FFFD.
        const n = encoder.encode(name);
        slot = plainBytes(encoder.bytes, 0, n, sep, limits) ? table.findBytes(encoder.bytes, 0, n) : NAME_MISSING;
      }
      if (slot < 0) return undefined;
      bySlot[slot] |= name.charCodeAt(name.length - 1) === sep ? MARK_SEEN : MARK_SEEN | MARK_LEAF;
    }
  }
  return bySlot;
}

/** The marks of names read into a table per slot, or undefined when one is not in the image's table. */
function markTable(table: FullNameTable, t: NameTable, limits: NameLimits): Uint8Array | undefined {
  if (t.extras !== undefined || t.specialUse !== undefined) return undefined;
  const sep = table.separator;
  const bySlot = new Uint8Array(table.slotCount);
  const b = t.bytes, starts = t.starts;
  for (let i = 0; i < t.count; i++) {
    const s = starts[i], e = starts[i + 1] - 1;
    if (!plainBytes(b, s, e, sep, limits)) return undefined;
    const slot = table.findBytes(b, s, e);
    if (slot === NAME_MISSING) return undefined;
    bySlot[slot] |= b[e - 1] === sep ? MARK_SEEN : MARK_SEEN | MARK_LEAF;
  }
  return bySlot;
}

/** Live attribute entries without NONEXISTENT: mailboxes a full list must name. */
function attrLeaves(attr: AttrView): number {
  const { count } = attr.header;
  const dv = attr.dv, size = attr.entrySize;
  let n = 0;
  for (let i = 0, pos = ATTR_HEADER_SIZE; i < count; i++, pos += size) {
    if (!isAttrEntryDeleted(dv, pos) && (attrEntryFlagWord(dv, pos) & MailboxFlags.NonExistent) === 0) n++;
  }
  return n;
}

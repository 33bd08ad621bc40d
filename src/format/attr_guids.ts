/**
 * The one GUID rule of the attribute file (SPEC §12): every live entry of a
 * mailbox has a GUID; a `\NonExistent` placeholder has none. A mailbox
 * without one gets a random one when it is written (it has just appeared,
 * or its file was upgraded from version 1); a mailbox that becomes a
 * placeholder loses its GUID, so that the same name created again later is
 * a new mailbox with a new GUID. Every writer applies it: to the entries a
 * commit writes ({@linkcode settledGuid}) and to whole images
 * ({@linkcode settleGuids}).
 *
 * @example A placeholder that turns into a mailbox gets a GUID
 * ```ts
 * import { settledGuid } from "./attr_guids.ts";
 * console.log(settledGuid(8, undefined), settledGuid(0, undefined)?.length); // undefined 16
 * ```
 *
 * @module
 */
import {
  ATTR_ENTRY_FIELD,
  ATTR_ENTRY_SIZE,
  ATTR_HEADER_SIZE,
  attrEntryFlagWord,
  decodeAttrHeader,
  isAttrEntryDeleted,
} from "./attr_codec.ts";
import { MailboxFlags } from "./constants.ts";
import { GUID_SIZE, isZeroGuid, randomGuids } from "./guid.ts";

/**
 * The GUID an entry with `flags` is written with, given the one it has.
 *
 * @param flags The entry's flags as written.
 * @param guid Its GUID now (16 bytes at `at`), or undefined for none.
 * @param at Where the GUID starts in `guid`.
 * @returns Undefined for a placeholder; else its GUID (the bytes given, from `at`) or a new random one.
 *
 * @example A mailbox keeps its GUID
 * ```ts
 * import { settledGuid } from "./attr_guids.ts";
 * const g = new Uint8Array(16).fill(3);
 * console.log(settledGuid(1, g)?.[0]); // 3
 * ```
 */
export function settledGuid(flags: number, guid: Uint8Array | undefined, at = 0): Uint8Array | undefined {
  if ((flags & MailboxFlags.NonExistent) !== 0) return undefined;
  if (guid !== undefined && !isZeroGuid(guid, at)) return at === 0 ? guid : guid.subarray(at, at + GUID_SIZE);
  return randomGuids(1);
}

/** GUIDs drawn at a time while settling many entries. */
const BATCH = 4096;

/**
 * Apply the GUID rule to every live entry of a whole version-2 image (its
 * header written): placeholders lose their GUID, mailboxes without one get
 * a random one. Entries that follow the rule already are left as they are.
 *
 * @param image The attribute image.
 * @returns How many mailboxes got a new GUID.
 *
 * @example A rebuilt image whose mailboxes have no GUID yet
 * ```ts
 * import { encodeAttrImage } from "./attr_codec.ts";
 * import { settleGuids } from "./attr_guids.ts";
 * const img = encodeAttrImage(7, 1, 4, { uids: Uint32Array.of(1, 2, 3), flags: Uint8Array.of(9, 0, 0), count: 3 });
 * console.log(settleGuids(img)); // 2
 * ```
 */
export function settleGuids(image: Uint8Array): number {
  const h = decodeAttrHeader(image, image.length, "(image)");
  if (h.entrySize !== ATTR_ENTRY_SIZE) return 0;
  return settleGuidRun(image, ATTR_HEADER_SIZE, h.count);
}

/**
 * Apply the GUID rule to `count` version-2 entries that follow each other
 * from `start` (entries appended by a commit, or a whole image's), drawing
 * the random GUIDs a few thousand at a time.
 *
 * @param bytes Where the entries are.
 * @param start Byte position of the first entry.
 * @param count Number of entries.
 * @returns How many mailboxes got a new GUID.
 *
 * @example Two appended entries, a mailbox and a placeholder
 * ```ts
 * import { writeAttrEntry } from "./attr_codec.ts";
 * import { settleGuidRun } from "./attr_guids.ts";
 * const b = new Uint8Array(128), dv = new DataView(b.buffer);
 * writeAttrEntry(dv, 0, 5, 0, undefined);
 * writeAttrEntry(dv, 64, 6, 9, undefined);
 * console.log(settleGuidRun(b, 0, 2)); // 1
 * ```
 */
export function settleGuidRun(bytes: Uint8Array, start: number, count: number): number {
  const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  let pool: Uint32Array = new Uint32Array(0), used = 0, added = 0;
  for (let i = 0, pos = start; i < count; i++, pos += ATTR_ENTRY_SIZE) {
    if (isAttrEntryDeleted(dv, pos)) continue;
    const at = pos + ATTR_ENTRY_FIELD.guid;
    if ((attrEntryFlagWord(dv, pos) & MailboxFlags.NonExistent) !== 0) {
      bytes.fill(0, at, at + GUID_SIZE);
      continue;
    }
    if ((dv.getUint32(at, true) | dv.getUint32(at + 4, true) | dv.getUint32(at + 8, true) | dv.getUint32(at + 12, true)) !== 0) {
      continue;
    }
    if (used === pool.length) {
      const g = randomGuids(Math.min(BATCH, count - i));
      pool = new Uint32Array(g.buffer, g.byteOffset, g.length >>> 2);
      used = 0;
    }
    // Byte order does not matter: the words are random and were never all zero together.
    dv.setUint32(at, pool[used], true);
    dv.setUint32(at + 4, pool[used + 1], true);
    dv.setUint32(at + 8, pool[used + 2], true);
    dv.setUint32(at + 12, pool[used + 3], true);
    used += 4;
    added++;
  }
  return added;
}

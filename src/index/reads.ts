/**
 * Reads of one snapshot of an index that `MailboxListIndex` answers with:
 * a UID by name (through the image's full-name table once many are asked,
 * else one binary search per level), and the mailbox of a GUID (SPEC §12)
 * through the attribute file's GUID table and the image's records by UID.
 *
 * @module
 */
import { InvalidNameError } from "../format/errors.ts";
import type { NameLimits } from "../format/limits.ts";
import type { NameEncoder } from "../format/name_codec.ts";
import type { MailboxInfo } from "../format/types.ts";
import type { AttrView } from "../image/attr_file.ts";
import { NAME_MISSING, plainBytes } from "../image/full_names.ts";
import { UidRecords } from "../image/uid_records.ts";
import type { LazyList } from "../image/lazy_list.ts";
import { checkUidBelow } from "../format/uid_check.ts";
import type { Snapshot } from "./snapshot.ts";

/**
 * The UID of a full name in a snapshot.
 *
 * @param snap The snapshot.
 * @param name Full name.
 * @param sep The separator byte.
 * @param limits The name limits.
 * @param encoder An encoder to put the name's bytes in.
 * @returns Its UID, or undefined when it is not in the index.
 * @throws InvalidNameError for a name with a NUL byte or with no UTF-8 form (a lone surrogate).
 *
 * @example As `lookup` asks it
 * ```ts ignore
 * const uid = lookupUid(snap, "INBOX/Sent", 0x2f, limits, new NameEncoder());
 * ```
 */
export function lookupUid(
  snap: Snapshot,
  name: string,
  sep: number,
  limits: NameLimits,
  encoder: NameEncoder,
): number | undefined {
  const list = snap.list;
  // Many lookups on one image: its table of full names, hashed straight from an ASCII string.
  const table = list.fullNames(sep, snap.attr?.header.live ?? 0);
  if (table !== undefined) {
    const slot = table.findString(name, limits);
    if (slot >= 0) return table.uidAt(slot);
    if (slot === NAME_MISSING) return undefined;
  }
  const n = encodedName(name, encoder);
  const bytes = encoder.bytes;
  if (table !== undefined && plainBytes(bytes, 0, n, sep, limits)) {
    const slot = table.findBytes(bytes, 0, n);
    return slot >= 0 ? table.uidAt(slot) : undefined;
  }
  // A few lookups, or a name the table does not take: the checked walk per level.
  const rec = list.findRecordByLevels(bytes, n, sep);
  if (rec === 0) return undefined;
  // Without the check of the whole tree, the one UID answered is checked against the header.
  const uid = list.uidOf(rec);
  checkUidBelow(uid, list.header.nextUid, list.file);
  return uid;
}

/**
 * The UID of a full name in a list file read on demand (`lazy_list.ts`).
 *
 * @param list The list file.
 * @param name Full name.
 * @param sep The separator byte.
 * @param encoder An encoder to put the name's bytes in.
 * @returns Its UID, or undefined when it is not in the index.
 * @throws InvalidNameError for a name with a NUL byte or no UTF-8 form; CorruptIndexError for damage on its path.
 *
 * @example The first lookup after open
 * ```ts ignore
 * const uid = lookupLazy(lazy.list, "INBOX/Sent", 0x2f, new NameEncoder());
 * ```
 */
export function lookupLazy(list: LazyList, name: string, sep: number, encoder: NameEncoder): number | undefined {
  const uid = list.findUid(encoder.bytes, encodedName(name, encoder), sep);
  return uid === 0 ? undefined : uid;
}

/** Put a name's UTF-8 bytes in the encoder; returns their length. */
function encodedName(name: string, encoder: NameEncoder): number {
  if (name.indexOf("\0") >= 0) throw new InvalidNameError(name, "contains a NUL byte");
  return encoder.encode(name);
}

/**
 * The mailbox whose GUID this is, in a snapshot.
 *
 * @param snap The snapshot.
 * @param guid The GUID's 16 bytes.
 * @param separator The separator, to join the name with.
 * @returns The mailbox (with its `guid`), or undefined when none has the GUID.
 *
 * @example As `lookupGuid` asks it
 * ```ts ignore
 * const m = mailboxByGuid(snap, parseGuid("0123456789abcdef0123456789abcdef"), "/");
 * ```
 */
export function mailboxByGuid(snap: Snapshot, guid: Uint8Array, separator: string): MailboxInfo | undefined {
  const attr = snap.attr;
  const uid = attr?.uidOfGuid(guid) ?? 0;
  if (uid === 0) return undefined;
  const records = UidRecords.of(snap.list);
  const k = records.numberOf(uid);
  if (k < 0) return undefined;
  const info: MailboxInfo = {
    name: records.fullName(k, separator),
    uid,
    hasChildren: records.hasChildren(k),
    flags: attr!.flagsOf(uid),
  };
  const hex = attr!.guidOf(uid);
  if (hex !== undefined) info.guid = hex;
  return info;
}

/**
 * Mailboxes as iterated or listed, each given its GUID when it has one
 * (lazily for an iteration, in place for an array of LIST entries).
 *
 * @param mailboxes The iteration, or the LIST entries.
 * @param attr The attribute file the flags came from (none: no GUIDs).
 * @returns The same mailboxes, with `guid`.
 *
 * @example `iterate(path, { guids: true })`
 * ```ts ignore
 * for (const m of withGuids(view.iterate("", Infinity, attr, "/"), attr)) console.log(m.name, m.guid);
 * ```
 */
export function withGuids<T extends { uid: number; guid?: string }>(mailboxes: T[], attr: AttrView | undefined): T[];
export function withGuids<T extends { uid: number; guid?: string }>(
  mailboxes: Iterable<T>,
  attr: AttrView | undefined,
): Iterable<T>;
export function withGuids<T extends { uid: number; guid?: string }>(
  mailboxes: Iterable<T>,
  attr: AttrView | undefined,
): Iterable<T> {
  if (attr === undefined) return mailboxes;
  if (Array.isArray(mailboxes)) {
    for (const m of mailboxes) give(m, attr);
    return mailboxes;
  }
  return (function* () {
    for (const m of mailboxes) yield give(m, attr);
  })();
}

function give<T extends { uid: number; guid?: string }>(m: T, attr: AttrView): T {
  const guid = m.uid === 0 ? undefined : attr.guidOf(m.uid);
  if (guid !== undefined) m.guid = guid;
  return m;
}

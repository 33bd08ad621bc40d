/**
 * `\NoInferiors` in a sync (RFC 3501 §7.2.2, SPEC §12): a mailbox with the
 * flag cannot have children, so a sync refuses a name that would create a
 * record under one — what IMAP CREATE answers with NO. Names already in
 * the index are not refused (reporting them again changes nothing), and
 * nothing is checked while no mailbox has the flag: the attribute file is
 * scanned once, on the first name, for the mailboxes that have it.
 *
 * @module
 */
import { ATTR_HEADER_SIZE, attrEntryFlagWord, attrEntryUid, isAttrEntryDeleted } from "../format/attr_codec.ts";
import { MailboxFlags } from "../format/constants.ts";
import { NoInferiorsError } from "../format/errors.ts";
import type { AttrView } from "../image/attr_file.ts";
import type { NameWalk } from "./sync_walk.ts";

/**
 * Which mailboxes of a sync are `\NoInferiors` — in the attribute file, or
 * made so by this sync's flag calls — and the check of each new name
 * against them.
 *
 * @example Refuse a folder under a \NoInferiors mailbox
 * ```ts ignore
 * const guard = new NoInferiorsGuard(walk, attr, 0x2f);
 * guard.check("Spool/new"); // NoInferiorsError when "Spool" has the flag
 * ```
 */
export class NoInferiorsGuard {
  readonly #walk: NameWalk;
  readonly #attr: AttrView | undefined;
  readonly #sep: string;
  /** UIDs with the flag; undefined until the attribute file was scanned. */
  #uids: Set<number> | undefined;

  /**
   * @param walk The sync's name walk (for UIDs by name).
   * @param attr The attribute file the sync started from.
   * @param separator The separator byte.
   */
  constructor(walk: NameWalk, attr: AttrView | undefined, separator: number) {
    this.#walk = walk;
    this.#attr = attr;
    this.#sep = String.fromCharCode(separator);
  }

  #set(): Set<number> {
    if (this.#uids !== undefined) return this.#uids;
    const uids = new Set<number>();
    const attr = this.#attr;
    if (attr !== undefined) {
      const dv = attr.dv, size = attr.entrySize;
      for (let i = 0, pos = ATTR_HEADER_SIZE; i < attr.header.count; i++, pos += size) {
        if ((attrEntryFlagWord(dv, pos) & MailboxFlags.NoInferiors) !== 0 && !isAttrEntryDeleted(dv, pos)) {
          uids.add(attrEntryUid(dv, pos));
        }
      }
    }
    return this.#uids = uids;
  }

  /**
   * Refuse a name that would create a record under a `\NoInferiors` mailbox.
   *
   * @param name The full name reported.
   * @throws NoInferiorsError naming the name and the mailbox.
   */
  check(name: string): void {
    const uids = this.#set();
    if (uids.size === 0) return;
    const sep = this.#sep;
    const comps = name.split(sep).filter((c) => c !== "");
    let prefix = "";
    for (let k = 0; k < comps.length - 1; k++) {
      prefix += (k === 0 ? "" : sep) + comps[k];
      const uid = this.#walk.lookupUid(prefix);
      if (uid === undefined) return;
      if (uids.has(uid)) {
        if (this.#walk.lookupUid(name) !== undefined) return;
        throw new NoInferiorsError(name, prefix);
      }
    }
  }

  /**
   * A caller replaced a mailbox's flags.
   *
   * @param uid Its UID.
   * @param flags The flags it gets.
   */
  flagsSet(uid: number, flags: number): void {
    if ((flags & MailboxFlags.NoInferiors) !== 0) this.#set().add(uid);
    else this.#set().delete(uid);
  }

  /**
   * A caller added flag bits to a mailbox.
   *
   * @param uidOrName Its UID or full name.
   * @param bits The bits added.
   */
  flagsAdded(uidOrName: number | string, bits: number): void {
    if ((bits & MailboxFlags.NoInferiors) === 0) return;
    const uid = typeof uidOrName === "number" ? uidOrName : this.#walk.lookupUid(uidOrName);
    if (uid !== undefined) this.#set().add(uid);
  }
}

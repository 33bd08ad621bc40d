/**
 * `\NoInferiors` in a sync (RFC 3501 §7.2.2, SPEC §12): a mailbox with the
 * flag cannot have children, so a sync refuses a name that would create a
 * record under one — what IMAP CREATE answers with NO. Names already in
 * the index are not refused (reporting them again changes nothing). The
 * ancestors of a name are looked up one by one; a sync that reports many
 * names first learns, from one pass over the attribute file's flags, whether
 * any mailbox has the flag at all, and checks nothing when none has.
 *
 * @module
 */
import { ATTR_HEADER_SIZE, attrEntryFlagWord, isAttrEntryDeleted } from "../format/attr_codec.ts";
import { MailboxFlags } from "../format/constants.ts";
import { NoInferiorsError } from "../format/errors.ts";
import type { AttrView } from "../image/attr_file.ts";
import type { NameWalk } from "./sync_walk.ts";

/** Names checked by lookups alone before the attribute file is scanned for the flag. */
const FEW = 32;

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
  /** UIDs this sync gave the flag, and UIDs whose flags it replaced without it. */
  readonly #added = new Set<number>();
  readonly #cleared = new Set<number>();
  #checks = 0;
  /** Whether the attribute file has a live entry with the flag; undefined until scanned. */
  #inFile: boolean | undefined;

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

  /** One pass over the flags words: does any live entry have the flag? */
  #scan(): boolean {
    const attr = this.#attr;
    if (attr === undefined) return false;
    const dv = attr.dv, size = attr.entrySize;
    for (let i = 0, pos = ATTR_HEADER_SIZE; i < attr.header.count; i++, pos += size) {
      if ((attrEntryFlagWord(dv, pos) & MailboxFlags.NoInferiors) !== 0 && !isAttrEntryDeleted(dv, pos)) return true;
    }
    return false;
  }

  /** Whether the mailbox with this UID has the flag now. */
  #has(uid: number): boolean {
    if (this.#added.has(uid)) return true;
    if (this.#cleared.has(uid)) return false;
    return ((this.#attr?.flagsOf(uid) ?? 0) & MailboxFlags.NoInferiors) !== 0;
  }

  /**
   * Refuse a name that would create a record under a `\NoInferiors` mailbox.
   *
   * @param name The full name reported.
   * @throws NoInferiorsError naming the name and the mailbox.
   */
  check(name: string): void {
    if (++this.#checks > FEW && this.#added.size === 0 && !(this.#inFile ??= this.#scan())) return;
    const sep = this.#sep;
    const comps = name.split(sep).filter((c) => c !== "");
    let prefix = "";
    for (let k = 0; k < comps.length - 1; k++) {
      prefix += (k === 0 ? "" : sep) + comps[k];
      const uid = this.#walk.lookupUid(prefix);
      if (uid === undefined) return;
      if (this.#has(uid)) {
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
    if ((flags & MailboxFlags.NoInferiors) !== 0) {
      this.#added.add(uid);
      this.#cleared.delete(uid);
    } else {
      this.#added.delete(uid);
      this.#cleared.add(uid);
    }
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
    if (uid !== undefined) {
      this.#added.add(uid);
      this.#cleared.delete(uid);
    }
  }
}

/**
 * {@linkcode MailboxFinder}: single mailboxes of a {@linkcode ListSource}
 * looked up by name (subscribed names, the mailbox of a STATUS command),
 * each through one walk of its parent's direct children, which is kept for
 * the next name under the same parent.
 *
 * @module
 */
import { hasUtf8Form } from "../format/name_codec.ts";
import type { ListSource } from "./list.ts";
import { inboxLength, listedName } from "./pattern.ts";

/**
 * A mailbox the source holds, as {@linkcode MailboxFinder.find} gives it.
 *
 * @example A found mailbox
 * ```ts
 * import type { FoundMailbox } from "./mailbox_finder.ts";
 * const m: FoundMailbox = { name: "inbox", uid: 1, hasChildren: false, flags: 0 };
 * console.log(m.name); // inbox
 * ```
 */
export interface FoundMailbox {
  /** The full name as the source spells it (`inbox` for a lookup of `INBOX`). */
  name: string;
  /** UID of its record. */
  uid: number;
  /** True when it has at least one live child. */
  hasChildren: boolean;
  /** {@linkcode MailboxFlags} and special-use bits. */
  flags: number;
}

/**
 * Looks up mailboxes by full name over any {@linkcode ListSource}: a first
 * component `INBOX` matches in any case (in every spelling the source
 * holds), the rest exactly. A name's parent directory is walked once (depth
 * 0) and kept, so looking up many names costs one walk per distinct
 * parent. Meant for one command: it does not see later changes.
 *
 * @example Subscribed names over a hand-made source
 * ```ts
 * import { MailboxFinder } from "./mailbox_finder.ts";
 * const all = [
 *   { name: "inbox", uid: 1, hasChildren: false, flags: 0 },
 *   { name: "Fruit", uid: 2, hasChildren: true, flags: 0 },
 *   { name: "Fruit/Banana", uid: 3, hasChildren: false, flags: 0 },
 * ];
 * const source = {
 *   separator: "/",
 *   iterate: (path = "", { depth = Infinity } = {}) =>
 *     all.filter((m) => {
 *       if (path !== "" && !m.name.startsWith(path + "/")) return false;
 *       const rest = path === "" ? m.name : m.name.slice(path.length + 1);
 *       return rest.split("/").length - 1 <= depth;
 *     }),
 * };
 * const finder = new MailboxFinder(source);
 * console.log(finder.find("INBOX")?.name, finder.find("Fruit/Banana")?.uid, finder.find("Fruit/Peach")); // inbox 3 undefined
 * ```
 */
export class MailboxFinder {
  readonly #source: ListSource;
  readonly #sep: string;
  readonly #sepCode: number;
  /** Direct children of each walked parent (parent and keys as listed: INBOX in upper case). */
  readonly #dirs = new Map<string, Map<string, FoundMailbox>>();
  #inboxSpellings: string[] | undefined;

  /**
   * @param source The mailbox hierarchy.
   */
  constructor(source: ListSource) {
    this.#source = source;
    this.#sep = source.separator;
    this.#sepCode = this.#sep.length > 0 ? this.#sep.charCodeAt(0) : -1;
  }

  /**
   * The mailbox of a full name, or undefined when the source does not hold
   * it (a name with an empty level, a NUL or a lone surrogate is held by no
   * source).
   *
   * @param name Full name; a first component INBOX in any case.
   * @returns The mailbox, with the source's spelling of its name.
   */
  find(name: string): FoundMailbox | undefined {
    if (name === "" || name.includes("\0") || !hasUtf8Form(name)) return undefined;
    const sep = this.#sep;
    const listed = listedName(name, inboxLength(name, this.#sepCode));
    if (sep !== "" && (listed.startsWith(sep) || listed.endsWith(sep) || listed.includes(sep + sep))) return undefined;
    const cut = sep === "" ? -1 : listed.lastIndexOf(sep);
    return this.#children(cut < 0 ? "" : listed.slice(0, cut)).get(listed);
  }

  /** The direct children of a parent (as listed), walked on first use. */
  #children(parent: string): Map<string, FoundMailbox> {
    let dir = this.#dirs.get(parent);
    if (dir !== undefined) return dir;
    const found = new Map<string, FoundMailbox>();
    dir = found;
    const paths = parent !== "" && inboxLength(parent, this.#sepCode) === 5
      ? this.#spellings().map((s) => s + parent.slice(5))
      : [parent];
    const spellings: string[] = [];
    for (const path of paths) {
      this.#visit(path, (name, uid, hasChildren, flags) => {
        const inbox = inboxLength(name, this.#sepCode);
        if (parent === "" && inbox === 5) spellings.push(name);
        const key = listedName(name, inbox);
        if (!found.has(key)) found.set(key, { name, uid, hasChildren, flags });
      });
    }
    if (parent === "") this.#inboxSpellings = spellings;
    this.#dirs.set(parent, found);
    return found;
  }

  /** Every spelling of INBOX at the top level, in source order (from the walk of the top level). */
  #spellings(): string[] {
    if (this.#inboxSpellings === undefined) this.#children("");
    return this.#inboxSpellings!;
  }

  /** The direct children of a path, through `walk` when the source has it. */
  #visit(path: string, visit: (name: string, uid: number, hasChildren: boolean, flags: number) => void): void {
    const source = this.#source;
    if (source.walk !== undefined) {
      source.walk(path, 0, visit);
      return;
    }
    for (const m of source.iterate(path, { depth: 0 })) visit(m.name, m.uid, m.hasChildren, m.flags);
  }
}

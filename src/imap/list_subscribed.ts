/**
 * The listings that start from the subscriptions rather than the tree:
 * LIST with the SUBSCRIBED selection option (RFC 5258 §3.1, with
 * RECURSIVEMATCH and its CHILDINFO extended data item, §3.5) and LSUB (RFC
 * 3501 §6.3.9).
 *
 * @module
 */
import { MailboxFlags } from "../format/constants.ts";
import { SPECIAL_USE_MASK, specialUseAtoms } from "../format/special_use.ts";
import type { ListSource } from "./list.ts";
import { type FoundMailbox, MailboxFinder } from "./mailbox_finder.ts";
import { inboxLength, listedName, type ListPattern } from "./pattern.ts";
import { type AttributeOptions, type ListEntry, mailboxAttributes } from "./response.ts";

/** The CHILDINFO data of RECURSIVEMATCH with SUBSCRIBED. */
const CHILDINFO_SUBSCRIBED: readonly string[] = Object.freeze(["SUBSCRIBED"]);

/**
 * What {@linkcode listFromSubscriptions} is asked.
 *
 * @example LIST (SUBSCRIBED RECURSIVEMATCH) "" "%"
 * ```ts ignore
 * const query: SubscribedQuery = {
 *   patterns: [new ListPattern("%", "/")],
 *   recursiveMatch: true, specialUseOnly: false, lsub: false, lsubParents: false,
 *   attributes: { nonExistent: true, children: false, specialUse: false }, status: false,
 * };
 * ```
 */
export interface SubscribedQuery {
  /** The canonical patterns (reference applied); a name matches when it matches one. */
  patterns: readonly ListPattern[];
  /** LIST-EXTENDED RECURSIVEMATCH: list matching parents of qualifying names, with CHILDINFO. */
  recursiveMatch: boolean;
  /** The SPECIAL-USE selection option as well: a name qualifies only when it exists with a special use. */
  specialUseOnly: boolean;
  /** Answer LSUB: its attributes instead of LIST's. */
  lsub: boolean;
  /** LSUB with a pattern ending in `%`: matching parents of subscribed names that are not subscribed, as `\Noselect`. */
  lsubParents: boolean;
  /** How LIST spells attributes (`\Subscribed` is added to subscribed names). */
  attributes: AttributeOptions;
  /** Attach cached STATUS to listed names that qualify, exist and are selectable. */
  status: boolean;
}

/**
 * The subscribed names of a source, as LIST reports names (a first
 * component INBOX in upper case); empty when the source keeps none.
 *
 * @param source The mailbox hierarchy.
 * @returns The names.
 *
 * @example An `inbox` subscription
 * ```ts
 * import { listedSubscriptions } from "./list_subscribed.ts";
 * const source = { separator: "/", iterate: () => [], subscriptionSet: () => new Set(["inbox", "Fruit/Peach"]) };
 * console.log([...listedSubscriptions(source)]); // ["INBOX", "Fruit/Peach"]
 * ```
 */
export function listedSubscriptions(source: ListSource): ReadonlySet<string> {
  const set = source.subscriptionSet?.();
  if (set === undefined || set.size === 0) return new Set();
  const sepCode = source.separator.length > 0 ? source.separator.charCodeAt(0) : -1;
  const out = new Set<string>();
  for (const name of set) out.add(listedName(name, inboxLength(name, sepCode)));
  return out;
}

/**
 * Order names as a depth-first walk meets them when every directory is
 * sorted by code units: the separator sorts before every other character,
 * so a parent comes right before its subtree.
 *
 * @param a A full name.
 * @param b Another full name.
 * @param sepCode Char code of the separator (-1 for none).
 * @returns Negative, zero or positive.
 *
 * @example A parent before its subtree
 * ```ts
 * import { compareHierarchically } from "./list_subscribed.ts";
 * console.log(["a-b", "a/c", "a"].sort((x, y) => compareHierarchically(x, y, 0x2f))); // ["a", "a/c", "a-b"]
 * ```
 */
export function compareHierarchically(a: string, b: string, sepCode: number): number {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) {
    const x = a.charCodeAt(i), y = b.charCodeAt(i);
    if (x === y) continue;
    if (x === sepCode) return -1;
    if (y === sepCode) return 1;
    return x - y;
  }
  return a.length - b.length;
}

/**
 * Answer LIST (SUBSCRIBED ...) or LSUB from the subscriptions: every
 * subscribed name that matches a pattern (and, with SPECIAL-USE, exists
 * with a special use), whether or not it exists; with RECURSIVEMATCH also
 * each matching name with such a descendant, carrying CHILDINFO
 * ("SUBSCRIBED") — the descendant need not match, and the CHILDINFO is sent
 * even when every such descendant is listed too (as in RFC 5258 §5 example
 * 9, which allows it); for LSUB with a pattern ending in `%`, each matching
 * parent of a subscribed name that is not subscribed itself, as `\Noselect`
 * (RFC 3501 §6.3.9).
 *
 * LIST attributes come from the tree ({@linkcode mailboxAttributes}; a name
 * the tree does not hold is `\NonExistent`) with `\Subscribed` on
 * subscribed names. LSUB attributes are only that `\Noselect` and the
 * special-use attributes, as Dovecot sends them: no `\HasChildren`, and
 * neither `\NonExistent` nor `\Noselect` for a subscribed name that does not
 * exist. Names come in {@linkcode compareHierarchically} order, each once.
 *
 * @param source The mailbox hierarchy.
 * @param subscriptions Its subscribed names, from {@linkcode listedSubscriptions}.
 * @param query The patterns and options.
 * @returns The entries.
 *
 * @example LSUB "" "%" with only Foo/Baz subscribed
 * ```ts ignore
 * const entries = listFromSubscriptions(source, new Set(["Foo/Baz"]), { ...query, lsub: true, lsubParents: true });
 * // one entry: Foo with ["\\Noselect"]
 * ```
 */
export function listFromSubscriptions(
  source: ListSource,
  subscriptions: ReadonlySet<string>,
  query: SubscribedQuery,
): ListEntry[] {
  if (subscriptions.size === 0 || query.patterns.length === 0) return [];
  const sep = source.separator;
  const sepCode = sep.length > 0 ? sep.charCodeAt(0) : -1;
  const finder = new MailboxFinder(source);
  const patterns = query.patterns;
  const matches = (name: string) => {
    for (let i = 0; i < patterns.length; i++) if (patterns[i].matches(name)) return true;
    return false;
  };
  const qualifies = (name: string) => {
    if (!query.specialUseOnly) return true;
    const m = finder.find(name);
    return m !== undefined && (m.flags & SPECIAL_USE_MASK) !== 0;
  };
  const parentsToo = query.recursiveMatch || query.lsubParents;
  // Names that qualify and match, and matching names with a qualifying descendant.
  const selected = new Set<string>();
  const parents = new Set<string>();
  for (const name of subscriptions) {
    let ok: boolean | undefined;
    if (matches(name)) {
      ok = qualifies(name);
      if (ok) selected.add(name);
    }
    if (!parentsToo || sep === "") continue;
    for (let cut = name.indexOf(sep); cut > 0; cut = name.indexOf(sep, cut + 1)) {
      const parent = name.slice(0, cut);
      if (parents.has(parent) || !matches(parent)) continue;
      ok ??= qualifies(name);
      if (!ok) break;
      parents.add(parent);
    }
  }
  const names = new Set([...selected, ...parents]);
  const sorted = [...names].sort((a, b) => compareHierarchically(a, b, sepCode));
  const out: ListEntry[] = [];
  const subscribedAttributes = { ...query.attributes, subscribed: true };
  for (const name of sorted) {
    const found = finder.find(name);
    const flags = found?.flags ?? MailboxFlags.NonExistent;
    const entry: ListEntry = { name, attributes: [], uid: found?.uid ?? 0, flags };
    if (query.lsub) {
      entry.attributes = lsubAttributes(flags, !subscriptions.has(name));
    } else {
      const spelling = subscriptions.has(name) ? subscribedAttributes : query.attributes;
      entry.attributes = mailboxAttributes(flags, found?.hasChildren ?? false, spelling);
      if (query.recursiveMatch && parents.has(name)) entry.childInfo = CHILDINFO_SUBSCRIBED;
      if (query.status && selected.has(name)) attachStatus(source, entry, found);
    }
    out.push(entry);
  }
  return out;
}

/** LSUB attributes: `\Noselect` for a parent listed only for its subscribed descendants, then the special-use attributes. */
function lsubAttributes(flags: number, parentOnly: boolean): string[] {
  const out = parentOnly ? ["\\Noselect"] : [];
  if ((flags & SPECIAL_USE_MASK) !== 0) out.push(...specialUseAtoms(flags));
  return out;
}

/** The cached STATUS of an existing, selectable mailbox. */
function attachStatus(source: ListSource, entry: ListEntry, found: FoundMailbox | undefined): void {
  if (found === undefined || source.status === undefined) return;
  if ((found.flags & (MailboxFlags.NoSelect | MailboxFlags.NonExistent)) !== 0) return;
  const status = source.status(found.name);
  if (status !== undefined) entry.status = status;
}

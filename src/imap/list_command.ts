/**
 * A whole LIST or LSUB command over a {@linkcode ListSource}: the plain
 * LIST of RFC 3501 / RFC 9051, LIST-EXTENDED (RFC 5258: several patterns,
 * selection and return options, CHILDINFO), LIST-STATUS (RFC 5819),
 * SPECIAL-USE (RFC 6154) and LSUB (RFC 3501 §6.3.9); and the response
 * lines of its answer.
 *
 * @module
 */
import { SPECIAL_USE_MASK } from "../format/special_use.ts";
import { type ListOptions, type ListSource, listMailboxes } from "./list.ts";
import type { ListCommandOptions } from "./list_options.ts";
import { listedSubscriptions, listFromSubscriptions } from "./list_subscribed.ts";
import { ListPattern } from "./pattern.ts";
import { resolveListPattern } from "./reference.ts";
import { type AttributeOptions, formatListResponse, type ListEntry, type ListLineOptions } from "./response.ts";
import { DEFAULT_STATUS_ITEMS, formatStatusLine, type StatusItem } from "./status_items.ts";

/**
 * Whether the options make a LIST-EXTENDED command (RFC 5258 §1):
 * selection or return options given (even empty), or the patterns given as
 * a list.
 *
 * @param patternOrPatterns One pattern, or the parenthesised list.
 * @param options The command's options.
 * @returns True for the extended syntax.
 *
 * @example Plain and extended
 * ```ts
 * import { isExtendedList } from "./list_command.ts";
 * console.log(isExtendedList("%", {}), isExtendedList("%", { select: {} }), isExtendedList(["%"], {})); // false true true
 * ```
 */
export function isExtendedList(patternOrPatterns: string | readonly string[], options: ListCommandOptions): boolean {
  return typeof patternOrPatterns !== "string" || options.select !== undefined || options.return !== undefined;
}

/** The STATUS items the options ask for, or undefined for none. */
function statusItems(options: ListCommandOptions): readonly StatusItem[] | undefined {
  const asked = options.return?.status;
  if (asked !== undefined && asked.length > 0) return asked;
  return options.status === true ? DEFAULT_STATUS_ITEMS : undefined;
}

/**
 * Answer a LIST or LSUB command: the entries to send, each with its final
 * attributes (see {@linkcode mailboxAttributes}), CHILDINFO and cached
 * STATUS figures. Names, the reference and the patterns are Unicode (what
 * the command parser gives; SPEC §10).
 *
 * - A plain LIST (one pattern as a string, no `select` / `return`) is
 *   {@linkcode listMailboxes}: the empty pattern asks for the hierarchy
 *   delimiter, a NONEXISTENT mailbox is `\Noselect` (`\NonExistent` in an
 *   IMAP4rev2 session), and `\HasChildren` / `\HasNoChildren` and the
 *   special-use attributes come with every mailbox (RFC 6154 §2 allows it
 *   and Dovecot does it; clients that never send LIST-EXTENDED see them).
 * - A LIST-EXTENDED command ({@linkcode isExtendedList}) lists the union of
 *   its patterns (empty ones ignored), each mailbox once, in the order of
 *   the patterns and within each pattern in the source's order; a
 *   NONEXISTENT mailbox is `\NonExistent` (with `\HasChildren`: it only
 *   exists for its children); `\HasChildren` / `\HasNoChildren` come with
 *   RETURN (CHILDREN), the special-use attributes with RETURN (SPECIAL-USE)
 *   or the SPECIAL-USE selection (which also keeps only mailboxes that have
 *   one), `\Subscribed` with RETURN (SUBSCRIBED). REMOTE changes nothing.
 *   The SUBSCRIBED selection lists subscribed names instead, existing or
 *   not, sorted hierarchically, with RECURSIVEMATCH's CHILDINFO (see
 *   {@linkcode listFromSubscriptions}).
 * - LSUB lists the subscribed names that match ({@linkcode listFromSubscriptions}).
 *
 * STATUS figures (RETURN (STATUS (...)), or `status: true`) are attached to
 * listed mailboxes that meet the selection criteria and are selectable and
 * cached. INBOX matches in any case as the first component and is reported
 * as `INBOX`, once.
 *
 * @param source The mailbox hierarchy (e.g. a {@linkcode MailboxListIndex}).
 * @param patternOrPatterns One pattern (a plain LIST), or the list of patterns of LIST-EXTENDED.
 * @param options Reference, selection and return options, session, LSUB.
 * @returns The entries, in the order to send them.
 * @throws {RangeError} For RECURSIVEMATCH without SUBSCRIBED (RFC 5258 makes
 *   it a BAD command), for LSUB with selection or return options or with
 *   several patterns.
 *
 * @example RFC 5258's LIST (SUBSCRIBED) over a hand-made source
 * ```ts
 * import { listCommand, listResponseLines } from "./list_command.ts";
 * const all = [
 *   { name: "Fruit", uid: 1, hasChildren: true, flags: 0 },
 *   { name: "Fruit/Banana", uid: 2, hasChildren: false, flags: 0 },
 * ];
 * const source = {
 *   separator: "/",
 *   iterate: (path = "", { depth = Infinity } = {}) =>
 *     all.filter((m) => {
 *       if (path !== "" && !m.name.startsWith(path + "/")) return false;
 *       const rest = path === "" ? m.name : m.name.slice(path.length + 1);
 *       return rest.split("/").length - 1 <= depth;
 *     }),
 *   subscriptionSet: () => new Set(["Fruit/Banana", "Fruit/Peach"]),
 * };
 * const options = { select: { subscribed: true } };
 * for (const line of listResponseLines(listCommand(source, "*", options), "/", options)) {
 *   console.log(JSON.stringify(line));
 * }
 * // "* LIST (\\Subscribed) \"/\" \"Fruit/Banana\"\r\n"
 * // "* LIST (\\NonExistent \\Subscribed) \"/\" \"Fruit/Peach\"\r\n"
 * ```
 */
export function listCommand(
  source: ListSource,
  patternOrPatterns: string | readonly string[],
  options: ListCommandOptions = {},
): ListEntry[] {
  const session = options.session ?? {};
  const select = options.select ?? {};
  const ret = options.return ?? {};
  const reference = options.reference ?? "";
  const wantStatus = statusItems(options) !== undefined;
  if (options.lsub === true) {
    if (options.select !== undefined || options.return !== undefined || typeof patternOrPatterns !== "string") {
      throw new RangeError("LSUB takes one pattern and no LIST-EXTENDED options");
    }
    return listFromSubscriptions(source, listedSubscriptions(source), {
      patterns: compile(source, [patternOrPatterns], reference),
      recursiveMatch: false,
      specialUseOnly: false,
      lsub: true,
      lsubParents: patternOrPatterns.endsWith("%"),
      attributes: {},
      status: false,
    });
  }
  if (select.recursiveMatch === true && select.subscribed !== true) {
    throw new RangeError("The LIST selection option RECURSIVEMATCH needs SUBSCRIBED");
  }
  if (!isExtendedList(patternOrPatterns, options)) {
    const plain: ListOptions = { reference, status: wantStatus };
    if (session.rev2 === true) plain.attributes = { nonExistent: true };
    return listMailboxes(source, patternOrPatterns as string, plain);
  }
  const patterns = (typeof patternOrPatterns === "string" ? [patternOrPatterns] : patternOrPatterns).filter((p) =>
    p !== ""
  );
  const specialUse = ret.specialUse === true || select.specialUse === true;
  if (select.subscribed === true) {
    return listFromSubscriptions(source, listedSubscriptions(source), {
      patterns: compile(source, patterns, reference),
      recursiveMatch: select.recursiveMatch === true,
      specialUseOnly: select.specialUse === true,
      lsub: false,
      lsubParents: false,
      attributes: { nonExistent: true, children: ret.children === true, specialUse },
      status: wantStatus,
    });
  }
  // A NONEXISTENT parent found by a pattern keeps its \HasChildren (RFC 5258 §3.5, example 11).
  const attributes: AttributeOptions = { nonExistent: true, children: ret.children === true || "nonexistent", specialUse };
  const walk: ListOptions = { reference, status: wantStatus, attributes };
  if (ret.subscribed === true) walk.subscriptions = listedSubscriptions(source);
  const specialUseOnly = select.specialUse === true;
  const seen = patterns.length > 1 ? new Set<string>() : undefined;
  const out: ListEntry[] = [];
  for (const pattern of patterns) {
    for (const entry of listMailboxes(source, pattern, walk)) {
      if (specialUseOnly && (entry.flags & SPECIAL_USE_MASK) === 0) continue;
      if (seen !== undefined) {
        if (seen.has(entry.name)) continue;
        seen.add(entry.name);
      }
      out.push(entry);
    }
  }
  return out;
}

/** The patterns compiled against the source's separator, after the reference. */
function compile(source: ListSource, patterns: readonly string[], reference: string): ListPattern[] {
  const sep = source.separator;
  return patterns.filter((p) => p !== "").map((p) => new ListPattern(resolveListPattern(reference, p, sep), sep));
}

/**
 * The response lines of a LIST or LSUB answer, each ending in CRLF: the
 * LIST (or LSUB) response of every entry, each followed by its STATUS
 * response when it carries figures (RFC 5819), with exactly the items
 * asked for, in the order asked (see {@linkcode formatStatusLine}). Names
 * are sent as the session takes them ({@linkcode wireMailboxName}).
 *
 * @param entries What {@linkcode listCommand} returned.
 * @param separator The hierarchy separator.
 * @param options The options the entries were listed with.
 * @returns The lines to send before the tagged OK.
 *
 * @example LIST "" "%" RETURN (STATUS (MESSAGES UNSEEN))
 * ```ts
 * import { listResponseLines } from "./list_command.ts";
 * const status = { messages: 17, unseen: 16, recent: 0, uidNext: 0, uidValidity: 0 };
 * const entries = [{ name: "INBOX", attributes: [], uid: 1, flags: 0, status }];
 * const lines = listResponseLines(entries, ".", { return: { status: ["MESSAGES", "UNSEEN"] } });
 * console.log(lines.join("")); // * LIST () "." "INBOX"
 * //                              * STATUS "INBOX" (MESSAGES 17 UNSEEN 16)
 * ```
 */
export function listResponseLines(
  entries: readonly ListEntry[],
  separator: string,
  options: ListCommandOptions = {},
): string[] {
  const session = options.session ?? {};
  const line: ListLineOptions = { utf8: session.utf8, rev2: session.rev2, lsub: options.lsub };
  const items = options.lsub === true ? undefined : statusItems(options);
  const out: string[] = [];
  for (const entry of entries) {
    out.push(formatListResponse(entry, separator, line));
    if (items !== undefined && entry.status !== undefined) {
      out.push(formatStatusLine(entry.name, entry.status, items, session));
    }
  }
  return out;
}

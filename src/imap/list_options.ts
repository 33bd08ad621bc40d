/**
 * The options of a LIST or LSUB command as the LIST layer takes them: the
 * reference, LIST-EXTENDED selection and return options (RFC 5258, RFC
 * 5819, RFC 6154), the session, and LSUB (RFC 3501 §6.3.9).
 *
 * @module
 */
import type { StatusItem } from "./status_items.ts";
import type { ImapSession } from "./wire_name.ts";

/**
 * LIST-EXTENDED selection options (RFC 5258 §3.1, RFC 6154 §2).
 *
 * @example LIST (SUBSCRIBED RECURSIVEMATCH) "" "%"
 * ```ts
 * import type { ListSelectOptions } from "./list_options.ts";
 * const select: ListSelectOptions = { subscribed: true, recursiveMatch: true };
 * console.log(select.subscribed); // true
 * ```
 */
export interface ListSelectOptions {
  /** List subscribed names (existing or not) instead of the existing mailboxes; implies RETURN (SUBSCRIBED). */
  subscribed?: boolean;
  /** Include remote mailboxes: accepted, there are none here. */
  remote?: boolean;
  /**
   * Also list a name that matches a pattern but not the selection
   * criteria, when one of its descendants meets them, with a `CHILDINFO`
   * extended data item (the descendant need not match a pattern). Only
   * with `subscribed`.
   */
  recursiveMatch?: boolean;
  /** Only mailboxes with a special-use attribute; implies RETURN (SPECIAL-USE). */
  specialUse?: boolean;
}

/**
 * LIST-EXTENDED return options (RFC 5258 §3.2, RFC 5819, RFC 6154 §2).
 *
 * @example RETURN (CHILDREN STATUS (MESSAGES UNSEEN))
 * ```ts
 * import type { ListReturnOptions } from "./list_options.ts";
 * const ret: ListReturnOptions = { children: true, status: ["MESSAGES", "UNSEEN"] };
 * console.log(ret.status?.join(" ")); // MESSAGES UNSEEN
 * ```
 */
export interface ListReturnOptions {
  /** `\Subscribed` on every listed name that is subscribed. */
  subscribed?: boolean;
  /** `\HasChildren` / `\HasNoChildren` (a plain LIST sends them anyway). */
  children?: boolean;
  /** The special-use attributes (a plain LIST sends them anyway). */
  specialUse?: boolean;
  /**
   * A STATUS response with these items after the LIST response of every
   * selectable mailbox that meets the selection criteria (LIST-STATUS, RFC
   * 5819); none for `\Noselect` / `\NonExistent` ones nor for names listed
   * only for their CHILDINFO, nor for a mailbox without cached figures. An
   * empty array asks for nothing.
   */
  status?: readonly StatusItem[];
}

/**
 * Options of a LIST or LSUB command ({@linkcode listCommand}).
 *
 * The command is a LIST-EXTENDED one (RFC 5258 §1) when `select` or
 * `return` is given (even empty, as for `LIST () "" "%"`) or the patterns
 * are an array (the parenthesised form). Then an empty pattern is no
 * request for the hierarchy delimiter, a NONEXISTENT mailbox is
 * `\NonExistent`, and `\HasChildren` / `\HasNoChildren` and special-use
 * attributes come only when asked for. `session.rev2` also makes a
 * NONEXISTENT mailbox `\NonExistent`.
 *
 * @example LIST "Archive/" "%" RETURN (STATUS (MESSAGES)) in an IMAP4rev2 session
 * ```ts
 * import type { ListCommandOptions } from "./list_options.ts";
 * const options: ListCommandOptions = {
 *   reference: "Archive/",
 *   return: { status: ["MESSAGES"] },
 *   session: { rev2: true },
 * };
 * console.log(options.return?.status); // ["MESSAGES"]
 * ```
 */
export interface ListCommandOptions {
  /** The reference name (first argument of LIST), in Unicode; default "". */
  reference?: string;
  /** LIST-EXTENDED selection options. */
  select?: ListSelectOptions;
  /** LIST-EXTENDED return options. */
  return?: ListReturnOptions;
  /** The session the answer goes to. */
  session?: ImapSession;
  /**
   * Answer LSUB (RFC 3501 §6.3.9): the subscribed names that match, and,
   * for a pattern that ends with `%`, a matching parent of a subscribed
   * name as `\Noselect` when it is not subscribed itself. Takes no `select`
   * nor `return`.
   */
  lsub?: boolean;
  /**
   * Shorthand of the one-pattern API: attach STATUS with the default items
   * (MESSAGES UNSEEN RECENT UIDNEXT UIDVALIDITY) without making the command
   * a LIST-EXTENDED one. `return.status` wins when both are given.
   */
  status?: boolean;
  /**
   * Give each entry of a mailbox its `guid` (SPEC §12; `MailboxListIndex.list`).
   * Nothing on the wire changes. Default false.
   */
  guids?: boolean;
}

/**
 * LIST results as a client sees them: {@linkcode ListEntry}, the mailbox
 * attributes, and the untagged LIST, LSUB and STATUS response lines.
 *
 * @module
 */
import { MailboxFlags } from "../format/constants.ts";
import { SPECIAL_USE_MASK, specialUseAtoms } from "../format/special_use.ts";
import type { MailboxStatus } from "../format/types.ts";
import { imapQuote } from "./quote.ts";
import { DEFAULT_STATUS_ITEMS, formatStatusLine, type StatusItem } from "./status_items.ts";
import { type ImapSession, wireMailboxName } from "./wire_name.ts";

/**
 * One mailbox that a LIST (or LSUB) command returns.
 *
 * @example An entry and its line
 * ```ts
 * import { formatListResponse, type ListEntry } from "./response.ts";
 * const entry: ListEntry = { name: "INBOX", attributes: ["\\HasNoChildren"], uid: 1, flags: 0 };
 * console.log(JSON.stringify(formatListResponse(entry, "/"))); // "* LIST (\\HasNoChildren) \"/\" \"INBOX\"\r\n"
 * ```
 */
export interface ListEntry {
  /** Full name in Unicode as sent to the client (a first component `inbox` in any case is `INBOX`). */
  name: string;
  /**
   * Mailbox attributes, in the order {@linkcode mailboxAttributes} gives
   * them: at most one of `\NonExistent` / `\Noselect` (RFC 9051
   * `mbx-list-sflag`), `\HasChildren` or `\HasNoChildren`, `\NoInferiors`,
   * `\Subscribed`, then the special-use attributes.
   */
  attributes: string[];
  /** UID of the mailbox's record (0 for the hierarchy-delimiter response and for names not in the index). */
  uid: number;
  /** {@linkcode MailboxFlags} and special-use bits of the mailbox. */
  flags: number;
  /** Cached STATUS figures, when asked for and known (selectable mailboxes only). */
  status?: MailboxStatus;
  /** The mailbox GUID (SPEC §12), when asked for (`guids: true`) and it has one. */
  guid?: string;
  /**
   * The selection options of a `CHILDINFO` extended data item (RFC 5258
   * §3.5), such as `["SUBSCRIBED"]`: the mailbox has a descendant that
   * meets the selection criteria (RECURSIVEMATCH only).
   */
  childInfo?: readonly string[];
}

/**
 * How {@linkcode mailboxAttributes} spells a mailbox's attributes. The
 * defaults are those of a plain IMAP4rev1 LIST.
 *
 * @example A LIST-EXTENDED command with RETURN (CHILDREN SUBSCRIBED)
 * ```ts
 * import type { AttributeOptions } from "./response.ts";
 * const options: AttributeOptions = { nonExistent: true, children: true, specialUse: false, subscribed: true };
 * console.log(Object.keys(options).length); // 4
 * ```
 */
export interface AttributeOptions {
  /**
   * A NONEXISTENT mailbox is `\NonExistent` (a LIST-EXTENDED command or an
   * IMAP4rev2 session) rather than `\Noselect` (a plain IMAP4rev1 LIST).
   * Default false.
   */
  nonExistent?: boolean;
  /**
   * Which mailboxes get `\HasChildren` / `\HasNoChildren`: `true` (the
   * default; a plain LIST, or RETURN (CHILDREN)) every one; `"nonexistent"`
   * only a `\NonExistent` mailbox that has children, which gets
   * `\HasChildren`: the pair RFC 5258 §3.5 asks a server to send when it
   * lists such a parent without CHILDINFO, so that a client can descend
   * into it; `false` none.
   */
  children?: boolean | "nonexistent";
  /** Send the special-use attributes of the flags (RFC 6154). Default true. */
  specialUse?: boolean;
  /** Send `\Subscribed`. Default false. */
  subscribed?: boolean;
}

/** `\HasChildren` or `\HasNoChildren`: the CHILDREN / NOCHILDREN flags first, the tree otherwise. */
function childrenAttribute(flags: number, hasChildren: boolean): string {
  if ((flags & MailboxFlags.Children) !== 0) return "\\HasChildren";
  if ((flags & MailboxFlags.NoChildren) !== 0) return "\\HasNoChildren";
  return hasChildren ? "\\HasChildren" : "\\HasNoChildren";
}

/**
 * The LIST attributes of a mailbox, in a fixed order:
 * 1. `\NonExistent` for a NONEXISTENT mailbox when `nonExistent` is set;
 * 2. `\HasChildren` / `\HasNoChildren` (from the CHILDREN / NOCHILDREN
 *    flags, or from the tree when neither is set), as `children` says;
 * 3. `\Noselect` for a NOSELECT mailbox, and for a NONEXISTENT one when
 *    `nonExistent` is not set. Never with `\NonExistent`, which implies it
 *    (RFC 5258): at most one special flag (RFC 9051 `mbx-list-sflag`);
 * 4. `\NoInferiors` for a NOINFERIORS mailbox (RFC 3501) without children
 *    in the tree (with children, the tree wins: RFC 5258 §4 forbids it
 *    beside `\HasChildren`). It implies `\HasNoChildren` (RFC 5258 §3.4),
 *    which is then left out where `nonExistent` is set (LIST-EXTENDED,
 *    IMAP4rev2) and kept for a plain IMAP4rev1 LIST;
 * 5. `\Subscribed` when `subscribed` is set;
 * 6. the special-use attributes in RFC 6154 order, when `specialUse` is set.
 *
 * @param flags {@linkcode MailboxFlags} and special-use bits.
 * @param hasChildren Whether the mailbox has live children in the tree.
 * @param options How the attributes are spelled; default a plain IMAP4rev1 LIST.
 * @returns The attribute atoms.
 *
 * @example A NONEXISTENT parent, to a plain LIST and to LIST-EXTENDED
 * ```ts
 * import { mailboxAttributes } from "./response.ts";
 * import { MailboxFlags } from "../format/constants.ts";
 * const flags = MailboxFlags.Children | MailboxFlags.NonExistent;
 * console.log(mailboxAttributes(flags, true)); // ["\\HasChildren", "\\Noselect"]
 * console.log(mailboxAttributes(flags, true, { nonExistent: true, children: "nonexistent" })); // ["\\NonExistent", "\\HasChildren"]
 * console.log(mailboxAttributes(0x2000, false)); // ["\\HasNoChildren", "\\Sent"]
 * console.log(mailboxAttributes(MailboxFlags.NoInferiors, false)); // ["\\HasNoChildren", "\\NoInferiors"]
 * console.log(mailboxAttributes(MailboxFlags.NoInferiors, false, { nonExistent: true })); // ["\\NoInferiors"]
 * ```
 */
export function mailboxAttributes(
  flags: number,
  hasChildren: boolean,
  options?: AttributeOptions,
): string[] {
  const nonExistent = (flags & MailboxFlags.NonExistent) !== 0;
  if (options === undefined && (flags & (SPECIAL_USE_MASK | MailboxFlags.NoInferiors)) === 0) {
    // The plain LIST of a mailbox without special use: one small array of the exact size.
    const children = childrenAttribute(flags, hasChildren);
    return nonExistent || (flags & MailboxFlags.NoSelect) !== 0 ? [children, "\\Noselect"] : [children];
  }
  const o = options ?? {};
  const out: string[] = [];
  const sendNonExistent = nonExistent && o.nonExistent === true;
  if (sendNonExistent) out.push("\\NonExistent");
  const children = o.children ?? true;
  const kids = childrenAttribute(flags, hasChildren);
  const noInferiors = (flags & MailboxFlags.NoInferiors) !== 0 && kids !== "\\HasChildren";
  if (children === true) {
    // \NoInferiors implies \HasNoChildren: a client of LIST-EXTENDED or IMAP4rev2 infers it.
    if (!(noInferiors && o.nonExistent === true)) out.push(kids);
  } else if (children === "nonexistent" && sendNonExistent) {
    if (kids === "\\HasChildren") out.push(kids);
  }
  if (!sendNonExistent && (nonExistent || (flags & MailboxFlags.NoSelect) !== 0)) out.push("\\Noselect");
  if (noInferiors) out.push("\\NoInferiors");
  if (o.subscribed === true) out.push("\\Subscribed");
  if (o.specialUse !== false && (flags & SPECIAL_USE_MASK) !== 0) out.push(...specialUseAtoms(flags));
  return out;
}

/**
 * Options of {@linkcode formatListResponse}: the session, and whether the
 * line answers LSUB.
 *
 * @example An LSUB line for a UTF8=ACCEPT session
 * ```ts
 * import type { ListLineOptions } from "./response.ts";
 * const options: ListLineOptions = { utf8: true, lsub: true };
 * console.log(options.lsub); // true
 * ```
 */
export interface ListLineOptions extends ImapSession {
  /** Answer LSUB (`* LSUB ...`) rather than LIST. */
  lsub?: boolean;
}

/**
 * Format an untagged LIST (or LSUB) response, ending in CRLF: the
 * attributes, the hierarchy delimiter (a quoted string, or NIL for none),
 * the name as the session takes it ({@linkcode wireMailboxName}: modified
 * UTF-7 for IMAP4rev1, UTF-8 with `utf8` or `rev2`; a literal with its exact
 * byte count when it must be one), then the entry's CHILDINFO extended data
 * item, if any (RFC 5258).
 *
 * @param entry A LIST entry.
 * @param separator The hierarchy separator.
 * @param options The session, and `lsub` for an LSUB response.
 * @returns The response line.
 *
 * @example One LIST line per kind of session
 * ```ts
 * import { formatListResponse } from "./response.ts";
 * const entry = { name: "Archiv/Entwürfe", attributes: ["\\HasNoChildren"], uid: 3, flags: 0 };
 * console.log(JSON.stringify(formatListResponse(entry, "/")));
 * // "* LIST (\\HasNoChildren) \"/\" \"Archiv/Entw&APw-rfe\"\r\n"
 * console.log(JSON.stringify(formatListResponse(entry, "/", { utf8: true })));
 * // "* LIST (\\HasNoChildren) \"/\" \"Archiv/Entwürfe\"\r\n"
 * ```
 */
export function formatListResponse(
  entry: ListEntry,
  separator: string,
  options: ListLineOptions = {},
): string {
  const delimiter = separator === "" ? "NIL" : imapQuote(separator);
  let line = `* ${options.lsub === true ? "LSUB" : "LIST"} (${entry.attributes.join(" ")}) ${delimiter} ${
    wireMailboxName(entry.name, options)
  }`;
  const info = entry.childInfo;
  if (info !== undefined && info.length > 0) {
    line += ` ("CHILDINFO" (${info.map((o) => `"${o}"`).join(" ")}))`;
  }
  return line + "\r\n";
}

/**
 * Options of {@linkcode formatStatusResponse}: the session and the items.
 *
 * @example RETURN (STATUS (MESSAGES UNSEEN)) in an IMAP4rev2 session
 * ```ts
 * import type { StatusLineOptions } from "./response.ts";
 * const options: StatusLineOptions = { rev2: true, items: ["MESSAGES", "UNSEEN"] };
 * console.log(options.items?.length); // 2
 * ```
 */
export interface StatusLineOptions extends ImapSession {
  /** The items asked for, in the order asked; default {@linkcode DEFAULT_STATUS_ITEMS}. */
  items?: readonly StatusItem[];
}

/**
 * Format the untagged STATUS response, ending in CRLF, for an entry that
 * carries cached figures: exactly the items asked for, in the order asked,
 * leaving out those the cache cannot answer (`UIDNEXT` / `UIDVALIDITY` of
 * 0, items the cache does not hold yet) and `RECENT` in an IMAP4rev2
 * session; see {@linkcode formatStatusLine}.
 *
 * @param entry A LIST entry, listed with STATUS asked for.
 * @param options The session and the items (default MESSAGES UNSEEN RECENT UIDNEXT UIDVALIDITY).
 * @returns The response line, or undefined when the entry has no STATUS figures.
 *
 * @example The default items, and two asked for
 * ```ts
 * import { formatStatusResponse } from "./response.ts";
 * const status = { messages: 3, unseen: 1, recent: 0, uidNext: 5, uidValidity: 123 };
 * const entry = { name: "INBOX", attributes: [], uid: 1, flags: 0, status };
 * console.log(JSON.stringify(formatStatusResponse(entry)));
 * // "* STATUS \"INBOX\" (MESSAGES 3 UNSEEN 1 RECENT 0 UIDNEXT 5 UIDVALIDITY 123)\r\n"
 * console.log(JSON.stringify(formatStatusResponse(entry, { items: ["UNSEEN", "MESSAGES"] })));
 * // "* STATUS \"INBOX\" (UNSEEN 1 MESSAGES 3)\r\n"
 * ```
 */
export function formatStatusResponse(
  entry: ListEntry,
  options: StatusLineOptions = {},
): string | undefined {
  if (entry.status === undefined) return undefined;
  return formatStatusLine(entry.name, entry.status, options.items ?? DEFAULT_STATUS_ITEMS, options);
}

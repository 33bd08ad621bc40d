/**
 * LIST results as a client sees them: {@linkcode ListEntry}, the mailbox
 * attributes, and the untagged LIST and STATUS response lines.
 *
 * @module
 */
import { MailboxFlags } from "../format/constants.ts";
import type { MailboxStatus } from "../format/types.ts";
import { imapQuote, type QuoteOptions } from "./quote.ts";

/**
 * One mailbox that a LIST pattern matched.
 *
 * @example An entry and its line
 * ```ts
 * import { formatListResponse, type ListEntry } from "./response.ts";
 * const entry: ListEntry = { name: "INBOX", attributes: ["\\HasNoChildren"], uid: 1, flags: 0 };
 * console.log(formatListResponse(entry, "/")); // * LIST (\HasNoChildren) "/" "INBOX"
 * ```
 */
export interface ListEntry {
  /** Full name as sent to the client (a first component `inbox` in any case is `INBOX`). */
  name: string;
  /**
   * Mailbox attributes in a fixed order: `\NonExistent` (when set), then
   * `\HasChildren` or `\HasNoChildren`, then `\Noselect` (when set or implied
   * by `\NonExistent`).
   */
  attributes: string[];
  /** UID of the mailbox's record (0 for the hierarchy-delimiter response). */
  uid: number;
  /** {@linkcode MailboxFlags} bits of the mailbox. */
  flags: number;
  /** Cached STATUS figures, when asked for and known (selectable mailboxes only). */
  status?: MailboxStatus;
}

/**
 * The LIST attributes of a mailbox, in a fixed order: `\NonExistent`, then
 * `\HasChildren` / `\HasNoChildren` (from the CHILDREN / NOCHILDREN flags,
 * or from the tree when neither is set), then `\Noselect` (from NOSELECT,
 * and implied by NONEXISTENT as RFC 9051 says).
 *
 * @param flags {@linkcode MailboxFlags} bits.
 * @param hasChildren Whether the mailbox has live children in the tree.
 * @returns The attribute atoms.
 *
 * @example A NONEXISTENT parent
 * ```ts
 * import { mailboxAttributes } from "./response.ts";
 * import { MailboxFlags } from "../format/constants.ts";
 * console.log(mailboxAttributes(MailboxFlags.Children | MailboxFlags.NonExistent, true));
 * // ["\\NonExistent", "\\HasChildren", "\\Noselect"]
 * ```
 */
export function mailboxAttributes(
  flags: number,
  hasChildren: boolean,
): string[] {
  const nonExistent = (flags & MailboxFlags.NonExistent) !== 0;
  const children = (flags & MailboxFlags.Children) !== 0
    ? "\\HasChildren"
    : (flags & MailboxFlags.NoChildren) !== 0
    ? "\\HasNoChildren"
    : hasChildren
    ? "\\HasChildren"
    : "\\HasNoChildren";
  // Array literals of the exact size: one small allocation per mailbox.
  if (nonExistent) return ["\\NonExistent", children, "\\Noselect"];
  if ((flags & MailboxFlags.NoSelect) !== 0) return [children, "\\Noselect"];
  return [children];
}

/**
 * Format an untagged LIST response line (without the trailing CRLF). The
 * name is a quoted string, or a literal when it holds CR, LF or (without
 * `utf8`) non-ASCII characters; see {@linkcode imapQuote}.
 *
 * @param entry A LIST entry.
 * @param separator The hierarchy separator.
 * @param options Whether UTF-8 may be sent in quoted strings.
 * @returns The response line.
 *
 * @example One LIST line
 * ```ts
 * import { formatListResponse } from "./response.ts";
 * const line = formatListResponse({ name: "Archive/2009", attributes: ["\\HasNoChildren"], uid: 3, flags: 2 }, "/");
 * console.log(line); // * LIST (\HasNoChildren) "/" "Archive/2009"
 * ```
 */
export function formatListResponse(
  entry: ListEntry,
  separator: string,
  options: QuoteOptions = {},
): string {
  const delimiter = separator === "" ? "NIL" : imapQuote(separator, options);
  return `* LIST (${entry.attributes.join(" ")}) ${delimiter} ${
    imapQuote(entry.name, options)
  }`;
}

/**
 * Format the untagged STATUS response line (without the trailing CRLF) for
 * an entry that carries cached figures: MESSAGES, UNSEEN and RECENT always,
 * UIDNEXT and UIDVALIDITY when known (non-zero).
 *
 * @param entry A LIST entry, listed with `{ status: true }`.
 * @param options Whether UTF-8 may be sent in quoted strings.
 * @returns The response line, or undefined when the entry has no STATUS figures.
 *
 * @example One STATUS line
 * ```ts
 * import { formatStatusResponse } from "./response.ts";
 * const status = { messages: 3, unseen: 1, recent: 0, uidNext: 5, uidValidity: 123 };
 * console.log(formatStatusResponse({ name: "INBOX", attributes: [], uid: 1, flags: 0, status }));
 * // * STATUS "INBOX" (MESSAGES 3 UNSEEN 1 RECENT 0 UIDNEXT 5 UIDVALIDITY 123)
 * ```
 */
export function formatStatusResponse(
  entry: ListEntry,
  options: QuoteOptions = {},
): string | undefined {
  const s = entry.status;
  if (s === undefined) return undefined;
  let items = `MESSAGES ${s.messages} UNSEEN ${s.unseen} RECENT ${s.recent}`;
  if (s.uidNext !== 0) items += ` UIDNEXT ${s.uidNext}`;
  if (s.uidValidity !== 0) items += ` UIDVALIDITY ${s.uidValidity}`;
  return `* STATUS ${imapQuote(entry.name, options)} (${items})`;
}

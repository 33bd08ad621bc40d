/**
 * STATUS data items (RFC 3501 §6.3.10, RFC 9051 §6.3.11, RFC 8438, RFC
 * 7162): their names, which field of the STATUS cache answers each, and
 * the untagged STATUS response line.
 *
 * @module
 */
import type { MailboxStatus } from "../format/types.ts";
import { type ImapSession, wireMailboxName } from "./wire_name.ts";

/**
 * A STATUS data item a client may ask for, in upper case. `SIZE` (RFC
 * 8438), `HIGHESTMODSEQ` (RFC 7162) and `DELETED` (RFC 9051) are parsed
 * and sent once the STATUS cache holds them (see {@linkcode statusValue}).
 *
 * @example The items of RFC 5819's example
 * ```ts
 * import type { StatusItem } from "./status_items.ts";
 * const items: StatusItem[] = ["MESSAGES", "UNSEEN"];
 * console.log(items.join(" ")); // MESSAGES UNSEEN
 * ```
 */
export type StatusItem =
  | "MESSAGES"
  | "UNSEEN"
  | "RECENT"
  | "UIDNEXT"
  | "UIDVALIDITY"
  | "SIZE"
  | "HIGHESTMODSEQ"
  | "DELETED";

/**
 * The field of the STATUS cache ({@linkcode MailboxStatus}) that answers
 * each item. `SIZE`, `HIGHESTMODSEQ` and `DELETED` name fields the cache
 * does not have yet: until it does, those items are left out of every line.
 */
const FIELDS: Readonly<Record<StatusItem, string>> = {
  MESSAGES: "messages",
  UNSEEN: "unseen",
  RECENT: "recent",
  UIDNEXT: "uidNext",
  UIDVALIDITY: "uidValidity",
  SIZE: "size",
  HIGHESTMODSEQ: "highestModSeq",
  DELETED: "deleted",
};

/**
 * Every STATUS item, in the order of {@linkcode StatusItem}.
 *
 * @example Is it a STATUS item?
 * ```ts
 * import { STATUS_ITEMS } from "./status_items.ts";
 * console.log(STATUS_ITEMS.includes("UIDNEXT"), STATUS_ITEMS.length); // true 8
 * ```
 */
export const STATUS_ITEMS: readonly StatusItem[] = Object.keys(FIELDS) as StatusItem[];

/**
 * The items sent when STATUS is asked for without naming items (the
 * `status: true` shorthand of the LIST options): what the cache has always
 * held. An IMAP4rev2 session never gets `RECENT`.
 *
 * @example The default items
 * ```ts
 * import { DEFAULT_STATUS_ITEMS } from "./status_items.ts";
 * console.log(DEFAULT_STATUS_ITEMS.join(" ")); // MESSAGES UNSEEN RECENT UIDNEXT UIDVALIDITY
 * ```
 */
export const DEFAULT_STATUS_ITEMS: readonly StatusItem[] = ["MESSAGES", "UNSEEN", "RECENT", "UIDNEXT", "UIDVALIDITY"];

/**
 * The value of one STATUS item from the cache, or undefined when the cache
 * cannot answer it: `UIDNEXT` and `UIDVALIDITY` of 0 (unknown), an item
 * whose field the figures do not have (`SIZE`, `HIGHESTMODSEQ`, `DELETED`
 * until the cache holds them), and `RECENT` in an IMAP4rev2 session (RFC
 * 9051 has no such item).
 *
 * @param status The cached figures of one mailbox.
 * @param item The item.
 * @param session The session the answer goes to.
 * @returns The value (a number, or a bigint for 64-bit figures), or undefined.
 *
 * @example Known and unknown values
 * ```ts
 * import { statusValue } from "./status_items.ts";
 * const s = { messages: 3, unseen: 1, recent: 1, uidNext: 0, uidValidity: 9 };
 * console.log(statusValue(s, "MESSAGES"), statusValue(s, "UIDNEXT"), statusValue(s, "SIZE")); // 3 undefined undefined
 * console.log(statusValue(s, "RECENT", { rev2: true })); // undefined
 * ```
 */
export function statusValue(
  status: MailboxStatus,
  item: StatusItem,
  session: ImapSession = {},
): number | bigint | undefined {
  if (item === "RECENT" && session.rev2 === true) return undefined;
  const value = (status as unknown as Record<string, unknown>)[FIELDS[item]];
  if (typeof value === "bigint") return value;
  if (typeof value !== "number" || !Number.isFinite(value)) return undefined;
  if (value === 0 && (item === "UIDNEXT" || item === "UIDVALIDITY")) return undefined;
  return value;
}

/**
 * The untagged STATUS response for one mailbox, ending in CRLF: exactly the
 * items asked for that the cache can answer ({@linkcode statusValue}), in
 * the order asked, each once. No figures at all (a mailbox without a
 * cached STATUS) gives an empty list, which the grammar allows.
 *
 * @param name The mailbox name in Unicode (sent as {@linkcode wireMailboxName} gives it).
 * @param status Its cached figures, or undefined when there are none.
 * @param items The items asked for.
 * @param session The session the line goes to.
 * @returns The response line.
 *
 * @example STATUS blurdybloop (UIDNEXT MESSAGES)
 * ```ts
 * import { formatStatusLine } from "./status_items.ts";
 * const s = { messages: 231, unseen: 0, recent: 0, uidNext: 44292, uidValidity: 1 };
 * console.log(JSON.stringify(formatStatusLine("blurdybloop", s, ["UIDNEXT", "MESSAGES"])));
 * // "* STATUS \"blurdybloop\" (UIDNEXT 44292 MESSAGES 231)\r\n"
 * ```
 */
export function formatStatusLine(
  name: string,
  status: MailboxStatus | undefined,
  items: readonly StatusItem[],
  session: ImapSession = {},
): string {
  let list = "";
  if (status !== undefined) {
    for (let i = 0; i < items.length; i++) {
      const item = items[i];
      if (items.indexOf(item) !== i) continue;
      const value = statusValue(status, item, session);
      if (value === undefined) continue;
      list += `${list === "" ? "" : " "}${item} ${value}`;
    }
  }
  return `* STATUS ${wireMailboxName(name, session)} (${list})\r\n`;
}

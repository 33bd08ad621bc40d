/**
 * Telling a client in the selected state what changed in its mailbox
 * (RFC 9051 §7.4): the count from the STATUS cache, as EXISTS when it grew
 * and as EXPUNGE responses when it shrank. The server gives no access to
 * messages, so an EXPUNGE names the last sequence numbers; the client's
 * count of messages is right either way. RECENT (IMAP4rev1 only) follows
 * the cache's figure.
 *
 * @module
 */
import type { MailboxStatus } from "../../../mod.ts";
import { currentStatus } from "../changes.ts";
import type { SelectedMailbox, Session } from "../session.ts";

/**
 * The untagged responses that take a client from the figures it has seen to
 * new ones, and the figures it has then seen.
 *
 * @param seen What the client has seen.
 * @param now The figures now.
 * @param rev2 The session speaks IMAP4rev2 (no RECENT).
 * @returns The response lines, each ending in CRLF.
 *
 * @example
 * ```ts
 * import { updateLines } from "./updates.ts";
 * const s = { messages: 3, unseen: 0, recent: 0, uidNext: 4, uidValidity: 7 };
 * console.log(JSON.stringify(updateLines(s, { ...s, messages: 1 }, true))); // "* 3 EXPUNGE\r\n* 2 EXPUNGE\r\n"
 * console.log(JSON.stringify(updateLines(s, { ...s, messages: 5, recent: 2 }, false))); // "* 5 EXISTS\r\n* 2 RECENT\r\n"
 * ```
 */
export function updateLines(seen: MailboxStatus | undefined, now: MailboxStatus | undefined, rev2: boolean): string {
  if (now === undefined) return "";
  const before = seen?.messages ?? 0;
  let out = "";
  for (let n = before; n > now.messages; n--) out += `* ${n} EXPUNGE\r\n`;
  if (now.messages > before) out += `* ${now.messages} EXISTS\r\n`;
  if (!rev2 && now.recent !== (seen?.recent ?? 0)) out += `* ${now.recent} RECENT\r\n`;
  return out;
}

/**
 * Send the changes of the selected mailbox, if any, and remember them as seen.
 *
 * @param session The session.
 * @param selected Its selected mailbox.
 * @param now The figures now (default: read from the index).
 * @returns Nothing.
 */
export async function sendUpdates(session: Session, selected: SelectedMailbox, now?: MailboxStatus): Promise<void> {
  now ??= currentStatus(session.lease!.store.index, selected.name);
  if (now === undefined) return;
  const lines = updateLines(selected.status, now, session.imap.rev2 === true);
  selected.status = now;
  await session.out.write(lines);
}

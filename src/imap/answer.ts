/**
 * From a command as the client sent it to the untagged response lines: a
 * server hands the arguments of LIST, LSUB or STATUS and the session over,
 * and writes the lines it gets back, then its tagged OK (or BAD for an
 * {@linkcode ImapSyntaxError}, NO for a {@linkcode MailboxUnavailableError}).
 * It writes no IMAP grammar itself.
 *
 * @module
 */
import { MailboxFlags } from "../format/constants.ts";
import { parseListArguments, parseStatusArguments } from "./command_args.ts";
import { MailboxUnavailableError } from "./errors.ts";
import type { ListSource } from "./list.ts";
import { listCommand, listResponseLines } from "./list_command.ts";
import { MailboxFinder } from "./mailbox_finder.ts";
import { inboxLength, listedName } from "./pattern.ts";
import { formatStatusLine } from "./status_items.ts";
import type { ImapSession } from "./wire_name.ts";

/**
 * Answer a LIST or LSUB command: parse its arguments
 * ({@linkcode parseListArguments}), list ({@linkcode listCommand}) and
 * format ({@linkcode listResponseLines}).
 *
 * @param source The mailbox hierarchy (e.g. a {@linkcode MailboxListIndex}).
 * @param command `LIST` or `LSUB`.
 * @param args What follows the command word and its space, literals inline
 *   (`{N}\r\n` and N bytes); one CRLF at the end is allowed.
 * @param session The session the command came from and the answer goes to.
 * @returns The untagged response lines, each ending in CRLF.
 * @throws {ImapSyntaxError} For arguments the grammar does not allow (answer BAD).
 *
 * @example LIST (SPECIAL-USE) "" "*" over a hand-made source
 * ```ts
 * import { answerListCommand } from "./answer.ts";
 * const all = [
 *   { name: "INBOX", uid: 1, hasChildren: false, flags: 0 },
 *   { name: "Gesendet", uid: 2, hasChildren: false, flags: 0x2000 },
 * ];
 * const source = { separator: "/", iterate: () => all };
 * console.log(answerListCommand(source, "LIST", '(SPECIAL-USE) "" "*"').join(""));
 * // * LIST (\Sent) "/" "Gesendet"
 * ```
 */
export function answerListCommand(
  source: ListSource,
  command: "LIST" | "LSUB",
  args: string,
  session: ImapSession = {},
): string[] {
  const { patterns, options } = parseListArguments(command, args, session);
  return listResponseLines(listCommand(source, patterns, options), source.separator, options);
}

/**
 * Answer a STATUS command from the cache: parse its arguments
 * ({@linkcode parseStatusArguments}), find the mailbox (INBOX in any case)
 * and format its STATUS response with exactly the items asked for that the
 * cache can answer ({@linkcode formatStatusLine}); a mailbox without cached
 * figures gets an empty item list.
 *
 * @param source The mailbox hierarchy (e.g. a {@linkcode MailboxListIndex}).
 * @param args What follows the command word and its space, literals inline.
 * @param session The session the command came from and the answer goes to.
 * @returns The untagged STATUS response, ending in CRLF.
 * @throws {ImapSyntaxError} For arguments the grammar does not allow (answer BAD).
 * @throws {MailboxUnavailableError} For a mailbox that does not exist
 *   (`NONEXISTENT`, also a NONEXISTENT parent) or cannot be selected
 *   (`CANNOT`) (answer NO).
 *
 * @example STATUS in an IMAP4rev1 and an IMAP4rev2 session
 * ```ts
 * import { answerStatusCommand } from "./answer.ts";
 * const source = {
 *   separator: "/",
 *   iterate: () => [{ name: "Entwürfe", uid: 1, hasChildren: false, flags: 0 }],
 *   status: () => ({ messages: 3, unseen: 1, recent: 1, uidNext: 4, uidValidity: 7 }),
 * };
 * console.log(answerStatusCommand(source, '"Entw&APw-rfe" (RECENT MESSAGES)')); // * STATUS "Entw&APw-rfe" (RECENT 1 MESSAGES 3)
 * console.log(answerStatusCommand(source, '"Entwürfe" (RECENT MESSAGES)', { rev2: true })); // * STATUS "Entwürfe" (MESSAGES 3)
 * ```
 */
export function answerStatusCommand(source: ListSource, args: string, session: ImapSession = {}): string {
  const { mailbox, items } = parseStatusArguments(args, session);
  const found = new MailboxFinder(source).find(mailbox);
  if (found === undefined || (found.flags & MailboxFlags.NonExistent) !== 0) {
    throw new MailboxUnavailableError(mailbox, "NONEXISTENT");
  }
  if ((found.flags & MailboxFlags.NoSelect) !== 0) throw new MailboxUnavailableError(mailbox, "CANNOT");
  const sepCode = source.separator.length > 0 ? source.separator.charCodeAt(0) : -1;
  return formatStatusLine(listedName(mailbox, inboxLength(mailbox, sepCode)), source.status?.(found.name), items, session);
}

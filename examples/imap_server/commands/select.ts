/**
 * Selecting a mailbox (RFC 9051 §6.3.2, §6.3.3, §6.4.1, §6.4.2): SELECT
 * and EXAMINE answer FLAGS, EXISTS, (IMAP4rev1) RECENT, UIDVALIDITY and
 * UIDNEXT from the index's STATUS cache, and (IMAP4rev2) the mailbox's
 * LIST response. The server gives no access to messages, so both select
 * read-only (`[READ-ONLY]`, no permanent flags). CLOSE and UNSELECT return
 * to the authenticated state; CHECK reports changes like NOOP.
 *
 * A mailbox without cached figures shows 0 messages, UIDNEXT 1, and the
 * index's UIDVALIDITY.
 *
 * @module
 */
import { formatListResponse, MailboxFlags, type MailboxStatus } from "../../../mod.ts";
import { currentStatus } from "../changes.ts";
import type { Command, CommandHandler, Session } from "../session.ts";
import { SEPARATOR } from "../store.ts";
import { noArguments, onlyMailbox } from "./args.ts";
import { sendUpdates } from "./updates.ts";

const FLAGS = "\\Answered \\Flagged \\Deleted \\Seen \\Draft";

async function select(session: Session, cmd: Command): Promise<void> {
  const name = onlyMailbox(cmd, session.imap);
  if (session.selected !== undefined) {
    // Selecting closes the mailbox selected before, even when this SELECT fails.
    session.selected = undefined;
    session.state = "authenticated";
    await session.untagged("OK [CLOSED] Previous mailbox closed");
  }
  const index = session.lease!.store.index;
  const flags = index.flags(name);
  if (flags === undefined || (flags & MailboxFlags.NonExistent) !== 0) {
    return session.tagged(cmd.tag, "NO", `Mailbox ${JSON.stringify(name)} does not exist`, "NONEXISTENT");
  }
  if ((flags & MailboxFlags.NoSelect) !== 0) {
    return session.tagged(cmd.tag, "NO", `Mailbox ${JSON.stringify(name)} cannot be selected`, "CANNOT");
  }
  const cached = currentStatus(index, name);
  const status: MailboxStatus = {
    messages: cached?.messages ?? 0,
    unseen: cached?.unseen ?? 0,
    recent: cached?.recent ?? 0,
    uidNext: cached?.uidNext || 1,
    uidValidity: cached?.uidValidity || index.header.uidValidity,
  };
  const rev2 = session.imap.rev2 === true;
  let out = `* FLAGS (${FLAGS})\r\n* OK [PERMANENTFLAGS ()] No permanent flags permitted\r\n`;
  out += `* ${status.messages} EXISTS\r\n`;
  if (!rev2) out += `* ${status.recent} RECENT\r\n`;
  out += `* OK [UIDVALIDITY ${status.uidValidity}] UIDs valid\r\n* OK [UIDNEXT ${status.uidNext}] Predicted next UID\r\n`;
  if (rev2) out += formatListResponse({ name, attributes: [], uid: 0, flags: 0 }, SEPARATOR, session.imap);
  await session.out.write(out);
  session.selected = { name, status };
  session.state = "selected";
  await session.tagged(cmd.tag, "OK", `${cmd.name} completed`, "READ-ONLY");
}

/** SELECT mailbox. */
export const selectCommand: CommandHandler = { states: ["authenticated", "selected"], run: select };

/** EXAMINE mailbox. */
export const examine: CommandHandler = { states: ["authenticated", "selected"], run: select };

/** CLOSE and UNSELECT: nothing to expunge (read-only), back to the authenticated state. */
export const close: CommandHandler = {
  states: ["selected"],
  async run(session, cmd) {
    noArguments(cmd);
    session.selected = undefined;
    session.state = "authenticated";
    await session.tagged(cmd.tag, "OK", `${cmd.name} completed`);
  },
};

/** CHECK (IMAP4rev1): the changes of the selected mailbox, like NOOP. */
export const check: CommandHandler = {
  states: ["selected"],
  async run(session, cmd) {
    noArguments(cmd);
    await sendUpdates(session, session.selected!);
    await session.tagged(cmd.tag, "OK", "CHECK completed");
  },
};

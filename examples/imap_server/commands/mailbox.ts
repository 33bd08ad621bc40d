/**
 * CREATE and DELETE (RFC 9051 §6.3.4, §6.3.5): the Maildir++ folder on
 * disk and the index change together (`store.ts`). Deleting the selected
 * mailbox closes it first (`* OK [CLOSED]`).
 *
 * @module
 */
import type { CommandHandler } from "../session.ts";
import { onlyMailbox } from "./args.ts";

/** CREATE mailbox. */
export const create: CommandHandler = {
  states: ["authenticated", "selected"],
  async run(session, cmd) {
    const name = onlyMailbox(cmd, session.imap);
    await session.lease!.store.create(name);
    await session.tagged(cmd.tag, "OK", "CREATE completed");
  },
};

/** DELETE mailbox. */
export const deleteCommand: CommandHandler = {
  states: ["authenticated", "selected"],
  async run(session, cmd) {
    const name = onlyMailbox(cmd, session.imap);
    await session.lease!.store.delete(name);
    if (session.selected?.name === name) {
      session.selected = undefined;
      session.state = "authenticated";
      await session.untagged("OK [CLOSED] The selected mailbox was deleted");
    }
    await session.tagged(cmd.tag, "OK", "DELETE completed");
  },
};

/**
 * SUBSCRIBE and UNSUBSCRIBE (RFC 9051 §6.3.7, §6.3.8): the name need not
 * exist; the store's `subscriptions` file and the index change together
 * (`store.ts`).
 *
 * @module
 */
import type { CommandHandler, Session, Command } from "../session.ts";
import { onlyMailbox } from "./args.ts";

async function setSubscribed(session: Session, cmd: Command, subscribed: boolean): Promise<void> {
  const name = onlyMailbox(cmd, session.imap);
  await session.lease!.store.setSubscribed(name, subscribed);
  await session.tagged(cmd.tag, "OK", `${cmd.name} completed`);
}

/** SUBSCRIBE mailbox. */
export const subscribe: CommandHandler = {
  states: ["authenticated", "selected"],
  run: (session, cmd) => setSubscribed(session, cmd, true),
};

/** UNSUBSCRIBE mailbox. */
export const unsubscribe: CommandHandler = {
  states: ["authenticated", "selected"],
  run: (session, cmd) => setSubscribed(session, cmd, false),
};

/**
 * The commands that work on messages. This server serves the mailbox list
 * only: they are answered `NO [CANNOT]` in the states where IMAP allows
 * them, and the connection goes on.
 *
 * @module
 */
import type { CommandHandler } from "../session.ts";

/** A command on messages: refused. */
export const noMessageAccess: CommandHandler = {
  states: ["selected"],
  async run(session, cmd) {
    await session.tagged(cmd.tag, "NO", `${cmd.name} is not available: this server gives no access to messages`, "CANNOT");
  },
};

/** APPEND (allowed in the authenticated state too): refused. */
export const append: CommandHandler = { ...noMessageAccess, states: ["authenticated", "selected"] };

/** The names of the commands on messages other than APPEND (RFC 9051, RFC 3501). */
export const MESSAGE_COMMANDS = ["FETCH", "STORE", "SEARCH", "COPY", "MOVE", "EXPUNGE", "UID"];

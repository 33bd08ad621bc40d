/**
 * RENAME (RFC 9051 §6.3.6). The index cannot move a mailbox and its
 * subtree yet (SPEC §11 describes the `rename` a sync will have): until it
 * can, RENAME reads its arguments like any command (BAD for bad ones) and
 * answers `NO [CANNOT]`. Once `SyncContext.rename` exists, this file renames
 * the Maildir++ folders and calls it, and nothing else changes.
 *
 * @module
 */
import type { CommandHandler } from "../session.ts";
import { argsOf, readMailbox } from "./args.ts";

/** RENAME from to. */
export const rename: CommandHandler = {
  states: ["authenticated", "selected"],
  async run(session, cmd) {
    const r = argsOf(cmd);
    readMailbox(r, session.imap);
    r.space();
    readMailbox(r, session.imap);
    r.end();
    await session.tagged(cmd.tag, "NO", "RENAME is not supported by this index yet", "CANNOT");
  },
};

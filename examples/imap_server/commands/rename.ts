/**
 * RENAME (RFC 9051 §6.3.6): a mailbox and its whole subtree get a new
 * name, on disk and in the index (`UserStore.rename`). The index's rename
 * (`SyncContext.rename`, SPEC §11) is what makes it possible: on a library
 * without it, RENAME reads its arguments like any command (BAD for bad
 * ones) and answers `NO [CANNOT] RENAME is not supported by this index
 * yet`. Renaming the selected mailbox keeps it selected under its new name.
 *
 * @module
 */
import type { CommandHandler } from "../session.ts";
import { SEPARATOR } from "../store.ts";
import { argsOf, readMailbox } from "./args.ts";

/** RENAME from to. */
export const rename: CommandHandler = {
  states: ["authenticated", "selected"],
  async run(session, cmd) {
    const r = argsOf(cmd);
    const from = readMailbox(r, session.imap);
    r.space();
    const to = readMailbox(r, session.imap);
    r.end();
    await session.lease!.store.rename(from, to);
    const selected = session.selected;
    if (selected !== undefined && (selected.name === from || selected.name.startsWith(from + SEPARATOR))) {
      selected.name = to.replace(/\/$/, "") + selected.name.slice(from.length);
    }
    await session.tagged(cmd.tag, "OK", "RENAME completed");
  },
};

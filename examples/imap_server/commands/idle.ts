/**
 * IDLE (RFC 2177, RFC 9051 §6.3.13): a continuation request `+ idling`,
 * then, until the client sends DONE, the changes of the selected mailbox
 * as they come (`changes.ts` finds them; `updates.ts` words them). Any
 * other line than DONE ends the IDLE with BAD. In the authenticated state
 * IDLE just waits for DONE.
 *
 * @module
 */
import { watchMailbox } from "../changes.ts";
import type { CommandHandler } from "../session.ts";
import { noArguments } from "./args.ts";
import { updateLines } from "./updates.ts";

/** IDLE. */
export const idle: CommandHandler = {
  states: ["authenticated", "selected"],
  async run(session, cmd) {
    noArguments(cmd);
    await session.out.write("+ idling\r\n");
    const selected = session.selected;
    const watch = selected === undefined ? undefined : watchMailbox(
      session.lease!.store.index,
      selected.name,
      selected.status,
      (now) => {
        const lines = updateLines(selected.status, now, session.imap.rev2 === true);
        if (now !== undefined) selected.status = now;
        void session.out.write(lines);
      },
      session.config.pollMs,
    );
    let line;
    try {
      line = await session.readLine();
    } finally {
      watch?.stop();
    }
    if (line.kind === "closed") return;
    if (line.kind === "line" && line.text.toUpperCase() === "DONE") {
      return session.tagged(cmd.tag, "OK", "IDLE terminated");
    }
    await session.tagged(cmd.tag, "BAD", line.kind === "refused" ? line.reason : "Expected DONE to end IDLE");
  },
};

/**
 * The mailbox list, answered by the library: LIST (with LIST-EXTENDED,
 * LIST-STATUS and SPECIAL-USE), LSUB and STATUS. A LIST's lines may be
 * megabytes: they are written in chunks, with backpressure
 * (`ResponseWriter.writeLarge`), and a large index is listed on a worker
 * thread that streams its answer in chunks the socket's backpressure paces
 * (`list_runner.ts`).
 *
 * @module
 */
import { answerStatusCommand } from "../../../mod.ts";
import type { Command, CommandHandler, Session } from "../session.ts";

/** Answer LIST or LSUB. */
async function list(session: Session, cmd: Command, command: "LIST" | "LSUB"): Promise<void> {
  const out = session.out;
  const refusal = await session.config.lists.answer(session.lease!.store.index, command, cmd.args, session.imap, {
    text: (lines) => out.writeLarge(lines),
    bytes: (chunk) => out.write(chunk),
  });
  if (refusal === undefined) await session.tagged(cmd.tag, "OK", `${command} completed`);
  else await session.tagged(cmd.tag, refusal.status, refusal.message, refusal.code);
}

/** LIST. */
export const listCommand: CommandHandler = {
  states: ["authenticated", "selected"],
  run: (session, cmd) => list(session, cmd, "LIST"),
};

/** LSUB. */
export const lsubCommand: CommandHandler = {
  states: ["authenticated", "selected"],
  run: (session, cmd) => list(session, cmd, "LSUB"),
};

/** STATUS, from the index's STATUS cache. */
export const statusCommand: CommandHandler = {
  states: ["authenticated", "selected"],
  async run(session, cmd) {
    const line = answerStatusCommand(session.lease!.store.index, cmd.args, session.imap);
    await session.out.write(line);
    await session.tagged(cmd.tag, "OK", "STATUS completed");
  },
};

/**
 * The commands of any state (RFC 9051 §6.1): CAPABILITY, NOOP (which also
 * reports changes to a selected mailbox), LOGOUT, and ID (RFC 2971).
 *
 * @module
 */
import type { CommandHandler, SessionState } from "../session.ts";
import { argsOf, noArguments } from "./args.ts";
import { sendUpdates } from "./updates.ts";

const ANY: readonly SessionState[] = ["not-authenticated", "authenticated", "selected"];

/** CAPABILITY: the capabilities of the current state. */
export const capability: CommandHandler = {
  states: ANY,
  async run(session, cmd) {
    noArguments(cmd);
    await session.untagged(`CAPABILITY ${session.capabilities().join(" ")}`);
    await session.tagged(cmd.tag, "OK", "CAPABILITY completed");
  },
};

/** NOOP: nothing, but the changes of the selected mailbox. */
export const noop: CommandHandler = {
  states: ANY,
  async run(session, cmd) {
    noArguments(cmd);
    if (session.selected !== undefined) await sendUpdates(session, session.selected);
    await session.tagged(cmd.tag, "OK", "NOOP completed");
  },
};

/** LOGOUT: BYE, OK, and the connection closes. */
export const logout: CommandHandler = {
  states: ANY,
  async run(session, cmd) {
    noArguments(cmd);
    await session.untagged("BYE Logging out");
    await session.tagged(cmd.tag, "OK", "LOGOUT completed");
    session.state = "logout";
  },
};

/** At most this many field-value pairs in an ID command (RFC 2971 §3.3). */
const MAX_ID_PAIRS = 30;

/** ID: the client's list is read (NIL or pairs of strings) and the server names itself. */
export const id: CommandHandler = {
  states: ANY,
  async run(session, cmd) {
    const r = argsOf(cmd);
    if (r.peek() === 0x28) {
      r.expect("(");
      let pairs = 0;
      while (r.peek() !== 0x29) {
        if (pairs > 0) r.space();
        r.astring();
        r.space();
        r.astring(); // a string, or NIL
        if (++pairs > MAX_ID_PAIRS) throw r.fail(`more than ${MAX_ID_PAIRS} field-value pairs`);
      }
      r.expect(")");
    } else if (r.atom("NIL or a list").value.toUpperCase() !== "NIL") {
      throw r.fail("expected NIL or a parenthesised list", 0);
    }
    r.end();
    await session.untagged('ID ("name" "mailbox-list-index imap_server" "vendor" "mailbox-list-index")');
    await session.tagged(cmd.tag, "OK", "ID completed");
  },
};

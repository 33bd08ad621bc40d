/**
 * ENABLE (RFC 5161) and NAMESPACE (RFC 2342). ENABLE turns on
 * `UTF8=ACCEPT` (RFC 6855: mailbox names in UTF-8) and `IMAP4rev2` (RFC
 * 9051); other extensions are ignored, as RFC 5161 asks.
 *
 * @module
 */
import type { CommandHandler } from "../session.ts";
import { SEPARATOR } from "../store.ts";
import { argsOf, noArguments } from "./args.ts";

/** ENABLE capability... */
export const enable: CommandHandler = {
  states: ["authenticated"],
  async run(session, cmd) {
    const r = argsOf(cmd);
    const asked: string[] = [];
    do {
      if (asked.length > 0) r.space();
      asked.push(r.atom("a capability").value.toUpperCase());
    } while (!r.atEnd());
    const enabled: string[] = [];
    for (const cap of asked) {
      if (cap === "UTF8=ACCEPT" && session.imap.utf8 !== true) {
        session.imap.utf8 = true;
        enabled.push("UTF8=ACCEPT");
      } else if (cap === "IMAP4REV2" && session.imap.rev2 !== true) {
        session.imap.rev2 = true;
        enabled.push("IMAP4rev2");
      }
    }
    await session.untagged(enabled.length > 0 ? `ENABLED ${enabled.join(" ")}` : "ENABLED");
    await session.tagged(cmd.tag, "OK", "ENABLE completed");
  },
};

/** NAMESPACE: one personal namespace, "" with "/". */
export const namespace: CommandHandler = {
  states: ["authenticated", "selected"],
  async run(session, cmd) {
    noArguments(cmd);
    await session.untagged(`NAMESPACE (("" "${SEPARATOR}")) NIL NIL`);
    await session.tagged(cmd.tag, "OK", "NAMESPACE completed");
  },
};

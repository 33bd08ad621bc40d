/**
 * Reading the arguments of the commands the library's LIST layer does not
 * parse, with its own argument reader (`ArgReader`: atoms, quoted strings,
 * literals), so that the IMAP grammar is written once.
 *
 * @module
 */
import { ArgReader, decodeMailboxName, type ImapSession, Utf7Error } from "../../../mod.ts";
import { canonicalName } from "../store.ts";
import type { Command } from "../session.ts";

/**
 * A reader over a command's arguments.
 *
 * @param cmd The command.
 * @returns The reader.
 */
export function argsOf(cmd: Command): ArgReader {
  return new ArgReader(cmd.name, cmd.args);
}

/**
 * Require a command to have no arguments.
 *
 * @param cmd The command.
 * @returns Nothing.
 * @throws {ImapSyntaxError} When it has some.
 */
export function noArguments(cmd: Command): void {
  argsOf(cmd).end();
}

/**
 * Read a mailbox name (an astring) and decode it as the session sends
 * names: modified UTF-7 in IMAP4rev1, UTF-8 with UTF8=ACCEPT or IMAP4rev2;
 * a first level INBOX in any case is "INBOX".
 *
 * @param r The reader.
 * @param session The session.
 * @returns The name in Unicode.
 * @throws {ImapSyntaxError} For a missing name, or one that is not valid modified UTF-7.
 *
 * @example
 * ```ts
 * import { ArgReader } from "../../../mod.ts";
 * import { readMailbox } from "./args.ts";
 * console.log(readMailbox(new ArgReader("CREATE", "Entw&APw-rfe"), {}), readMailbox(new ArgReader("CREATE", '"inbox/x"'), {})); // Entwürfe INBOX/x
 * ```
 */
export function readMailbox(r: ArgReader, session: ImapSession): string {
  const s = r.astring();
  try {
    return canonicalName(decodeMailboxName(s.value, session));
  } catch (e) {
    if (e instanceof Utf7Error) throw r.fail(`a mailbox name that is not valid modified UTF-7 (${e.message})`, s.at, e);
    throw e;
  }
}

/**
 * Read the one mailbox name that is a command's whole argument.
 *
 * @param cmd The command.
 * @param session The session.
 * @returns The name in Unicode.
 * @throws {ImapSyntaxError} For anything but one mailbox name.
 */
export function onlyMailbox(cmd: Command, session: ImapSession): string {
  const r = argsOf(cmd);
  const name = readMailbox(r, session);
  r.end();
  return name;
}

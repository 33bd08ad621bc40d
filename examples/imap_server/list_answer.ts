/**
 * A LIST or LSUB command answered by the library, as the text to send or
 * the tagged BAD / NO to send instead: what both the server's thread and a
 * list worker run.
 *
 * @module
 */
import {
  answerListCommand,
  ImapSyntaxError,
  type ImapSession,
  InvalidNameError,
  type ListSource,
  MailboxUnavailableError,
} from "../../mod.ts";

/** The answer to a LIST or LSUB: the untagged lines, or a refusal. */
export type ListAnswer =
  | { lines: string }
  | { status: "BAD" | "NO"; code?: string; message: string };

/**
 * The refusal an error of the library's command layer stands for, or
 * undefined for any other error (a fault of the server).
 *
 * @param e The error.
 * @returns BAD for arguments the grammar does not allow (`ImapSyntaxError`,
 *   and the `RangeError` of option combinations RFC 5258 makes BAD); NO for
 *   a mailbox that cannot be used and a name the index cannot hold.
 *
 * @example
 * ```ts
 * import { refusalOf } from "./list_answer.ts";
 * console.log(refusalOf(new RangeError("The LIST selection option RECURSIVEMATCH needs SUBSCRIBED"))?.status); // BAD
 * ```
 */
export function refusalOf(e: unknown): { status: "BAD" | "NO"; code?: string; message: string } | undefined {
  if (e instanceof ImapSyntaxError || e instanceof RangeError) return { status: "BAD", message: e.message };
  if (e instanceof MailboxUnavailableError) return { status: "NO", code: e.responseCode, message: e.message };
  if (e instanceof InvalidNameError) return { status: "NO", code: "CANNOT", message: e.message };
  return undefined;
}

/**
 * Answer a LIST or LSUB command with the library
 * ({@linkcode answerListCommand}).
 *
 * @param source The user's index.
 * @param command `LIST` or `LSUB`.
 * @param args The arguments as the client sent them, literals inline.
 * @param session The session's names (UTF8=ACCEPT, IMAP4rev2).
 * @returns The lines, or the refusal.
 * @throws Whatever is not a refusal (see {@linkcode refusalOf}).
 */
export function answerList(source: ListSource, command: "LIST" | "LSUB", args: string, session: ImapSession): ListAnswer {
  try {
    return { lines: answerListCommand(source, command, args, session).join("") };
  } catch (e) {
    const refusal = refusalOf(e);
    if (refusal === undefined) throw e;
    return refusal;
  }
}

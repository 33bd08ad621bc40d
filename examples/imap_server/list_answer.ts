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

/** The tagged BAD or NO to send instead of an answer. */
export type ListRefusal = { status: "BAD" | "NO"; code?: string; message: string };

/** The answer to a LIST or LSUB: the untagged lines, or a refusal. */
export type ListAnswer = { lines: string } | ListRefusal;

/** Bytes per chunk of an answer streamed from a list worker (at least; a chunk ends at a line end). */
export const CHUNK_BYTES = 64 * 1024;

/** Chunks of one answer a list worker may have sent and not yet seen written (acknowledged). */
export const WINDOW = 16;

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
export function refusalOf(e: unknown): ListRefusal | undefined {
  if (e instanceof ImapSyntaxError || e instanceof RangeError) return { status: "BAD", message: e.message };
  if (e instanceof MailboxUnavailableError) return { status: "NO", code: e.responseCode, message: e.message };
  if (e instanceof InvalidNameError) return { status: "NO", code: "CANNOT", message: e.message };
  return undefined;
}

/**
 * Answer a LIST or LSUB command with the library
 * ({@linkcode answerListCommand}), as its list of lines.
 *
 * @param source The user's index.
 * @param command `LIST` or `LSUB`.
 * @param args The arguments as the client sent them, literals inline.
 * @param session The session's names (UTF8=ACCEPT, IMAP4rev2).
 * @returns The lines, each ending in CRLF, or the refusal.
 * @throws Whatever is not a refusal (see {@linkcode refusalOf}).
 */
export function answerListLines(source: ListSource, command: "LIST" | "LSUB", args: string, session: ImapSession): { lines: string[] } | ListRefusal {
  try {
    return { lines: answerListCommand(source, command, args, session) };
  } catch (e) {
    const refusal = refusalOf(e);
    if (refusal === undefined) throw e;
    return refusal;
  }
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
  const answer = answerListLines(source, command, args, session);
  return "lines" in answer ? { lines: answer.lines.join("") } : answer;
}

/**
 * Response lines as UTF-8 chunks of at least `size` bytes (the last one
 * may be shorter), each ending at a line end: their concatenation is the
 * UTF-8 encoding of `lines.join("")`. Nothing for no lines.
 *
 * @param lines Response lines, each ending in CRLF.
 * @param size Bytes per chunk, at least.
 * @returns The chunks, made one at a time.
 *
 * @example
 * ```ts
 * import { utf8Chunks } from "./list_answer.ts";
 * console.log([...utf8Chunks(["* LIST () \"/\" a\r\n", "* LIST () \"/\" b\r\n"], 1)].map((c) => c.length)); // [17, 17]
 * ```
 */
export function* utf8Chunks(lines: readonly string[], size: number = CHUNK_BYTES): Generator<Uint8Array> {
  const encoder = new TextEncoder();
  let at = 0;
  while (at < lines.length) {
    // Lines are mostly ASCII: gather about `size` characters, then encode them at once.
    let end = at;
    let chars = 0;
    while (end < lines.length && chars < size) chars += lines[end++].length;
    yield encoder.encode(lines.slice(at, end).join(""));
    at = end;
  }
}

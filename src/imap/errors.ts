/**
 * Errors of the IMAP command layer: a command whose arguments break the
 * grammar (the server answers BAD), and a mailbox a command cannot use (the
 * server answers NO).
 *
 * @module
 */

/**
 * Arguments of an IMAP command that break its grammar (RFC 3501 §9, RFC
 * 9051 §9, RFC 5258 §6, RFC 5819 §4): a server answers `BAD` with the
 * message. Names a client sent that are not valid modified UTF-7 in an
 * IMAP4rev1 session are reported this way too, with the `Utf7Error` as
 * the cause.
 *
 * @example An unknown selection option
 * ```ts
 * import { ImapSyntaxError } from "./errors.ts";
 * const e = new ImapSyntaxError("LIST", "(FOO) \"\" *", 1, 'unknown selection option "FOO"');
 * console.log(e.message); // Invalid LIST arguments "(FOO) \"\" *": unknown selection option "FOO" at offset 1
 * ```
 */
export class ImapSyntaxError extends Error {
  /** The command (`LIST`, `LSUB`, `STATUS`). */
  readonly command: string;
  /** The argument text as given. */
  readonly input: string;
  /** Index (in UTF-16 code units) in `input` where the problem is. */
  readonly offset: number;

  /**
   * @param command The command.
   * @param input The argument text.
   * @param offset Where in it the problem is.
   * @param what What is wrong there, a phrase.
   * @param options The cause, if any.
   */
  constructor(command: string, input: string, offset: number, what: string, options?: { cause?: unknown }) {
    const shown = input.length > 200 ? input.slice(0, 200) + "…" : input;
    super(`Invalid ${command} arguments ${JSON.stringify(shown)}: ${what} at offset ${offset}`, options);
    this.name = "ImapSyntaxError";
    this.command = command;
    this.input = input;
    this.offset = offset;
  }
}

/**
 * A mailbox a command cannot use: it does not exist (`NONEXISTENT`, RFC
 * 5530; also a NONEXISTENT parent), or it cannot be selected (`CANNOT`).
 * A server answers `NO [code]` with the message.
 *
 * @example STATUS of a missing mailbox
 * ```ts
 * import { MailboxUnavailableError } from "./errors.ts";
 * const e = new MailboxUnavailableError("Gone", "NONEXISTENT");
 * console.log(`NO [${e.responseCode}] ${e.message}`); // NO [NONEXISTENT] Mailbox "Gone" does not exist
 * ```
 */
export class MailboxUnavailableError extends Error {
  /** The mailbox name (Unicode). */
  readonly mailbox: string;
  /** The response code for the tagged NO. */
  readonly responseCode: "NONEXISTENT" | "CANNOT";

  /**
   * @param mailbox The mailbox name.
   * @param responseCode Why: it does not exist, or cannot be selected.
   */
  constructor(mailbox: string, responseCode: "NONEXISTENT" | "CANNOT") {
    super(
      responseCode === "NONEXISTENT"
        ? `Mailbox ${JSON.stringify(mailbox)} does not exist`
        : `Mailbox ${JSON.stringify(mailbox)} cannot be selected`,
    );
    this.name = "MailboxUnavailableError";
    this.mailbox = mailbox;
    this.responseCode = responseCode;
  }
}

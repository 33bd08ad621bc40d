/**
 * Mailbox names on the wire (SPEC §10): what kind of session a response
 * goes to, how a name is sent to it, and how a name or pattern it sent is
 * read back. An IMAP4rev1 session gets every name in modified UTF-7 (RFC
 * 3501 §5.1.3); a session with `UTF8=ACCEPT` (RFC 6855) or IMAP4rev2 (RFC
 * 9051) gets UTF-8.
 *
 * @module
 */
import { imapQuote } from "./quote.ts";
import { decodeModifiedUtf7, encodeModifiedUtf7 } from "./utf7.ts";

/**
 * What the LIST layer needs to know of the session a response goes to.
 * Both false (the default): an IMAP4rev1 session.
 *
 * @example An IMAP4rev1 session that enabled UTF8=ACCEPT
 * ```ts
 * import type { ImapSession } from "./wire_name.ts";
 * const session: ImapSession = { utf8: true };
 * console.log(session.rev2 === true); // false
 * ```
 */
export interface ImapSession {
  /** `UTF8=ACCEPT` is enabled (RFC 6855): names in UTF-8. */
  utf8?: boolean;
  /**
   * The session speaks IMAP4rev2 (RFC 9051): names in UTF-8, a NONEXISTENT
   * mailbox is `\NonExistent` on any LIST, and STATUS has no `RECENT`.
   */
  rev2?: boolean;
}

/**
 * Whether a session takes mailbox names in UTF-8 (`UTF8=ACCEPT` or
 * IMAP4rev2) rather than in modified UTF-7.
 *
 * @param session The session.
 * @returns True for UTF-8 names.
 *
 * @example The three kinds of session
 * ```ts
 * import { utf8Names } from "./wire_name.ts";
 * console.log(utf8Names({}), utf8Names({ utf8: true }), utf8Names({ rev2: true })); // false true true
 * ```
 */
export function utf8Names(session: ImapSession): boolean {
  return session.utf8 === true || session.rev2 === true;
}

/**
 * A mailbox name (or any string) as a session receives it: modified UTF-7
 * for IMAP4rev1, then a quoted string (a modified UTF-7 form is printable
 * US-ASCII, so it never needs a literal); UTF-8 for `UTF8=ACCEPT` and
 * IMAP4rev2, as a quoted string, or a literal with its exact UTF-8 byte
 * count when the name holds CR or LF.
 *
 * @param name The name in Unicode, as the index stores it.
 * @param session The session it goes to.
 * @returns The IMAP string to send.
 * @throws {Utf7Error} For a name with a lone surrogate (IMAP4rev1).
 * @throws {TypeError} For a name with a NUL character (UTF-8 sessions).
 *
 * @example One name, three sessions
 * ```ts
 * import { wireMailboxName } from "./wire_name.ts";
 * console.log(wireMailboxName("R&D/Café", {}));            // "R&-D/Caf&AOk-"
 * console.log(wireMailboxName("R&D/Café", { utf8: true })); // "R&D/Café"
 * console.log(JSON.stringify(wireMailboxName("a\r\nb", { rev2: true }))); // "{4}\r\na\r\nb"
 * ```
 */
export function wireMailboxName(name: string, session: ImapSession = {}): string {
  return utf8Names(session) ? imapQuote(name, { utf8: true }) : imapQuote(encodeModifiedUtf7(name));
}

/**
 * A mailbox name, reference or pattern a client sent (the string value,
 * after quoting and literals are undone), in Unicode: decoded from modified
 * UTF-7 in an IMAP4rev1 session, as it is in a UTF-8 session. Wildcards
 * are printable US-ASCII and pass through.
 *
 * @param wire The string the client sent.
 * @param session The session it came from.
 * @returns The name in Unicode.
 * @throws {Utf7Error} When an IMAP4rev1 session sent a string that is not
 *   valid modified UTF-7 (raw 8-bit text, a bad or unterminated `&` run).
 *
 * @example A pattern from each kind of session
 * ```ts
 * import { decodeMailboxName } from "./wire_name.ts";
 * console.log(decodeMailboxName("Entw&APw-rfe/%", {}));     // "Entwürfe/%"
 * console.log(decodeMailboxName("A&B", { utf8: true }));    // "A&B"
 * ```
 */
export function decodeMailboxName(wire: string, session: ImapSession = {}): string {
  return utf8Names(session) ? wire : decodeModifiedUtf7(wire);
}

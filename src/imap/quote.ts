/**
 * IMAP string quoting (RFC 3501 §4.3, RFC 9051 §4.3): a mailbox name or a
 * hierarchy separator is sent as a quoted string when it can be one, else
 * as a literal.
 *
 * @module
 */

/** Options of {@linkcode imapQuote}. */
export interface QuoteOptions {
  /**
   * Allow UTF-8 characters inside quoted strings (IMAP4rev2 or a session
   * with `UTF8=ACCEPT` enabled). Default false: any character outside
   * US-ASCII forces a literal, as IMAP4rev1 requires.
   */
  utf8?: boolean;
}

/**
 * Number of bytes of the UTF-8 encoding of a string, without encoding it. A
 * lone surrogate counts as the 3 bytes of U+FFFD, as `TextEncoder` writes it.
 *
 * @param s Any string.
 * @returns Its UTF-8 byte length.
 *
 * @example Byte length of a name
 * ```ts
 * import { utf8Length } from "./quote.ts";
 * console.log(utf8Length("äpfel")); // 6
 * ```
 */
export function utf8Length(s: string): number {
  let n = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c < 0x80) n += 1;
    else if (c < 0x800) n += 2;
    else if (c >= 0xd800 && c <= 0xdbff && i + 1 < s.length) {
      const d = s.charCodeAt(i + 1);
      if (d >= 0xdc00 && d <= 0xdfff) {
        n += 4;
        i++;
      } else n += 3;
    } else n += 3;
  }
  return n;
}

/**
 * Encode a string as an IMAP string: a quoted string (`"..."`, with `\` and
 * `"` escaped by a backslash) when every character may appear in one, else
 * a synchronizing literal `{N}\r\n...` where N is the UTF-8 byte count. CR,
 * LF and (without `utf8`) any non-ASCII character force the literal. NUL
 * cannot be sent in an IMAP string at all.
 *
 * @param s The string to send (a mailbox name, a separator).
 * @param options Whether UTF-8 may appear in quoted strings.
 * @returns The IMAP wire form of `s`.
 * @throws {TypeError} When `s` contains a NUL character.
 *
 * @example Quoted strings and literals
 * ```ts
 * import { imapQuote } from "./quote.ts";
 * console.log(imapQuote("Archive/2009")); // "Archive/2009" (with the quotes)
 * console.log(imapQuote('say "hi"'));     // "say \"hi\""
 * console.log(JSON.stringify(imapQuote("äpfel"))); // "{6}\r\näpfel"
 * console.log(imapQuote("äpfel", { utf8: true })); // "äpfel" (quoted)
 * ```
 */
export function imapQuote(s: string, options: QuoteOptions = {}): string {
  const utf8 = options.utf8 === true;
  let literal = false;
  let escapes = false;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c === 0) {
      throw new TypeError(
        `a NUL character cannot be sent in an IMAP string: ${
          JSON.stringify(s)
        }`,
      );
    }
    if (c === 0x0d || c === 0x0a || (c >= 0x80 && !utf8)) literal = true;
    else if (c === 0x22 || c === 0x5c) escapes = true;
  }
  if (literal) return `{${utf8Length(s)}}\r\n${s}`;
  return escapes ? `"${s.replace(/["\\]/g, "\\$&")}"` : `"${s}"`;
}

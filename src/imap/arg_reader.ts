/**
 * {@linkcode ArgReader}: the lexical layer of IMAP command arguments (RFC
 * 3501 §4 and §9, RFC 9051): atoms, astrings, list-mailboxes, quoted
 * strings with their escapes, and literals.
 *
 * Literals are taken inline: the argument text holds each literal as it
 * came on the wire, `{N}` (or the non-synchronizing `{N+}`) and CRLF
 * followed by exactly N bytes of UTF-8, so a server passes the command as
 * it read it, continuation lines joined.
 *
 * @module
 */
import { ImapSyntaxError } from "./errors.ts";

const SP = 0x20;
const DQUOTE = 0x22;
const BACKSLASH = 0x5c;
const LBRACE = 0x7b;
const CR = 0x0d;
const LF = 0x0a;

/** Largest literal size the grammar's `number` allows (RFC 3501 §9). */
const MAX_NUMBER = 4294967295;

/**
 * Whether a char code is an ATOM-CHAR: printable US-ASCII except
 * `atom-specials` (`(` `)` `{` SP `%` `*` `"` `\` `]`).
 */
function isAtomChar(c: number): boolean {
  if (c <= SP || c >= 0x7f) return false;
  return c !== 0x28 && c !== 0x29 && c !== LBRACE && c !== 0x25 && c !== 0x2a && c !== DQUOTE && c !== BACKSLASH &&
    c !== 0x5d;
}

/** ASTRING-CHAR: an ATOM-CHAR or `]`. */
function isAstringChar(c: number): boolean {
  return c === 0x5d || isAtomChar(c);
}

/** list-char: an ATOM-CHAR, a wildcard (`%`, `*`) or `]`. */
function isListChar(c: number): boolean {
  return c === 0x25 || c === 0x2a || c === 0x5d || isAtomChar(c);
}

/**
 * A string value read from the arguments: its text (quoting and literal
 * framing undone) and where it started.
 *
 * @example An astring at the start
 * ```ts
 * import { ArgReader, type ArgString } from "./arg_reader.ts";
 * const s: ArgString = new ArgReader("LIST", '"a b" c').astring();
 * console.log(s.value, s.at); // a b 0
 * ```
 */
export interface ArgString {
  /** The string's text. */
  value: string;
  /** Offset of its first character in the argument text. */
  at: number;
}

/**
 * Reads IMAP command arguments left to right; every method either takes
 * what it expects or throws {@linkcode ImapSyntaxError} naming the offset.
 * One CRLF at the very end (the command's own line end) counts as the end.
 *
 * @example The arguments of LIST "" {5}\r\nIN*X%
 * ```ts
 * import { ArgReader } from "./arg_reader.ts";
 * const r = new ArgReader("LIST", '"" {5}\r\nIN*X%');
 * const reference = r.astring().value;
 * r.space();
 * console.log(JSON.stringify(reference), r.listMailbox().value, r.atEnd()); // "" IN*X% true
 * ```
 */
export class ArgReader {
  /** The command, for messages. */
  readonly command: string;
  /** The argument text. */
  readonly text: string;
  /** Offset of the next character to read. */
  pos = 0;
  readonly #end: number;

  /**
   * @param command The command whose arguments these are (for messages).
   * @param text The argument text: what follows the command word and its space.
   */
  constructor(command: string, text: string) {
    this.command = command;
    this.text = text;
    this.#end = text.endsWith("\r\n") ? text.length - 2 : text.length;
  }

  /**
   * An error at an offset.
   *
   * @param what What is wrong, a phrase.
   * @param at Where (default: the next character).
   * @param cause The underlying error, if any.
   * @returns The error, to throw.
   */
  fail(what: string, at: number = this.pos, cause?: unknown): ImapSyntaxError {
    return new ImapSyntaxError(this.command, this.text, at, what, cause === undefined ? undefined : { cause });
  }

  /** What follows, for messages: the next character quoted, or "the end". */
  #found(): string {
    if (this.pos >= this.#end) return "the end";
    return JSON.stringify(String.fromCodePoint(this.text.codePointAt(this.pos)!));
  }

  /**
   * The next char code, or -1 at the end.
   *
   * @returns The char code.
   */
  peek(): number {
    return this.pos < this.#end ? this.text.charCodeAt(this.pos) : -1;
  }

  /**
   * Whether all arguments have been read.
   *
   * @returns True at the end (or at the final CRLF).
   */
  atEnd(): boolean {
    return this.pos >= this.#end;
  }

  /**
   * Require the end of the arguments.
   *
   * @returns Nothing.
   */
  end(): void {
    if (!this.atEnd()) throw this.fail(`unexpected ${this.#found()} after the last argument`);
  }

  /**
   * Take one character.
   *
   * @param ch The character expected.
   * @param name How to call it in a message.
   * @returns Nothing.
   */
  expect(ch: string, name = JSON.stringify(ch)): void {
    if (this.pos >= this.#end || this.text[this.pos] !== ch) throw this.fail(`expected ${name}, found ${this.#found()}`);
    this.pos++;
  }

  /**
   * Take one space.
   *
   * @returns Nothing.
   */
  space(): void {
    this.expect(" ", "a space");
  }

  /**
   * Take an atom (1*ATOM-CHAR), such as an option name.
   *
   * @param what What the atom is, for a message.
   * @returns The atom as sent.
   */
  atom(what: string): ArgString {
    const at = this.pos;
    while (this.pos < this.#end && isAtomChar(this.text.charCodeAt(this.pos))) this.pos++;
    if (this.pos === at) throw this.fail(`expected ${what}, found ${this.#found()}`);
    return { value: this.text.slice(at, this.pos), at };
  }

  /**
   * Take an astring: 1*ASTRING-CHAR, or a quoted string, or a literal.
   *
   * @returns The string.
   */
  astring(): ArgString {
    return this.#stringOr(isAstringChar, "a mailbox name");
  }

  /**
   * Take a list-mailbox: 1*list-char (wildcards and `]` allowed), or a
   * quoted string, or a literal.
   *
   * @returns The pattern.
   */
  listMailbox(): ArgString {
    return this.#stringOr(isListChar, "a mailbox pattern");
  }

  #stringOr(isChar: (c: number) => boolean, what: string): ArgString {
    const c = this.peek();
    if (c === DQUOTE) return this.#quoted();
    if (c === LBRACE) return this.#literal();
    const at = this.pos;
    while (this.pos < this.#end && isChar(this.text.charCodeAt(this.pos))) this.pos++;
    if (this.pos === at) throw this.fail(`expected ${what}, found ${this.#found()}`);
    return { value: this.text.slice(at, this.pos), at };
  }

  /** A quoted string: `\` escapes only `"` and `\`; no CR, LF or NUL. */
  #quoted(): ArgString {
    const at = this.pos;
    this.pos++;
    let value = "";
    let from = this.pos;
    for (;;) {
      if (this.pos >= this.#end) throw this.fail("unterminated quoted string", at);
      const c = this.text.charCodeAt(this.pos);
      if (c === DQUOTE) break;
      if (c === CR || c === LF || c === 0) {
        throw this.fail(`${c === 0 ? "NUL" : c === CR ? "CR" : "LF"} inside a quoted string`);
      }
      if (c === BACKSLASH) {
        const next = this.pos + 1 < this.#end ? this.text.charCodeAt(this.pos + 1) : -1;
        if (next !== DQUOTE && next !== BACKSLASH) throw this.fail('a backslash that escapes neither "\\" nor "\\""');
        value += this.text.slice(from, this.pos);
        from = this.pos + 1;
        this.pos += 2;
        continue;
      }
      this.pos++;
    }
    value += this.text.slice(from, this.pos);
    this.pos++;
    return { value, at };
  }

  /** A literal `{N}` or `{N+}`, CRLF, then exactly N bytes of UTF-8 (no NUL). */
  #literal(): ArgString {
    const at = this.pos;
    this.pos++;
    const digits = this.pos;
    while (this.pos < this.#end && this.text.charCodeAt(this.pos) >= 0x30 && this.text.charCodeAt(this.pos) <= 0x39) {
      this.pos++;
    }
    if (this.pos === digits) throw this.fail(`expected the size of a literal, found ${this.#found()}`);
    const size = Number(this.text.slice(digits, this.pos));
    if (this.pos - digits > 10 || size > MAX_NUMBER) throw this.fail("a literal size over 4294967295", digits);
    if (this.peek() === 0x2b) this.pos++;
    this.expect("}");
    // The CRLF after "}" belongs to the literal's framing, even at the very end.
    if (!this.text.startsWith("\r\n", this.pos)) throw this.fail('expected CRLF after a literal\'s "}"');
    this.pos += 2;
    const start = this.pos;
    let bytes = 0;
    while (bytes < size) {
      if (this.pos >= this.text.length) throw this.fail(`a literal of ${size} bytes runs past the end`, at);
      const c = this.text.charCodeAt(this.pos);
      if (c === 0) throw this.fail("NUL inside a literal");
      let n = 1, units = 1;
      if (c >= 0x80 && c < 0x800) n = 2;
      else if (c >= 0xd800 && c <= 0xdbff) {
        const d = this.pos + 1 < this.text.length ? this.text.charCodeAt(this.pos + 1) : -1;
        if (d < 0xdc00 || d > 0xdfff) throw this.fail("a lone surrogate inside a literal");
        n = 4;
        units = 2;
      } else if (c >= 0xdc00 && c <= 0xdfff) throw this.fail("a lone surrogate inside a literal");
      else if (c >= 0x800) n = 3;
      if (bytes + n > size) throw this.fail(`a literal of ${size} bytes ends inside a character`, at);
      bytes += n;
      this.pos += units;
    }
    return { value: this.text.slice(start, this.pos), at };
  }
}

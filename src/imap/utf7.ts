/**
 * IMAP modified UTF-7 (RFC 3501 §5.1.3): the form of mailbox names on an
 * IMAP4rev1 wire and in Dovecot's stores. Printable US-ASCII (0x20–0x7e)
 * stands for itself, except `&`, written `&-`; every other character
 * (non-ASCII and the controls 0x00–0x1f, 0x7f) goes into a run `&...-`
 * holding the base64 of its UTF-16BE code units, with `,` for `/` and no
 * `=` padding.
 *
 * The decoder accepts only the one canonical spelling of each name, as
 * Dovecot does, so `encodeModifiedUtf7(decodeModifiedUtf7(x)) === x` for
 * every accepted `x`: it rejects raw 8-bit or control characters, bad
 * base64, an unterminated run, a run that encodes printable US-ASCII, two
 * runs back to back, padding bits that are not zero, a partial UTF-16 unit
 * and a lone surrogate. The encoder rejects a string with a lone surrogate
 * (it has no UTF-16 form to encode) instead of writing U+FFFD.
 *
 * Packages evaluated: `utf7` (its `imap` codec), `emailjs-utf7` and
 * iconv-lite's `utf-7-imap`. All three encode correctly on Node and Deno,
 * but none rejects malformed input when decoding (unterminated runs, bad
 * base64, non-canonical runs, lone surrogates, raw 8-bit text all decode to
 * something), none rejects a lone surrogate when encoding, and `utf7` does
 * not run on Bun; hence this codec of its own.
 *
 * @module
 */

/**
 * A string that is not valid modified UTF-7 (when decoding), or a string
 * that has no modified UTF-7 form because it holds a lone surrogate (when
 * encoding).
 *
 * @example The error of an unterminated run
 * ```ts
 * import { decodeModifiedUtf7, Utf7Error } from "./utf7.ts";
 * try {
 *   decodeModifiedUtf7("A&Jjo");
 * } catch (e) {
 *   console.log(e instanceof Utf7Error, (e as Utf7Error).offset); // true 1
 *   console.log((e as Error).message);
 *   // Invalid modified UTF-7 "A&Jjo": unterminated "&" at offset 1
 * }
 * ```
 */
export class Utf7Error extends Error {
  /** The offending string (wire form when decoding, text when encoding). */
  readonly input: string;
  /** Index (in UTF-16 code units) in `input` where the problem is. */
  readonly offset: number;
  /**
   * @param input The offending string.
   * @param offset Where in it the problem is.
   * @param message The full message.
   */
  constructor(input: string, offset: number, message: string) {
    super(message);
    this.name = "Utf7Error";
    this.input = input;
    this.offset = offset;
  }
}

const ALPHABET =
  "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+,";

/** Sextet of each base64 character code (modified alphabet), else -1. */
const SEXTET = new Int8Array(128).fill(-1);
for (let i = 0; i < ALPHABET.length; i++) SEXTET[ALPHABET.charCodeAt(i)] = i;

const AMP = 0x26;
const DASH = 0x2d;

function isPrintable(c: number): boolean {
  return c >= 0x20 && c <= 0x7e;
}

function invalid(wire: string, offset: number, what: string): Utf7Error {
  return new Utf7Error(
    wire,
    offset,
    `Invalid modified UTF-7 ${JSON.stringify(wire)}: ${what} at offset ${offset}`,
  );
}

/**
 * Encode a mailbox name (Unicode text) in IMAP modified UTF-7.
 *
 * @param text The name as a JavaScript string.
 * @returns Its modified UTF-7 form, printable US-ASCII only.
 * @throws {Utf7Error} When `text` holds a lone surrogate.
 *
 * @example Names on an IMAP4rev1 wire
 * ```ts
 * import { encodeModifiedUtf7 } from "./utf7.ts";
 * console.log(encodeModifiedUtf7("Entwürfe")); // Entw&APw-rfe
 * console.log(encodeModifiedUtf7("~peter/mail/台北/日本語"));
 * // ~peter/mail/&U,BTFw-/&ZeVnLIqe-
 * console.log(encodeModifiedUtf7("A&B")); // A&-B
 * ```
 */
export function encodeModifiedUtf7(text: string): string {
  const n = text.length;
  let i = 0;
  // Fast path: printable US-ASCII without "&" is its own encoding.
  while (i < n) {
    const c = text.charCodeAt(i);
    if (!isPrintable(c) || c === AMP) break;
    i++;
  }
  if (i === n) return text;
  let out = text.slice(0, i);
  while (i < n) {
    const c = text.charCodeAt(i);
    if (c === AMP) {
      out += "&-";
      i++;
      continue;
    }
    if (isPrintable(c)) {
      out += text[i];
      i++;
      continue;
    }
    out += "&";
    let bits = 0;
    let nbits = 0;
    while (i < n) {
      const u = text.charCodeAt(i);
      if (isPrintable(u)) break;
      if (u >= 0xd800 && u <= 0xdfff) {
        // A high surrogate must be followed by a low one; a low one must
        // follow a high one (the previous unit, checked when it was read).
        const prev = i > 0 ? text.charCodeAt(i - 1) : 0;
        const next = i + 1 < n ? text.charCodeAt(i + 1) : 0;
        const ok = u <= 0xdbff
          ? next >= 0xdc00 && next <= 0xdfff
          : prev >= 0xd800 && prev <= 0xdbff;
        if (!ok) {
          throw new Utf7Error(
            text,
            i,
            `Cannot encode ${
              JSON.stringify(text)
            } in modified UTF-7: lone surrogate at offset ${i}`,
          );
        }
      }
      bits = ((bits << 16) | u) & 0x3fffff;
      nbits += 16;
      while (nbits >= 6) {
        nbits -= 6;
        out += ALPHABET[(bits >> nbits) & 0x3f];
      }
      i++;
    }
    if (nbits > 0) out += ALPHABET[(bits << (6 - nbits)) & 0x3f];
    out += "-";
  }
  return out;
}

/**
 * Decode an IMAP modified UTF-7 name to Unicode text. Only the canonical
 * spelling is accepted (the one {@linkcode encodeModifiedUtf7} writes).
 *
 * @param wire The modified UTF-7 form.
 * @returns The name as Unicode text.
 * @throws {Utf7Error} When `wire` is not valid modified UTF-7; its
 *   `offset` points at the problem.
 *
 * @example Decoding, and a rejected spelling
 * ```ts
 * import { decodeModifiedUtf7 } from "./utf7.ts";
 * console.log(decodeModifiedUtf7("Entw&APw-rfe")); // Entwürfe
 * console.log(decodeModifiedUtf7("A&-B")); // A&B
 * try {
 *   decodeModifiedUtf7("&AEE-"); // "A" written as a run
 * } catch (e) {
 *   console.log((e as Error).name); // Utf7Error
 * }
 * ```
 */
export function decodeModifiedUtf7(wire: string): string {
  const n = wire.length;
  let i = 0;
  // Fast path: printable US-ASCII without "&" is its own decoding.
  while (i < n) {
    const c = wire.charCodeAt(i);
    if (!isPrintable(c) || c === AMP) break;
    i++;
  }
  if (i === n) return wire;
  let out = wire.slice(0, i);
  let runEnd = -1; // index just after the last run's "-"
  while (i < n) {
    const c = wire.charCodeAt(i);
    if (!isPrintable(c)) {
      throw invalid(
        wire,
        i,
        c > 0x7e && c !== 0x7f
          ? "character outside US-ASCII"
          : "control character not encoded",
      );
    }
    if (c !== AMP) {
      out += wire[i];
      i++;
      continue;
    }
    const start = i;
    i++;
    if (i < n && wire.charCodeAt(i) === DASH) {
      out += "&";
      i++;
      continue;
    }
    if (start === runEnd) {
      throw invalid(wire, start, "encoded run right after another one");
    }
    let bits = 0;
    let nbits = 0;
    let high = 0; // pending high surrogate
    let highAt = 0;
    for (;;) {
      if (i >= n) throw invalid(wire, start, 'unterminated "&"');
      const b = wire.charCodeAt(i);
      if (b === DASH) break;
      const s = b < 128 ? SEXTET[b] : -1;
      if (s < 0) {
        throw invalid(
          wire,
          i,
          `character ${JSON.stringify(wire[i])} is not modified base64`,
        );
      }
      bits = ((bits << 6) | s) & 0x3fffff;
      nbits += 6;
      if (nbits >= 16) {
        nbits -= 16;
        const u = (bits >> nbits) & 0xffff;
        if (high !== 0) {
          if (u < 0xdc00 || u > 0xdfff) {
            throw invalid(wire, highAt, "high surrogate without a low one");
          }
          out += String.fromCharCode(high, u);
          high = 0;
        } else if (u >= 0xd800 && u <= 0xdbff) {
          high = u;
          highAt = i;
        } else if (u >= 0xdc00 && u <= 0xdfff) {
          throw invalid(wire, i, "low surrogate without a high one");
        } else if (isPrintable(u)) {
          throw invalid(
            wire,
            i,
            `encoded run holds the printable character ${
              JSON.stringify(String.fromCharCode(u))
            }`,
          );
        } else out += String.fromCharCode(u);
      }
      i++;
    }
    if (high !== 0) {
      throw invalid(wire, highAt, "high surrogate without a low one");
    }
    if (nbits >= 6) throw invalid(wire, i, "partial UTF-16 unit");
    if ((bits & ((1 << nbits) - 1)) !== 0) {
      throw invalid(wire, i - 1, "padding bits that are not zero");
    }
    i++;
    runEnd = i;
  }
  return out;
}

/**
 * Decode modified UTF-7, or give `undefined` when the string is not valid
 * modified UTF-7 (a store's name kept as its literal text, for example).
 *
 * @param wire The modified UTF-7 form.
 * @returns The Unicode text, or `undefined`.
 *
 * @example A valid and an invalid spelling
 * ```ts
 * import { tryDecodeModifiedUtf7 } from "./utf7.ts";
 * console.log(tryDecodeModifiedUtf7("&ZeVnLIqe-")); // 日本語
 * console.log(tryDecodeModifiedUtf7("Entwürfe")); // undefined
 * ```
 */
export function tryDecodeModifiedUtf7(wire: string): string | undefined {
  try {
    return decodeModifiedUtf7(wire);
  } catch (e) {
    if (e instanceof Utf7Error) return undefined;
    throw e;
  }
}

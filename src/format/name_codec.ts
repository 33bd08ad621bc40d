/**
 * Turning mailbox names into bytes and back, without an allocation per
 * name on the hot paths.
 *
 * @module
 */

import { InvalidNameError } from "./errors.ts";

const decoder = new TextDecoder("utf-8");
const encoder = new TextEncoder();

/** `String.prototype.isWellFormed` where the runtime has it (ES2024). */
const nativeWellFormed = (String.prototype as { isWellFormed?: (this: string) => boolean }).isWellFormed;

/**
 * Whether a string has a UTF-8 form: it holds no lone surrogate (which
 * `TextEncoder` would silently turn into U+FFFD).
 *
 * @param s Any string.
 * @returns False when it has a high surrogate not followed by a low one, or a low one not after a high one.
 *
 * @example A lone surrogate
 * ```ts
 * import { hasUtf8Form } from "./name_codec.ts";
 * console.log(hasUtf8Form("\u{1F600}"), hasUtf8Form("\uD83D")); // true false
 * ```
 */
export function hasUtf8Form(s: string): boolean {
  if (nativeWellFormed !== undefined) return nativeWellFormed.call(s);
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c < 0xd800 || c > 0xdfff) continue;
    if (c > 0xdbff) return false;
    const d = s.charCodeAt(i + 1); // NaN past the end
    if (!(d >= 0xdc00 && d <= 0xdfff)) return false;
    i++;
  }
  return true;
}

/**
 * Reject a name that has no UTF-8 form (SPEC §9): the one check every way
 * a name is encoded goes through.
 *
 * @param name The name as given.
 * @returns Nothing.
 * @throws InvalidNameError naming the input when it holds a lone surrogate.
 *
 * @example A name with a lone surrogate
 * ```ts
 * import { requireUtf8Form } from "./name_codec.ts";
 * try {
 *   requireUtf8Form("Projects/\uD83D");
 * } catch (e) {
 *   console.log((e as Error).message); // Invalid mailbox name "Projects/\ud83d": has no UTF-8 form (it contains a lone surrogate)
 * }
 * ```
 */
export function requireUtf8Form(name: string): void {
  if (!hasUtf8Form(name)) throw new InvalidNameError(name, "has no UTF-8 form (it contains a lone surrogate)");
}

/**
 * Decode bytes `[start, end)` as UTF-8, with a fast path for ASCII.
 *
 * @param bytes Buffer.
 * @param start First byte.
 * @param end One past the last byte.
 * @returns The string.
 *
 * @example Two ASCII bytes
 * ```ts
 * import { decodeName } from "./name_codec.ts";
 * console.log(decodeName(new Uint8Array([0x49, 0x4e]), 0, 2)); // "IN"
 * ```
 */
export function decodeName(bytes: Uint8Array, start: number, end: number): string {
  const n = end - start;
  if (n <= 32) {
    let ascii = true;
    for (let i = start; i < end; i++) {
      if (bytes[i] >= 0x80) {
        ascii = false;
        break;
      }
    }
    if (ascii) {
      let s = "";
      for (let i = start; i < end; i++) s += String.fromCharCode(bytes[i]);
      return s;
    }
  }
  return decoder.decode(bytes.subarray(start, end));
}

/**
 * A reusable UTF-8 encoding buffer that grows as needed.
 *
 * @example Encode a full name
 * ```ts
 * import { NameEncoder } from "./name_codec.ts";
 * const enc = new NameEncoder();
 * const n = enc.encode("INBOX/Sent");
 * console.log(n, enc.bytes[5]); // 10 47
 * ```
 */
export class NameEncoder {
  /** The buffer holding the last encoded name at `[0, length)`. */
  bytes: Uint8Array = new Uint8Array(1024);

  /**
   * Encode a name into {@linkcode NameEncoder.bytes}.
   *
   * @param name The name.
   * @returns Its length in bytes.
   * @throws InvalidNameError when the name has no UTF-8 form (a lone surrogate).
   */
  encode(name: string): number {
    if (name.length * 3 > this.bytes.length) {
      this.bytes = new Uint8Array(name.length * 3 + 64);
    }
    const written = encoder.encodeInto(name, this.bytes).written;
    // As many bytes as UTF-16 units: all ASCII. Only other names are scanned for a lone surrogate.
    if (written !== name.length) requireUtf8Form(name);
    return written;
  }
}

/**
 * The separator as a single byte.
 *
 * @param separator A one-character separator such as "/" or ".".
 * @returns Its byte value.
 * @throws RangeError when the separator is not a single byte other than NUL.
 *
 * @example The byte of a dot separator
 * ```ts
 * import { separatorByte } from "./name_codec.ts";
 * console.log(separatorByte(".")); // 46
 * ```
 */
export function separatorByte(separator: string): number {
  const b = encoder.encode(separator);
  if (b.length !== 1 || b[0] === 0) {
    throw new RangeError(`Invalid separator ${JSON.stringify(separator)}: it must be one byte other than NUL`);
  }
  return b[0];
}

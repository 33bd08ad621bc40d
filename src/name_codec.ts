/**
 * Turning mailbox names into bytes and back, without an allocation per
 * name on the hot paths.
 *
 * @module
 */

const decoder = new TextDecoder("utf-8");
const encoder = new TextEncoder();

/**
 * Decode bytes `[start, end)` as UTF-8, with a fast path for ASCII.
 *
 * @param bytes Buffer.
 * @param start First byte.
 * @param end One past the last byte.
 * @returns The string.
 *
 * @example
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
 * @example
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
   */
  encode(name: string): number {
    if (name.length * 3 > this.bytes.length) {
      this.bytes = new Uint8Array(name.length * 3 + 64);
    }
    return encoder.encodeInto(name, this.bytes).written;
  }
}

/**
 * The separator as a single byte.
 *
 * @param separator A one-character separator such as "/" or ".".
 * @returns Its byte value.
 * @throws RangeError when the separator is not a single byte other than NUL.
 *
 * @example
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

/**
 * Mailbox GUIDs (SPEC §12): 128-bit values, stored as 16 bytes (all zeros
 * meaning "none"), shown as 32 lowercase hexadecimal digits — the form of
 * the `G` field of a Dovecot `dovecot-uidlist` header. New ones are random
 * (`crypto.getRandomValues`, the same on Deno, Bun and Node).
 *
 * @example From text to bytes and back
 * ```ts
 * import { guidHex, parseGuid } from "./guid.ts";
 * const g = parseGuid("0123456789ABCDEF0123456789abcdef");
 * console.log(guidHex(g, 0)); // 0123456789abcdef0123456789abcdef
 * ```
 *
 * @module
 */
import { InvalidGuidError } from "./errors.ts";

/** Bytes of a GUID. */
export const GUID_SIZE = 16;

const HEX = "0123456789abcdef";

/**
 * The 32 lowercase hex digits of the GUID at `at`.
 *
 * @param bytes Where the GUID is.
 * @param at Its first byte.
 * @returns The digits.
 *
 * @example A GUID's text
 * ```ts
 * import { guidHex } from "./guid.ts";
 * console.log(guidHex(new Uint8Array(16).fill(0xab), 0)); // abababababababababababababababab
 * ```
 */
export function guidHex(bytes: Uint8Array, at: number): string {
  let s = "";
  for (let i = 0; i < GUID_SIZE; i++) {
    const b = bytes[at + i];
    s += HEX[b >>> 4] + HEX[b & 15];
  }
  return s;
}

/**
 * Whether the 16 bytes at `at` are all zero (no GUID).
 *
 * @param bytes Where the GUID is.
 * @param at Its first byte.
 * @returns True when there is no GUID.
 *
 * @example No GUID
 * ```ts
 * import { isZeroGuid } from "./guid.ts";
 * console.log(isZeroGuid(new Uint8Array(16), 0)); // true
 * ```
 */
export function isZeroGuid(bytes: Uint8Array, at: number): boolean {
  for (let i = 0; i < GUID_SIZE; i++) if (bytes[at + i] !== 0) return false;
  return true;
}

function hexDigit(c: number): number {
  if (c >= 0x30 && c <= 0x39) return c - 0x30;
  c |= 0x20;
  return c >= 0x61 && c <= 0x66 ? c - 0x57 : -1;
}

/**
 * A GUID as the API takes it: 32 hexadecimal digits (either case), or 16
 * bytes; never all zeros, which mean "no GUID".
 *
 * @param value The GUID.
 * @returns Its 16 bytes (a copy).
 * @throws InvalidGuidError naming the value when it is neither.
 *
 * @example Refused values
 * ```ts
 * import { parseGuid } from "./guid.ts";
 * for (const v of ["xyz", "0".repeat(32), new Uint8Array(4)]) {
 *   try { parseGuid(v); } catch (e) { console.log((e as Error).message); }
 * }
 * // Invalid mailbox GUID "xyz": is not 32 hexadecimal digits
 * // Invalid mailbox GUID "00000000000000000000000000000000": is all zeros, which means no GUID
 * // Invalid mailbox GUID "00000000": is 4 bytes, not 16
 * ```
 */
export function parseGuid(value: string | Uint8Array): Uint8Array {
  const out = new Uint8Array(GUID_SIZE);
  if (value instanceof Uint8Array) {
    if (value.length !== GUID_SIZE) {
      let shown = "";
      for (let i = 0; i < Math.min(value.length, 64); i++) shown += HEX[value[i] >>> 4] + HEX[value[i] & 15];
      throw new InvalidGuidError(shown, `is ${value.length} bytes, not ${GUID_SIZE}`);
    }
    out.set(value);
  } else if (typeof value === "string") {
    let ok = value.length === 2 * GUID_SIZE;
    for (let i = 0; ok && i < GUID_SIZE; i++) {
      const h = hexDigit(value.charCodeAt(2 * i)), l = hexDigit(value.charCodeAt(2 * i + 1));
      if (h < 0 || l < 0) ok = false;
      else out[i] = (h << 4) | l;
    }
    if (!ok) throw new InvalidGuidError(value, `is not ${2 * GUID_SIZE} hexadecimal digits`);
  } else {
    throw new InvalidGuidError(String(value), `is not a string of ${2 * GUID_SIZE} hexadecimal digits or ${GUID_SIZE} bytes`);
  }
  if (isZeroGuid(out, 0)) throw new InvalidGuidError(guidHex(out, 0), "is all zeros, which means no GUID");
  return out;
}

/** Most bytes one `crypto.getRandomValues` call fills. */
const RANDOM_CHUNK = 65536;

/**
 * Random GUIDs: `count` × 16 random bytes, none of them all zeros.
 *
 * @param count How many.
 * @returns The bytes, GUID `i` at `16 * i`.
 *
 * @example Two new GUIDs
 * ```ts
 * import { guidHex, randomGuids } from "./guid.ts";
 * const g = randomGuids(2);
 * console.log(guidHex(g, 0) !== guidHex(g, 16)); // true
 * ```
 */
export function randomGuids(count: number): Uint8Array {
  const out = new Uint8Array(count * GUID_SIZE);
  for (let at = 0; at < out.length; at += RANDOM_CHUNK) {
    crypto.getRandomValues(out.subarray(at, Math.min(out.length, at + RANDOM_CHUNK)));
  }
  // 2^-128 per GUID; never all zeros even then.
  for (let at = 0; at < out.length; at += GUID_SIZE) if (isZeroGuid(out, at)) out[at] = 1;
  return out;
}

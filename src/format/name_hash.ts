/**
 * The record name hash (SPEC §2.5): CRC-32 with the zlib table, initial value
 * 0xFFFFFFFF and no final XOR.
 *
 * @module
 */

/** The reflected CRC-32 table for polynomial 0xEDB88320. */
export const CRC32_TABLE: Uint32Array = (() => {
  const t = new Uint32Array(256);
  for (let i = 0; i < 256; i++) {
    let c = i;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    t[i] = c >>> 0;
  }
  return t;
})();

/**
 * Hash bytes `[start, end)` of a buffer as a record name.
 *
 * @param bytes Buffer holding the name.
 * @param start First byte of the name.
 * @param end One past the last byte of the name.
 * @returns The u32 name hash.
 *
 * @example Hash the bytes of a name
 * ```ts
 * import { hashBytes } from "./name_hash.ts";
 * const b = new TextEncoder().encode("INBOX");
 * console.log(hashBytes(b, 0, b.length).toString(16)); // "76bace76"
 * ```
 */
export function hashBytes(bytes: Uint8Array, start: number, end: number): number {
  let c = -1;
  const t = CRC32_SLICES;
  let i = start;
  // Four bytes per step (slicing-by-4), then the tail byte by byte.
  for (const stop = end - 3; i < stop; i += 4) {
    c ^= bytes[i] | (bytes[i + 1] << 8) | (bytes[i + 2] << 16) | (bytes[i + 3] << 24);
    c = t[768 + (c & 0xff)] ^ t[512 + ((c >>> 8) & 0xff)] ^ t[256 + ((c >>> 16) & 0xff)] ^ t[c >>> 24];
  }
  for (; i < end; i++) c = t[(c ^ bytes[i]) & 0xff] ^ (c >>> 8);
  return c >>> 0;
}

/**
 * The CRC-32 tables for four bytes per step (slicing-by-4): entries
 * `[256·k, 256·k + 256)` advance a byte followed by `k` zero bytes. The first
 * 256 entries are {@linkcode CRC32_TABLE}.
 */
export const CRC32_SLICES: Int32Array = (() => {
  const t = new Int32Array(1024);
  for (let i = 0; i < 256; i++) t[i] = CRC32_TABLE[i] | 0;
  for (let k = 1; k < 4; k++) {
    for (let i = 0; i < 256; i++) {
      const prev = t[256 * (k - 1) + i];
      t[256 * k + i] = (prev >>> 8) ^ t[prev & 0xff];
    }
  }
  return t;
})();

const encoder = new TextEncoder();

/**
 * Hash one hierarchy level's name, given as a string (UTF-8 encoded) or bytes.
 *
 * @param name The name of one level ("2009", not "Archive/2009").
 * @returns The u32 name hash.
 *
 * @example Hash one level's name
 * ```ts
 * import { nameHash } from "./name_hash.ts";
 * console.log(nameHash("Archive").toString(16)); // "e5be9bff"
 * ```
 */
export function nameHash(name: string | Uint8Array): number {
  const bytes = typeof name === "string" ? encoder.encode(name) : name;
  return hashBytes(bytes, 0, bytes.length);
}

/**
 * Compare two names in record order: by hash, then by bytes (unsigned).
 *
 * @param hashA Hash of the first name.
 * @param a Buffer holding the first name.
 * @param aStart Start of the first name.
 * @param aEnd End of the first name.
 * @param hashB Hash of the second name.
 * @param b Buffer holding the second name.
 * @param bStart Start of the second name.
 * @param bEnd End of the second name.
 * @returns Negative, zero or positive, like C `strcmp` after the hash.
 *
 * @example Two names in record order
 * ```ts
 * import { compareNames, nameHash } from "./name_hash.ts";
 * const a = new TextEncoder().encode("epdnndzu"), b = new TextEncoder().encode("ecylwtxz");
 * console.log(compareNames(nameHash(a), a, 0, a.length, nameHash(b), b, 0, b.length) > 0); // true
 * ```
 */
export function compareNames(
  hashA: number,
  a: Uint8Array,
  aStart: number,
  aEnd: number,
  hashB: number,
  b: Uint8Array,
  bStart: number,
  bEnd: number,
): number {
  if (hashA !== hashB) return hashA < hashB ? -1 : 1;
  return compareBytes(a, aStart, aEnd, b, bStart, bEnd);
}

/**
 * Compare two byte ranges as unsigned bytes, shorter first on a tie.
 *
 * @param a First buffer.
 * @param aStart Start in the first buffer.
 * @param aEnd End in the first buffer.
 * @param b Second buffer.
 * @param bStart Start in the second buffer.
 * @param bEnd End in the second buffer.
 * @returns Negative, zero or positive.
 *
 * @example Bytes compared unsigned
 * ```ts
 * import { compareBytes } from "./name_hash.ts";
 * const x = new Uint8Array([1, 2]), y = new Uint8Array([1, 3]);
 * console.log(compareBytes(x, 0, 2, y, 0, 2)); // -1
 * ```
 */
export function compareBytes(
  a: Uint8Array,
  aStart: number,
  aEnd: number,
  b: Uint8Array,
  bStart: number,
  bEnd: number,
): number {
  const la = aEnd - aStart, lb = bEnd - bStart;
  const n = la < lb ? la : lb;
  for (let i = 0; i < n; i++) {
    const d = a[aStart + i] - b[bStart + i];
    if (d !== 0) return d < 0 ? -1 : 1;
  }
  return la === lb ? 0 : la < lb ? -1 : 1;
}

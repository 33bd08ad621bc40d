/**
 * Decoding many names of one list image: the image is decoded to strings a
 * 64 KiB chunk at a time (each byte one character, in one native call), and
 * an ASCII name is a substring of its chunk. Names with other bytes, or
 * that cross a chunk boundary, are decoded as UTF-8 one by one.
 *
 * @module
 */
import { decodeName } from "../format/name_codec.ts";

/** The part of a byte buffer the chunks are decoded with: one character per byte, in one native call. */
interface Latin1Source {
  toString(encoding: "latin1", start: number, end: number): string;
}

/**
 * `Buffer`, a global on Node, Bun and Deno, whose latin1 decoding is the
 * fastest on each; `TextDecoder("latin1")` (one character per byte too)
 * where a runtime has no such global.
 */
const GlobalBuffer = (globalThis as {
  Buffer?: { from(buffer: ArrayBufferLike, byteOffset: number, length: number): Latin1Source };
}).Buffer;

function latin1Source(b: Uint8Array): Latin1Source {
  if (GlobalBuffer !== undefined) return GlobalBuffer.from(b.buffer, b.byteOffset, b.byteLength);
  const decoder = new TextDecoder("latin1");
  return { toString: (_encoding, start, end) => decoder.decode(b.subarray(start, end)) };
}

const CHUNK_BITS = 16;
const CHUNK = 1 << CHUNK_BITS;

/**
 * The names of one image as strings, decoded a chunk at a time on demand.
 *
 * @example Decoding two names
 * ```ts
 * import { ImageNames } from "./names.ts";
 * const bytes = new TextEncoder().encode("INBOX\0Entwürfe\0");
 * const names = new ImageNames(bytes, bytes.length);
 * console.log(names.ascii(0, 5), names.utf8(6, 15)); // "INBOX" "Entwürfe"
 * ```
 */
export class ImageNames {
  readonly #bytes: Uint8Array;
  readonly #end: number;
  readonly #chunks: (string | undefined)[];
  #buffer: Latin1Source | undefined;

  /**
   * @param bytes The image.
   * @param end End of the bytes that may be decoded.
   */
  constructor(bytes: Uint8Array, end: number) {
    this.#bytes = bytes;
    this.#end = Math.min(end, bytes.length);
    this.#chunks = new Array((this.#end >>> CHUNK_BITS) + 1);
  }

  /**
   * The name at `[start, end)`, whose bytes are all below 0x80.
   *
   * @param start First byte.
   * @param end One past the last byte (at most the image's end).
   * @returns The name.
   */
  ascii(start: number, end: number): string {
    const c = start >>> CHUNK_BITS;
    if (c !== (end - 1) >>> CHUNK_BITS) return decodeName(this.#bytes, start, end);
    const base = c << CHUNK_BITS;
    let chunk = this.#chunks[c];
    if (chunk === undefined) {
      const b = this.#bytes;
      const buf = this.#buffer ??= latin1Source(b);
      chunk = this.#chunks[c] = buf.toString("latin1", base, Math.min(base + CHUNK, this.#end));
    }
    return chunk.substring(start - base, end - base);
  }

  /**
   * The name at `[start, end)`, decoded as UTF-8.
   *
   * @param start First byte.
   * @param end One past the last byte.
   * @returns The name.
   */
  utf8(start: number, end: number): string {
    return decodeName(this.#bytes, start, end);
  }
}

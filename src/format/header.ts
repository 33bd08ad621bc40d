/**
 * The 28-byte list file header (SPEC §2.1).
 *
 * @module
 */
import { HEADER_SIZE, MAJOR_VERSION, MINOR_VERSION } from "./constants.ts";
import { CorruptIndexError } from "./errors.ts";

/** Decoded list file header. */
export interface ListHeader {
  /** Bumped each time the file is recreated (compression, rebuild). */
  fileSeq: number;
  /** Size of the header; the root directory starts here. */
  headerSize: number;
  /** Chosen at creation; never 0. */
  uidValidity: number;
  /** The UID the next new record gets; never 0. */
  nextUid: number;
  /** Bytes in use from offset 0. */
  usedSpace: number;
  /** Bytes known to be garbage. */
  deletedSpace: number;
}

/**
 * Read and check a header from the start of a file image.
 *
 * @param bytes The file's bytes (at least the header).
 * @param fileSize Size of the file the bytes came from.
 * @param file Path, for error messages.
 * @returns The decoded header.
 * @throws CorruptIndexError when a field is out of range.
 *
 * @example Decode a header just written
 * ```ts
 * import { decodeHeader, encodeHeader } from "./header.ts";
 * const b = new Uint8Array(28);
 * encodeHeader(b, { fileSeq: 1, headerSize: 28, uidValidity: 7, nextUid: 1, usedSpace: 28, deletedSpace: 0 });
 * console.log(decodeHeader(b, 28, "x").uidValidity); // 7
 * ```
 */
export function decodeHeader(bytes: Uint8Array, fileSize: number, file: string): ListHeader {
  if (fileSize < HEADER_SIZE || bytes.length < HEADER_SIZE) {
    throw new CorruptIndexError(file, 0, `file size ${fileSize} is smaller than the ${HEADER_SIZE}-byte header`);
  }
  if (bytes[0] !== MAJOR_VERSION) {
    throw new CorruptIndexError(file, 0, `major version ${bytes[0]} is not ${MAJOR_VERSION}`);
  }
  const dv = new DataView(bytes.buffer, bytes.byteOffset, HEADER_SIZE);
  const h: ListHeader = {
    fileSeq: dv.getUint32(4, true),
    headerSize: dv.getUint32(8, true),
    uidValidity: dv.getUint32(12, true),
    nextUid: dv.getUint32(16, true),
    usedSpace: dv.getUint32(20, true),
    deletedSpace: dv.getUint32(24, true),
  };
  if (h.headerSize < HEADER_SIZE || h.headerSize > fileSize || h.headerSize % 4 !== 0) {
    throw new CorruptIndexError(file, 8, `header_size ${h.headerSize} is out of range for file size ${fileSize}`);
  }
  if (h.uidValidity === 0) throw new CorruptIndexError(file, 12, "uid_validity is 0");
  if (h.nextUid === 0 || h.nextUid > 0x80000000) {
    throw new CorruptIndexError(file, 16, `next_uid ${h.nextUid} is out of range`);
  }
  if (h.usedSpace < h.headerSize || h.usedSpace > fileSize) {
    throw new CorruptIndexError(file, 20, `used_space ${h.usedSpace} is out of range for file size ${fileSize}`);
  }
  if (h.deletedSpace > h.usedSpace + h.usedSpace) {
    throw new CorruptIndexError(file, 24, `deleted_space ${h.deletedSpace} is out of range`);
  }
  return h;
}

/**
 * Write a header into the first 28 bytes of a buffer.
 *
 * @param bytes Destination (at least 28 bytes).
 * @param h The header fields.
 * @returns Nothing.
 *
 * @example The header of an empty index
 * ```ts
 * import { encodeHeader } from "./header.ts";
 * const b = new Uint8Array(28);
 * encodeHeader(b, { fileSeq: 1, headerSize: 28, uidValidity: 7, nextUid: 1, usedSpace: 28, deletedSpace: 0 });
 * console.log(b[0]); // 1
 * ```
 */
export function encodeHeader(bytes: Uint8Array, h: ListHeader): void {
  const dv = new DataView(bytes.buffer, bytes.byteOffset, HEADER_SIZE);
  dv.setUint8(0, MAJOR_VERSION);
  dv.setUint8(1, MINOR_VERSION);
  dv.setUint16(2, 0, true);
  dv.setUint32(4, h.fileSeq, true);
  dv.setUint32(8, h.headerSize, true);
  dv.setUint32(12, h.uidValidity, true);
  dv.setUint32(16, h.nextUid, true);
  dv.setUint32(20, h.usedSpace, true);
  dv.setUint32(24, h.deletedSpace, true);
}

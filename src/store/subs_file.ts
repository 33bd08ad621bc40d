/**
 * Reading the subscriptions file (SPEC §12) from the store: opened without
 * following a symbolic link like every index file, refused by its size
 * alone when it is larger than the format allows, and judged by its
 * header before its body is read, so that a huge or sparse file of zeros
 * costs one small read.
 *
 * @module
 */
import { MAX_FILE_SIZE } from "../format/constants.ts";
import { CorruptIndexError } from "../format/errors.ts";
import { decodeSubscriptions, decodeSubsHeader, SUBS_HEADER_SIZE } from "../format/subs_codec.ts";
import { openIfExists } from "./file_read.ts";
import { type FileIO, readFully } from "./io.ts";

/**
 * Read and check a subscriptions file.
 *
 * @param io The file interface.
 * @param path The file.
 * @returns The subscribed names sorted by their UTF-8 bytes, or undefined when the file does not exist.
 * @throws CorruptIndexError naming the file for a file over 1 GiB or any failed check; UnsafeFileError for a symbolic link or a non-regular file.
 *
 * @example An index without subscriptions
 * ```ts
 * import { readSubsFile } from "./subs_file.ts";
 * import { nodeFileIO } from "./io.ts";
 * console.log(readSubsFile(nodeFileIO, "/nonexistent.subs")); // undefined
 * ```
 */
export function readSubsFile(io: FileIO, path: string): string[] | undefined {
  const fd = openIfExists(io, path);
  if (fd === undefined) return undefined;
  try {
    const size = io.fstat(fd).size;
    if (size > MAX_FILE_SIZE) {
      throw new CorruptIndexError(path, 0, `file size ${size} exceeds the ${MAX_FILE_SIZE} bytes the format allows`);
    }
    const head = new Uint8Array(Math.min(size, SUBS_HEADER_SIZE));
    const got = readFully(io, fd, head, 0, head.length, 0);
    decodeSubsHeader(head.subarray(0, got), size, path);
    const bytes = new Uint8Array(size);
    const n = readFully(io, fd, bytes, 0, size, 0);
    return decodeSubscriptions(n === size ? bytes : bytes.subarray(0, n), path);
  } finally {
    io.close(fd);
  }
}

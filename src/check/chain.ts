/**
 * Following a directory chain (SPEC §2.2) from its first copy to the
 * newest, checking every copy's header and forward link on the way.
 *
 * @module
 */
import { DIR_HEADER_SIZE, RECORD_SIZE } from "../format/constants.ts";
import { decodeOffset, OFFSET_MARKER } from "../format/offset.ts";
import { DIR_FIELD, dirNextOffset, dirRecordCount, dirSize } from "../format/record.ts";
import { hex } from "./problems.ts";
import type { ListScope } from "./scope.ts";

/**
 * Check the header of one directory copy: aligned, inside the used space,
 * a count that fits and a dir_size that holds the records and ends inside
 * the used space.
 *
 * @param scope The list file under check.
 * @param off Offset of the copy.
 * @param what The directory, for the messages.
 * @returns Its record count, or -1 when the copy cannot be used (the problem is reported).
 *
 * @example A misaligned directory
 * ```ts ignore
 * checkDirHeader(scope, 30, "the root directory"); // -1, with "… is not 4-byte aligned"
 * ```
 */
export function checkDirHeader(scope: ListScope, off: number, what: string): number {
  const { path, dv, problems } = scope;
  const headerSize = scope.header.headerSize;
  const end = scope.header.usedSpace;
  if (off % 4 !== 0) {
    problems.error(path, off, `${what} at offset ${off} is not 4-byte aligned`);
    return -1;
  }
  if (off < headerSize || off + DIR_HEADER_SIZE > end) {
    problems.error(path, off, `${what} at offset ${off} is outside the used space [${headerSize}, ${end})`);
    return -1;
  }
  const size = dirSize(dv, off);
  const count = dirRecordCount(dv, off);
  if (count > (end - off - DIR_HEADER_SIZE) / RECORD_SIZE) {
    problems.error(path, off + DIR_FIELD.count, `${what}: count ${count} does not fit in the used space`);
    return -1;
  }
  if (size < DIR_HEADER_SIZE + RECORD_SIZE * count) {
    problems.error(path, off + DIR_FIELD.size, `${what}: dir_size ${size} is smaller than 12 + 16 × ${count}`);
    return -1;
  }
  if (size > end - off) {
    problems.error(path, off + DIR_FIELD.size, `${what}: dir_size ${size} runs past used_space ${end}`);
    return -1;
  }
  return count;
}

/**
 * Warn about a link word that is neither 0 nor an encoded offset (readers
 * take it as no link).
 *
 * @param scope The list file under check.
 * @param at Offset of the word.
 * @param word The word as stored.
 * @param field The field, for the message.
 * @returns Nothing.
 *
 * @example A plain offset where an encoded one belongs
 * ```ts ignore
 * checkLinkWord(scope, 40, 56, "dir_offset of record 0 of the root directory"); // a warning
 * ```
 */
export function checkLinkWord(scope: ListScope, at: number, word: number, field: string): void {
  if (word !== 0 && (word & OFFSET_MARKER) >>> 0 !== OFFSET_MARKER) {
    scope.problems.warn(scope.path, at, `${field} ${hex(word)} is not a valid encoded offset (read as no link)`);
  }
}

/**
 * Follow a directory chain from its first copy along the next_offset
 * links, checking each copy and noting its bytes. The walk stops at the
 * newest copy, at a copy that cannot be used, at a link that does not
 * point forward, or at a copy met before (shared links or a cycle).
 *
 * @param scope The list file under check.
 * @param first Offset of the chain's first copy.
 * @param label The directory, for the messages.
 * @param seen Offsets of the copies met so far in the whole file; the chain's are added.
 * @returns The usable copies, oldest first (empty when the first is not usable).
 *
 * @example The root's chain of a fresh index
 * ```ts ignore
 * followChain(scope, scope.header.headerSize, "the root directory", new Set()); // [28]
 * ```
 */
export function followChain(scope: ListScope, first: number, label: string, seen: Set<number>): number[] {
  const { path, dv, problems } = scope;
  const copies: number[] = [];
  let off = first;
  for (;;) {
    if (seen.has(off)) {
      problems.error(path, off, `${label} at offset ${off} is reached twice: links are shared or form a cycle`);
      break;
    }
    if (checkDirHeader(scope, off, label) < 0) break;
    seen.add(off);
    copies.push(off);
    scope.extents.add(off, off + dirSize(dv, off), `${label} (copy at ${off})`);
    const word = dirNextOffset(dv, off);
    checkLinkWord(scope, off + DIR_FIELD.nextOffset, word, `next_offset of ${label} at ${off}`);
    const next = decodeOffset(word);
    if (next === 0) break;
    if (next <= off) {
      problems.error(path, off, `next_offset ${next} of ${label} at ${off} does not point forward`);
      break;
    }
    off = next;
  }
  return copies;
}

/**
 * The checks of one record's name (SPEC §2.3): inside the used space,
 * NUL-terminated and not empty, stored where the directory's names live,
 * without the separator, and matching the record's name hash.
 *
 * @module
 */
import { MAX_NAME_SCAN } from "../format/constants.ts";
import { decodeName } from "../format/name_codec.ts";
import { hashBytes } from "../format/name_hash.ts";
import { dirSize, RECORD_FIELD, recordHash, recordNameOffset } from "../format/record.ts";
import { hex } from "./problems.ts";
import type { ListScope } from "./scope.ts";

/**
 * The copy of a directory whose records are checked (its newest), with the
 * older copies its names may still lie in.
 *
 * @example The root directory of a fresh index
 * ```ts
 * import type { CheckedCopy } from "./names.ts";
 * const root: CheckedCopy = {
 *   label: "the root directory", offset: 28, older: [], dirSize: 12, recordsEnd: 40, dirEnd: 40,
 * };
 * ```
 */
export interface CheckedCopy {
  /** The directory, for the messages. */
  label: string;
  /** Offset of the copy. */
  offset: number;
  /** Offsets of the older copies, oldest first. */
  older: readonly number[];
  /** Its dir_size. */
  dirSize: number;
  /** Where its records end (its name area starts). */
  recordsEnd: number;
  /** Where its dir_size ends. */
  dirEnd: number;
}

/**
 * A record's name as found: its bytes `[start, end)` when it could be read.
 *
 * @example A name that could be read
 * ```ts
 * import type { NameSpan } from "./names.ts";
 * const span: NameSpan = { ok: true, start: 56, end: 61, name: "INBOX" };
 * ```
 */
export interface NameSpan {
  /** Whether the name could be read (inside the file, NUL-terminated, not empty). */
  ok: boolean;
  /** Offset of its first byte (0 when not ok). */
  start: number;
  /** Offset of its NUL (0 when not ok). */
  end: number;
  /** The name ("" when not ok). */
  name: string;
}

const UNREADABLE: NameSpan = Object.freeze({ ok: false, start: 0, end: 0, name: "" });

/** Find the name's NUL within the used space and MAX_NAME_SCAN bytes; report a name that cannot be read. */
function findName(scope: ListScope, rec: number, where: string): NameSpan {
  const { path, bytes, problems } = scope;
  const end = scope.header.usedSpace;
  const nameOff = recordNameOffset(scope.dv, rec);
  if (nameOff < scope.header.headerSize || nameOff >= end) {
    problems.error(path, rec + RECORD_FIELD.nameOffset, `${where}: name_offset ${nameOff} is outside the used space`);
    return UNREADABLE;
  }
  const limit = Math.min(end, nameOff + MAX_NAME_SCAN);
  let nul = nameOff;
  while (nul < limit && bytes[nul] !== 0) nul++;
  if (nul >= limit) {
    problems.error(path, nameOff, `${where}: the name at ${nameOff} is not NUL-terminated`);
    return UNREADABLE;
  }
  if (nul === nameOff) {
    problems.error(path, nameOff, `${where}: the name at ${nameOff} is empty`);
    return UNREADABLE;
  }
  return { ok: true, start: nameOff, end: nul, name: decodeName(bytes, nameOff, nul) };
}

/** Check where a readable name lies: this copy's name area, or an older copy; count a live one's bytes. */
function checkPlace(scope: ListScope, copy: CheckedCopy, rec: number, span: NameSpan, where: string, deleted: boolean): void {
  const { path, problems } = scope;
  const { start, end } = span;
  if (start >= copy.recordsEnd && start < copy.dirEnd) {
    if (end >= copy.dirEnd) {
      problems.error(path, start, `${where}: the name at ${start} runs past the directory's dir_size ${copy.dirSize}`);
    }
    if (!deleted) scope.stats.liveBytes += end + 1 - start;
  } else if (start >= copy.offset) {
    problems.error(
      path,
      rec + RECORD_FIELD.nameOffset,
      `${where}: name_offset ${start} points into the directory's own header or records, or past its dir_size`,
    );
  } else if (!copy.older.some((c) => start >= c && end < c + dirSize(scope.dv, c))) {
    problems.warn(path, rec + RECORD_FIELD.nameOffset, `${where}: the name at ${start} lies outside this directory and its older copies`);
  }
}

/**
 * Check the name of the record at `rec` of a directory's newest copy.
 *
 * @param scope The list file under check.
 * @param copy The copy the record is in.
 * @param rec Offset of the record.
 * @param where The record, for the messages.
 * @param deleted Whether the record is deleted (its name's bytes are not counted live).
 * @returns The name as found, for the sort-order check.
 *
 * @example The first record of the root
 * ```ts ignore
 * const span = checkRecordName(scope, root, 40, "record 0 of the root directory", false);
 * ```
 */
export function checkRecordName(scope: ListScope, copy: CheckedCopy, rec: number, where: string, deleted: boolean): NameSpan {
  const span = findName(scope, rec, where);
  if (!span.ok) return span;
  const { path, bytes, problems } = scope;
  checkPlace(scope, copy, rec, span, where, deleted);
  if (scope.sepByte >= 0 && bytes.subarray(span.start, span.end).includes(scope.sepByte)) {
    problems.error(
      path,
      span.start,
      `${where}: the name ${JSON.stringify(span.name)} contains the separator ${JSON.stringify(scope.separator)}`,
    );
  }
  const hash = recordHash(scope.dv, rec);
  const actual = hashBytes(bytes, span.start, span.end);
  if (actual !== hash) {
    problems.error(
      path,
      rec + RECORD_FIELD.hash,
      `${where}: name_hash ${hex(hash)} does not match the name ${JSON.stringify(span.name)} (${hex(actual)})`,
    );
  }
  return span;
}

/**
 * The walk of a list file's tree for the check and the dump: every
 * directory chain reachable from the root, in depth-first pre-order (the
 * layout order of a fresh rebuild), its newest copy's records checked.
 *
 * @module
 */
import { DIR_HEADER_SIZE, RECORD_SIZE } from "../format/constants.ts";
import { dirRecordCount, dirSize } from "../format/record.ts";
import { followChain } from "./chain.ts";
import type { DumpDirectory } from "./dump_types.ts";
import type { CheckedCopy } from "./names.ts";
import { checkRecords } from "./records.ts";
import type { ListScope, LiveInfo, PendingDirectory } from "./scope.ts";

/** Walk one directory chain: follow it, count it, check its newest copy's records. */
function walkDirectory(scope: ListScope, dir: PendingDirectory, seen: Set<number>, live: Map<number, LiveInfo>): PendingDirectory[] {
  const label = dir.owner === "" ? "the root directory" : `the directory of ${JSON.stringify(dir.owner)}`;
  const copies = followChain(scope, dir.first, label, seen);
  // A broken chain: the last good copy stands for the directory.
  if (copies.length === 0) return [];
  const newest = copies[copies.length - 1];
  const older = copies.slice(0, -1);
  const count = dirRecordCount(scope.dv, newest);
  const size = dirSize(scope.dv, newest);
  const recordsEnd = newest + DIR_HEADER_SIZE + RECORD_SIZE * count;
  const copy: CheckedCopy = { label, offset: newest, older, dirSize: size, recordsEnd, dirEnd: newest + size };
  scope.stats.directories++;
  scope.stats.directoryCopies += copies.length;
  scope.stats.liveBytes += DIR_HEADER_SIZE + RECORD_SIZE * count;
  let dump: DumpDirectory | undefined;
  if (scope.directories !== undefined) {
    dump = { offset: newest, copies: older, owner: dir.owner, ownerUid: dir.ownerUid, dirSize: size, count, records: [] };
    scope.directories.push(dump);
  }
  return checkRecords(scope, dir, copy, count, live, dump);
}

/**
 * Walk every directory chain reachable from the root and check it (see
 * `chain.ts`, `records.ts`, `names.ts`); the problems, figures, extents
 * and, for a dump, the directories go into the scope.
 *
 * @param scope The list file under check.
 * @returns The live records by UID, with their full names and whether they have live children.
 *
 * @example The live mailboxes of a list file
 * ```ts ignore
 * const live = walkTree(scope);
 * for (const [uid, info] of live) console.log(uid, info.name);
 * ```
 */
export function walkTree(scope: ListScope): Map<number, LiveInfo> {
  const live = new Map<number, LiveInfo>();
  const seen = new Set<number>();
  const h = scope.header;
  const stack: PendingDirectory[] = [];
  if (h.usedSpace > h.headerSize) stack.push({ first: h.headerSize, owner: "", ownerUid: 0, depth: 1 });
  while (stack.length > 0) {
    const children = walkDirectory(scope, stack.pop()!, seen, live);
    // Children in reverse so that they pop in sort order (pre-order walk).
    for (let k = children.length - 1; k >= 0; k--) stack.push(children[k]);
  }
  return live;
}

/**
 * The checks of a directory's records (SPEC §2.3): UIDs non-zero, below
 * next_uid and unique among live records; names (see `names.ts`); the
 * sort order by name hash, then name bytes, with no live name twice; and
 * the child directories still to walk.
 *
 * @module
 */
import { decodeOffset } from "../format/offset.ts";
import {
  RECORD_FIELD,
  recordAt,
  recordDeleted,
  recordDirOffset,
  recordHash,
  recordNameOffset,
  recordUid,
} from "../format/record.ts";
import type { DumpDirectory } from "./dump_types.ts";
import { checkLinkWord } from "./chain.ts";
import { type CheckedCopy, checkRecordName, type NameSpan } from "./names.ts";
import type { ListScope, LiveInfo, PendingDirectory } from "./scope.ts";

/** Compare two byte ranges of one buffer, like strcmp. */
function compareRange(b: Uint8Array, aS: number, aE: number, bS: number, bE: number): number {
  const la = aE - aS, lb = bE - bS;
  const n = la < lb ? la : lb;
  for (let i = 0; i < n; i++) {
    const d = b[aS + i] - b[bS + i];
    if (d !== 0) return d;
  }
  return la - lb;
}

/** The sort order of one directory's records: each against the one before. */
class SortOrder {
  #first = true;
  #hash = -1;
  #start = 0;
  #end = 0;
  #live = false;

  constructor(readonly scope: ListScope, readonly label: string) {}

  /** Check the record at `rec` against the previous one, then make it the previous one. */
  next(rec: number, where: string, hash: number, span: NameSpan, deleted: boolean): void {
    const { path, bytes, problems } = this.scope;
    if (!this.#first) {
      let cmp = hash === this.#hash ? 0 : hash < this.#hash ? -1 : 1;
      if (cmp === 0 && span.ok && this.#end > this.#start) cmp = compareRange(bytes, span.start, span.end, this.#start, this.#end);
      if (cmp < 0) {
        problems.error(path, rec, `${where}: records are not sorted by name hash, then name bytes`);
      } else if (cmp === 0 && span.ok && !deleted && this.#live) {
        problems.error(path, rec, `${where}: the name ${JSON.stringify(span.name)} appears twice in ${this.label}`);
      }
    }
    this.#first = false;
    this.#hash = hash;
    this.#start = span.start;
    this.#end = span.end;
    this.#live = !deleted;
  }
}

/**
 * Check the records of a directory's newest copy, count them, note the live
 * ones by UID and, for a dump, list them.
 *
 * @param scope The list file under check.
 * @param dir The directory's chain and owner.
 * @param copy Its newest copy.
 * @param count The copy's record count (checked to fit).
 * @param live Live records by UID so far; this directory's are added and its owner marked as having children.
 * @param dump The directory's dump entry, when dumping.
 * @returns The child directories to walk, in record order.
 *
 * @example Walking on from a directory
 * ```ts ignore
 * const children = checkRecords(scope, pending, copy, count, live, undefined);
 * ```
 */
export function checkRecords(
  scope: ListScope,
  dir: PendingDirectory,
  copy: CheckedCopy,
  count: number,
  live: Map<number, LiveInfo>,
  dump: DumpDirectory | undefined,
): PendingDirectory[] {
  const { path, dv, problems, stats } = scope;
  const nextUid = scope.header.nextUid;
  const joiner = scope.separator ?? "/";
  const order = new SortOrder(scope, copy.label);
  const children: PendingDirectory[] = [];
  let liveHere = 0;
  for (let i = 0; i < count; i++) {
    const rec = recordAt(copy.offset, i);
    const hash = recordHash(dv, rec);
    const uid = recordUid(dv, rec);
    const deleted = recordDeleted(dv, rec);
    const dirWord = recordDirOffset(dv, rec);
    const where = `record ${i} of ${copy.label}`;
    if (uid === 0) problems.error(path, rec + RECORD_FIELD.uid, `${where}: uid is 0`);
    else if (uid >= nextUid) problems.error(path, rec + RECORD_FIELD.uid, `${where}: uid ${uid} is not below next_uid ${nextUid}`);
    const span = checkRecordName(scope, copy, rec, where, deleted);
    order.next(rec, where, hash, span, deleted);
    const mailbox = dir.owner === "" ? span.name : dir.owner + joiner + span.name;
    checkLinkWord(scope, rec + RECORD_FIELD.dirOffset, dirWord, `dir_offset of ${where}`);
    const child = decodeOffset(dirWord);
    const nameOffset = recordNameOffset(dv, rec);
    dump?.records.push({ offset: rec, hash, uid, deleted, nameOffset, name: span.name, mailbox, dirOffset: child });
    if (deleted) {
      stats.deleted++;
      continue;
    }
    stats.live++;
    liveHere++;
    if (dir.depth > stats.maxDepth) stats.maxDepth = dir.depth;
    if (uid !== 0) {
      const dup = live.get(uid);
      if (dup !== undefined) {
        problems.error(
          path,
          rec + RECORD_FIELD.uid,
          `${where}: uid ${uid} of ${JSON.stringify(mailbox)} is also the uid of ${JSON.stringify(dup.name)}`,
        );
      } else live.set(uid, { name: mailbox, hasChildren: false });
    }
    if (child !== 0) children.push({ first: child, owner: mailbox, ownerUid: uid, depth: dir.depth + 1 });
  }
  if (liveHere > 0 && dir.ownerUid !== 0) {
    const owner = live.get(dir.ownerUid);
    if (owner !== undefined) owner.hasChildren = true;
  }
  return children;
}

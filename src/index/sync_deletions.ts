/**
 * The deletions of a sync (SPEC §4 rules 5, 6): in every directory a full
 * sync checks, a live record it did not see (and nobody keeps) is deleted
 * with its whole subtree.
 *
 * @module
 */
import { RECORD_SIZE, recordAt, recordDeleted } from "../format/record.ts";
import { R_DELETE, R_GONE, R_KEEP, R_LOST, R_SEEN } from "./sync_marks.ts";
import type { SyncTree } from "./sync_tree.ts";

/** What a sync deletes. */
export interface Deletions {
  /** UIDs of every deleted record and of every live record under one. */
  uids: number[];
  /** Offsets of the deleted records (their subtrees not listed). */
  recs: number[];
  /** For each of {@linkcode Deletions.recs}: the record offset of its parent (0 = the root). */
  owners: number[];
  /** Record offsets (0 = the root) whose directory lost records. */
  lostOwners: number[];
}

/**
 * Find what a sync deletes and mark it in the tree's marks (`R_DELETE`,
 * and `R_LOST` on the owners of directories that lost records).
 *
 * @param tree The sync's tree, every report marked.
 * @param pathRec The sync path's record (0: the whole tree; -1: not in the image).
 * @param partial Whether the sync only adds.
 * @param recursive Whether every directory under the path is checked.
 * @returns The deletions (empty for a partial sync).
 * @throws CorruptIndexError when directory links form a cycle.
 *
 * @example Deletions of a full sync over everything
 * ```ts ignore
 * const deletions = planDeletions(tree, 0, false, true);
 * ```
 */
export function planDeletions(tree: SyncTree, pathRec: number, partial: boolean, recursive: boolean): Deletions {
  const out: Deletions = { uids: [], recs: [], owners: [], lostOwners: [] };
  if (partial || pathRec < 0) return out;
  const view = tree.view;
  const startDir = pathRec === 0 ? view.rootDir() : view.childDir(pathRec);
  if (startDir !== 0) deleteUnseen(tree, startDir, pathRec, recursive, out);
  return out;
}

/**
 * Delete, in a directory a full sync checks, every live record the sync
 * did not see (and nobody keeps), with its whole subtree; with
 * `recursive`, the same in the directories of the seen records, all the
 * way down. Records a rename moved away or deleted are left to it.
 *
 * @param tree The sync's tree, every report marked.
 * @param start The directory (its newest copy).
 * @param startOwner Offset of the record that owns it (0 = the root).
 * @param recursive Whether the directories under it are checked too.
 * @param out Where the deletions go.
 * @throws CorruptIndexError when directory links form a cycle.
 *
 * @example The deletions under a record a rename moved
 * ```ts ignore
 * deleteUnseen(tree, tree.view.childDir(rec), rec, true, deletions);
 * ```
 */
export function deleteUnseen(tree: SyncTree, start: number, startOwner: number, recursive: boolean, out: Deletions): void {
  const view = tree.view, dv = tree.dv, marks = tree.marks;
  const dirs: number[] = [start];
  const owners: number[] = [startOwner];
  while (dirs.length > 0) {
    const dir = dirs.pop()!;
    const owner = owners.pop()!;
    const count = view.dirCount(dir);
    let lost = false;
    for (let i = 0, rec = recordAt(dir, 0); i < count; i++, rec += RECORD_SIZE) {
      if (recordDeleted(dv, rec)) continue;
      const st = marks.of(rec);
      if ((st & R_GONE) !== 0) continue;
      if ((st & (R_SEEN | R_KEEP)) === 0) {
        marks.set(rec, R_DELETE);
        out.recs.push(rec);
        out.owners.push(owner);
        tree.subtreeUids(rec, out.uids);
        lost = true;
      } else if (recursive && (st & R_SEEN) !== 0) {
        // (A kept record nobody reported under keeps everything below it.)
        const cd = view.childDir(rec);
        if (cd !== 0) {
          dirs.push(cd);
          owners.push(rec);
        }
      }
    }
    if (lost) {
      out.lostOwners.push(owner);
      if (owner !== 0) marks.set(owner, R_LOST);
    }
  }
}

/**
 * The flags a sync gives the records it touched (SPEC §4 rules 2–4, 8, 9),
 * by the one flag rule of `format/flags.ts`: CHILDREN from the tree,
 * NONEXISTENT from whether a name was reported as a mailbox (where the sync
 * checks), every other bit kept; then the bits callers add.
 *
 * @module
 */
import { MailboxFlags } from "../format/constants.ts";
import { SYNC_OWNED_FLAGS, syncedFlags, treeFlags } from "../format/flags.ts";
import { recordUid } from "../format/record.ts";
import type { AttrView } from "../image/attr_file.ts";
import { R_DELETE, R_KEEP, R_LEAF, R_SEEN } from "./sync_marks.ts";
import { N_LEAF, NO_NODE, type NodeStore } from "./sync_nodes.ts";
import type { SyncTree } from "./sync_tree.ts";

/** Where a sync looks, for its flag rules. */
export interface FlagReach {
  /** Levels of the sync path (its records keep their flags, rule 7). */
  depth: number;
  /** The sync path's record (0: the whole tree; -1: not in the image). */
  pathRec: number;
  /** Whether the sync only adds (rule 5). */
  partial: boolean;
  /** Whether every directory under the path is checked. */
  recursive: boolean;
}

/**
 * The new flags of the existing records a sync saw, and of the owners of
 * directories that lost records (rule 8), by UID. With `attr` undefined
 * (attributes rebuilt, rule 10) every seen record is listed.
 *
 * @param tree The sync's tree, its deletions marked.
 * @param attr The current attribute image (undefined: attributes are rebuilt).
 * @param reach Where the sync looks.
 * @param lostOwners Record offsets (0 = the root) whose directory lost records.
 * @returns UID → new flags, for the existing records whose flags change.
 *
 * @example The flag changes of a full sync over everything
 * ```ts ignore
 * const changes = planFlags(tree, attr, { depth: 0, pathRec: 0, partial: false, recursive: true }, deletions.lostOwners);
 * ```
 */
export function planFlags(
  tree: SyncTree,
  attr: AttrView | undefined,
  reach: FlagReach,
  lostOwners: readonly number[],
): Map<number, number> {
  const changes = new Map<number, number>();
  const marks = tree.marks, dv = tree.dv;
  const { depth, partial } = reach;
  const checkedAllLevels = !partial && reach.recursive;
  for (let i = 0; i < marks.seenCount; i++) {
    const rec = marks.seenRecs[i];
    const level = marks.seenLevels[i];
    if (level <= depth) continue; // the path and its ancestors are left as they were
    const st = marks.of(rec);
    if ((st & R_DELETE) !== 0) continue;
    const uid = recordUid(dv, rec);
    const old = attr === undefined ? 0 : attr.flagsOf(uid);
    // NONEXISTENT is decided for a reported mailbox, and for a parent in a checked directory.
    const leaf = (st & R_LEAF) !== 0;
    const decided = leaf || ((st & R_KEEP) === 0 && !partial && (checkedAllLevels || level === depth + 1))
      ? SYNC_OWNED_FLAGS
      : MailboxFlags.Children;
    const f = syncedFlags(old, treeFlags(tree.recHasLiveChildren(rec), leaf), decided);
    if (f !== old || attr === undefined) changes.set(uid, f);
  }
  // Rule 8 for owners the walk above did not cover (the path itself keeps its flags).
  for (const owner of lostOwners) {
    if (owner === 0 || owner === reach.pathRec) continue;
    if ((marks.of(owner) & R_SEEN) !== 0) continue;
    const uid = recordUid(dv, owner);
    if (!tree.recHasLiveChildren(owner)) {
      const old = changes.get(uid) ?? (attr === undefined ? 0 : attr.flagsOf(uid));
      const f = syncedFlags(old, treeFlags(false, true), MailboxFlags.Children);
      if (f !== old) changes.set(uid, f);
    }
  }
  return changes;
}

/**
 * Add the bits callers gave (`orFlags`) to the flags of existing records.
 *
 * @param changes UID → new flags, completed in place.
 * @param extras UID → bits to add.
 * @param attr The current attribute image (undefined: attributes are rebuilt).
 * @param firstNewUid The first UID this sync hands out (new records get their bits with their flags).
 *
 * @example Add NOSELECT to a mailbox
 * ```ts
 * import { addCallerFlags } from "./sync_flags.ts";
 * const changes = new Map<number, number>();
 * addCallerFlags(changes, new Map([[3, 4]]), undefined, 10);
 * console.log(changes.get(3)); // 4
 * ```
 */
export function addCallerFlags(
  changes: Map<number, number>,
  extras: ReadonlyMap<number, number>,
  attr: AttrView | undefined,
  firstNewUid: number,
): void {
  for (const [uid, bits] of extras) {
    if (uid >= firstNewUid) continue;
    const f = changes.get(uid) ?? (attr === undefined ? 0 : attr.flagsOf(uid));
    if ((f | bits) !== f || attr === undefined) changes.set(uid, f | bits);
  }
}

/**
 * The flags of a new record (rules 2, 4): NONEXISTENT unless it was
 * reported as a mailbox, CHILDREN when it has new children, and the bits
 * callers added.
 *
 * @param nodes The sync's nodes.
 * @param id A new node.
 * @param extras Bits callers added to it.
 * @returns Its flags.
 *
 * @example A new parent nobody reported
 * ```ts
 * import { NodeStore } from "./sync_nodes.ts";
 * import { newRecordFlags } from "./sync_flags.ts";
 * const nodes = new NodeStore(), b = new Uint8Array([97, 98]);
 * const a = nodes.createNew(0, 1, b, 0, 1, 1, 1);
 * nodes.createNew(a, 2, b, 1, 2, 2, 2);
 * console.log(newRecordFlags(nodes, a, 0)); // 9
 * ```
 */
export function newRecordFlags(nodes: NodeStore, id: number, extras: number): number {
  const tree = treeFlags(nodes.firstNew[id] !== NO_NODE, (nodes.state[id] & N_LEAF) !== 0);
  return syncedFlags(0, tree, SYNC_OWNED_FLAGS, extras);
}

/**
 * The bytes of a commit's list file changes: the images of the directories
 * a {@linkcode Layout} placed after `used_space`, and the patches to records
 * that stay where they are — the first child directory of an existing
 * record, the deleted bit of a record in a directory not written again.
 *
 * @module
 */
import { DELETED_BIT } from "../format/constants.ts";
import { encodeOffset } from "../format/offset.ts";
import {
  RECORD_FIELD,
  RECORD_SIZE,
  recordAt,
  recordDirOffset,
  recordUidWord,
  setRecordDirOffset,
  writeDirHeader,
  writeRecord,
  writeRecordName,
} from "../format/record.ts";
import { type Layout, type Patch, patchU32 } from "./sync_layout.ts";
import type { SyncTree } from "./sync_tree.ts";

/**
 * Write the images of the directories a layout placed.
 *
 * @param tree The sync's tree.
 * @param layout The layout.
 * @param appendOffset Where the appended bytes start (the old `used_space`).
 * @returns The bytes `[appendOffset, layout.used)`.
 *
 * @example The appended bytes of a commit
 * ```ts ignore
 * const append = writeDirImages(tree, layout, header.usedSpace);
 * ```
 */
export function writeDirImages(tree: SyncTree, layout: Layout, appendOffset: number): Uint8Array {
  const used = layout.used, nodes = tree.nodes, bytes = tree.bytes, view = tree.view, dv = tree.dv;
  const { written, orderStart, orderLen, recCount, order, subPos, subNode, subDir } = layout;
  const append = new Uint8Array(used > appendOffset ? used - appendOffset : 0);
  const adv = new DataView(append.buffer);
  const pool = nodes.pool, nameStart = nodes.nameStart, nameLen = nodes.nameLen, dirOff = nodes.dirOff;
  let sp = 0;
  for (let w = 0; w < written.length; w++) {
    const node = written[w];
    const off = dirOff[node];
    const start = orderStart[w], end = start + orderLen[w], count = recCount[w];
    const dir = off - appendOffset;
    let p = recordAt(dir, 0);
    let namePos = recordAt(dir, count);
    for (let k = start; k < end;) {
      const e = order[k];
      if (e < 0) {
        // A run of live existing records, copied as they are.
        const rec = -e, len = order[k + 1] * RECORD_SIZE;
        append.set(bytes.subarray(rec, rec + len), p);
        k += 2;
        p += len;
      } else {
        const ns = nameStart[e], rec = nodes.rec[e];
        // A record a rename moved keeps its child directory (SPEC §11): the link is copied as it
        // was, unless this commit writes the record's first child directory.
        const link = rec === 0 || (dirOff[e] !== 0 && view.childDir(rec) === 0) ? encodeOffset(dirOff[e]) : recordDirOffset(dv, rec);
        writeRecord(adv, p, nodes.hash[e], nodes.uid[e], namePos + appendOffset, link);
        namePos = writeRecordName(append, namePos, pool, ns, ns + nameLen[e]);
        k++;
        p += RECORD_SIZE;
      }
    }
    // Existing records that got their first child directory.
    for (; sp < subPos.length && subDir[sp] === w; sp++) {
      const sub = subNode[sp];
      if (dirOff[sub] !== 0 && view.childDir(nodes.rec[sub]) === 0) {
        setRecordDirOffset(adv, recordAt(dir, subPos[sp]), encodeOffset(dirOff[sub]));
      }
    }
    writeDirHeader(adv, dir, 0, namePos - dir, count);
  }
  return append;
}

/**
 * Queue the patches to records that stay where they are: links from
 * existing records outside the written directories to their first child
 * directory, then the deleted bits of records in directories not written
 * again.
 *
 * @param tree The sync's tree.
 * @param layout The layout.
 * @param deletedRecs Offsets of the deleted records.
 * @param deletedOwners Record offset of each one's parent (0 = the root).
 * @param patches Where the patches go.
 *
 * @example The patches of a commit
 * ```ts ignore
 * patchKeptRecords(tree, layout, deletions.recs, deletions.owners, patches);
 * ```
 */
export function patchKeptRecords(
  tree: SyncTree,
  layout: Layout,
  deletedRecs: readonly number[],
  deletedOwners: readonly number[],
  patches: Patch[],
): void {
  const nodes = tree.nodes, view = tree.view, dv = tree.dv, rewritten = layout.rewritten;
  for (const node of layout.written) {
    if (node === 0) continue;
    const rec = nodes.rec[node];
    if (rec <= 0 || view.childDir(rec) !== 0) continue;
    if (rewritten.has(nodes.parent[node])) continue;
    patchU32(patches, rec + RECORD_FIELD.dirOffset, encodeOffset(nodes.dirOff[node]));
  }
  for (let d = 0; d < deletedRecs.length; d++) {
    const rec = deletedRecs[d];
    const owner = deletedOwners[d];
    const ownerNode = owner === 0 ? 0 : tree.recNode.get(owner);
    if (ownerNode !== undefined && rewritten.has(ownerNode)) continue;
    patchU32(patches, rec + RECORD_FIELD.uid, (recordUidWord(dv, rec) | DELETED_BIT) >>> 0);
  }
}

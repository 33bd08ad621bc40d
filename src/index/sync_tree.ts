/**
 * The tree one sync works on: the current list image, what the sync knows
 * about each of its records ({@linkcode RecordMarks}), the new nodes
 * ({@linkcode NodeStore}) and which existing records became nodes. A
 * position in the tree is a node id (≥ 0) or minus the offset of an
 * existing record that is no node.
 *
 * @module
 */
import { CorruptIndexError } from "../format/errors.ts";
import { RECORD_SIZE, recordAt, recordDeleted, recordUid } from "../format/record.ts";
import type { ListView } from "../image/view.ts";
import { R_GONE, R_KEEP, RecordMarks } from "./sync_marks.ts";
import { NO_NODE, NodeStore } from "./sync_nodes.ts";

/**
 * The image, the marks and the nodes of one sync.
 *
 * @example The root of an empty image
 * ```ts
 * import { encodeHeader } from "../format/header.ts";
 * import { ListView } from "../image/view.ts";
 * import { SyncTree } from "./sync_tree.ts";
 * const bytes = new Uint8Array(28);
 * encodeHeader(bytes, { fileSeq: 1, headerSize: 28, uidValidity: 7, nextUid: 1, usedSpace: 28, deletedSpace: 0 });
 * const tree = new SyncTree(new ListView(bytes, "x"), false);
 * console.log(tree.existingDirOf(0)); // 0
 * ```
 */
export class SyncTree {
  /** The current list image. */
  readonly view: ListView;
  /** A view over its bytes. */
  readonly dv: DataView;
  /** Its bytes. */
  readonly bytes: Uint8Array;
  /** What the sync knows about each record. */
  readonly marks: RecordMarks;
  /** The root, the existing records that became nodes, and the new records. */
  readonly nodes: NodeStore = new NodeStore();
  /** The node of each existing record that became one, by record offset. */
  readonly recNode: Map<number, number> = new Map();
  /**
   * A rename (SPEC §11) moved records: lookups skip the records their
   * directories no longer hold ({@linkcode R_GONE}).
   */
  renamed = false;

  /**
   * @param view The current list image.
   * @param wide Whether the sync touches most records.
   */
  constructor(view: ListView, wide: boolean) {
    this.view = view;
    this.dv = view.dv;
    this.bytes = view.bytes;
    this.marks = new RecordMarks(view.header.usedSpace, wide);
  }

  /**
   * The existing directory under a position.
   *
   * @param pos A node id, or minus a record offset.
   * @returns Its newest copy's offset, 0 when none.
   */
  existingDirOf(pos: number): number {
    if (pos < 0) return this.view.childDir(-pos);
    if (pos === 0) return this.view.rootDir();
    const rec = this.nodes.rec[pos];
    return rec > 0 ? this.view.childDir(rec) : 0;
  }

  /**
   * The UID at a position.
   *
   * @param pos A node id, or minus a record offset.
   * @returns Its UID.
   */
  uidOfPos(pos: number): number {
    if (pos < 0) return recordUid(this.dv, -pos);
    return this.nodes.uid[pos];
  }

  /**
   * Whether a record has live children after the sync: new ones, or
   * existing ones it does not delete.
   *
   * @param rec Offset of the record.
   * @returns True when it has.
   */
  recHasLiveChildren(rec: number): boolean {
    const node = this.recNode.get(rec);
    if (node !== undefined && this.nodes.firstNew[node] !== NO_NODE) return true;
    const dir = this.view.childDir(rec);
    if (dir === 0) return false;
    const dv = this.dv, marks = this.marks;
    const count = this.view.dirCount(dir);
    for (let i = 0, r = recordAt(dir, 0); i < count; i++, r += RECORD_SIZE) {
      if (!recordDeleted(dv, r) && (marks.of(r) & R_GONE) === 0) return true;
    }
    return false;
  }

  /**
   * The child named `b[s, e)` of a position, after the renames so far: a
   * live record of its directory that stayed there, or a new or moved node.
   *
   * @param pos A node id, or minus a record offset.
   * @param b Bytes holding the name.
   * @param s Start of the name.
   * @param e End of the name.
   * @param hash The name's hash.
   * @returns The child's position (a node id, or minus a record offset), 0 when there is none.
   */
  findChild(pos: number, b: Uint8Array, s: number, e: number, hash: number): number {
    const dir = this.existingDirOf(pos);
    if (dir !== 0) {
      const rec = this.view.findInDir(dir, b, s, e, hash);
      if (rec !== 0 && (!this.renamed || (this.marks.of(rec) & R_GONE) === 0)) return this.recNode.get(rec) ?? -rec;
    }
    if (pos >= 0) {
      const id = this.nodes.findNew(pos, hash, b, s, e);
      if (id !== NO_NODE) return id;
    }
    return 0;
  }

  /**
   * Append the positions of the live children of a position: the records
   * of its directory that stay there, then its new and moved nodes.
   *
   * @param pos A node id, or minus a record offset.
   * @param out Where the positions go (node ids, or minus record offsets).
   */
  childPositions(pos: number, out: number[]): void {
    const dir = this.existingDirOf(pos);
    if (dir !== 0) {
      const dv = this.dv, marks = this.marks, count = this.view.dirCount(dir);
      for (let i = 0, r = recordAt(dir, 0); i < count; i++, r += RECORD_SIZE) {
        if (recordDeleted(dv, r) || (marks.of(r) & R_GONE) !== 0) continue;
        out.push(this.recNode.get(r) ?? -r);
      }
    }
    if (pos >= 0) {
      const nodes = this.nodes;
      for (let c = nodes.firstNew[pos]; c !== NO_NODE; c = nodes.nextNew[c]) out.push(c);
    }
  }

  /**
   * Mark a record and every live record under it as kept.
   *
   * @param rec Offset of the record.
   * @throws CorruptIndexError when directory links form a cycle.
   */
  markKept(rec: number): void {
    const view = this.view, dv = this.dv, marks = this.marks;
    if ((marks.of(rec) & R_KEEP) !== 0) return;
    marks.set(rec, R_KEEP);
    const stack: number[] = [];
    const first = view.childDir(rec);
    if (first !== 0) stack.push(first);
    let budget = (view.end >>> 4) + 16;
    while (stack.length > 0) {
      const d = stack.pop()!;
      const count = view.dirCount(d);
      for (let i = 0, r = recordAt(d, 0); i < count; i++, r += RECORD_SIZE) {
        if (--budget < 0) throw new CorruptIndexError(view.file, rec, "directory links form a cycle or are shared");
        if (recordDeleted(dv, r) || (marks.of(r) & R_KEEP) !== 0) continue;
        marks.set(r, R_KEEP);
        const cd = view.childDir(r);
        if (cd !== 0) stack.push(cd);
      }
    }
  }

  /**
   * Append the UIDs of a record and of every live record under it.
   *
   * @param rec Offset of the record.
   * @param out Where the UIDs go.
   * @throws CorruptIndexError when directory links form a cycle.
   */
  subtreeUids(rec: number, out: number[]): void {
    const view = this.view, dv = this.dv;
    out.push(recordUid(dv, rec));
    const stack: number[] = [];
    const first = view.childDir(rec);
    if (first !== 0) stack.push(first);
    let budget = (view.end >>> 4) + 16;
    while (stack.length > 0) {
      const dir = stack.pop()!;
      const count = view.dirCount(dir);
      for (let i = 0, r = recordAt(dir, 0); i < count; i++, r += RECORD_SIZE) {
        if (--budget < 0) {
          throw new CorruptIndexError(view.file, rec, "directory links form a cycle or are shared");
        }
        if (recordDeleted(dv, r) || (this.renamed && (this.marks.of(r) & R_GONE) !== 0)) continue;
        out.push(recordUid(dv, r));
        const cd = view.childDir(r);
        if (cd !== 0) stack.push(cd);
      }
    }
  }
}

/**
 * The name walk of a sync (SPEC §4 rules 1–3, 7): each reported name is
 * found in the current image — whole, in the full-name table, when the sync
 * is full and over everything; else one binary search per level, reusing
 * the previous name's walk for the components they share — and marked
 * seen; the levels the image does not have become new nodes with UIDs from
 * `next_uid` on. No object is made per existing record.
 *
 * @module
 */
import { MAX_UID } from "../format/constants.ts";
import { IndexLimitError, InvalidNameError } from "../format/errors.ts";
import { invalidNameError, type NameLimits, nameProblem } from "../format/limits.ts";
import { hasUtf8Form, NameEncoder } from "../format/name_codec.ts";
import { hashBytes } from "../format/name_hash.ts";
import { recordHash, recordUid } from "../format/record.ts";
import { type FullNameTable, MARK_LEAF, MARK_SEEN, NAME_NOT_PLAIN } from "../image/full_names.ts";
import type { ListView } from "../image/view.ts";
import { R_GONE, R_LEAF, R_SEEN, type RecordMarks } from "./sync_marks.ts";
import { N_LEAF, NO_NODE, type NodeStore } from "./sync_nodes.ts";
import type { SyncScope } from "./sync_scope.ts";
import type { SyncTree } from "./sync_tree.ts";

/**
 * The names one sync was given, walked into its {@linkcode SyncTree}.
 *
 * @example Walk two names into an empty index
 * ```ts ignore
 * const walk = new NameWalk(tree, scope, undefined, 0x2f, DEFAULT_LIMITS);
 * walk.add("INBOX/Sent"); // 2: "INBOX" got UID 1 as its parent
 * walk.add("INBOX"); // 1
 * ```
 */
export class NameWalk {
  /** The image, the marks and the nodes. */
  readonly tree: SyncTree;
  /** The sync path. */
  readonly scope: SyncScope;
  /** The UID the next new record gets. */
  nextUid: number;
  /** Full sync over everything: the image's full names; undefined otherwise, and after a rename. */
  fast: FullNameTable | undefined;
  /** This sync's marks per slot of {@linkcode NameWalk.fast} (`MARK_*` bits). */
  readonly fastMarks: Uint8Array | undefined;
  /** The marks were handed to the per-record state (from then on the state is marked directly). */
  fastFlushed = false;
  /** Names the full-name table did not have (each went the general way). */
  fastMisses = 0;
  /** How many {@linkcode NameWalk.keep} calls found their record. */
  keptCount = 0;

  private readonly view: ListView;
  private readonly marks: RecordMarks;
  private readonly nodes: NodeStore;
  private readonly recNode: Map<number, number>;
  private readonly sep: number;
  private readonly limits: NameLimits;
  private readonly encoder = new NameEncoder();
  // The current name and the previous one, with their components; the two swap roles after each add.
  private encCur = new NameEncoder();
  private encPrev = new NameEncoder();
  private prevLen = 0;
  private prevCompCount = 0;
  /** Components of the name being walked. */
  private walkComps = 0;
  private curStart = new Int32Array(64);
  private curEnd = new Int32Array(64);
  private prevStart = new Int32Array(64);
  private prevEnd = new Int32Array(64);
  private walkPos = new Int32Array(64); // node id (>= 0) or -(record offset), per level
  private walkDir = new Int32Array(64); // existing directory under walkPos (-1 = not looked up yet)
  private rootDirCache = -1;

  /**
   * @param tree The sync's tree.
   * @param fast The image's full names, for a full sync over everything.
   * @param scope The sync path.
   * @param separator The index's separator byte.
   * @param limits Name limits.
   */
  constructor(
    tree: SyncTree,
    fast: FullNameTable | undefined,
    scope: SyncScope,
    separator: number,
    limits: NameLimits,
  ) {
    this.tree = tree;
    this.view = tree.view;
    this.marks = tree.marks;
    this.nodes = tree.nodes;
    this.recNode = tree.recNode;
    this.fast = fast;
    this.fastMarks = fast === undefined ? undefined : new Uint8Array(fast.slotCount);
    this.scope = scope;
    this.sep = separator;
    this.limits = limits;
    this.nextUid = tree.view.header.nextUid;
  }

  /**
   * Report one mailbox name.
   *
   * @param name Full name.
   * @returns The UID of the name's record (new or existing).
   * @throws InvalidNameError for a name the index cannot hold or outside the sync path.
   */
  add(name: string): number {
    const fast = this.fast;
    if (fast !== undefined) {
      // A name the image has, in ASCII: one hash pass over the string, one probe, one mark.
      const slot = fast.findString(name, this.limits);
      if (slot >= 0) return this.markFound(slot, name.charCodeAt(name.length - 1) === this.sep);
      if (slot !== NAME_NOT_PLAIN) this.fastMisses++;
    }
    // Encode into the buffer not holding the previous name.
    return this.addEncoded(this.encCur.encode(name), name);
  }

  /** Mark the record in a slot of the full-name table as reported (a leaf unless `parentOnly`). */
  private markFound(slot: number, parentOnly: boolean): number {
    const fast = this.fast!;
    if (this.fastFlushed) {
      const marks = this.marks;
      const k = fast.numberAt(slot);
      for (let t = k; t >= 0; t = fast.parent[t]) {
        const r = fast.rec[t];
        if ((marks.of(r) & R_SEEN) !== 0) break;
        marks.markSeen(r, fast.level[t]);
      }
      if (!parentOnly) marks.set(fast.rec[k], R_LEAF);
    } else {
      this.fastMarks![slot] |= parentOnly ? MARK_SEEN : MARK_SEEN | MARK_LEAF;
    }
    this.prevCompCount = 0;
    this.prevLen = 0;
    return fast.uidAt(slot);
  }

  /**
   * Hand the full-name table's marks to the per-record state that the plan
   * reads (once; later reports mark the state directly).
   */
  flushMarks(): void {
    if (this.fast === undefined || this.fastFlushed) return;
    const fast = this.fast, marks = this.marks, byNumber = fast.marksByNumber(this.fastMarks!);
    for (let k = 0; k < fast.count; k++) {
      const m = byNumber[k];
      if (m === 0) continue;
      const rec = fast.rec[k];
      marks.markSeen(rec, fast.level[k]);
      if ((m & MARK_LEAF) !== 0) marks.set(rec, R_LEAF);
    }
    this.fastFlushed = true;
  }

  private addEncoded(len: number, name: string): number {
    const enc = this.encCur;
    const b = enc.bytes;
    const sep = this.sep;
    // Check everything before changing anything.
    const problem = nameProblem(b, 0, len, sep, this.limits);
    if (problem !== 0) throw invalidNameError(name, problem, this.limits);
    let comps = 0;
    for (let i = 0; i < len;) {
      while (i < len && b[i] === sep) i++;
      if (i >= len) break;
      let j = i;
      while (j < len && b[j] !== sep) j++;
      if (comps >= this.curStart.length) this.growComps(comps + 1);
      this.curStart[comps] = i;
      this.curEnd[comps] = j;
      comps++;
      i = j;
    }
    const cs = this.curStart, ce = this.curEnd;
    const parentOnly = b[len - 1] === sep;
    // Scope check (rule 7): the name equals the path or lies under it.
    if (this.scope.depth > 0 && !this.scope.contains(b, cs, ce, comps)) {
      throw new InvalidNameError(name, `is outside the sync path ${JSON.stringify(this.scope.toString())}`);
    }
    // A name already in the index: one probe of the full-name table.
    const fast = this.fast;
    if (fast !== undefined) {
      const slot = fast.findBytes(b, 0, len);
      if (slot >= 0) return this.markFound(slot, parentOnly);
    }
    // Reuse the previous name's walk for the shared leading components.
    const pb = this.encPrev.bytes, pl = this.prevLen;
    let diff = 0;
    const lim = len < pl ? len : pl;
    while (diff < lim && b[diff] === pb[diff]) diff++;
    let level = 0;
    const pc = this.prevCompCount;
    const ps = this.prevStart, pe = this.prevEnd;
    while (
      level < comps && level < pc && cs[level] === ps[level] &&
      (ce[level] < diff || (ce[level] === diff && pe[level] === diff))
    ) level++;
    // Walk the rest.
    const pos = this.walkPos;
    const wd = this.walkDir;
    this.walkComps = comps;
    try {
      for (let k = level; k < comps; k++) {
        pos[k] = this.child(k === 0 ? 0 : pos[k - 1], k, b, cs[k], ce[k]);
        wd[k] = -1;
      }
    } catch (e) {
      // The walk positions now hold part of this name: the next name must not reuse them.
      this.prevCompCount = 0;
      this.prevLen = 0;
      throw e;
    }
    // This name becomes the previous one.
    this.encCur = this.encPrev;
    this.encPrev = enc;
    this.prevLen = len;
    this.curStart = ps;
    this.curEnd = pe;
    this.prevStart = cs;
    this.prevEnd = ce;
    this.prevCompCount = comps;
    const last = pos[comps - 1];
    if (!parentOnly) this.markLeaf(last);
    return this.tree.uidOfPos(last);
  }

  /** The existing directory under the walk position at `level` (cached per walk). */
  private dirAtLevel(level: number): number {
    if (level < 0) {
      if (this.rootDirCache < 0) this.rootDirCache = this.view.rootDir();
      return this.rootDirCache;
    }
    let d = this.walkDir[level];
    if (d < 0) {
      d = this.tree.existingDirOf(this.walkPos[level]);
      this.walkDir[level] = d;
    }
    return d;
  }

  private growComps(n: number): void {
    const size = Math.max(n, this.curStart.length * 2);
    const grow = (a: Int32Array) => {
      const r = new Int32Array(size);
      r.set(a);
      return r;
    };
    this.curStart = grow(this.curStart);
    this.curEnd = grow(this.curEnd);
    this.prevStart = grow(this.prevStart);
    this.prevEnd = grow(this.prevEnd);
    this.walkPos = grow(this.walkPos);
    this.walkDir = grow(this.walkDir);
  }

  private markLeaf(pos: number): void {
    const nodes = this.nodes;
    if (pos < 0) this.marks.set(-pos, R_LEAF);
    else if (nodes.rec[pos] > 0) this.marks.set(nodes.rec[pos], R_LEAF);
    else nodes.state[pos] |= N_LEAF;
  }

  /** Find or create the child named `b[s..e)` under position `parent`, at level `k`. */
  private child(parent: number, k: number, b: Uint8Array, s: number, e: number): number {
    const hash = hashBytes(b, s, e);
    const dir = this.dirAtLevel(k - 1);
    if (dir !== 0) {
      const rec = this.view.findInDir(dir, b, s, e, hash);
      if (rec !== 0 && (!this.tree.renamed || (this.marks.of(rec) & R_GONE) === 0)) {
        this.view.uidOf(rec);
        this.marks.markSeen(rec, k + 1);
        const node = this.recNode.get(rec);
        return node === undefined ? -rec : node;
      }
    }
    const pnode = parent < 0 ? this.materialize(k - 1) : parent;
    const found = this.nodes.findNew(pnode, hash, b, s, e);
    if (found !== NO_NODE) {
      // A record a rename moved here is reported at its new place.
      if (this.nodes.rec[found] > 0) this.marks.markSeen(this.nodes.rec[found], k + 1);
      return found;
    }
    // The first new component of a name: it and every component after it need a UID.
    // Refuse before creating any, so that a refused name leaves no parents behind.
    if (this.nextUid + (this.walkComps - 1 - k) > MAX_UID) {
      throw new IndexLimitError(
        this.view.file,
        `all ${MAX_UID} UIDs of uid_validity ${this.view.header.uidValidity} are used; rebuild the index with a new uid_validity`,
      );
    }
    return this.nodes.createNew(pnode, hash, b, s, e, k + 1, this.nextUid++);
  }

  /** Turn the walk position at level `k` (an existing record) into a node. */
  private materialize(k: number): number {
    const pos = this.walkPos[k];
    if (pos >= 0) return pos;
    const rec = -pos;
    const parent = k === 0 ? 0 : this.materialize(k - 1);
    const dv = this.tree.dv;
    const id = this.nodes.addExisting(parent, rec, recordHash(dv, rec), recordUid(dv, rec), k + 1);
    this.recNode.set(rec, id);
    this.walkPos[k] = id;
    return id;
  }

  /**
   * A rename (SPEC §11) is about to change the tree: the full-name table,
   * which knows the names from before, answers no more lookups (its marks
   * go to the per-record state first), and the next name is walked from
   * the root.
   */
  beforeRename(): void {
    this.flushMarks();
    this.fast = undefined;
    this.prevCompCount = 0;
    this.prevLen = 0;
  }

  /**
   * Keep an existing mailbox and its whole subtree as they are (see
   * `SyncEngine.keep`).
   *
   * @param name Full name.
   * @throws InvalidNameError for a name the index cannot hold.
   */
  keep(name: string): void {
    const n = this.encoder.encode(name);
    const b = this.encoder.bytes, sep = this.sep, scope = this.scope, tree = this.tree;
    const problem = nameProblem(b, 0, n, sep, this.limits);
    if (problem !== 0) throw invalidNameError(name, problem, this.limits);
    // The record of each level (0 for a record this sync creates).
    const recs: number[] = [];
    let pos = 0;
    for (let i = 0, level = 0; i < n; level++) {
      while (i < n && b[i] === sep) i++;
      if (i >= n) break;
      let j = i;
      while (j < n && b[j] !== sep) j++;
      if (level < scope.depth && !scope.matches(level, b, i, j)) return; // outside the sync path
      pos = tree.findChild(pos, b, i, j, hashBytes(b, i, j));
      if (pos === 0) return;
      recs.push(pos < 0 ? -pos : this.nodes.rec[pos]);
      i = j;
    }
    const rec = recs[recs.length - 1];
    if (rec === 0) return; // a record this sync creates: nothing to keep
    // Its parents inside the sync's scope are reported parents (rule 4).
    for (let k = scope.depth; k < recs.length - 1; k++) if (recs[k] !== 0) this.marks.markSeen(recs[k], k + 1);
    this.keptCount++;
    this.tree.markKept(rec);
  }

  /**
   * Whether this sync reported the mailbox with UID `uid` as a mailbox (a
   * leaf, not only as a parent). Looks through what the sync marked, so it
   * costs a pass over the records it met: for the rare questions about a
   * placeholder, not for every name.
   *
   * @param uid A UID of the image or of a record this sync created.
   * @returns True when a reported name is that mailbox.
   */
  reportedLeaf(uid: number): boolean {
    const nodes = this.nodes, marks = this.marks, dv = this.tree.dv;
    if (uid >= this.view.header.nextUid) {
      for (let id = 1; id < nodes.count; id++) {
        if (nodes.rec[id] === 0 && nodes.uid[id] === uid) return (nodes.state[id] & N_LEAF) !== 0;
      }
      return false;
    }
    const fast = this.fast, fastMarks = this.fastMarks;
    if (fast !== undefined && fastMarks !== undefined && !this.fastFlushed) {
      for (let slot = 0; slot < fastMarks.length; slot++) {
        if ((fastMarks[slot] & MARK_LEAF) !== 0 && fast.uidAt(slot) === uid) return true;
      }
    }
    for (let i = 0; i < marks.seenCount; i++) {
      const rec = marks.seenRecs[i];
      if ((marks.of(rec) & R_LEAF) !== 0 && recordUid(dv, rec) === uid) return true;
    }
    return false;
  }

  /**
   * The UID a full name has after this sync: a new record's, or an existing one's.
   *
   * @param name Full name.
   * @returns Its UID, or undefined when neither the image nor this sync has it.
   */
  lookupUid(name: string): number | undefined {
    // A name with no UTF-8 form is in no index.
    if (!hasUtf8Form(name)) return undefined;
    const n = this.encoder.encode(name);
    const b = this.encoder.bytes, tree = this.tree;
    let pos = 0;
    for (let i = 0; i < n;) {
      while (i < n && b[i] === this.sep) i++;
      if (i >= n) break;
      let j = i;
      while (j < n && b[j] !== this.sep) j++;
      pos = tree.findChild(pos, b, i, j, hashBytes(b, i, j));
      if (pos === 0) return undefined;
      i = j;
    }
    return pos === 0 ? undefined : tree.uidOfPos(pos);
  }
}

/**
 * The sync engine (SPEC §4): reconciles the index with the names a store
 * reports. `add` walks the names against the current image (binary search
 * per level, no object per existing record); `plan` computes deletions,
 * flags, the pre-order layout of new and rewritten directories and the
 * in-place changes, as a {@linkcode CommitPlan} that the writer applies
 * all-or-nothing.
 *
 * @module
 */
import {
  ATTR_ENTRY_SIZE,
  ATTR_HEADER_SIZE,
  type AttrHeader,
  encodeAttrHeader,
  writeAttrEntry,
} from "../format/attr_codec.ts";
import type { AttrView } from "../image/attr_file.ts";
import {
  DELETED_BIT,
  DIR_HEADER_SIZE,
  HEADER_SIZE,
  MailboxFlags,
  MAX_UID,
  RECORD_SIZE,
  UID_MASK,
} from "../format/constants.ts";
import { CorruptIndexError, IndexLimitError, InvalidNameError } from "../format/errors.ts";
import { encodeHeader, type ListHeader } from "../format/header.ts";
import { compareBytes, hashBytes } from "../format/name_hash.ts";
import { hasUtf8Form, NameEncoder } from "../format/name_codec.ts";
import { DEFAULT_LIMITS, invalidNameError, type NameLimits, nameProblem } from "../format/limits.ts";
import { alignUp, encodeOffset } from "../format/offset.ts";
import { sortIdsByKey } from "../format/sort.ts";
import type { MailboxStatus } from "../format/types.ts";
import type { ListView } from "../image/view.ts";
import type { CommitPlan } from "../store/commit_plan.ts";

export type { CommitPlan };
import { FullNameTable, HAS_CHILDREN, MARK_LEAF, MARK_SEEN, NAME_NOT_PLAIN } from "../image/full_names.ts";

/** Options of a sync (SPEC §4). */
export interface SyncOptions {
  /** Only the subtree under this mailbox is synced ("" = everything). */
  path?: string;
  /** Check every directory under the path, not only the path's own. */
  recursive?: boolean;
  /** Only add; remove nothing. */
  partial?: boolean;
}

// Per-record state bits, indexed by record offset >> 2.
const R_SEEN = 1;
const R_LEAF = 2;
const R_DELETE = 4;
const R_LOST = 8;
/** In a subtree the caller keeps as it is ({@linkcode SyncEngine.keep}): never deleted, never made NONEXISTENT. */
const R_KEEP = 16;

// Per-node state bits.
const N_NEW = 1;
const N_LEAF = 2;
const N_DIRTY = 4;

const NO_NODE = -1;

const F_SEEN = MARK_SEEN;
const F_LEAF = MARK_LEAF;

/** Offset of the first record in [from, to) with the deleted bit, or `to`. */
function firstDeleted(dv: DataView, from: number, to: number): number {
  for (let r = from; r < to; r += RECORD_SIZE) {
    if ((dv.getUint32(r + 4, true) & DELETED_BIT) !== 0) return r;
  }
  return to;
}

/**
 * One sync in progress over a list image: collects the names with
 * {@linkcode SyncEngine.add}, then computes the commit with
 * {@linkcode SyncEngine.plan}.
 *
 * @example
 * ```ts ignore
 * const engine = new SyncEngine(view, attr, 0x2f, {}, limits);
 * engine.add("INBOX/Sent");
 * const plan = engine.plan();
 * ```
 */
export class SyncEngine {
  private readonly view: ListView;
  private readonly attr: AttrView | undefined;
  private readonly sep: number;
  private readonly sepChar: string;
  private readonly limits: NameLimits;
  private readonly partial: boolean;
  private readonly recursive: boolean;
  private readonly bytes: Uint8Array;
  private readonly dv: DataView;
  private readonly encoder = new NameEncoder();
  private nextUid: number;

  // Path scope.
  private readonly pathBytes: Uint8Array;
  private readonly pathComps: number[] = []; // start,end pairs in pathBytes
  private readonly pathDepth: number;

  // Per-record state of the existing image.
  /** Per-record state for syncs that touch most records; a map for the others. */
  private readonly recStateArr: Uint8Array | undefined;
  private readonly recStateMap = new Map<number, number>();
  /** Full sync over everything: the image's full names, and this sync's marks per slot of that table. */
  private readonly fast: FullNameTable | undefined;
  private readonly fastMarks: Uint8Array | undefined;
  /** The marks were handed to the per-record state (from then on the state is marked directly). */
  private fastFlushed = false;

  private rs(rec: number): number {
    return this.recStateArr !== undefined ? this.recStateArr[rec >>> 2] : this.recStateMap.get(rec) ?? 0;
  }

  private rsSet(rec: number, bits: number): void {
    if (this.recStateArr !== undefined) this.recStateArr[rec >>> 2] |= bits;
    else this.recStateMap.set(rec, (this.recStateMap.get(rec) ?? 0) | bits);
  }
  private seenRecs = new Int32Array(1024);
  private seenLevels = new Uint8Array(1024);
  private seenCount = 0;
  private readonly recNode = new Map<number, number>();

  // Nodes: the root (0), existing records on paths that get new children, and new records.
  private cap = 256;
  private count = 1;
  private nParent = new Int32Array(this.cap);
  private nRec = new Int32Array(this.cap);
  private nHash = new Uint32Array(this.cap);
  private nUid = new Uint32Array(this.cap);
  private nNameStart = new Uint32Array(this.cap);
  private nNameLen = new Uint32Array(this.cap);
  private nFirstNew = new Int32Array(this.cap).fill(NO_NODE);
  private nNextNew = new Int32Array(this.cap).fill(NO_NODE);
  private nFirstSub = new Int32Array(this.cap).fill(NO_NODE);
  private nNextSub = new Int32Array(this.cap).fill(NO_NODE);
  private nState = new Uint8Array(this.cap);
  private nLevel = new Uint8Array(this.cap);
  private nDirOff = new Uint32Array(this.cap);
  private newCount = 0;

  // Names of new records.
  private pool = new Uint8Array(4096);
  private poolUsed = 0;

  // Open-addressing table of new children: key (parent node, hash).
  private table = new Int32Array(1024).fill(NO_NODE);
  private tableUsed = 0;

  private readonly flagOverrides = new Map<number, number>();
  private readonly flagExtras = new Map<number, number>();
  private readonly flagExtrasByName = new Map<string, number>();
  private readonly statusUpdates = new Map<number, MailboxStatus>();
  private readonly statusByName = new Map<string, MailboxStatus>();

  /**
   * @param view The current list image.
   * @param attr The current attribute image (undefined: attributes are rebuilt).
   * @param separator The index's separator byte.
   * @param options Sync options.
   * @param limits Name limits.
   */
  constructor(
    view: ListView,
    attr: AttrView | undefined,
    separator: number,
    options: SyncOptions,
    limits: NameLimits = DEFAULT_LIMITS,
  ) {
    // Before any UID is handed out: a file that lies about its UIDs or shares a directory
    // is corruption (SPEC §9). Checked once per image read from disk; this process's own
    // images are trusted (snapshotAfterCommit), so a sync after a sync costs nothing here.
    view.checkTree();
    this.view = view;
    this.attr = attr;
    this.sep = separator;
    this.sepChar = String.fromCharCode(separator);
    this.limits = limits;
    this.partial = options.partial ?? false;
    this.recursive = options.recursive ?? false;
    this.bytes = view.bytes;
    this.dv = view.dv;
    this.nextUid = view.header.nextUid;
    const wide = (options.path ?? "") === "" && !this.partial;
    this.recStateArr = wide ? new Uint8Array((view.header.usedSpace >>> 2) + 1) : undefined;
    // A full sync meets mostly names the index already has: look them up whole. Building the
    // table also checks every structure of the image, so a damaged one is found here.
    this.fast = wide ? FullNameTable.of(view, separator, attr?.header.live ?? 0) : undefined;
    this.fastMarks = this.fast === undefined ? undefined : new Uint8Array(this.fast.slotCount);
    const path = options.path ?? "";
    const n = this.encoder.encode(path);
    this.pathBytes = this.encoder.bytes.slice(0, n);
    if (path.includes("\0")) throw new InvalidNameError(path, "the sync path contains a NUL byte");
    for (let i = 0; i < n;) {
      while (i < n && this.pathBytes[i] === separator) i++;
      if (i >= n) break;
      let j = i;
      while (j < n && this.pathBytes[j] !== separator) j++;
      this.pathComps.push(i, j);
      i = j;
    }
    this.pathDepth = this.pathComps.length / 2;
    this.nRec[0] = 0;
    this.nLevel[0] = 0;
  }

  // ---------------------------------------------------------------- add

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
    // Encode into the buffer not holding the previous name; the two swap roles after each add.
    return this.addEncoded(this.encCur.encode(name), name);
  }

  /** Names the full-name table did not have (each went the general way). */
  private fastMisses = 0;

  /** Mark the record in a slot of the full-name table as reported (a leaf unless `parentOnly`). */
  private markFound(slot: number, parentOnly: boolean): number {
    const fast = this.fast!;
    if (this.fastFlushed) {
      const k = fast.numberAt(slot);
      for (let t = k; t >= 0; t = fast.parent[t]) {
        const r = fast.rec[t];
        if ((this.rs(r) & R_SEEN) !== 0) break;
        this.markSeen(r, fast.level[t]);
      }
      if (!parentOnly) this.rsSet(fast.rec[k], R_LEAF);
    } else {
      this.fastMarks![slot] |= parentOnly ? F_SEEN : F_SEEN | F_LEAF;
    }
    this.prevCompCount = 0;
    this.prevLen = 0;
    return fast.uidAt(slot);
  }

  /** Hand the table's marks to the per-record state that plan reads. */
  private flushMarks(): void {
    if (this.fast === undefined || this.fastFlushed) return;
    const fast = this.fast, marks = fast.marksByNumber(this.fastMarks!);
    for (let k = 0; k < fast.count; k++) {
      const m = marks[k];
      if (m === 0) continue;
      const rec = fast.rec[k];
      this.markSeen(rec, fast.level[k]);
      if ((m & F_LEAF) !== 0) this.rsSet(rec, R_LEAF);
    }
    this.fastFlushed = true;
  }

  /**
   * Whether committing would change nothing, decided without a plan: a
   * recursive full sync that reported every record of the image and no new
   * one, whose flag rules give every record the flags it has, with no flag
   * or STATUS call.
   *
   * @returns True when the commit can end without writing.
   *
   * @example End a full sync early
   * ```ts ignore
   * if (engine.unchanged()) return { added: 0, deleted: 0, changed: false, compressed: false };
   * ```
   */
  unchanged(): boolean {
    const fast = this.fast, attr = this.attr;
    if (fast === undefined || this.fastFlushed || !this.recursive || attr === undefined || this.keptCount !== 0) return false;
    if (this.newCount !== 0 || this.seenCount !== 0 || this.fastMisses !== 0) return false;
    if (
      this.flagOverrides.size + this.flagExtras.size + this.flagExtrasByName.size + this.statusUpdates.size +
          this.statusByName.size !== 0
    ) return false;
    if (attr.header.nextUid !== this.view.header.nextUid) return false;
    const marks = fast.marksByNumber(this.fastMarks!), uid = fast.uid, info = fast.info;
    const NE = MailboxFlags.NonExistent, CH = MailboxFlags.Children, NC = MailboxFlags.NoChildren;
    for (let k = 0; k < fast.count; k++) {
      const m = marks[k];
      // Not seen: deleted (rule 6).
      if (m === 0) return false;
      const old = attr.flagsOf(uid[k]);
      // Rules 3, 4 (every level is checked), 8.
      let f = (m & F_LEAF) !== 0 ? old & ~NE : old | NE;
      f = (info[k] & HAS_CHILDREN) !== 0 ? (f | CH) & ~NC : f & ~CH;
      if (f !== old) return false;
    }
    return true;
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
    if (this.pathDepth > 0) {
      let inside = comps >= this.pathDepth;
      for (let k = 0; inside && k < this.pathDepth; k++) {
        const ps = this.pathComps[2 * k], pe = this.pathComps[2 * k + 1];
        if (compareBytes(b, cs[k], ce[k], this.pathBytes, ps, pe) !== 0) inside = false;
      }
      if (!inside) {
        throw new InvalidNameError(name, `is outside the sync path ${JSON.stringify(this.pathString())}`);
      }
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
    for (let k = level; k < comps; k++) {
      pos[k] = this.child(k === 0 ? 0 : pos[k - 1], k, b, cs[k], ce[k]);
      wd[k] = -1;
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
    return this.uidOfPos(last);
  }

  private encCur = new NameEncoder();
  private encPrev = new NameEncoder();
  private prevLen = 0;
  private prevCompCount = 0;
  private curStart = new Int32Array(64);
  private curEnd = new Int32Array(64);
  private prevStart = new Int32Array(64);
  private prevEnd = new Int32Array(64);
  private walkPos = new Int32Array(64); // node id (>= 0) or -(record offset), per level
  private walkDir = new Int32Array(64); // existing directory under walkPos (-1 = not looked up yet)
  private rootDirCache = -1;

  /** The existing directory under the walk position at `level` (cached per walk). */
  private dirAtLevel(level: number): number {
    if (level < 0) {
      if (this.rootDirCache < 0) this.rootDirCache = this.view.rootDir();
      return this.rootDirCache;
    }
    let d = this.walkDir[level];
    if (d < 0) {
      d = this.existingDirOf(this.walkPos[level]);
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

  private pathString(): string {
    return new TextDecoder().decode(this.pathBytes);
  }

  private uidOfPos(pos: number): number {
    if (pos < 0) return this.dv.getUint32(-pos + 4, true) & UID_MASK;
    return this.nUid[pos];
  }

  private markLeaf(pos: number): void {
    if (pos < 0) this.rsSet(-pos, R_LEAF);
    else if (this.nRec[pos] > 0) this.rsSet(this.nRec[pos], R_LEAF);
    else this.nState[pos] |= N_LEAF;
  }

  private markSeen(rec: number, level: number): void {
    if ((this.rs(rec) & R_SEEN) !== 0) return;
    this.rsSet(rec, R_SEEN);
    if (this.seenCount === this.seenRecs.length) {
      const r = new Int32Array(this.seenCount * 2), l = new Uint8Array(this.seenCount * 2);
      r.set(this.seenRecs);
      l.set(this.seenLevels);
      this.seenRecs = r;
      this.seenLevels = l;
    }
    this.seenRecs[this.seenCount] = rec;
    this.seenLevels[this.seenCount] = level > 255 ? 255 : level;
    this.seenCount++;
  }

  /** The existing directory under a position (0 when none). */
  private existingDirOf(pos: number): number {
    if (pos < 0) return this.view.childDir(-pos);
    if (pos === 0) return this.view.rootDir();
    const rec = this.nRec[pos];
    return rec > 0 ? this.view.childDir(rec) : 0;
  }

  /** Find or create the child named `b[s..e)` under position `parent`, at level `k`. */
  private child(parent: number, k: number, b: Uint8Array, s: number, e: number): number {
    const hash = hashBytes(b, s, e);
    const dir = this.dirAtLevel(k - 1);
    if (dir !== 0) {
      const rec = this.view.findInDir(dir, b, s, e, hash);
      if (rec !== 0) {
        this.view.uidOf(rec);
        this.markSeen(rec, k + 1);
        const node = this.recNode.get(rec);
        return node === undefined ? -rec : node;
      }
    }
    const pnode = parent < 0 ? this.materialize(k - 1) : parent;
    const found = this.findNew(pnode, hash, b, s, e);
    if (found !== NO_NODE) return found;
    return this.createNode(pnode, hash, b, s, e, k + 1);
  }

  /** Turn the walk position at level `k` (an existing record) into a node. */
  private materialize(k: number): number {
    const pos = this.walkPos[k];
    if (pos >= 0) return pos;
    const rec = -pos;
    const parent = k === 0 ? 0 : this.materialize(k - 1);
    const id = this.allocNode();
    this.nParent[id] = parent;
    this.nRec[id] = rec;
    this.nHash[id] = this.dv.getUint32(rec, true);
    this.nUid[id] = this.dv.getUint32(rec + 4, true) & UID_MASK;
    this.nLevel[id] = Math.min(k + 1, 255);
    this.nNextSub[id] = this.nFirstSub[parent];
    this.nFirstSub[parent] = id;
    this.recNode.set(rec, id);
    this.walkPos[k] = id;
    return id;
  }

  private allocNode(): number {
    if (this.count === this.cap) this.growNodes();
    return this.count++;
  }

  private growNodes(): void {
    const cap = this.cap * 2;
    const gi = (a: Int32Array, fill: boolean) => {
      const n = new Int32Array(cap);
      if (fill) n.fill(NO_NODE);
      n.set(a);
      return n;
    };
    const gu = (a: Uint32Array) => {
      const n = new Uint32Array(cap);
      n.set(a);
      return n;
    };
    const g8 = (a: Uint8Array) => {
      const n = new Uint8Array(cap);
      n.set(a);
      return n;
    };
    this.nParent = gi(this.nParent, false);
    this.nRec = gi(this.nRec, false);
    this.nHash = gu(this.nHash);
    this.nUid = gu(this.nUid);
    this.nNameStart = gu(this.nNameStart);
    this.nNameLen = gu(this.nNameLen);
    this.nFirstNew = gi(this.nFirstNew, true);
    this.nNextNew = gi(this.nNextNew, true);
    this.nFirstSub = gi(this.nFirstSub, true);
    this.nNextSub = gi(this.nNextSub, true);
    this.nState = g8(this.nState);
    this.nLevel = g8(this.nLevel);
    this.nDirOff = gu(this.nDirOff);
    this.cap = cap;
  }

  private slot(parent: number, hash: number): number {
    let h = Math.imul(parent ^ 0x9e3779b9, 0x85ebca6b) ^ hash;
    h = Math.imul(h ^ (h >>> 15), 0xc2b2ae35);
    return (h ^ (h >>> 13)) & (this.table.length - 1);
  }

  private findNew(parent: number, hash: number, b: Uint8Array, s: number, e: number): number {
    if (this.nFirstNew[parent] === NO_NODE) return NO_NODE;
    const mask = this.table.length - 1;
    for (let i = this.slot(parent, hash);; i = (i + 1) & mask) {
      const id = this.table[i];
      if (id === NO_NODE) return NO_NODE;
      if (
        this.nParent[id] === parent && this.nHash[id] === hash &&
        compareBytes(this.pool, this.nNameStart[id], this.nNameStart[id] + this.nNameLen[id], b, s, e) === 0
      ) return id;
    }
  }

  private createNode(parent: number, hash: number, b: Uint8Array, s: number, e: number, level: number): number {
    if (this.nextUid > MAX_UID) {
      throw new IndexLimitError(
        this.view.file,
        `all ${MAX_UID} UIDs of uid_validity ${this.view.header.uidValidity} are used; rebuild the index with a new uid_validity`,
      );
    }
    const id = this.allocNode();
    const len = e - s;
    if (this.poolUsed + len > this.pool.length) {
      const p = new Uint8Array(Math.max(this.pool.length * 2, this.poolUsed + len + 1024));
      p.set(this.pool.subarray(0, this.poolUsed));
      this.pool = p;
    }
    this.pool.set(b.subarray(s, e), this.poolUsed);
    this.nNameStart[id] = this.poolUsed;
    this.nNameLen[id] = len;
    this.poolUsed += len;
    this.nParent[id] = parent;
    this.nRec[id] = 0;
    this.nHash[id] = hash;
    this.nUid[id] = this.nextUid++;
    this.nState[id] = N_NEW;
    this.nLevel[id] = Math.min(level, 255);
    this.nNextNew[id] = this.nFirstNew[parent];
    this.nFirstNew[parent] = id;
    this.newCount++;
    // Table insert (grow at half load).
    if ((this.tableUsed + 1) * 2 > this.table.length) this.growTable();
    this.tableInsert(id);
    // Mark the path to the root dirty: its directories are laid out again.
    for (let p = parent; p !== NO_NODE && (this.nState[p] & N_DIRTY) === 0; p = p === 0 ? NO_NODE : this.nParent[p]) {
      this.nState[p] |= N_DIRTY;
    }
    return id;
  }

  private tableInsert(id: number): void {
    const mask = this.table.length - 1;
    let i = this.slot(this.nParent[id], this.nHash[id]);
    while (this.table[i] !== NO_NODE) i = (i + 1) & mask;
    this.table[i] = id;
    this.tableUsed++;
  }

  private growTable(): void {
    const old = this.table;
    this.table = new Int32Array(old.length * 2).fill(NO_NODE);
    this.tableUsed = 0;
    for (let i = 0; i < old.length; i++) if (old[i] !== NO_NODE) this.tableInsert(old[i]);
  }

  /** How many {@linkcode SyncEngine.keep} calls found their record. */
  private keptCount = 0;

  /**
   * Keep an existing mailbox and its whole subtree as they are, for a store
   * that could not be read completely (SPEC §9): they count as seen, so
   * that no deletion (rules 6, 8) removes them, and the sync's rules never
   * make them NONEXISTENT; their flags and STATUS stay as they were unless
   * the caller reports or changes them. The parents of the mailbox count as
   * reported parents. A name that is not in the index, or outside the sync
   * path, changes nothing; a name that holds the sync path keeps all of it.
   *
   * @param name Full name.
   * @throws InvalidNameError for a name the index cannot hold.
   *
   * @example Keep an unreadable folder
   * ```ts ignore
   * engine.add("INBOX");
   * engine.keep("Archive");
   * const plan = engine.plan(); // "Archive" and everything under it stay
   * ```
   */
  keep(name: string): void {
    const n = this.encoder.encode(name);
    const b = this.encoder.bytes, sep = this.sep, view = this.view;
    const problem = nameProblem(b, 0, n, sep, this.limits);
    if (problem !== 0) throw invalidNameError(name, problem, this.limits);
    const recs: number[] = [];
    let dir = view.rootDir();
    for (let i = 0, level = 0; i < n; level++) {
      while (i < n && b[i] === sep) i++;
      if (i >= n) break;
      let j = i;
      while (j < n && b[j] !== sep) j++;
      if (level < this.pathDepth) {
        const ps = this.pathComps[2 * level], pe = this.pathComps[2 * level + 1];
        if (compareBytes(b, i, j, this.pathBytes, ps, pe) !== 0) return; // outside the sync path
      }
      if (dir === 0) return;
      const rec = view.findInDir(dir, b, i, j, hashBytes(b, i, j));
      if (rec === 0) return;
      recs.push(rec);
      dir = view.childDir(rec);
      i = j;
    }
    const rec = recs[recs.length - 1];
    // Its parents inside the sync's scope are reported parents (rule 4).
    for (let k = this.pathDepth; k < recs.length - 1; k++) this.markSeen(recs[k], k + 1);
    this.keptCount++;
    this.markKept(rec);
  }

  /** Mark a record and every record under it as kept. */
  private markKept(rec: number): void {
    const view = this.view, dv = this.dv;
    if ((this.rs(rec) & R_KEEP) !== 0) return;
    this.rsSet(rec, R_KEEP);
    const stack: number[] = [];
    const first = view.childDir(rec);
    if (first !== 0) stack.push(first);
    let budget = (view.end >>> 4) + 16;
    while (stack.length > 0) {
      const d = stack.pop()!;
      const count = view.dirCount(d);
      for (let i = 0, r = d + DIR_HEADER_SIZE; i < count; i++, r += RECORD_SIZE) {
        if (--budget < 0) throw new CorruptIndexError(view.file, rec, "directory links form a cycle or are shared");
        if ((dv.getUint32(r + 4, true) & DELETED_BIT) !== 0 || (this.rs(r) & R_KEEP) !== 0) continue;
        this.rsSet(r, R_KEEP);
        const cd = view.childDir(r);
        if (cd !== 0) stack.push(cd);
      }
    }
  }

  /**
   * Replace the flags of a UID after the sync's own flag rules.
   *
   * @param uid A UID returned by add (or existing).
   * @param flags The flags to store.
   */
  setFlags(uid: number, flags: number): void {
    this.flagOverrides.set(uid, flags & 0xff);
  }

  /**
   * Add flag bits on top of the flags the sync's rules give a mailbox
   * (for example NOSELECT for a folder that cannot hold messages).
   *
   * @param uidOrName UID, or full name (looked up at commit).
   * @param bits Flag bits to add.
   */
  orFlags(uidOrName: number | string, bits: number): void {
    if (typeof uidOrName === "number") this.flagExtras.set(uidOrName, (this.flagExtras.get(uidOrName) ?? 0) | bits);
    else this.flagExtrasByName.set(uidOrName, (this.flagExtrasByName.get(uidOrName) ?? 0) | bits);
  }

  /**
   * Set the STATUS cache of a mailbox.
   *
   * @param uidOrName UID, or full name (looked up at commit).
   * @param status The figures.
   */
  setStatus(uidOrName: number | string, status: MailboxStatus): void {
    if (typeof uidOrName === "number") this.statusUpdates.set(uidOrName, status);
    else this.statusByName.set(uidOrName, status);
  }

  // ---------------------------------------------------------------- plan

  private oldFlags(uid: number): number {
    return this.attr === undefined ? 0 : this.attr.flagsOf(uid);
  }

  private isLiveRec(rec: number): boolean {
    return (this.dv.getUint32(rec + 4, true) & DELETED_BIT) === 0 &&
      (this.rs(rec) & R_DELETE) === 0;
  }

  private dirHasLive(dir: number): boolean {
    if (dir === 0) return false;
    const count = this.view.dirCount(dir);
    for (let i = 0, rec = dir + DIR_HEADER_SIZE; i < count; i++, rec += RECORD_SIZE) {
      if (this.isLiveRec(rec)) return true;
    }
    return false;
  }

  private recHasLiveChildren(rec: number): boolean {
    const node = this.recNode.get(rec);
    if (node !== undefined && this.nFirstNew[node] !== NO_NODE) return true;
    return this.dirHasLive(this.view.childDir(rec));
  }

  /** Resolve the sync path to its existing record (0 = root or not existing; -1 = missing). */
  private pathRecord(): number {
    if (this.pathDepth === 0) return 0;
    let dir = this.view.rootDir();
    let rec = 0;
    for (let k = 0; k < this.pathDepth; k++) {
      if (dir === 0) return -1;
      const s = this.pathComps[2 * k], e = this.pathComps[2 * k + 1];
      rec = this.view.findInDir(dir, this.pathBytes, s, e, hashBytes(this.pathBytes, s, e));
      if (rec === 0) return -1;
      if (k < this.pathDepth - 1) dir = this.view.childDir(rec);
    }
    return rec;
  }

  /**
   * Compute everything the commit changes.
   *
   * @returns The plan; nothing has been written.
   * @throws IndexLimitError when the file would pass 1 GiB.
   */
  plan(): CommitPlan {
    this.flushMarks();
    const view = this.view;
    const dv = this.dv;
    const header = view.header;
    const deletedUids: number[] = [];
    const deletedRecs: number[] = [];
    const deletedOwners: number[] = []; // record offset of each deleted record's parent (0 = root)
    const lostOwners: number[] = []; // record offsets (0 = root) whose directory lost records

    // 1. Deletions (rules 5, 6): records in checked directories that the sync did not see.
    const pathRec = this.pathRecord();
    if (!this.partial && pathRec >= 0) {
      const startDir = pathRec === 0 ? view.rootDir() : view.childDir(pathRec);
      const dirs: number[] = startDir === 0 ? [] : [startDir];
      const owners: number[] = [pathRec];
      while (dirs.length > 0) {
        const dir = dirs.pop()!;
        const owner = owners.pop()!;
        const count = view.dirCount(dir);
        let lost = false;
        for (let i = 0, rec = dir + DIR_HEADER_SIZE; i < count; i++, rec += RECORD_SIZE) {
          if ((dv.getUint32(rec + 4, true) & DELETED_BIT) !== 0) continue;
          const st = this.rs(rec);
          if ((st & (R_SEEN | R_KEEP)) === 0) {
            this.rsSet(rec, R_DELETE);
            deletedRecs.push(rec);
            deletedOwners.push(owner);
            this.collectSubtreeUids(rec, deletedUids);
            lost = true;
          } else if (this.recursive && (st & R_SEEN) !== 0) {
            // (A kept record nobody reported under keeps everything below it.)
            const cd = view.childDir(rec);
            if (cd !== 0) {
              dirs.push(cd);
              owners.push(rec);
            }
          }
        }
        if (lost) {
          lostOwners.push(owner);
          if (owner !== 0) this.rsSet(owner, R_LOST);
        }
      }
    }

    // 2. Flags (rules 3, 4, 8, 9) of every record the sync touched.
    const flagChanges = new Map<number, number>(); // uid -> new flags, existing records
    const checkedAllLevels = !this.partial && this.recursive;
    for (let i = 0; i < this.seenCount; i++) {
      const rec = this.seenRecs[i];
      const level = this.seenLevels[i];
      if (level <= this.pathDepth) continue; // the path and its ancestors are left as they were
      if ((this.rs(rec) & R_DELETE) !== 0) continue;
      const uid = dv.getUint32(rec + 4, true) & UID_MASK;
      const old = this.oldFlags(uid);
      let f = old;
      const st = this.rs(rec);
      if ((st & R_LEAF) !== 0) f &= ~MailboxFlags.NonExistent;
      else if ((st & R_KEEP) === 0 && !this.partial && (checkedAllLevels || level === this.pathDepth + 1)) {
        f |= MailboxFlags.NonExistent;
      }
      if (this.recHasLiveChildren(rec)) f = (f | MailboxFlags.Children) & ~MailboxFlags.NoChildren;
      else f &= ~MailboxFlags.Children;
      if (f !== old || this.attr === undefined) flagChanges.set(uid, f);
    }
    // Rule 8 for owners the walk above did not cover (the path itself keeps its flags).
    for (const owner of lostOwners) {
      if (owner === 0 || owner === pathRec) continue;
      if ((this.rs(owner) & R_SEEN) !== 0) continue;
      const uid = dv.getUint32(owner + 4, true) & UID_MASK;
      if (!this.recHasLiveChildren(owner)) {
        const old = flagChanges.get(uid) ?? this.oldFlags(uid);
        if ((old & MailboxFlags.Children) !== 0) flagChanges.set(uid, old & ~MailboxFlags.Children);
      }
    }

    // 3. Layout of new and rewritten directories, in pre-order.
    const oldUsed = header.usedSpace;
    let used = oldUsed;
    let deletedSpace = header.deletedSpace;
    const written: number[] = []; // node ids in allocation order
    const orderStart: number[] = [];
    const orderLen: number[] = [];
    const recCount: number[] = [];
    let order = new Int32Array(1024);
    let orderUsed = 0;
    const listPatches: { offset: number; bytes: Uint8Array }[] = [];
    const patchU32 = (offset: number, value: number) => {
      const b = new Uint8Array(4);
      new DataView(b.buffer).setUint32(0, value >>> 0, true);
      listPatches.push({ offset, bytes: b });
    };
    const newIds = new Int32Array(Math.max(16, this.newCount));
    const poolBytes = () => this.pool;
    const tieNew = (a: number, b: number) =>
      compareBytes(
        poolBytes(),
        this.nNameStart[a],
        this.nNameStart[a] + this.nNameLen[a],
        poolBytes(),
        this.nNameStart[b],
        this.nNameStart[b] + this.nNameLen[b],
      );
    const rewrittenOwners = new Set<number>(); // node ids whose directory is written
    const anyDeleted = deletedRecs.length > 0;
    // Existing records with a node, kept in a written directory: position, node, directory.
    const subPos: number[] = [];
    const subNode: number[] = [];
    const subDir: number[] = [];
    const visit: number[] = [0];
    while (visit.length > 0) {
      const node = visit.pop()!;
      const toVisit: number[] = [];
      if (this.nFirstNew[node] !== NO_NODE) {
        // The directory is written: merge the live existing records with the sorted new ones.
        const oldDir = this.existingDirOf(node);
        let n = 0;
        for (let c = this.nFirstNew[node]; c !== NO_NODE; c = this.nNextNew[c]) newIds[n++] = c;
        sortIdsByKey(newIds, n, this.nHash, tieNew);
        const oldCount = oldDir === 0 ? 0 : view.dirCount(oldDir);
        // At most one run (two entries) per live existing record, plus the new ones.
        const need = 2 * oldCount + n + 2;
        if (orderUsed + need > order.length) {
          const o = new Int32Array(Math.max(order.length * 2, orderUsed + need));
          o.set(order.subarray(0, orderUsed));
          order = o;
        }
        const start = orderUsed;
        // Existing children of this node that the sync touched, in record order: the
        // dirty ones are visited, and any of them may need its first child directory linked.
        const subs: number[] = [];
        for (let c = this.nFirstSub[node]; c !== NO_NODE; c = this.nNextSub[c]) subs.push(c);
        if (subs.length > 1) subs.sort((a, b) => this.nRec[a] - this.nRec[b]);
        let si = 0;
        let count = 0, namesBytes = 0;
        const first = oldDir + DIR_HEADER_SIZE;
        const oldEnd = first + oldCount * RECORD_SIZE;
        let cur = first;
        for (let j = 0; j <= n; j++) {
          // The existing records in [cur, to) sort before the next new one (binary search).
          const id = j < n ? newIds[j] : NO_NODE;
          let to = oldEnd;
          if (id !== NO_NODE && cur < oldEnd) {
            const hn = this.nHash[id];
            const ns = this.nNameStart[id], ne = ns + this.nNameLen[id];
            let lo = (cur - first) / RECORD_SIZE, hi = oldCount;
            while (lo < hi) {
              const mid = (lo + hi) >>> 1;
              const r = first + mid * RECORD_SIZE;
              const ho = dv.getUint32(r, true);
              const before = ho !== hn
                ? ho < hn
                : compareBytes(this.bytes, dv.getUint32(r + 8, true), view.nameEnd(r), this.pool, ns, ne) < 0;
              if (before) lo = mid + 1;
              else hi = mid;
            }
            to = first + lo * RECORD_SIZE;
          }
          // Their live ones, as runs of consecutive records.
          for (let runStart = cur; runStart < to;) {
            let r = firstDeleted(dv, runStart, to);
            if (anyDeleted) {
              for (let q = runStart; q < r; q += RECORD_SIZE) {
                if ((this.rs(q) & R_DELETE) !== 0) {
                  r = q;
                  break;
                }
              }
            }
            if (r > runStart) {
              order[orderUsed++] = -runStart;
              order[orderUsed++] = (r - runStart) / RECORD_SIZE;
              while (si < subs.length && this.nRec[subs[si]] < r) {
                const sub = subs[si++];
                const srec = this.nRec[sub];
                if (srec < runStart) continue; // a record not kept
                if ((this.nState[sub] & N_DIRTY) !== 0) toVisit.push(sub);
                subPos.push(count + (srec - runStart) / RECORD_SIZE);
                subNode.push(sub);
                subDir.push(written.length);
              }
              count += (r - runStart) / RECORD_SIZE;
            }
            runStart = r + RECORD_SIZE;
          }
          cur = to;
          if (id !== NO_NODE) {
            order[orderUsed++] = id;
            count++;
            namesBytes += this.nNameLen[id] + 1;
            if ((this.nState[id] & N_DIRTY) !== 0) toVisit.push(id);
          }
        }
        const off = alignUp(used);
        const size = DIR_HEADER_SIZE + RECORD_SIZE * count + namesBytes;
        used = off + size;
        if (used > this.limits.maxFileSize) {
          throw new IndexLimitError(view.file, `the list file would grow past ${this.limits.maxFileSize} bytes`);
        }
        this.nDirOff[node] = off;
        written.push(node);
        orderStart.push(start);
        orderLen.push(orderUsed - start);
        recCount.push(count);
        rewrittenOwners.add(node);
        if (oldDir !== 0) {
          patchU32(oldDir, encodeOffset(off));
          deletedSpace += DIR_HEADER_SIZE + dv.getUint32(oldDir + 4, true);
        }
      } else {
        // Not written: visit the dirty existing children in record order.
        for (let c = this.nFirstSub[node]; c !== NO_NODE; c = this.nNextSub[c]) {
          if ((this.nState[c] & N_DIRTY) !== 0) toVisit.push(c);
        }
        toVisit.sort((a, b) => this.nRec[a] - this.nRec[b]);
      }
      for (let k = toVisit.length - 1; k >= 0; k--) visit.push(toVisit[k]);
    }

    // 4. Images of the written directories.
    const appendOffset = oldUsed;
    const append = new Uint8Array(used > appendOffset ? used - appendOffset : 0);
    const adv = new DataView(append.buffer);
    let sp = 0;
    for (let w = 0; w < written.length; w++) {
      const node = written[w];
      const off = this.nDirOff[node];
      const start = orderStart[w], end = start + orderLen[w], count = recCount[w];
      let p = off - appendOffset;
      let namePos = off + DIR_HEADER_SIZE + RECORD_SIZE * count;
      adv.setUint32(p, 0, true);
      adv.setUint32(p + 8, count, true);
      p += DIR_HEADER_SIZE;
      for (let k = start; k < end;) {
        const e = order[k];
        if (e < 0) {
          // A run of live existing records, copied as they are.
          const rec = -e, len = order[k + 1] * RECORD_SIZE;
          append.set(this.bytes.subarray(rec, rec + len), p);
          k += 2;
          p += len;
        } else {
          adv.setUint32(p, this.nHash[e], true);
          adv.setUint32(p + 4, this.nUid[e], true);
          adv.setUint32(p + 8, namePos, true);
          adv.setUint32(p + 12, encodeOffset(this.nDirOff[e]), true);
          const ns = this.nNameStart[e], nl = this.nNameLen[e];
          append.set(this.pool.subarray(ns, ns + nl), namePos - appendOffset);
          append[namePos - appendOffset + nl] = 0;
          namePos += nl + 1;
          k++;
          p += RECORD_SIZE;
        }
      }
      // Existing records that got their first child directory.
      for (; sp < subPos.length && subDir[sp] === w; sp++) {
        const sub = subNode[sp];
        if (this.nDirOff[sub] !== 0 && view.childDir(this.nRec[sub]) === 0) {
          const at = off - appendOffset + DIR_HEADER_SIZE + RECORD_SIZE * subPos[sp];
          adv.setUint32(at + 12, encodeOffset(this.nDirOff[sub]), true);
        }
      }
      adv.setUint32(off - appendOffset + 4, namePos - off, true);
    }
    // Links from existing records that got their first child directory, outside rewritten directories.
    for (const node of written) {
      if (node === 0) continue;
      const rec = this.nRec[node];
      if (rec <= 0 || view.childDir(rec) !== 0) continue;
      const parent = this.nParent[node];
      if (rewrittenOwners.has(parent)) continue;
      patchU32(rec + 12, encodeOffset(this.nDirOff[node]));
    }
    // Deleted bits of records in directories that are not rewritten.
    for (let d = 0; d < deletedRecs.length; d++) {
      const rec = deletedRecs[d];
      const owner = deletedOwners[d];
      const ownerNode = owner === 0 ? 0 : this.recNode.get(owner);
      if (ownerNode !== undefined && rewrittenOwners.has(ownerNode)) continue;
      patchU32(rec + 4, (dv.getUint32(rec + 4, true) | DELETED_BIT) >>> 0);
    }

    const newHeader: ListHeader = {
      ...header,
      nextUid: this.nextUid,
      usedSpace: used,
      deletedSpace,
    };
    const headerChanged = newHeader.nextUid !== header.nextUid || newHeader.usedSpace !== header.usedSpace ||
      newHeader.deletedSpace !== header.deletedSpace;

    // 5. Attribute changes.
    for (const [name, status] of this.statusByName) {
      const uid = this.lookupUid(name);
      if (uid !== undefined) this.statusUpdates.set(uid, status);
    }
    for (const [name, bits] of this.flagExtrasByName) {
      const uid = this.lookupUid(name);
      if (uid !== undefined) this.flagExtras.set(uid, (this.flagExtras.get(uid) ?? 0) | bits);
    }
    for (const [uid, bits] of this.flagExtras) {
      if (this.isNewUid(uid)) continue;
      const f = flagChanges.get(uid) ?? this.oldFlags(uid);
      if ((f | bits) !== f || this.attr === undefined) flagChanges.set(uid, f | bits);
    }
    const attrPlan = this.planAttr(newHeader, flagChanges, deletedUids);
    const changed = headerChanged || listPatches.length > 0 || append.length > 0 || attrPlan !== undefined;
    if (headerChanged) {
      const hb = new Uint8Array(HEADER_SIZE);
      encodeHeader(hb, newHeader);
      listPatches.push({ offset: 0, bytes: hb });
    }
    return {
      changed,
      header: newHeader,
      appendOffset,
      append,
      listPatches,
      attr: attrPlan ?? { kind: "patch", appendOffset: 0, append: new Uint8Array(0), patches: [] },
      added: this.newCount,
      deleted: deletedUids.length,
      maxFileSize: this.limits.maxFileSize,
    };
  }

  private lookupUid(name: string): number | undefined {
    // A name with no UTF-8 form is in no index.
    if (!hasUtf8Form(name)) return undefined;
    const n = this.encoder.encode(name);
    const b = this.encoder.bytes;
    // New records first (by walking the new tree), then the image.
    let pos = 0;
    let dir = this.view.rootDir();
    for (let i = 0; i < n;) {
      while (i < n && b[i] === this.sep) i++;
      if (i >= n) break;
      let j = i;
      while (j < n && b[j] !== this.sep) j++;
      const hash = hashBytes(b, i, j);
      let next: number | undefined;
      if (dir !== 0) {
        const rec = this.view.findInDir(dir, b, i, j, hash);
        if (rec !== 0) {
          const node = this.recNode.get(rec);
          next = node ?? -rec;
        }
      }
      if (next === undefined && pos >= 0) {
        const id = this.findNew(pos, hash, b, i, j);
        if (id !== NO_NODE) next = id;
      }
      if (next === undefined) return undefined;
      pos = next;
      dir = this.existingDirOf(pos);
      i = j;
    }
    return pos === 0 ? undefined : this.uidOfPos(pos);
  }

  private collectSubtreeUids(rec: number, out: number[]): void {
    const view = this.view, dv = this.dv;
    out.push(dv.getUint32(rec + 4, true) & UID_MASK);
    const stack: number[] = [];
    const first = view.childDir(rec);
    if (first !== 0) stack.push(first);
    let budget = (view.end >>> 4) + 16;
    while (stack.length > 0) {
      const dir = stack.pop()!;
      const count = view.dirCount(dir);
      for (let i = 0, r = dir + DIR_HEADER_SIZE; i < count; i++, r += RECORD_SIZE) {
        if (--budget < 0) {
          throw new CorruptIndexError(view.file, rec, "directory links form a cycle or are shared");
        }
        if ((dv.getUint32(r + 4, true) & DELETED_BIT) !== 0) continue;
        out.push(dv.getUint32(r + 4, true) & UID_MASK);
        const cd = view.childDir(r);
        if (cd !== 0) stack.push(cd);
      }
    }
  }

  /** Flags of new records (rules 2, 4) in creation (= UID) order. */
  private newFlags(id: number): number {
    let f = this.flagExtras.get(this.nUid[id]) ?? 0;
    if ((this.nState[id] & N_LEAF) === 0) f |= MailboxFlags.NonExistent;
    if (this.nFirstNew[id] !== NO_NODE) f |= MailboxFlags.Children;
    return f;
  }

  private planAttr(
    header: ListHeader,
    flagChanges: Map<number, number>,
    deletedUids: number[],
  ): CommitPlan["attr"] | undefined {
    const attr = this.attr;
    for (const [uid, f] of this.flagOverrides) flagChanges.set(uid, f);
    const newIds: number[] = [];
    for (let id = 1; id < this.count; id++) if ((this.nState[id] & N_NEW) !== 0) newIds.push(id);
    newIds.sort((a, b) => this.nUid[a] - this.nUid[b]);
    const statusOf = (uid: number) => this.statusUpdates.get(uid);

    const needsReplace = attr === undefined ||
      flagChanges.size + this.statusUpdates.size + deletedUids.length > attr.header.count / 4 + 64;
    if (!needsReplace) {
      // Every changed existing UID must have an entry to patch.
      for (const uid of flagChanges.keys()) if (attr!.positionOf(uid) < 0 && !this.isNewUid(uid)) return this.replaceAttr(header, flagChanges, deletedUids, newIds);
      for (const uid of this.statusUpdates.keys()) if (attr!.positionOf(uid) < 0 && !this.isNewUid(uid)) return this.replaceAttr(header, flagChanges, deletedUids, newIds);
    }
    if (needsReplace) return this.replaceAttr(header, flagChanges, deletedUids, newIds);
    const a = attr!;
    const patches: { offset: number; bytes: Uint8Array }[] = [];
    const entry = (uid: number, flags: number, status: MailboxStatus | undefined) => {
      const b = new Uint8Array(ATTR_ENTRY_SIZE);
      writeAttrEntry(new DataView(b.buffer), 0, uid, flags, status);
      return b;
    };
    let live = a.header.live;
    for (const uid of deletedUids) {
      const pos = a.positionOf(uid);
      if (pos < 0) continue;
      const b = new Uint8Array(4);
      new DataView(b.buffer).setUint32(0, (uid | DELETED_BIT) >>> 0, true);
      patches.push({ offset: pos, bytes: b });
      live--;
    }
    const touched = new Set<number>([...flagChanges.keys(), ...this.statusUpdates.keys()]);
    // Flags or STATUS set on a mailbox this sync deletes go with it (rule 6): rewriting its
    // entry would bring it back to life, an entry for a UID the list does not have (SPEC §9).
    for (const uid of deletedUids) touched.delete(uid);
    for (const uid of touched) {
      if (this.isNewUid(uid)) continue;
      const pos = a.positionOf(uid);
      if (pos < 0) continue;
      const flags = flagChanges.get(uid) ?? (a.dv.getUint32(pos + 4, true) & 0xff);
      const status = statusOf(uid) ?? a.statusOf(uid);
      patches.push({ offset: pos, bytes: entry(uid, flags, status) });
    }
    const append = new Uint8Array(newIds.length * ATTR_ENTRY_SIZE);
    const adv = new DataView(append.buffer);
    for (let k = 0; k < newIds.length; k++) {
      const id = newIds[k];
      const uid = this.nUid[id];
      writeAttrEntry(adv, k * ATTR_ENTRY_SIZE, uid, flagChanges.get(uid) ?? this.newFlags(id), statusOf(uid));
    }
    if (patches.length === 0 && append.length === 0 && a.header.nextUid === header.nextUid) return undefined;
    const h: AttrHeader = {
      ...a.header,
      nextUid: header.nextUid,
      count: a.header.count + newIds.length,
      live: live + newIds.length,
    };
    const hb = new Uint8Array(ATTR_HEADER_SIZE);
    encodeAttrHeader(hb, h);
    patches.push({ offset: 0, bytes: hb });
    return {
      kind: "patch",
      appendOffset: ATTR_HEADER_SIZE + a.header.count * ATTR_ENTRY_SIZE,
      append,
      patches,
    };
  }

  private isNewUid(uid: number): boolean {
    return uid >= this.view.header.nextUid;
  }

  /** A whole new attribute image: the old entries that stay, changed, plus the new ones. */
  private replaceAttr(
    header: ListHeader,
    flagChanges: Map<number, number>,
    deletedUids: number[],
    newIds: number[],
  ): CommitPlan["attr"] {
    const attr = this.attr;
    const deleted = new Set(deletedUids);
    // Existing live UIDs come from the list image (the attribute file may be missing or reset).
    const liveUids: number[] = [];
    const flagsOfExisting = new Map<number, number>();
    const view = this.view, dv = this.dv;
    const root = view.rootDir();
    if (root !== 0) {
      const stack = [root];
      let budget = (view.end >>> 4) + 16;
      while (stack.length > 0) {
        const dir = stack.pop()!;
        const count = view.dirCount(dir);
        for (let i = 0, r = dir + DIR_HEADER_SIZE; i < count; i++, r += RECORD_SIZE) {
          if (--budget < 0) throw new CorruptIndexError(view.file, r, "directory links form a cycle or are shared");
          if ((dv.getUint32(r + 4, true) & DELETED_BIT) !== 0) continue;
          const uid = dv.getUint32(r + 4, true) & UID_MASK;
          if (deleted.has(uid)) continue;
          liveUids.push(uid);
          const cd = view.childDir(r);
          if (attr === undefined) {
            // Attributes were reset (rule 10): derive the structural flags.
            flagsOfExisting.set(uid, this.recHasLiveChildren(r) ? MailboxFlags.Children : 0);
          }
          if (cd !== 0) stack.push(cd);
        }
      }
    }
    liveUids.sort((a, b) => a - b);
    const total = liveUids.length + newIds.length;
    const uids = new Uint32Array(total);
    const flags = new Uint8Array(total);
    const statusSet = new Uint8Array(total);
    const statusValues = new Uint32Array(total * 5);
    let k = 0;
    const put = (uid: number, f: number, st: MailboxStatus | undefined) => {
      uids[k] = uid;
      flags[k] = f;
      if (st !== undefined) {
        statusSet[k] = 1;
        statusValues.set([st.messages, st.unseen, st.recent, st.uidValidity, st.uidNext], k * 5);
      }
      k++;
    };
    for (const uid of liveUids) {
      const f = flagChanges.get(uid) ?? (attr !== undefined ? attr.flagsOf(uid) : flagsOfExisting.get(uid) ?? 0);
      put(uid, f, this.statusUpdates.get(uid) ?? attr?.statusOf(uid));
    }
    for (const id of newIds) {
      const uid = this.nUid[id];
      put(uid, flagChanges.get(uid) ?? this.newFlags(id), this.statusUpdates.get(uid));
    }
    const image = new Uint8Array(ATTR_HEADER_SIZE + total * ATTR_ENTRY_SIZE);
    const idv = new DataView(image.buffer);
    encodeAttrHeader(image, {
      uidValidity: header.uidValidity,
      listFileSeq: header.fileSeq,
      nextUid: header.nextUid,
      count: total,
      live: total,
      separator: this.sep,
    });
    for (let i = 0; i < total; i++) {
      const pos = ATTR_HEADER_SIZE + i * ATTR_ENTRY_SIZE;
      const st = statusSet[i] !== 0
        ? {
          messages: statusValues[i * 5],
          unseen: statusValues[i * 5 + 1],
          recent: statusValues[i * 5 + 2],
          uidValidity: statusValues[i * 5 + 3],
          uidNext: statusValues[i * 5 + 4],
        }
        : undefined;
      writeAttrEntry(idv, pos, uids[i], flags[i], st);
    }
    return { kind: "replace", image };
  }

  /** The separator as a string. */
  get separator(): string {
    return this.sepChar;
  }
}

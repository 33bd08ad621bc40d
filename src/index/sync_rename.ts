/**
 * Rename inside a sync (SPEC §11): a mailbox moves to a new name with its
 * whole subtree. The moved record keeps its UID, its attributes and its
 * child directory, so nothing under it is copied: it becomes a new record
 * of its new parent's directory (hashed and named by its new last
 * component), and its old directory loses it (marked deleted in place, or
 * left out when written again). A `\NonExistent` placeholder at the new
 * name is taken over, its children joining the moved node's; missing
 * parents of the new name are created as placeholders (rule 4); a
 * placeholder the rename leaves without children goes (rule 8). Renaming
 * INBOX creates the new name as a new mailbox and moves nothing. Every
 * check is made before anything changes, so a refused rename leaves the
 * sync as it was.
 *
 * @module
 */
import { MailboxFlags, MAX_UID } from "../format/constants.ts";
import { IndexLimitError, RenameError } from "../format/errors.ts";
import { syncedFlags, treeFlags } from "../format/flags.ts";
import type { NameLimits } from "../format/limits.ts";
import { decodeName } from "../format/name_codec.ts";
import { hashBytes } from "../format/name_hash.ts";
import { decodeOffset } from "../format/offset.ts";
import {
  RECORD_SIZE,
  recordAt,
  recordDeleted,
  recordDirOffset,
  recordHash,
  recordNameOffset,
  recordUid,
} from "../format/record.ts";
import type { AttrView } from "../image/attr_file.ts";
import { type Deletions, deleteUnseen } from "./sync_deletions.ts";
import { R_DELETE, R_GONE, R_KEEP, R_LEAF, R_MOVED, R_SEEN } from "./sync_marks.ts";
import { N_GONE, N_LEAF, N_MOVED, N_NEW, NO_NODE } from "./sync_nodes.ts";
import type { SyncScope } from "./sync_scope.ts";
import type { SyncTree } from "./sync_tree.ts";
import type { NameWalk } from "./sync_walk.ts";
import { canonicalInbox, isInbox, type Name, parseRenameName, startsWithName } from "./rename_names.ts";

/**
 * The renames of one sync: each changes the sync's tree at once, so that
 * later calls (adds, lookups, renames) see the new names; the plan then
 * asks {@linkcode Renames.finish} for the records they delete and
 * {@linkcode Renames.applyFlags} for the CHILDREN flags they change.
 *
 * @example Two renames in one sync
 * ```ts ignore
 * const renames = new Renames(tree, walk, attr, scope, 0x2f, limits, { partial: true, recursive: false });
 * renames.rename("Archive", "Old/Archive"); // "Old" is created as a placeholder
 * renames.rename("INBOX", "Saved"); // true: "Saved" is a new mailbox
 * ```
 */
export class Renames {
  /** Renames made so far. */
  count = 0;
  /** Records that left a directory of the image, and the record owning it (0 = the root). */
  private readonly movedRecs: number[] = [];
  private readonly movedOwners: number[] = [];
  /** Every node that holds a moved record. */
  private readonly movedNodes: number[] = [];
  /**
   * Records the renames delete — placeholders taken over or left empty —
   * with the owner of each one's directory (for the mark) and their UIDs.
   */
  private readonly goneRecs: number[] = [];
  private readonly goneOwners: number[] = [];
  private readonly goneUids: number[] = [];
  /** Nodes that lost a child: each may be a placeholder left empty (rule 8). */
  private readonly emptied: number[] = [];
  /** Records whose children changed: their CHILDREN flag is derived again. */
  private readonly touched = new Set<number>();
  /** Called with a node about to move (`true`) and once it moved (`false`), for the change feed. */
  onMove?: (node: number, before: boolean) => void;

  /**
   * @param tree The sync's tree.
   * @param walk The sync's name walk (for UIDs and its caches).
   * @param attr The attribute image the sync started from (undefined: rebuilt).
   * @param scope The sync path.
   * @param sep The separator byte.
   * @param limits Name limits.
   * @param mode Whether the sync only adds, and whether it checks every directory under its path.
   */
  constructor(
    private readonly tree: SyncTree,
    private readonly walk: NameWalk,
    private readonly attr: AttrView | undefined,
    private readonly scope: SyncScope,
    private readonly sep: number,
    private readonly limits: NameLimits,
    private readonly mode: { partial: boolean; recursive: boolean },
  ) {}

  /**
   * Rename `from` to `to` in the sync's tree (SPEC §11).
   *
   * @param from Full name of a mailbox or a `\NonExistent` parent.
   * @param to Its new full name.
   * @returns True when `from` is INBOX: `to` was created as a new mailbox and nothing moved.
   * @throws RenameError when the rename is refused; InvalidNameError for a name the index cannot
   *   hold or outside the sync path; IndexLimitError when the UIDs run out. Nothing changed then.
   */
  rename(from: string, to: string): boolean {
    const f = parseRenameName(from, this.sep, this.limits, this.scope);
    const t = parseRenameName(to, this.sep, this.limits, this.scope);
    const inbox = isInbox(f);
    const tree = this.tree;
    // The placeholders earlier renames left empty are gone before this one looks.
    this.dropEmptied();
    // 1. `from` exists; INBOX in any spelling.
    const fpos = new Int32Array(f.count);
    let found = this.resolve(f, fpos) === f.count;
    if (!found && inbox) found = this.resolve(canonicalInbox(), fpos) === 1;
    if (!found) throw new RenameError("NONEXISTENT", from, to, `${JSON.stringify(from)} does not exist`);
    const F = fpos[f.count - 1];
    // 2. `to` is neither `from` nor inside it (INBOX stays where it is: anything may go under it).
    if (!inbox && t.count >= f.count && startsWithName(t, f)) {
      if (t.count === f.count) throw new RenameError("ALREADYEXISTS", from, to, `${JSON.stringify(to)} already exists`);
      throw new RenameError("INSIDE", from, to, "the new name lies inside the mailbox's own subtree");
    }
    // 3. `to` is no mailbox; a placeholder there is taken over, with no child name on both sides.
    const tpos = new Int32Array(t.count);
    const have = this.resolve(t, tpos);
    const T = have === t.count ? tpos[t.count - 1] : 0;
    if (T !== 0) {
      if (this.isMailbox(T)) throw new RenameError("ALREADYEXISTS", from, to, `${JSON.stringify(to)} already exists`);
      if (!inbox) this.checkConflicts(T, F, from, to);
    }
    // 4. Every name under `to` stays within the limits; UIDs for the new parents (and INBOX's copy).
    if (!inbox) this.checkLimits(F, f, t, from, to);
    const needed = Math.max(0, t.count - 1 - have) + (inbox ? 1 : 0);
    if (needed > 0 && this.walk.nextUid + needed - 1 > MAX_UID) {
      const view = tree.view;
      throw new IndexLimitError(
        view.file,
        `all ${MAX_UID} UIDs of uid_validity ${view.header.uidValidity} are used; rebuild the index with a new uid_validity`,
      );
    }
    // Nothing has changed so far.
    tree.renamed = true;
    this.walk.beforeRename();
    this.count++;
    if (inbox) this.copyInbox(t, tpos, have, T);
    else this.move(f, fpos, t, tpos, have, T);
    return inbox;
  }

  /** Move the node at `fpos` to `to`, taking over the placeholder `T` (0: none). */
  private move(f: Name, fpos: Int32Array, t: Name, tpos: Int32Array, have: number, T: number): void {
    const tree = this.tree, nodes = tree.nodes, marks = tree.marks;
    const node = this.materialize(fpos, f.count);
    const rec = nodes.rec[node];
    const oldParent = nodes.parent[node];
    const seen = rec > 0 && (marks.of(rec) & R_SEEN) !== 0;
    if ((nodes.state[node] & (N_NEW | N_MOVED)) === 0) {
      // A record of a directory of the image: that directory loses it.
      marks.set(rec, R_MOVED);
      this.movedRecs.push(rec);
      this.movedOwners.push(oldParent === 0 ? 0 : nodes.rec[oldParent]);
      this.movedNodes.push(node);
    }
    this.onMove?.(node, true);
    const parent = this.parentOf(t, tpos, have);
    const last = t.count - 1, s = t.starts[last], e = t.ends[last];
    nodes.relink(node, parent, hashBytes(t.bytes, s, e), t.bytes, s, e, t.count);
    const tookSeen = T !== 0 && this.takeOver(tpos, t.count, node);
    this.onMove?.(node, false);
    this.emptied.push(oldParent);
    this.touch(oldParent);
    this.touch(parent);
    // Reported names moved with the subtree: its new parents are reported parents (rule 4).
    if (seen || tookSeen) this.seeAncestors(node, t.count);
  }

  /** INBOX: `to` becomes a new mailbox (in place of a placeholder `T`, if any); INBOX stays. */
  private copyInbox(t: Name, tpos: Int32Array, have: number, T: number): void {
    const nodes = this.tree.nodes;
    const parent = this.parentOf(t, tpos, have);
    const last = t.count - 1, s = t.starts[last], e = t.ends[last];
    const node = nodes.createNew(parent, hashBytes(t.bytes, s, e), t.bytes, s, e, t.count, this.walk.nextUid++);
    // A new mailbox, as if reported by the sync (`add`).
    nodes.state[node] |= N_LEAF;
    if (T !== 0) this.takeOver(tpos, t.count, node);
    this.touch(parent);
  }

  /**
   * The placeholder at `tpos` (`level` levels) gives its place to `node`: its children join
   * the node's and it goes (its UID with it).
   *
   * @returns Whether the placeholder was seen by this sync (a parent of reported names).
   */
  private takeOver(tpos: Int32Array, level: number, node: number): boolean {
    const tree = this.tree, nodes = tree.nodes, marks = tree.marks, dv = tree.dv;
    const tnode = this.materialize(tpos, level);
    const trec = nodes.rec[tnode];
    const kids: number[] = [];
    tree.childPositions(tnode, kids);
    for (let kid of kids) {
      if (kid < 0) {
        const r = -kid;
        kid = nodes.addExisting(tnode, r, recordHash(dv, r), recordUid(dv, r), level + 1);
        tree.recNode.set(r, kid);
      }
      const r = nodes.rec[kid];
      let b = nodes.pool, s = nodes.nameStart[kid], e = s + nodes.nameLen[kid];
      if ((nodes.state[kid] & (N_NEW | N_MOVED)) === 0) {
        // A record of the placeholder's directory, which goes with it: nothing to mark there.
        marks.set(r, R_MOVED);
        this.movedNodes.push(kid);
        b = tree.bytes;
        s = recordNameOffset(dv, r);
        e = tree.view.nameEnd(r);
      }
      nodes.relink(kid, node, nodes.hash[kid], b, s, e, level + 1);
    }
    if (kids.length > 0) this.touch(node);
    const seen = trec > 0 && (marks.of(trec) & R_SEEN) !== 0;
    if (trec > 0) this.deleteRecord(tnode);
    nodes.drop(tnode);
    return seen;
  }

  /** The node of the parent of `t`, its missing levels created as placeholders (`have` levels exist). */
  private parentOf(t: Name, tpos: Int32Array, have: number): number {
    const nodes = this.tree.nodes;
    const last = t.count - 1;
    const known = Math.min(have, last);
    let parent = known === 0 ? 0 : this.materialize(tpos, known);
    for (let k = known; k < last; k++) {
      const s = t.starts[k], e = t.ends[k];
      parent = nodes.createNew(parent, hashBytes(t.bytes, s, e), t.bytes, s, e, k + 1, this.walk.nextUid++);
    }
    return parent;
  }

  /** Mark a moved node and its existing ancestors seen, at their levels after the rename. */
  private seeAncestors(node: number, level: number): void {
    const nodes = this.tree.nodes, marks = this.tree.marks;
    for (let p = node, l = level; p !== 0; p = nodes.parent[p], l--) {
      const rec = nodes.rec[p];
      if (rec === 0) continue;
      if ((marks.of(rec) & R_SEEN) === 0) marks.markSeen(rec, l);
      else if (p === node) marks.relevel(rec, l);
    }
  }

  /** Note that the children of a node changed (its CHILDREN flag is derived again). */
  private touch(node: number): void {
    const rec = node === 0 ? 0 : this.tree.nodes.rec[node];
    if (rec > 0) this.touched.add(rec);
  }

  /** The positions of the levels of `name` in the tree after the renames so far; returns how many exist. */
  private resolve(name: Name, out: Int32Array): number {
    const tree = this.tree, b = name.bytes;
    let pos = 0;
    for (let k = 0; k < name.count; k++) {
      const s = name.starts[k], e = name.ends[k];
      pos = tree.findChild(pos, b, s, e, hashBytes(b, s, e));
      if (pos === 0) return k;
      out[k] = pos;
    }
    return name.count;
  }

  /** Turn the first `count` positions into nodes (in place); returns the last one's node. */
  private materialize(positions: Int32Array, count: number): number {
    const tree = this.tree, nodes = tree.nodes, dv = tree.dv;
    let parent = 0;
    for (let k = 0; k < count; k++) {
      let p = positions[k];
      if (p < 0) {
        const rec = -p;
        p = tree.recNode.get(rec) ?? NO_NODE;
        if (p === NO_NODE) {
          p = nodes.addExisting(parent, rec, recordHash(dv, rec), recordUid(dv, rec), k + 1);
          tree.recNode.set(rec, p);
        }
        positions[k] = p;
      }
      parent = p;
    }
    return parent;
  }

  /** Whether a position is a mailbox now (not a `\NonExistent` placeholder). */
  private isMailbox(pos: number): boolean {
    const tree = this.tree, nodes = tree.nodes;
    if (pos >= 0 && nodes.rec[pos] === 0) return (nodes.state[pos] & N_LEAF) !== 0;
    const rec = pos < 0 ? -pos : nodes.rec[pos];
    if ((tree.marks.of(rec) & R_LEAF) !== 0 || this.attr === undefined) return true;
    return (this.attr.flagsOf(recordUid(tree.dv, rec)) & MailboxFlags.NonExistent) === 0;
  }

  /** The bytes of a position's own name: `[bytes, start, end]`. */
  private nameOf(pos: number): [Uint8Array, number, number] {
    const tree = this.tree, nodes = tree.nodes;
    if (pos >= 0 && (nodes.state[pos] & (N_NEW | N_MOVED)) !== 0) {
      return [nodes.pool, nodes.nameStart[pos], nodes.nameStart[pos] + nodes.nameLen[pos]];
    }
    const rec = pos < 0 ? -pos : nodes.rec[pos];
    return [tree.bytes, recordNameOffset(tree.dv, rec), tree.view.nameEnd(rec)];
  }

  /** A child name on both sides of a takeover is an error (the moved node itself aside). */
  private checkConflicts(T: number, F: number, from: string, to: string): void {
    const kids: number[] = [];
    this.tree.childPositions(T, kids);
    for (const kid of kids) {
      if (kid === F) continue;
      const [b, s, e] = this.nameOf(kid);
      if (this.tree.findChild(F, b, s, e, hashBytes(b, s, e)) !== 0) {
        const child = decodeName(b, s, e);
        throw new RenameError(
          "CONFLICT",
          from,
          to,
          `both it and the placeholder ${JSON.stringify(to)} have a child named ${JSON.stringify(child)}`,
        );
      }
    }
  }

  /**
   * Every name under `to` within the depth and length limits. Only when
   * `to` is deeper or longer than `from`: then the subtree's directories
   * are read (one pass over typed reads; nothing is written).
   */
  private checkLimits(F: number, f: Name, t: Name, from: string, to: string): void {
    const extraDepth = t.count - f.count, extraBytes = t.length - f.length;
    if (extraDepth <= 0 && extraBytes <= 0) return;
    const tree = this.tree, view = tree.view, dv = tree.dv, nodes = tree.nodes, marks = tree.marks;
    const bytes = tree.bytes, end = view.end;
    // Records an earlier rename of this sync moved or deleted, and nodes, exist only after one.
    const marked = this.count > 0, withNodes = tree.recNode.size > 0;
    let deepest = 0, longest = 0;
    // Positions still to read, with their levels and name lengths below `from`.
    let pos = new Int32Array(64), depth = new Int32Array(64), length = new Int32Array(64);
    let top = 0;
    const push = (p: number, d: number, l: number) => {
      if (d > deepest) deepest = d;
      if (l > longest) longest = l;
      if (top === pos.length) {
        const grow = (a: Int32Array) => {
          const b = new Int32Array(a.length * 2);
          b.set(a);
          return b;
        };
        pos = grow(pos);
        depth = grow(depth);
        length = grow(length);
      }
      pos[top] = p;
      depth[top] = d;
      length[top++] = l;
    };
    push(F, 0, 0);
    while (top > 0) {
      const p = pos[--top], d = depth[top] + 1, l = length[top] + 1;
      const dir = tree.existingDirOf(p);
      if (dir !== 0) {
        const count = view.dirCount(dir);
        for (let i = 0, r = recordAt(dir, 0); i < count; i++, r += RECORD_SIZE) {
          if (recordDeleted(dv, r) || (marked && (marks.of(r) & R_GONE) !== 0)) continue;
          let len = 0;
          if (extraBytes > 0) {
            // The name's length: its NUL, looked for within the image (a name without one is corrupt).
            const start = recordNameOffset(dv, r);
            let e = start;
            while (e < end && bytes[e] !== 0) e++;
            len = l + (e < end && e > start ? e - start : view.nameEnd(r) - start);
          }
          const node = withNodes ? tree.recNode.get(r) : undefined;
          if (node !== undefined) push(node, d, len);
          else if (decodeOffset(recordDirOffset(dv, r)) !== 0) push(-r, d, len);
          else {
            if (d > deepest) deepest = d;
            if (len > longest) longest = len;
          }
        }
      }
      if (p >= 0) for (let c = nodes.firstNew[p]; c !== NO_NODE; c = nodes.nextNew[c]) push(c, d, l + nodes.nameLen[c]);
    }
    if (t.count + deepest > this.limits.maxDepth) {
      throw new RenameError("LIMIT", from, to, `a mailbox under it would have more than ${this.limits.maxDepth} levels`);
    }
    if (t.length + longest > this.limits.maxNameLength) {
      throw new RenameError(
        "LIMIT",
        from,
        to,
        `a mailbox under it would get a name of ${t.length + longest} bytes, more than the limit of ${this.limits.maxNameLength}`,
      );
    }
  }

  /**
   * What the renames delete, added to a sync's deletions before its flags
   * and layout are planned: in a full sync, moved records it did not see
   * where it checks (and what lies under records it deletes); placeholders
   * the renames took over or left without children (rule 8); and the
   * records that left their directories, marked deleted in place unless
   * those directories are written again.
   *
   * @param del The sync's deletions, completed in place.
   */
  finish(del: Deletions): void {
    if (this.count === 0) return;
    if (!this.mode.partial) {
      this.deleteMoved(del);
      if (del.recs.length > 0 || del.uids.length > 0) this.dropOrphans(del);
    }
    this.dropEmptied();
    const marks = this.tree.marks;
    const add = (recs: number[], owners: number[]) => {
      for (let i = 0; i < recs.length; i++) {
        const owner = owners[i];
        // A directory whose owner goes is never read again: nothing to mark in it.
        if (owner !== 0 && (marks.of(owner) & R_DELETE) !== 0) continue;
        del.recs.push(recs[i]);
        del.owners.push(owner);
      }
    };
    add(this.movedRecs, this.movedOwners);
    add(this.goneRecs, this.goneOwners);
    for (const uid of this.goneUids) del.uids.push(uid);
  }

  /** Rules 5, 6 for moved records: deleted where the full sync checks and did not see them. */
  private deleteMoved(del: Deletions): void {
    const tree = this.tree, nodes = tree.nodes, marks = tree.marks;
    for (const node of this.movedNodes) {
      if ((nodes.state[node] & N_GONE) !== 0) continue;
      const rec = nodes.rec[node], st = marks.of(rec);
      if ((st & R_DELETE) !== 0 || !this.checked(node)) continue;
      if ((st & (R_SEEN | R_KEEP)) === 0) {
        marks.set(rec, R_DELETE);
        tree.subtreeUids(rec, del.uids);
        const parent = nodes.parent[node];
        nodes.drop(node);
        this.emptied.push(parent);
        this.touch(parent);
      } else if (this.mode.recursive && (st & R_SEEN) !== 0) {
        const dir = tree.view.childDir(rec);
        if (dir !== 0) deleteUnseen(tree, dir, rec, true, del);
      }
    }
  }

  /** Whether a full sync checks the directory a node now lies in. */
  private checked(node: number): boolean {
    const nodes = this.tree.nodes, marks = this.tree.marks, depth = this.scope.depth;
    const level = this.levelOf(node);
    if (!this.mode.recursive) return level === depth + 1;
    for (let p = nodes.parent[node], l = level - 1; l > depth; p = nodes.parent[p], l--) {
      if (p === NO_NODE || (nodes.state[p] & N_GONE) !== 0) return false;
      const rec = nodes.rec[p];
      if (rec === 0) continue; // created by this sync
      const st = marks.of(rec);
      if ((st & R_DELETE) !== 0 || (st & R_SEEN) === 0) return false;
    }
    return true;
  }

  /** Nodes under a record the sync deletes go with it (moved records take their subtrees' UIDs along). */
  private dropOrphans(del: Deletions): void {
    const tree = this.tree, nodes = tree.nodes, marks = tree.marks;
    const count = nodes.count;
    const verdict = new Uint8Array(count); // 1 alive, 2 goes
    const chain: number[] = [];
    for (let id = 1; id < count; id++) {
      if (verdict[id] !== 0) continue;
      chain.length = 0;
      let v = 1;
      for (let p = id; p !== 0; p = nodes.parent[p]) {
        if (p === NO_NODE) {
          v = 2;
          break;
        }
        if (verdict[p] !== 0) {
          v = verdict[p];
          break;
        }
        chain.push(p);
        const rec = nodes.rec[p];
        if ((nodes.state[p] & N_GONE) !== 0 || (rec > 0 && (marks.of(rec) & R_DELETE) !== 0)) {
          v = 2;
          break;
        }
      }
      for (const c of chain) {
        verdict[c] = v;
        if (v !== 2 || (nodes.state[c] & N_GONE) !== 0) continue;
        const st = nodes.state[c], rec = nodes.rec[c];
        if ((st & N_NEW) !== 0) nodes.drop(c);
        else if ((st & N_MOVED) !== 0 && (marks.of(rec) & R_DELETE) === 0) {
          marks.set(rec, R_DELETE);
          tree.subtreeUids(rec, del.uids);
          nodes.drop(c);
        }
      }
    }
  }

  /** Rule 8: placeholders left without children go, upwards within the sync's scope. */
  private dropEmptied(): void {
    const tree = this.tree, nodes = tree.nodes;
    for (const start of this.emptied.splice(0)) {
      for (let p = start; p !== 0 && p !== NO_NODE;) {
        const rec = nodes.rec[p];
        if (this.inDeleted(p)) break; // it goes with a record the sync deletes
        const level = this.levelOf(p);
        if (level <= this.scope.depth) break;
        if (nodes.firstNew[p] !== NO_NODE || (rec > 0 && tree.recHasLiveChildren(rec))) break;
        if (!this.placeholderAfter(p, level)) break;
        const parent = nodes.parent[p];
        if (rec > 0) this.deleteRecord(p);
        nodes.drop(p);
        this.touch(parent);
        p = parent;
      }
    }
  }

  /**
   * Delete the record of a node (its UID goes; its children, if any, moved
   * away): marked in its directory, unless the record had moved there.
   */
  private deleteRecord(node: number): void {
    const nodes = this.tree.nodes, rec = nodes.rec[node];
    this.tree.marks.set(rec, R_DELETE);
    this.goneUids.push(recordUid(this.tree.dv, rec));
    if ((nodes.state[node] & N_MOVED) === 0) {
      const owner = nodes.parent[node];
      this.goneRecs.push(rec);
      this.goneOwners.push(owner === 0 ? 0 : nodes.rec[owner]);
    }
  }

  /** Whether a node or one of its parents goes (deleted by the sync, or dropped). */
  private inDeleted(node: number): boolean {
    const nodes = this.tree.nodes, marks = this.tree.marks;
    for (let p = node; p !== 0; p = nodes.parent[p]) {
      if (p === NO_NODE || (nodes.state[p] & N_GONE) !== 0) return true;
      const rec = nodes.rec[p];
      if (rec > 0 && (marks.of(rec) & R_DELETE) !== 0) return true;
    }
    return false;
  }

  /** Whether a node is a `\NonExistent` placeholder after the sync. */
  private placeholderAfter(node: number, level: number): boolean {
    const nodes = this.tree.nodes, rec = nodes.rec[node];
    if (rec === 0) return (nodes.state[node] & N_LEAF) === 0;
    const st = this.tree.marks.of(rec);
    if ((st & (R_LEAF | R_KEEP)) !== 0) return false;
    // A seen parent in a checked directory: the sync's rules make it a placeholder (rule 4).
    const { partial, recursive } = this.mode;
    if ((st & R_SEEN) !== 0 && !partial && (recursive || level === this.scope.depth + 1)) return true;
    if (this.attr === undefined) return false;
    return (this.attr.flagsOf(recordUid(this.tree.dv, rec)) & MailboxFlags.NonExistent) !== 0;
  }

  /** The level of a node (1 = a child of the root), from its parents now. */
  private levelOf(node: number): number {
    const parent = this.tree.nodes.parent;
    let level = 0;
    for (let p = node; p !== 0 && p !== NO_NODE; p = parent[p]) level++;
    return level;
  }

  /**
   * CHILDREN of the records whose children the renames changed and that
   * the sync's own rules did not look at (SPEC §11 point 2, rule 8): set
   * for a new parent, cleared for an old one left without children.
   *
   * @param changes UID → new flags, completed in place.
   * @param pathRec The sync path's record (its flags stay, rule 7).
   */
  applyFlags(changes: Map<number, number>, pathRec: number): void {
    const attr = this.attr;
    // Attributes rebuilt whole derive CHILDREN from the tree for every record.
    if (attr === undefined) return;
    const tree = this.tree, marks = tree.marks, dv = tree.dv;
    for (const rec of this.touched) {
      if (rec === pathRec || (marks.of(rec) & (R_DELETE | R_SEEN)) !== 0) continue;
      const uid = recordUid(dv, rec);
      const old = changes.get(uid) ?? attr.flagsOf(uid);
      const f = syncedFlags(old, treeFlags(tree.recHasLiveChildren(rec), true), MailboxFlags.Children);
      if (f !== old) changes.set(uid, f);
    }
  }
}

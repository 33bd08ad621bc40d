/**
 * The sync engine (SPEC §4): reconciles the index with the names a store
 * reports. `add` walks the names against the current image
 * (`sync_walk.ts`: binary search per level, no object per existing record);
 * `plan` computes, one phase per module, the deletions
 * (`sync_deletions.ts`), the flags (`sync_flags.ts`, by the one flag rule
 * of `format/flags.ts`), the pre-order layout of new and rewritten
 * directories (`sync_layout.ts`), their images and the in-place changes
 * (`sync_images.ts`) and the attribute changes (`sync_attr.ts`), as a
 * {@linkcode CommitPlan} that the writer applies all-or-nothing.
 *
 * @module
 */
import { ATTR_ENTRY_SIZE } from "../format/attr_codec.ts";
import { HEADER_SIZE, MailboxFlags } from "../format/constants.ts";
import { NoSuchMailboxError } from "../format/errors.ts";
import { MAILBOX_FLAG_BITS } from "../format/flags.ts";
import { encodeHeader, type ListHeader } from "../format/header.ts";
import { SPECIAL_USE_MASK } from "../format/special_use.ts";
import { checkStatus } from "../format/status.ts";
import { DEFAULT_LIMITS, type NameLimits } from "../format/limits.ts";
import type { MailboxStatus } from "../format/types.ts";
import type { AttrView } from "../image/attr_file.ts";
import { FullNameTable } from "../image/full_names.ts";
import type { ListView } from "../image/view.ts";
import type { CommitPlan } from "../store/commit_plan.ts";
import { planAttr } from "./sync_attr.ts";
import { planDeletions } from "./sync_deletions.ts";
import { addCallerFlags, planFlags } from "./sync_flags.ts";
import { writeDirImages, patchKeptRecords } from "./sync_images.ts";
import { type Patch, planLayout } from "./sync_layout.ts";
import { SyncScope } from "./sync_scope.ts";
import { SyncTree } from "./sync_tree.ts";
import { NoInferiorsGuard } from "./sync_noinferiors.ts";
import { unchangedByMarks } from "./sync_unchanged.ts";
import { NameWalk } from "./sync_walk.ts";
import { Renames } from "./sync_rename.ts";
import { ChangeRecorder } from "./sync_changes.ts";

export type { CommitPlan };

/**
 * Options of a sync (SPEC §4).
 *
 * @example A recursive full sync of one subtree
 * ```ts
 * import type { SyncOptions } from "./sync.ts";
 * const options: SyncOptions = { path: "Archive", recursive: true };
 * console.log(options.partial ?? false); // false
 * ```
 */
export interface SyncOptions {
  /** Only the subtree under this mailbox is synced ("" = everything). */
  path?: string;
  /** Check every directory under the path, not only the path's own. */
  recursive?: boolean;
  /** Only add; remove nothing. */
  partial?: boolean;
}

/**
 * One sync in progress over a list image: collects the names with
 * {@linkcode SyncEngine.add}, then computes the commit with
 * {@linkcode SyncEngine.plan}.
 *
 * @example Plan a sync of one name
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
  private readonly tree: SyncTree;
  private readonly walk: NameWalk;
  private renames: Renames | undefined;

  private readonly flagOverrides = new Map<number, number>();
  private readonly flagExtras = new Map<number, number>();
  private readonly flagExtrasByName = new Map<string, number>();
  private readonly statusUpdates = new Map<number, MailboxStatus>();
  private readonly statusByName = new Map<string, MailboxStatus>();
  private readonly specialUse = new Map<number, number>();
  private readonly guids = new Map<number, Uint8Array>();
  private readonly noInferiors: NoInferiorsGuard;
  /** The commit's changes, for the change feed (SPEC §13). */
  readonly changes: ChangeRecorder;

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
    const wide = (options.path ?? "") === "" && !this.partial;
    this.tree = new SyncTree(view, wide);
    // A full sync meets mostly names the index already has: look them up whole. Building the
    // table also checks every structure of the image, so a damaged one is found here.
    const fast = wide ? FullNameTable.of(view, separator, attr?.header.live ?? 0) : undefined;
    const scope = new SyncScope(options.path ?? "", separator);
    this.walk = new NameWalk(this.tree, fast, scope, separator, limits);
    this.noInferiors = new NoInferiorsGuard(this.walk, attr, separator);
    this.changes = new ChangeRecorder(this.tree, attr, this.sepChar);
  }

  /**
   * Report one mailbox name.
   *
   * @param name Full name.
   * @returns The UID of the name's record (new or existing).
   * @throws InvalidNameError for a name the index cannot hold or outside the sync path;
   *   NoInferiorsError for a new name under a `\NoInferiors` mailbox. Nothing is added then.
   */
  add(name: string): number {
    this.noInferiors.check(name);
    return this.walk.add(name);
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
    const walk = this.walk, fast = walk.fast, attr = this.attr;
    if (
      fast === undefined || walk.fastFlushed || !this.recursive || attr === undefined || walk.keptCount !== 0 ||
      attr.entrySize !== ATTR_ENTRY_SIZE
    ) {
      return false;
    }
    if (this.tree.nodes.newCount !== 0 || this.tree.marks.seenCount !== 0 || walk.fastMisses !== 0) return false;
    if (
      this.flagOverrides.size + this.flagExtras.size + this.flagExtrasByName.size + this.statusUpdates.size +
          this.statusByName.size + this.specialUse.size + this.guids.size !== 0
    ) return false;
    if (attr.header.nextUid !== this.view.header.nextUid) return false;
    return unchangedByMarks(fast, fast.marksByNumber(walk.fastMarks!), attr, false);
  }

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
    this.walk.keep(name);
  }

  /**
   * Rename a mailbox and its whole subtree (SPEC §11); later calls see the
   * new names. See `sync_rename.ts`.
   *
   * @param from Full name of a mailbox or a `\NonExistent` parent.
   * @param to Its new full name.
   * @returns True when `from` is INBOX: `to` is a new mailbox and nothing moved.
   * @throws RenameError, InvalidNameError or IndexLimitError when refused, NoInferiorsError when
   *   `to` lies under a `\NoInferiors` mailbox; nothing changed then.
   *
   * @example Move a folder under a new parent
   * ```ts ignore
   * engine.rename("Archive", "Old/Archive");
   * const plan = engine.plan();
   * ```
   */
  rename(from: string, to: string): boolean {
    this.noInferiors.check(to);
    const mode = { partial: this.partial, recursive: this.recursive };
    if (this.renames === undefined) {
      const renames = this.renames = new Renames(this.tree, this.walk, this.attr, this.walk.scope, this.sep, this.limits, mode);
      const changes = this.changes, nodes = this.tree.nodes;
      let oldName = "";
      renames.onMove = (node, before) => {
        if (before) oldName = changes.nodeName(node);
        else changes.renamed(nodes.uid[node], oldName, changes.nodeName(node));
      };
    }
    return this.renames.rename(from, to);
  }

  /**
   * Replace the {@linkcode MailboxFlags} bits of a UID after the sync's own
   * flag rules; its special-use bits stay.
   *
   * @param uid A UID returned by add (or existing).
   * @param flags The flags to store (bits outside {@linkcode MAILBOX_FLAG_BITS} are ignored).
   *
   * @example Mark a mailbox NOSELECT and nothing else
   * ```ts ignore
   * engine.setFlags(engine.add("Archive"), MailboxFlags.NoSelect);
   * ```
   */
  setFlags(uid: number, flags: number): void {
    this.flagOverrides.set(uid, flags & MAILBOX_FLAG_BITS);
    this.noInferiors.flagsSet(uid, flags);
  }

  /**
   * Add flag bits on top of the flags the sync's rules give a mailbox
   * (for example NOSELECT for a folder that cannot hold messages).
   *
   * @param uidOrName UID, or full name (looked up at commit).
   * @param bits Flag bits to add (bits outside {@linkcode MAILBOX_FLAG_BITS} are ignored).
   *
   * @example A folder that cannot hold messages
   * ```ts ignore
   * engine.orFlags("Archive", MailboxFlags.NoSelect);
   * ```
   */
  orFlags(uidOrName: number | string, bits: number): void {
    bits &= MAILBOX_FLAG_BITS;
    if (typeof uidOrName === "number") this.flagExtras.set(uidOrName, (this.flagExtras.get(uidOrName) ?? 0) | bits);
    else this.flagExtrasByName.set(uidOrName, (this.flagExtrasByName.get(uidOrName) ?? 0) | bits);
    this.noInferiors.flagsAdded(uidOrName, bits);
  }

  /**
   * Replace the special-use bits of a mailbox (RFC 6154, SPEC §12). The
   * mailbox must be one now: in the index and not a `\NonExistent`
   * placeholder, or reported by this sync. If this sync deletes it, the
   * bits go with it.
   *
   * @param uidOrName UID, or full name.
   * @param bits {@linkcode SPECIAL_USE_MASK} bits (0 clears them).
   * @throws NoSuchMailboxError when it is not in the index or is a placeholder this sync did not report.
   *
   * @example Mark the Sent folder
   * ```ts ignore
   * engine.add("Sent");
   * engine.setSpecialUse("Sent", SpecialUse.Sent);
   * ```
   */
  setSpecialUse(uidOrName: number | string, bits: number): void {
    this.specialUse.set(this.mailboxUid(uidOrName, "special-use"), bits & SPECIAL_USE_MASK);
  }

  /**
   * Set the GUID of a mailbox (SPEC §12). The mailbox must be one now, as
   * for {@linkcode SyncEngine.setSpecialUse}.
   *
   * @param uidOrName UID, or full name.
   * @param guid Its 16 bytes (checked by `parseGuid`).
   * @throws NoSuchMailboxError when it is not in the index or is a placeholder this sync did not report.
   *
   * @example Take the GUID a uidlist gives
   * ```ts ignore
   * engine.setGuid(engine.add("Sent"), parseGuid("0123456789abcdef0123456789abcdef"));
   * ```
   */
  setGuid(uidOrName: number | string, guid: Uint8Array): void {
    this.guids.set(this.mailboxUid(uidOrName, "a GUID"), guid);
  }

  /** The UID of a mailbox a call names: in the index and no placeholder, or reported by this sync. */
  private mailboxUid(uidOrName: number | string, what: string): number {
    const uid = typeof uidOrName === "number" ? uidOrName : this.walk.lookupUid(uidOrName);
    const attr = this.attr;
    const inImage = uid !== undefined && uid >= 1 && uid < this.view.header.nextUid;
    if (
      uid === undefined || !Number.isInteger(uid) || uid < 1 || uid >= this.walk.nextUid ||
      (inImage && attr !== undefined && attr.positionOf(uid) < 0)
    ) {
      throw new NoSuchMailboxError(uidOrName, "is not in the index");
    }
    const placeholder = inImage
      ? attr !== undefined && (attr.flagsOf(uid) & MailboxFlags.NonExistent) !== 0
      : true; // a record this sync created is a mailbox only when reported as one
    if (placeholder && !this.walk.reportedLeaf(uid)) {
      throw new NoSuchMailboxError(uidOrName, `is a \\NonExistent placeholder in the index; ${what} belongs to mailboxes`);
    }
    return uid;
  }

  /**
   * Set the STATUS cache of a mailbox.
   *
   * @param uidOrName UID, or full name (looked up at commit).
   * @param status The figures.
   *
   * @example Cache a mailbox's STATUS
   * ```ts ignore
   * engine.setStatus("INBOX", { messages: 3, unseen: 1, recent: 0, uidValidity: 7, uidNext: 4 });
   * ```
   */
  setStatus(uidOrName: number | string, status: MailboxStatus): void {
    checkStatus(status, uidOrName);
    if (typeof uidOrName === "number") this.statusUpdates.set(uidOrName, status);
    else this.statusByName.set(uidOrName, status);
  }

  /**
   * Compute everything the commit changes.
   *
   * @returns The plan; nothing has been written.
   * @throws IndexLimitError when the file would pass 1 GiB.
   *
   * @example Plan, then hand the plan to the writer
   * ```ts ignore
   * const plan = engine.plan();
   * if (plan.changed) applyPlan(plan);
   * ```
   */
  plan(): CommitPlan {
    this.walk.flushMarks();
    const tree = this.tree, header = this.view.header;
    // 1. Deletions (rules 5, 6), 2. flags (rules 3, 4, 8, 9) of every record the sync touched.
    const pathRec = this.walk.scope.record(this.view);
    const deletions = planDeletions(tree, pathRec, this.partial, this.recursive);
    this.renames?.finish(deletions);
    this.changes.deleted(deletions.uids);
    const reach = { depth: this.walk.scope.depth, pathRec, partial: this.partial, recursive: this.recursive };
    const flagChanges = planFlags(tree, this.attr, reach, deletions.lostOwners);
    this.renames?.applyFlags(flagChanges, pathRec);
    // 3. Layout of new and rewritten directories, in pre-order; 4. their images and the patches.
    const listPatches: Patch[] = [];
    const anyDeleted = deletions.recs.length > 0 || this.renames !== undefined;
    const layout = planLayout(tree, header.usedSpace, header.deletedSpace, anyDeleted, this.limits.maxFileSize, listPatches);
    const appendOffset = header.usedSpace;
    const append = writeDirImages(tree, layout, appendOffset);
    patchKeptRecords(tree, layout, deletions.recs, deletions.owners, listPatches);
    const newHeader: ListHeader = {
      ...header,
      nextUid: this.walk.nextUid,
      usedSpace: layout.used,
      deletedSpace: layout.deletedSpace,
    };
    const headerChanged = newHeader.nextUid !== header.nextUid || newHeader.usedSpace !== header.usedSpace ||
      newHeader.deletedSpace !== header.deletedSpace;
    // 5. Attribute changes.
    this.resolveNames();
    addCallerFlags(flagChanges, this.flagExtras, this.attr, header.nextUid);
    const attr = this.attr;
    // A caller's flags replace the MailboxFlags bits; the special-use bits stay.
    for (const [uid, f] of this.flagOverrides) {
      flagChanges.set(uid, f | ((flagChanges.get(uid) ?? attr?.flagsOf(uid) ?? 0) & SPECIAL_USE_MASK));
    }
    const attrPlan = planAttr(tree, attr, newHeader, this.sep, {
      flags: flagChanges,
      extras: this.flagExtras,
      status: this.statusUpdates,
      deletedUids: deletions.uids,
      specialUse: this.specialUseChanges(flagChanges, header.nextUid),
      guids: this.guids,
      recorder: this.changes,
    });
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
      changes: this.changes.batch,
      added: tree.nodes.newCount,
      deleted: deletions.uids.length,
      maxFileSize: this.limits.maxFileSize,
      largestCopy: layout.largestCopy,
    };
  }

  /** The special-use bits callers set that change a mailbox's (every one when the attributes are rebuilt). */
  private specialUseChanges(flagChanges: ReadonlyMap<number, number>, firstNewUid: number): Map<number, number> {
    const attr = this.attr;
    const out = new Map<number, number>();
    for (const [uid, bits] of this.specialUse) {
      const now = uid >= firstNewUid || attr === undefined ? -1 : (flagChanges.get(uid) ?? attr.flagsOf(uid)) & SPECIAL_USE_MASK;
      if (now !== bits) out.set(uid, bits);
    }
    return out;
  }

  /** The STATUS and flag bits given by name, moved to their UIDs (names no record has are dropped). */
  private resolveNames(): void {
    for (const [name, status] of this.statusByName) {
      const uid = this.walk.lookupUid(name);
      if (uid !== undefined) this.statusUpdates.set(uid, status);
    }
    for (const [name, bits] of this.flagExtrasByName) {
      const uid = this.walk.lookupUid(name);
      if (uid !== undefined) this.flagExtras.set(uid, (this.flagExtras.get(uid) ?? 0) | bits);
    }
  }

  /**
   * The UID a full name has in this sync's state, for the change feed.
   *
   * @param name Full name.
   * @returns Its UID, or undefined when no record has it (or the index cannot hold it).
   */
  uidOf(name: string): number | undefined {
    try {
      return this.walk.lookupUid(name);
    } catch {
      return undefined;
    }
  }

  /** The separator as a string. */
  get separator(): string {
    return this.sepChar;
  }
}

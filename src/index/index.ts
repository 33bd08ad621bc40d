/**
 * {@linkcode MailboxListIndex}: one mailbox list index on disk — lock-free
 * reads (lookup, iterate, status) and synchronized, crash-safe syncs.
 *
 * @module
 */
import type { AttrView } from "../image/attr_file.ts";
import { compressIndex } from "./compact.ts";
import { CorruptIndexError, IndexStateError, InvalidNameError, LockLostError } from "../format/errors.ts";
import { needsCompression } from "../format/growth.ts";
import { indexPaths, type IndexPaths } from "../store/paths.ts";
import { type FileIO, nodeFileIO } from "../store/io.ts";
import { acquireLock, type WriterLock } from "../store/lock.ts";
import { NameEncoder, separatorByte } from "../format/name_codec.ts";
import { type Snapshot, snapshotAfterCommit, type SnapshotStamp } from "./snapshot.ts";
import { ReadState } from "./read_state.ts";
import { type CommitPlan, SyncEngine, type SyncOptions } from "./sync.ts";
import { checkedName, limitsOf, type NameLimits } from "../format/limits.ts";
import type { IndexHeader, IterateOptions, MailboxInfo, MailboxStatus } from "../format/types.ts";
import type { ListEntry, ListVisitor } from "../imap/list.ts";
import { listCommand } from "../imap/list_command.ts";
import type { ListCommandOptions } from "../imap/list_options.ts";
import { commitPlan, recoverJournal, replaceFiles } from "../store/writer.ts";
import { FullNameTable } from "../image/full_names.ts";
import type { ChangeBatchBuilder } from "../format/change_log.ts";
import { parseGuid } from "../format/guid.ts";
import { lookupUid, mailboxByGuid, withGuids } from "./reads.ts";
import { createEmpty, lockOptions, type OpenOptions, prepareIndexFiles, recreateCorrupt, storedSeparator } from "./open.ts";
import { changeCursor, type ChangeBatch, watchChanges, type WatchOptions } from "./watch.ts";
import { renameAndCommit, SyncContext, type SyncResult } from "./sync_context.ts";
import { currentSubscriptions, type SubscriptionReader, subscriptionsForWriter, type SubscriptionState } from "./subscriptions.ts";

export { SyncContext };
export type { IndexHeader, OpenOptions, SyncResult };

/**
 * A mailbox list index: a folder hierarchy in one binary file plus its
 * attribute file (SPEC §2, §3).
 *
 * @example Sync a few names and list them
 * ```ts
 * import { MailboxListIndex } from "./index.ts";
 * import { mkdtempSync, rmSync } from "node:fs";
 * import { tmpdir } from "node:os";
 * const dir = mkdtempSync(tmpdir() + "/mli-");
 * const index = await MailboxListIndex.open(dir + "/u.mlist");
 * const ctx = await index.syncBegin({ recursive: true });
 * for (const name of ["INBOX", "INBOX/Sent", "Archive/2009"]) ctx.add(name);
 * await ctx.commit();
 * for (const m of index.iterate()) console.log(m.name, m.uid, m.flags);
 * await index.close();
 * rmSync(dir, { recursive: true });
 * ```
 */
export class MailboxListIndex {
  /** Path of the list file. */
  readonly path: string;
  /** The index's files. */
  readonly paths: IndexPaths;
  /** Whether the index was opened read-only. */
  readonly readonly: boolean;
  #io: FileIO;
  #sep: number;
  #sepChar: string;
  #options: OpenOptions;
  #limits: NameLimits;
  #state: ReadState;
  #syncing = false;
  #active: SyncContext | undefined;
  #closed = false;
  #encoder = new NameEncoder();
  #warn: (message: string) => void;
  #subsReader: SubscriptionReader;

  private constructor(path: string, options: OpenOptions, sep: number) {
    this.path = path;
    this.paths = indexPaths(path);
    this.readonly = options.readonly ?? false;
    this.#io = options.io ?? nodeFileIO;
    this.#options = options;
    this.#sep = sep;
    this.#sepChar = String.fromCharCode(sep);
    this.#warn = options.onWarning ?? ((m) => console.warn(m));
    this.#state = new ReadState(this.#io, this.paths, options.checkIntervalMs ?? 0, this.#warn);
    this.#limits = limitsOf(options);
    this.#subsReader = {
      io: this.#io,
      paths: this.paths,
      current: () => {
        this.#ensureOpen();
        return this.#state.current();
      },
      reread: () => this.refresh(),
    };
  }

  /**
   * Open an index, creating it when it does not exist (unless read-only).
   *
   * @param path Path of the list file.
   * @param options Open options.
   * @returns The open index.
   * @throws CorruptIndexError for a damaged read-only index; an ENOENT error for a missing read-only one.
   *
   * @example Open an index of a store with a dot separator
   * ```ts ignore
   * const index = await MailboxListIndex.open("/var/mail/u/mailboxes.mlist", { separator: "." });
   * ```
   */
  static async open(path: string, options: OpenOptions = {}): Promise<MailboxListIndex> {
    const io = options.io ?? nodeFileIO;
    const paths = indexPaths(path);
    const readonly = options.readonly ?? false;
    if (!readonly) await prepareIndexFiles(io, path, paths, options);
    let sep = options.separator !== undefined ? separatorByte(options.separator) : 0;
    const index = new MailboxListIndex(path, options, sep || 0x2f);
    try {
      // The headers only: lookups read the directories they need, the rest is read when needed.
      await index.#state.open();
      sep = index.#sep = storedSeparator(path, index.#state.storedSeparator, sep, options.separator);
      index.#sepChar = String.fromCharCode(sep);
    } catch (e) {
      if (!(e instanceof CorruptIndexError) || readonly) throw e;
      // A writable index that is damaged: the next sync rebuilds or recreates it.
      index.#warn(`Index "${path}" is corrupt (${e.message}); the next sync will rebuild it`);
    }
    return index;
  }

  /** The hierarchy separator. */
  get separator(): string {
    return this.#sepChar;
  }

  /** The list file header, re-read when another process changed the index. */
  get header(): IndexHeader {
    this.#ensureOpen();
    const { fileSeq, uidValidity, nextUid, usedSpace, deletedSpace } = this.#state.header();
    return { fileSeq, uidValidity, nextUid, usedSpace, deletedSpace };
  }

  /**
   * Re-read the files if another process committed since the last read.
   * It never waits for a writer: when a writer changes the files during a
   * few reads in a row, the state read before stays in use (it was
   * consistent) and the next answer tries again.
   *
   * @returns Nothing.
   * @throws IndexStateError when no consistent state was ever read and a writer keeps changing the files.
   */
  refresh(): void {
    this.#ensureOpen();
    this.#state.refresh();
  }

  #ensureOpen(): void {
    if (this.#closed) throw new IndexStateError(`Cannot use index "${this.path}": it is closed`);
  }

  /** The current state read whole. */
  #current(): Snapshot {
    this.#ensureOpen();
    return this.#state.whole();
  }

  #encode(name: string): number {
    if (name.indexOf("\0") >= 0) throw new InvalidNameError(name, "contains a NUL byte");
    return this.#encoder.encode(name);
  }

  /**
   * The UID of a mailbox.
   *
   * @param name Full name.
   * @returns Its UID, or undefined when it is not in the index.
   * @throws InvalidNameError for a name with a NUL byte or with no UTF-8 form (a lone surrogate).
   */
  lookup(name: string): number | undefined {
    this.#ensureOpen();
    return this.#state.lookup(name, this.#sep, this.#limits, this.#encoder);
  }

  /**
   * The mailboxes under `path`, depth-first in on-disk order.
   *
   * @param path Parent mailbox ("" = all).
   * @param options `depth` 0 = direct children only; `guids` to give each mailbox its `guid`.
   * @returns The mailboxes.
   */
  iterate(path = "", options: IterateOptions = {}): Iterable<MailboxInfo> {
    const snap = this.#current();
    const depth = options.depth ?? Infinity;
    const n = path === "" ? 0 : this.#encode(path);
    const flags = snap.attr ?? { flagsOf: () => 0 };
    const it = snap.list.iterate(path, depth, flags, this.#sepChar, {
      bytes: this.#encoder.bytes.slice(0, n),
      length: n,
      sep: this.#sep,
    });
    return options.guids === true ? withGuids(it, snap.attr) : it;
  }

  /**
   * The mailboxes under `path`, as {@linkcode MailboxListIndex.iterate}
   * gives them, handed to `visit` one by one without an object each.
   *
   * @param path Parent mailbox ("" = all).
   * @param depth 0 = direct children only; undefined = unlimited.
   * @param visit Called with each mailbox's name, UID, whether it has
   *   children, flags and level under `path` (0 = a direct child).
   * @returns Nothing.
   */
  walk(path: string, depth: number | undefined, visit: ListVisitor): void {
    const snap = this.#current();
    const n = path === "" ? 0 : this.#encode(path);
    const flags = snap.attr ?? NO_FLAGS;
    const walk = snap.list.walk(path, depth ?? Infinity, flags, this.#sepChar, {
      bytes: this.#encoder.bytes,
      length: n,
      sep: this.#sep,
    });
    const names = walk.names, uids = walk.uids, kids = walk.children, fl = walk.flags, levels = walk.levels;
    for (let count = walk.fill(); count > 0; count = walk.fill()) {
      for (let k = 0; k < count; k++) visit(names[k], uids[k], kids[k] === 1, fl[k], levels[k]);
    }
  }

  /**
   * The flags of a mailbox.
   *
   * @param name Full name.
   * @returns Its flags, or undefined when it is not in the index.
   */
  flags(name: string): number | undefined {
    const snap = this.#current();
    const uid = lookupUid(snap, name, this.#sep, this.#limits, this.#encoder);
    if (uid === undefined) return undefined;
    return snap.attr?.flagsOf(uid) ?? 0;
  }

  /**
   * The cached STATUS of a mailbox.
   *
   * @param name Full name.
   * @returns The figures, or undefined when the mailbox or its cache is missing.
   */
  status(name: string): MailboxStatus | undefined {
    const snap = this.#current();
    const uid = lookupUid(snap, name, this.#sep, this.#limits, this.#encoder);
    if (uid === undefined) return undefined;
    return snap.attr?.statusOf(uid);
  }

  /**
   * The GUID of a mailbox (SPEC §12).
   *
   * @param name Full name.
   * @returns 32 lowercase hex digits; undefined for no such mailbox, a placeholder, a version-1 attribute file.
   */
  guid(name: string): string | undefined {
    const snap = this.#current();
    const uid = lookupUid(snap, name, this.#sep, this.#limits, this.#encoder);
    return uid === undefined ? undefined : snap.attr?.guidOf(uid);
  }

  /**
   * The mailbox with a GUID (SPEC §12): one probe in a table of the GUIDs
   * and a binary search by UID, both built on the first call for each state
   * of the index (typed arrays, no object per mailbox).
   *
   * @param guid 32 hexadecimal digits (either case) or 16 bytes.
   * @returns The mailbox, with its `guid`, or undefined when none has it.
   * @throws InvalidGuidError for a value that is not a GUID.
   */
  lookupGuid(guid: string | Uint8Array): MailboxInfo | undefined {
    return mailboxByGuid(this.#current(), parseGuid(guid), this.#sepChar);
  }

  /**
   * The subscribed names (SPEC §12), which may name mailboxes that do not
   * exist, sorted by their UTF-8 bytes. The subscriptions file is read when
   * first asked for after each commit.
   *
   * @returns The names.
   * @throws CorruptIndexError naming the subscriptions file when it is damaged (the rest of the index still answers).
   * See `currentSubscriptions` (`subscriptions.ts`) for an example.
   */
  subscriptions(): string[] {
    return [...currentSubscriptions(this.#subsReader).names];
  }

  /**
   * Whether a name (in its canonical spelling: `a//b` is `a/b`) is subscribed.
   *
   * @param name Full name.
   * @returns True when subscribed.
   * @throws InvalidNameError for a name the index cannot hold; CorruptIndexError as `subscriptions()`.
   */
  isSubscribed(name: string): boolean {
    return currentSubscriptions(this.#subsReader).set.has(checkedName(name, this.#sep, this.#limits));
  }

  /**
   * The subscribed names as a set (not to be changed), for the LIST layer;
   * may include names that do not exist.
   *
   * @returns The set.
   * @throws CorruptIndexError as `subscriptions()`.
   */
  subscriptionSet(): ReadonlySet<string> {
    return currentSubscriptions(this.#subsReader).set;
  }

  /**
   * IMAP LIST over the index (SPEC §7): `*` and `%` wildcards, the INBOX
   * rule, the mailbox attributes, STATUS from the cache when asked for;
   * LIST-EXTENDED (several patterns, selection and return options), LSUB.
   * See {@linkcode listCommand}; `listResponseLines` gives the response lines.
   *
   * @param patternOrPatterns One pattern (a plain LIST), or the list of patterns of LIST-EXTENDED.
   * @param options Reference, `select`, `return`, `session`, `lsub`, `status` for the cached STATUS, `guids`.
   * @returns The entries to send, in index order (subscribed names sorted).
   *
   * @example LIST (SUBSCRIBED) "" "*" RETURN (CHILDREN)
   * ```ts ignore
   * const entries = index.list("*", { select: { subscribed: true }, return: { children: true } });
   * ```
   */
  list(patternOrPatterns: string | string[], options: ListCommandOptions = {}): ListEntry[] {
    const entries = listCommand(this, patternOrPatterns, options);
    // The GUIDs come from the attribute file: the state read whole (a LIST of names without
    // wildcards may have been answered by lookups alone).
    return options.guids === true ? withGuids(entries, this.#current().attr) : entries;
  }

  /**
   * Watch every commit of any process (SPEC §13): an async iterable of
   * {@linkcode ChangeBatch}es in commit order, each once, from the commits
   * after this call (or after `since`, a batch's `cursor`). A cursor older
   * than the bounded history (`changeHistoryBytes`) or of another log fails
   * with a `ChangeCursorError`. Ends when `signal` aborts or the loop breaks.
   * See {@linkcode watchChanges} for an example.
   *
   * @param options `since`, `signal`, `pollIntervalMs`.
   * @returns The batches.
   */
  watch(options: WatchOptions = {}): AsyncGenerator<ChangeBatch> {
    this.#ensureOpen();
    return watchChanges(this.#io, this.paths, options);
  }

  /**
   * The cursor of the newest commit, to `watch({ since })` from later.
   *
   * @returns The cursor.
   */
  changeCursor(): Promise<string> {
    this.#ensureOpen();
    return changeCursor(this.#io, this.paths);
  }

  /** Rename a mailbox and its subtree in a commit of its own (SPEC §11, {@linkcode SyncContext.rename}); resolves to what changed. */
  async rename(from: string, to: string): Promise<SyncResult> {
    return await renameAndCommit(await this.syncBegin({ partial: true }), from, to);
  }

  /**
   * Start a sync: takes the writer lock (waiting up to the lock timeout),
   * finishes an interrupted commit, and reads the current state.
   *
   * @param options Path, recursive, partial.
   * @returns The sync context.
   * @throws LockTimeoutError when another writer holds the lock too long.
   */
  async syncBegin(options: SyncOptions = {}): Promise<SyncContext> {
    let lock: WriterLock | undefined;
    try {
      lock = await this.#lockForWrite();
      const snap = this.#writerSnapshot(options, false);
      const attr: AttrView | undefined = snap.attr;
      if (attr === undefined) {
        this.#warn(
          `Index "${this.path}": ${snap.attrProblem ?? "attribute file unusable"}; its attributes are rebuilt by this sync`,
        );
      }
      let engine: SyncEngine;
      try {
        engine = new SyncEngine(snap.list, attr, this.#sep, options, this.#limits);
      } catch (e) {
        if (!(e instanceof CorruptIndexError)) throw e;
        engine = this._recreateForSync(e, options);
      }
      const ctx = new SyncContext(this, engine, lock, options, this.#state.snap!.stamp);
      this.#active = ctx;
      return ctx;
    } catch (e) {
      if (lock !== undefined) this.#syncing = false;
      lock?.release();
      throw e;
    }
  }

  /** Take the writer lock (SPEC §6) and finish an interrupted commit. */
  async #lockForWrite(): Promise<WriterLock> {
    this.#ensureOpen();
    if (this.readonly) throw new IndexStateError(`Cannot sync index "${this.path}": it was opened read-only`);
    if (this.#syncing) throw new IndexStateError(`Cannot sync index "${this.path}": a sync is already running`);
    this.#syncing = true;
    try {
      const lock = await acquireLock(this.path, lockOptions(this.#options));
      try {
        recoverJournal(this.#io, this.paths, this.#writer());
      } catch (e) {
        lock.release();
        throw e;
      }
      return lock;
    } catch (e) {
      this.#syncing = false;
      throw e;
    }
  }

  /** The current state for a writer (lock held), a damaged index recovered; `check`: every structure checked. */
  #writerSnapshot(options: SyncOptions, check: boolean): Snapshot {
    try {
      this.refresh();
      const snap = this.#state.whole();
      if (check) {
        // Every structure is checked here (the table is kept for the work's own lookups).
        snap.list.checkTree();
        FullNameTable.of(snap.list, this.#sep, snap.attr?.header.live ?? 0);
      }
      return snap;
    } catch (e) {
      if (!(e instanceof CorruptIndexError)) throw e;
      return this.#recoverCorrupt(e, options);
    }
  }

  /** A damaged index found by a writer: a full sync rebuilds it from its names, anything else starts afresh. */
  #recoverCorrupt(e: CorruptIndexError, options: SyncOptions): Snapshot {
    recreateCorrupt(this.#io, this.paths, e, (options.path ?? "") === "" && !options.partial, this.#warn);
    createEmpty(this.#io, this.path, this.#options.uidValidity, this.#sep);
    this.#state.drop();
    this.refresh();
    return this.#state.whole();
  }

  /**
   * @internal Run `work` holding the writer lock on a current snapshot; `work`
   * returns the images that replace the index, or undefined to leave it.
   */
  async _replaceExclusive(
    work: (
      snap: Snapshot,
    ) => Promise<{ list: Uint8Array; listSize: number; attr: Uint8Array; changes?: ChangeBatchBuilder } | undefined>,
  ): Promise<boolean> {
    const lock = await this.#lockForWrite();
    try {
      const snap = this.#writerSnapshot({}, true);
      const start = snap.stamp;
      const out = await work(snap);
      if (out === undefined) return false;
      this._verifyWriter(lock, start);
      const target = { fileSeq: snap.list.header.fileSeq, uidValidity: snap.list.header.uidValidity };
      this.#state.drop();
      replaceFiles(this.#io, this.paths, target, out.list, out.listSize, out.attr, this.#writer(), undefined, out.changes);
      this.refresh();
      return true;
    } finally {
      this.#syncing = false;
      lock.release();
    }
  }

  /** The writer's options. */
  #writer(): { durable: boolean; onWarning: (message: string) => void; changeHistoryBytes?: number } {
    const o = this.#options;
    return { durable: o.durable ?? true, onWarning: this.#warn, changeHistoryBytes: o.changeHistoryBytes };
  }

  /** @internal The name limits in force. */
  get _limits(): NameLimits {
    return this.#limits;
  }

  /** @internal The separator byte. */
  get _separatorByte(): number {
    return this.#sep;
  }

  /** @internal A sync found the index damaged: recreate it (lock held) and give a fresh engine. */
  _recreateForSync(e: CorruptIndexError, options: SyncOptions): SyncEngine {
    const snap = this.#recoverCorrupt(e, options);
    return new SyncEngine(snap.list, snap.attr, this.#sep, options, this.#limits);
  }

  /** @internal The identity of the files the current snapshot was read from. */
  _stamp(): SnapshotStamp {
    return this.#state.snap!.stamp;
  }

  /**
   * @internal Before a writer writes: its lock must still be its own and the
   * files still the ones its work started from (SPEC §6).
   */
  _verifyWriter(lock: WriterLock, stamp: SnapshotStamp): void {
    lock.verify();
    if (!this.#state.probe.isCurrent(stamp)) {
      throw new LockLostError(
        lock.path,
        `the files of index "${this.path}" changed since this sync began (another writer committed)`,
      );
    }
  }

  /** @internal The subscriptions a sync changes (lock held); a damaged file is set aside. */
  _subscriptionsForSync(): SubscriptionState {
    return subscriptionsForWriter(this.#subsReader, this.#warn);
  }

  /** @internal Commit a planned sync (lock held); `subs` is the new set when the plan writes one. */
  _commit(plan: CommitPlan, subs?: SubscriptionState): SyncResult {
    const snap = this.#state.snap!;
    // The subscriptions after the commit: the new set, or the ones already read.
    const subsAfter = plan.subs !== undefined ? subs : snap.subs;
    const target = { fileSeq: snap.list.header.fileSeq, uidValidity: snap.list.header.uidValidity };
    try {
      const outcome = commitPlan(this.#io, this.paths, target, plan, this.#writer());
      const after = outcome === undefined ? snap : snapshotAfterCommit(snap, plan, outcome.seq, outcome.listSize, this.paths);
      after.subs = subsAfter;
      this.#state.setWhole(after);
    } catch (e) {
      this.#state.drop();
      throw e;
    }
    let compressed = false;
    const h = plan.header;
    if (plan.changed && needsCompression(h.usedSpace, h.deletedSpace, plan.largestCopy, plan.maxFileSize)) {
      this.refresh();
      const now = this.#state.whole();
      this.#state.drop();
      const compact = compressIndex(this.#io, this.paths, now, this.#sep, this.#writer());
      compressed = true;
      if (compact !== undefined) this.#state.setWhole(compact);
      else this.refresh();
    }
    this.#state.lastCheck = Date.now();
    return { added: plan.added, deleted: plan.deleted, changed: plan.changed, compressed };
  }

  /** @internal */
  _endSync(ctx?: SyncContext): void {
    this.#syncing = false;
    if (this.#active === ctx) this.#active = undefined;
  }

  /**
   * Close the index and the journal it keeps open, rolling back a sync that
   * is still open (its lock is released). Reads after this throw.
   *
   * @returns Nothing.
   */
  async close(): Promise<void> {
    const active = this.#active;
    this.#active = undefined;
    if (active !== undefined) await active.rollback();
    this.#closed = true;
    this.#state.close();
  }

  /**
   * Close the index, for `await using`.
   *
   * @returns Nothing.
   */
  [Symbol.asyncDispose](): Promise<void> {
    return this.close();
  }
}

const NO_FLAGS = { flagsOf: () => 0 };

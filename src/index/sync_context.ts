/**
 * {@linkcode SyncContext}: one sync of an index in progress, from
 * `syncBegin` to its commit or rollback, and {@linkcode SyncResult}, what a
 * commit did.
 *
 * @module
 */
import { CorruptIndexError, IndexStateError } from "../format/errors.ts";
import { specialUseOf } from "../format/special_use.ts";
import { parseGuid } from "../format/guid.ts";
import type { MailboxStatus } from "../format/types.ts";
import type { WriterLock } from "../store/lock.ts";
import type { SnapshotStamp } from "../store/freshness.ts";
import type { CommitPlan } from "../store/commit_plan.ts";
import type { NameLimits } from "../format/limits.ts";
import type { SyncEngine, SyncOptions } from "./sync.ts";
import { SubscriptionChanges, type SubscriptionState } from "./subscriptions.ts";

/**
 * What a commit did.
 *
 * @example Reporting a commit
 * ```ts ignore
 * const { added, deleted, changed, compressed } = await ctx.commit();
 * if (changed) console.log(`+${added} -${deleted}${compressed ? " (compressed)" : ""}`);
 * ```
 */
export interface SyncResult {
  /** Mailboxes added. */
  added: number;
  /** Mailboxes deleted. */
  deleted: number;
  /** Whether anything was written. */
  changed: boolean;
  /** Whether the file was compressed afterwards. */
  compressed: boolean;
}

/**
 * @internal What a sync needs of its index (a `MailboxListIndex` is
 * one): the writer-side steps it calls between `syncBegin` and its end.
 *
 * @example The index as a host
 * ```ts ignore
 * const host: SyncHost = index; // MailboxListIndex
 * ```
 */
export interface SyncHost {
  /** Path of the list file. */
  readonly path: string;
  /** The index was found damaged: recreate it (lock held) and give a fresh engine. */
  _recreateForSync(e: CorruptIndexError, options: SyncOptions): SyncEngine;
  /** The identity of the files the current snapshot was read from. */
  _stamp(): SnapshotStamp;
  /** The lock must still be this sync's and the files the ones it started from. */
  _verifyWriter(lock: WriterLock, stamp: SnapshotStamp): void;
  /**
   * The subscriptions as the index has them now (lock held); a damaged
   * subscriptions file is set aside with a warning and counts as none.
   */
  _subscriptionsForSync(): SubscriptionState;
  /** The separator byte and the name limits, for checking subscribed names. */
  readonly _separatorByte: number;
  readonly _limits: NameLimits;
  /** Write a planned sync (lock held); `subs` is the new subscription set when the plan replaces it. */
  _commit(plan: CommitPlan, subs?: SubscriptionState): SyncResult;
  /** The sync ended (committed or rolled back). */
  _endSync(ctx?: SyncContext): void;
}

/**
 * A sync in progress (SPEC §4). Holds the writer lock, refreshed from a
 * timer, until {@linkcode SyncContext.commit} or
 * {@linkcode SyncContext.rollback}; `await using` rolls back whatever was
 * not committed when the scope ends, and so does closing the index.
 *
 * @example A sync that skips names the index cannot hold
 * ```ts
 * import { InvalidNameError, MailboxListIndex } from "../../mod.ts";
 * import { mkdtempSync, rmSync } from "node:fs";
 * import { tmpdir } from "node:os";
 * const dir = mkdtempSync(tmpdir() + "/mli-");
 * const index = await MailboxListIndex.open(dir + "/u.mlist");
 * {
 *   await using ctx = await index.syncBegin({ recursive: true });
 *   for (const name of ["INBOX", "bad\0name", "Archive/2024"]) {
 *     try {
 *       ctx.add(name);
 *     } catch (e) {
 *       if (!(e instanceof InvalidNameError)) throw e; // the sync goes on without that name
 *     }
 *   }
 *   await ctx.commit();
 * }
 * console.log([...index.iterate()].map((m) => m.name)); // ["INBOX", "Archive", "Archive/2024"]
 * await index.close();
 * rmSync(dir, { recursive: true });
 * ```
 */
export class SyncContext {
  #index: SyncHost;
  #engine: SyncEngine;
  #lock: WriterLock;
  #options: SyncOptions;
  #done = false;
  // The files this sync started from: a commit writes only onto these (SPEC §6).
  #stamp: SnapshotStamp;
  // What the caller reported, kept to replay it into a recreated index when
  // the current one turns out to be damaged (SPEC §5, §9).
  #names: string[] = [];
  #uids = new Int32Array(256);
  #flagCalls: [number, number][] = [];
  #statusCalls: [number | string, MailboxStatus][] = [];
  #extraCalls: [number | string, number][] = [];
  #specialCalls: [number | string, number][] = [];
  #guidCalls: [number | string, Uint8Array][] = [];
  #keptNames: string[] = [];
  /** Renames, each with how many names were reported before it. */
  #renames: [number, string, string][] = [];
  #subs: SubscriptionChanges;

  /** @internal */
  constructor(
    index: SyncHost,
    engine: SyncEngine,
    lock: WriterLock,
    options: SyncOptions,
    stamp: SnapshotStamp,
  ) {
    this.#index = index;
    this.#engine = engine;
    this.#lock = lock;
    this.#options = options;
    this.#stamp = stamp;
    this.#subs = new SubscriptionChanges(index._separatorByte, index._limits);
  }

  #check(): void {
    if (this.#done) throw new IndexStateError(`Cannot use the sync of "${this.#index.path}": it already ended`);
  }

  /** The index is damaged: recreate it and replay everything reported so far. */
  #recover(e: CorruptIndexError): void {
    const engine = this.#index._recreateForSync(e, this.#options);
    this.#stamp = this.#index._stamp();
    const map = new Map<number, number>();
    let r = 0;
    const renamesUpTo = (i: number) => {
      for (; r < this.#renames.length && this.#renames[r][0] <= i; r++) {
        try {
          engine.rename(this.#renames[r][1], this.#renames[r][2]);
        } catch {
          // Not possible in the recreated index (its mailbox was only in the damaged one): dropped.
        }
      }
    };
    for (let i = 0; i < this.#names.length; i++) {
      renamesUpTo(i);
      const uid = engine.add(this.#names[i]);
      map.set(this.#uids[i], uid);
      this.#uids[i] = uid;
    }
    renamesUpTo(Infinity);
    for (const [uid, flags] of this.#flagCalls) {
      const now = map.get(uid);
      if (now !== undefined) engine.setFlags(now, flags);
    }
    for (const [key, bits] of this.#extraCalls) {
      const now = typeof key === "string" ? key : map.get(key);
      if (now !== undefined) engine.orFlags(now, bits);
    }
    for (const name of this.#keptNames) engine.keep(name);
    for (const [key, bits] of this.#specialCalls) {
      const now = typeof key === "string" ? key : map.get(key);
      try {
        if (now !== undefined) engine.setSpecialUse(now, bits);
      } catch {
        // Not a mailbox of the recreated index (it was one only in the damaged one): dropped.
      }
    }
    for (const [key, guid] of this.#guidCalls) {
      const now = typeof key === "string" ? key : map.get(key);
      try {
        if (now !== undefined) engine.setGuid(now, guid);
      } catch {
        // Not a mailbox of the recreated index: dropped, like special-use.
      }
    }
    for (const [key, status] of this.#statusCalls) {
      if (typeof key === "string") engine.setStatus(key, status);
      else {
        const now = map.get(key);
        if (now !== undefined) engine.setStatus(now, status);
      }
    }
    this.#engine = engine;
  }

  /**
   * Report one existing mailbox. Its missing parents are created.
   *
   * @param name Full mailbox name.
   * @returns Its UID.
   * @throws InvalidNameError when the name cannot be stored; the sync goes on.
   */
  add(name: string): number {
    this.#check();
    let uid: number;
    try {
      uid = this.#engine.add(name);
    } catch (e) {
      if (!(e instanceof CorruptIndexError)) throw e;
      this.#recover(e);
      uid = this.#engine.add(name);
    }
    const i = this.#names.length;
    this.#names.push(name);
    if (i === this.#uids.length) {
      const grown = new Int32Array(i * 2);
      grown.set(this.#uids);
      this.#uids = grown;
    }
    this.#uids[i] = uid;
    return uid;
  }

  /**
   * Replace the stored flags of a mailbox (applied after the sync's own rules).
   *
   * @param uid The mailbox's UID.
   * @param flags {@linkcode MailboxFlags} bits.
   * @returns Nothing.
   */
  setFlags(uid: number, flags: number): void {
    this.#check();
    this.#flagCalls.push([uid, flags]);
    this.#engine.setFlags(uid, flags);
  }

  /**
   * Add flag bits (for example `MailboxFlags.NoSelect`) on top of the flags
   * the sync's own rules give a mailbox, keeping `\HasChildren` and
   * `\NonExistent` as the rules set them.
   *
   * @param uidOrName UID or full name of the mailbox.
   * @param bits {@linkcode MailboxFlags} bits to add.
   * @returns Nothing.
   */
  addFlags(uidOrName: number | string, bits: number): void {
    this.#check();
    this.#extraCalls.push([uidOrName, bits]);
    this.#engine.orFlags(uidOrName, bits);
  }

  /**
   * Keep a mailbox and its whole subtree as they are, for a store that
   * could not be read completely (SPEC §9): a full sync deletes none of
   * them and leaves their flags and STATUS as they were (unless reported or
   * changed by other calls); its parents count as reported parents. A name
   * that is not in the index, or outside the sync path, changes nothing.
   *
   * @param name Full name of the mailbox the scan could not read.
   * @returns Nothing.
   * @throws InvalidNameError when the name cannot be stored; the sync goes on.
   *
   * @example Keep a folder that failed to list
   * ```ts ignore
   * const ctx = await index.syncBegin({ recursive: true });
   * ctx.add("INBOX");
   * ctx.keep("Archive"); // the scan warned that "Archive" could not be read
   * await ctx.commit(); // "Archive" and everything under it stay
   * ```
   */
  keep(name: string): void {
    this.#check();
    try {
      this.#engine.keep(name);
    } catch (e) {
      if (!(e instanceof CorruptIndexError)) throw e;
      this.#recover(e);
      this.#engine.keep(name);
    }
    this.#keptNames.push(name);
  }

  /**
   * Rename a mailbox and its whole subtree (SPEC §11, IMAP RENAME), in
   * this sync's commit. Every moved mailbox keeps its UID, flags, STATUS,
   * special-use and GUID, and the subscriptions of `from` and of the names
   * under it follow; only two directories of the list file are written,
   * whatever the size of the subtree. A `\NonExistent` placeholder at `to`
   * is taken over (its children join the moved mailbox's); missing parents
   * of `to` are created as placeholders; a placeholder the rename leaves
   * without children goes. Renaming INBOX (any case) creates `to` as a new
   * mailbox and leaves INBOX and its children where they are. Later calls
   * of the sync see the new names.
   *
   * @param from Full name of a mailbox or of a `\NonExistent` parent.
   * @param to Its new full name.
   * @returns Nothing.
   * @throws RenameError (`code` NONEXISTENT, ALREADYEXISTS, INSIDE, CONFLICT or LIMIT, with its IMAP response code) when the rename is refused; InvalidNameError for a name the index cannot hold or outside the sync path. Nothing changes then, and the sync goes on.
   *
   * @example Move a folder, with its subfolders, under a new parent
   * ```ts
   * import { MailboxListIndex } from "../../mod.ts";
   * import { mkdtempSync, rmSync } from "node:fs";
   * import { tmpdir } from "node:os";
   * const dir = mkdtempSync(tmpdir() + "/mli-");
   * const index = await MailboxListIndex.open(dir + "/u.mlist");
   * const ctx = await index.syncBegin({ recursive: true });
   * for (const name of ["INBOX", "Projects/2023", "Projects/2023/a"]) ctx.add(name);
   * await ctx.commit();
   * const uid = index.lookup("Projects/2023/a");
   * const sync = await index.syncBegin({ partial: true });
   * sync.rename("Projects/2023", "Archive/2023");
   * await sync.commit();
   * console.log(index.lookup("Archive/2023/a") === uid, index.lookup("Projects")); // true undefined
   * await index.close();
   * rmSync(dir, { recursive: true });
   * ```
   */
  rename(from: string, to: string): void {
    this.#check();
    let inbox: boolean;
    try {
      inbox = this.#engine.rename(from, to);
    } catch (e) {
      if (!(e instanceof CorruptIndexError)) throw e;
      this.#recover(e);
      inbox = this.#engine.rename(from, to);
    }
    this.#renames.push([this.#names.length, from, to]);
    if (!inbox) this.#subs.rename(from, to);
  }

  /**
   * Replace the special-use attributes (RFC 6154) of a mailbox; `[]` or 0
   * clears them. They are kept in the mailbox's flags (bits 8–14,
   * `SPECIAL_USE_MASK`) across syncs, compressions and rebuilds; the sync's
   * own flag rules, `setFlags` and `addFlags` never change them. Special-use
   * belongs to mailboxes: the mailbox must be in the index and not a
   * `\NonExistent` placeholder — or have been reported by this sync with
   * {@linkcode SyncContext.add} before this call. A mailbox this sync
   * deletes takes its attributes with it.
   *
   * @param uidOrName UID or full name of the mailbox.
   * @param flags `SpecialUse` bits, or atoms such as `["\\Sent"]` (the backslash may be left out).
   * @returns Nothing.
   * @throws RangeError for an atom or a bit that is not one of RFC 6154's seven; NoSuchMailboxError when the mailbox is not in the index or is a placeholder. The sync goes on.
   *
   * @example Mark the Sent and Trash folders
   * ```ts
   * import { MailboxListIndex, SPECIAL_USE_MASK, SpecialUse, specialUseAtoms } from "../../mod.ts";
   * import { mkdtempSync, rmSync } from "node:fs";
   * import { tmpdir } from "node:os";
   * const dir = mkdtempSync(tmpdir() + "/mli-");
   * const index = await MailboxListIndex.open(dir + "/u.mlist");
   * const ctx = await index.syncBegin({ recursive: true });
   * for (const name of ["INBOX", "Sent", "Trash"]) ctx.add(name);
   * ctx.setSpecialUse("Sent", ["\\Sent"]);
   * ctx.setSpecialUse("Trash", SpecialUse.Trash);
   * await ctx.commit();
   * console.log(specialUseAtoms(index.flags("Sent")! & SPECIAL_USE_MASK)); // ["\\Sent"]
   * await index.close();
   * rmSync(dir, { recursive: true });
   * ```
   */
  setSpecialUse(uidOrName: number | string, flags: number | readonly string[]): void {
    this.#check();
    const bits = specialUseOf(flags, typeof uidOrName === "string" ? uidOrName : `UID ${uidOrName}`);
    try {
      this.#engine.setSpecialUse(uidOrName, bits);
    } catch (e) {
      if (!(e instanceof CorruptIndexError)) throw e;
      this.#recover(e);
      this.#engine.setSpecialUse(uidOrName, bits);
    }
    this.#specialCalls.push([uidOrName, bits]);
  }

  /**
   * Subscribe a name (RFC 3501 SUBSCRIBE, SPEC §12). The name need not be a
   * mailbox; it stays subscribed when its mailbox is deleted. It is checked
   * as mailbox names are and kept in its canonical spelling (`a//b` is
   * `a/b`); subscribing it twice is the same as once.
   *
   * @param name Full name, with the index's separator.
   * @returns Nothing.
   * @throws InvalidNameError for a name the index cannot hold (NUL byte, empty, lone surrogate, over a limit); the sync goes on.
   *
   * @example Subscribe a mailbox and one that does not exist
   * ```ts
   * import { MailboxListIndex } from "../../mod.ts";
   * import { mkdtempSync, rmSync } from "node:fs";
   * import { tmpdir } from "node:os";
   * const dir = mkdtempSync(tmpdir() + "/mli-");
   * const index = await MailboxListIndex.open(dir + "/u.mlist");
   * const ctx = await index.syncBegin({ partial: true });
   * ctx.add("INBOX");
   * ctx.subscribe("INBOX");
   * ctx.subscribe("Lists/not-yet");
   * await ctx.commit();
   * console.log(index.subscriptions()); // ["INBOX", "Lists/not-yet"]
   * await index.close();
   * rmSync(dir, { recursive: true });
   * ```
   */
  subscribe(name: string): void {
    this.#check();
    this.#subs.subscribe(name);
  }

  /**
   * Unsubscribe a name (RFC 3501 UNSUBSCRIBE). A name that is not
   * subscribed changes nothing and is no error.
   *
   * @param name Full name, with the index's separator.
   * @returns Nothing.
   * @throws InvalidNameError for a name the index cannot hold; the sync goes on.
   *
   * @example Unsubscribe
   * ```ts ignore
   * ctx.unsubscribe("Lists/old");
   * await ctx.commit();
   * ```
   */
  unsubscribe(name: string): void {
    this.#check();
    this.#subs.unsubscribe(name);
  }

  /**
   * Replace the whole subscription set, for example with what a store's
   * own subscriptions file lists. Later `subscribe` and `unsubscribe` calls
   * of this sync apply on top of it.
   *
   * @param names The subscribed names (duplicates are fine; need not exist).
   * @returns Nothing.
   * @throws InvalidNameError for the first name the index cannot hold; nothing changes then.
   *
   * @example Import a subscription list
   * ```ts ignore
   * ctx.setSubscriptions(["INBOX", "Lists/dev"]);
   * await ctx.commit();
   * ```
   */
  setSubscriptions(names: Iterable<string>): void {
    this.#check();
    this.#subs.replace(names);
  }

  /**
   * Set the cached STATUS of a mailbox: the five figures, and
   * `highestModSeq`, `size` and `deleted` when known (see `MailboxStatus`).
   *
   * @param uidOrName UID or full name of the mailbox.
   * @param status The figures.
   * @returns Nothing.
   * @throws InvalidStatusError naming a figure that is not a whole number in its range (nothing is clipped); the sync goes on.
   */
  setStatus(uidOrName: number | string, status: MailboxStatus): void {
    this.#check();
    this.#engine.setStatus(uidOrName, status);
    this.#statusCalls.push([uidOrName, status]);
  }

  /**
   * Set the GUID of a mailbox (SPEC §12), for example the `G` of its
   * `dovecot-uidlist` header. Without one, a mailbox gets a random GUID
   * when it first appears, and keeps it across syncs, compressions,
   * `syncAll` and rebuilds; a mailbox deleted and created again gets a new
   * one. The mailbox must be one, as for {@linkcode SyncContext.setSpecialUse}.
   *
   * @param uidOrName UID or full name of the mailbox.
   * @param guid 32 hexadecimal digits (either case) or 16 bytes, not all zero.
   * @returns Nothing.
   * @throws InvalidGuidError naming a value that is not a GUID; NoSuchMailboxError when the mailbox is not in the index or is a placeholder. The sync goes on.
   *
   * @example The GUID a `dovecot-uidlist` header gives
   * ```ts ignore
   * ctx.setGuid(ctx.add("Sent"), "7A1C0F6B2D3E4F5061728394A5B6C7D8");
   * ```
   */
  setGuid(uidOrName: number | string, guid: string | Uint8Array): void {
    this.#check();
    const bytes = parseGuid(guid);
    try {
      this.#engine.setGuid(uidOrName, bytes);
    } catch (e) {
      if (!(e instanceof CorruptIndexError)) throw e;
      this.#recover(e);
      this.#engine.setGuid(uidOrName, bytes);
    }
    this.#guidCalls.push([uidOrName, bytes]);
  }

  /**
   * Write the sync all-or-nothing, compress when due, release the lock.
   * Before anything is written, the lock must still be this sync's and the
   * files the ones it started from (same list file, same journal record).
   *
   * @returns What changed.
   * @throws LockLostError when the lock was taken over or the files changed since the sync began; nothing is written.
   */
  // deno-lint-ignore require-await
  async commit(): Promise<SyncResult> {
    this.#check();
    this.#done = true;
    try {
      let plan: CommitPlan;
      try {
        // A full sync that reported exactly what the index holds ends here: nothing to plan or write.
        if (this.#subs.empty && this.#engine.unchanged()) {
          return { added: 0, deleted: 0, changed: false, compressed: false };
        }
        plan = this.#engine.plan();
      } catch (e) {
        if (!(e instanceof CorruptIndexError)) throw e;
        this.#recover(e);
        plan = this.#engine.plan();
      }
      this.#index._verifyWriter(this.#lock, this.#stamp);
      // The subscriptions after this sync, when it changes them (read under the lock just verified).
      const before = this.#subs.empty ? undefined : this.#index._subscriptionsForSync();
      const subs = before === undefined ? undefined : this.#subs.apply(before);
      if (subs !== undefined) {
        plan.subs = this.#subs.image(subs);
        plan.changed = true;
        const engine = this.#engine;
        engine.changes.subscriptions(before!.set, subs.set, (name) => engine.uidOf(name));
      }
      return this.#index._commit(plan, subs);
    } finally {
      this.#index._endSync(this);
      this.#lock.release();
    }
  }

  /**
   * Drop the sync; nothing is written.
   *
   * @returns Nothing.
   */
  // deno-lint-ignore require-await
  async rollback(): Promise<void> {
    if (this.#done) return;
    this.#done = true;
    this.#index._endSync(this);
    this.#lock.release();
  }

  /**
   * Roll back what was not committed, for `await using`.
   *
   * @returns Nothing.
   */
  [Symbol.asyncDispose](): Promise<void> {
    return this.rollback();
  }
}

/**
 * One rename (SPEC §11) as a commit of its own, in the sync just begun:
 * what `MailboxListIndex.rename` does once it holds the writer lock. A
 * refused rename rolls the sync back and writes nothing.
 *
 * @param ctx A partial sync over the whole index, just begun.
 * @param from Full name of a mailbox or of a `\NonExistent` parent.
 * @param to Its new full name.
 * @returns What the commit changed.
 * @throws RenameError or InvalidNameError when the rename is refused (nothing is written).
 *
 * @example Rename a mailbox in one call; its UID stays
 * ```ts
 * import { MailboxListIndex } from "../../mod.ts";
 * import { mkdtempSync, rmSync } from "node:fs";
 * import { tmpdir } from "node:os";
 * const dir = mkdtempSync(tmpdir() + "/mli-");
 * const index = await MailboxListIndex.open(dir + "/u.mlist");
 * const ctx = await index.syncBegin({ recursive: true });
 * const uid = ctx.add("Drafts");
 * await ctx.commit();
 * await index.rename("Drafts", "Entwürfe");
 * console.log(index.lookup("Entwürfe") === uid, index.lookup("Drafts")); // true undefined
 * await index.close();
 * rmSync(dir, { recursive: true });
 * ```
 */
export async function renameAndCommit(ctx: SyncContext, from: string, to: string): Promise<SyncResult> {
  try {
    ctx.rename(from, to);
    return await ctx.commit();
  } finally {
    await ctx.rollback();
  }
}

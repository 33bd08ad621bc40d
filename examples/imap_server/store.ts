/**
 * One user's mail store and its index, kept in step: a Maildir++ store on
 * disk (the root is INBOX; each folder is a directory `.A.B` directly under
 * it, each level in IMAP modified UTF-7, as Dovecot lays it out) and a
 * mailbox list index with "/" as separator.
 *
 * Every change goes to the disk first, then to the index, under the
 * index's writer lock:
 *
 * - CREATE builds the folder (`cur/ new/ tmp/`, `maildirfolder`, a
 *   `dovecot-uidlist` header with a fresh UIDVALIDITY) in a staging
 *   directory whose name does not start with a dot (so no scan takes it for
 *   a folder), renames it into place in one step, then adds the mailbox
 *   and its STATUS to the index.
 * - DELETE renames the folder out of the way in one step (into a directory
 *   that is no folder), commits the index, then removes the files.
 * - RENAME (when the index can rename, see {@linkcode UserStore.canRename})
 *   renames the folder of the mailbox and of every mailbox under it (each
 *   one step; Maildir++ folders are siblings, so a subtree is several
 *   directories), rewrites the subscriptions file when subscribed names
 *   move, then commits the index's rename, which keeps every UID, flag,
 *   STATUS and subscription.
 * - SUBSCRIBE and UNSUBSCRIBE rewrite Dovecot's `subscriptions` file
 *   (version 2) by writing a new one and renaming it over the old, then
 *   commit the index.
 *
 * After a crash between the disk change and the index commit, the next
 * {@linkcode UserStore.reconcile} (the server runs it when a user logs in
 * with no other connection open) scans the store and syncs the index to
 * it: the disk is the truth, and nothing on disk is lost. Staging and
 * deleted directories a crash left behind are removed then too.
 *
 * Changes of one user are serialised inside the process; the index's lock
 * serialises them with other processes.
 *
 * @module
 */
import { randomBytes } from "node:crypto";
import { lstat, mkdir, readdir, rename, rm, writeFile } from "node:fs/promises";
import { join } from "node:path";
import {
  encodeModifiedUtf7,
  InvalidNameError,
  MailboxFlags,
  MailboxListIndex,
  type MailboxStatus,
  readDovecotSubscriptions,
  type ScannedMailbox,
  scanMaildir,
  syncAll,
  SyncContext,
  Utf7Error,
} from "../../mod.ts";

/** The hierarchy separator of every user's names (on disk Maildir++ uses "."). */
export const SEPARATOR = "/";

/** Why a mailbox change was refused: the response code of the tagged NO (RFC 5530). */
export type StoreErrorCode = "ALREADYEXISTS" | "NONEXISTENT" | "CANNOT" | "HASCHILDREN" | "LIMIT";

/**
 * A mailbox change the store refuses; the server answers `NO [code] message`.
 *
 * @example
 * ```ts
 * import { StoreError } from "./store.ts";
 * const e = new StoreError("ALREADYEXISTS", 'Mailbox "Sent" already exists');
 * console.log(`NO [${e.code}] ${e.message}`); // NO [ALREADYEXISTS] Mailbox "Sent" already exists
 * ```
 */
export class StoreError extends Error {
  /** The response code. */
  readonly code: StoreErrorCode;

  /**
   * @param code The response code.
   * @param message A sentence naming the mailbox.
   */
  constructor(code: StoreErrorCode, message: string) {
    super(message);
    this.name = "StoreError";
    this.code = code;
  }
}

/** Prefix of a folder being built, and of a folder being removed: never a folder name (no leading dot). */
const STAGING = "imap-staging-";
const DELETED = "imap-deleted-";

/** A name with its first level INBOX in any case spelled "INBOX" (RFC 3501 §5.1). */
export function canonicalName(name: string): string {
  const cut = name.indexOf(SEPARATOR);
  const first = cut < 0 ? name : name.slice(0, cut);
  return first.length === 5 && first.toUpperCase() === "INBOX" && first !== "INBOX" ? "INBOX" + name.slice(5) : name;
}

/**
 * The Maildir++ directory of a mailbox: a dot, then its levels in modified
 * UTF-7 joined by dots (`Entwürfe/2024` is `.Entw&APw-rfe.2024`).
 *
 * @param name The mailbox name (not INBOX).
 * @returns The directory name under the store root.
 * @throws {StoreError} `CANNOT` for a name with an empty level or a level
 *   holding a dot (Maildir++ keeps levels apart with dots), or one that has
 *   no modified UTF-7 form.
 *
 * @example
 * ```ts
 * import { folderDirName } from "./store.ts";
 * console.log(folderDirName("Entwürfe/2024")); // .Entw&APw-rfe.2024
 * ```
 */
export function folderDirName(name: string): string {
  const levels = name.split(SEPARATOR);
  for (const level of levels) {
    if (level === "") throw new StoreError("CANNOT", `Mailbox name ${JSON.stringify(name)} has an empty level`);
    if (level.includes(".")) {
      throw new StoreError("CANNOT", `Mailbox name ${JSON.stringify(name)} has a "." in a level, which this store cannot hold`);
    }
  }
  try {
    return "." + levels.map((l) => encodeModifiedUtf7(l)).join(".");
  } catch (e) {
    if (e instanceof Utf7Error) throw new StoreError("CANNOT", `Mailbox name ${JSON.stringify(name)} cannot be stored: ${e.message}`);
    throw e;
  }
}

/**
 * The text of a version-2 Dovecot `subscriptions` file: `V<TAB>2`, a blank
 * line, then one name per line, levels in modified UTF-7 joined by TAB
 * (modified UTF-7 leaves no control character, so Dovecot's tab-escaping
 * has nothing to escape).
 *
 * @param names The subscribed names ("/" between levels).
 * @returns The file's text.
 *
 * @example
 * ```ts
 * import { subscriptionsFileText } from "./store.ts";
 * console.log(JSON.stringify(subscriptionsFileText(["INBOX", "Entwürfe/2024"]))); // "V\t2\n\nINBOX\nEntw&APw-rfe\t2024\n"
 * ```
 */
export function subscriptionsFileText(names: Iterable<string>): string {
  let text = "V\t2\n\n";
  for (const name of names) text += name.split(SEPARATOR).map((l) => encodeModifiedUtf7(l)).join("\t") + "\n";
  return text;
}

/** A random suffix for staging files. */
function nonce(): string {
  return randomBytes(8).toString("hex");
}

/** Whether a path exists (without following a last symbolic link). */
async function exists(path: string): Promise<boolean> {
  try {
    await lstat(path);
    return true;
  } catch (e) {
    if ((e as { code?: string }).code === "ENOENT") return false;
    throw e;
  }
}

/** What a reconciliation found and did. */
export interface ReconcileResult {
  /** Mailboxes the scan reported. */
  scanned: number;
  /** Mailboxes the index gained and lost. */
  added: number;
  deleted: number;
  /** Whether the subscriptions were replaced by the store's file. */
  subscriptions: boolean;
}

/**
 * One user's store and index (see the module documentation).
 *
 * @example Create and delete a folder
 * ```ts ignore
 * const store = await UserStore.open("/srv/mail/alice", "/var/lib/imap/u-alice.mlist");
 * await store.reconcile();
 * await store.create("Entwürfe");   // .Entw&APw-rfe on disk, and in the index
 * await store.delete("Entwürfe");
 * await store.close();
 * ```
 */
export class UserStore {
  /** The Maildir++ root (INBOX). */
  readonly root: string;
  /** The user's index. */
  readonly index: MailboxListIndex;
  #queue: Promise<unknown> = Promise.resolve();

  private constructor(root: string, index: MailboxListIndex) {
    this.root = root;
    this.index = index;
  }

  /**
   * Open a user's store and index; the store root is made a Maildir when it
   * does not exist, the index is created when missing.
   *
   * @param root The Maildir++ root.
   * @param indexPath The index's list file.
   * @param onWarning Where the index's warnings go.
   * @returns The store.
   */
  static async open(root: string, indexPath: string, onWarning?: (message: string) => void): Promise<UserStore> {
    for (const d of ["cur", "new", "tmp"]) await mkdir(join(root, d), { recursive: true });
    const index = await MailboxListIndex.open(indexPath, { separator: SEPARATOR, onWarning });
    return new UserStore(root, index);
  }

  /** Run changes of this user one at a time. */
  #serial<T>(work: () => Promise<T>): Promise<T> {
    const run = this.#queue.then(work, work);
    this.#queue = run.catch(() => {});
    return run;
  }

  /**
   * Bring the index in line with the disk: remove what an interrupted
   * change left (staging and deleted directories), scan the store, sync
   * the index to the scan (folders the scan could not read are kept as
   * they were), and take the subscriptions from the store's
   * `subscriptions` file when it has one.
   *
   * @param onWarning Where the scan's warnings go.
   * @returns What it found and did.
   */
  reconcile(onWarning: (message: string) => void = () => {}): Promise<ReconcileResult> {
    return this.#serial(async () => {
      for (const entry of await readdir(this.root)) {
        if (entry.startsWith(STAGING) || entry.startsWith(DELETED)) {
          await rm(join(this.root, entry), { recursive: true, force: true });
        }
      }
      const scanned: ScannedMailbox[] = [];
      const keep: string[] = [];
      const warn = (w: { reason: string; unread?: boolean; folder?: string }) => {
        onWarning(w.reason);
        if (w.unread === true && w.folder !== undefined) keep.push(w.folder);
      };
      for await (const m of scanMaildir(this.root, { separator: SEPARATOR, onWarning: warn })) scanned.push(m);
      const result = await syncAll(this.index, scanned, { keep });
      const subs = await readDovecotSubscriptions(this.root, { separator: SEPARATOR, onWarning: warn });
      let replaced = false;
      if (subs !== undefined) {
        const now = this.index.subscriptionSet();
        const wanted = new Set(subs.map(canonicalName));
        if (wanted.size !== now.size || [...wanted].some((n) => !now.has(n))) {
          const ctx = await this.index.syncBegin({ partial: true });
          await commitOrRollBack(ctx, () => ctx.setSubscriptions(wanted));
          replaced = true;
        }
      }
      return { scanned: scanned.length, added: result.added, deleted: result.deleted, subscriptions: replaced };
    });
  }

  /**
   * Create a mailbox: its folder on disk, then its entry and STATUS in the
   * index. Missing parents are not created (Maildir++ does not need them):
   * they list as `\Noselect` / `\NonExistent` with `\HasChildren`. A
   * trailing separator is dropped (RFC 3501 §6.3.3).
   *
   * @param name The mailbox name (Unicode, INBOX spelled "INBOX").
   * @returns Nothing.
   * @throws {StoreError} `ALREADYEXISTS` when it exists (on disk or in the
   *   index), `CANNOT` for a name the store or index cannot hold, `LIMIT`
   *   for a name too long for the file system.
   */
  create(name: string): Promise<void> {
    return this.#serial(async () => {
      if (name.endsWith(SEPARATOR)) name = name.slice(0, -1);
      if (name.toUpperCase() === "INBOX") throw new StoreError("ALREADYEXISTS", `Mailbox "INBOX" always exists`);
      const dirName = folderDirName(name);
      const ctx = await this.index.syncBegin({ partial: true });
      try {
        const flags = this.index.flags(name);
        if (flags !== undefined && (flags & MailboxFlags.NonExistent) === 0) {
          throw new StoreError("ALREADYEXISTS", `Mailbox ${JSON.stringify(name)} already exists`);
        }
        try {
          ctx.add(name);
        } catch (e) {
          if (e instanceof InvalidNameError) throw new StoreError("CANNOT", e.message);
          throw e;
        }
        const target = join(this.root, dirName);
        if (await exists(target)) {
          // On disk but not in the index: the disk is the truth; the index learns it, the client hears it exists.
          await ctx.commit();
          throw new StoreError("ALREADYEXISTS", `Mailbox ${JSON.stringify(name)} already exists`);
        }
        const status = await this.#buildFolder(target, name);
        ctx.setStatus(name, status);
        await ctx.commit();
      } finally {
        await ctx.rollback();
      }
    });
  }

  /** Build a folder in a staging directory and rename it into place; its STATUS. */
  async #buildFolder(target: string, name: string): Promise<MailboxStatus> {
    const staging = join(this.root, STAGING + nonce());
    const uidValidity = Math.floor(Date.now() / 1000);
    try {
      await mkdir(staging);
      for (const d of ["cur", "new", "tmp"]) await mkdir(join(staging, d));
      await writeFile(join(staging, "maildirfolder"), "");
      await writeFile(join(staging, "dovecot-uidlist"), `3 V${uidValidity} N1 G${randomBytes(16).toString("hex")}\n`);
      await rename(staging, target);
    } catch (e) {
      await rm(staging, { recursive: true, force: true });
      const code = (e as { code?: string }).code;
      if (code === "ENAMETOOLONG") throw new StoreError("LIMIT", `Mailbox name ${JSON.stringify(name)} is too long for this store`);
      if (code === "EEXIST" || code === "ENOTEMPTY") throw new StoreError("ALREADYEXISTS", `Mailbox ${JSON.stringify(name)} already exists`);
      throw e;
    }
    return { messages: 0, unseen: 0, recent: 0, uidValidity, uidNext: 1 };
  }

  /**
   * Delete a mailbox (RFC 3501 §6.3.4, RFC 9051 §6.3.5): its folder and
   * messages go; names under it stay. A mailbox with children becomes a
   * `\Noselect` (`\NonExistent`) name that only holds them. INBOX cannot be
   * deleted, nor a name that is `\Noselect` and has children. Subscriptions
   * are not changed.
   *
   * @param name The mailbox name.
   * @returns Nothing.
   * @throws {StoreError} `NONEXISTENT`, `CANNOT` (INBOX) or `HASCHILDREN`.
   */
  delete(name: string): Promise<void> {
    return this.#serial(async () => {
      if (name === "INBOX") throw new StoreError("CANNOT", `Mailbox "INBOX" cannot be deleted`);
      const index = this.index;
      const levels = name.split(SEPARATOR);
      const placeholder = (n: string) => ((index.flags(n) ?? 0) & MailboxFlags.NonExistent) !== 0;
      const children = (n: string) => [...index.iterate(n, { depth: 0 })].map((m) => m.name);
      // The sync covers the subtree of the nearest ancestor that is a mailbox (or everything),
      // so that placeholders left without children go too (SPEC §4 rules 7 and 8).
      let k = levels.length - 1;
      while (k > 0 && placeholder(levels.slice(0, k).join(SEPARATOR))) k--;
      const ctx = await index.syncBegin({ path: levels.slice(0, k).join(SEPARATOR), recursive: true });
      let moved: string | undefined;
      try {
        const flags = index.flags(name);
        if (flags === undefined || (flags & MailboxFlags.NonExistent) !== 0) {
          throw new StoreError("NONEXISTENT", `Mailbox ${JSON.stringify(name)} does not exist`);
        }
        const kids = children(name);
        if ((flags & MailboxFlags.NoSelect) !== 0 && kids.length > 0) {
          throw new StoreError("HASCHILDREN", `Mailbox ${JSON.stringify(name)} is \\Noselect and has children`);
        }
        // Everything in the sync's scope is kept as it is, but for the mailbox (its children stay too).
        for (let i = k; i < levels.length; i++) {
          const chain = levels.slice(0, i + 1).join(SEPARATOR);
          for (const c of children(levels.slice(0, i).join(SEPARATOR))) if (c !== chain) ctx.keep(c);
        }
        for (const c of kids) ctx.keep(c);
        const dir = join(this.root, folderDirName(name));
        moved = join(this.root, DELETED + nonce());
        try {
          await rename(dir, moved);
        } catch (e) {
          if ((e as { code?: string }).code !== "ENOENT") throw e;
          moved = undefined;
        }
        await ctx.commit();
      } finally {
        await ctx.rollback();
      }
      if (moved !== undefined) await rm(moved, { recursive: true, force: true });
    });
  }

  /**
   * Whether the index can rename a mailbox with its subtree (the
   * library's `SyncContext.rename`, SPEC §11). Until it can, RENAME is
   * refused.
   */
  static get canRename(): boolean {
    return typeof (SyncContext.prototype as unknown as Renamer).rename === "function";
  }

  /**
   * Rename a mailbox and everything under it (RFC 9051 §6.3.6): the
   * folders on disk, the subscriptions file, then the index. Renaming INBOX
   * is refused (this server does not move INBOX's messages).
   *
   * @param from The mailbox (or `\NonExistent` parent) to rename.
   * @param to Its new name (a trailing separator is dropped).
   * @returns Nothing.
   * @throws {StoreError} With the index's response code (`NONEXISTENT`,
   *   `ALREADYEXISTS`, `CANNOT`, `LIMIT`), `ALREADYEXISTS` when a folder of
   *   a new name is already on disk, `CANNOT` when the index cannot rename.
   */
  rename(from: string, to: string): Promise<void> {
    return this.#serial(async () => {
      if (to.endsWith(SEPARATOR)) to = to.slice(0, -1);
      if (!UserStore.canRename) throw new StoreError("CANNOT", "RENAME is not supported by this index yet");
      if (from === "INBOX") throw new StoreError("CANNOT", "Renaming INBOX is not supported by this server");
      folderDirName(to);
      const index = this.index;
      const ctx = await index.syncBegin({ partial: true });
      const done: [string, string][] = [];
      try {
        const isMailbox = (flags: number | undefined) => flags !== undefined && (flags & MailboxFlags.NonExistent) === 0;
        const names = isMailbox(index.flags(from)) ? [from] : [];
        if (index.lookup(from) !== undefined) {
          for (const m of index.iterate(from)) if (isMailbox(m.flags)) names.push(m.name);
        }
        try {
          (ctx as unknown as Renamer).rename(from, to);
        } catch (e) {
          const imapCode = (e as { name?: string; imapCode?: string }).imapCode;
          if ((e as Error).name === "RenameError" && imapCode !== undefined) {
            throw new StoreError(imapCode as StoreErrorCode, (e as Error).message);
          }
          if (e instanceof InvalidNameError) throw new StoreError("CANNOT", e.message);
          throw e;
        }
        const moves = names.map((n) => [folderDirName(n), folderDirName(to + n.slice(from.length))]);
        for (const [, target] of moves) {
          if (await exists(join(this.root, target))) {
            throw new StoreError("ALREADYEXISTS", `Folder ${JSON.stringify(target)} is already in the store`);
          }
        }
        try {
          for (const [source, target] of moves) {
            try {
              await rename(join(this.root, source), join(this.root, target));
              done.push([source, target]);
            } catch (e) {
              if ((e as { code?: string }).code !== "ENOENT") throw e;
            }
          }
          const subs = index.subscriptions();
          const moved = subs.map((n) => n === from ? to : n.startsWith(from + SEPARATOR) ? to + n.slice(from.length) : n);
          if (moved.some((n, i) => n !== subs[i])) await this.#writeSubscriptions(new Set(moved));
        } catch (e) {
          // Put back what moved, so that the disk stays as the index has it.
          for (const [source, target] of done.reverse()) await rename(join(this.root, target), join(this.root, source));
          if ((e as { code?: string }).code === "ENAMETOOLONG") {
            throw new StoreError("LIMIT", `Mailbox name ${JSON.stringify(to)} is too long for this store`);
          }
          throw e;
        }
        await ctx.commit();
      } finally {
        await ctx.rollback();
      }
    });
  }

  /** Replace the store's `subscriptions` file (a new file renamed over the old). */
  async #writeSubscriptions(names: Iterable<string>): Promise<void> {
    const file = join(this.root, "subscriptions");
    const temp = join(this.root, `${STAGING}${nonce()}.subscriptions`);
    try {
      await writeFile(temp, subscriptionsFileText(names));
      await rename(temp, file);
    } catch (e) {
      await rm(temp, { force: true });
      throw e;
    }
  }

  /**
   * Subscribe or unsubscribe a name (which need not exist): the store's
   * `subscriptions` file, then the index.
   *
   * @param name The name.
   * @param subscribed True to subscribe, false to unsubscribe.
   * @returns Nothing.
   * @throws {StoreError} `CANNOT` for a name the index cannot hold.
   */
  setSubscribed(name: string, subscribed: boolean): Promise<void> {
    return this.#serial(async () => {
      name = canonicalName(name.split(SEPARATOR).filter((l) => l !== "").join(SEPARATOR));
      const ctx = await this.index.syncBegin({ partial: true });
      try {
        try {
          if (subscribed) ctx.subscribe(name);
          else ctx.unsubscribe(name);
        } catch (e) {
          if (e instanceof InvalidNameError) throw new StoreError("CANNOT", e.message);
          throw e;
        }
        const names = new Set(this.index.subscriptions());
        if (subscribed === names.has(name)) return;
        if (subscribed) names.add(name);
        else names.delete(name);
        await this.#writeSubscriptions(names);
        await ctx.commit();
      } finally {
        await ctx.rollback();
      }
    });
  }

  /**
   * Close the index once the changes under way are done.
   *
   * @returns Nothing.
   */
  close(): Promise<void> {
    return this.#serial(() => this.index.close());
  }
}

/** The rename a sync offers once the index can rename (SPEC §11). */
interface Renamer {
  rename(from: string, to: string): void;
}

/** Run `work` in a sync and commit it; roll back when it throws. */
async function commitOrRollBack(ctx: SyncContext, work: () => void): Promise<void> {
  try {
    work();
    await ctx.commit();
  } finally {
    await ctx.rollback();
  }
}

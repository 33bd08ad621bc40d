/**
 * One user's job of a bulk run: read the user's store through a
 * {@linkcode StoreReader} (the seam: a worker thread gives it the store
 * scanners), then a full sync of the index when it exists (`syncAll`: the
 * same names, flags and surviving UIDs as the `sync` command's full
 * recursive sync; nothing is written when nothing changed), else a
 * rebuild. The store's own subscriptions, when it has them, replace the
 * index's, as `sync` and `rebuild` do. Each step takes the index's own
 * writer lock and commits all or nothing through its journal, so a job
 * that fails or is killed leaves the index as it was, and running it again
 * is safe.
 *
 * @module
 */
import { stat } from "node:fs/promises";
import { MailboxListIndex } from "../index/index.ts";
import { refuseIncompleteScan } from "./incomplete_scan.ts";
import type { RebuildInput } from "./names.ts";
import type { BulkJobOptions, BulkOutcome, BulkUser } from "./protocol.ts";
import { rebuild } from "./rebuild.ts";
import { syncAll } from "./sync_bulk.ts";


/**
 * What a {@linkcode StoreReader} read of a user's store.
 *
 * @example A store read completely
 * ```ts
 * import type { StoreContents } from "./bulk_job.ts";
 * const c: StoreContents = { names: ["INBOX", { name: "Shared", selectable: false }], incomplete: [] };
 * ```
 */
export interface StoreContents {
  /** Every mailbox, or a name-list file the rebuild or sync reads itself. */
  names: RebuildInput[] | { file: string };
  /** Folders the scan could not read completely: a sync keeps them as they were; a rebuild refuses. */
  incomplete: string[];
  /** The store's own subscriptions, when it has a subscriptions file. */
  subscriptions?: string[];
}

/**
 * Reads a user's store with the given separator, reporting warnings.
 *
 * @example A reader of name lists only
 * ```ts
 * import type { StoreReader } from "./bulk_job.ts";
 * const read: StoreReader = (user) => Promise.resolve({ names: { file: user.store }, incomplete: [] });
 * ```
 */
export type StoreReader = (
  user: BulkUser,
  separator: string,
  options: BulkJobOptions,
  warn: (message: string) => void,
) => Promise<StoreContents>;

/** Whether the index's list file exists (any other failure to tell is an error). */
async function indexExists(path: string): Promise<boolean> {
  try {
    await stat(path);
    return true;
  } catch (e) {
    if ((e as { code?: string }).code === "ENOENT") return false;
    throw e;
  }
}

/** Whether two name lists hold the same names. */
function sameNames(a: readonly string[], b: readonly string[]): boolean {
  const set = new Set(a);
  const other = new Set(b);
  return set.size === other.size && [...other].every((n) => set.has(n));
}

/** A full sync of the existing index from the store; its subscriptions replaced in a second commit when they differ. */
async function syncUser(
  user: BulkUser,
  options: BulkJobOptions,
  read: StoreReader,
  warn: (message: string) => void,
): Promise<{ mailboxes: number; changed: boolean }> {
  const index = await MailboxListIndex.open(user.index, { lockTimeoutMs: options.lockTimeoutMs, onWarning: warn });
  try {
    const store = await read(user, index.separator, options, warn);
    const r = await syncAll(index, store.names, { keep: store.incomplete });
    let changed = r.changed;
    if (store.subscriptions !== undefined && !sameNames(index.subscriptions(), store.subscriptions)) {
      // A partial sync that adds nothing: only the subscription set changes.
      const ctx = await index.syncBegin({ partial: true });
      try {
        ctx.setSubscriptions(store.subscriptions);
        await ctx.commit();
      } catch (e) {
        await ctx.rollback();
        throw e;
      }
      changed = true;
    }
    let mailboxes = 0;
    for (const _ of index.iterate()) mailboxes++;
    return { mailboxes, changed };
  } finally {
    await index.close();
  }
}

/**
 * Run one user's job in this thread: a full sync of the index when it
 * exists, else a rebuild from the store. A new index made from a scan that
 * could not read some folder would lack them: that job fails and writes
 * nothing (a sync keeps such folders as they were).
 *
 * @param user The user.
 * @param options Separator and uid_validity of a new index, the stores' name encoding, the lock timeout.
 * @param read How to read the user's store.
 * @returns What the job did.
 * @throws What the read, the sync or the rebuild threw (StoreReadError, LockTimeoutError, CorruptIndexError, ...); IndexStateError for a new index from an incomplete scan.
 *
 * @example Rebuild, then sync, an index from names
 * ```ts
 * import { mkdtempSync, rmSync } from "node:fs";
 * import { tmpdir } from "node:os";
 * import { join } from "node:path";
 * import { runBulkJob, type StoreReader } from "./bulk_job.ts";
 * const dir = mkdtempSync(join(tmpdir(), "bulk-"));
 * const read: StoreReader = () => Promise.resolve({ names: ["INBOX", "Sent"], incomplete: [] });
 * const user = { name: "alice", layout: "list" as const, store: "-", index: join(dir, "alice.mlist") };
 * try {
 *   console.log((await runBulkJob(user, { separator: "/" }, read)).action); // "rebuilt"
 *   console.log((await runBulkJob(user, { separator: "/" }, read)).changed); // false
 * } finally {
 *   rmSync(dir, { recursive: true });
 * }
 * ```
 */
export async function runBulkJob(user: BulkUser, options: BulkJobOptions, read: StoreReader): Promise<BulkOutcome> {
  const started = performance.now();
  const warnings: string[] = [];
  const warn = (message: string) => void warnings.push(message);
  if (await indexExists(user.index)) {
    const r = await syncUser(user, options, read, warn);
    return { action: "synced", ...r, warnings, ms: performance.now() - started };
  }
  const store = await read(user, options.separator, options, warn);
  refuseIncompleteScan(user.index, store.incomplete);
  const r = await rebuild(user.index, store.names, {
    separator: options.separator,
    uidValidity: options.uidValidity,
    subscriptions: store.subscriptions,
    lock: options.lockTimeoutMs === undefined ? undefined : { timeoutMs: options.lockTimeoutMs },
    onWarning: warn,
  });
  return { action: "rebuilt", mailboxes: r.count, changed: true, warnings, ms: performance.now() - started };
}

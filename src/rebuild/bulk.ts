/**
 * A bulk run over many users' indexes: `jobs` users at a time, each slot
 * taking the next user as soon as its last one is done
 * ({@linkcode runBulk}), each user's job run by a function given (the
 * seam), and {@linkcode bulkOnWorkers}, which runs every job whole on one
 * thread of a kept pool of rebuild workers (`startRebuildWorkers`), slot
 * `i` on worker `i`: one pool for the whole run, no thread started per
 * user. A job that fails is reported as that user's failure and the run
 * goes on; only a dead worker ends the run.
 *
 * @module
 */
import type { BulkJobOptions, BulkOutcome, BulkUser } from "./protocol.ts";
import { keptWorkers, RebuildWorkerLease, type RebuildWorkers } from "./workers.ts";

export type { BulkJobOptions, BulkOutcome, BulkUser };

/**
 * How one user's job ended.
 *
 * @example A failed user
 * ```ts
 * import type { BulkUserResult } from "./bulk.ts";
 * const r: BulkUserResult = { user: "bob", status: "failed", mailboxes: 0, ms: 3, error: 'Cannot read store root "/m/bob": no such file or directory', warnings: [] };
 * ```
 */
export interface BulkUserResult {
  /** The user's name. */
  user: string;
  /** "rebuilt", "synced" or "failed". */
  status: BulkOutcome["action"] | "failed";
  /** Mailboxes in the index afterwards (0 when failed). */
  mailboxes: number;
  /** Milliseconds the job took. */
  ms: number;
  /** Why it failed. */
  error?: string;
  /** What the job warned about. */
  warnings: string[];
}

/**
 * Options of {@linkcode runBulk}.
 *
 * @example One job at a time, in this thread
 * ```ts ignore
 * const options: BulkRunOptions = { jobs: 1, run: (user) => runBulkJob(user, { separator: "/" }, read) };
 * ```
 */
export interface BulkRunOptions {
  /** How many users at a time (a whole number ≥ 1). */
  jobs: number;
  /** Run one user's job on slot `slot` (0 to jobs - 1). */
  run(user: BulkUser, slot: number): Promise<BulkOutcome>;
  /** Called as each user's job ends, in the order they end; the slot waits for it. */
  onDone?(result: BulkUserResult): void | Promise<void>;
  /** Whether an error ends the whole run rather than one user (a dead worker). */
  fatal?(error: unknown): boolean;
}

/** The words of an error, for a report: its message, or what it is. */
function errorText(e: unknown): string {
  if (e instanceof Error) return e.message || e.name;
  return String(e);
}

/**
 * Run every user's job, `jobs` at a time. A job that throws is that user's
 * failure; the others go on.
 *
 * @param users The users, in the order to start them.
 * @param options Jobs at a time, how to run one, what to do as each ends.
 * @returns One result per user, in the order of `users` (those a fatal error left undone are missing).
 * @throws RangeError for a bad number of jobs; the first fatal error, once the jobs running have ended.
 *
 * @example Two slots, one user failing
 * ```ts
 * import { runBulk } from "./bulk.ts";
 * const users = ["a", "b", "c"].map((name) => ({ name, layout: "list" as const, store: name, index: name + ".mlist" }));
 * const results = await runBulk(users, {
 *   jobs: 2,
 *   run: (u) => u.name === "b" ? Promise.reject(new Error("no store")) : Promise.resolve({ action: "rebuilt", mailboxes: 1, changed: true, warnings: [], ms: 1 }),
 * });
 * console.log(results.map((r) => r.status)); // ["rebuilt", "failed", "rebuilt"]
 * ```
 */
export async function runBulk(users: readonly BulkUser[], options: BulkRunOptions): Promise<BulkUserResult[]> {
  if (!Number.isInteger(options.jobs) || options.jobs < 1) {
    throw new RangeError(`Invalid number of jobs ${options.jobs}: give a whole number ≥ 1`);
  }
  const results: (BulkUserResult | undefined)[] = new Array(users.length);
  let next = 0;
  let fatal: { error: unknown } | undefined;
  const slot = async (s: number) => {
    while (fatal === undefined && next < users.length) {
      const k = next++;
      const user = users[k];
      const started = performance.now();
      let result: BulkUserResult;
      try {
        const o = await options.run(user, s);
        result = { user: user.name, status: o.action, mailboxes: o.mailboxes, ms: o.ms, warnings: o.warnings };
      } catch (e) {
        if (options.fatal?.(e) === true) {
          fatal ??= { error: e };
          return;
        }
        const ms = performance.now() - started;
        result = { user: user.name, status: "failed", mailboxes: 0, ms, error: errorText(e), warnings: [] };
      }
      results[k] = result;
      await options.onDone?.(result);
    }
  };
  await Promise.all(Array.from({ length: Math.min(options.jobs, Math.max(1, users.length)) }, (_, s) => slot(s)));
  if (fatal !== undefined) throw fatal.error;
  return results.filter((r): r is BulkUserResult => r !== undefined);
}

/**
 * Run every user's job on kept rebuild workers, one job per worker at a
 * time (as many jobs at once as there are workers): each job reads its
 * store, then syncs or rebuilds its index, whole on its worker's thread.
 * Each worker has its next job queued behind the one it runs.
 * A worker that dies ends the run.
 *
 * @param workers Workers from `startRebuildWorkers`, not serving another call.
 * @param users The users.
 * @param options How every job works.
 * @param hooks `onReady`: called once every worker has loaded what a job needs, before the first job; `onDone`: called as each user's job ends.
 * @returns One result per user, in the order of `users`.
 * @throws IndexStateError when the workers serve another call; the error of a worker that died.
 *
 * @example Two users at a time
 * ```ts ignore
 * const workers = await startRebuildWorkers(2);
 * try {
 *   const results = await bulkOnWorkers(workers, users, { separator: "/" });
 * } finally {
 *   await workers.close();
 * }
 * ```
 */
export async function bulkOnWorkers(
  workers: RebuildWorkers,
  users: readonly BulkUser[],
  options: BulkJobOptions,
  hooks: { onReady?: () => void; onDone?: (result: BulkUserResult) => void | Promise<void> } = {},
): Promise<BulkUserResult[]> {
  const lease = await RebuildWorkerLease.take(keptWorkers(workers)!, `run the bulk jobs of ${users.length} users`);
  try {
    const pool = lease.pool!;
    await Promise.all(Array.from({ length: pool.size }, (_, i) => pool.run(i, "bulkLoad", {})));
    hooks.onReady?.();
    // Two slots per worker: the worker runs its jobs one after another, and
    // the next one is already there when the last ends (no round trip between).
    return await runBulk(users, {
      jobs: pool.size * 2,
      run: (user, slot) => pool.run(slot % pool.size, "bulk", { user, options }),
      onDone: hooks.onDone,
      fatal: () => pool.failure !== undefined,
    });
  } finally {
    await lease.release();
  }
}

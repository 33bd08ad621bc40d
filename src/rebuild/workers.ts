/**
 * The worker threads of a rebuild or of a bulk sync (`syncAll`): a number
 * of them started for one call and stopped by it, or workers from
 * {@linkcode startRebuildWorkers} kept across calls, which serve one call
 * at a time ({@linkcode RebuildWorkerLease}), and building images on
 * either ({@linkcode rebuildImagesOn}).
 *
 * @module
 */
import { IndexStateError } from "../format/errors.ts";
import { type RebuildImages, rebuildImages, rebuildImagesHere, type RebuildParams } from "./coordinator.ts";
import { RebuildThreads } from "./executors.ts";
import type { NameTable } from "./names.ts";

/**
 * Worker threads for several rebuilds, from {@linkcode startRebuildWorkers}.
 *
 * @example Start and stop them
 * ```ts ignore
 * const workers: RebuildWorkers = await startRebuildWorkers(2);
 * await workers.close();
 * ```
 */
export interface RebuildWorkers {
  /** Number of workers. */
  readonly size: number;
  /** Terminate them. */
  close(): Promise<void>;
}

/**
 * Start worker threads to use for many rebuilds (`{ workers }` of `rebuild`
 * and of `syncAll`), so that a bulk rebuild of many indexes starts them
 * once. They serve one call at a time; when one of them dies, the call
 * that used them closes them all; close them when done.
 *
 * @param size How many workers (a whole number ≥ 1).
 * @returns The workers, once each has loaded its code and answers.
 * @throws RangeError for a bad size; WorkerExitError when a worker cannot start.
 *
 * @example Rebuild many users' indexes with the same two workers
 * ```ts ignore
 * import { rebuild } from "./rebuild.ts";
 * import { startRebuildWorkers } from "./workers.ts";
 * const workers = await startRebuildWorkers(2);
 * try {
 *   for (const user of users) await rebuild(`/var/mail/${user}/mailboxes.mlist`, await scan(user), { workers });
 * } finally {
 *   await workers.close();
 * }
 * ```
 */
export async function startRebuildWorkers(size: number): Promise<RebuildWorkers> {
  const threads = await RebuildThreads.start(size);
  try {
    // Resolve once they are running: a kept pool's first rebuild then pays nothing for their start-up.
    await threads.ready();
  } catch (e) {
    await threads.close();
    throw e;
  }
  return threads;
}

/**
 * The kept workers a `workers` option gives, or undefined when it gives a
 * number.
 *
 * @param workers The option.
 * @returns The workers from {@linkcode startRebuildWorkers}, or undefined.
 * @throws TypeError for any other object.
 *
 * @example A number gives no kept workers
 * ```ts
 * import { keptWorkers } from "./workers.ts";
 * console.log(keptWorkers(2)); // undefined
 * ```
 */
export function keptWorkers(workers: number | RebuildWorkers): RebuildThreads | undefined {
  if (typeof workers !== "object") return undefined;
  if (!(workers instanceof RebuildThreads)) {
    throw new TypeError("Invalid workers: give a number or what startRebuildWorkers returned");
  }
  return workers;
}

/**
 * Workers started for calls that asked for a number of them, waiting idle
 * for the next such call in this process, by their number: one set per
 * number. Only where idle workers do not keep the process alive (Node and
 * Bun); on Deno, workers started for a call stop when it ends.
 */
const idleWorkers = new Map<number, RebuildThreads>();

/**
 * Stop the idle workers this process keeps for rebuilds and syncs that ask
 * for a number of workers. They never keep the process from exiting; this
 * frees their memory sooner.
 *
 * @returns When they have stopped.
 *
 * @example After a batch of rebuilds
 * ```ts
 * import { closeIdleRebuildWorkers } from "./workers.ts";
 * await closeIdleRebuildWorkers();
 * ```
 */
export async function closeIdleRebuildWorkers(): Promise<void> {
  const all = [...idleWorkers.values()];
  idleWorkers.clear();
  await Promise.all(all.map((w) => w.close()));
}

/**
 * The workers of one call, taken for as long as it runs: kept workers,
 * marked in use so that no other call shares them, or a number of workers
 * for it (none: the call works in its own thread). A number of workers is
 * taken from the ones this process keeps idle when it has them, and started
 * otherwise; after a call that succeeded they wait idle for the next one
 * (where the runtime lets idle workers not keep the process alive), so
 * that a process doing many rebuilds starts them once.
 *
 * @example Take, use, give back
 * ```ts
 * import { RebuildWorkerLease } from "./workers.ts";
 * const lease = await RebuildWorkerLease.take(0, 'rebuild "u.mlist"');
 * try {
 *   console.log(lease.pool); // undefined
 * } finally {
 *   await lease.release();
 * }
 * ```
 */
export class RebuildWorkerLease {
  /** The workers, or undefined to work in the caller's thread. */
  readonly pool: RebuildThreads | undefined;
  readonly #kept: boolean;
  #closing: Promise<void> | undefined;
  #done = false;

  private constructor(pool: RebuildThreads | undefined, kept: boolean) {
    this.pool = pool;
    this.#kept = kept;
  }

  /**
   * Take the workers of a call.
   *
   * @param workers Kept workers ({@linkcode keptWorkers}), or how many to start (0: none).
   * @param what What the call does, for the error when kept workers are busy (`rebuild "PATH"`).
   * @returns The lease; {@linkcode RebuildWorkerLease.release} it when the call ends.
   * @throws IndexStateError when kept workers serve another call; WorkerExitError when a worker cannot start.
   */
  static async take(workers: RebuildThreads | number, what: string): Promise<RebuildWorkerLease> {
    if (typeof workers === "object") {
      if (workers.inUse) throw new IndexStateError(`Cannot ${what}: its workers are serving another rebuild`);
      workers.inUse = true;
      return new RebuildWorkerLease(workers, true);
    }
    if (workers <= 0) return new RebuildWorkerLease(undefined, false);
    const idle = idleWorkers.get(workers);
    if (idle !== undefined) {
      idleWorkers.delete(workers);
      if (idle.failure === undefined) {
        idle.hold(true);
        return new RebuildWorkerLease(idle, false);
      }
      await idle.close();
    }
    return new RebuildWorkerLease(await RebuildThreads.start(workers), false);
  }

  /**
   * The call is done with the workers, successfully: ones taken for it wait
   * idle for the next call (or begin to stop, where they cannot wait
   * without keeping the process alive, or when others of their number
   * already wait), while the call goes on with its files.
   *
   * @returns Nothing.
   */
  done(): void {
    if (this.#kept || this.#done || this.pool === undefined) return;
    this.#done = true;
    const pool = this.pool;
    if (pool.failure === undefined && pool.canIdle && !idleWorkers.has(pool.size)) {
      pool.hold(false);
      idleWorkers.set(pool.size, pool);
    } else {
      this.#closing ??= pool.close();
    }
  }

  /**
   * End the lease: kept workers are free for the next call (or closed, all
   * of them, when one died); workers taken for a call that did not reach
   * {@linkcode RebuildWorkerLease.done} are stopped.
   *
   * @returns When the workers to stop have stopped.
   */
  async release(): Promise<void> {
    if (this.#kept) {
      this.pool!.inUse = false;
      if (this.pool!.failure === undefined) return;
      await this.pool!.close();
      return;
    }
    if (!this.#done) this.#closing ??= this.pool?.close();
    await this.#closing;
  }
}

/**
 * Build the images of a fresh index on the workers of one call: kept
 * workers, or `workers` threads started and stopped by this call (0: in this
 * thread). The bytes are the same for any workers.
 *
 * @param names The names, in shared memory when any worker threads are used.
 * @param params Separator, limits, header fields.
 * @param workers Kept workers ({@linkcode keptWorkers}), or how many to start.
 * @param what What the call does, for the error when kept workers are busy.
 * @returns The images.
 * @throws InvalidNameError, IndexLimitError, the error of a failed worker; IndexStateError when kept workers are busy.
 *
 * @example In this thread
 * ```ts
 * import { DEFAULT_LIMITS } from "../format/limits.ts";
 * import { paramsOf } from "./coordinator.ts";
 * import { readNames } from "./input.ts";
 * import { rebuildImagesOn } from "./workers.ts";
 * const names = await readNames(["a/b"], true);
 * const img = await rebuildImagesOn(names, paramsOf(0x2f, 7, 1, DEFAULT_LIMITS, "x.mlist"), 0, 'sync "x.mlist"');
 * console.log(img.count); // 2
 * ```
 */
export async function rebuildImagesOn(
  names: NameTable,
  params: RebuildParams,
  workers: RebuildThreads | number,
  what: string,
): Promise<RebuildImages> {
  const lease = await RebuildWorkerLease.take(workers, what);
  try {
    const images = lease.pool !== undefined ? await rebuildImages(names, params, lease.pool) : rebuildImagesHere(names, params);
    lease.done();
    return images;
  } finally {
    await lease.release();
  }
}

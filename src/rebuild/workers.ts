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
 * The workers of one call, taken for as long as it runs: kept workers,
 * marked in use so that no other call shares them, or a number of workers
 * started for it (none: the call works in its own thread).
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
    return new RebuildWorkerLease(workers > 0 ? await RebuildThreads.start(workers) : undefined, false);
  }

  /**
   * The call is done with the workers: ones started for it begin to stop,
   * while the call goes on with its files.
   *
   * @returns Nothing.
   */
  done(): void {
    if (!this.#kept) this.#closing ??= this.pool?.close();
  }

  /**
   * End the lease: kept workers are free for the next call (or closed, all
   * of them, when one died); workers started for the call are stopped.
   *
   * @returns When the workers to stop have stopped.
   */
  async release(): Promise<void> {
    if (this.#kept) {
      this.pool!.inUse = false;
      if (this.pool!.failure === undefined) return;
    }
    await (this.#closing ?? this.pool?.close());
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
    return lease.pool !== undefined ? await rebuildImages(names, params, lease.pool) : rebuildImagesHere(names, params);
  } finally {
    await lease.release();
  }
}

/**
 * Where the tasks of a rebuild run: a {@linkcode RebuildExecutor} is a
 * number of rebuild workers, either threads ({@linkcode RebuildThreads}, a
 * {@linkcode WorkerPool} of the entry `workers/rebuild_worker`) or, without
 * threads, states in the caller's thread run one after another
 * ({@linkcode LocalRebuildExecutor}). The coordinator
 * (src/rebuild/coordinator.ts) talks to either the same way.
 *
 * @module
 */
import { RebuildWorkerState } from "./tasks.ts";
import { WorkerPool } from "../worker/pool.ts";
import type { RebuildTasks, RebuildWorkerApi } from "./protocol.ts";

/**
 * Runs rebuild tasks on a number of workers: threads ({@linkcode WorkerPool})
 * or, without threads, {@linkcode LocalRebuildExecutor}.
 *
 * @example Either kind of workers
 * ```ts ignore
 * const exec: RebuildExecutor = workers > 0 ? await RebuildThreads.start(workers) : new LocalRebuildExecutor(1);
 * const images = await rebuildImages(names, params, exec);
 * ```
 */
export interface RebuildExecutor {
  /** Number of workers. */
  readonly size: number;
  /** Whether buffers given to the workers must be SharedArrayBuffers. */
  readonly shared: boolean;
  /**
   * Run a task on worker `i`.
   *
   * @param i Worker index.
   * @param task Task name.
   * @param request Its request.
   * @returns Its response.
   */
  run<K extends keyof RebuildTasks & string>(
    i: number,
    task: K,
    request: RebuildTasks[K]["request"],
  ): Promise<RebuildTasks[K]["response"]>;
}

/**
 * Rebuild workers in the caller's thread, one after another: the rebuild
 * without worker threads, and a way to run a many-unit plan in one thread.
 *
 * @example One worker, in this thread
 * ```ts
 * import { LocalRebuildExecutor } from "./executors.ts";
 * const exec = new LocalRebuildExecutor(1);
 * console.log(exec.size, exec.shared); // 1 false
 * ```
 */
export class LocalRebuildExecutor implements RebuildExecutor {
  /** Number of workers. */
  readonly size: number;
  /** Buffers need not be shared. */
  readonly shared = false;
  readonly #states: RebuildWorkerState[];

  /** @param size Number of workers to simulate. */
  constructor(size: number) {
    this.size = size;
    this.#states = Array.from({ length: size }, () =>
      new RebuildWorkerState((kind) => {
        throw new RangeError(`Injected failure of a rebuild worker (${kind})`);
      }));
  }

  /**
   * Run a task on worker `i`, in this thread.
   *
   * @param i Worker index.
   * @param task Task name.
   * @param request Its request.
   * @returns Its response.
   */
  run<K extends keyof RebuildTasks & string>(
    i: number,
    task: K,
    request: RebuildTasks[K]["request"],
  ): Promise<RebuildTasks[K]["response"]> {
    try {
      return Promise.resolve(this.#states[i].run(task, request));
    } catch (e) {
      return Promise.reject(e);
    }
  }
}

/**
 * Rebuild workers in threads: a {@linkcode WorkerPool} of the entry
 * `workers/rebuild_worker`, as an executor.
 *
 * @example Two workers for one rebuild
 * ```ts ignore
 * const pool = await RebuildThreads.start(2);
 * try { await rebuildImages(names, params, pool); } finally { await pool.close(); }
 * ```
 */
export class RebuildThreads implements RebuildExecutor {
  /** Number of workers. */
  readonly size: number;
  /** Buffers must be shared. */
  readonly shared = true;
  readonly #pool: WorkerPool<RebuildWorkerApi>;

  private constructor(pool: WorkerPool<RebuildWorkerApi>) {
    this.#pool = pool;
    this.size = pool.size;
  }

  /**
   * Start `size` rebuild worker threads.
   *
   * @param size How many.
   * @returns The executor.
   */
  static async start(size: number): Promise<RebuildThreads> {
    return new RebuildThreads(await WorkerPool.start<RebuildWorkerApi>({ name: "workers/rebuild_worker" }, size));
  }

  /**
   * Run a task on worker `i`.
   *
   * @param i Worker index.
   * @param task Task name.
   * @param request Its request.
   * @returns Its response; rejects when the task throws or any worker dies.
   */
  run<K extends keyof RebuildTasks & string>(
    i: number,
    task: K,
    request: RebuildTasks[K]["request"],
  ): Promise<RebuildTasks[K]["response"]> {
    return this.#pool.run(i, (api) =>
      (api as unknown as { run(t: K, r: RebuildTasks[K]["request"]): Promise<RebuildTasks[K]["response"]> })
        .run(task, request));
  }

  /** Whether a rebuild is using the workers now (they serve one rebuild at a time). */
  inUse = false;

  /** Whether the workers can wait idle without keeping the process alive (Node, Bun). */
  get canIdle(): boolean {
    return this.#pool.canRelease;
  }

  /**
   * Let the workers keep the process alive while they work, or not while they wait idle.
   *
   * @param busy Whether they work.
   * @returns Nothing.
   */
  hold(busy: boolean): void {
    this.#pool.hold(busy);
  }

  /** The first failure of a worker (one died or could not start), if any. */
  get failure(): Error | undefined {
    return this.#pool.failure;
  }

  /**
   * Terminate the workers.
   *
   * @returns When they have stopped.
   */
  close(): Promise<void> {
    return this.#pool.close();
  }

  /**
   * Wait until every worker has loaded its code and answers: a rebuild
   * started after this pays nothing for the workers' start-up.
   *
   * @returns When every worker has answered.
   * @throws WorkerExitError, or the worker's error, when one could not start.
   */
  async ready(): Promise<void> {
    await Promise.all(Array.from({ length: this.size }, (_, i) => this.run(i, "reset", {})));
  }
}

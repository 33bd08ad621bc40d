/**
 * A pool of worker threads driven through comlink, on Deno, Bun and Node:
 * `node:worker_threads` on Node and Bun, web Workers (`type: "module"`) on
 * Deno, whose `node:worker_threads` copies a SharedArrayBuffer through a
 * slow path (seconds for tens of megabytes) where its web Workers share it
 * at once.
 *
 * - from the `.ts` sources on Deno and Bun, a worker is its `.ts` entry
 *   itself (both runtimes start TypeScript workers);
 * - from the `.ts` sources on Node, a worker is the small
 *   `workers/node_bootstrap.mjs`, which registers tsx's ESM loader and then
 *   imports the `.ts` entry (Node 20 cannot start a `.ts` worker);
 * - from a compiled build (this module is `.js`), a worker is the compiled
 *   `.js` entry, on every runtime.
 *
 * Every worker exposes the same comlink API; a pool runs calls on a given
 * worker. A call that throws in the worker rejects with the worker's error
 * (name, message and stack kept). A worker that dies — it exits, crashes or
 * fails to start — makes every pending and later call of the pool reject,
 * so that nothing waits forever on a dead worker. {@linkcode WorkerPool.close}
 * terminates every worker. comlink is loaded on first use, so code that
 * never starts workers never needs it.
 *
 * @module
 */
import type * as ComlinkTypes from "comlink";
import process from "node:process";
import { Worker } from "node:worker_threads";
import { nodeEndpoint, type WorkerExitNotice } from "./endpoint.ts";

/**
 * A worker entry module, as `.ts` sources or compiled `.js`.
 *
 * @example The rebuild worker
 * ```ts
 * import type { WorkerEntry } from "./pool.ts";
 * const entry: WorkerEntry = { name: "workers/rebuild_worker" };
 * ```
 */
export interface WorkerEntry {
  /** Path from the package root without extension, e.g. "workers/rebuild_worker". */
  name: string;
}

/**
 * A worker died, failed to start, or its pool was closed while a call ran.
 *
 * @example Naming a dead worker
 * ```ts
 * import { WorkerExitError } from "./pool.ts";
 * const e = new WorkerExitError("Worker 1 exited with code 3 before its work was done");
 * console.log(e.name); // "WorkerExitError"
 * ```
 */
export class WorkerExitError extends Error {
  /**
   * @param message What happened.
   * @param options The underlying error, if any.
   */
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = "WorkerExitError";
  }
}

/** Whether this runtime is Node (Deno and Bun also offer `process`). */
function isNode(): boolean {
  return !("Deno" in globalThis) && typeof (process.versions as { bun?: string }).bun !== "string";
}

/** One started worker: its endpoint and how to stop it. */
interface StartedWorker {
  endpoint: ComlinkTypes.Endpoint;
  terminate(): Promise<unknown>;
  /** Whether the worker keeps the process alive (undefined: the runtime cannot change it). */
  hold: ((on: boolean) => void) | undefined;
}

/** Start a worker on this runtime; `fail` hears of its death. */
function startWorker(start: { url: URL; workerData: { entry?: string } }, i: number, fail: (e: Error) => void, closed: () => boolean): StartedWorker {
  const died = (code: number) => {
    if (!closed()) fail(new WorkerExitError(`Worker ${i} exited with code ${code} before its work was done`));
  };
  if ("Deno" in globalThis) {
    const w = new globalThis.Worker(start.url, { type: "module" });
    w.addEventListener("error", (e: ErrorEvent) => {
      e.preventDefault();
      fail(new WorkerExitError(`Worker ${i} failed: ${e.message}`));
    });
    w.addEventListener("messageerror", () => fail(new WorkerExitError(`Worker ${i} sent a message that cannot be read`)));
    w.addEventListener("message", (e: MessageEvent) => {
      const notice = e.data as Partial<WorkerExitNotice> | null;
      if (typeof notice === "object" && notice !== null && typeof notice.workerExit === "number") died(notice.workerExit);
    });
    return {
      endpoint: w as unknown as ComlinkTypes.Endpoint,
      terminate: () => Promise.resolve(w.terminate()),
      hold: undefined,
    };
  }
  const w = new Worker(start.url, { workerData: start.workerData });
  w.on("error", (e: Error) => fail(e));
  w.on("exit", died);
  return { endpoint: nodeEndpoint(w), terminate: () => w.terminate(), hold: (on) => (on ? w.ref() : w.unref()) };
}

/**
 * The module a worker thread starts from, and its `workerData`, for an
 * entry on this runtime.
 *
 * @param entry The entry.
 * @param base URL of a module one folder below `src/` (default: this module's).
 * @returns What to pass to `new Worker`.
 *
 * @example From the sources on Deno or Bun, the `.ts` entry itself
 * ```ts
 * import { workerStart } from "./pool.ts";
 * const s = workerStart({ name: "workers/rebuild_worker" }, "file:///app/src/worker/pool.js");
 * console.log(s.url.href); // "file:///app/workers/rebuild_worker.js"
 * ```
 */
export function workerStart(
  entry: WorkerEntry,
  base: string = import.meta.url,
): { url: URL; workerData: { entry?: string } } {
  if (!base.endsWith(".ts")) return { url: new URL(`../../${entry.name}.js`, base), workerData: {} };
  const ts = new URL(`../../${entry.name}.ts`, base);
  if (!isNode()) return { url: ts, workerData: {} };
  return { url: new URL("../../workers/node_bootstrap.mjs", base), workerData: { entry: ts.href } };
}

/**
 * N worker threads exposing the same comlink API `Api`.
 *
 * @example Run a call on every worker, then stop them
 * ```ts ignore
 * import { WorkerPool } from "./pool.ts";
 * import type { ScanWorkerApi } from "./protocol.ts";
 * const pool = await WorkerPool.start<ScanWorkerApi>({ name: "workers/scan_worker" }, 2);
 * try {
 *   const shares = await Promise.all([0, 1].map((w) => pool.run(w, (api) => api.scan("maildir", root, "/", keys[w]))));
 * } finally {
 *   await pool.close();
 * }
 * ```
 */
export class WorkerPool<Api> {
  /** Number of workers. */
  readonly size: number;
  readonly #comlink: typeof ComlinkTypes;
  readonly #workers: StartedWorker[] = [];
  readonly #remotes: ComlinkTypes.Remote<Api>[] = [];
  readonly #failed: Promise<never>;
  #reject!: (e: Error) => void;
  #failure: Error | undefined;
  #closed = false;

  private constructor(entry: WorkerEntry, size: number, comlink: typeof ComlinkTypes) {
    this.size = size;
    this.#comlink = comlink;
    this.#failed = new Promise<never>((_, reject) => (this.#reject = reject));
    this.#failed.catch(() => {});
    const start = workerStart(entry);
    for (let i = 0; i < size; i++) {
      const w = startWorker(start, i, (e) => this.#fail(e), () => this.#closed);
      this.#workers.push(w);
      this.#remotes.push(comlink.wrap<Api>(w.endpoint));
    }
  }

  /**
   * Start `size` workers of an entry. They load in the background; calls
   * wait for them.
   *
   * @param entry The worker entry module.
   * @param size How many workers (a whole number ≥ 1).
   * @returns The pool.
   * @throws RangeError for a bad size.
   */
  static async start<Api>(entry: WorkerEntry, size: number): Promise<WorkerPool<Api>> {
    if (!Number.isInteger(size) || size < 1) {
      throw new RangeError(`Cannot start ${size} workers: give a whole number ≥ 1`);
    }
    const comlink = await import("comlink");
    return new WorkerPool<Api>(entry, size, comlink);
  }

  #fail(e: Error): void {
    if (this.#failure !== undefined) return;
    this.#failure = e;
    this.#reject(e);
  }

  /** The first failure of any worker, if one failed. */
  get failure(): Error | undefined {
    return this.#failure;
  }

  /**
   * Run a call on worker `i`.
   *
   * @param i Worker index.
   * @param call What to do with its API.
   * @returns The call's result; rejects when the call throws, or when any worker of the pool dies.
   */
  async run<T>(i: number, call: (api: ComlinkTypes.Remote<Api>) => Promise<T>): Promise<T> {
    if (this.#failure !== undefined) throw this.#failure;
    return await Promise.race([call(this.#remotes[i]), this.#failed]);
  }

  /**
   * Whether idle workers can be left running without keeping the process
   * alive ({@linkcode WorkerPool.hold}): on Node and Bun; not on Deno, whose
   * workers always keep it alive.
   */
  get canRelease(): boolean {
    return this.#workers.every((w) => w.hold !== undefined);
  }

  /**
   * Let the workers keep the process alive (while they work), or not (while
   * they wait, idle, for more work), where the runtime allows it.
   *
   * @param on Keep the process alive.
   * @returns Nothing.
   */
  hold(on: boolean): void {
    for (const w of this.#workers) w.hold?.(on);
  }

  /**
   * Terminate every worker; calls still running reject.
   *
   * @returns When every worker has stopped.
   */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    this.#fail(new WorkerExitError("The worker pool was closed"));
    for (const r of this.#remotes) r[this.#comlink.releaseProxy]();
    await Promise.all(this.#workers.map((w) => w.terminate().catch(() => 0)));
  }
}

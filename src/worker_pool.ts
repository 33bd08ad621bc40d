/**
 * A pool of worker threads driven through comlink, started the same way on
 * Deno, Bun and Node. A worker that throws makes its call reject with the
 * error (name, message and stack kept); a worker that dies makes every
 * pending call reject; {@linkcode WorkerPool.close} terminates them all.
 *
 * @module
 */
import type * as ComlinkTypes from "comlink";
import { Worker } from "node:worker_threads";
import process from "node:process";
import { nodeEndpoint } from "./worker_endpoint.ts";

/** Where a worker's entry module is, as `.ts` sources or compiled `.js`. */
export interface WorkerEntry {
  /** Entry module next to this file's package root, without extension: e.g. "workers/rebuild_worker". */
  name: string;
}

/** A worker died or failed to start. */
export class WorkerExitError extends Error {
  /** @param message What happened. */
  constructor(message: string) {
    super(message);
    this.name = "WorkerExitError";
  }
}

/** Start a worker for an entry on this runtime. */
function startWorker(entry: WorkerEntry): Worker {
  const here = import.meta.url;
  const fromSources = here.endsWith(".ts");
  const isNode = typeof (globalThis as { Deno?: unknown }).Deno === "undefined" &&
    typeof (process.versions as { bun?: string }).bun === "undefined";
  if (fromSources && isNode) {
    // Node runs .ts through tsx: a small .mjs registers its loader, then imports the entry.
    const boot = new URL("../workers/node_bootstrap.mjs", here);
    const target = new URL(`../${entry.name}.ts`, here).href;
    return new Worker(boot, { workerData: { entry: target } });
  }
  return new Worker(new URL(`../${entry.name}${fromSources ? ".ts" : ".js"}`, here));
}

/**
 * N workers exposing the same comlink API.
 *
 * @example
 * ```ts ignore
 * const pool = await WorkerPool.start<RebuildWorkerApi>({ name: "workers/rebuild_worker" }, 2);
 * await pool.run(0, (api) => api.init(shared));
 * await pool.close();
 * ```
 */
export class WorkerPool<Api> {
  /** Number of workers. */
  readonly size: number;
  private readonly workers: Worker[] = [];
  private readonly remotes: ComlinkTypes.Remote<Api>[] = [];
  private failure: Error | undefined;
  private readonly failed: Promise<never>;
  private closed = false;

  /**
   * Start a pool (comlink is loaded on first use, so that code which never
   * starts workers never needs it).
   *
   * @param entry The worker entry module.
   * @param size How many workers to start.
   * @returns The pool.
   */
  static async start<Api>(entry: WorkerEntry, size: number): Promise<WorkerPool<Api>> {
    const comlink = await import("comlink");
    return new WorkerPool<Api>(entry, size, comlink);
  }

  private readonly comlink: typeof ComlinkTypes;

  private constructor(entry: WorkerEntry, size: number, comlink: typeof ComlinkTypes) {
    this.comlink = comlink;
    this.size = size;
    let reject!: (e: Error) => void;
    this.failed = new Promise<never>((_, r) => (reject = r));
    this.failed.catch(() => {});
    for (let i = 0; i < size; i++) {
      const w = startWorker(entry);
      w.on("error", (e: Error) => {
        this.failure ??= e;
        reject(e);
      });
      w.on("exit", (code: number) => {
        if (this.closed) return;
        const e = new WorkerExitError(`Worker ${i} exited with code ${code} before its work was done`);
        this.failure ??= e;
        reject(e);
      });
      this.workers.push(w);
      this.remotes.push(comlink.wrap<Api>(nodeEndpoint(w)));
    }
  }

  /**
   * Run a call on worker `i`; rejects when the call throws or any worker dies.
   *
   * @param i Worker index.
   * @param call What to do with its API.
   * @returns The call's result.
   */
  async run<T>(i: number, call: (api: ComlinkTypes.Remote<Api>) => Promise<T>): Promise<T> {
    if (this.failure !== undefined) throw this.failure;
    return await Promise.race([call(this.remotes[i]), this.failed]);
  }

  /**
   * Terminate every worker.
   *
   * @returns Nothing.
   */
  async close(): Promise<void> {
    this.closed = true;
    const release = this.comlink.releaseProxy;
    for (const r of this.remotes) (r as unknown as { [k: symbol]: (() => void) | undefined })[release]?.();
    await Promise.all(this.workers.map((w) => w.terminate().catch(() => 0)));
  }
}

/**
 * Where a LIST or LSUB is computed. The library answers a LIST in one
 * synchronous call, about a millisecond per thousand mailboxes (more with
 * STATUS): a small index is answered on the server's thread, a large one
 * (more UIDs handed out than the threshold) on a pool of worker threads
 * (`list_worker.ts`), so that the event loop is never held for long and
 * the other connections are served meanwhile. Either way the answer is the
 * library's, byte for byte.
 *
 * On Deno and Bun the worker is `list_worker.ts` itself; on Node, which
 * cannot start a `.ts` worker, the project's `workers/node_bootstrap.mjs`
 * registers tsx and imports it.
 *
 * @module
 */
import process from "node:process";
import { Worker } from "node:worker_threads";
import type { ImapSession, MailboxListIndex } from "../../mod.ts";
import { answerList, type ListAnswer } from "./list_answer.ts";
import type { ListRequest } from "./list_worker.ts";

/** How LIST commands are spread. */
export interface ListRunnerOptions {
  /** Worker threads for large indexes (0: everything on the server's thread). */
  workers: number;
  /** Indexes that have handed out more UIDs than this are listed on a worker. */
  threshold: number;
}

/** Whether this is Node running the `.ts` sources. */
function nodeFromSources(): boolean {
  const bun = typeof (process.versions as { bun?: string }).bun === "string";
  return !("Deno" in globalThis) && !bun && import.meta.url.endsWith(".ts");
}

/** One worker and its calls in flight. */
interface Slot {
  worker: Worker;
  pending: Map<number, { ok: (a: ListAnswer) => void; fail: (e: Error) => void }>;
}

/**
 * Answers LIST and LSUB (see the module documentation).
 *
 * @example
 * ```ts ignore
 * const lists = new ListRunner({ workers: 2, threshold: 2000 });
 * const answer = await lists.answer(store.index, "LIST", '"" "*"', session);
 * await lists.close();
 * ```
 */
export class ListRunner {
  readonly #options: ListRunnerOptions;
  readonly #slots: (Slot | undefined)[];
  #next = 0;
  #ids = 0;

  /**
   * @param options Worker count and threshold.
   */
  constructor(options: ListRunnerOptions) {
    this.#options = options;
    this.#slots = new Array(Math.max(0, options.workers)).fill(undefined);
  }

  /**
   * Answer a LIST or LSUB over a user's index.
   *
   * @param index The user's index.
   * @param command `LIST` or `LSUB`.
   * @param args The arguments as sent.
   * @param session The session.
   * @returns The lines or the refusal.
   * @throws Error for a fault of the server (a worker that died, an index that cannot be read).
   */
  answer(index: MailboxListIndex, command: "LIST" | "LSUB", args: string, session: ImapSession): Promise<ListAnswer> {
    if (this.#slots.length === 0 || index.header.nextUid - 1 <= this.#options.threshold) {
      return Promise.resolve(answerList(index, command, args, session));
    }
    const i = this.#next;
    this.#next = (i + 1) % this.#slots.length;
    const slot = this.#slots[i] ??= this.#start(i);
    const id = ++this.#ids;
    const request: ListRequest = { id, indexPath: index.path, command, args, session: { ...session } };
    return new Promise((ok, fail) => {
      slot.pending.set(id, { ok, fail });
      slot.worker.postMessage(request);
    });
  }

  /** Start worker `i`; a worker that dies fails its calls and is started again on the next one. */
  #start(i: number): Slot {
    const entry = new URL("./list_worker.ts", import.meta.url);
    const worker = nodeFromSources()
      ? new Worker(new URL("../../workers/node_bootstrap.mjs", import.meta.url), { workerData: { entry: entry.href } })
      : new Worker(entry);
    const slot: Slot = { worker, pending: new Map() };
    worker.on("message", (m: { id: number; answer?: ListAnswer; fault?: string }) => {
      const p = slot.pending.get(m.id);
      if (p === undefined) return;
      slot.pending.delete(m.id);
      if (m.answer !== undefined) p.ok(m.answer);
      else p.fail(new Error(`The list worker failed: ${m.fault}`));
    });
    const died = (why: string) => {
      if (this.#slots[i] === slot) this.#slots[i] = undefined;
      for (const p of slot.pending.values()) p.fail(new Error(`List worker ${i} ${why}`));
      slot.pending.clear();
    };
    worker.on("error", (e: Error) => died(`failed: ${e.message}`));
    worker.on("exit", (code: number) => died(`exited with code ${code}`));
    worker.unref();
    return slot;
  }

  /**
   * Stop the workers.
   *
   * @returns Nothing.
   */
  async close(): Promise<void> {
    const slots = this.#slots.splice(0);
    await Promise.all(slots.map((s) => s?.worker.terminate()));
  }
}

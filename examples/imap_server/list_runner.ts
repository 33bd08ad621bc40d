/**
 * Where a LIST or LSUB is computed. The library answers a LIST in one
 * synchronous call, about a millisecond per thousand mailboxes (more with
 * STATUS): a small index is answered on the server's thread, a large one
 * (more UIDs handed out than the threshold) on a pool of worker threads
 * (`list_worker.ts`), so that the event loop is never held for long and
 * the other connections are served meanwhile. Either way the answer is the
 * library's, byte for byte.
 *
 * A LIST that can only reach one level of the hierarchy (no `*` in its
 * patterns, no `%` followed by a separator, no SUBSCRIBED selection: e.g.
 * `LIST "" "%"`) costs the size of that level, not of the index: it is
 * answered on the server's thread whatever the index size, so that it
 * never waits behind the long listings in the workers' queues.
 *
 * A worker streams its answer: it encodes the lines to UTF-8 in chunks of
 * about 64 KiB, hands each chunk over (transferred, not copied), and keeps
 * at most `WINDOW` (16) chunks of an answer in flight; the server's
 * thread writes each chunk with the socket's backpressure and only then
 * acknowledges it, which lets the worker send the next. So the server's
 * thread never holds a whole large answer, never encodes it, and a slow
 * client holds back only its own answer.
 *
 * On Deno and Bun the worker is `list_worker.ts` itself; on Node, which
 * cannot start a `.ts` worker, the project's `workers/node_bootstrap.mjs`
 * registers tsx and imports it.
 *
 * @module
 */
import process from "node:process";
import { Worker } from "node:worker_threads";
import { type ImapSession, ListPattern, type MailboxListIndex, parseListArguments, resolveListPattern } from "../../mod.ts";
import { answerList, type ListRefusal } from "./list_answer.ts";
import type { ListReply, ListRequest } from "./list_worker.ts";

/** How LIST commands are spread. */
export interface ListRunnerOptions {
  /** Worker threads for large indexes (0: everything on the server's thread). */
  workers: number;
  /** Indexes that have handed out more UIDs than this are listed on a worker. */
  threshold: number;
  /** The workers' nice value (0: the server's priority; default 10, below it). */
  nice?: number;
}

/** Where an answer's lines go: text (answered on this thread) or UTF-8 chunks (from a worker), in order. */
export interface ListSink {
  /** Write response lines; resolves once the socket can take more. */
  text(lines: string): Promise<void>;
  /** Write UTF-8 bytes of response lines; resolves once the socket can take more. */
  bytes(chunk: Uint8Array): Promise<void>;
}

/** Whether this is Node running the `.ts` sources. */
function nodeFromSources(): boolean {
  const bun = typeof (process.versions as { bun?: string }).bun === "string";
  return !("Deno" in globalThis) && !bun && import.meta.url.endsWith(".ts");
}

/** One answer being received from a worker. */
interface Pending {
  sink: ListSink;
  /** The writes so far, in order. */
  chain: Promise<void>;
  ok: (refusal: ListRefusal | undefined) => void;
  fail: (e: Error) => void;
  failed: boolean;
}

/** One worker and its calls in flight. */
interface Slot {
  worker: Worker;
  pending: Map<number, Pending>;
  /** Resolves once the worker has loaded (or is gone). */
  ready: Promise<void>;
}

/**
 * Whether a LIST command reaches at most one level under a known mailbox
 * (see the module documentation), so that it costs the size of that level:
 * LIST (not LSUB), no SUBSCRIBED or RECURSIVEMATCH selection, and every
 * pattern, resolved against the reference, without `*` and without a
 * separator after its first wildcard. Arguments that do not parse count as
 * cheap too: their refusal is computed at once.
 *
 * @param command `LIST` or `LSUB`.
 * @param args The arguments as sent.
 * @param session The session.
 * @param separator The index's hierarchy separator.
 * @returns Whether to answer on the server's thread whatever the index size.
 *
 * @example
 * ```ts
 * import { oneLevelList } from "./list_runner.ts";
 * console.log(oneLevelList("LIST", '"" "%"', {}, "/"), oneLevelList("LIST", '"" "*"', {}, "/")); // true false
 * console.log(oneLevelList("LIST", '"Dir1/" "%"', {}, "/"), oneLevelList("LIST", '"" "%/%"', {}, "/")); // true false
 * ```
 */
export function oneLevelList(command: "LIST" | "LSUB", args: string, session: ImapSession, separator: string): boolean {
  if (command !== "LIST") return false;
  let parsed: ReturnType<typeof parseListArguments>;
  try {
    parsed = parseListArguments(command, args, session);
  } catch {
    return true;
  }
  const { options } = parsed;
  if (options.select?.subscribed === true || options.select?.recursiveMatch === true) return false;
  const patterns = typeof parsed.patterns === "string" ? [parsed.patterns] : parsed.patterns;
  for (const pattern of patterns) {
    if (pattern === "") continue;
    const depth = new ListPattern(resolveListPattern(options.reference ?? "", pattern, separator), separator).depth;
    if (depth !== 0) return false;
  }
  return true;
}

/**
 * Answers LIST and LSUB (see the module documentation).
 *
 * @example
 * ```ts ignore
 * const lists = new ListRunner({ workers: 2, threshold: 2000 });
 * const sink = { text: (s: string) => out.writeLarge(s), bytes: (b: Uint8Array) => out.write(b) };
 * const refusal = await lists.answer(store.index, "LIST", '"" "*"', session, sink);
 * await lists.close();
 * ```
 */
export class ListRunner {
  readonly #options: ListRunnerOptions;
  readonly #slots: (Slot | undefined)[];
  #next = 0;
  #ids = 0;
  /** LIST and LSUB commands answered on a worker, and on this thread (for tests and logs). */
  readonly counts = { worker: 0, here: 0 };

  /**
   * @param options Worker count and threshold.
   */
  constructor(options: ListRunnerOptions) {
    this.#options = options;
    this.#slots = new Array(Math.max(0, options.workers)).fill(undefined);
  }

  /**
   * Answer a LIST or LSUB over a user's index: write its untagged lines to
   * `sink`, in order, and resolve once they are written.
   *
   * @param index The user's index.
   * @param command `LIST` or `LSUB`.
   * @param args The arguments as sent.
   * @param session The session.
   * @param sink Where the lines go.
   * @returns Undefined once the lines are written (answer OK), or the refusal to answer instead (nothing was written).
   * @throws Error for a fault of the server (a worker that died, an index that cannot be read).
   */
  async answer(index: MailboxListIndex, command: "LIST" | "LSUB", args: string, session: ImapSession, sink: ListSink): Promise<ListRefusal | undefined> {
    if (
      this.#slots.length === 0 || index.header.nextUid - 1 <= this.#options.threshold ||
      oneLevelList(command, args, session, index.separator)
    ) {
      this.counts.here++;
      const answer = answerList(index, command, args, session);
      if (!("lines" in answer)) return answer;
      await sink.text(answer.lines);
      return undefined;
    }
    this.counts.worker++;
    const i = this.#next;
    this.#next = (i + 1) % this.#slots.length;
    const slot = this.#slots[i] ??= this.#start(i);
    const id = ++this.#ids;
    const request: ListRequest = { type: "list", id, indexPath: index.path, command, args, session: { ...session } };
    return await new Promise((ok, fail) => {
      // The worker keeps the process alive only while it owes answers.
      if (slot.pending.size === 0) slot.worker.ref();
      slot.pending.set(id, { sink, chain: Promise.resolve(), ok, fail, failed: false });
      slot.worker.postMessage(request);
    });
  }

  /** Start worker `i`; a worker that dies fails its calls and is started again on the next one. */
  #start(i: number): Slot {
    const entry = new URL("./list_worker.ts", import.meta.url);
    const worker = nodeFromSources()
      ? new Worker(new URL("../../workers/node_bootstrap.mjs", import.meta.url), { workerData: { entry: entry.href } })
      : new Worker(entry);
    let loaded = () => {};
    const slot: Slot = { worker, pending: new Map(), ready: new Promise<void>((ok) => (loaded = ok)) };
    const nice = this.#options.nice ?? 10;
    if (nice !== 0) worker.postMessage({ type: "nice", nice } satisfies ListRequest);
    worker.on("message", (m: ListReply) => {
      if ("ready" in m) return loaded();
      const p = slot.pending.get(m.id);
      if (p === undefined) return;
      const settled = () => {
        slot.pending.delete(m.id);
        if (slot.pending.size === 0) slot.worker.unref();
      };
      if ("chunk" in m) {
        // Write in order; acknowledge once the socket took it, so the worker sends more.
        const chunk = m.chunk;
        p.chain = p.chain.then(async () => {
          if (p.failed) return;
          await p.sink.bytes(chunk);
          if (!m.end) worker.postMessage({ type: "ack", id: m.id });
        });
        if (m.end) {
          settled();
          p.chain.then(() => p.ok(undefined), (e) => p.fail(e instanceof Error ? e : new Error(String(e))));
        }
        return;
      }
      settled();
      if ("refusal" in m) p.ok(m.refusal);
      else p.fail(new Error(`The list worker failed: ${m.fault}`));
    });
    const died = (why: string) => {
      loaded();
      if (this.#slots[i] === slot) this.#slots[i] = undefined;
      for (const p of slot.pending.values()) {
        p.failed = true;
        p.fail(new Error(`List worker ${i} ${why}`));
      }
      slot.pending.clear();
    };
    worker.on("error", (e: Error) => died(`failed: ${e.message}`));
    worker.on("exit", (code: number) => died(`exited with code ${code}`));
    worker.unref();
    return slot;
  }

  /**
   * Start every worker now rather than at its first listing (a worker's
   * start loads the library into it, which takes the CPU for a moment).
   *
   * @returns Nothing, once they have loaded.
   */
  async start(): Promise<void> {
    for (let i = 0; i < this.#slots.length; i++) this.#slots[i] ??= this.#start(i);
    await Promise.all(this.#slots.map(async (slot) => {
      if (slot === undefined) return;
      // Keep the process alive while waiting.
      slot.worker.ref();
      await slot.ready;
      if (slot.pending.size === 0) slot.worker.unref();
    }));
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

/**
 * A list worker thread: answers LIST and LSUB commands over users' indexes
 * (opened read-only, the most recently used kept open), so that a listing
 * of a hundred thousand mailboxes is computed off the server's event loop.
 *
 * Listing is batch work next to the server's event loop: the worker lowers
 * its own thread's scheduling priority when told (`{ type: "nice", nice }`,
 * the server's `--list-worker-nice`, 10 by default, where the system allows
 * it), so that on a busy machine the event loop gets a core first when it
 * has work.
 *
 * Once loaded it says `{ ready: true }`. Messages in:
 * `{ type: "list", id, indexPath, command, args, session }`,
 * and `{ type: "ack", id }` for each chunk of an answer the server has
 * written. Out: the answer as UTF-8 chunks of about 64 KiB
 * (`{ id, chunk, end }`, the chunk's buffer transferred), at most
 * `WINDOW` of them unacknowledged, the last with `end: true` (an empty
 * answer is one empty chunk); or `{ id, refusal }` with the BAD or NO to
 * answer instead; or `{ id, fault }` with the message of an error that is
 * no refusal.
 *
 * @module
 */
import { setPriority } from "node:os";
import { parentPort } from "node:worker_threads";
import { type ImapSession, MailboxListIndex } from "../../mod.ts";
import { answerListLines, type ListRefusal, utf8Chunks, WINDOW } from "./list_answer.ts";

/** A request from the server. */
export type ListRequest = {
  type: "list";
  id: number;
  indexPath: string;
  command: "LIST" | "LSUB";
  args: string;
  session: ImapSession;
} | { type: "ack"; id: number } | { type: "nice"; nice: number };

/** A message to the server. */
export type ListReply =
  | { ready: true }
  | { id: number; chunk: Uint8Array; end: boolean }
  | { id: number; refusal: ListRefusal }
  | { id: number; fault: string };

/** Indexes kept open. */
const MAX_OPEN = 32;
const open = new Map<string, MailboxListIndex>();

/** The read-only index at a path, most recently used last. */
async function indexAt(path: string): Promise<MailboxListIndex> {
  let index = open.get(path);
  if (index !== undefined) {
    open.delete(path);
    open.set(path, index);
    return index;
  }
  index = await MailboxListIndex.open(path, { readonly: true, onWarning: () => {} });
  open.set(path, index);
  if (open.size > MAX_OPEN) {
    const [oldest, stale] = open.entries().next().value!;
    open.delete(oldest);
    await stale.close();
  }
  return index;
}

/** Answers being sent: their chunks still to make, and how many more may be sent now. */
const streams = new Map<number, { chunks: Iterator<Uint8Array>; credit: number; ahead: Uint8Array | undefined }>();

const port = parentPort!;

/** Send what the credit of answer `id` allows; the last chunk says `end`. */
function pump(id: number): void {
  const s = streams.get(id);
  if (s === undefined) return;
  while (s.credit > 0) {
    const chunk = s.ahead ?? s.chunks.next().value ?? new Uint8Array(0);
    const after = s.chunks.next();
    s.ahead = after.done ? undefined : after.value;
    const end = s.ahead === undefined;
    s.credit--;
    port.postMessage({ id, chunk, end } satisfies ListReply, [chunk.buffer as ArrayBuffer]);
    if (end) {
      streams.delete(id);
      return;
    }
  }
}

/** Listings waiting, in order of arrival. */
const waiting: Extract<ListRequest, { type: "list" }>[] = [];
let running = false;

/** A turn of the event loop: the acknowledgements that came meanwhile are handled. */
function nextTurn(): Promise<void> {
  return new Promise((ok) => setImmediate(ok));
}

/** List one request after the other, with a turn of the event loop between two. */
async function run(): Promise<void> {
  running = true;
  try {
    while (waiting.length > 0) {
      await nextTurn();
      const req = waiting.shift()!;
      try {
        const index = await indexAt(req.indexPath);
        const answer = answerListLines(index, req.command, req.args, req.session);
        if (!("lines" in answer)) {
          port.postMessage({ id: req.id, refusal: answer } satisfies ListReply);
          continue;
        }
        streams.set(req.id, { chunks: utf8Chunks(answer.lines), credit: WINDOW, ahead: undefined });
        pump(req.id);
      } catch (e) {
        port.postMessage({ id: req.id, fault: e instanceof Error ? e.message : String(e) } satisfies ListReply);
      }
    }
  } finally {
    running = false;
  }
}

port.on("message", (req: ListRequest) => {
  if (req.type === "nice") {
    try {
      // 0: this thread (on Linux a nice value is a thread's).
      setPriority(0, req.nice);
    } catch {
      // Not allowed or not supported here: run at the normal priority.
    }
    return;
  }
  if (req.type === "ack") {
    const s = streams.get(req.id);
    if (s !== undefined) {
      s.credit++;
      pump(req.id);
    }
    return;
  }
  waiting.push(req);
  if (!running) void run();
});

// Loaded: the server may wait for this before it listens.
port.postMessage({ ready: true } satisfies ListReply);

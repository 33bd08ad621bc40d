/**
 * A list worker thread: answers LIST and LSUB commands over users' indexes
 * (opened read-only, the most recently used kept open), so that a listing
 * of a hundred thousand mailboxes is computed off the server's event loop.
 *
 * Messages in: `{ id, indexPath, command, args, session }`; out:
 * `{ id, answer }` with a {@linkcode ListAnswer}, or `{ id, fault }` with
 * the message of an error that is no refusal.
 *
 * @module
 */
import { parentPort } from "node:worker_threads";
import { type ImapSession, MailboxListIndex } from "../../mod.ts";
import { answerList } from "./list_answer.ts";

/** A request from the server. */
export interface ListRequest {
  id: number;
  indexPath: string;
  command: "LIST" | "LSUB";
  args: string;
  session: ImapSession;
}

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

const port = parentPort!;
let queue: Promise<void> = Promise.resolve();
port.on("message", (req: ListRequest) => {
  // One request at a time, in order.
  queue = queue.then(async () => {
    try {
      const index = await indexAt(req.indexPath);
      port.postMessage({ id: req.id, answer: answerList(index, req.command, req.args, req.session) });
    } catch (e) {
      port.postMessage({ id: req.id, fault: e instanceof Error ? e.message : String(e) });
    }
  });
});

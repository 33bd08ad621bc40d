/**
 * Changes to a selected mailbox made by any process, for IDLE (RFC 2177)
 * and NOOP: the mailbox's cached STATUS, re-read when the index changed.
 *
 * Changes are learnt from the index's change feed (`index.watch()`, SPEC
 * §13): every commit of any process arrives as a batch, within
 * milliseconds, without polling the files. A batch that touches the
 * mailbox (its STATUS, a rename or deletion, a replaced index) makes the
 * watch read the mailbox's STATUS again; when the figures differ from the
 * last ones seen, the callback hears of them.
 *
 * This file is the one place that knows how changes are found; the rest of
 * the server only calls {@linkcode watchMailbox}.
 *
 * @module
 */
import type { ChangeBatch, MailboxListIndex, MailboxStatus } from "../../mod.ts";

/** The feed's safety-net poll of the journal while a client idles (the feed wakes on file events first). */
export const DEFAULT_POLL_MS = 1000;

/** A watch in progress. */
export interface MailboxWatch {
  /**
   * Stop watching.
   *
   * @returns Nothing.
   */
  stop(): void;
}

/**
 * Whether two STATUS readings differ in what a selected session shows
 * (EXISTS, RECENT, UIDNEXT, UIDVALIDITY, UNSEEN).
 *
 * @param a One reading (undefined: no cache or no mailbox).
 * @param b The other.
 * @returns True when they differ.
 *
 * @example
 * ```ts
 * import { statusChanged } from "./changes.ts";
 * const s = { messages: 3, unseen: 1, recent: 0, uidNext: 4, uidValidity: 7 };
 * console.log(statusChanged(s, { ...s }), statusChanged(s, { ...s, messages: 4 })); // false true
 * ```
 */
export function statusChanged(a: MailboxStatus | undefined, b: MailboxStatus | undefined): boolean {
  if (a === undefined || b === undefined) return a !== b;
  return a.messages !== b.messages || a.recent !== b.recent || a.uidNext !== b.uidNext ||
    a.uidValidity !== b.uidValidity || a.unseen !== b.unseen;
}

/**
 * Read a mailbox's cached STATUS as it is now (any process's last commit).
 *
 * @param index The user's index.
 * @param name The mailbox.
 * @returns The figures, or undefined (no cache, no mailbox, or the index could not be read this time).
 */
export function currentStatus(index: MailboxListIndex, name: string): MailboxStatus | undefined {
  try {
    return index.status(name);
  } catch {
    return undefined;
  }
}

/**
 * Watch a mailbox's cached STATUS.
 *
 * @param index The user's index.
 * @param name The mailbox.
 * @param last The figures the client has seen.
 * @param onChange Called with new figures whenever they differ from the last ones seen.
 * @param intervalMs The feed's safety-net poll interval.
 * @returns The watch; stop it when the client stops idling.
 *
 * @example
 * ```ts ignore
 * const watch = watchMailbox(index, "INBOX", selected.status, (s) => sendExists(s.messages));
 * // ... when the client sends DONE:
 * watch.stop();
 * ```
 */
export function watchMailbox(
  index: MailboxListIndex,
  name: string,
  last: MailboxStatus | undefined,
  onChange: (status: MailboxStatus | undefined) => void,
  intervalMs: number = DEFAULT_POLL_MS,
): MailboxWatch {
  let seen = last;
  const look = () => {
    const now = currentStatus(index, name);
    if (now === undefined && seen !== undefined) return; // a failed read is no change
    if (statusChanged(seen, now)) {
      seen = now;
      onChange(now);
    }
  };
  const stop = new AbortController();
  const feed = index.watch({ signal: stop.signal, pollIntervalMs: intervalMs });
  // Anything that committed before the watch began is caught by this first look.
  look();
  void (async () => {
    try {
      for await (const batch of feed) if (concerns(batch, name, index.separator)) look();
    } catch {
      // A feed that cannot go on (its log started again): look once more; later changes show at NOOP.
      if (!stop.signal.aborted) look();
    }
  })();
  return { stop: () => stop.abort() };
}

/** Whether a batch may change what a session with `name` selected shows. */
function concerns(batch: ChangeBatch, name: string, sep: string): boolean {
  if (batch.replaced !== undefined || batch.truncated === true) return true;
  return batch.changes.some((c) =>
    c.name === name || (c.kind === "renamed" && (c.oldName === name || name.startsWith(c.oldName + sep)))
  );
}

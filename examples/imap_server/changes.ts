/**
 * Changes to a selected mailbox made by any process, for IDLE (RFC 2177)
 * and NOOP: the mailbox's cached STATUS, re-read when the index changed.
 *
 * The index has no change feed yet, so this polls: every `intervalMs`
 * (200 ms by default) it asks the index for the mailbox's STATUS. That is
 * cheap when nothing happened: before every answer the index checks
 * whether another process committed (two `stat` calls and one read of the
 * journal header, `store/freshness.ts`) and re-reads its files only then.
 * When the figures differ from the last ones seen, the callback hears of
 * them.
 *
 * This file is the one place that knows how changes are found: when the
 * index offers a change feed, {@linkcode watchMailbox} is rewritten over
 * it and the rest of the server stays as it is.
 *
 * @module
 */
import type { MailboxListIndex, MailboxStatus } from "../../mod.ts";

/** The default polling interval while a client idles. */
export const DEFAULT_POLL_MS = 200;

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
 * @param intervalMs How often to look.
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
  const timer = setInterval(look, intervalMs);
  look();
  return { stop: () => clearInterval(timer) };
}

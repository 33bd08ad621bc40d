/**
 * The writer lock (SPEC §6): one writer at a time per index, across
 * processes and runtimes.
 *
 * The lock is the file `<indexPath>.lock`, created exclusively next to the
 * index. It holds one JSON line with the holder's pid, the start time of
 * the holder process (where the system tells it), the time the lock was
 * taken, the host name and a random token that identifies this one lock.
 * A waiter polls until the file is gone, the lock turns stale, or the
 * timeout passes.
 *
 * A holder on this host is judged by its process alone: the lock is stale
 * when that pid is not running, or runs a process that started at another
 * time than the holder did (the pid was reused). A live holder on this host
 * is never taken over, however long it holds the lock: a waiter times out
 * with {@linkcode LockTimeoutError} naming it. A holder on another host,
 * whose process cannot be checked, keeps its lock alive by refreshing it:
 * every held lock touches its file's mtime from an unref'd timer, and such
 * a lock is stale only when it showed no sign of life for `staleMs`. A lock
 * whose contents are unreadable (a holder that died between creating and
 * writing it) is stale once its mtime is older than a short grace period.
 * Stale locks are taken over with a warning.
 *
 * Take-over is serialised by a second short-lived lock, `<lockPath>.break`,
 * and the stale file is first renamed to a unique name and compared with
 * the one inspected (inode and contents) before it is deleted; a file that
 * turns out to be someone else's fresh lock is linked back in place. Waiters
 * therefore never delete a lock another waiter has just created.
 *
 * This file holds the public API, the waiting and the held lock; the
 * record and its file I/O are in `lock_record.ts`, the stale rules and the
 * take-over in `lock_takeover.ts`.
 *
 * Lock files are opened without following symbolic links: a lock file that
 * is a symlink is an {@linkcode UnsafeFileError}, and its target is never
 * read, touched or written.
 *
 * All file operations are synchronous and short; {@linkcode acquireLock}
 * only sleeps asynchronously between attempts.
 *
 * @module
 */
import * as fs from "node:fs";
import { setInterval } from "node:timers";
import { IndexStateError, LockLostError, LockTimeoutError } from "../format/errors.ts";
import {
  createExclusive,
  errorCode,
  heldTokens,
  inspect,
  type LockHolder,
  makeRecord,
  parseHolder,
  readContent,
  sameFile,
  type Seen,
} from "./lock_record.ts";
import { openNoFollow } from "./io.ts";
import { breakLockPath, removeIfSame, staleReason, takeBreakLock } from "./lock_takeover.ts";

export type { LockHolder };

/**
 * How to wait for the writer lock.
 *
 * @example Failing fast in a command-line tool
 * ```ts ignore
 * import { acquireLock, type LockOptions } from "./lock.ts";
 * const options: LockOptions = { timeoutMs: 500, onWarning: (m) => console.error(m) };
 * const lock = await acquireLock("/var/mail/u.mlist", options);
 * lock.release();
 * ```
 */
export interface LockOptions {
  /** How long to wait for a live holder before failing, in ms (default 10 000; 0 tries once). */
  timeoutMs?: number;
  /**
   * How long a lock held from another host may show no sign of life before
   * it counts as stale, in ms (default 60 000). A held lock refreshes itself
   * well within this time. A live holder on this host is never stale.
   */
  staleMs?: number;
  /** Poll interval in ms; when not given, polls start at 10 ms and back off to 50 ms. */
  retryMs?: number;
  /** Receives warnings such as stale-lock take-over (default: `console.warn`). */
  onWarning?: (message: string) => void;
}

/**
 * A held writer lock.
 *
 * @example Keeping a long job's lock alive
 * ```ts ignore
 * import { acquireLock } from "./lock.ts";
 * const lock = await acquireLock("/var/mail/u.mlist");
 * try {
 *   for (const batch of batches) {
 *     work(batch);
 *     lock.refresh();
 *   }
 * } finally {
 *   lock.release();
 * }
 * ```
 */
export interface WriterLock {
  /** Path of the lock file. */
  readonly path: string;
  /**
   * Remove the lock file if it is still this lock's. Calling it again does
   * nothing; a lock file that is no longer ours is left alone, with a warning.
   */
  release(): void;
  /**
   * Touch the lock file's mtime, as the lock's own timer does: a sign of
   * life for waiters on other hosts.
   *
   * @throws IndexStateError when the lock was released or taken over.
   */
  refresh(): void;
  /**
   * Check that the lock file still carries this lock's token, before a
   * write that must only happen under it.
   *
   * @throws LockLostError when the lock was released, removed or taken over.
   */
  verify(): void;
}

/** Default wait for a live holder. */
const DEFAULT_LOCK_TIMEOUT_MS = 10_000;
/** Default age after which a lock is stale whatever its pid. */
const DEFAULT_STALE_LOCK_MS = 60_000;
/** Initial and largest poll interval when `retryMs` is not given. */
const FIRST_POLL_MS = 10;
const MAX_POLL_MS = 50;
/** Attempts within one poll when the lock file keeps changing under us. */
const QUICK_RETRIES = 8;
/** A held lock refreshes itself this many times per `staleMs`. */
const REFRESHES_PER_STALE = 4;
/** Bounds of the refresh interval. */
const MIN_REFRESH_MS = 20;
const MAX_REFRESH_MS = 15_000;

/** What one try at the lock came to. */
type Attempt =
  | { kind: "locked"; lock: WriterLock }
  | { kind: "again" }
  | { kind: "wait"; holderPid: number | undefined };

/** The options of one acquire, defaults applied. */
interface Settings {
  lockPath: string;
  timeoutMs: number;
  staleMs: number;
  retryMs: number | undefined;
  warn: (message: string) => void;
}

/**
 * Take the writer lock of the index at `indexPath`, waiting asynchronously
 * while a live process holds it and taking over stale locks with a warning.
 *
 * @param indexPath Path of the index (the lock file is `indexPath + ".lock"`).
 * @param options Timeout, staleness age, poll interval and warning sink.
 * @returns The held lock; call {@linkcode WriterLock.release} when done.
 * @throws LockTimeoutError when a live holder keeps the lock past the timeout.
 *
 * @example Holding the lock around a write
 * ```ts ignore
 * import { acquireLock } from "./lock.ts";
 * const lock = await acquireLock("/var/mail/u.mlist", { timeoutMs: 5_000 });
 * try {
 *   // write the index
 * } finally {
 *   lock.release();
 * }
 * ```
 */
export async function acquireLock(indexPath: string, options: LockOptions = {}): Promise<WriterLock> {
  const settings = resolveSettings(indexPath, options);
  const deadline = Date.now() + settings.timeoutMs;
  let delay = settings.retryMs ?? FIRST_POLL_MS;
  for (;;) {
    const result = attemptPoll(settings);
    if (result.kind === "locked") return result.lock;
    const left = deadline - Date.now();
    if (left <= 0) throw new LockTimeoutError(settings.lockPath, result.holderPid, settings.timeoutMs);
    await new Promise((resolve) => setTimeout(resolve, Math.min(jitter(delay), left)));
    delay = nextDelay(delay, settings.retryMs);
  }
}

/**
 * Take the writer lock of the index at `indexPath` like
 * {@linkcode acquireLock}, blocking the thread while waiting.
 *
 * @param indexPath Path of the index (the lock file is `indexPath + ".lock"`).
 * @param options Timeout, staleness age, poll interval and warning sink.
 * @returns The held lock; call {@linkcode WriterLock.release} when done.
 * @throws LockTimeoutError when a live holder keeps the lock past the timeout.
 *
 * @example Holding the lock in synchronous code
 * ```ts ignore
 * import { acquireLockSync } from "./lock.ts";
 * const lock = acquireLockSync("/var/mail/u.mlist", { timeoutMs: 1_000 });
 * try {
 *   // write the index
 * } finally {
 *   lock.release();
 * }
 * ```
 */
export function acquireLockSync(indexPath: string, options: LockOptions = {}): WriterLock {
  const settings = resolveSettings(indexPath, options);
  const deadline = Date.now() + settings.timeoutMs;
  let delay = settings.retryMs ?? FIRST_POLL_MS;
  let cell: Int32Array | undefined;
  for (;;) {
    const result = attemptPoll(settings);
    if (result.kind === "locked") return result.lock;
    const left = deadline - Date.now();
    if (left <= 0) throw new LockTimeoutError(settings.lockPath, result.holderPid, settings.timeoutMs);
    cell ??= new Int32Array(new SharedArrayBuffer(4));
    Atomics.wait(cell, 0, 0, Math.min(jitter(delay), left));
    delay = nextDelay(delay, settings.retryMs);
  }
}

/**
 * Read who holds a lock file.
 *
 * @param lockPath Path of the lock file (`indexPath + ".lock"`).
 * @returns The recorded holder, or `undefined` when the file is missing,
 *   cannot be read, or its contents are not a lock record.
 *
 * @example Reporting the holder
 * ```ts ignore
 * import { readLockHolder } from "./lock.ts";
 * const holder = readLockHolder("/var/mail/u.mlist.lock");
 * if (holder) console.log(`Locked by pid ${holder.pid} on "${holder.host}"`);
 * ```
 */
export function readLockHolder(lockPath: string): LockHolder | undefined {
  let content: string;
  try {
    content = inspect(lockPath)?.content ?? "";
  } catch {
    return undefined;
  }
  const holder = parseHolder(content);
  if (holder === undefined) return undefined;
  const { token: _token, ...shown } = holder;
  return shown;
}

function resolveSettings(indexPath: string, options: LockOptions): Settings {
  const timeoutMs = options.timeoutMs ?? DEFAULT_LOCK_TIMEOUT_MS;
  const staleMs = options.staleMs ?? DEFAULT_STALE_LOCK_MS;
  const retryMs = options.retryMs;
  checkNumber("timeoutMs", timeoutMs, 0);
  checkNumber("staleMs", staleMs, 1);
  if (retryMs !== undefined) checkNumber("retryMs", retryMs, 1);
  return {
    lockPath: `${indexPath}.lock`,
    timeoutMs,
    staleMs,
    retryMs,
    warn: options.onWarning ?? ((message) => console.warn(message)),
  };
}

function checkNumber(name: string, value: number, min: number): void {
  if (!Number.isFinite(value) || value < min) {
    throw new RangeError(`Invalid lock option ${name} ${JSON.stringify(value)}: expected a number of at least ${min}`);
  }
}

function jitter(ms: number): number {
  return Math.max(1, Math.round(ms * (0.75 + Math.random() * 0.5)));
}

function nextDelay(ms: number, fixed: number | undefined): number {
  return fixed ?? Math.min(MAX_POLL_MS, ms * 1.5);
}

/** A few attempts in a row while the lock file changes under us, then wait. */
function attemptPoll(settings: Settings): Exclude<Attempt, { kind: "again" }> {
  for (let i = 0; i < QUICK_RETRIES; i++) {
    const result = attempt(settings);
    if (result.kind !== "again") return result;
  }
  return { kind: "wait", holderPid: readLockHolder(settings.lockPath)?.pid };
}

/** One non-blocking try: create the lock, or take over a stale one. */
function attempt(settings: Settings): Attempt {
  const { lockPath } = settings;
  const lock = tryCreate(lockPath, settings);
  if (lock) return { kind: "locked", lock };

  const seen = inspect(lockPath);
  if (!seen) return { kind: "again" };
  const reason = staleReason(seen, settings.staleMs);
  if (!reason) return { kind: "wait", holderPid: seen.holder?.pid };

  // Only one waiter at a time may remove a stale lock.
  const breakRecord = takeBreakLock(lockPath, settings.warn);
  if (breakRecord === undefined) return { kind: "wait", holderPid: seen.holder?.pid };
  const breaker = new HeldLock(breakLockPath(lockPath), breakRecord, settings.warn, undefined, true);
  try {
    const again = inspect(lockPath);
    if (!again) return { kind: "again" };
    const stillStale = sameFile(again, seen) ? staleReason(again, settings.staleMs) : undefined;
    if (!stillStale) return { kind: "again" };
    if (removeIfSame(lockPath, again, settings.warn)) {
      const who = again.holder ? `pid ${again.holder.pid} on host "${again.holder.host}"` : "an unknown holder";
      settings.warn(`Taking over stale lock "${lockPath}" of ${who}: ${stillStale}`);
    }
    return { kind: "again" };
  } finally {
    breaker.release();
  }
}

/** Create `path` exclusively with a fresh record; `undefined` when it exists. */
function tryCreate(path: string, settings: Settings): WriterLock | undefined {
  const content = makeRecord();
  if (!createExclusive(path, content)) return undefined;
  return new HeldLock(path, content, settings.warn, refreshInterval(settings.staleMs));
}

/** How often a held lock touches its file: several times per stale period. */
function refreshInterval(staleMs: number): number {
  return Math.max(MIN_REFRESH_MS, Math.min(MAX_REFRESH_MS, Math.floor(staleMs / REFRESHES_PER_STALE)));
}

/**
 * A lock file this process created and holds, known by its exact record.
 * The take-over lock is one too, quiet (no warning when it is lost) and
 * without a refresh timer.
 */
class HeldLock implements WriterLock {
  readonly path: string;
  #content: string;
  #warn: (message: string) => void;
  #quiet: boolean;
  #released = false;
  #token: string;
  #timer: ReturnType<typeof setInterval> | undefined;

  /**
   * @param refreshMs When given, the lock touches its file this often from
   *   an unref'd timer until it is released or found lost.
   */
  constructor(path: string, content: string, warn: (message: string) => void, refreshMs?: number, quiet = false) {
    this.path = path;
    this.#content = content;
    this.#token = parseHolder(content)?.token ?? "";
    heldTokens.add(this.#token);
    this.#warn = warn;
    this.#quiet = quiet;
    if (refreshMs !== undefined) {
      this.#timer = setInterval(() => this.#tick(), refreshMs);
      this.#timer.unref();
    }
  }

  #tick(): void {
    try {
      this.refresh();
    } catch {
      // Lost or released: the commit's verify() reports it; nothing to refresh any more.
      this.#stopTimer();
    }
  }

  #stopTimer(): void {
    if (this.#timer !== undefined) clearInterval(this.#timer);
    this.#timer = undefined;
  }

  release(): void {
    if (this.#released) return;
    this.#released = true;
    this.#stopTimer();
    heldTokens.delete(this.#token);
    const seen = inspect(this.path);
    if (seen && seen.content === this.#content) {
      if (removeIfSame(this.path, seen, this.#warn)) return;
    }
    if (!this.#quiet) {
      const now = seen?.holder ? `now held by pid ${seen.holder.pid}` : seen ? "now unreadable" : "now missing";
      this.#warn(`Lock "${this.path}" was taken over before release (${now}); leaving it alone`);
    }
  }

  refresh(): void {
    if (this.#released) throw new IndexStateError(`Cannot refresh lock "${this.path}": it was released`);
    // The same no-follow handle is read and touched, so a file swapped in meanwhile is never touched.
    let fd: number;
    try {
      fd = openNoFollow(this.path, "read");
    } catch (e) {
      if (errorCode(e) === "ENOENT") {
        throw new IndexStateError(`Cannot refresh lock "${this.path}": it was removed`);
      }
      throw e;
    }
    try {
      const content = readContent(fd);
      if (content !== this.#content) {
        const holder = parseHolder(content);
        const now = holder ? `pid ${holder.pid}` : "another process";
        throw new IndexStateError(`Cannot refresh lock "${this.path}": it was taken over by ${now}`);
      }
      const time = new Date();
      fs.futimesSync(fd, time, time);
    } finally {
      fs.closeSync(fd);
    }
  }

  verify(): void {
    if (this.#released) throw new LockLostError(this.path, "the lock was already released");
    let seen: Seen | undefined;
    try {
      seen = inspect(this.path);
    } catch (e) {
      throw new LockLostError(this.path, `the lock file cannot be read (${(e as Error).message})`);
    }
    if (seen === undefined) throw new LockLostError(this.path, "the lock file was removed");
    if (seen.content !== this.#content) {
      const who = seen.holder ? `pid ${seen.holder.pid} on host "${seen.holder.host}"` : "an unreadable record";
      throw new LockLostError(this.path, `the lock was taken over by ${who}`);
    }
  }
}

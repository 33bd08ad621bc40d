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
import { randomBytes } from "node:crypto";
import { hostname } from "node:os";
import process from "node:process";
import { setInterval } from "node:timers";
import { IndexStateError, LockLostError, LockTimeoutError, UnsafeFileError } from "../format/errors.ts";

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

/**
 * Who holds a lock, as recorded in the lock file.
 *
 * @example Reading the holder
 * ```ts ignore
 * import { type LockHolder, readLockHolder } from "./lock.ts";
 * const holder: LockHolder | undefined = readLockHolder("/var/mail/u.mlist.lock");
 * console.log(holder?.pid);
 * ```
 */
export interface LockHolder {
  /** Process id of the holder. */
  pid: number;
  /** When the lock was taken, in ms since the epoch. */
  startedAt: number;
  /** Host name of the holder. */
  host: string;
  /** Start time of the holder process as the system tells it (on Linux, clock ticks since boot), when known. */
  procStart?: string;
}

/** Default wait for a live holder. */
const DEFAULT_LOCK_TIMEOUT_MS = 10_000;
/** Default age after which a lock is stale whatever its pid. */
const DEFAULT_STALE_LOCK_MS = 60_000;
/** A lock file with unreadable contents is left alone for this long (by mtime). */
const UNREADABLE_GRACE_MS = 2_000;
/** A take-over lock older than this (by mtime) was left by a crashed waiter. */
const BREAK_STALE_MS = 5_000;
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
/** Opening a lock file for reading without following a symlink. */
const READ_NOFOLLOW = fs.constants.O_RDONLY | (fs.constants.O_NOFOLLOW ?? 0);
/** Creating a lock file exclusively (O_EXCL never follows a symlink either). */
const CREATE_EXCLUSIVE = fs.constants.O_WRONLY | fs.constants.O_CREAT | fs.constants.O_EXCL |
  (fs.constants.O_NOFOLLOW ?? 0);

/** The lock file's contents and identity at one moment. */
interface Seen {
  content: string;
  ino: number;
  dev: number;
  mtimeMs: number;
  holder: (LockHolder & { token: string }) | undefined;
}

type Attempt =
  | { kind: "locked"; lock: WriterLock }
  | { kind: "again" }
  | { kind: "wait"; holderPid: number | undefined };

interface Settings {
  lockPath: string;
  timeoutMs: number;
  staleMs: number;
  retryMs: number | undefined;
  warn: (message: string) => void;
}

let uniqueCounter = 0;

/**
 * Tokens of the locks this process holds, shared by every copy of this
 * module loaded in the process: a lock file with our pid but a token not
 * in here was left by an earlier process that had the same pid.
 */
const heldTokens: Set<string> = ((globalThis as Record<symbol, unknown>)[
  Symbol.for("mailbox-list-index.heldLockTokens")
] ??= new Set<string>()) as Set<string>;

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
  const breaker = tryBreakLock(lockPath, settings.warn);
  if (!breaker) return { kind: "wait", holderPid: seen.holder?.pid };
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

function createExclusive(path: string, content: string): boolean {
  let fd: number;
  try {
    fd = fs.openSync(path, CREATE_EXCLUSIVE, 0o644);
  } catch (e) {
    if (errorCode(e) === "EEXIST") return false;
    throw unsafe(e, path);
  }
  try {
    const bytes = new TextEncoder().encode(content);
    let done = 0;
    while (done < bytes.length) done += fs.writeSync(fd, bytes, done, bytes.length - done, done);
  } catch (e) {
    fs.closeSync(fd);
    try {
      fs.unlinkSync(path);
    } catch {
      // Left empty: others take it over after the grace period.
    }
    throw e;
  }
  fs.closeSync(fd);
  return true;
}

function makeRecord(): string {
  return JSON.stringify({
    pid: process.pid,
    procStart: processStart(process.pid),
    startedAt: Date.now(),
    host: localHost(),
    token: randomBytes(12).toString("hex"),
  }) + "\n";
}

let ownStart: string | undefined | null = null;

/**
 * When process `pid` started, as the system reports it: on Linux the 22nd
 * field of `/proc/<pid>/stat` (clock ticks since boot), which tells a
 * reused pid from the process that held a lock. `undefined` where the
 * system does not say (the pid check alone is then used).
 */
function processStart(pid: number): string | undefined {
  if (pid === process.pid && ownStart !== null) return ownStart;
  let start: string | undefined;
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, "latin1");
    // The command name (field 2) is in parentheses and may hold spaces or parentheses itself.
    const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    start = /^\d+$/.test(fields[19] ?? "") ? fields[19] : undefined;
  } catch {
    start = undefined;
  }
  if (pid === process.pid) ownStart = start;
  return start;
}

let cachedHost: string | undefined;
function localHost(): string {
  if (cachedHost === undefined) {
    try {
      cachedHost = hostname();
    } catch {
      cachedHost = "unknown";
    }
  }
  return cachedHost;
}

function parseHolder(content: string): (LockHolder & { token: string }) | undefined {
  let value: unknown;
  try {
    value = JSON.parse(content);
  } catch {
    return undefined;
  }
  if (typeof value !== "object" || value === null) return undefined;
  const { pid, startedAt, host, token } = value as Record<string, unknown>;
  if (typeof pid !== "number" || !Number.isSafeInteger(pid) || pid <= 0) return undefined;
  if (typeof startedAt !== "number" || !Number.isFinite(startedAt)) return undefined;
  if (typeof host !== "string") return undefined;
  const procStart = (value as Record<string, unknown>).procStart;
  return {
    pid,
    startedAt,
    host,
    token: typeof token === "string" ? token : "",
    ...(typeof procStart === "string" ? { procStart } : {}),
  };
}

/** Read a lock file and its identity; `undefined` when it does not exist. */
function inspect(path: string): Seen | undefined {
  let fd: number;
  try {
    fd = fs.openSync(path, READ_NOFOLLOW);
  } catch (e) {
    if (errorCode(e) === "ENOENT") return undefined;
    throw unsafe(e, path);
  }
  try {
    const st = fs.fstatSync(fd);
    if (!st.isFile()) throw new UnsafeFileError(path, "it is not a regular file");
    const content = readContent(fd, st.size);
    return { content, ino: st.ino, dev: st.dev, mtimeMs: st.mtimeMs, holder: parseHolder(content) };
  } finally {
    fs.closeSync(fd);
  }
}

function sameFile(a: Seen, b: Seen): boolean {
  return a.ino === b.ino && a.dev === b.dev && a.content === b.content;
}

/** Why the lock is stale, in words; `undefined` while it is live. */
function staleReason(seen: Seen, staleMs: number): string | undefined {
  const now = Date.now();
  const holder = seen.holder;
  if (!holder) {
    const age = Math.round(now - seen.mtimeMs);
    return age > Math.min(UNREADABLE_GRACE_MS, staleMs)
      ? `its contents are not a lock record and it is ${age} ms old`
      : undefined;
  }
  if (holder.host === localHost()) {
    // A holder on this host is judged by its process alone: alive, it keeps the lock however long.
    if (holder.pid === process.pid) {
      return heldTokens.has(holder.token)
        ? undefined
        : `it was left by an earlier process with the same pid ${holder.pid}`;
    }
    if (!pidAlive(holder.pid)) return `process ${holder.pid} is not running`;
    if (holder.procStart !== undefined) {
      const now = processStart(holder.pid);
      if (now !== undefined && now !== holder.procStart) {
        return `process ${holder.pid} is not the holder: the pid was reused (start ${now}, holder's ${holder.procStart})`;
      }
    }
    return undefined;
  }
  const age = Math.round(now - Math.max(holder.startedAt, seen.mtimeMs));
  return age > staleMs ? `it shows no sign of life for ${age} ms (stale after ${staleMs} ms)` : undefined;
}

function pidAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    // EPERM: it lives under another user. Anything else: assume alive.
    return errorCode(e) !== "ESRCH";
  }
}

/**
 * Remove `path` if it is still the file `expected`: rename it to a unique
 * name, compare, then delete it — or link it back when it was not.
 */
function removeIfSame(path: string, expected: Seen, warn: (message: string) => void): boolean {
  const aside = `${path}.${process.pid}-${++uniqueCounter}-${randomBytes(4).toString("hex")}.gone`;
  try {
    fs.renameSync(path, aside);
  } catch (e) {
    if (errorCode(e) === "ENOENT") return false;
    throw e;
  }
  const moved = inspect(aside);
  if (moved && sameFile(moved, expected)) {
    fs.unlinkSync(aside);
    return true;
  }
  // Someone else's lock took its place meanwhile: put it back.
  if (moved) {
    try {
      fs.linkSync(aside, path);
    } catch (e) {
      if (errorCode(e) === "EEXIST" || !createExclusive(path, moved.content)) {
        warn(`Lock "${path}" was replaced while being restored; its holder no longer holds it`);
      }
    }
  }
  try {
    fs.unlinkSync(aside);
  } catch {
    // Already gone.
  }
  return false;
}

/** Take the short-lived take-over lock; `undefined` while another waiter holds it. */
function tryBreakLock(lockPath: string, warn: (message: string) => void): HeldLock | undefined {
  const breakPath = `${lockPath}.break`;
  const content = makeRecord();
  if (createExclusive(breakPath, content)) return new HeldLock(breakPath, content, warn, undefined, true);
  const seen = inspect(breakPath);
  if (!seen) return undefined;
  const holder = seen.holder;
  const dead = holder !== undefined && holder.host === localHost() &&
    (holder.pid === process.pid ? !heldTokens.has(holder.token) : !pidAlive(holder.pid));
  if (dead || Date.now() - seen.mtimeMs > BREAK_STALE_MS) removeIfSame(breakPath, seen, warn);
  return undefined;
}

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
      fd = fs.openSync(this.path, READ_NOFOLLOW);
    } catch (e) {
      if (errorCode(e) === "ENOENT") {
        throw new IndexStateError(`Cannot refresh lock "${this.path}": it was removed`);
      }
      throw unsafe(e, this.path);
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

/** Read a small lock file from an open handle. */
function readContent(fd: number, fileSize = fs.fstatSync(fd).size): string {
  const size = Math.min(fileSize, 4096);
  const buf = new Uint8Array(size);
  let got = 0;
  while (got < size) {
    const n = fs.readSync(fd, buf, got, size - got, got);
    if (n === 0) break;
    got += n;
  }
  return new TextDecoder().decode(buf.subarray(0, got));
}

/** ELOOP from a no-follow open means a symlink: say so with the typed error. */
function unsafe(e: unknown, path: string): unknown {
  return errorCode(e) === "ELOOP" ? new UnsafeFileError(path, "it is a symbolic link") : e;
}

function errorCode(e: unknown): string | undefined {
  return typeof e === "object" && e !== null && "code" in e ? String((e as { code: unknown }).code) : undefined;
}

/**
 * The writer lock (SPEC §6): one writer at a time per index, across
 * processes and runtimes.
 *
 * The lock is the file `<indexPath>.lock`, created exclusively next to the
 * index. It holds one JSON line with the holder's pid, the time the lock was
 * taken, the host name and a random token that identifies this one lock.
 * A waiter polls until the file is gone, the lock turns stale, or the
 * timeout passes.
 *
 * A lock is stale when its holder pid is not running (checked only when the
 * host name matches ours), when its last sign of life — the recorded time or
 * the file's mtime, which {@linkcode WriterLock.refresh} moves forward — is
 * older than `staleMs`, or when its contents are unreadable (a holder that
 * died between creating and writing it) and its mtime is older than a short
 * grace period. Stale locks are taken over with a warning.
 *
 * Take-over is serialised by a second short-lived lock, `<lockPath>.break`,
 * and the stale file is first renamed to a unique name and compared with
 * the one inspected (inode and contents) before it is deleted; a file that
 * turns out to be someone else's fresh lock is linked back in place. Waiters
 * therefore never delete a lock another waiter has just created.
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
import { IndexStateError, LockTimeoutError } from "./errors.ts";

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
  /** Age in ms after which a lock counts as stale even if its holder pid lives (default 60 000). */
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
   * Touch the lock file's mtime so that long jobs are not taken for stale.
   *
   * @throws IndexStateError when the lock was released or taken over.
   */
  refresh(): void;
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
    content = fs.readFileSync(lockPath, "utf8");
  } catch {
    return undefined;
  }
  const holder = parseHolder(content);
  return holder && { pid: holder.pid, startedAt: holder.startedAt, host: holder.host };
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
  const lock = tryCreate(lockPath, settings.warn);
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
function tryCreate(path: string, warn: (message: string) => void): WriterLock | undefined {
  const content = makeRecord();
  if (!createExclusive(path, content)) return undefined;
  return new HeldLock(path, content, warn);
}

function createExclusive(path: string, content: string): boolean {
  let fd: number;
  try {
    fd = fs.openSync(path, "wx");
  } catch (e) {
    if (errorCode(e) === "EEXIST") return false;
    throw e;
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
    startedAt: Date.now(),
    host: localHost(),
    token: randomBytes(12).toString("hex"),
  }) + "\n";
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
  return { pid, startedAt, host, token: typeof token === "string" ? token : "" };
}

/** Read a lock file and its identity; `undefined` when it does not exist. */
function inspect(path: string): Seen | undefined {
  let fd: number;
  try {
    fd = fs.openSync(path, "r");
  } catch (e) {
    if (errorCode(e) === "ENOENT") return undefined;
    throw e;
  }
  try {
    const st = fs.fstatSync(fd);
    const size = Math.min(st.size, 4096);
    const buf = new Uint8Array(size);
    let got = 0;
    while (got < size) {
      const n = fs.readSync(fd, buf, got, size - got, got);
      if (n === 0) break;
      got += n;
    }
    const content = new TextDecoder().decode(buf.subarray(0, got));
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
    if (holder.pid !== process.pid && !pidAlive(holder.pid)) return `process ${holder.pid} is not running`;
    if (holder.pid === process.pid && !heldTokens.has(holder.token)) {
      return `it was left by an earlier process with the same pid ${holder.pid}`;
    }
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
  if (createExclusive(breakPath, content)) return new HeldLock(breakPath, content, warn, true);
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

  constructor(path: string, content: string, warn: (message: string) => void, quiet = false) {
    this.path = path;
    this.#content = content;
    this.#token = parseHolder(content)?.token ?? "";
    heldTokens.add(this.#token);
    this.#warn = warn;
    this.#quiet = quiet;
  }

  release(): void {
    if (this.#released) return;
    this.#released = true;
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
    const seen = inspect(this.path);
    if (!seen || seen.content !== this.#content) {
      const now = seen?.holder ? `pid ${seen.holder.pid}` : "another process";
      throw new IndexStateError(`Cannot refresh lock "${this.path}": it was taken over by ${now}`);
    }
    const time = new Date();
    fs.utimesSync(this.path, time, time);
  }
}

function errorCode(e: unknown): string | undefined {
  return typeof e === "object" && e !== null && "code" in e ? String((e as { code: unknown }).code) : undefined;
}

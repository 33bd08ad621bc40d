/**
 * Taking over a stale writer lock (SPEC §6): when a lock is stale, and how
 * it is removed without ever deleting a lock another waiter has just
 * created.
 *
 * A holder on this host is judged by its process alone: the lock is stale
 * when that pid is not running, or runs a process that started at another
 * time than the holder did (the pid was reused). A holder on another host
 * is stale only when its lock showed no sign of life for `staleMs`. A lock
 * whose contents are unreadable is stale once its mtime is older than a
 * short grace period.
 *
 * Take-over is serialised by a second short-lived lock, `<lockPath>.break`,
 * and the stale file is first renamed to a unique name and compared with
 * the one inspected (inode and contents) before it is deleted; a file that
 * turns out to be someone else's fresh lock is linked back in place.
 *
 * @module
 */
import * as fs from "node:fs";
import { randomBytes } from "node:crypto";
import process from "node:process";
import {
  createExclusive,
  errorCode,
  heldTokens,
  inspect,
  localHost,
  makeRecord,
  processStart,
  sameFile,
  type Seen,
} from "./lock_record.ts";

/** A lock file with unreadable contents is left alone for this long (by mtime). */
const UNREADABLE_GRACE_MS = 2_000;
/** A take-over lock older than this (by mtime) was left by a crashed waiter. */
const BREAK_STALE_MS = 5_000;

/** Makes each set-aside name unique within this process. */
let uniqueCounter = 0;

/**
 * Why a lock is stale, in words.
 *
 * @param seen The lock file as inspected.
 * @param staleMs How long a holder on another host may show no sign of life.
 * @returns The reason, or `undefined` while the lock is live.
 *
 * @example Deciding on a take-over
 * ```ts ignore
 * const reason = staleReason(inspect(lockPath)!, 60_000);
 * if (reason) console.log(`stale: ${reason}`);
 * ```
 */
export function staleReason(seen: Seen, staleMs: number): string | undefined {
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

/** Whether process `pid` runs on this host (EPERM: it does, under another user). */
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
 *
 * @param path Path of the lock file.
 * @param expected The file as inspected before.
 * @param warn Receives a warning when a lock put back was replaced meanwhile.
 * @returns True when the expected file was removed.
 *
 * @example Removing a stale lock
 * ```ts ignore
 * if (removeIfSame(lockPath, seen, console.warn)) console.log("taken over");
 * ```
 */
export function removeIfSame(path: string, expected: Seen, warn: (message: string) => void): boolean {
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

/**
 * Path of the short-lived take-over lock of a lock file.
 *
 * @param lockPath Path of the lock file.
 * @returns `lockPath + ".break"`.
 *
 * @example The take-over lock of an index's lock
 * ```ts
 * import { breakLockPath } from "./lock_takeover.ts";
 * console.log(breakLockPath("/var/mail/u.mlist.lock")); // "/var/mail/u.mlist.lock.break"
 * ```
 */
export function breakLockPath(lockPath: string): string {
  return `${lockPath}.break`;
}

/**
 * Take the short-lived take-over lock of `lockPath` (only one waiter at a
 * time may remove a stale lock). A take-over lock left by a crashed waiter
 * is removed, for the next try to take.
 *
 * @param lockPath Path of the lock file.
 * @param warn Receives warnings.
 * @returns The record written into {@linkcode breakLockPath}, for the
 *   caller to hold and release it; `undefined` while another waiter holds it.
 *
 * @example Serialising a take-over
 * ```ts ignore
 * const record = takeBreakLock(lockPath, warn);
 * if (record !== undefined) {
 *   // remove the stale lock, then remove breakLockPath(lockPath) if it still holds `record`
 * }
 * ```
 */
export function takeBreakLock(lockPath: string, warn: (message: string) => void): string | undefined {
  const breakPath = breakLockPath(lockPath);
  const content = makeRecord();
  if (createExclusive(breakPath, content)) return content;
  const seen = inspect(breakPath);
  if (!seen) return undefined;
  const holder = seen.holder;
  const dead = holder !== undefined && holder.host === localHost() &&
    (holder.pid === process.pid ? !heldTokens.has(holder.token) : !pidAlive(holder.pid));
  if (dead || Date.now() - seen.mtimeMs > BREAK_STALE_MS) removeIfSame(breakPath, seen, warn);
  return undefined;
}

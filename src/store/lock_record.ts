/**
 * The record in a writer-lock file (SPEC §6) and the file I/O around it:
 * one JSON line with the holder's pid, the start time of its process, the
 * time the lock was taken, its host and a random token; reading and
 * creating lock files without following symbolic links; and the tokens of
 * the locks this process holds.
 *
 * @module
 */
import * as fs from "node:fs";
import { randomBytes } from "node:crypto";
import { hostname } from "node:os";
import process from "node:process";
import { openNoFollow } from "./io.ts";

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

/**
 * A lock record as parsed: its holder and the token that identifies this
 * one lock ("" in a record written without one).
 *
 * @example Telling our own lock
 * ```ts ignore
 * const mine = parseHolder(content)?.token === myToken;
 * ```
 */
export type LockRecord = LockHolder & { token: string };


/**
 * The lock file's contents and identity at one moment.
 *
 * @example Was it replaced meanwhile?
 * ```ts ignore
 * const before: Seen | undefined = inspect(lockPath);
 * const after = inspect(lockPath);
 * const same = before && after && sameFile(before, after);
 * ```
 */
export interface Seen {
  /** The file's text as read. */
  content: string;
  /** Its inode. */
  ino: number;
  /** Its device. */
  dev: number;
  /** Its last modification, in ms since the epoch. */
  mtimeMs: number;
  /** The record, or undefined when the contents are not one. */
  holder: LockRecord | undefined;
}

/**
 * Tokens of the locks this process holds, shared by every copy of this
 * module loaded in the process: a lock file with our pid but a token not
 * in here was left by an earlier process that had the same pid.
 *
 * @example Is this lock of our pid still held?
 * ```ts ignore
 * const held = holder.pid === process.pid && heldTokens.has(holder.token);
 * ```
 */
export const heldTokens: Set<string> = ((globalThis as Record<symbol, unknown>)[
  Symbol.for("mailbox-list-index.heldLockTokens")
] ??= new Set<string>()) as Set<string>;

/**
 * Create `path` exclusively, without following a symlink, holding `content`.
 * A file that could not be written whole is removed again.
 *
 * @param path Path of the lock file.
 * @param content The record to write.
 * @returns True when created; false when something already is at `path`.
 * @throws UnsafeFileError when `path` is a symbolic link.
 *
 * @example Trying once
 * ```ts ignore
 * const content = makeRecord();
 * if (createExclusive(lockPath, content)) console.log("locked");
 * ```
 */
export function createExclusive(path: string, content: string): boolean {
  let fd: number;
  try {
    // Lock files are opened like the index's own files: never through a symbolic link.
    fd = openNoFollow(path, "createExclusive");
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

/**
 * A fresh record for a lock this process takes: our pid, our process's
 * start, now, our host and a new random token.
 *
 * @returns The record as one JSON line.
 *
 * @example A record
 * ```ts
 * import { makeRecord } from "./lock_record.ts";
 * console.log(makeRecord()); // {"pid":4242,"procStart":"123456","startedAt":1700000000000,"host":"mx1","token":"…"}
 * ```
 */
export function makeRecord(): string {
  return JSON.stringify({
    pid: process.pid,
    procStart: processStart(process.pid),
    startedAt: Date.now(),
    host: localHost(),
    token: randomBytes(12).toString("hex"),
  }) + "\n";
}

/** This process's own start, once read (null: not yet). */
let ownStart: string | undefined | null = null;

/**
 * When process `pid` started, as the system reports it: on Linux the 22nd
 * field of `/proc/<pid>/stat` (clock ticks since boot), which tells a
 * reused pid from the process that held a lock.
 *
 * @param pid The process.
 * @returns Its start, or `undefined` where the system does not say (the pid check alone is then used).
 *
 * @example Was the pid reused?
 * ```ts ignore
 * const reused = holder.procStart !== undefined && processStart(holder.pid) !== holder.procStart;
 * ```
 */
export function processStart(pid: number): string | undefined {
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

/** This host's name, once read. */
let cachedHost: string | undefined;

/**
 * This host's name, as lock records carry it ("unknown" when the system does not say).
 *
 * @returns The host name.
 *
 * @example Is the holder on this host?
 * ```ts ignore
 * const local = holder.host === localHost();
 * ```
 */
export function localHost(): string {
  if (cachedHost === undefined) {
    try {
      cachedHost = hostname();
    } catch {
      cachedHost = "unknown";
    }
  }
  return cachedHost;
}

/**
 * Parse a lock record.
 *
 * @param content The lock file's text.
 * @returns The record, or `undefined` when the text is not one.
 *
 * @example Who holds it
 * ```ts
 * import { parseHolder } from "./lock_record.ts";
 * console.log(parseHolder('{"pid":7,"startedAt":0,"host":"mx1"}')?.pid); // 7
 * ```
 */
export function parseHolder(content: string): LockRecord | undefined {
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

/**
 * Read a lock file and its identity, without following a symlink.
 *
 * @param path Path of the lock file.
 * @returns What is there, or `undefined` when the file does not exist.
 * @throws UnsafeFileError when it is a symbolic link or not a regular file.
 *
 * @example Looking at a lock
 * ```ts ignore
 * const seen = inspect(lockPath);
 * if (seen?.holder) console.log(`held by pid ${seen.holder.pid}`);
 * ```
 */
export function inspect(path: string): Seen | undefined {
  let fd: number;
  try {
    fd = openNoFollow(path, "read");
  } catch (e) {
    if (errorCode(e) === "ENOENT") return undefined;
    throw e;
  }
  try {
    const st = fs.fstatSync(fd);
    const content = readContent(fd, st.size);
    return { content, ino: st.ino, dev: st.dev, mtimeMs: st.mtimeMs, holder: parseHolder(content) };
  } finally {
    fs.closeSync(fd);
  }
}

/**
 * Whether two looks at a lock file saw the same file with the same contents.
 *
 * @param a One look.
 * @param b The other.
 * @returns True when inode, device and contents agree.
 *
 * @example Still the stale lock we inspected?
 * ```ts ignore
 * if (again && sameFile(again, seen)) removeIfSame(lockPath, again, warn);
 * ```
 */
export function sameFile(a: Seen, b: Seen): boolean {
  return a.ino === b.ino && a.dev === b.dev && a.content === b.content;
}

/**
 * Read a small lock file (its first 4 KiB) from an open handle.
 *
 * @param fd The handle.
 * @param fileSize The file's size, when already known.
 * @returns Its text.
 *
 * @example Reading through a no-follow handle
 * ```ts ignore
 * const content = readContent(fs.openSync(lockPath, READ_NOFOLLOW));
 * ```
 */
export function readContent(fd: number, fileSize = fs.fstatSync(fd).size): string {
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

/**
 * The `code` of a system error ("ENOENT", "EEXIST", …).
 *
 * @param e Anything thrown.
 * @returns Its code, or `undefined` when it has none.
 *
 * @example A missing file is no error
 * ```ts ignore
 * try { fs.unlinkSync(path); } catch (e) { if (errorCode(e) !== "ENOENT") throw e; }
 * ```
 */
export function errorCode(e: unknown): string | undefined {
  return typeof e === "object" && e !== null && "code" in e ? String((e as { code: unknown }).code) : undefined;
}

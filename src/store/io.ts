/**
 * The I/O seam: every read, write, flush, truncate and rename of an index
 * goes through a {@linkcode FileIO}. The default uses `node:fs` (the same on
 * Deno, Bun and Node); tests wrap it to inject faults.
 *
 * @module
 */
import * as fs from "node:fs";
import { UnsafeFileError } from "../format/errors.ts";

/** What `stat`/`fstat` report. */
export interface FileStat {
  /** File size in bytes. */
  size: number;
  /** Inode number (changes when a file is replaced by rename). */
  ino: number;
  /** Device number. */
  dev: number;
}

/** How to open a file. */
export type OpenMode = "read" | "readwrite" | "create" | "createExclusive";

/**
 * The small synchronous file interface the index core is written against.
 * Handles are opaque numbers.
 */
export interface FileIO {
  /**
   * Open a file without following a symbolic link; throws (ENOENT, EEXIST,
   * ...) like `node:fs`, and `UnsafeFileError` when the path is a symbolic
   * link or not a regular file (SPEC §6).
   */
  open(path: string, mode: OpenMode): number;
  /** Close a handle. */
  close(fd: number): void;
  /** Read up to `length` bytes at `position` into `buf[offset..]`; returns bytes read. */
  read(fd: number, buf: Uint8Array, offset: number, length: number, position: number): number;
  /** Write `length` bytes from `buf[offset..]` at `position`; returns bytes written. */
  write(fd: number, buf: Uint8Array, offset: number, length: number, position: number): number;
  /** Flush a file's data to stable storage. */
  flush(fd: number): void;
  /** Set a file's size. */
  truncate(fd: number, size: number): void;
  /** Size and identity of an open file. */
  fstat(fd: number): FileStat;
  /**
   * Size and identity of a path, not following a symbolic link: undefined
   * when nothing is there, `UnsafeFileError` when it is a symbolic link or
   * not a regular file (an index file that is one is never used).
   */
  stat(path: string): FileStat | undefined;
  /** Atomically replace `to` with `from`. */
  rename(from: string, to: string): void;
  /** Remove a file; a missing file is not an error. */
  unlink(path: string): void;
  /** Flush a directory so that renames and creations in it are durable. */
  flushDir(path: string): void;
  /**
   * Call `onChange` when a file in a directory is created, written or
   * renamed (with its base name, or undefined when the platform does not
   * say), until closed; undefined when the platform cannot watch (callers
   * then poll). Optional: an interface without it is polled.
   */
  watchDir?(path: string, onChange: (file: string | undefined) => void): DirWatch | undefined;
}

/** A directory watch of {@linkcode FileIO.watchDir}. */
export interface DirWatch {
  /** Stop watching. */
  close(): void;
}

function isErrno(e: unknown, code: string): boolean {
  return typeof e === "object" && e !== null && (e as { code?: string }).code === code;
}

/** What `Deno.lstatSync` reports (the parts used here). */
interface DenoFileInfo {
  size: number;
  ino: number | null;
  dev: number | null;
  isFile: boolean;
  isDirectory: boolean;
  isSymlink: boolean;
}

/** `Deno.lstatSync` when running on Deno. */
const denoLstatSync = (globalThis as {
  Deno?: { lstatSync(path: string): DenoFileInfo };
}).Deno?.lstatSync;

const C = fs.constants;

/** `O_NOFOLLOW`, or undefined on a platform without it (Windows). */
const NO_FOLLOW: number | undefined = C.O_NOFOLLOW;

/**
 * Flags of the opens that do not create (`create` tries `readwrite`, then
 * `createExclusive`). `O_NONBLOCK` makes opening a FIFO return at once, so
 * that it is refused rather than waited on; regular files ignore it.
 */
const OPEN_FLAGS: Record<Exclude<OpenMode, "create">, number> = {
  read: C.O_RDONLY | (C.O_NONBLOCK ?? 0),
  readwrite: C.O_RDWR | (C.O_NONBLOCK ?? 0),
  createExclusive: C.O_RDWR | C.O_CREAT | C.O_EXCL | (C.O_NONBLOCK ?? 0),
};

/** What a path that is not a regular file is, in words. */
function kindOf(s: fs.Stats | DenoFileInfo): string {
  if ("isSymlink" in s) {
    return s.isSymlink ? "a symbolic link" : s.isDirectory ? "a directory" : "not a regular file";
  }
  if (s.isSymbolicLink()) return "a symbolic link";
  if (s.isDirectory()) return "a directory";
  if (s.isFIFO()) return "a FIFO";
  if (s.isSocket()) return "a socket";
  if (s.isCharacterDevice() || s.isBlockDevice()) return "a device";
  return "not a regular file";
}

/** `lstat` of a path, or undefined when nothing is there. */
function lstatOf(path: string): fs.Stats | undefined {
  try {
    return fs.lstatSync(path);
  } catch (e) {
    if (isErrno(e, "ENOENT") || isErrno(e, "ENOTDIR")) return undefined;
    throw e;
  }
}

/** Refuse anything but a regular file. */
function requireRegular(path: string, s: fs.Stats | DenoFileInfo): void {
  const regular = "isSymlink" in s ? s.isFile : s.isFile();
  if (!regular) throw new UnsafeFileError(path, `it is ${kindOf(s)}`);
}

/**
 * The typed error for a failed open that was refused because of what the
 * path is: `O_NOFOLLOW` on a symbolic link fails with ELOOP (EMLINK on
 * FreeBSD), a directory opened for writing with EISDIR, a socket with
 * ENXIO, an exclusive create over anything with EEXIST. Anything else (an
 * EEXIST over a regular file included) is returned as it came.
 */
function refusal(path: string, e: unknown): unknown {
  if (["ELOOP", "EMLINK", "EISDIR", "ENXIO", "EEXIST"].some((code) => isErrno(e, code))) {
    const s = lstatOf(path);
    // ELOOP also means a loop among the directories above: then it is not about this file.
    if (s !== undefined && !s.isFile()) return new UnsafeFileError(path, `it is ${kindOf(s)}`);
  }
  return e;
}

/**
 * Open one of an index's files without following a symbolic link (SPEC §6).
 * A symbolic link, directory, FIFO, socket or device at `path` is refused
 * with {@linkcode UnsafeFileError}; only the last component is checked, so a
 * symbolic link among the directories above is fine.
 *
 * Where the platform has `O_NOFOLLOW` the kernel refuses the link. Without
 * it (`noFollowFlag` false) the path is `lstat`ed first, and the handle
 * `fstat`ed after the open must be that very file (same device and inode).
 * What remains of the race there: a link swapped in between the `lstat` and
 * the open is followed by the open itself, but no mode truncates, and the
 * only creating open has `O_EXCL`, which never follows a link; the handle
 * then names another file than the `lstat` saw and is closed before any
 * byte is read or written. (Opening a device through such a link could have
 * side effects of its own; `O_NONBLOCK` at least keeps a FIFO from blocking.)
 *
 * @param path Path of the file.
 * @param mode How to open it.
 * @param noFollowFlag Use `O_NOFOLLOW` (default: when the platform has it).
 * @returns The handle.
 * @throws UnsafeFileError when `path` is a symbolic link or not a regular file.
 *
 * @example Refusing a symbolic link
 * ```ts
 * import { openNoFollow } from "./io.ts";
 * import { mkdtempSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
 * import { tmpdir } from "node:os";
 * const dir = mkdtempSync(tmpdir() + "/mli-");
 * writeFileSync(dir + "/target", "x");
 * symlinkSync(dir + "/target", dir + "/u.mlist.journal");
 * try {
 *   openNoFollow(dir + "/u.mlist.journal", "readwrite");
 * } catch (e) {
 *   console.log((e as Error).name); // "UnsafeFileError"
 * }
 * rmSync(dir, { recursive: true });
 * ```
 */
export function openNoFollow(path: string, mode: OpenMode, noFollowFlag = NO_FOLLOW !== undefined): number {
  if (mode === "create") {
    // Create if missing without truncating, then reopen read-write (a+ would force appends).
    try {
      return openNoFollow(path, "readwrite", noFollowFlag);
    } catch (e) {
      if (!isErrno(e, "ENOENT")) throw e;
      try {
        return openNoFollow(path, "createExclusive", noFollowFlag);
      } catch (e2) {
        if (isErrno(e2, "EEXIST")) return openNoFollow(path, "readwrite", noFollowFlag);
        throw e2;
      }
    }
  }
  const before = noFollowFlag ? undefined : lstatOf(path);
  if (before !== undefined) requireRegular(path, before);
  let fd: number;
  try {
    fd = fs.openSync(path, OPEN_FLAGS[mode] | (noFollowFlag ? NO_FOLLOW ?? 0 : 0), 0o666);
  } catch (e) {
    throw refusal(path, e);
  }
  try {
    const s = fs.fstatSync(fd);
    requireRegular(path, s);
    if (!noFollowFlag) {
      // Nothing was there before: an exclusive create made this file, or it appeared since.
      const seen = before ?? lstatOf(path);
      if (seen === undefined || seen.dev !== s.dev || seen.ino !== s.ino) {
        throw new UnsafeFileError(path, "it was replaced while being opened");
      }
    }
  } catch (e) {
    fs.closeSync(fd);
    throw e;
  }
  return fd;
}

/**
 * The default {@linkcode FileIO}, on `node:fs` synchronous calls.
 *
 * @example Reading a file's size
 * ```ts
 * import { nodeFileIO } from "./io.ts";
 * console.log(nodeFileIO.stat("/nonexistent") === undefined); // true
 * ```
 */
export const nodeFileIO: FileIO = {
  open(path, mode) {
    return openNoFollow(path, mode);
  },
  close(fd) {
    fs.closeSync(fd);
  },
  read(fd, buf, offset, length, position) {
    return fs.readSync(fd, buf, offset, length, position);
  },
  write(fd, buf, offset, length, position) {
    return fs.writeSync(fd, buf, offset, length, position);
  },
  flush(fd) {
    fs.fdatasyncSync(fd);
  },
  truncate(fd, size) {
    fs.ftruncateSync(fd, size);
  },
  fstat(fd) {
    const s = fs.fstatSync(fd);
    return { size: s.size, ino: s.ino, dev: s.dev };
  },
  stat(path) {
    try {
      // Deno's own call is about three times faster than its node:fs one.
      const s = denoLstatSync !== undefined ? denoLstatSync(path) : fs.lstatSync(path);
      requireRegular(path, s);
      return { size: s.size, ino: s.ino ?? 0, dev: s.dev ?? 0 };
    } catch (e) {
      if (isErrno(e, "ENOENT") || isErrno(e, "ENOTDIR")) return undefined;
      throw e;
    }
  },
  rename(from, to) {
    fs.renameSync(from, to);
  },
  unlink(path) {
    try {
      fs.unlinkSync(path);
    } catch (e) {
      if (!isErrno(e, "ENOENT")) throw e;
    }
  },
  watchDir(path, onChange) {
    let watcher: fs.FSWatcher;
    try {
      watcher = fs.watch(path, { persistent: true }, (_event, file) => onChange(file == null ? undefined : String(file)));
    } catch {
      return undefined;
    }
    // A watch that fails later (the directory went away) leaves the caller's polling.
    watcher.on("error", () => watcher.close());
    return { close: () => watcher.close() };
  },
  flushDir(path) {
    let fd: number | undefined;
    try {
      fd = fs.openSync(path, "r");
      fs.fsyncSync(fd);
    } catch {
      // Some platforms cannot fsync a directory; the rename is still atomic.
    } finally {
      if (fd !== undefined) fs.closeSync(fd);
    }
  },
};

/**
 * Read exactly `length` bytes at `position`, looping over short reads.
 *
 * @param io The file interface.
 * @param fd An open handle.
 * @param buf Destination.
 * @param offset Where in `buf` to start.
 * @param length Bytes wanted.
 * @param position File position.
 * @returns Bytes actually read (less than `length` only at end of file).
 *
 * @example Read the first four bytes of a file
 * ```ts
 * import { nodeFileIO, readFully } from "./io.ts";
 * const fd = nodeFileIO.open(import.meta.filename ?? "./src/io.ts", "read");
 * const b = new Uint8Array(4);
 * console.log(readFully(nodeFileIO, fd, b, 0, 4, 0)); // 4
 * nodeFileIO.close(fd);
 * ```
 */
export function readFully(
  io: FileIO,
  fd: number,
  buf: Uint8Array,
  offset: number,
  length: number,
  position: number,
): number {
  let done = 0;
  while (done < length) {
    const n = io.read(fd, buf, offset + done, length - done, position + done);
    if (n <= 0) break;
    done += n;
  }
  return done;
}

/**
 * Write all `length` bytes at `position`, looping over short writes.
 *
 * @param io The file interface.
 * @param fd An open handle.
 * @param buf Source.
 * @param offset Where in `buf` to start.
 * @param length Bytes to write.
 * @param position File position.
 * @returns Nothing; throws when the device takes no more bytes.
 *
 * @example Write two bytes to a new file
 * ```ts
 * import { nodeFileIO, writeFully } from "./io.ts";
 * import { mkdtempSync, rmSync } from "node:fs";
 * import { tmpdir } from "node:os";
 * const dir = mkdtempSync(tmpdir() + "/mli-");
 * const fd = nodeFileIO.open(dir + "/f", "create");
 * writeFully(nodeFileIO, fd, new Uint8Array([1, 2]), 0, 2, 0);
 * nodeFileIO.close(fd);
 * rmSync(dir, { recursive: true });
 * ```
 */
export function writeFully(
  io: FileIO,
  fd: number,
  buf: Uint8Array,
  offset: number,
  length: number,
  position: number,
): void {
  let done = 0;
  while (done < length) {
    const n = io.write(fd, buf, offset + done, length - done, position + done);
    if (n <= 0) throw new Error(`Cannot write at offset ${position + done}: the device took no bytes`);
    done += n;
  }
}

/**
 * The I/O seam: every read, write, flush, truncate and rename of an index
 * goes through a {@linkcode FileIO}. The default uses `node:fs` (the same on
 * Deno, Bun and Node); tests wrap it to inject faults.
 *
 * @module
 */
import * as fs from "node:fs";

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
  /** Open a file; throws (ENOENT, EEXIST, ...) like `node:fs`. */
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
  /** Size and identity of a path, or undefined when it does not exist. */
  stat(path: string): FileStat | undefined;
  /** Atomically replace `to` with `from`. */
  rename(from: string, to: string): void;
  /** Remove a file; a missing file is not an error. */
  unlink(path: string): void;
  /** Flush a directory so that renames and creations in it are durable. */
  flushDir(path: string): void;
}

function isErrno(e: unknown, code: string): boolean {
  return typeof e === "object" && e !== null && (e as { code?: string }).code === code;
}

/** `Deno.statSync` when running on Deno. */
const denoStatSync = (globalThis as {
  Deno?: { statSync(path: string): { size: number; ino: number | null; dev: number | null } };
}).Deno?.statSync;

const OPEN_FLAGS: Record<OpenMode, string> = {
  read: "r",
  readwrite: "r+",
  create: "a+",
  createExclusive: "wx+",
};

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
    if (mode === "create") {
      // Create if missing without truncating, then reopen read-write (a+ would force appends).
      try {
        return fs.openSync(path, "r+");
      } catch (e) {
        if (!isErrno(e, "ENOENT")) throw e;
        try {
          return fs.openSync(path, "wx+");
        } catch (e2) {
          if (isErrno(e2, "EEXIST")) return fs.openSync(path, "r+");
          throw e2;
        }
      }
    }
    return fs.openSync(path, OPEN_FLAGS[mode]);
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
      const s = denoStatSync !== undefined ? denoStatSync(path) : fs.statSync(path);
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
 * @example
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
 * @example
 * ```ts
 * import { nodeFileIO, writeFully } from "./io.ts";
 * import { mkdtempSync } from "node:fs";
 * const fd = nodeFileIO.open(mkdtempSync("/tmp/x") + "/f", "create");
 * writeFully(nodeFileIO, fd, new Uint8Array([1, 2]), 0, 2, 0);
 * nodeFileIO.close(fd);
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

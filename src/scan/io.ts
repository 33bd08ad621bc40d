/**
 * The store scanners' file-system seam: the few asynchronous calls they make
 * to list a store (list a directory, resolve a link, stat its target or a
 * message file, read a file's first bytes). The default, {@linkcode nodeScanFs}, is
 * `node:fs/promises`, the same on Deno, Bun and Node; a caller may pass
 * another one, and tests wrap the default to make chosen paths fail.
 *
 * @module
 */
import { open, readdir, realpath, stat } from "node:fs/promises";

/**
 * One entry of a directory listing (what `readdir(dir, { withFileTypes: true })`
 * gives; a `node:fs` `Dirent` is one).
 *
 * @example An entry made by hand
 * ```ts
 * import type { ScanDirent } from "./io.ts";
 * const e: ScanDirent = { name: "cur", isDirectory: () => true, isFile: () => false, isSymbolicLink: () => false };
 * ```
 */
export interface ScanDirent {
  /** The entry's name. */
  readonly name: string;
  /** Whether it is a directory (not following a symbolic link). */
  isDirectory(): boolean;
  /** Whether it is a regular file (not following a symbolic link). */
  isFile(): boolean;
  /** Whether it is a symbolic link. */
  isSymbolicLink(): boolean;
}

/**
 * An open file of a {@linkcode ScanFs}.
 *
 * @example Reading the first bytes
 * ```ts ignore
 * const f: ScanFile = await nodeScanFs.open("/srv/mail/u/dovecot-uidlist");
 * const n = await f.read(new Uint8Array(1024), 0);
 * await f.close();
 * ```
 */
export interface ScanFile {
  /**
   * Read into `buf` at `position` (null: from the current position on).
   *
   * @returns The bytes read (0 at the end of the file).
   */
  read(buf: Uint8Array, position: number | null): Promise<number>;
  /** Close the file. */
  close(): Promise<void>;
}

/**
 * The asynchronous calls the store scanners make. Each rejects like
 * `node:fs/promises` does: an error with a `code` such as "EACCES", "EIO"
 * or "EMFILE".
 *
 * @example A seam that makes one directory fail to list
 * ```ts
 * import { nodeScanFs, type ScanFs } from "./io.ts";
 * const failing: ScanFs = {
 *   ...nodeScanFs,
 *   readdir: (path) =>
 *     path.endsWith("/.Archive")
 *       ? Promise.reject(Object.assign(new Error(`EIO: i/o error, scandir '${path}'`), { code: "EIO" }))
 *       : nodeScanFs.readdir(path),
 * };
 * ```
 */
export interface ScanFs {
  /** List a directory, with entry types. */
  readdir(path: string): Promise<ScanDirent[]>;
  /** The real path (every symbolic link resolved). */
  realpath(path: string): Promise<string>;
  /**
   * Whether a path, following symbolic links, is a directory, and its size
   * in bytes (a message file's size when its name has no `S=`; a seam that
   * gives no size leaves such a folder's SIZE unknown).
   */
  stat(path: string): Promise<{ isDirectory(): boolean; size?: number | bigint }>;
  /** Open a file for reading. */
  open(path: string): Promise<ScanFile>;
}

/**
 * The default {@linkcode ScanFs}, on `node:fs/promises`.
 *
 * @example Listing a directory
 * ```ts
 * import { nodeScanFs } from "./io.ts";
 * for (const e of await nodeScanFs.readdir(".")) console.log(e.name, e.isDirectory());
 * ```
 */
export const nodeScanFs: ScanFs = {
  readdir: (path) => readdir(path, { withFileTypes: true }),
  realpath: (path) => realpath(path),
  stat: (path) => stat(path),
  async open(path) {
    const fh = await open(path, "r");
    return {
      read: async (buf, position) => (await fh.read(buf, 0, buf.length, position)).bytesRead,
      close: () => fh.close(),
    };
  },
};

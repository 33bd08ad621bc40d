/**
 * Path helpers: the one place that imports `node:path` (the stand-in for
 * `@std/path`, which cannot be installed here).
 *
 * @module
 */
import * as nodePath from "node:path";

/**
 * The directory part of a path.
 *
 * @param path A file path.
 * @returns Its directory.
 *
 * @example The directory of an index file
 * ```ts
 * import { dirName } from "./path.ts";
 * console.log(dirName("/tmp/a.mlist")); // "/tmp"
 * ```
 */
export function dirName(path: string): string {
  return nodePath.dirname(path);
}

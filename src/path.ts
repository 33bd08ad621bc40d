/**
 * Path helpers: the one place that imports `node:path` (the stand-in for
 * `@std/path`, which cannot be installed here).
 *
 * @module
 */
import * as nodePath from "node:path";

/**
 * Join path segments.
 *
 * @param parts Segments to join.
 * @returns The normalized joined path.
 *
 * @example
 * ```ts
 * import { joinPath } from "./path.ts";
 * console.log(joinPath("/tmp", "a.mlist")); // "/tmp/a.mlist"
 * ```
 */
export function joinPath(...parts: string[]): string {
  return nodePath.join(...parts);
}

/**
 * The directory part of a path.
 *
 * @param path A file path.
 * @returns Its directory.
 *
 * @example
 * ```ts
 * import { dirName } from "./path.ts";
 * console.log(dirName("/tmp/a.mlist")); // "/tmp"
 * ```
 */
export function dirName(path: string): string {
  return nodePath.dirname(path);
}

/**
 * The last segment of a path.
 *
 * @param path A file path.
 * @returns Its base name.
 *
 * @example
 * ```ts
 * import { baseName } from "./path.ts";
 * console.log(baseName("/tmp/a.mlist")); // "a.mlist"
 * ```
 */
export function baseName(path: string): string {
  return nodePath.basename(path);
}

/**
 * Resolve a path against the working directory.
 *
 * @param parts Segments to resolve.
 * @returns An absolute path.
 *
 * @example
 * ```ts
 * import { resolvePath } from "./path.ts";
 * console.log(resolvePath("/tmp", "x")); // "/tmp/x"
 * ```
 */
export function resolvePath(...parts: string[]): string {
  return nodePath.resolve(...parts);
}

/**
 * Path of `target` relative to `from`.
 *
 * @param from Base directory.
 * @param target Path to express relative to it.
 * @returns The relative path.
 *
 * @example
 * ```ts
 * import { relativePath } from "./path.ts";
 * console.log(relativePath("/a", "/a/b/c")); // "b/c"
 * ```
 */
export function relativePath(from: string, target: string): string {
  return nodePath.relative(from, target);
}

/** The platform's path separator. */
export const PATH_SEPARATOR: string = nodePath.sep;

/**
 * The rule for a scan that could not read every folder, when a whole new
 * index would be made from it (`rebuild`, and `bulk` for a user without an
 * index): refused, since the new index would lack those folders; a sync
 * keeps them as they were instead. And the quoting of folder names in such
 * messages.
 *
 * @module
 */
import { IndexStateError } from "../format/errors.ts";

/**
 * Folder names quoted for a message: ten at most, then how many more.
 *
 * @param names The folders.
 * @returns For example `"Keep", "Old"`.
 *
 * @example Two folders
 * ```ts
 * import { quoteNames } from "./incomplete_scan.ts";
 * console.log(quoteNames(["Keep", "Old"])); // "Keep", "Old"
 * ```
 */
export function quoteNames(names: readonly string[]): string {
  const shown = names.slice(0, 10).map((n) => JSON.stringify(n)).join(", ");
  return names.length > 10 ? `${shown} and ${names.length - 10} more` : shown;
}

/**
 * Refuse to make a new index from a scan that could not read some folders.
 *
 * @param index The index that would be made.
 * @param incomplete The folders the scan could not read completely.
 * @returns Nothing, when there are none.
 * @throws IndexStateError naming the index and the folders.
 *
 * @example A scan that missed "Old"
 * ```ts
 * import { refuseIncompleteScan } from "./incomplete_scan.ts";
 * try {
 *   refuseIncompleteScan("u.mlist", ["Old"]);
 * } catch (e) {
 *   console.log((e as Error).message); // Cannot rebuild "u.mlist": the scan could not read 1 folder(s) ("Old"); nothing was written (sync keeps them as they were)
 * }
 * ```
 */
export function refuseIncompleteScan(index: string, incomplete: readonly string[]): void {
  if (incomplete.length === 0) return;
  throw new IndexStateError(
    `Cannot rebuild "${index}": the scan could not read ${incomplete.length} folder(s) (${
      quoteNames(incomplete)
    }); nothing was written (sync keeps them as they were)`,
  );
}

/**
 * JSON as the command-line tool prints it: a `bigint` (a 64-bit STATUS
 * figure above 2^53 − 1, SPEC §12) as its decimal digits in a string, which
 * `JSON.stringify` alone refuses.
 *
 * @module
 */

/**
 * `JSON.stringify` with bigints as decimal strings.
 *
 * @param value What to print.
 * @param indent Indentation, as `JSON.stringify` takes it.
 * @returns The JSON text.
 *
 * @example A SIZE above 2^53
 * ```ts
 * import { jsonText } from "./json.ts";
 * console.log(jsonText({ size: 2n ** 60n })); // {"size":"1152921504606846976"}
 * ```
 */
export function jsonText(value: unknown, indent?: number): string {
  return JSON.stringify(value, (_key, v) => typeof v === "bigint" ? v.toString() : v, indent);
}

/**
 * LIST reference names (RFC 3501 §6.3.8): how a reference and a mailbox
 * pattern combine, and the root name of the hierarchy-delimiter response.
 *
 * @module
 */

/**
 * Combine a LIST reference name and mailbox pattern (RFC 3501 §6.3.8): the
 * pattern is appended to the reference as is (no separator is inserted),
 * unless the reference is empty or the pattern is itself rooted (starts with
 * the separator, `#` or `~`), in which case the reference is ignored.
 *
 * @param reference The reference name ("" = none).
 * @param pattern The mailbox name pattern.
 * @param separator The hierarchy separator.
 * @returns The pattern to match full names against.
 *
 * @example The RFC's table
 * ```ts
 * import { resolveListPattern } from "./reference.ts";
 * console.log(resolveListPattern("archive/", "%", "/"));            // "archive/%"
 * console.log(resolveListPattern("#news.", "comp.mail.*", "."));    // "#news.comp.mail.*"
 * console.log(resolveListPattern("~smith/Mail/", "/usr/doc/foo", "/")); // "/usr/doc/foo"
 * ```
 */
export function resolveListPattern(
  reference: string,
  pattern: string,
  separator: string,
): string {
  if (reference === "") return pattern;
  if (pattern.startsWith("#") || pattern.startsWith("~")) return pattern;
  if (separator !== "" && pattern.startsWith(separator)) return pattern;
  return reference + pattern;
}

/**
 * The root name returned for `LIST reference ""` (RFC 3501 §6.3.8): the
 * reference up to and including its first separator when the reference is
 * rooted (starts with the separator, a `#` namespace or `~`), else "".
 *
 * @param reference The reference name.
 * @param separator The hierarchy separator.
 * @returns The root name for the hierarchy-delimiter response.
 *
 * @example The RFC's examples
 * ```ts
 * import { listRootName } from "./reference.ts";
 * console.log(listRootName("", "/"));                     // ""
 * console.log(listRootName("#news.comp.mail.misc", ".")); // "#news."
 * console.log(listRootName("/usr/staff/jones", "/"));     // "/"
 * console.log(listRootName("Archive/2009", "/"));         // ""
 * ```
 */
export function listRootName(reference: string, separator: string): string {
  if (reference === "" || separator === "") return "";
  const rooted = reference.startsWith(separator) || reference.startsWith("#") ||
    reference.startsWith("~");
  if (!rooted) return "";
  const at = reference.indexOf(separator);
  return at < 0 ? "" : reference.slice(0, at + separator.length);
}

/**
 * The LIST attribute names of a mailbox's flag bits, as the check and the
 * dump show them.
 *
 * @module
 */
import { MailboxFlags } from "../format/constants.ts";

/**
 * The LIST attribute names of a set of flag bits.
 *
 * @param flags {@linkcode MailboxFlags} bits.
 * @returns For example `["\\HasChildren", "\\Noselect"]`.
 *
 * @example Naming flags
 * ```ts
 * import { flagNames } from "./flags.ts";
 * console.log(flagNames(9)); // ["\\HasChildren", "\\NonExistent"]
 * ```
 */
export function flagNames(flags: number): string[] {
  const out: string[] = [];
  if (flags & MailboxFlags.Children) out.push("\\HasChildren");
  if (flags & MailboxFlags.NoChildren) out.push("\\HasNoChildren");
  if (flags & MailboxFlags.NoSelect) out.push("\\Noselect");
  if (flags & MailboxFlags.NonExistent) out.push("\\NonExistent");
  const rest = flags & ~0x0f;
  if (rest !== 0) out.push(`0x${rest.toString(16)}`);
  return out;
}

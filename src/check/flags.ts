/**
 * The LIST attribute names of a mailbox's flag bits, as the check and the
 * dump show them.
 *
 * @module
 */
import { MailboxFlags } from "../format/constants.ts";
import { SPECIAL_USE_MASK, specialUseAtoms } from "../format/special_use.ts";

/** The {@linkcode MailboxFlags} bits that have a name. */
const NAMED_FLAGS = 0x1f;

/**
 * The LIST attribute names of a set of flag bits: the mailbox attributes,
 * then the special-use ones (RFC 6154), then any other bits in hex.
 *
 * @param flags {@linkcode MailboxFlags} bits and special-use bits.
 * @returns For example `["\\HasChildren", "\\Noselect"]`.
 *
 * @example Naming flags
 * ```ts
 * import { flagNames } from "./flags.ts";
 * console.log(flagNames(9)); // ["\\HasChildren", "\\NonExistent"]
 * console.log(flagNames(0x2002)); // ["\\HasNoChildren", "\\Sent"]
 * ```
 */
export function flagNames(flags: number): string[] {
  const out: string[] = [];
  if (flags & MailboxFlags.Children) out.push("\\HasChildren");
  if (flags & MailboxFlags.NoChildren) out.push("\\HasNoChildren");
  if (flags & MailboxFlags.NoSelect) out.push("\\Noselect");
  if (flags & MailboxFlags.NonExistent) out.push("\\NonExistent");
  if (flags & MailboxFlags.NoInferiors) out.push("\\NoInferiors");
  out.push(...specialUseAtoms(flags));
  const rest = flags & ~(NAMED_FLAGS | SPECIAL_USE_MASK);
  if (rest !== 0) out.push(`0x${rest.toString(16)}`);
  return out;
}

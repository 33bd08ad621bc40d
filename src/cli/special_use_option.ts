/**
 * The `--special-use NAME=FLAG` option of `rebuild` and `sync` (SPEC §12,
 * RFC 6154): the special-use attributes of named mailboxes, given once per
 * attribute, read into bits per name, and handed to the store scanners as
 * their `specialUse` name map.
 *
 * @module
 */
import { specialUseAtoms } from "../format/special_use.ts";
import { resolveSpecialUse } from "../scan/special_use.ts";
import type { SpecialUseMap } from "../scan/types.ts";
import type { CommandContext } from "./command.ts";
import { UsageError } from "./errors.ts";
import { stringList } from "./options.ts";
import type { MailboxInput } from "./sync_index.ts";

/**
 * The option, for a command's option table.
 *
 * @example A command's options
 * ```ts
 * import { SPECIAL_USE_OPTION } from "./special_use_option.ts";
 * console.log(Object.keys({ index: { type: "string" }, ...SPECIAL_USE_OPTION })); // ["index", "special-use"]
 * ```
 */
export const SPECIAL_USE_OPTION: Readonly<Record<"special-use", { type: "string"; multiple: true }>> = Object.freeze({
  "special-use": { type: "string", multiple: true },
});

/**
 * The option's help lines.
 *
 * @example In a command's help
 * ```ts
 * import { SPECIAL_USE_HELP } from "./special_use_option.ts";
 * console.log(SPECIAL_USE_HELP.startsWith("  --special-use")); // true
 * ```
 */
export const SPECIAL_USE_HELP = `  --special-use NAME=FLAG
                       give mailbox NAME the special-use attribute FLAG (RFC 6154:
                       \\All \\Archive \\Drafts \\Flagged \\Junk \\Sent \\Trash; the
                       backslash may be left out); repeat it for more attributes or
                       mailboxes; "NAME=" clears NAME's attributes`;

/**
 * The special-use bits the command line gives, by mailbox name.
 *
 * @param ctx The command's context.
 * @returns Name → bits (several attributes of one name ORed; "NAME=" alone gives 0), in the order first named; INBOX in any case is "INBOX", as the scanners' map has it.
 * @throws UsageError for a value without "=", without a name, or with an attribute that is not one of the seven.
 *
 * @example Two attributes of one folder
 * ```ts ignore
 * // --special-use 'Sent=\Sent' --special-use Sent=Flagged
 * specialUseOption(ctx); // Map { "Sent" => 0x2800 }
 * ```
 */
export function specialUseOption(ctx: CommandContext): Map<string, number> {
  const atoms: Record<string, string[]> = {};
  for (const value of stringList(ctx, "special-use")) {
    const eq = value.lastIndexOf("=");
    if (eq <= 0) {
      throw new UsageError(`Invalid --special-use ${JSON.stringify(value)}: expected NAME=FLAG, for example "Sent=\\Sent"`);
    }
    const name = value.slice(0, eq), flag = value.slice(eq + 1);
    (atoms[name] ??= []).push(...(flag === "" ? [] : [flag]));
  }
  try {
    return resolveSpecialUse(atoms) ?? new Map();
  } catch (e) {
    if (!(e instanceof RangeError)) throw e;
    throw new UsageError(`Invalid --special-use: ${e.message}`);
  }
}

/**
 * The same bits as the store scanners' `specialUse` name map (names with
 * no attribute are left out: the scanners mark only what the map names).
 *
 * @param bits Name → bits.
 * @returns Name → atoms, or undefined when no name has any.
 *
 * @example The map of a Sent folder
 * ```ts
 * import { scannerSpecialUse } from "./special_use_option.ts";
 * console.log(scannerSpecialUse(new Map([["Sent", 0x2000], ["Old", 0]]))); // { Sent: ["\\Sent"] }
 * ```
 */
export function scannerSpecialUse(bits: ReadonlyMap<string, number>): SpecialUseMap | undefined {
  const map: Record<string, string[]> = {};
  let any = false;
  for (const [name, b] of bits) {
    if (b === 0) continue;
    map[name] = specialUseAtoms(b);
    any = true;
  }
  return any ? map : undefined;
}

/**
 * Give the named mailboxes among those read their `--special-use` bits, as
 * records (`specialUse` 0 clears); a name none of them has is reported.
 *
 * @param mailboxes The mailboxes read (changed in place).
 * @param bits Name → bits from {@linkcode specialUseOption}.
 * @param warn Where a name that was not read is reported.
 * @returns The same array.
 *
 * @example A name list with a Sent folder
 * ```ts
 * import { markSpecialUse } from "./special_use_option.ts";
 * console.log(markSpecialUse(["INBOX", "Sent"], new Map([["Sent", 0x2000]]), console.warn)[1]); // { name: "Sent", specialUse: 8192 }
 * ```
 */
export function markSpecialUse(
  mailboxes: MailboxInput[],
  bits: ReadonlyMap<string, number>,
  warn: (message: string) => void,
): MailboxInput[] {
  if (bits.size === 0) return mailboxes;
  const found = new Set<string>();
  for (let i = 0; i < mailboxes.length; i++) {
    const m = mailboxes[i];
    const name = typeof m === "string" ? m : m.name;
    const b = bits.get(name);
    if (b === undefined) continue;
    mailboxes[i] = typeof m === "string" ? { name, specialUse: b } : { ...m, specialUse: b };
    found.add(name);
  }
  for (const name of bits.keys()) {
    if (!found.has(name)) warn(`--special-use names ${JSON.stringify(name)}, which was not read: it is ignored`);
  }
  return mailboxes;
}

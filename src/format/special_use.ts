/**
 * Special-use attributes (RFC 6154, SPEC §12): the one table of their
 * attribute atoms and the bits that carry them. The bits live in bits 8–14
 * of an attribute entry's flags word, above the {@linkcode MailboxFlags}
 * bits (0–7), and travel in the `flags` of every mailbox readers report.
 *
 * @example From atoms to bits and back
 * ```ts
 * import { specialUseAtoms, specialUseBits } from "./special_use.ts";
 * const bits = specialUseBits(["\\Sent", "\\Archive"]);
 * console.log(specialUseAtoms(bits)); // ["\\Archive", "\\Sent"]
 * ```
 *
 * @module
 */
/** Special-use attribute bits (RFC 6154 §2), as they appear in a mailbox's `flags`. */
export const SpecialUse = {
  /** `\All`: every message of the account. */
  All: 0x100,
  /** `\Archive`: archived messages. */
  Archive: 0x200,
  /** `\Drafts`: drafts. */
  Drafts: 0x400,
  /** `\Flagged`: flagged messages. */
  Flagged: 0x800,
  /** `\Junk`: junk mail. */
  Junk: 0x1000,
  /** `\Sent`: sent mail. */
  Sent: 0x2000,
  /** `\Trash`: deleted messages. */
  Trash: 0x4000,
} as const;

/** One of the {@linkcode SpecialUse} bits, or several ORed together. */
export type SpecialUse = number;

/** Every special-use bit. */
export const SPECIAL_USE_MASK = 0x7f00;

/** The atoms in bit order (`\All` is bit 8). */
const ATOMS = ["\\All", "\\Archive", "\\Drafts", "\\Flagged", "\\Junk", "\\Sent", "\\Trash"] as const;

/**
 * The special-use atoms of a flags word, in RFC 6154 order (the order of
 * the bits).
 *
 * @param flags A flags word; bits outside {@linkcode SPECIAL_USE_MASK} are ignored.
 * @returns The atoms, such as `["\\Sent"]`; empty when none is set.
 *
 * @example A Trash folder
 * ```ts
 * import { SpecialUse, specialUseAtoms } from "./special_use.ts";
 * console.log(specialUseAtoms(SpecialUse.Trash | 4)); // ["\\Trash"]
 * ```
 */
export function specialUseAtoms(flags: number): string[] {
  const out: string[] = [];
  if ((flags & SPECIAL_USE_MASK) === 0) return out;
  for (let i = 0; i < ATOMS.length; i++) {
    if ((flags & (0x100 << i)) !== 0) out.push(ATOMS[i]);
  }
  return out;
}

/**
 * The bit of one special-use atom, matched case-insensitively as IMAP atoms
 * are; the leading backslash may be left out (`"Sent"`).
 *
 * @param atom An attribute such as `"\\Sent"`.
 * @returns Its bit, or 0 when it is not a special-use attribute.
 *
 * @example Atoms in any case
 * ```ts
 * import { specialUseBit } from "./special_use.ts";
 * console.log(specialUseBit("\\sent"), specialUseBit("Trash"), specialUseBit("\\Marked")); // 8192 16384 0
 * ```
 */
export function specialUseBit(atom: string): number {
  const key = (atom.startsWith("\\") ? atom : "\\" + atom).toLowerCase();
  for (let i = 0; i < ATOMS.length; i++) {
    if (ATOMS[i].toLowerCase() === key) return 0x100 << i;
  }
  return 0;
}

/**
 * The bits of a list of special-use atoms.
 *
 * @param atoms Attributes such as `["\\Sent"]` (see {@linkcode specialUseBit}).
 * @param what What the atoms belong to, for the error (a mailbox name or an option).
 * @returns The bits ORed together.
 * @throws {RangeError} When an atom is not one of RFC 6154's seven.
 *
 * @example An unknown atom is refused
 * ```ts
 * import { specialUseBits } from "./special_use.ts";
 * try { specialUseBits(["\\Outbox"], "Out"); } catch (e) { console.log((e as Error).message); }
 * // Special-use attribute "\\Outbox" of "Out" is not one of \All \Archive \Drafts \Flagged \Junk \Sent \Trash
 * ```
 */
export function specialUseBits(atoms: Iterable<string>, what = ""): number {
  let bits = 0;
  for (const atom of atoms) {
    const bit = specialUseBit(atom);
    if (bit === 0) {
      throw new RangeError(
        `Special-use attribute ${JSON.stringify(atom)}${what === "" ? "" : ` of ${JSON.stringify(what)}`} is not one of ${
          ATOMS.join(" ")
        }`,
      );
    }
    bits |= bit;
  }
  return bits;
}

/**
 * The special-use bits of a value given either way: bits (checked to be
 * {@linkcode SpecialUse} bits only) or atoms ({@linkcode specialUseBits}).
 *
 * @param value Bits, or atoms such as `["\\Sent"]`.
 * @param what What the value belongs to, for the error (a mailbox name or an option).
 * @returns The bits.
 * @throws {RangeError} For a number with other bits, or an atom that is not one of RFC 6154's seven.
 *
 * @example Both forms
 * ```ts
 * import { SpecialUse, specialUseOf } from "./special_use.ts";
 * console.log(specialUseOf(SpecialUse.Junk) === specialUseOf(["Junk"])); // true
 * ```
 */
export function specialUseOf(value: number | Iterable<string>, what = ""): number {
  if (typeof value !== "number") return specialUseBits(value, what);
  if (!Number.isInteger(value) || (value & ~SPECIAL_USE_MASK) !== 0 || value < 0) {
    throw new RangeError(
      `Special-use bits ${JSON.stringify(value)}${what === "" ? "" : ` of ${JSON.stringify(what)}`} are not a combination of the SpecialUse bits`,
    );
  }
  return value;
}

/**
 * A special-use name map: full mailbox names (with the names' separator;
 * INBOX in any case) to one RFC 6154 attribute or several.
 *
 * @example Three folders
 * ```ts
 * import type { SpecialUseMap } from "./special_use.ts";
 * const map: SpecialUseMap = { Sent: "\\Sent", "Gelöschte Elemente": "\\Trash", Archiv: ["\\Archive", "\\All"] };
 * ```
 */
export type SpecialUseMap = Record<string, string | readonly string[]>;

/**
 * Check a special-use map and turn it into bits per name, before a scan
 * reads anything.
 *
 * @param map The map (undefined: none).
 * @returns The bits of each name (INBOX under "INBOX"), or undefined when there is no map.
 * @throws {RangeError} When an attribute is not one of RFC 6154's seven (the message names the attribute and the mailbox).
 * @throws {TypeError} When the map or one of its values is not of the documented form.
 *
 * @example Bits per name
 * ```ts
 * import { resolveSpecialUse } from "./special_use.ts";
 * console.log(resolveSpecialUse({ Sent: "\\Sent", inbox: [] })); // Map(2) { "Sent" => 8192, "INBOX" => 0 }
 * try {
 *   resolveSpecialUse({ Out: "\\Outbox" });
 * } catch (e) {
 *   console.log((e as Error).message);
 *   // Special-use attribute "\\Outbox" of "Out" is not one of \All \Archive \Drafts \Flagged \Junk \Sent \Trash
 * }
 * ```
 */
export function resolveSpecialUse(map: SpecialUseMap | undefined): Map<string, number> | undefined {
  if (map === undefined) return undefined;
  if (typeof map !== "object" || map === null || Array.isArray(map)) {
    throw new TypeError(`The special-use map must be an object of names to attributes, not ${JSON.stringify(map)}`);
  }
  const out = new Map<string, number>();
  for (const [name, value] of Object.entries(map)) {
    const atoms = typeof value === "string" ? [value] : value;
    if (!Array.isArray(atoms) || atoms.some((a) => typeof a !== "string")) {
      throw new TypeError(
        `The special-use attributes of ${JSON.stringify(name)} must be a string or an array of strings, not ${JSON.stringify(value)}`,
      );
    }
    const key = /^inbox$/i.test(name) ? "INBOX" : name;
    out.set(key, (out.get(key) ?? 0) | specialUseBits(atoms, name));
  }
  return out;
}

/**
 * Special-use attributes (RFC 6154) from a scanner's name map (SPEC §12):
 * `{ Sent: "\\Sent", Trash: ["\\Trash"] }` marks the scanned mailboxes of
 * those names with the bits of `format/special_use.ts`, which a sync or a
 * rebuild then keeps.
 *
 * @module
 */
import { specialUseBits } from "../format/special_use.ts";
import type { ScannedMailbox, SpecialUseMap } from "./types.ts";

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

/**
 * Mark a scanned mailbox with its special-use bits, when the map names it
 * with at least one attribute.
 *
 * @param m The mailbox, as a scanner reports it.
 * @param bits The bits per name, from {@linkcode resolveSpecialUse}.
 * @returns Nothing; `m.specialUse` is set.
 *
 * @example A Sent folder
 * ```ts
 * import { applySpecialUse, resolveSpecialUse } from "./special_use.ts";
 * const m = { name: "Sent", selectable: true } as { name: string; selectable: boolean; specialUse?: number };
 * applySpecialUse(m, resolveSpecialUse({ Sent: "\\Sent" }));
 * console.log(m.specialUse); // 8192
 * ```
 */
export function applySpecialUse(m: ScannedMailbox, bits: Map<string, number> | undefined): void {
  if (bits === undefined) return;
  const b = bits.get(m.name);
  if (b !== undefined && b !== 0) m.specialUse = b;
}

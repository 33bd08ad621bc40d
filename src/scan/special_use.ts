/**
 * Special-use attributes (RFC 6154) from a scanner's name map (SPEC §12):
 * `{ Sent: "\\Sent", Trash: ["\\Trash"] }` marks the scanned mailboxes of
 * those names with the bits of `format/special_use.ts`, which a sync or a
 * rebuild then keeps.
 *
 * @module
 */
import type { ScannedMailbox } from "./types.ts";

export { resolveSpecialUse, type SpecialUseMap } from "../format/special_use.ts";

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

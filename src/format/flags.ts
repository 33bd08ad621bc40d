/**
 * The one flag rule of a sync (SPEC §4 rules 2–4, 8, 9): which flag bits
 * the tree gives a mailbox, and what a sync makes of the flags a mailbox
 * had. A sync owns CHILDREN and NONEXISTENT — it derives them from the tree
 * and from the names it was given — and CHILDREN clears NOCHILDREN; it adds
 * the bits its caller gives; every other bit (NOCHILDREN, NOSELECT,
 * NOINFERIORS 0x10 and the bits 0x20–0x80 no rule names) stays as it was.
 * The sync engine, the bulk
 * sync, the rebuild and the tree builder all use these functions.
 *
 * @example A mailbox with a bit no rule names, reported again with a child
 * ```ts
 * import { SYNC_OWNED_FLAGS, syncedFlags, treeFlags } from "./flags.ts";
 * console.log(syncedFlags(0x40 | 2, treeFlags(true, true), SYNC_OWNED_FLAGS)); // 65
 * ```
 *
 * @module
 */
import { MailboxFlags } from "./constants.ts";
import { SPECIAL_USE_MASK } from "./special_use.ts";

/**
 * The {@linkcode MailboxFlags} bits of a flags word (bits 0–7): what
 * `setFlags` replaces and `addFlags` adds.
 *
 * @example The special-use bits are not among them
 * ```ts
 * import { MAILBOX_FLAG_BITS } from "./flags.ts";
 * console.log((0x2000 | 4) & MAILBOX_FLAG_BITS); // 4
 * ```
 */
export const MAILBOX_FLAG_BITS = 0xff;

/**
 * Every flag bit an attribute entry's flags word keeps per mailbox: the
 * {@linkcode MailboxFlags} bits (0–7) and the special-use bits (8–14,
 * {@linkcode SPECIAL_USE_MASK}). A sync owns none of the special-use bits.
 *
 * @example A Sent folder with children
 * ```ts
 * import { FLAG_BITS } from "./flags.ts";
 * console.log(((0x80000000 | 0x2000 | 1) & FLAG_BITS).toString(16)); // "2001"
 * ```
 */
export const FLAG_BITS: number = MAILBOX_FLAG_BITS | SPECIAL_USE_MASK;

/**
 * The flag bits a sync owns: it derives them from the tree (CHILDREN) and
 * from whether a name was reported as a mailbox (NONEXISTENT).
 *
 * @example A sync's bits
 * ```ts
 * import { SYNC_OWNED_FLAGS } from "./flags.ts";
 * console.log(SYNC_OWNED_FLAGS); // 9
 * ```
 */
export const SYNC_OWNED_FLAGS: number = MailboxFlags.Children | MailboxFlags.NonExistent;

/**
 * The bits the tree gives a mailbox: CHILDREN when it has live children,
 * NONEXISTENT when it was not reported as a mailbox (only as a parent).
 * A new mailbox has these flags, plus the bits its caller gives.
 *
 * @param hasChildren Whether it has live children.
 * @param reported Whether its own name was reported (not only as a parent).
 * @returns The bits.
 *
 * @example A parent nobody reported
 * ```ts
 * import { treeFlags } from "./flags.ts";
 * console.log(treeFlags(true, false)); // 9
 * ```
 */
export function treeFlags(hasChildren: boolean, reported: boolean): number {
  return (hasChildren ? MailboxFlags.Children : 0) | (reported ? 0 : MailboxFlags.NonExistent);
}

/**
 * The flags a sync gives a mailbox that had `old`: of the bits it owns, those
 * in `decided` come from `tree` (the others stay); CHILDREN clears
 * NOCHILDREN; then the caller's `added` bits are set. Every bit the sync
 * does not own stays as it was.
 *
 * @param old The mailbox's flags before the sync (0 for a new one).
 * @param tree The bits the tree gives it ({@linkcode treeFlags}).
 * @param decided Which owned bits this sync decides: {@linkcode SYNC_OWNED_FLAGS},
 *   or only CHILDREN where it leaves NONEXISTENT as it was.
 * @param added Bits the caller adds (for example NOSELECT).
 * @returns The new flags.
 *
 * @example A reported leaf that was a placeholder with a caller's bit
 * ```ts
 * import { SYNC_OWNED_FLAGS, syncedFlags, treeFlags } from "./flags.ts";
 * console.log(syncedFlags(0x10 | 8, treeFlags(false, true), SYNC_OWNED_FLAGS)); // 16
 * ```
 */
export function syncedFlags(old: number, tree: number, decided: number, added = 0): number {
  const f = (old & ~decided) | (tree & decided);
  return ((f & MailboxFlags.Children) !== 0 ? f & ~MailboxFlags.NoChildren : f) | added;
}

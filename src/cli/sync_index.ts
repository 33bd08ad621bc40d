/**
 * Syncing scanned mailboxes into an index for the command-line tool, with
 * the `\Noselect` flag and the STATUS cache of every mailbox. (A whole new
 * index comes from the library's `rebuild`.)
 *
 * @module
 */
import { MailboxFlags } from "../format/constants.ts";
import { NoSuchMailboxError } from "../format/errors.ts";
import { MAILBOX_FLAG_BITS } from "../format/flags.ts";
import { MailboxListIndex, type SyncResult } from "../index/index.ts";
import type { SyncOptions } from "../index/sync.ts";
import type { MailboxStatus } from "../format/types.ts";

/**
 * One mailbox to index: a name, or a name with whether it is selectable and
 * its STATUS figures (what the store scanners yield).
 *
 * @example Both forms
 * ```ts
 * import type { MailboxInput } from "./sync_index.ts";
 * const a: MailboxInput = "Archive/2009";
 * const b: MailboxInput = { name: "Shared", selectable: false };
 * const c: MailboxInput = { name: "Sent", specialUse: 0x2000 };
 * ```
 */
export type MailboxInput = string | {
  name: string;
  selectable?: boolean;
  status?: MailboxStatus;
  specialUse?: number;
  /** The mailbox GUID (the uidlist header's `G`, SPEC §12). */
  guid?: string;
};

/**
 * Parents among a set of names: every proper prefix ending before a
 * separator.
 *
 * @param names Full names.
 * @param separator The separator.
 * @returns The names that have at least one child in the set.
 *
 * @example Which names are parents
 * ```ts
 * import { parentsOf } from "./sync_index.ts";
 * console.log([...parentsOf(["a/b/c", "d"], "/")]); // ["a", "a/b"]
 * ```
 */
export function parentsOf(names: Iterable<string>, separator: string): Set<string> {
  const out = new Set<string>();
  for (const name of names) {
    for (let i = name.indexOf(separator); i > 0; i = name.indexOf(separator, i + 1)) out.add(name.slice(0, i));
  }
  return out;
}

function nameOf(m: MailboxInput): string {
  return typeof m === "string" ? m : m.name;
}

/**
 * Options of {@linkcode syncIndex}: the sync's own options plus where
 * warnings go.
 *
 * @example Options for a partial sync
 * ```ts
 * import type { SyncIndexOptions } from "./sync_index.ts";
 * const opts: SyncIndexOptions = { recursive: true, separator: "." };
 * ```
 */
export interface SyncIndexOptions extends SyncOptions {
  /** Separator for a new index (an existing one keeps its own). */
  separator?: string;
  /** Where warnings go. */
  onWarning?: (message: string) => void;
  /**
   * Folders the scan could not read completely: each is kept as it is with
   * its whole subtree (`SyncContext.keep`).
   */
  keep?: readonly string[];
  /**
   * Special-use bits by mailbox name (`--special-use`), set after every
   * mailbox is added; a name that is not a mailbox of the index is skipped
   * with a warning. Scanned records carry their own as `specialUse`.
   */
  specialUse?: ReadonlyMap<string, number>;
  /** The whole subscription set to put in place (a store's own subscriptions file). */
  subscriptions?: readonly string[];
}

/**
 * Sync an index (created when missing) with the mailboxes a store reports:
 * every name is added; a non-selectable one gets `\Noselect` and a
 * selectable one loses it; STATUS figures go into the cache, special-use
 * bits (a record's `specialUse`, then `options.specialUse`) replace the
 * mailbox's, and `options.subscriptions` replaces the subscription set.
 *
 * The sync API can only replace a mailbox's flags as a whole, after the
 * sync's own rules, so `\HasChildren` of a mailbox whose `\Noselect`
 * changes is worked out here: set when the reported names include a
 * child, or when the mailbox has children in the index now and the sync
 * is not a full recursive one (which would delete the unreported ones) or
 * the mailbox lies in a kept subtree. Mailboxes whose `\Noselect` does not
 * change keep the flags the sync computes. The folders in `keep` stay as
 * they are with their whole subtrees.
 *
 * @param path Path of the list file.
 * @param mailboxes The mailboxes the store has.
 * @param options Path, partial, recursive, separator, warnings, folders to keep.
 * @returns What the commit did, and the number of mailboxes afterwards.
 *
 * @example Syncing from names
 * ```ts
 * import { syncIndex } from "./sync_index.ts";
 * import { mkdtempSync, rmSync } from "node:fs";
 * import { tmpdir } from "node:os";
 * const dir = mkdtempSync(tmpdir() + "/mli-");
 * const r = await syncIndex(dir + "/u.mlist", ["INBOX", "Sent"], { recursive: true });
 * console.log(r.added); // 2
 * rmSync(dir, { recursive: true });
 * ```
 */
export async function syncIndex(
  path: string,
  mailboxes: readonly MailboxInput[],
  options: SyncIndexOptions = {},
): Promise<SyncResult & { total: number }> {
  const index = await MailboxListIndex.open(path, { separator: options.separator, onWarning: options.onWarning });
  try {
    const sep = index.separator;
    const keep = options.keep ?? [];
    // A kept folder is there, with its parents.
    const parents = parentsOf([...mailboxes.map(nameOf), ...keep], sep);
    const kept = (name: string) => keep.some((k) => name === k || name.startsWith(k + sep));
    const keepsExisting = options.partial === true || options.recursive !== true;
    const ctx = await index.syncBegin({ path: options.path, partial: options.partial, recursive: options.recursive });
    let result: SyncResult;
    try {
      for (const m of mailboxes) {
        const name = nameOf(m);
        const uid = ctx.add(name);
        if (typeof m === "string") continue;
        const noselect = m.selectable === false;
        let before: number | undefined;
        try {
          before = index.flags(name);
        } catch {
          before = undefined;
        }
        const had = before !== undefined && (before & MailboxFlags.NoSelect) !== 0;
        if (noselect || had) {
          let children = parents.has(name);
          if (!children && (keepsExisting || kept(name)) && before !== undefined) {
            for (const _ of index.iterate(name, { depth: 0 })) {
              children = true;
              break;
            }
          }
          const flags = (noselect ? MailboxFlags.NoSelect : 0) | (children ? MailboxFlags.Children : 0);
          if (flags !== ((before ?? 0) & MAILBOX_FLAG_BITS)) ctx.setFlags(uid, flags);
        }
        if (m.status !== undefined) ctx.setStatus(uid, m.status);
        if (m.specialUse !== undefined) ctx.setSpecialUse(uid, m.specialUse);
        if (m.guid !== undefined) ctx.setGuid(uid, m.guid);
      }
      for (const name of keep) ctx.keep(name);
      for (const [name, bits] of options.specialUse ?? []) {
        try {
          ctx.setSpecialUse(name, bits);
        } catch (e) {
          if (!(e instanceof NoSuchMailboxError)) throw e;
          options.onWarning?.(`${e.message}; its special-use attributes are not set`);
        }
      }
      if (options.subscriptions !== undefined) ctx.setSubscriptions(options.subscriptions);
      result = await ctx.commit();
    } catch (e) {
      await ctx.rollback();
      throw e;
    }
    let total = 0;
    for (const _ of index.iterate()) total++;
    return { ...result, total };
  } finally {
    await index.close();
  }
}

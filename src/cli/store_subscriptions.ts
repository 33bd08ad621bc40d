/**
 * A store's own subscriptions for `sync` and `rebuild` (SPEC §12): the
 * `subscriptions` file Dovecot keeps at the root of a Maildir++ or fs
 * store, through the scanners' `readStoreSubscriptions` (each name checked
 * as the index checks subscribed names, one it cannot hold left out with a
 * warning).
 *
 * @module
 */
import { readStoreSubscriptions } from "../scan/subscriptions.ts";
import type { CommandContext } from "./command.ts";
import type { Source } from "./source.ts";

/**
 * The subscriptions of the store a command scans.
 *
 * @param ctx The command's context (warnings, the scan seam).
 * @param source The source of the mailboxes.
 * @param separator The index's separator.
 * @returns The names, in their canonical spelling; undefined for a name list, or a store without the file (or whose file cannot be read, with a warning).
 *
 * @example Importing a Maildir++ store's subscriptions
 * ```ts ignore
 * const subscriptions = await storeSubscriptions(ctx, { kind: "maildir", dir: "/home/u/Maildir" }, "/");
 * ```
 */
export function storeSubscriptions(
  ctx: CommandContext,
  source: Source,
  separator: string,
): Promise<string[] | undefined> {
  if (source.kind === "list") return Promise.resolve(undefined);
  return readStoreSubscriptions(source.kind, source.dir, separator, {
    utf8Names: source.utf8Names === true,
    fs: ctx.scanFs,
    onWarning: ctx.warn,
  });
}

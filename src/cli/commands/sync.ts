/**
 * `sync`: bring an index (created when missing) up to date with a mail
 * store or a name list.
 *
 * @module
 */
import { MailboxListIndex } from "../../index/index.ts";
import type { Command, CommandContext } from "../command.ts";
import { noPositionals, optionalString, requireString, separatorOption } from "../options.ts";
import { seconds } from "../output.ts";
import { PROGRAM } from "../program.ts";
import { scanSource, SOURCE_HELP, SOURCE_OPTIONS, sourceOption } from "../source.ts";
import { quoteNames } from "../../rebuild/incomplete_scan.ts";
import { syncIndex } from "../sync_index.ts";
import { scannerSpecialUse, SPECIAL_USE_HELP, SPECIAL_USE_OPTION, specialUseOption } from "../special_use_option.ts";
import { storeSubscriptions } from "../store_subscriptions.ts";

/** The separator of the index at `index` when it can be opened, else `fallback`. */
async function separatorOf(index: string, fallback: string): Promise<string> {
  try {
    const existing = await MailboxListIndex.open(index, { readonly: true, onWarning: () => {} });
    const separator = existing.separator;
    await existing.close();
    return separator;
  } catch {
    // A missing or damaged index: the sync creates or rebuilds it.
    return fallback;
  }
}

async function run(ctx: CommandContext): Promise<number> {
  noPositionals(ctx);
  const index = requireString(ctx, "index");
  const source = sourceOption(ctx);
  const path = optionalString(ctx, "path");
  const partial = ctx.values.partial === true;
  const recursive = ctx.values.recursive === true;
  const wanted = separatorOption(ctx);
  const specialUse = specialUseOption(ctx);
  // The names must come with the index's own separator.
  const separator = await separatorOf(index, wanted ?? "/");
  const scan = await scanSource(ctx, source, separator, scannerSpecialUse(specialUse));
  const subscriptions = await storeSubscriptions(ctx, source, separator);
  const keep = scan.incomplete;
  if (keep.length > 0) {
    ctx.warn(
      `${keep.length} folder(s) could not be read (${quoteNames(keep)}): the sync of "${index}" keeps them ` +
        "and everything under them as they were",
    );
  }
  const started = Date.now();
  const r = await syncIndex(index, scan.mailboxes, {
    path,
    partial,
    recursive,
    separator: wanted,
    onWarning: ctx.warn,
    keep,
    specialUse,
    subscriptions,
  });
  ctx.out.line(
    `Synced "${index}": ${r.added} added, ${r.deleted} deleted, ${r.total} mailboxes` +
      (r.compressed ? " (compressed)" : "") + ` in ${seconds(Date.now() - started + scan.ms)}`,
  );
  if (subscriptions !== undefined) {
    ctx.out.line(`Subscriptions of "${index}": ${subscriptions.length}, from the store's subscriptions file`);
  }
  return 0;
}

/**
 * The `sync` command.
 *
 * @example Its usage line
 * ```ts
 * import { syncCommand } from "./sync.ts";
 * console.log(syncCommand.usage);
 * ```
 */
export const syncCommand: Command = {
  summary: "bring an index up to date with a mail store or a name list",
  usage: `${PROGRAM} sync --index FILE (--maildir DIR | --fs DIR | --from-list FILE|-) [options]`,
  help: `Reconcile the index (created when missing) with the mailboxes the store really has:
new ones are added, and unless --partial, ones that are gone are deleted. \\Noselect
and the STATUS cache follow the store. A store's own subscriptions file (Dovecot's
"subscriptions" at its root) replaces the index's subscriptions; without one they
stay as they are. Special-use attributes stay as they are unless --special-use
names them.

${SOURCE_HELP}

Options:
  --index FILE         the index to sync
  --path P             only the subtree under mailbox P (names outside it are an error)
  --partial            only add, never delete
  --recursive          check every level under the path for deletions (default: only
                       the path's own level)
  --separator S        separator for a new index (default "/"; an existing index keeps its own)
${SPECIAL_USE_HELP}
  -h, --help           show this help

When the scan cannot read some folder (a directory that fails to list), that folder
and everything under it are kept in the index as they were, with a warning naming
them: nothing is deleted for a folder that is only unreadable. A store root that
cannot be read is an error.`,
  options: {
    index: { type: "string" },
    ...SOURCE_OPTIONS,
    path: { type: "string" },
    partial: { type: "boolean" },
    recursive: { type: "boolean" },
    separator: { type: "string" },
    ...SPECIAL_USE_OPTION,
  },
  run,
};

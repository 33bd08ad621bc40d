/**
 * `rename`: move a mailbox and its whole subtree to a new name in one
 * commit (SPEC §11, IMAP RENAME), keeping every UID.
 *
 * @module
 */
import { RenameError } from "../../format/errors.ts";
import { MailboxListIndex } from "../../index/index.ts";
import type { Command, CommandContext } from "../command.ts";
import { CliError, UsageError } from "../errors.ts";
import { requireIndexFile } from "../index_file.ts";
import { requireString } from "../options.ts";
import { PROGRAM } from "../program.ts";

/** Rename FROM to TO and report what moved. */
async function rename(ctx: CommandContext): Promise<number> {
  const path = requireString(ctx, "index");
  if (ctx.positionals.length !== 2) {
    throw new UsageError(`Expected the names FROM and TO, got ${ctx.positionals.length} name${ctx.positionals.length === 1 ? "" : "s"}`);
  }
  const [from, to] = ctx.positionals;
  await requireIndexFile(path);
  const index = await MailboxListIndex.open(path, { onWarning: ctx.warn });
  try {
    const sep = index.separator;
    const inbox = from.split(sep).filter((c) => c !== "").join(sep).toUpperCase() === "INBOX";
    const uid = index.lookup(from);
    try {
      await index.rename(from, to);
    } catch (e) {
      // The response code an IMAP server would send with its NO.
      if (e instanceof RenameError) throw new CliError(`[${e.imapCode}] ${e.message}`, 1);
      throw e;
    }
    const under = [...index.iterate(to)].length;
    const what = inbox
      ? `a new mailbox with UID ${index.lookup(to)}; INBOX stays`
      : `UID ${uid} kept${under === 0 ? "" : `, with the ${under} mailbox${under === 1 ? "" : "es"} under it`}`;
    ctx.out.line(`Renamed ${JSON.stringify(from)} to ${JSON.stringify(to)} in "${path}": ${what}`);
    return 0;
  } finally {
    await index.close();
  }
}

/**
 * The `rename` command.
 *
 * @example Its usage line
 * ```ts
 * import { renameCommand } from "./rename.ts";
 * console.log(renameCommand.usage);
 * ```
 */
export const renameCommand: Command = {
  summary: "rename a mailbox and everything under it, keeping UIDs",
  usage: `${PROGRAM} rename --index FILE FROM TO`,
  help: `Move the mailbox FROM (or a \\NonExistent parent) and every mailbox under it to the
name TO, in one commit (IMAP RENAME). Every moved mailbox keeps its UID, flags,
STATUS, special-use and subscription; only two directories of the index are
written, however many mailboxes move. Missing parents of TO are created as
\\NonExistent placeholders; a placeholder at TO is taken over, its children
joining FROM's; a placeholder FROM leaves empty goes. Renaming INBOX creates TO
as a new mailbox and leaves INBOX where it is.

Refused, with nothing changed (exit status 1): FROM does not exist, TO is a
mailbox, TO lies under FROM, FROM and a placeholder at TO have a child of one
name, or a name would pass a limit. The message gives the IMAP response code.

Options:
  --index FILE         the index (it must exist)
  -h, --help           show this help`,
  options: { index: { type: "string" } },
  run: rename,
};

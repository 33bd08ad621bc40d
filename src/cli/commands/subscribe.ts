/**
 * `subscribe` and `unsubscribe`: change the subscriptions kept with an
 * index (SPEC §12), in one commit.
 *
 * @module
 */
import { CorruptIndexError } from "../../format/errors.ts";
import { checkedName, DEFAULT_LIMITS } from "../../format/limits.ts";
import { separatorByte } from "../../format/name_codec.ts";
import { MailboxListIndex } from "../../index/index.ts";
import type { Command, CommandContext } from "../command.ts";
import { UsageError } from "../errors.ts";
import { requireIndexFile } from "../index_file.ts";
import { requireString } from "../options.ts";
import { PROGRAM } from "../program.ts";
import { quoteNames } from "../../rebuild/incomplete_scan.ts";

/** The subscriptions before the change (none readable: a damaged file, which the commit sets aside). */
function subscribedNow(index: MailboxListIndex): ReadonlySet<string> {
  try {
    return new Set(index.subscriptions());
  } catch (e) {
    if (!(e instanceof CorruptIndexError)) throw e;
    return new Set();
  }
}

/** Subscribe (`add`) or unsubscribe the names given, and report what changed. */
async function change(ctx: CommandContext, add: boolean): Promise<number> {
  const path = requireString(ctx, "index");
  if (ctx.positionals.length === 0) throw new UsageError("Missing the mailbox NAME");
  await requireIndexFile(path);
  const index = await MailboxListIndex.open(path, { onWarning: ctx.warn });
  try {
    const sync = await index.syncBegin({ partial: true });
    const names: string[] = [];
    let before: ReadonlySet<string>;
    try {
      for (const name of ctx.positionals) {
        if (add) sync.subscribe(name);
        else sync.unsubscribe(name);
        names.push(checkedName(name, separatorByte(index.separator), DEFAULT_LIMITS));
      }
      before = subscribedNow(index);
      await sync.commit();
    } finally {
      await sync.rollback();
    }
    const total = index.subscriptions().length;
    // Names that were already as asked: no-ops, and said so.
    const same = ctx.positionals.filter((_, i) => before.has(names[i]) === add);
    const changed = Math.abs(total - before.size);
    const verb = add ? "Subscribed" : "Unsubscribed";
    let line = `${verb} ${changed} name${changed === 1 ? "" : "s"} in "${path}", which has ${total} subscription${
      total === 1 ? "" : "s"
    }`;
    if (same.length > 0) line += `; ${add ? "already subscribed" : "not subscribed"}: ${quoteNames(same)}`;
    ctx.out.line(line);
    return 0;
  } finally {
    await index.close();
  }
}

const OPTIONS_HELP = `Options:
  --index FILE         the index (it must exist)
  -h, --help           show this help`;

/**
 * The `subscribe` command.
 *
 * @example Its usage line
 * ```ts
 * import { subscribeCommand } from "./subscribe.ts";
 * console.log(subscribeCommand.usage);
 * ```
 */
export const subscribeCommand: Command = {
  summary: "subscribe mailbox names (they need not exist)",
  usage: `${PROGRAM} subscribe --index FILE NAME...`,
  help: `Add each NAME to the subscriptions kept with the index (IMAP SUBSCRIBE), in one
commit. A name need not be a mailbox, and stays subscribed when its mailbox is
deleted. Names use the index's separator; "a//b" is kept as "a/b".

${OPTIONS_HELP}`,
  options: { index: { type: "string" } },
  run: (ctx) => change(ctx, true),
};

/**
 * The `unsubscribe` command.
 *
 * @example Its usage line
 * ```ts
 * import { unsubscribeCommand } from "./subscribe.ts";
 * console.log(unsubscribeCommand.usage);
 * ```
 */
export const unsubscribeCommand: Command = {
  summary: "unsubscribe mailbox names",
  usage: `${PROGRAM} unsubscribe --index FILE NAME...`,
  help: `Remove each NAME from the subscriptions kept with the index (IMAP UNSUBSCRIBE), in
one commit. A name that is not subscribed changes nothing; the report names it.

${OPTIONS_HELP}`,
  options: { index: { type: "string" } },
  run: (ctx) => change(ctx, false),
};

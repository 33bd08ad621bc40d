/**
 * `subscriptions`: print the subscribed names kept with an index.
 *
 * @module
 */
import type { Command, CommandContext } from "../command.ts";
import { openReadonly } from "../index_file.ts";
import { noPositionals, requireString } from "../options.ts";
import { PROGRAM } from "../program.ts";

async function run(ctx: CommandContext): Promise<number> {
  noPositionals(ctx);
  const path = requireString(ctx, "index");
  const index = await openReadonly(ctx, path);
  try {
    for (const name of index.subscriptions()) ctx.out.line(name);
    return 0;
  } finally {
    await index.close();
  }
}

/**
 * The `subscriptions` command.
 *
 * @example Its usage line
 * ```ts
 * import { subscriptionsCommand } from "./subscriptions.ts";
 * console.log(subscriptionsCommand.usage);
 * ```
 */
export const subscriptionsCommand: Command = {
  summary: "print the subscribed names, one per line",
  usage: `${PROGRAM} subscriptions --index FILE`,
  help: `Print the names subscribed in the index (IMAP LSUB's set), one per line, sorted by
their UTF-8 bytes. They may name mailboxes that do not exist.

Options:
  --index FILE         the index to read
  --separator S        the index's separator (default: the one stored in the index)
  -h, --help           show this help`,
  options: { index: { type: "string" }, separator: { type: "string" } },
  run,
};

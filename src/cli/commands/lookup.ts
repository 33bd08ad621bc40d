/**
 * `lookup`: print the UID of one mailbox.
 *
 * @module
 */
import type { Command, CommandContext } from "../command.ts";
import { CliError, UsageError } from "../errors.ts";
import { openReadonly } from "../index_file.ts";
import { noPositionals, requireString } from "../options.ts";
import { PROGRAM } from "../program.ts";

async function run(ctx: CommandContext): Promise<number> {
  const path = requireString(ctx, "index");
  if (ctx.positionals.length === 0) throw new UsageError("Missing the mailbox NAME");
  noPositionals(ctx, 1);
  const name = ctx.positionals[0];
  const index = await openReadonly(ctx, path);
  try {
    const uid = index.lookup(name);
    if (uid === undefined) throw new CliError(`Mailbox ${JSON.stringify(name)} is not in index "${path}"`, 1);
    ctx.out.line(String(uid));
    return 0;
  } finally {
    await index.close();
  }
}

/**
 * The `lookup` command.
 *
 * @example Its usage line
 * ```ts
 * import { lookupCommand } from "./lookup.ts";
 * console.log(lookupCommand.usage);
 * ```
 */
export const lookupCommand: Command = {
  summary: "print the UID of one mailbox",
  usage: `${PROGRAM} lookup --index FILE NAME`,
  help: `Print the UID of mailbox NAME. Exit status 1 when the index does not hold it.

Options:
  --index FILE         the index to read
  --separator S        the index's separator (default: the one stored in the index)
  -h, --help           show this help`,
  options: { index: { type: "string" }, separator: { type: "string" } },
  run,
};

/**
 * `list`: answer an IMAP LIST from the index, as untagged responses or JSON.
 *
 * @module
 */
import { formatListResponse, formatStatusResponse, type ListEntry } from "../../imap/response.ts";
import type { Command, CommandContext } from "../command.ts";
import { openReadonly } from "../index_file.ts";
import { noPositionals, optionalString, requireString } from "../options.ts";
import { PROGRAM } from "../program.ts";

/** One entry of `--json`: its status only when it has one. */
function entryJson(e: ListEntry): Record<string, unknown> {
  const o: Record<string, unknown> = { name: e.name, attributes: e.attributes, uid: e.uid, flags: e.flags };
  if (e.status !== undefined) o.status = e.status;
  return o;
}

/** The entries as a JSON array, one entry per line. */
function printJson(ctx: CommandContext, entries: ListEntry[]): void {
  if (entries.length === 0) {
    ctx.out.line("[]");
    return;
  }
  ctx.out.line("[");
  entries.forEach((e, i) => ctx.out.line("  " + JSON.stringify(entryJson(e)) + (i + 1 < entries.length ? "," : "")));
  ctx.out.line("]");
}

async function run(ctx: CommandContext): Promise<number> {
  noPositionals(ctx, 1);
  const path = requireString(ctx, "index");
  const pattern = ctx.positionals[0] ?? "*";
  const index = await openReadonly(ctx, path);
  try {
    const status = ctx.values.status === true;
    const entries = index.list(pattern, { status, reference: optionalString(ctx, "reference") ?? "" });
    if (ctx.values.json === true) {
      printJson(ctx, entries);
      return 0;
    }
    const quote = { utf8: ctx.values.utf8 === true };
    for (const e of entries) {
      ctx.out.text(formatListResponse(e, index.separator, quote));
      if (status) {
        const line = formatStatusResponse(e, quote);
        if (line !== undefined) ctx.out.text(line);
      }
    }
    return 0;
  } finally {
    await index.close();
  }
}

/**
 * The `list` command.
 *
 * @example Its usage line
 * ```ts
 * import { listCommand } from "./list.ts";
 * console.log(listCommand.usage);
 * ```
 */
export const listCommand: Command = {
  summary: "answer an IMAP LIST from the index",
  usage: `${PROGRAM} list --index FILE [PATTERN] [--status] [--json]`,
  help: `Print the mailboxes matching an IMAP LIST pattern (default "*"), one untagged LIST
response per line, e.g.
  * LIST (\\HasNoChildren) "/" "Archive/2009"
"*" matches anything, "%" anything but the separator; INBOX matches in any case.

Options:
  --index FILE         the index to read
  --status             follow each selectable mailbox with its cached * STATUS line
  --json               print a JSON array of { name, attributes, uid, flags, status? }
  --reference REF      the LIST reference name (default "")
  --utf8               send UTF-8 names as quoted strings (IMAP4rev2 / UTF8=ACCEPT)
                       instead of literals
  --separator S        the index's separator (default: the one stored in the index)
  -h, --help           show this help`,
  options: {
    index: { type: "string" },
    status: { type: "boolean" },
    json: { type: "boolean" },
    reference: { type: "string" },
    utf8: { type: "boolean" },
    separator: { type: "string" },
  },
  run,
};

/**
 * `list`: answer an IMAP LIST (plain, LIST-EXTENDED) or LSUB from the index,
 * as the exact untagged responses or as JSON.
 *
 * @module
 */
import type { ListCommandOptions } from "../../imap/list_options.ts";
import { listResponseLines } from "../../imap/list_command.ts";
import type { ListEntry } from "../../imap/response.ts";
import type { Command, CommandContext } from "../command.ts";
import { UsageError } from "../errors.ts";
import { openReadonly } from "../index_file.ts";
import { returnOption, selectOption } from "../list_options.ts";
import { optionalString, requireString } from "../options.ts";
import { PROGRAM } from "../program.ts";
import { jsonText } from "../json.ts";

/** One entry of `--json`: its status and CHILDINFO only when it has them. */
function entryJson(e: ListEntry): Record<string, unknown> {
  const o: Record<string, unknown> = { name: e.name, attributes: e.attributes, uid: e.uid, flags: e.flags };
  if (e.status !== undefined) o.status = e.status;
  if (e.childInfo !== undefined) o.childInfo = e.childInfo;
  return o;
}

/** The entries as a JSON array, one entry per line. */
function printJson(ctx: CommandContext, entries: ListEntry[]): void {
  if (entries.length === 0) {
    ctx.out.line("[]");
    return;
  }
  ctx.out.line("[");
  entries.forEach((e, i) => ctx.out.line("  " + jsonText(entryJson(e)) + (i + 1 < entries.length ? "," : "")));
  ctx.out.line("]");
}

/** The LIST options the command line asks for. */
function listOptions(ctx: CommandContext): ListCommandOptions {
  const options: ListCommandOptions = {
    reference: optionalString(ctx, "reference") ?? "",
    session: { utf8: ctx.values.utf8 === true, rev2: ctx.values.rev2 === true },
  };
  const select = optionalString(ctx, "select");
  const ret = optionalString(ctx, "return");
  if (ctx.values.lsub === true) {
    if (select !== undefined || ret !== undefined || ctx.values.status === true) {
      throw new UsageError("Option --lsub takes no --select, --return or --status");
    }
    if (ctx.positionals.length > 1) throw new UsageError("Option --lsub takes one pattern");
    options.lsub = true;
    return options;
  }
  if (select !== undefined) options.select = selectOption(select);
  if (ret !== undefined) options.return = returnOption(ret);
  if (ctx.values.status === true) options.status = true;
  return options;
}

async function run(ctx: CommandContext): Promise<number> {
  const path = requireString(ctx, "index");
  const options = listOptions(ctx);
  const patterns = ctx.positionals.length > 1 ? ctx.positionals : ctx.positionals[0] ?? "*";
  const index = await openReadonly(ctx, path);
  try {
    const entries = index.list(patterns, options);
    if (ctx.values.json === true) {
      printJson(ctx, entries);
      return 0;
    }
    // Each response line ends in its own CRLF.
    for (const line of listResponseLines(entries, index.separator, options)) ctx.out.text(line);
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
  usage: `${PROGRAM} list --index FILE [PATTERN...] [--select OPTS] [--return OPTS] [--lsub] [--status] [--json]`,
  help: `Print the mailboxes matching IMAP LIST patterns (default "*"), as the exact untagged
LIST (or LSUB) responses a server sends, each ending in CRLF, e.g.
  * LIST (\\HasNoChildren) "/" "Archive/2009"
"*" matches anything, "%" anything but the separator; INBOX matches in any case.
Patterns and the reference are given in Unicode; names are sent in modified UTF-7
(IMAP4rev1), or in UTF-8 with --utf8 or --rev2. Several patterns, --select or --return
make it a LIST-EXTENDED command (RFC 5258): a parent that only exists for its children
is \\NonExistent there (and with --rev2), \\Noselect otherwise; \\HasChildren and special-use
attributes come only when returned.

Options:
  --index FILE         the index to read
  --select OPTS        selection options, comma-separated: subscribed, remote,
                       recursivematch (with subscribed), special-use
  --return OPTS        return options, comma-separated: subscribed, children, special-use,
                       status=ITEM+ITEM (messages, unseen, recent, uidnext, uidvalidity,
                       size, highestmodseq, deleted), e.g. children,status=messages+unseen
  --lsub               answer LSUB instead: the subscribed names matching one pattern
  --status             follow each selectable mailbox with its cached * STATUS line
                       (MESSAGES UNSEEN RECENT UIDNEXT UIDVALIDITY)
  --json               print a JSON array of { name, attributes, uid, flags, status?, childInfo? }
  --reference REF      the LIST reference name (default "")
  --utf8               a session with UTF8=ACCEPT enabled: names in UTF-8
  --rev2               an IMAP4rev2 session: names in UTF-8, \\NonExistent, no RECENT
  --separator S        the index's separator (default: the one stored in the index)
  -h, --help           show this help`,
  options: {
    index: { type: "string" },
    status: { type: "boolean" },
    json: { type: "boolean" },
    reference: { type: "string" },
    utf8: { type: "boolean" },
    rev2: { type: "boolean" },
    lsub: { type: "boolean" },
    select: { type: "string" },
    return: { type: "string" },
    separator: { type: "string" },
  },
  run,
};

/**
 * `demo`: index a generated sample store and print its LIST.
 *
 * @module
 */
import { mkdtemp, rm, stat } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { formatListResponse, formatStatusResponse } from "../../imap/response.ts";
import { MailboxListIndex } from "../../index/index.ts";
import { rebuild } from "../../rebuild/rebuild.ts";
import type { Command, CommandContext } from "../command.ts";
import { makeDemoStore } from "../demo.ts";
import { intOption, noPositionals } from "../options.ts";
import { seconds } from "../output.ts";
import { PROGRAM } from "../program.ts";
import { scanSource } from "../source.ts";

/** Print the LIST with STATUS of the index at `path`; returns the number of mailboxes. */
async function printList(ctx: CommandContext, path: string): Promise<number> {
  const index = await MailboxListIndex.open(path, { readonly: true, onWarning: ctx.warn });
  let lines = 0;
  try {
    for (const e of index.list("*", { status: true })) {
      // Each response line ends in its own CRLF.
      ctx.out.text(formatListResponse(e, index.separator));
      const st = formatStatusResponse(e);
      if (st !== undefined) ctx.out.text(st);
      lines++;
    }
  } finally {
    await index.close();
  }
  return lines;
}

async function run(ctx: CommandContext): Promise<number> {
  noPositionals(ctx);
  const folders = intOption(ctx, "folders", 0, 100000) ?? 300;
  const workers = intOption(ctx, "workers", 0, 256) ?? 0;
  const keep = ctx.values.keep === true;
  const dir = await mkdtemp(join(tmpdir(), "mailbox-list-index-demo-"));
  try {
    const store = join(dir, "Maildir");
    const made = await makeDemoStore(store, { folders });
    const indexPath = join(dir, "mailboxes.mlist");
    const started = Date.now();
    const scan = await scanSource(ctx, { kind: "maildir", dir: store }, "/");
    await rebuild(indexPath, scan.mailboxes, { separator: "/", workers, uidValidity: 1700000000, onWarning: ctx.warn });
    const took = Date.now() - started;
    const lines = await printList(ctx, indexPath);
    const size = (await stat(indexPath)).size;
    ctx.out.flush();
    ctx.err.write(
      `Demo: ${made.folders + 1} folders with ${made.messages} messages in "${store}", scanned and indexed in ${seconds(took)}; ` +
        `LIST "" "*" returned ${lines} mailboxes from a ${size}-byte index.` +
        (keep ? ` Kept "${dir}".\n` : "\n"),
    );
    return 0;
  } finally {
    if (!keep) await rm(dir, { recursive: true, force: true });
  }
}

/**
 * The `demo` command.
 *
 * @example Its usage line
 * ```ts
 * import { demoCommand } from "./demo.ts";
 * console.log(demoCommand.usage);
 * ```
 */
export const demoCommand: Command = {
  summary: "index a generated sample store and print its LIST",
  usage: `${PROGRAM} demo [--folders N] [--workers N] [--keep]`,
  help: `Write a sample Maildir++ store (a few hundred folders with some messages) into a
temporary directory, index it, print its LIST with STATUS, and remove it.

Options:
  --folders N          folders besides INBOX (default 300)
  --workers N          worker threads for the build (default 0: in this thread)
  --keep               keep the temporary directory and say where it is
  -h, --help           show this help`,
  options: { folders: { type: "string" }, workers: { type: "string" }, keep: { type: "boolean" } },
  run,
};

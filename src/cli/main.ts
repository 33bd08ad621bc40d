#!/usr/bin/env node
/**
 * The `mailbox-list-index` command-line tool: rebuild, sync, list, lookup,
 * check, dump and demo. Run it as the npm `bin`, or from the sources with
 * `deno run -A src/cli/main.ts`, `bun src/cli/main.ts` or `node --import tsx src/cli/main.ts`.
 *
 * ```sh
 * mailbox-list-index rebuild --index ~/mailboxes.mlist --maildir ~/Maildir
 * mailbox-list-index list --index ~/mailboxes.mlist "Archive/%" --status
 * ```
 *
 * Exit status: 0 success; 1 corruption, a failed check or lookup, or an
 * error (one line on standard error naming the file); 2 usage error.
 *
 * @example Running a command from code
 * ```ts ignore
 * import { runCli } from "./app.ts";
 * process.exitCode = await runCli(["check", "--index", "/var/mail/u/mailboxes.mlist"]);
 * ```
 *
 * @module
 */
import process from "node:process";
import { runCli } from "./app.ts";

process.exitCode = await runCli(process.argv.slice(2));

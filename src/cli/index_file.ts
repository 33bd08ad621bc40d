/**
 * Opening the index a reading command is given: read-only with the
 * command's separator and warnings, or only making sure the file is there.
 *
 * @module
 */
import { stat } from "node:fs/promises";
import { describeFsError } from "../format/fs_error.ts";
import { MailboxListIndex } from "../index/index.ts";
import type { CommandContext } from "./command.ts";
import { CliError } from "./errors.ts";
import { separatorOption } from "./options.ts";

/**
 * Open an index read-only, with the `--separator` the command was given.
 *
 * @param ctx The command's context.
 * @param path Path of the list file.
 * @returns The open index; close it when done.
 *
 * @example Listing
 * ```ts ignore
 * const index = await openReadonly(ctx, "u.mlist");
 * try {
 *   for (const e of index.list("*")) ctx.out.line(e.name);
 * } finally {
 *   await index.close();
 * }
 * ```
 */
export async function openReadonly(ctx: CommandContext, path: string): Promise<MailboxListIndex> {
  const separator = separatorOption(ctx);
  return await MailboxListIndex.open(path, { readonly: true, separator, onWarning: ctx.warn });
}

/**
 * Make sure the index file is there before it is checked or dumped.
 *
 * @param path Path of the list file.
 * @returns Nothing.
 * @throws CliError naming the file when it cannot be found.
 *
 * @example Before a check
 * ```ts ignore
 * await requireIndexFile("u.mlist");
 * ```
 */
export async function requireIndexFile(path: string): Promise<void> {
  try {
    await stat(path);
  } catch (e) {
    throw new CliError(`Cannot open index "${path}": ${describeFsError(e)}`, 1);
  }
}

/**
 * What a command of the tool is — its help, its options and how it runs —
 * and what it is given to run.
 *
 * @module
 */
import type { ScanFs } from "../scan/io.ts";
import type { Output } from "./output.ts";
import type { ProgressStream } from "./progress.ts";

/**
 * What a command runs with: its parsed options and arguments, and where it
 * writes.
 *
 * @example Printing a result and a warning
 * ```ts
 * import type { CommandContext } from "./command.ts";
 * async function run(ctx: CommandContext): Promise<number> {
 *   ctx.warn("the index has a pending commit");
 *   ctx.out.line("done");
 *   return 0;
 * }
 * ```
 */
export interface CommandContext {
  /** The options given, by name (a repeatable option's values as an array). */
  values: Record<string, string | boolean | string[] | undefined>;
  /** The arguments given besides options. */
  positionals: string[];
  /** Results (standard output). */
  out: Output;
  /** Errors, warnings and the progress bar (standard error). */
  err: ProgressStream;
  /** Print a warning line naming the command. */
  warn(message: string): void;
  /** The command's name. */
  command: string;
  /** The file system calls of store scans in this thread (tests inject failures). */
  scanFs?: ScanFs;
}

/**
 * One command of the tool: a line for the global help, its usage and help
 * text, its options (for `node:util` `parseArgs`) and how it runs.
 *
 * @example A command that prints a word
 * ```ts
 * import type { Command } from "./command.ts";
 * const hello: Command = {
 *   summary: "say hello",
 *   usage: "mailbox-list-index hello",
 *   help: "Print hello.",
 *   options: {},
 *   run: (ctx) => (ctx.out.line("hello"), Promise.resolve(0)),
 * };
 * ```
 */
export interface Command {
  /** One line for the global help. */
  summary: string;
  /** The usage line. */
  usage: string;
  /** The help text after the usage line. */
  help: string;
  /** The options it takes (`--help` is added); `multiple` for one that may be given more than once. */
  options: Record<string, { type: "string" | "boolean"; short?: string; multiple?: boolean }>;
  /** Run it; resolves to the exit status. */
  run(ctx: CommandContext): Promise<number>;
}

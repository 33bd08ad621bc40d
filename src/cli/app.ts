/**
 * The command-line tool's dispatcher: the global help, `--version`, the
 * command named by the first argument with its options parsed (`node:util`
 * `parseArgs`), and its failure turned into one line and an exit code. The
 * commands are in `commands/`, one file each with its help text; the
 * executable entry point is `main.ts`; this module runs nothing when
 * imported.
 *
 * Exit codes: 0 success, 1 corruption, a failed check, a lookup miss or any
 * other failure (one line on standard error naming the file), 2 usage error.
 *
 * @module
 */
import process from "node:process";
import { parseArgs } from "node:util";
import type { ScanFs } from "../scan/io.ts";
import type { Command, CommandContext } from "./command.ts";
import { bulkCommand } from "./commands/bulk.ts";
import { checkCommand } from "./commands/check.ts";
import { demoCommand } from "./commands/demo.ts";
import { dumpCommand } from "./commands/dump.ts";
import { listCommand } from "./commands/list.ts";
import { lookupCommand } from "./commands/lookup.ts";
import { rebuildCommand } from "./commands/rebuild.ts";
import { renameCommand } from "./commands/rename.ts";
import { subscribeCommand, unsubscribeCommand } from "./commands/subscribe.ts";
import { subscriptionsCommand } from "./commands/subscriptions.ts";
import { syncCommand } from "./commands/sync.ts";
import { CliError, describeError, UsageError } from "./errors.ts";
import { describeParseError } from "./options.ts";
import { Output } from "./output.ts";
import { PROGRAM, VERSION } from "./program.ts";
import type { ProgressStream } from "./progress.ts";

export { PROGRAM, VERSION };

/**
 * Where the tool writes: standard output and standard error, or test doubles.
 *
 * @example Capturing output
 * ```ts
 * import type { CliStreams } from "./app.ts";
 * let out = "";
 * const streams: CliStreams = { stdout: { write: (s: string) => (out += s) }, stderr: { write: () => true } };
 * ```
 */
export interface CliStreams {
  /** Results. */
  stdout: { write(text: string): unknown };
  /** Errors, warnings and the progress bar. */
  stderr: ProgressStream;
  /** The file system calls of store scans in this thread (default `nodeScanFs`; tests inject failures). */
  scanFs?: ScanFs;
}

/** The commands, in the order the global help lists them. */
const COMMANDS: Record<string, Command> = {
  rebuild: rebuildCommand,
  sync: syncCommand,
  bulk: bulkCommand,
  list: listCommand,
  lookup: lookupCommand,
  rename: renameCommand,
  subscribe: subscribeCommand,
  unsubscribe: unsubscribeCommand,
  subscriptions: subscriptionsCommand,
  check: checkCommand,
  dump: dumpCommand,
  demo: demoCommand,
};

const HELP_OPTION = { help: { type: "boolean" as const, short: "h" } };

function globalHelp(): string {
  const width = Math.max(...Object.keys(COMMANDS).map((c) => c.length));
  const lines = Object.entries(COMMANDS).map(([name, c]) => `  ${name.padEnd(width)}  ${c.summary}`);
  return `${PROGRAM} ${VERSION}: a binary index of an IMAP server's folder hierarchy

Usage: ${PROGRAM} <command> [options]

Commands:
${lines.join("\n")}

Run "${PROGRAM} <command> --help" for a command's options.
Exit status: 0 success; 1 corruption, a failed check or lookup, or an error; 2 usage error.`;
}

function commandHelp(name: string): string {
  const c = COMMANDS[name];
  return `Usage: ${c.usage}\n\n${c.help}`;
}

/** Help and version requests before any command: their exit status, or undefined when the first argument is none. */
function answerGlobal(args: string[], out: Output, stderr: ProgressStream): number | undefined {
  const first = args[0];
  if (first === undefined) {
    stderr.write(`${globalHelp()}\n`);
    return 2;
  }
  if (first === "--help" || first === "-h" || first === "help") {
    const topic = first === "help" ? args[1] : undefined;
    if (topic !== undefined && COMMANDS[topic] !== undefined) out.line(commandHelp(topic));
    else if (topic !== undefined) {
      stderr.write(`${PROGRAM}: Unknown command ${JSON.stringify(topic)} (see "${PROGRAM} --help")\n`);
      return 2;
    } else out.line(globalHelp());
    out.flush();
    return 0;
  }
  if (first === "--version" || first === "-V") {
    out.line(VERSION);
    out.flush();
    return 0;
  }
  return undefined;
}

/** Parse a command's options and run it; its help when asked for. */
async function runCommand(
  name: string,
  args: string[],
  out: Output,
  stderr: ProgressStream,
  scanFs: ScanFs | undefined,
): Promise<number> {
  const command = COMMANDS[name];
  let parsed;
  try {
    parsed = parseArgs({ args, options: { ...command.options, ...HELP_OPTION }, allowPositionals: true, strict: true });
  } catch (e) {
    throw new UsageError(describeParseError(e));
  }
  if (parsed.values.help === true) {
    out.line(commandHelp(name));
    return 0;
  }
  const ctx: CommandContext = {
    values: parsed.values as CommandContext["values"],
    positionals: parsed.positionals,
    out,
    err: stderr,
    command: name,
    scanFs,
    warn: (message) => {
      stderr.write(`${PROGRAM} ${name}: warning: ${message}\n`);
    },
  };
  return await command.run(ctx);
}

/**
 * Run the tool with the given arguments (without the runtime and script).
 *
 * @param args The command line, e.g. `["list", "--index", "u.mlist", "*"]`.
 * @param streams Where to write (default: the process's stdout and stderr).
 * @returns The exit status: 0 success, 1 failure, 2 usage error.
 *
 * @example Listing an index
 * ```ts ignore
 * import { runCli } from "./app.ts";
 * const status = await runCli(["list", "--index", "/var/mail/u/mailboxes.mlist", "INBOX/*"]);
 * ```
 */
export async function runCli(args: string[], streams?: CliStreams): Promise<number> {
  const stdout = streams?.stdout ?? process.stdout;
  if (streams === undefined) {
    // A closed pipe on stdout (`… | head`) ends the tool quietly.
    process.stdout.on("error", (e: { code?: unknown }) => {
      if (e.code === "EPIPE") process.exit(0);
      throw e;
    });
  }
  const stderr = streams?.stderr ?? process.stderr;
  const out = new Output(stdout);
  const global = answerGlobal(args, out, stderr);
  if (global !== undefined) return global;
  const first = args[0];
  if (COMMANDS[first] === undefined) {
    stderr.write(`${PROGRAM}: Unknown command ${JSON.stringify(first)} (see "${PROGRAM} --help")\n`);
    return 2;
  }
  const label = `${PROGRAM} ${first}`;
  try {
    const status = await runCommand(first, args.slice(1), out, stderr, streams?.scanFs);
    out.flush();
    return status;
  } catch (e) {
    out.flush();
    if (e instanceof UsageError) {
      stderr.write(`${label}: ${e.message} (see "${PROGRAM} ${first} --help")\n`);
      return 2;
    }
    if (e instanceof CliError) {
      stderr.write(`${label}: ${e.message}\n`);
      return e.exitCode;
    }
    stderr.write(`${label}: ${describeError(e)}\n`);
    if (process.env.MLI_DEBUG && e instanceof Error && e.stack) stderr.write(e.stack + "\n");
    return 1;
  }
}

/**
 * The command-line tool's commands: argument parsing (`node:util`
 * `parseArgs`), help texts, output formats and exit codes. The executable
 * entry point is `src/cli/main.ts`; this module runs nothing when imported.
 *
 * Exit codes: 0 success, 1 corruption, a failed check, a lookup miss or any
 * other failure (one line on standard error naming the file), 2 usage error.
 *
 * @module
 */
import { mkdtemp, readdir, rm, stat } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import process from "node:process";
import { parseArgs } from "node:util";
import { checkIndex } from "../check/check.ts";
import { dumpIndex } from "../check/dump.ts";
import type { IndexDump } from "../check/dump_types.ts";
import type { CheckProblem } from "../check/problems.ts";
import { makeDemoStore } from "./demo.ts";
import { Progress, type ProgressStream } from "./progress.ts";
import { type MailboxInput, syncIndex } from "./sync_index.ts";
import { CorruptIndexError, IndexLimitError, IndexStateError, InvalidNameError, LockTimeoutError } from "../format/errors.ts";
import { MailboxListIndex } from "../index/index.ts";
import { formatListResponse, formatStatusResponse, type ListEntry } from "../imap/list.ts";
import { rebuild } from "../rebuild/rebuild.ts";
import { scanFsLayout } from "../scan/fs.ts";
import { scanMaildir } from "../scan/maildir.ts";
import { scanStore } from "../scan/parallel.ts";
import { readNameList } from "../scan/name_list.ts";
import { describeFsError, type ScannedMailbox, type ScanWarning } from "../scan/types.ts";
import type { ScanFs } from "../scan/io.ts";

/**
 * The tool's version (the package's).
 *
 * @example Printing the version
 * ```ts
 * import { VERSION } from "./app.ts";
 * console.log(VERSION); // "0.1.0"
 * ```
 */
export const VERSION = "0.1.0";

/**
 * The program name used in help texts and error lines.
 *
 * @example An error line
 * ```ts
 * import { PROGRAM } from "./app.ts";
 * console.error(`${PROGRAM} list: Missing --index FILE`);
 * ```
 */
export const PROGRAM = "mailbox-list-index";

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

/** An error that ends the command with a given exit code and one line of text. */
class CliError extends Error {
  constructor(message: string, readonly exitCode: number) {
    super(message);
  }
}

class UsageError extends CliError {
  constructor(message: string) {
    super(message, 2);
  }
}

interface Command {
  summary: string;
  usage: string;
  help: string;
  options: Record<string, { type: "string" | "boolean"; short?: string }>;
  run(ctx: Ctx): Promise<number>;
}

interface Ctx {
  values: Record<string, string | boolean | undefined>;
  positionals: string[];
  out: Output;
  err: ProgressStream;
  warn(message: string): void;
  command: string;
  scanFs?: ScanFs;
}

/** Buffered writes to stdout, flushed in large chunks. */
class Output {
  #parts: string[] = [];
  #closed = false;
  #size = 0;
  constructor(readonly stream: { write(text: string): unknown }) {}
  line(s: string): void {
    this.#parts.push(s, "\n");
    this.#size += s.length + 1;
    if (this.#size >= 1 << 16) this.flush();
  }
  flush(): void {
    if (this.#parts.length === 0) return;
    const text = this.#parts.join("");
    this.#parts = [];
    this.#size = 0;
    if (this.#closed) return;
    try {
      this.stream.write(text);
    } catch (e) {
      // The reader went away (`… | head`): drop the rest quietly.
      if ((e as { code?: unknown }).code !== "EPIPE") throw e;
      this.#closed = true;
    }
  }
}

const HELP_OPTION = { help: { type: "boolean" as const, short: "h" } };
const SOURCE_OPTIONS = {
  maildir: { type: "string" as const },
  fs: { type: "string" as const },
  "from-list": { type: "string" as const },
};

const SOURCE_HELP = `Source of the mailboxes (exactly one):
  --maildir DIR        a Maildir++ store: DIR is INBOX, DIR/.A.B is "A<sep>B";
                       a folder with cur/ and new/ is selectable, others are \\Noselect;
                       STATUS figures are counted from cur/ and new/
  --fs DIR             a directory-per-folder store (like Dovecot's LAYOUT=fs)
  --from-list FILE     names, one per line; "-" reads standard input`;

const COMMANDS: Record<string, Command> = {
  rebuild: {
    summary: "make a new index from a mail store or a name list",
    usage: `${PROGRAM} rebuild --index FILE (--maildir DIR | --fs DIR | --from-list FILE|-) [options]`,
    help: `Make a complete new index from what the store holds, and put it in place of the old
one (if any) as a whole: readers see the old index or the new one, never a mix.

${SOURCE_HELP}

Options:
  --index FILE         the index to write (FILE, FILE.attr)
  --separator S        hierarchy separator of the index (default "/")
  --workers N          worker threads for the scan and the build (default 0: in this thread;
                       the bytes are the same for any number)
  --uid-validity V     UIDVALIDITY of the new index (default: seconds since the epoch)
  -h, --help           show this help

When the scan cannot read some folder (a directory that fails to list), the rebuild
fails with an error naming the unread folders and writes nothing: a new index would
lack them. Use sync, which keeps them as they were.`,
    options: {
      index: { type: "string" },
      ...SOURCE_OPTIONS,
      separator: { type: "string" },
      workers: { type: "string" },
      "uid-validity": { type: "string" },
    },
    run: runRebuild,
  },
  sync: {
    summary: "bring an index up to date with a mail store or a name list",
    usage: `${PROGRAM} sync --index FILE (--maildir DIR | --fs DIR | --from-list FILE|-) [options]`,
    help: `Reconcile the index (created when missing) with the mailboxes the store really has:
new ones are added, and unless --partial, ones that are gone are deleted. \\Noselect
and the STATUS cache follow the store.

${SOURCE_HELP}

Options:
  --index FILE         the index to sync
  --path P             only the subtree under mailbox P (names outside it are an error)
  --partial            only add, never delete
  --recursive          check every level under the path for deletions (default: only
                       the path's own level)
  --separator S        separator for a new index (default "/"; an existing index keeps its own)
  -h, --help           show this help

When the scan cannot read some folder (a directory that fails to list), that folder
and everything under it are kept in the index as they were, with a warning naming
them: nothing is deleted for a folder that is only unreadable. A store root that
cannot be read is an error.`,
    options: {
      index: { type: "string" },
      ...SOURCE_OPTIONS,
      path: { type: "string" },
      partial: { type: "boolean" },
      recursive: { type: "boolean" },
      separator: { type: "string" },
    },
    run: runSync,
  },
  list: {
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
    run: runList,
  },
  lookup: {
    summary: "print the UID of one mailbox",
    usage: `${PROGRAM} lookup --index FILE NAME`,
    help: `Print the UID of mailbox NAME. Exit status 1 when the index does not hold it.

Options:
  --index FILE         the index to read
  --separator S        the index's separator (default: the one stored in the index)
  -h, --help           show this help`,
    options: { index: { type: "string" }, separator: { type: "string" } },
    run: runLookup,
  },
  check: {
    summary: "validate every structure of an index",
    usage: `${PROGRAM} check --index FILE [--json]`,
    help: `Validate the whole index: the header; every directory chain (forward links,
alignment, bounds, counts, sizes); every record (UID non-zero, unique and below
next_uid; name inside the file, NUL-terminated, matching its hash); the sort order
(hash, then bytes) and unique names in each directory; no overlapping structures;
and the attribute file (same uid_validity and file_seq, an entry for every live
UID, flags consistent with the tree). Prints a report. Exit status 1 on corruption.

Options:
  --index FILE         the index to check
  --json               print the report as JSON
  -h, --help           show this help`,
    options: { index: { type: "string" }, json: { type: "boolean" } },
    run: runCheck,
  },
  dump: {
    summary: "print the header, directories and records of an index",
    usage: `${PROGRAM} dump --index FILE [--json]`,
    help: `Print the list file header, every directory (newest copy, with the offsets of older
copies) with its records, and the attribute file's entries.

Options:
  --index FILE         the index to dump
  --json               print JSON
  -h, --help           show this help`,
    options: { index: { type: "string" }, json: { type: "boolean" } },
    run: runDump,
  },
  demo: {
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
    run: runDemo,
  },
};

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
  const command = COMMANDS[first];
  if (command === undefined) {
    stderr.write(`${PROGRAM}: Unknown command ${JSON.stringify(first)} (see "${PROGRAM} --help")\n`);
    return 2;
  }
  const label = `${PROGRAM} ${first}`;
  try {
    let parsed;
    try {
      parsed = parseArgs({
        args: args.slice(1),
        options: { ...command.options, ...HELP_OPTION },
        allowPositionals: true,
        strict: true,
      });
    } catch (e) {
      throw new UsageError(describeParseError(e));
    }
    if (parsed.values.help === true) {
      out.line(commandHelp(first));
      out.flush();
      return 0;
    }
    const ctx: Ctx = {
      values: parsed.values as Ctx["values"],
      positionals: parsed.positionals,
      out,
      err: stderr,
      command: first,
      scanFs: streams?.scanFs,
      warn: (message) => {
        stderr.write(`${label}: warning: ${message}\n`);
      },
    };
    const status = await command.run(ctx);
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

function describeParseError(e: unknown): string {
  const msg = e instanceof Error ? e.message : String(e);
  const code = (e as { code?: string }).code;
  let m = /Unknown option '([^']+)'/.exec(msg);
  if (code === "ERR_PARSE_ARGS_UNKNOWN_OPTION" && m) return `Unknown option ${JSON.stringify(m[1])}`;
  m = /Option '([^' ]+)[^']*' argument missing/.exec(msg);
  if (m) return `Option ${JSON.stringify(m[1])} needs a value`;
  m = /Option '([^' ]+)[^']*' does not take an argument/.exec(msg);
  if (m) return `Option ${JSON.stringify(m[1])} takes no value`;
  m = /Option '([^' ]+)[^']*' argument is ambiguous/.exec(msg);
  if (m) return `Option ${JSON.stringify(m[1])} needs a value (write ${m[1]}=VALUE for one that starts with "-")`;
  return msg.split("\n")[0].split(". ")[0];
}

/** One line for any error, naming the file it concerns. */
function describeError(e: unknown): string {
  if (
    e instanceof CorruptIndexError || e instanceof InvalidNameError || e instanceof IndexLimitError ||
    e instanceof LockTimeoutError || e instanceof IndexStateError
  ) {
    return e.message;
  }
  const err = e as { code?: unknown; path?: unknown; syscall?: unknown; message?: unknown };
  if (typeof err?.code === "string" && typeof err.path === "string") {
    const what = typeof err.syscall === "string" ? err.syscall : "use";
    return `Cannot ${what} "${err.path}": ${describeFsError(e)}`;
  }
  if (e instanceof Error) return e.message.split("\n")[0];
  return String(e);
}

// ------------------------------------------------------------------ helpers

function requireString(ctx: Ctx, name: string): string {
  const v = ctx.values[name];
  if (typeof v !== "string" || v === "") throw new UsageError(`Missing --${name} ${name === "index" ? "FILE" : "VALUE"}`);
  return v;
}

function optionalString(ctx: Ctx, name: string): string | undefined {
  const v = ctx.values[name];
  if (v === undefined) return undefined;
  if (typeof v !== "string" || v === "") throw new UsageError(`Option --${name} needs a value`);
  return v;
}

function intOption(ctx: Ctx, name: string, min: number, max: number): number | undefined {
  const v = optionalString(ctx, name);
  if (v === undefined) return undefined;
  if (!/^[0-9]+$/.test(v) || Number(v) < min || Number(v) > max) {
    throw new UsageError(`Invalid --${name} ${JSON.stringify(v)}: expected a whole number from ${min} to ${max}`);
  }
  return Number(v);
}

function separatorOption(ctx: Ctx): string | undefined {
  const s = optionalString(ctx, "separator");
  if (s === undefined) return undefined;
  if (new TextEncoder().encode(s).length !== 1 || s === "\0") {
    throw new UsageError(`Invalid --separator ${JSON.stringify(s)}: it must be one byte other than NUL`);
  }
  return s;
}

function noPositionals(ctx: Ctx, max = 0): void {
  if (ctx.positionals.length > max) {
    throw new UsageError(`Unexpected argument ${JSON.stringify(ctx.positionals[max])}`);
  }
}

type Source = { kind: "maildir" | "fs"; dir: string } | { kind: "list"; file: string };

function sourceOption(ctx: Ctx): Source {
  const given = (["maildir", "fs", "from-list"] as const).filter((k) => ctx.values[k] !== undefined);
  if (given.length === 0) throw new UsageError("Missing the source: --maildir DIR, --fs DIR or --from-list FILE");
  if (given.length > 1) throw new UsageError(`Give one source, not ${given.map((g) => "--" + g).join(" and ")}`);
  const k = given[0];
  const v = requireString(ctx, k);
  return k === "from-list" ? { kind: "list", file: v } : { kind: k, dir: v };
}

/** Number of folder directories directly under a Maildir++ root (for the progress total). */
async function countMaildirFolders(root: string): Promise<number | undefined> {
  try {
    const entries = await readdir(root, { withFileTypes: true });
    let n = 1;
    for (const e of entries) {
      if (e.name.startsWith(".") && e.name !== "." && e.name !== ".." && (e.isDirectory() || e.isSymbolicLink())) n++;
    }
    return n;
  } catch {
    return undefined;
  }
}

interface Scan {
  mailboxes: MailboxInput[];
  /** Folders whose subtree the scan could not read completely. */
  incomplete: string[];
  ms: number;
}

/** The names of unread folders, quoted, for a message. */
function quoteNames(names: readonly string[]): string {
  const shown = names.slice(0, 10).map((n) => JSON.stringify(n)).join(", ");
  return names.length > 10 ? `${shown} and ${names.length - 10} more` : shown;
}

/** Read every mailbox of the source, with warnings and a progress bar. */
async function scanSource(ctx: Ctx, source: Source, separator: string, workers = 0): Promise<Scan> {
  const started = Date.now();
  const mailboxes: MailboxInput[] = [];
  const incomplete: string[] = [];
  const onWarning = (w: ScanWarning) => {
    if (w.unread && w.folder !== undefined) incomplete.push(w.folder);
    ctx.warn(w.reason);
  };
  const fs = ctx.scanFs;
  if (source.kind === "list") {
    const bar = new Progress({ label: "Reading names", unit: "names", stream: ctx.err });
    try {
      for await (const name of readNameList(source.file, { onWarning, fs })) {
        mailboxes.push(name);
        if ((mailboxes.length & 1023) === 0) bar.update(mailboxes.length);
      }
    } finally {
      bar.done();
    }
    return { mailboxes, incomplete, ms: Date.now() - started };
  }
  if (source.kind === "maildir") {
    const s = await stat(source.dir).catch((e) => {
      throw new CliError(`Cannot read store root "${source.dir}": ${describeFsError(e)}`, 1);
    });
    if (!s.isDirectory()) throw new CliError(`Cannot read store root "${source.dir}": not a directory`, 1);
  }
  if (workers > 0) {
    // A big store: scan its top-level folders across worker threads.
    const bar = new Progress({ label: "Scanning top-level folders", unit: "folders", stream: ctx.err });
    try {
      const found = await scanStore(source.kind, source.dir, {
        separator,
        workers,
        onWarning,
        onProgress: (done) => bar.update(done),
        fs,
      });
      for (const m of found) mailboxes.push(m);
    } finally {
      bar.done();
    }
    return { mailboxes, incomplete, ms: Date.now() - started };
  }
  const total = source.kind === "maildir" ? await countMaildirFolders(source.dir) : undefined;
  const bar = new Progress({ label: "Scanning", unit: "folders", total, stream: ctx.err });
  try {
    const scan = source.kind === "maildir"
      ? scanMaildir(source.dir, { separator, onWarning, fs })
      : scanFsLayout(source.dir, { separator, onWarning, fs });
    let n = 0;
    for await (const m of scan as AsyncIterable<ScannedMailbox>) {
      mailboxes.push(m);
      bar.update(++n);
    }
  } finally {
    bar.done();
  }
  return { mailboxes, incomplete, ms: Date.now() - started };
}

function seconds(ms: number): string {
  return `${(ms / 1000).toFixed(ms < 10000 ? 2 : 1)} s`;
}

async function openReadonly(ctx: Ctx, path: string): Promise<MailboxListIndex> {
  const separator = separatorOption(ctx);
  return await MailboxListIndex.open(path, { readonly: true, separator, onWarning: ctx.warn });
}

// ------------------------------------------------------------------ commands

async function runRebuild(ctx: Ctx): Promise<number> {
  noPositionals(ctx);
  const index = requireString(ctx, "index");
  const source = sourceOption(ctx);
  const separator = separatorOption(ctx) ?? "/";
  const workers = intOption(ctx, "workers", 0, 256) ?? 0;
  const uidValidity = intOption(ctx, "uid-validity", 1, 0xffffffff);
  const scan = await scanSource(ctx, source, separator, workers);
  if (scan.incomplete.length > 0) {
    throw new CliError(
      `Cannot rebuild "${index}": the scan could not read ${scan.incomplete.length} folder(s) (${
        quoteNames(scan.incomplete)
      }); nothing was written (sync keeps them as they were)`,
      1,
    );
  }
  const r = await rebuild(index, scan.mailboxes, { separator, workers, uidValidity, onWarning: ctx.warn });
  ctx.out.line(
    `Rebuilt "${index}": ${r.count} mailboxes from ${scan.mailboxes.length} ${source.kind === "list" ? "names" : "folders"} read in ${
      seconds(scan.ms)
    }, index of ${r.fileSize} bytes written in ${seconds(r.ms)}`,
  );
  return 0;
}

async function runSync(ctx: Ctx): Promise<number> {
  noPositionals(ctx);
  const index = requireString(ctx, "index");
  const source = sourceOption(ctx);
  const path = optionalString(ctx, "path");
  const partial = ctx.values.partial === true;
  const recursive = ctx.values.recursive === true;
  const wanted = separatorOption(ctx);
  // The names must come with the index's own separator.
  let separator = wanted ?? "/";
  try {
    const existing = await MailboxListIndex.open(index, { readonly: true, onWarning: () => {} });
    separator = existing.separator;
    await existing.close();
  } catch {
    // A missing or damaged index: the sync creates or rebuilds it.
  }
  const scan = await scanSource(ctx, source, separator);
  const keep = scan.incomplete;
  if (keep.length > 0) {
    ctx.warn(
      `${keep.length} folder(s) could not be read (${quoteNames(keep)}): the sync of "${index}" keeps them ` +
        "and everything under them as they were",
    );
  }
  const started = Date.now();
  const r = await syncIndex(index, scan.mailboxes, {
    path,
    partial,
    recursive,
    separator: wanted,
    onWarning: ctx.warn,
    keep,
  });
  ctx.out.line(
    `Synced "${index}": ${r.added} added, ${r.deleted} deleted, ${r.total} mailboxes` +
      (r.compressed ? " (compressed)" : "") + ` in ${seconds(Date.now() - started + scan.ms)}`,
  );
  return 0;
}

function entryJson(e: ListEntry): Record<string, unknown> {
  const o: Record<string, unknown> = { name: e.name, attributes: e.attributes, uid: e.uid, flags: e.flags };
  if (e.status !== undefined) o.status = e.status;
  return o;
}

async function runList(ctx: Ctx): Promise<number> {
  noPositionals(ctx, 1);
  const path = requireString(ctx, "index");
  const pattern = ctx.positionals[0] ?? "*";
  const index = await openReadonly(ctx, path);
  try {
    const status = ctx.values.status === true;
    const entries = index.list(pattern, { status, reference: optionalString(ctx, "reference") ?? "" });
    if (ctx.values.json === true) {
      if (entries.length === 0) ctx.out.line("[]");
      else {
        ctx.out.line("[");
        entries.forEach((e, i) => ctx.out.line("  " + JSON.stringify(entryJson(e)) + (i + 1 < entries.length ? "," : "")));
        ctx.out.line("]");
      }
      return 0;
    }
    const quote = { utf8: ctx.values.utf8 === true };
    for (const e of entries) {
      ctx.out.line(formatListResponse(e, index.separator, quote));
      if (status) {
        const line = formatStatusResponse(e, quote);
        if (line !== undefined) ctx.out.line(line);
      }
    }
    return 0;
  } finally {
    await index.close();
  }
}

async function runLookup(ctx: Ctx): Promise<number> {
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

function problemLine(p: CheckProblem): string {
  return `${p.severity}: "${p.file}" at offset ${p.offset}: ${p.message}`;
}

async function requireIndexFile(path: string): Promise<void> {
  try {
    await stat(path);
  } catch (e) {
    throw new CliError(`Cannot open index "${path}": ${describeFsError(e)}`, 1);
  }
}

async function runCheck(ctx: Ctx): Promise<number> {
  noPositionals(ctx);
  const path = requireString(ctx, "index");
  await requireIndexFile(path);
  const r = checkIndex(path);
  if (ctx.values.json === true) {
    ctx.out.line(JSON.stringify(r, null, 2));
  } else {
    const s = r.stats;
    const verdict = r.ok ? "OK" : "CORRUPT";
    const counts = [
      r.errorCount > 0 ? `${r.errorCount} error${r.errorCount === 1 ? "" : "s"}` : "",
      r.warningCount > 0 ? `${r.warningCount} warning${r.warningCount === 1 ? "" : "s"}` : "",
    ].filter((x) => x !== "").join(", ");
    ctx.out.line(`Index "${path}": ${verdict}${counts ? ` (${counts})` : ""}`);
    if (r.header !== undefined) {
      const h = r.header;
      ctx.out.line(
        `  list file:      ${s.fileSize} bytes, file_seq ${h.fileSeq}, uid_validity ${h.uidValidity}, next_uid ${h.nextUid}, used_space ${h.usedSpace}, deleted_space ${h.deletedSpace}`,
      );
      ctx.out.line(
        `  tree:           ${s.live} mailboxes (${s.deleted} deleted records) in ${s.directories} directories (${s.directoryCopies} copies), ${s.maxDepth} levels deep, ${s.liveBytes} bytes live`,
      );
    }
    if (r.attrHeader !== undefined) {
      const a = r.attrHeader;
      ctx.out.line(
        `  attribute file: ${a.count} entries (${a.live} live), separator ${r.separator === undefined ? "unknown" : JSON.stringify(r.separator)}`,
      );
      ctx.out.line(
        `  flags:          ${s.nonExistent} \\NonExistent, ${s.noSelect} \\Noselect, ${s.withStatus} with STATUS cached`,
      );
    }
    if (r.journalPending) ctx.out.line("  journal:        a commit is pending; readers apply it, the next writer finishes it");
    for (const p of r.problems) ctx.out.line("  " + problemLine(p));
    const more = r.errorCount + r.warningCount - r.problems.length;
    if (more > 0) ctx.out.line(`  … and ${more} more`);
  }
  if (!r.ok) {
    ctx.out.flush();
    const first = r.problems.find((p) => p.severity === "error")!;
    throw new CliError(
      `Index "${path}" is corrupt: ${r.errorCount} error${r.errorCount === 1 ? "" : "s"}, the first at offset ${first.offset} of "${first.file}": ${first.message}`,
      1,
    );
  }
  return 0;
}

function hex(n: number): string {
  return "0x" + (n >>> 0).toString(16).padStart(8, "0");
}

function printDump(out: Output, d: IndexDump): void {
  out.line(`list file "${d.file}": ${d.fileSize} bytes`);
  if (d.header !== undefined) {
    const h = d.header;
    out.line(
      `header: version ${h.majorVersion}.${h.minorVersion}, file_seq ${h.fileSeq}, header_size ${h.headerSize}, uid_validity ${h.uidValidity}, next_uid ${h.nextUid}, used_space ${h.usedSpace}, deleted_space ${h.deletedSpace}`,
    );
  }
  for (const dir of d.directories) {
    const owner = dir.owner === "" ? "root" : `${JSON.stringify(dir.owner)} (uid ${dir.ownerUid})`;
    const older = dir.copies.length > 0 ? `, older copies at ${dir.copies.join(", ")}` : "";
    out.line(`directory @${dir.offset} ${owner}: dir_size ${dir.dirSize}, count ${dir.count}${older}`);
    for (const r of dir.records) {
      const child = r.dirOffset === 0 ? "-" : `@${r.dirOffset}`;
      out.line(
        `  @${r.offset} hash ${hex(r.hash)} uid ${r.uid}${r.deleted ? " DELETED" : ""} name @${r.nameOffset} ${
          JSON.stringify(r.name)
        } dir ${child}`,
      );
    }
  }
  if (d.attr !== undefined) {
    const a = d.attr;
    out.line(`attribute file "${a.file}": ${a.fileSize} bytes`);
    out.line(
      `header: uid_validity ${a.header.uidValidity}, file_seq ${a.header.listFileSeq}, next_uid ${a.header.nextUid}, count ${a.header.count}, live ${a.header.live}, separator ${
        a.separator === undefined ? "unknown" : JSON.stringify(a.separator)
      }`,
    );
    for (const e of a.entries) {
      const st = e.status;
      const status = st === undefined
        ? ""
        : ` status messages ${st.messages} unseen ${st.unseen} recent ${st.recent} uidvalidity ${st.uidValidity} uidnext ${st.uidNext}`;
      out.line(`  @${e.offset} uid ${e.uid}${e.deleted ? " DELETED" : ""} flags ${e.flags} (${e.flagNames.join(" ")})${status}`);
    }
  }
  for (const p of d.problems) out.line(problemLine(p));
}

async function runDump(ctx: Ctx): Promise<number> {
  noPositionals(ctx);
  const path = requireString(ctx, "index");
  await requireIndexFile(path);
  const d = dumpIndex(path);
  if (ctx.values.json === true) ctx.out.line(JSON.stringify(d, null, 1));
  else printDump(ctx.out, d);
  const errors = d.problems.filter((p) => p.severity === "error");
  if (errors.length > 0) {
    ctx.out.flush();
    throw new CliError(`Index "${path}" is corrupt: the first problem is at offset ${errors[0].offset} of "${errors[0].file}": ${errors[0].message}`, 1);
  }
  return 0;
}

async function runDemo(ctx: Ctx): Promise<number> {
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
    const index = await MailboxListIndex.open(indexPath, { readonly: true, onWarning: ctx.warn });
    let lines = 0;
    try {
      for (const e of index.list("*", { status: true })) {
        ctx.out.line(formatListResponse(e, index.separator));
        const st = formatStatusResponse(e);
        if (st !== undefined) ctx.out.line(st);
        lines++;
      }
    } finally {
      await index.close();
    }
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

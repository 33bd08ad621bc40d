/**
 * Where the mailboxes of `rebuild` and `sync` come from: a Maildir++ store
 * (`--maildir`), a directory-per-folder store (`--fs`) or a name list
 * (`--from-list`), and the scan that reads them, with warnings and a
 * progress bar: into records in this thread, or, for `rebuild --workers`,
 * on the rebuild's workers straight into its name table.
 *
 * @module
 */
import { readdir, stat } from "node:fs/promises";
import { describeFsError } from "../format/fs_error.ts";
import { listFsTopLevel, scanFsLayout } from "../scan/fs.ts";
import { listMaildirTopLevel, scanMaildir } from "../scan/maildir.ts";
import { readNameList } from "../scan/name_list.ts";
import { resolveSpecialUse } from "../scan/special_use.ts";
import type { NameTable } from "../rebuild/names.ts";
import { scanStoreOn } from "../rebuild/store_scan.ts";
import type { RebuildWorkers } from "../rebuild/workers.ts";
import { collectUnread, type ScannedMailbox, type ScanWarning, type SpecialUseMap } from "../scan/types.ts";
import type { CommandContext } from "./command.ts";
import { CliError, UsageError } from "./errors.ts";
import { requireString } from "./options.ts";
import { Progress } from "./progress.ts";
import type { MailboxInput } from "./sync_index.ts";

/**
 * The options that name the source, for a command's option table.
 *
 * @example A command's options
 * ```ts
 * import { SOURCE_OPTIONS } from "./source.ts";
 * const options = { index: { type: "string" }, ...SOURCE_OPTIONS };
 * console.log(Object.keys(options)); // ["index", "maildir", "fs", "from-list", "utf8-names"]
 * ```
 */
export const SOURCE_OPTIONS: Readonly<
  Record<"maildir" | "fs" | "from-list", { type: "string" }> & Record<"utf8-names", { type: "boolean" }>
> = Object.freeze({
  maildir: { type: "string" },
  fs: { type: "string" },
  "from-list": { type: "string" },
  "utf8-names": { type: "boolean" },
});

/**
 * The help text of the source options.
 *
 * @example In a command's help
 * ```ts
 * import { SOURCE_HELP } from "./source.ts";
 * const help = `Make a new index.\n\n${SOURCE_HELP}\n\nOptions: …`;
 * ```
 */
export const SOURCE_HELP = `Source of the mailboxes (exactly one):
  --maildir DIR        a Maildir++ store: DIR is INBOX, DIR/.A.B is "A<sep>B";
                       a folder with cur/ and new/ is selectable, others are \\Noselect;
                       STATUS figures are counted from cur/ and new/
  --fs DIR             a directory-per-folder store (like Dovecot's LAYOUT=fs)
  --from-list FILE     names, one per line; "-" reads standard input
  --utf8-names         the store's folder names are UTF-8 on disk; by default
                       each level is IMAP modified UTF-7 (".Entw&APw-rfe" is
                       "Entwürfe"), as Dovecot writes them, and is decoded`;

/**
 * A source as given: a store's root directory (with `utf8Names` when its
 * names are UTF-8 on disk, not modified UTF-7), or a name list ("-" for
 * standard input).
 *
 * @example A Maildir++ store
 * ```ts
 * import type { Source } from "./source.ts";
 * const source: Source = { kind: "maildir", dir: "/home/u/Maildir" };
 * ```
 */
export type Source = { kind: "maildir" | "fs"; dir: string; utf8Names?: boolean } | { kind: "list"; file: string };

/**
 * The source the command line names.
 *
 * @param ctx The command's context.
 * @returns The source.
 * @throws UsageError when none or more than one is given, or `--utf8-names` with `--from-list`.
 *
 * @example The source of a sync
 * ```ts ignore
 * const source = sourceOption(ctx);
 * ```
 */
export function sourceOption(ctx: CommandContext): Source {
  const given = (["maildir", "fs", "from-list"] as const).filter((k) => ctx.values[k] !== undefined);
  if (given.length === 0) throw new UsageError("Missing the source: --maildir DIR, --fs DIR or --from-list FILE");
  if (given.length > 1) throw new UsageError(`Give one source, not ${given.map((g) => "--" + g).join(" and ")}`);
  const k = given[0];
  const v = requireString(ctx, k);
  const utf8Names = ctx.values["utf8-names"] === true;
  if (k === "from-list") {
    if (utf8Names) throw new UsageError("--utf8-names applies to --maildir and --fs, not to --from-list");
    return { kind: "list", file: v };
  }
  return utf8Names ? { kind: k, dir: v, utf8Names } : { kind: k, dir: v };
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

/**
 * What {@linkcode scanSource} read.
 *
 * @example Reporting a scan
 * ```ts ignore
 * const scan: Scan = await scanSource(ctx, source, "/");
 * console.log(`${scan.mailboxes.length} folders in ${scan.ms} ms`);
 * ```
 */
export interface Scan {
  /** The mailboxes, in the order read. */
  mailboxes: MailboxInput[];
  /** Folders whose subtree the scan could not read completely. */
  incomplete: string[];
  /** Milliseconds the scan took. */
  ms: number;
}

/** A name list, through the one name-list reader, with a progress bar. */
async function readList(ctx: CommandContext, file: string, onWarning: (w: ScanWarning) => void): Promise<MailboxInput[]> {
  const mailboxes: MailboxInput[] = [];
  const bar = new Progress({ label: "Reading names", unit: "names", stream: ctx.err });
  try {
    for await (const name of readNameList(file, { onWarning, fs: ctx.scanFs })) {
      mailboxes.push(name);
      if ((mailboxes.length & 1023) === 0) bar.update(mailboxes.length);
    }
  } finally {
    bar.done();
  }
  return mailboxes;
}

/** A store in this thread, with a progress bar (with a total for Maildir++). */
async function scanHere(
  ctx: CommandContext,
  source: { kind: "maildir" | "fs"; dir: string; utf8Names?: boolean },
  separator: string,
  onWarning: (w: ScanWarning) => void,
  specialUse: SpecialUseMap | undefined,
): Promise<MailboxInput[]> {
  const mailboxes: MailboxInput[] = [];
  const total = source.kind === "maildir" ? await countMaildirFolders(source.dir) : undefined;
  const bar = new Progress({ label: "Scanning", unit: "folders", total, stream: ctx.err });
  try {
    const opts = { separator, onWarning, fs: ctx.scanFs, utf8Names: source.utf8Names === true, specialUse };
    const scan = source.kind === "maildir" ? scanMaildir(source.dir, opts) : scanFsLayout(source.dir, opts);
    for await (const m of scan as AsyncIterable<ScannedMailbox>) {
      mailboxes.push(m);
      bar.update(mailboxes.length);
    }
  } finally {
    bar.done();
  }
  return mailboxes;
}

/** A Maildir++ root that is missing or not a directory is a CliError. */
async function checkStoreRoot(source: { kind: "maildir" | "fs"; dir: string }): Promise<void> {
  if (source.kind !== "maildir") return;
  const s = await stat(source.dir).catch((e) => {
    throw new CliError(`Cannot read store root "${source.dir}": ${describeFsError(e)}`, 1);
  });
  if (!s.isDirectory()) throw new CliError(`Cannot read store root "${source.dir}": not a directory`, 1);
}

/**
 * What {@linkcode scanStoreIntoTable} read: the names, encoded by the workers.
 *
 * @example Reporting a scan
 * ```ts ignore
 * const scan: TableScan = await scanStoreIntoTable(ctx, source, "/", workers);
 * console.log(`${scan.names.count} folders in ${scan.ms} ms`);
 * ```
 */
export interface TableScan {
  /** The mailboxes, in shared memory, in the order of a scan in one thread. */
  names: NameTable;
  /** Folders whose subtree the scan could not read completely. */
  incomplete: string[];
  /** Milliseconds the scan took. */
  ms: number;
}

/**
 * Scan a store on kept rebuild workers, which encode what they find
 * straight into the name table the rebuild then reads on the same workers,
 * with warnings and a progress bar.
 *
 * @param ctx The command's context (warnings, the progress stream; `scanFs` serves the listing of the root).
 * @param source The store.
 * @param separator The separator of the names to make.
 * @param workers Workers from `startRebuildWorkers`.
 * @param specialUse The scanners' special-use name map (`--special-use`).
 * @returns The names, the folders that could not be read, and the time taken.
 * @throws CliError when a Maildir++ root cannot be read; the scanners' errors.
 *
 * @example Scan, then rebuild on the same workers
 * ```ts ignore
 * const scan = await scanStoreIntoTable(ctx, { kind: "maildir", dir: "/home/u/Maildir" }, "/", workers);
 * await rebuild(index, { table: scan.names }, { workers });
 * ```
 */
export async function scanStoreIntoTable(
  ctx: CommandContext,
  source: { kind: "maildir" | "fs"; dir: string; utf8Names?: boolean },
  separator: string,
  workers: RebuildWorkers,
  specialUse?: SpecialUseMap,
): Promise<TableScan> {
  const started = Date.now();
  await checkStoreRoot(source);
  const names = specialUse === undefined
    ? { utf8Names: source.utf8Names === true }
    : { utf8Names: source.utf8Names === true, specialUse };
  const keys = source.kind === "maildir"
    ? await listMaildirTopLevel(source.dir, ctx.scanFs, names)
    : await listFsTopLevel(source.dir, ctx.scanFs, names);
  const bar = new Progress({ label: "Scanning top-level folders", unit: "folders", stream: ctx.err });
  let scan;
  try {
    scan = await scanStoreOn(workers, source.kind, source.dir, separator, keys, (done) => bar.update(done), names);
  } finally {
    bar.done();
  }
  const incomplete: string[] = [];
  scan.warnings.forEach(collectUnread(incomplete, (reason) => ctx.warn(reason)));
  return { names: scan.names, incomplete, ms: Date.now() - started };
}

/**
 * Read every mailbox of the source, with warnings and a progress bar: a
 * name list through `readNameList`, a store through its scanner in this
 * thread (`rebuild --workers` scans on its workers: {@linkcode scanStoreIntoTable}).
 *
 * @param ctx The command's context (warnings, the progress stream, the scan seam).
 * @param source What to read.
 * @param separator The separator of the names to make.
 * @param specialUse Special-use attributes by name (`--special-use`): the scanners' map for a store; for a name list, the named names become records that carry them.
 * @returns The mailboxes, the folders that could not be read, and the time taken.
 * @throws CliError when a Maildir++ root cannot be read; the scanners' errors.
 *
 * @example Scanning a Maildir++ store
 * ```ts ignore
 * const scan = await scanSource(ctx, { kind: "maildir", dir: "/home/u/Maildir" }, "/");
 * ```
 */
export async function scanSource(
  ctx: CommandContext,
  source: Source,
  separator: string,
  specialUse?: SpecialUseMap,
): Promise<Scan> {
  const started = Date.now();
  const incomplete: string[] = [];
  const onWarning = collectUnread(incomplete, (reason) => ctx.warn(reason));
  if (source.kind === "list") {
    const mailboxes = await readList(ctx, source.file, onWarning);
    if (specialUse !== undefined) {
      const bits = resolveSpecialUse(specialUse)!;
      for (let i = 0; i < mailboxes.length; i++) {
        const b = bits.get(mailboxes[i] as string);
        if (b !== undefined) mailboxes[i] = { name: mailboxes[i] as string, specialUse: b };
      }
    }
    return { mailboxes, incomplete, ms: Date.now() - started };
  }
  await checkStoreRoot(source);
  const mailboxes = await scanHere(ctx, source, separator, onWarning, specialUse);
  return { mailboxes, incomplete, ms: Date.now() - started };
}
